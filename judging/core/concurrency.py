"""Replaying a write that lost a race with another request on the same rows.

Two requests that loaded the same version of a row cannot both write it: the ORM's
``UPDATE ... WHERE version = :seen`` (``Versioned``) makes the second fail with ``StaleDataError``;
two inserts of the same unique row make one fail with ``IntegrityError``; SQLite may answer
"database is locked". :func:`commit_with_replay` rolls back and runs the work again against fresh
state, where the work decides: the same change already made is a no-op (idempotent), a different
one is refused by the work's own version check (a stale save, with its message).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

T = TypeVar("T")
RACE_ERRORS = (StaleDataError, IntegrityError, OperationalError)


def lost_race(error: Exception) -> bool:
    """True for the errors a replay can cure (a stale version, a duplicate insert, SQLite's lock)."""
    if isinstance(error, StaleDataError | IntegrityError):
        return True
    return isinstance(error, OperationalError) and "locked" in str(error).lower()


def commit_with_replay(
    db: Session, work: Callable[[], T], *, attempts: int = 3, rewind: Callable[[], None] | None = None
) -> T:
    """Run ``work`` and commit once; after a lost race, roll back and replay it (``attempts`` in all).

    ``work`` must load what it changes itself (a replay sees fresh rows). Any other exception is
    left to the caller with the session untouched (the caller rolls back, or commits what it keeps).
    After the last attempt the race error itself is raised.
    """
    for attempt in range(attempts):
        try:
            result = work()
            db.commit()
            return result
        except RACE_ERRORS as error:
            db.rollback()
            if not lost_race(error) or attempt == attempts - 1:
                raise
            if rewind is not None:
                rewind()
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")  # pragma: no cover
