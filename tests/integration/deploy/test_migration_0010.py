"""After every migration, the lower(email) indexes exist (a SQLite table rebuild in 0007 dropped one)."""

from __future__ import annotations

from sqlalchemy import text

from judging.core.migrate import upgrade
from judging.db import make_engine

EXPRESSION_INDEXES = {"ix_applications_contact_email_lower", "ix_users_email_lower"}


def test_the_expression_indexes_exist_at_head_on_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'head.sqlite'}"
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        names = set(conn.scalars(text("SELECT name FROM sqlite_master WHERE type = 'index'")))
    engine.dispose()
    assert EXPRESSION_INDEXES - names == set()
