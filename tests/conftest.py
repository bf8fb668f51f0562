"""Fixtures: one migrated database per test session, emptied after each test.

The schema always comes from ``alembic upgrade head``. Set
``JUDGING_TEST_DATABASE_URL`` to run the same suite on PostgreSQL.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import object_session

from judging import create_app
from judging.core.migrate import upgrade
from judging.core.models import Base
from judging.db import make_engine
from tests import factories


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


@pytest.fixture
def app_config(database_url: str, tmp_path: Path) -> dict:
    """Override in a test module (or parametrize) to change the app's configuration."""
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "MAIL_SERVER": "",
        "SERVER_NAME": None,
    }


@pytest.fixture
def app(app_config: dict, database_url: str) -> Iterator:
    application = create_app(app_config)
    yield application
    from judging.db import get_engine

    get_engine(application).dispose()
    empty_database(database_url)


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


_FIRST_LOGIN = threading.Lock()


def login(client, user) -> None:
    """Log ``user`` in on ``client`` the way Flask-Login does (no password round trip).

    The session carries the user's session token (``User.get_id``): the first login creates it,
    and it is committed so that the user loader (in any thread) accepts it. Race tests log one
    user in from several threads at once: only one of them may create and commit the token.
    """
    with _FIRST_LOGIN:
        had_token = bool(user.session_token)
        session_id = user.get_id()
        if not had_token:
            object_session(user).commit()
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = session_id
        flask_session["_fresh"] = True


@pytest.fixture
def organizer(make, db):
    user = make.user(email="orga@example.org", name="Olive Organisatrice", roles=["organizer"])
    db.commit()
    return user


@pytest.fixture
def juror(make, db):
    user = make.user(email="juror@example.org", name="Jules Juré", roles=["juror"])
    db.commit()
    return user


@pytest.fixture
def candidate(make, db):
    user = make.user(email="cand@example.org", name="Camille Candidate", roles=["candidate"])
    db.commit()
    return user


@pytest.fixture
def organizer_client(client, organizer):
    login(client, organizer)
    return client


@pytest.fixture
def juror_client(client, juror):
    login(client, juror)
    return client


@pytest.fixture
def candidate_client(client, candidate):
    login(client, candidate)
    return client


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
