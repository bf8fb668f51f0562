"""Fixtures: one migrated database and one app per test session; each test inside a transaction.

The schema always comes from ``alembic upgrade head``. Set ``JUDGING_TEST_DATABASE_URL`` to run
the same suite on PostgreSQL.

By default a test runs inside one database transaction that is rolled back at its end: every
session the app opens (the test's, each request's, the mail sender's) joins it through a SAVEPOINT,
so ``commit()`` really writes the rows (constraints checked, visible to the next request) without
ever committing them. Tests that need real commits (threads, a second connection, another
process, DDL) are marked ``committing`` (see ``COMMITTING``) and get the old way: real commits,
tables emptied afterwards. docs/testing.md tells how it works and when to opt out.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from judging import create_app
from judging.core.migrate import upgrade
from judging.core.models import Base
from judging.db import get_engine, make_engine, sessions_joining
from tests import factories
from tests.scenarios import Clock, login

__all__ = ["login"]  # test modules import it from here too

# Settings the app reads when it uses them (not in create_app): a test may change them on the
# session's app. A test whose app_config differs in any other setting gets an app of its own.
PER_TEST_SETTINGS = frozenset({"UPLOAD_FOLDER", "MAIL_SERVER", "MAIL_PORT", "MAIL_TIMEOUT"})

# Tests that need real commits, by node id below tests/ (a module, or a module's test with its
# parameters or without): threads racing on their own connections, a served app (threads), other
# processes, migrations and backups (their own engines, DDL). A test module may also say so itself
# (``pytestmark = pytest.mark.committing``); this list marks the ones written before the fixture.
COMMITTING = (
    "browser/",
    "bench/",
    "integration/deploy/",
    "integration/applications/test_candidate_concurrency.py",
    "integration/applications/test_publication_consent.py::test_two_simultaneous_withdrawals_make_one",
    "integration/editions/test_organizer_concurrency.py",
    "integration/jury/test_jury_scoring_concurrency.py",
    "integration/mail/test_mail_outbox.py::test_two_senders_at_once_send_each_mail_once",
    "integration/mail/test_mail_worker.py::test_send_mail_watch_sends_as_mail_arrives_and_stops_after_the_mail",
    "integration/mail/test_mail_worker.py::test_the_development_server_sends_mail_from_a_background_thread",
    "integration/results/test_outcome_mails.py::test_two_organizers_scheduling_at_the_same_moment_queue_each",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.nodeid.removeprefix("tests/").startswith(COMMITTING):
            item.add_marker(pytest.mark.committing)


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("JUDGING_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = _database_url(tmp_path_factory)
    if url.startswith("postgresql"):
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    upgrade(url)
    return url


def empty_database(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(t.name for t in Base.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())
    engine.dispose()


def base_config(database_url: str, upload_folder: Path) -> dict[str, Any]:
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "UPLOAD_FOLDER": str(upload_folder),
        "MAIL_SERVER": "",
        "SERVER_NAME": None,
    }


@pytest.fixture
def app_config(database_url: str, tmp_path: Path) -> dict:
    """Override in a test module (or parametrize) to change the app's configuration."""
    return base_config(database_url, tmp_path / "uploads")


class SessionApp:
    """The app every test shares unless its configuration differs (``create_app`` costs ~0.1 s).

    Building another app re-initialises the shared extensions (Flask-Limiter's switch and
    storage, ...) with that app's settings: after a test with an app of its own, the next test
    gets a fresh shared app, as it got a fresh app before.
    """

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self._app: Flask | None = None

    def get(self) -> Flask:
        if self._app is None:
            self._app = create_app(self.config)
        return self._app

    def forget(self) -> None:
        if self._app is not None:
            get_engine(self._app).dispose()
        self._app = None


@pytest.fixture(scope="session")
def session_app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SessionApp]:
    shared = SessionApp(base_config(database_url, tmp_path_factory.mktemp("uploads")))
    yield shared
    shared.forget()


