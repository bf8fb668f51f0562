"""Sorting names for display by the language's rules (the Unicode Collation Algorithm).

``sorted(names, key=str.casefold)`` puts « États-Unis » after « Zimbabwe » (É is past z in code
points); the Unicode collation puts it after « Espagne », as a dictionary does. ``pyuca`` implements
the algorithm with the default table (DUCET), which is what CLDR uses for French and English alike,
so one collator serves both; ``locale`` is kept in the signature so that a language with its own
tailoring can get one here without touching the callers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import TypeVar

from pyuca import Collator

T = TypeVar("T")


@lru_cache(maxsize=1)
def _collator() -> Collator:
    return Collator()  # reads the collation table once (about a second): keep one


#: Names kept with their keys, per process: about 800 bytes each (3 MiB when full), so that the
#: people page (1,000 staff) or a jury list does not compute 1,000 keys (20 µs each) on every view.
KEYS_KEPT = 4096


@lru_cache(maxsize=KEYS_KEPT)
def collation_key(text: str) -> tuple:
    """The Unicode collation key of ``text`` followed by ``text`` (equal keys keep a fixed order)."""
    return (_collator().sort_key(text), text)


def sort_key(locale: str = "fr") -> Callable[[str], tuple]:
    """A ``key=`` for ``sorted`` that orders text as people of ``locale`` expect (« É » with « E »)."""

    def key(text: str) -> tuple:
        return collation_key(text or "")

    return key


def sorted_by_name(items: Iterable[T], name: Callable[[T], str], locale: str = "fr") -> list[T]:
    """``items`` by ``name(item)`` as a dictionary of ``locale`` orders them; stable, so rows fetched
    in a tie-breaking order (an email, an id) keep it among equal names.

    For lists read whole (people, a jury, a filter's choices). A list shown a page at a time must be
    ordered by the database before it is cut into pages; see ``docs/organizer-setup.md``.
    """
    key = sort_key(locale)
    return sorted(items, key=lambda item: key(name(item)))
