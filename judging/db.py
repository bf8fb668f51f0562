"""One SQLAlchemy engine per app, one session per app context.

``from judging.db import session`` gives the current context's session. Services
flush; the route (or CLI command) commits once.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
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


def get_engine(app: Flask | None = None) -> Engine:
    return (app or current_app).extensions[_EXT]["engine"]


def get_session() -> Session:
    if "_db_session" not in g:
        g._db_session = current_app.extensions[_EXT]["sessionmaker"]()
    return g._db_session


session: Session = LocalProxy(get_session)  # type: ignore[assignment]