@contextmanager
def app_for(config: dict, session_app: SessionApp) -> Iterator[Flask]:
    """The session's app with the test's per-test settings (its configuration restored afterwards),
    or an app of its own when the test changes a setting ``create_app`` reads."""
    shared = session_app.config
    differing = {key for key in config.keys() | shared.keys() if config.get(key) != shared.get(key)}
    if differing - PER_TEST_SETTINGS:
        session_app.forget()
        application = create_app(config)
        yield application
        get_engine(application).dispose()
        return
    application = session_app.get()
    saved, setup = dict(application.config), app_setup(application)
    application.config.update({key: config[key] for key in differing & config.keys()})
    application._got_first_request = False  # a test may add a route, as on a new app
    try:
        yield application
    finally:
        application.config.clear()
        application.config.update(saved)
        if app_setup(application) != setup:
            session_app.forget()  # the next test must not see this test's routes or handlers


def app_setup(application: Flask) -> tuple:
    """What a test may add to an app after ``create_app``: routes, request hooks, error handlers."""
    hooks = (
        application.before_request_funcs,
        application.after_request_funcs,
        application.teardown_request_funcs,
    )
    return (
        tuple(application.view_functions),
        tuple(len(funcs) for hook in hooks for funcs in hook.values()),
        repr(application.error_handler_spec),
    )


