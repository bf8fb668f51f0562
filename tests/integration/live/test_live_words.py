"""One French word for a finalist's turn on stage in the live final: « présentation » (OQLF), on the
organizer's control as on the juror's page and the projector (the control said « Pitch suivant »,
« Durée des pitchs » while the juror's page said « Présentation »)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.pofile import read_po

from tests.integration.live.test_live_final import base, client_of, move

CATALOG = Path(__file__).resolve().parents[3] / "judging/translations/fr/LC_MESSAGES/messages.po"
#: attributes whose values people read (or a script shows them)
READ_ATTRIBUTES = re.compile(
    r"^(title|aria-label|placeholder|alt|value|data-text-.*|data-pitch|data-questions|data-over)$"
)


class ReadText(HTMLParser):
    """The text a person reads on a page: its text nodes and the attributes above, without scripts."""

    def __init__(self):
        super().__init__()
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("script", "style")
        if tag == "input" and dict(attrs).get("type") == "hidden":
            return
        self.parts.extend(value for name, value in attrs if value and READ_ATTRIBUTES.match(name))

    def handle_endtag(self, tag):
        self.skip -= tag in ("script", "style") and self.skip > 0

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def read_text(html: str) -> str:
    parser = ReadText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def test_the_french_catalog_never_says_pitch():
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle, locale="fr")
    pitched = []
    for message in catalog:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        pitched.extend(text for text in strings if message.id and text and re.search(r"pitch", text, re.I))
    assert pitched == []


def test_the_control_the_phone_and_the_projector_say_presentation(app, db, organizer_client, final, juror):
    for criterion in final.round.criteria:  # the fixture's criterion is named after its code, « pitch »
        criterion.name = {"fr": "Qualité de la présentation", "en": "Quality of the pitch"}
    db.commit()
    move(organizer_client, "/organizer", final, "start")
    control = read_text(organizer_client.get(f"/organizer{base(final)}/control").get_data(as_text=True))
    assert "Présentation suivante" in control and "Durée des présentations" in control
    assert "Présentation en cours" in control
    phone = read_text(client_of(app, juror).get(f"/jury{base(final)}").get_data(as_text=True))
    screen = read_text(organizer_client.get(f"/organizer{base(final)}/screen").get_data(as_text=True))
    for page in (control, phone, screen):
        assert not re.search(r"\bpitchs?\b", page, re.I), re.findall(r".{30}\bpitchs?\b.{30}", page, re.I)
