"""One loader: a row by its id, or 404, checked against the parent the URL names.

``load_or_404(Prize, prize_id, parent=edition)`` answers 404 for a missing prize and for a prize
of another edition alike (a URL that mixes parents shows nothing, not even that the row exists).
"""

from __future__ import annotations

from typing import Any, TypeVar

from flask import abort

from judging.db import session

T = TypeVar("T")


def parent_key(parent: Any) -> str:
    """The column that points at ``parent``: ``edition_id`` for an Edition, ``round_id`` for a Round."""
    return f"{type(parent).__name__.lower()}_id"


def load_or_404(model: type[T], object_id: int | None, *, parent: Any = None) -> T:
    """The ``model`` row ``object_id``; 404 when it is missing or belongs to another ``parent``."""
    obj = session.get(model, object_id) if object_id is not None else None
    if obj is None:
        abort(404)
    if parent is not None and getattr(obj, parent_key(parent)) != parent.id:
        abort(404)
    return obj