@pytest.fixture(scope="session")
def transaction_engine(database_url: str) -> Iterator[Engine]:
    """The engine of the per-test transactions (the app's own engine keeps its usual settings).

    Its SAVEPOINT statements go straight to the driver: they are the fixture's bookkeeping, which
    the app never sends, so a test counting the app's statements must not see them. On SQLite,
    pysqlite's own transaction handling would break SAVEPOINTs: it is turned off and the BEGIN
    emitted, as SQLAlchemy's docs say ("Serializable isolation / Savepoints / Transactional DDL").
    """
    engine = make_engine(database_url)
    dialect: Any = engine.dialect
    dialect.do_savepoint = unseen("SAVEPOINT {}")
    dialect.do_release_savepoint = unseen("RELEASE SAVEPOINT {}")
    dialect.do_rollback_to_savepoint = unseen("ROLLBACK TO SAVEPOINT {}")
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _no_pysqlite_transactions(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin(connection: Connection) -> None:
            connection.exec_driver_sql("BEGIN")

    yield engine
    engine.dispose()


def unseen(statement: str):
    """A dialect's savepoint method that sends ``statement`` without the engine's events."""

    def send(connection: Connection, name: str) -> None:
        cursor = connection.connection.dbapi_connection.cursor()
        try:
            cursor.execute(statement.format(name))
        finally:
            cursor.close()

    return send


@pytest.fixture
def app(
    request: pytest.FixtureRequest,
    app_config: dict,
    session_app: SessionApp,
    database_url: str,
    transaction_engine: Engine,
) -> Iterator[Flask]:
    with app_for(app_config, session_app) as application:
        if request.node.get_closest_marker("committing"):
            yield application
            get_engine(application).dispose()
            empty_database(database_url)
            return
        with transaction_engine.connect() as connection, alone_on(connection):
            transaction = connection.begin()
            with sessions_joining(application, connection), outer_sessions_commit_along(connection):
                yield application
            transaction.rollback()


NEEDS_COMMITS = (
    "{} inside the test's rolled-back transaction: it could not see the test's rows (or would share "
    "one connection between threads). Mark the test @pytest.mark.committing (docs/testing.md)."
)


@contextmanager
def alone_on(connection: Connection) -> Iterator[None]:
    """The test's transaction is used by the test's thread only, and no other connection opens.

    A test that needs either (threads racing, a second session on its own connection) would
    otherwise pass or fail for the wrong reason: it fails at once and says to mark it committing.
    """
    engine, thread = connection.engine, threading.get_ident()

    def opened(other: Connection) -> None:
        if other is not connection:
            raise RuntimeError(NEEDS_COMMITS.format("A second database connection"))

    def executing(used: Connection, *_args: Any) -> None:
        if threading.get_ident() != thread:
            raise RuntimeError(NEEDS_COMMITS.format("A statement from another thread"))

    event.listen(engine, "engine_connect", opened)
    event.listen(engine, "before_cursor_execute", executing)
    try:
        yield
    finally:
        event.remove(engine, "engine_connect", opened)
        event.remove(engine, "before_cursor_execute", executing)


@contextmanager
def outer_sessions_commit_along(connection: Connection) -> Iterator[None]:
    """A session's commit also commits the sessions opened before it that are still in a transaction.

    All sessions of a test share one connection, so their SAVEPOINTs nest: when the mail sender's
    session (opened inside the test's) commits, its rows sit inside the test session's savepoint,
    and a later rollback of the test's session (a refused form, ``db.rollback()``) would undo
    them, which a real commit never allows. Releasing the outer savepoints at that moment keeps
    every commit for good. The outer session's own work, if any, is committed with it.
    """
    opened: list[Session] = []  # sessions in a transaction on ``connection``, oldest first

    def began(session: Session, _transaction: Any, used: Connection) -> None:
        if used is connection and session not in opened:
            opened.append(session)

    def ended(session: Session, transaction: Any) -> None:
        if transaction.parent is None and session in opened:
            opened.remove(session)

    def committed(session: Session) -> None:
        if session not in opened:
            return
        for outer in reversed(opened[: opened.index(session)]):
            outer.commit()

    listeners = [("after_begin", began), ("after_transaction_end", ended), ("after_commit", committed)]
    for name, listener in listeners:
        event.listen(Session, name, listener)
    try:
        yield
    finally:
        for name, listener in listeners:
            event.remove(Session, name, listener)


@pytest.fixture
def db(app):
    """The app context's session (what services and routes use)."""
    from judging.db import session

    with app.app_context():
        yield session
        session.rollback()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make(db):
    """Factories bound to the session: ``make.user(roles=["juror"])``, ``make.edition()``, ..."""
    return factories.Factory(db)


def person(make, db, email: str, name: str, **fields: Any):
    """A user committed at once, so that any session of the app finds them."""
    user = make.user(email=email, name=name, **fields)
    db.commit()
    return user


@pytest.fixture
def organizer(make, db):
    return person(make, db, "orga@example.org", "Olive Organisatrice", roles=["organizer"])


@pytest.fixture
def juror(make, db):
    return person(make, db, "juror@example.org", "Jules Juré", roles=["juror"])


@pytest.fixture
def candidate(make, db):
    return person(make, db, "cand@example.org", "Camille Candidate", roles=["candidate"])


@pytest.fixture
def alice(make, db):
    """A candidate who reads the pages in English."""
    return person(make, db, "alice@example.org", "Alice Applicant", language="en")


@pytest.fixture
def organizer_client(client, organizer):
    return login(client, organizer)


@pytest.fixture
def juror_client(client, juror):
    return login(client, juror)


@pytest.fixture
def candidate_client(client, candidate):
    return login(client, candidate)


@pytest.fixture
def alice_client(client, alice):
    return login(client, alice)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """``clock.set(moment)``: the one clock (``judging.core.clock.now``) says ``moment``."""
    return Clock(monkeypatch)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MailSink:
    """A real SMTP server (aiosmtpd) on loopback that keeps what it receives."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list = []
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    def restart(self) -> None:
        """A stopped controller cannot start again: a new one takes the same port."""
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        import email
        from email import policy

        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        return [m for m in self.messages if address.lower() in m["To"].lower()]

    @staticmethod
    def body(message) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()


@pytest.fixture
def smtp_server() -> Iterator[MailSink]:
    sink = MailSink()
    sink.controller.start()
    yield sink
    sink.controller.stop()


@pytest.fixture
def mail_app_config(app_config: dict, smtp_server: MailSink) -> dict:
    return {**app_config, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_server.port}


def deliver_outbox(app):
    """Run the mail sender once, as ``judging send-mail`` does (requests never send mail themselves).

    Returns the pass's ``SendReport``. Runs in its own app context, like the real sender.
    """
    from judging.db import session
    from judging.mail.outbox import deliver_pending

    with app.app_context():
        return deliver_pending(session)


class LiveServer:
    def __init__(self, app) -> None:
        from werkzeug.serving import make_server

        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        # mailed links point at this server, as JUDGING_PUBLIC_URL does in production
        app.config["PUBLIC_URL"] = self.url
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)
