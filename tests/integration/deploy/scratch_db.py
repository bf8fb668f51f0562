"""A fresh PostgreSQL database next to the test one, for tests that need an empty or old schema."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from judging.db import make_engine


@contextmanager
def scratch_postgres(database_url: str, suffix: str) -> Iterator[str]:
    """``<test database>_<suffix>``, created empty, dropped after; skips unless tests run on PostgreSQL."""
    if not database_url.startswith("postgresql"):
        pytest.skip("JUDGING_TEST_DATABASE_URL is not a PostgreSQL database")
    url = make_url(database_url)
    name = f"{url.database}_{suffix}"
    server = make_engine(url.set(database="postgres").render_as_string(hide_password=False))
    with server.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()
