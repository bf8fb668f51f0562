"""Names compared the way people mean them: ``Serre Inc.`` and ``serre`` are one organization.

Pure Python: no Flask, no session. Used by the edition import to key the
``Organization`` registry, by conflict-of-interest detection and by the masking of a blind
application's free text; it sits with the applications (below the jury) so that all of them
import it downward.
"""

from __future__ import annotations

import re
import unicodedata

# Legal-form words dropped from the end of a name (after accents and dots are removed).
LEGAL_SUFFIXES = frozenset(
    {
        "inc",
        "incorporated",
        "incorporee",
        "ltee",
        "ltd",
        "limited",
        "limitee",
        "llc",
        "llp",
        "lp",
        "plc",
        "senc",
        "sencrl",
        "srl",
        "corp",
        "corporation",
        "co",
        "cie",
        "enr",
        "sa",
        "sas",
        "sarl",
        "gmbh",
    }
)

_SEPARATORS = re.compile(r"[^0-9a-z]+")


def strip_accents(text: str) -> str:
    """``Éducatif`` → ``Educatif``: decompose, then drop the combining marks."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalize_org_name(name: str | None) -> str:
    """A comparison key for an organization name.

    Lower case, no accents, no punctuation, single spaces, and legal-form
    suffixes (``inc``, ``ltée``, ``ltd``, ``llc``, ``s.e.n.c.``, ``corp``,
    ``co`` ...) removed from the end. A name made only of such words keeps
    them, so the key is never empty for a non-empty name.

    >>> normalize_org_name("Serre Inc.")
    'serre'
    >>> normalize_org_name("Groupe Éducatif Lumière ltée")
    'groupe educatif lumiere'
    """
    if not name:
        return ""
    text = strip_accents(name).lower()
    # Dots inside abbreviations go away without a space ("s.e.n.c." → "senc", "inc." → "inc").
    text = text.replace(".", "")
    words = [word for word in _SEPARATORS.split(text) if word]
    kept = list(words)
    while kept and kept[-1] in LEGAL_SUFFIXES:
        kept.pop()
    return " ".join(kept or words)
