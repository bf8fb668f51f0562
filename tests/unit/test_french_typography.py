"""French typography in the catalog: a non-breaking space before « : ; ! ? » and inside « ».

The rule (README, "Languages"): U+00A0 everywhere (U+202F, the narrow one, is accepted too).
Punctuation glued to what follows is not prose and is allowed: times (23:59), URLs (https://),
codes (criterion:CODE), Python format keys.

The apostrophe of a French text is the typographic one, ’ (U+2019), in the catalog and in the demo's
and the generated editions' texts; English texts keep the straight ' (English usage).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from judging.devdata import demo, generate
from tests.conftest import login

CATALOG = Path(__file__).resolve().parents[2] / "judging/translations/fr/LC_MESSAGES/messages.po"
SPACES = "\u00a0\u202f"
#: A straight apostrophe between two letters ("l'équipe"): in French it is ’.
STRAIGHT_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")


def typography_faults(text: str) -> list[str]:
    """Every place in one French string where the space before « : ; ! ? » or inside « » is wrong."""
    faults = []
    for match in re.finditer(r"[:;!?]", text):
        start, end = match.span()
        glued_to_next = end < len(text) and (text[end].isalnum() or text[end] in "/%{(")
        if glued_to_next or (start > 0 and text[start - 1] in SPACES) or start == 0:
            continue
        faults.append(text[max(0, start - 15) : end + 5])
    # exactly one no-break space inside « »: none, an ordinary one or two are all faults
    for match in re.finditer(r"«(\s*)|(\s*)»", text):
        inner = match.group(1) if match.group(0).startswith("«") else match.group(2)
        if len(inner) != 1 or inner not in SPACES:
            faults.append(text[max(0, match.start() - 10) : match.end() + 10])
    return faults


def french_strings() -> list[tuple[str, str]]:
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle, locale="fr")
    found = []
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        found.extend((ids[0], text) for text in strings if text)
    return found


def test_the_rule_itself():
    assert typography_faults("Rappel : 2 candidatures") == ["Rappel : 2 candidatures"[:13]]
    assert typography_faults("le hasard; une") != []
    assert typography_faults("« titre »") != []
    assert typography_faults("Félicitations!") != []
    assert len(typography_faults("Rappel\u00a0: « titre »")) == 2
    assert typography_faults("Rappel\u00a0: «\u00a0titre\u00a0»\u00a0!") == []
    assert typography_faults("à 23:59, https://x.org, criterion:impact, %(n)s") == []
    assert typography_faults("«\u00a0\u00a0titre\u00a0»") != []  # one space, not two


def test_every_french_string_has_its_non_breaking_spaces():
    faults = {msgid: typography_faults(text) for msgid, text in french_strings()}
    assert {msgid: found for msgid, found in faults.items() if found} == {}


def test_one_style_for_congratulations():
    texts = [text for _, text in french_strings() if "Félicitations" in text]
    assert texts
    assert all("Félicitations\u00a0!" in text for text in texts), texts


def test_the_apostrophe_rule_itself():
    assert STRAIGHT_APOSTROPHE.findall("Prix de l'innovation, jusqu'en 2024") == ["'", "'"]
    assert not STRAIGHT_APOSTROPHE.search("Prix de l’innovation, jusqu’en 2024")
    assert not STRAIGHT_APOSTROPHE.search("name='x' 'quoted'")


def test_every_french_string_has_the_typographic_apostrophe():
    assert [(msgid, text) for msgid, text in french_strings() if STRAIGHT_APOSTROPHE.search(text)] == []


def french_texts(node: object, language: str = "fr", readers: dict[str, str] | None = None) -> list[str]:
    """Every French text of an exchange document: the ``fr`` side of a bilingual value, the free texts
    of whatever is in French (``language``: a person, an application; a scorecard: its juror's), and
    the texts nothing marks as English (conflict reasons: the contest's language is French)."""
    if readers is None and isinstance(node, dict) and "people" in node:
        readers = {person["email"]: person["language"] for person in node["people"]}
    readers = readers or {}
    if isinstance(node, str):
        return [node] if language == "fr" else []
    if isinstance(node, list):
        return [text for item in node for text in french_texts(item, language, readers)]
    if not isinstance(node, dict):
        return []
    if isinstance(node.get("language"), str):
        language = node["language"]
    elif "scores" in node and node.get("juror") in readers:
        language = readers[node["juror"]]
    texts = []
    for key, value in node.items():
        if key == "language":
            continue
        texts += french_texts(value, key if key in ("fr", "en") else language, readers)
    return texts


def test_the_document_walk_tells_french_from_english():
    document = {
        "people": [{"email": "en@x.org", "language": "en", "name": "Bob's"}],
        "prizes": [{"name": {"fr": "Prix d’or", "en": "Gold's Award"}}],
        "applications": [
            {"language": "en", "title": "Women's health"},
            {"language": "fr", "title": "Lumière"},
        ],
        "scorecards": [{"juror": "en@x.org", "scores": {}, "comment": "The team's plan"}],
        "conflicts": [{"juror": "en@x.org", "reason": "Même organisation."}],
    }
    texts = french_texts(document)
    assert {"Prix d’or", "Lumière", "Même organisation."} <= set(texts)
    assert not {"Gold's Award", "Women's health", "The team's plan", "Bob's"} & set(texts)


def test_the_demos_french_texts_have_the_typographic_apostrophe():
    texts = french_texts(demo.demo_document(complete=True))
    assert sorted({text for text in texts if STRAIGHT_APOSTROPHE.search(text)}) == []
    assert "Prix Femmes en Tech" in texts  # the walk reaches the prizes' names
    english = demo.demo_document()["prizes"][1]["description"]["en"]
    assert "women's place" in english  # English keeps its straight apostrophe


def test_a_generated_editions_french_texts_have_the_typographic_apostrophe():
    setup = generate.setup_document("gen", demo.PRIZES, demo.ANCHOR.date())
    # the reasons written by the generator itself (a recusal, 0.3 % of scorecards, is rare in a small run)
    texts = french_texts(setup) + [generate.ABSTAIN_REASONS[0], generate.RECUSE_REASON]
    assert sorted({text for text in texts if STRAIGHT_APOSTROPHE.search(text)}) == []


# --- rendered French pages ----------------------------------------------------------------------------


class _VisibleText(HTMLParser):
    """The text a person reads (scripts and styles left out), one string per text node."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style") and self._skip > 0

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(" ".join(data.split(" ")))


def page_faults(html: str) -> list[str]:
    parser = _VisibleText()
    parser.feed(html)
    return [fault for part in parser.parts for fault in typography_faults(part.strip())]


@pytest.fixture
def french_pages(client, make, db):
    """A few main pages in French: home, log in, registration, the candidate's pages, the organizer's."""
    edition = make.edition(name={"fr": "MTL Tech Awards 2026", "en": "MTL Tech Awards 2026"})
    prize = make.prize(edition, name={"fr": "Prix de l’innovation", "en": "Innovation Award"})
    make.round(prize)
    candidate = make.user(email="cand@example.org", roles=["candidate"])
    application = make.application(prize, applicant=candidate, ref="INN-001", title="Robot de serre")
    organizer = make.user(email="orga@example.org", roles=["organizer"])
    db.commit()
    pages = {path: client.get(path) for path in ("/", "/auth/login", "/auth/register", "/auth/reset")}
    login(client, candidate)
    for path in ("/candidate/", f"/candidate/applications/{application.id}", "/candidate/my-data"):
        pages[path] = client.get(path)
    login(client, organizer)
    for path in ("/organizer/", f"/organizer/editions/{edition.id}"):
        pages[path] = client.get(path)
    return pages


def test_french_pages_keep_guillemets_and_punctuation_with_their_words(french_pages):
    assert {path: response.status_code for path, response in french_pages.items()} == dict.fromkeys(
        french_pages, 200
    )
    faults = {path: page_faults(response.get_data(as_text=True)) for path, response in french_pages.items()}
    assert {path: found for path, found in faults.items() if found} == {}
