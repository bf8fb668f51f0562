"""Alembic environment: the URL comes from the caller (``judging db upgrade``, tests) or the app config."""

from __future__ import annotations

import warnings
from logging.config import fileConfig

from alembic import context
from sqlalchemy import pool

from judging.core.models import Base
from judging.db import make_engine

config = context.config
if config.config_file_name is not None and not config.attributes.get("skip_logging"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata

# SQLite cannot reflect the lower(email) expression indexes when a batch migration rebuilds a table;
# migration 0010 puts back what a rebuild dropped, so the warning says nothing a person must act on.
warnings.filterwarnings("ignore", message="Skipped unsupported reflection of expression-based index")


def database_url() -> str:
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from judging import create_app

    return create_app().config["DATABASE_URL"]


def run_migrations_offline() -> None:
    context.configure(
        url=database_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(database_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection) -> None:
    context.configure(
        connection=connection, target_metadata=target_metadata, render_as_batch=True, compare_type=True
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
