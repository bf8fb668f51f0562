"""Sorting names for display by the language's rules (the Unicode Collation Algorithm).

``sorted(names, key=str.casefold)`` puts « États-Unis » after « Zimbabwe » (É is past z in code
points); the Unicode collation puts it after « Espagne », as a dictionary does. ``pyuca`` implements
the algorithm with the default table (DUCET), which is what CLDR uses for French and English alike,
so one collator serves both; ``locale`` is kept in the signature so that a language with its own
tailoring can get one here without touching the callers.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from pyuca import Collator


@lru_cache(maxsize=1)
def _collator() -> Collator:
    return Collator()  # reads the collation table once (about a second): keep one


def sort_key(locale: str = "fr") -> Callable[[str], tuple]:
    """A ``key=`` for ``sorted`` that orders text as people of ``locale`` expect (« É » with « E »)."""
    collator = _collator()

    def key(text: str) -> tuple:
        return (collator.sort_key(text or ""), text or "")

    return key
