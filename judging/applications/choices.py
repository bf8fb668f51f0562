"""The codes an application stores and the words they are shown with: countries and labelled codes.

Below the form, the operations and the receipt, which all need them: the form offers the
choices, the operations check a stored country against them, and the PDF receipt (a document,
which never reaches up into the candidate's form) shows their names.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from babel import Locale

from judging.core.collation import sort_key
from judging.core.labels import REGISTRY

NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})
"""Babel territories with a two-letter code that are no country (the European Union, "unknown" ...)."""


@lru_cache(maxsize=4)
def countries(locale: str) -> list[tuple[str, str]]:
    """(ISO code, name in ``locale``) for every country, sorted by name."""
    names = Locale.parse(locale).territories
    pairs = [
        (code, name)
        for code, name in names.items()
        if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES
    ]
    by_name = sort_key(locale)
    return sorted(pairs, key=lambda pair: by_name(pair[1]))


def labels() -> dict[str, Any]:
    """Translated labels of the stored codes, for templates (pages, PDF receipt): the one registry's."""
    return REGISTRY
