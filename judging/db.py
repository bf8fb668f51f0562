"""One SQLAlchemy engine per app, one session per app context.

``from judging.db import session`` gives the current context's session. Services
flush; the route (or CLI command) commits once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.local import LocalProxy

_EXT = "judging.db"


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions[_EXT] = {"engine": engine, "sessionmaker": sessionmaker(engine, expire_on_commit=False)}

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        db_session = g.pop("_db_session", None)
        if db_session is not None:
            db_session.close()


@contextmanager
def sessions_joining(app: Flask, connection: Connection) -> Iterator[None]:
    """Tests only: every session ``app`` opens meanwhile joins ``connection``'s open transaction.

    Each session works inside a SAVEPOINT of that transaction: its ``commit()`` releases the
    savepoint (the rows stay, visible to every later session of the test), its ``rollback()`` or
    ``close()`` rolls back to it. The test fixture rolls the whole transaction back at the end, so
    nothing is ever committed and no table needs emptying (see docs/testing.md). ``get_engine``
    meanwhile gives the connection's engine, so listeners a test puts on it see the statements.
    """
    extension = app.extensions[_EXT]
    own = dict(extension)
    extension["engine"] = connection.engine
    extension["sessionmaker"] = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        yield
    finally:
        extension.update(own)


def get_engine(app: Flask | None = None) -> Engine:
    return (app or current_app).extensions[_EXT]["engine"]


def get_session() -> Session:
    if "_db_session" not in g:
        g._db_session = current_app.extensions[_EXT]["sessionmaker"]()
    return g._db_session


session: Session = LocalProxy(get_session)  # type: ignore[assignment]
