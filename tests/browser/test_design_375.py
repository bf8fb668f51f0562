"""At 375 px (a phone) and 1280 px, no page of the demo scrolls sideways, in French and in English.

The demo is loaded, each role logs in, and every page it can open by a GET whose address needs only
the demo's edition, first prize, its preselection and one application (taken from the app's URL map,
so a new page is swept without being listed here) is loaded at 375 px: the document must not be wider
than the screen. Wide tables scroll inside their own region, which is labelled and reachable by
keyboard (role="region", tabindex="0", a name).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

# Downloads, live screens and pages that only answer a POST's follow-up are not pages to read on a phone.
SKIPPED = (".pdf", ".csv", ".xlsx", ".json", "/export", "/files/", "/reveal", "/live", "/receipt")
ROLE_PREFIXES = {
    "visitor": ("/", "/candidate/prizes", "/auth/login", "/auth/register", "/auth/reset"),
    "candidate": ("/candidate/", "/auth/profile"),
    "juror": ("/jury/",),
    "organizer": ("/organizer/",),
}

# The widest element of the page and the scroll regions that are not reachable or not named.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  let widest = null;
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 1 && (!widest || box.right > widest.right)) {
      widest = {right: Math.round(box.right), tag: el.tagName, cls: String(el.className),
                text: (el.textContent || '').trim().slice(0, 40)};
    }
  }
  return {scroll: document.documentElement.scrollWidth, widest};
}"""
UNREACHABLE_REGIONS = """() => Array.from(document.querySelectorAll('.table-responsive'))
  .filter(el => el.getAttribute('role') !== 'region' || el.getAttribute('tabindex') !== '0'
                || !(el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')))
  .map(el => (el.querySelector('table') || el).id || el.className)"""


@pytest.fixture
def demo_pages(live_app, live_db):
    """``{role: (email, [url, ...])}`` for the demo edition."""
    from flask import url_for

    from judging import demo
    from judging.models import Application, Assignment, Prize, Round, User

    edition = demo.load_demo(live_db)
    live_db.commit()
    prize = live_db.scalars(
        select(Prize).where(Prize.edition_id == edition.id).order_by(Prize.position)
    ).first()
    rnd = prize.rounds[0]
    juror = live_db.scalar(select(User).where(User.email == demo.JUROR_EMAIL))
    candidate = live_db.scalar(select(User).where(User.email == demo.CANDIDATE_EMAIL))
    own = live_db.scalars(select(Application).where(Application.applicant_id == candidate.id)).first()
    card = live_db.scalars(
        select(Assignment).join(Round).where(Assignment.juror_id == juror.id, Round.prize_id == prize.id)
    ).first()
    ids = {"edition_id": edition.id, "prize_id": prize.id, "round_id": rnd.id}
    urls: dict[str, list[str]] = {role: [] for role in ROLE_PREFIXES}
    with live_app.test_request_context():
        for rule in live_app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint == "static" or rule.rule.endswith(SKIPPED):
                continue
            values = dict(ids)
            # the candidate's own application; the juror's (and organizer's) one the juror scores
            values["application_id"] = own.id if rule.rule.startswith("/candidate/") else card.application_id
            if not set(rule.arguments) <= set(values) or any(part in rule.rule for part in SKIPPED):
                continue
            url = url_for(rule.endpoint, **{k: v for k, v in values.items() if k in rule.arguments})
            for role, prefixes in ROLE_PREFIXES.items():
                if url in prefixes if role == "visitor" else url.startswith(prefixes):
                    urls[role].append(url)
    emails = {"candidate": demo.CANDIDATE_EMAIL, "juror": demo.JUROR_EMAIL, "organizer": demo.ORGANIZER_EMAIL}
    return {role: (emails.get(role), sorted(set(found))) for role, found in urls.items()}


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("locale", ["fr-CA", "en-CA"])
def test_no_page_of_the_demo_scrolls_sideways(browser, live_server, demo_pages, locale, width):
    from judging import demo

    too_wide: dict[str, dict] = {}
    unreachable: dict[str, list] = {}
    swept: dict[str, int] = dict.fromkeys(demo_pages, 0)
    for role, (email, urls) in demo_pages.items():
        context = browser.new_context(
            viewport={"width": width, "height": 740},
            is_mobile=width < 768,
            locale=locale,
            timezone_id="America/Montreal",
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        if email:
            log_in(page, live_server.url, email, demo.DEMO_PASSWORD)
        page.goto(live_server.url + "/")
        language = "fr" if locale.startswith("fr") else "en"
        if page.get_attribute("html", "lang") != language:
            if width < 768:
                page.click(".navbar-toggler")  # the menu is folded on a phone
            page.click("#switch-language")
            page.wait_for_load_state()
        assert page.get_attribute("html", "lang") == language
        for url in urls:
            response = page.goto(live_server.url + url)
            if response is None or response.status >= 400 or page.url.rstrip("/").endswith("/auth/login"):
                continue
            swept[role] += 1
            result = page.evaluate(OVERFLOW)
            if result["scroll"] > width:
                too_wide[f"{role} {url}"] = result
            missing = page.evaluate(UNREACHABLE_REGIONS)
            if missing:
                unreachable[f"{role} {url}"] = missing
        context.close()
    # the sweep really ran through each role's pages
    assert min(swept.values()) >= 2 and sum(swept.values()) >= 30, swept
    assert too_wide == {}
    assert unreachable == {}
