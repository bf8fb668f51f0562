"""Run Alembic migrations from code (the CLI, the health check and the tests share this)."""

from __future__ import annotations

import logging

# Alembic logs a line per plugin when it is first imported: not news for someone running a command.
logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)

from alembic import command  # noqa: E402
from alembic.config import Config  # noqa: E402
from alembic.script import ScriptDirectory  # noqa: E402
from sqlalchemy import inspect, text  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from judging.core.paths import resource_folder  # noqa: E402
from judging.db import make_engine  # noqa: E402


def alembic_config(database_url: str) -> Config:
    """Alembic's settings, built here (``alembic.ini`` serves only the ``alembic`` command in a checkout).

    The scripts come from the installed package or the checkout (``judging.core.paths``).
    """
    cfg = Config()
    cfg.set_main_option("script_location", str(resource_folder("migrations")))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["database_url"] = database_url
    cfg.attributes["skip_logging"] = True
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    """Upgrade the schema; on SQLite with foreign keys off while the migrations run.

    SQLite's batch migrations copy a table and drop the old one; with foreign keys on (as
    ``make_engine`` sets them), that drop deletes every child row declared ``ON DELETE CASCADE``
    (0002 rebuilt ``assignments`` and took every criterion score with it).
    """
    cfg = alembic_config(database_url)
    if not database_url.startswith("sqlite"):
        command.upgrade(cfg, revision)
        return
    engine = make_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")  # outside a transaction, or ignored
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, revision)
            connection.commit()
    finally:
        engine.dispose()


def head_revision() -> str:
    """The newest migration this code ships."""
    script = ScriptDirectory.from_config(alembic_config(""))
    return script.get_current_head()  # type: ignore[return-value]


def known_revisions() -> set[str]:
    script = ScriptDirectory.from_config(alembic_config(""))
    return {revision.revision for revision in script.walk_revisions()}


def current_revision(connection) -> str | None:
    """The revision the database is at (``None``: never migrated); one query, nothing logged."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
