"""French typography in the catalog: a non-breaking space before « : ; ! ? » and inside « ».

The rule (README, "Languages"): U+00A0 everywhere (U+202F, the narrow one, is accepted too).
Punctuation glued to what follows is not prose and is allowed: times (23:59), URLs (https://),
codes (criterion:CODE), Python format keys.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.conftest import login

CATALOG = Path(__file__).resolve().parents[2] / "judging/translations/fr/LC_MESSAGES/messages.po"
SPACES = "\u00a0\u202f"


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
    prize = make.prize(edition, name={"fr": "Prix de l'innovation", "en": "Innovation Award"})
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
