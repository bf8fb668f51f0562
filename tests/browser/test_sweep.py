"""Every screen at every point of the season: the demo loaded ``--at`` each phase, read by each role.

For each point of the season (``judging demo --at``, through the same ``load_demo`` the command
calls), each role (visitor, candidate, juror, organizer) opens its pages (``demo_pages.demo_urls``:
every GET page the demo's ids can fill; the first prize's preselection until the finalists are
announced, its final from then on) in French and English, at 1280 and 375 px, and each page
must show a person no raw time-zone offset or "UTC", no seconds in a time (receipts excepted), no
JSON, no internal code (the demo's prize, round, criterion and question codes; on French pages,
also the status and phase codes, which are English words that an English page may use as prose),
must not scroll sideways, and axe-core must find no serious or critical violation. A French page
writes the apostrophe ’, never a straight ' between letters (but in the demo's English texts,
an English project's title shown as typed).

Sampling, to keep the sweep under 4 minutes: at each point of the season every page of every
role is read once, in one of the four language × width combinations, rotating (page i of a role
in combination (i + phase) mod 4), so over the six points each page is read in every combination
(a round's pages, swept for the preselection at three points and for the final at three, in three
of the four at least). ``test_design_375.py`` separately reads every page in every combination for the
horizontal scroll.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest

from tests.browser.demo_pages import demo_urls, is_page, open_as

pytestmark = pytest.mark.browser

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
COMBINATIONS = [("fr-CA", 1280), ("en-CA", 375), ("en-CA", 1280), ("fr-CA", 375)]
STATUS_CODES = (
    "draft",
    "submitted",
    "withdrawn",
    "assigned",
    "recused",
    "abstained",
    "preselection",
    "deliberation",
    "announced",
    "decided",
    "setup",
    "judging",
)
TIME = r"\d{1,2}(?::\d{2}| h \d{2}| h)"
OFFSET = re.compile(rf"{TIME}[^\n]{{0,12}}?(?<![\w-])[+-]\d{{2}}:?\d{{2}}\b|\bUTC\b|\bGMT\b")
# A time of day with seconds: "2:34:09 AM", « à 2 h 34 min 09 s » (a countdown's « 9 j 21 h 25 min
# 42 s » is a duration, not a time).
SECONDS = re.compile(r"\b\d{1,2}:\d{2}:\d{2}\b|(?<=à )\d{1,2} h \d{2} min \d{2} s\b")

# Pages with a known finding outside this change's files, each with its reason. Keys: (check, url
# regex). Nothing else is allowed; remove an entry when its page is fixed.
ALLOWED: dict[tuple[str, str], str] = {}
# Names of the app's commands, shown to organizers, are not codes (« judging send-mail »).
COMMANDS = re.compile(r"\bjudging [a-z-]+")
# A straight apostrophe between letters, as a word: in French the apostrophe is ’ (l’équipe).
STRAIGHT_APOSTROPHE = re.compile(r"\w+'\w+")

AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
}"""
OVERFLOW = "() => document.documentElement.scrollWidth"


def _demo_codes() -> set[str]:
    """The demo's own codes that cannot be mistaken for a word of its texts."""
    from judging.devdata import demo

    document = demo.demo_document()
    codes: set[str] = set()
    for prize in document["prizes"]:
        codes.add(prize["code"])
        for rnd in prize["rounds"]:
            codes.add(rnd["code"])
            codes.update(c["code"] for c in rnd["criteria"])
        codes.update(q["code"] for q in prize["questions"])
    texts = _texts(document)
    return {code for code in codes if "-" in code or "_" in code or code.lower() not in texts}


def _texts(document: dict) -> set[str]:
    """Every word of the demo's human-readable texts (names, descriptions, guidance), both languages."""
    found: set[str] = set()

    def walk(value, key=""):
        if isinstance(value, dict):
            for k, v in value.items():
                if k not in ("code", "prize", "round", "criterion", "ref", "tie_break", "method"):
                    walk(v, k)
        elif isinstance(value, list):
            for item in value:
                walk(item, key)
        elif isinstance(value, str):
            found.update(re.findall(r"\w+", value.lower()))

    walk(document["prizes"])
    return found


@functools.cache
def _english_words() -> frozenset[str]:
    """The demo's English words with a straight apostrophe ("women's"): English keeps it, and a French
    page shows an English project's title and answers as they were written."""
    from judging.devdata import demo

    found: set[str] = set()

    def walk(value, english=False):
        if isinstance(value, dict):
            english = value.get("language", "en" if english else "fr") == "en"
            for key, item in value.items():
                walk(item, key == "en" or (english and key != "fr"))
        elif isinstance(value, list):
            for item in value:
                walk(item, english)
        elif isinstance(value, str) and english:
            found.update(STRAIGHT_APOSTROPHE.findall(value))

    walk(demo.demo_document())
    return frozenset(found)


