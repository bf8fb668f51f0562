"""Translation catalogs: extract, update, fill English, compile (``judging translations``).

Source strings are written in English, so the English catalog copies each
msgid; French is the default language and is translated in
``judging/translations/fr/LC_MESSAGES/messages.po``.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from judging.core.paths import CHECKOUT

TRANSLATIONS = Path(__file__).parent.parent / "translations"
POT = TRANSLATIONS / "messages.pot"


def _pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def extract() -> None:
    _pybabel(
        "extract",
        "-F",
        str(CHECKOUT / "babel.cfg"),
        "-k",
        "_l",
        "-k",
        "lazy_gettext",
        "-k",
        "lazy_ngettext:1,2",
        "-k",
        "lazy_pgettext:1c,2",  # words that depend on the person (« Lauréate », « Lauréat »)
        "--ignore-dirs",
        ".* __pycache__ _bundled",  # pybabel's default also skips "_*": templates/_macros/ holds strings
        "--no-location",
        "--sort-output",
        "--omit-header",
        "-o",
        str(POT),
        str(CHECKOUT),
    )


def update() -> None:
    _pybabel("update", "-i", str(POT), "-d", str(TRANSLATIONS), "--no-fuzzy-matching", "--ignore-obsolete")


def fill_english() -> None:
    po_path = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    for message in catalog:
        if message.id and not message.string:
            message.string = message.id
        message.flags.discard("fuzzy")
    with po_path.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False)


def compile_catalogs() -> None:
    for po_path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        locale = po_path.parent.parent.name
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
        with po_path.with_suffix(".mo").open("wb") as handle:
            write_mo(handle, catalog)


def untranslated(locale: str = "fr") -> list[str]:
    po_path = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    return [str(m.id) for m in catalog if m.id and (m.fuzzy or not is_complete(m.string))]


def is_complete(string: str | tuple[str, ...]) -> bool:
    """A translation with every form written (a plural entry has one string per form)."""
    return all(string) if isinstance(string, tuple) else bool(string)
