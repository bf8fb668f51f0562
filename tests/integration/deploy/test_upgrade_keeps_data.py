"""Last year's data survives this year's upgrade: a database at migration 0001 with a row in every
table (plain SQL inserts against the 0001 schema) is upgraded to head on SQLite and PostgreSQL, and
every value is read back unchanged.

SQLite's batch migrations copy whole tables (with foreign keys on, a careless copy deletes child
rows by cascade); PostgreSQL alters in place. Both are run. The database of last year and the
check of its rows are in ``tests/scenarios.py`` (``database_at_0001``, ``assert_rows_intact``, with
the columns a migration may drop), shared with the backup and submission tests.
"""

from __future__ import annotations

from judging.core.migrate import upgrade
from tests.integration.deploy.scratch_db import scratch_postgres
from tests.scenarios import assert_rows_intact, database_at_0001


def _upgrade_keeps_every_row(url: str) -> None:
    written = database_at_0001(url)
    upgrade(url, "head")
    assert_rows_intact(url, written)


def test_upgrade_from_0001_keeps_every_row_on_sqlite(tmp_path):
    _upgrade_keeps_every_row(f"sqlite:///{tmp_path / 'last-year.sqlite'}")


def test_upgrade_from_0001_keeps_every_row_on_postgresql(database_url):
    with scratch_postgres(database_url, "upgrade") as url:
        _upgrade_keeps_every_row(url)
