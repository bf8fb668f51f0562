"""Application references: the next number without reading every reference of the edition."""

from __future__ import annotations

from sqlalchemy import event

from judging.applications.operations import _next_sequence
from judging.db import get_engine


def test_next_number_follows_the_newest_references(make, db):
    edition = make.edition()
    prize = make.prize(edition)
    make.application(prize, ref="INN-001")
    make.application(prize, ref="FEM-007")
    assert _next_sequence(db, edition.id) == 8


def test_next_number_is_past_the_count_when_references_have_no_number(make, db):
    edition = make.edition()
    prize = make.prize(edition)
    for letter in "ABCDE":
        make.application(prize, ref=f"IMPORTED-{letter}")
    assert _next_sequence(db, edition.id) == 6


def test_two_queries_whatever_the_size(app, make, db):
    edition = make.edition()
    prize = make.prize(edition)
    for i in range(120):
        make.application(prize, ref=f"INN-{i + 1:03d}")
    db.flush()
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(get_engine(app), "before_cursor_execute", listener)
    try:
        assert _next_sequence(db, edition.id) == 121
    finally:
        event.remove(get_engine(app), "before_cursor_execute", listener)
    assert len(statements) == 2