def _straight_apostrophes(text: str) -> list[str]:
    """Where a French page writes a straight apostrophe between letters (the first three)."""
    english = _english_words()
    found = [match for match in STRAIGHT_APOSTROPHE.finditer(text) if match.group() not in english]
    return [_around(text, match) for match in found[:3]]


def _around(text: str, match: re.Match) -> str:
    """The match with a few words around it, to find it on the page."""
    return " ".join(text[max(0, match.start() - 40) : match.end() + 20].split())


def _findings(page, url: str, width: int, language: str, codes: set[str]) -> dict[str, object]:
    text = page.evaluate("() => document.body.innerText")
    found: dict[str, object] = {}
    if page.evaluate(OVERFLOW) > width:
        found["scroll"] = page.evaluate(OVERFLOW)
    if OFFSET.search(text):
        found["offset"] = _around(text, OFFSET.search(text))
    if "/receipt" not in url and SECONDS.search(text):
        found["seconds"] = _around(text, SECONDS.search(text))
    if '{"' in text:
        found["json"] = text[text.index('{"') :][:60]
    straight = _straight_apostrophes(text) if language == "fr" else []
    if straight:
        found["apostrophe"] = straight
    shown = codes | (set(STATUS_CODES) if language == "fr" else set())
    prose = COMMANDS.sub("", text)
    leaked = [re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", prose) for code in sorted(shown)]
    if any(leaked):
        found["code"] = [_around(prose, match) for match in leaked if match]
    page.evaluate(AXE)  # evaluated through the DevTools protocol: the app's CSP does not apply to it
    violations = page.evaluate(AXE_RUN)
    if violations:
        found["axe"] = violations
    return {
        check: value
        for check, value in found.items()
        if not any(check == c and re.search(pattern, url) for c, pattern in ALLOWED)
    }


@pytest.mark.parametrize("at", ["open", "screening", "judging", "finalists", "final", "ceremony"])
def test_every_page_at_every_point_of_the_season(browser, live_app, live_db, live_server, at):
    from judging.devdata import demo

    edition = demo.load_demo(live_db, at=at)
    live_db.commit()
    # once the finals are open, their pages (pitch order, Schulze results, winner) are the round's
    late = demo.SEASON.index(at) >= demo.SEASON.index("finalists")
    pages = demo_urls(live_app, live_db, edition, "final" if late else "preselection")
    codes = _demo_codes()
    shift = demo.SEASON.index(at)
    problems: dict[str, dict] = {}
    swept = 0
    for role, urls in pages.items():
        for index, (locale, width) in enumerate(COMBINATIONS):
            mine = [url for i, url in enumerate(urls) if (i + shift) % len(COMBINATIONS) == index]
            if not mine:
                continue
            context, page = open_as(browser, live_server.url, role, locale, width)
            for url in mine:
                response = page.goto(live_server.url + url)
                if not is_page(response, page):
                    continue
                swept += 1
                found = _findings(page, url, width, locale[:2], codes)
                if found:
                    problems[f"{at} {role} {locale} {width} {url}"] = found
            context.close()
    assert swept >= 30, swept
    assert problems == {}, "\n".join(f"{where}: {found}" for where, found in problems.items())


def test_the_checks_catch_what_they_look_for(browser, live_app, live_db, live_server):
    """Each check fails on a page that shows what it looks for (so a clean sweep means something)."""
    from judging.devdata import demo

    demo.load_demo(live_db)
    live_db.commit()
    context, page = open_as(browser, live_server.url, "visitor", "fr-CA", 375)
    page.goto(live_server.url + "/")
    assert _findings(page, "/", 375, "fr", _demo_codes()) == {}
    page.evaluate(
        """() => {
      const p = document.createElement('p');
      p.textContent = 'Reçu à 23:59 -05:00, modifié le 2026-12-06 à 2 h 34 min 09 s ; {"phase": "judging"} '
        + 'femmes-en-tech soumise (submitted), ' + "l'équipe.";
      document.querySelector('main').append(p);
      const img = document.createElement('img');
      img.src = '/static/none.png';
      document.querySelector('main').append(img);
      const wide = document.createElement('div');
      wide.style.width = '900px';
      wide.textContent = 'large';
      document.querySelector('main').append(wide);
    }"""
    )
    found = _findings(page, "/", 375, "fr", _demo_codes())
    context.close()
    assert set(found) == {"scroll", "offset", "seconds", "json", "code", "axe", "apostrophe"}, found
    assert len(found["apostrophe"]) == 1 and "l'équipe" in found["apostrophe"][0]
    assert [v["id"] for v in found["axe"]] == ["image-alt"]
    assert len(found["code"]) == 3  # femmes-en-tech, judging, submitted
