"""The shared macros' words are translated too.

pybabel skips folders whose name starts with "_" unless told otherwise; after the move of the organizer
macros to ``templates/_macros/``, their strings silently fell out of the catalog and showed in English
on French pages.
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
LITERAL = re.compile(r"""\b_\(\s*"((?:[^"\\]|\\.)+)"\s*[,)]""")


def test_every_string_of_the_shared_macros_has_its_french():
    with (ROOT / "judging/translations/fr/LC_MESSAGES/messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="fr")
    strings = {
        match.group(1)
        for path in sorted((ROOT / "templates" / "_macros").glob("*.html"))
        for match in LITERAL.finditer(path.read_text(encoding="utf-8"))
    }
    assert len(strings) >= 5
    missing = sorted(text for text in strings if not (catalog.get(text) and catalog.get(text).string))
    assert missing == []
