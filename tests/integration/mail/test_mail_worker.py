"""Mail leaves outside requests: a silent mail server never holds a page; the sender delivers later,
backs off while the server or the database is away, gives up visibly, resends with the same
Message-ID, and ``judging send-mail --watch`` stops after the mail in hand.

Real parts only: aiosmtpd servers, listening sockets that never answer, a subprocess for ``--watch``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from judging.core.models import utcnow
from judging.mail.models import OutgoingMail
from tests.conftest import MailSink, deliver_outbox, free_port
from tests.scenarios import contest, form_for, post_form, start

WAIT = 30  # seconds: how long a test waits for something that happens in another process


class SilentServer:
    """A TCP port that listens and never answers: ``was_contacted()`` says whether anyone connected."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.setblocking(False)
        self.port = self.sock.getsockname()[1]

    def was_contacted(self) -> bool:
        try:
            connection, _address = self.sock.accept()  # a connection waits in the backlog if one was made
        except BlockingIOError:
            return False
        connection.close()
        return True

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def silent_server():
    server = SilentServer()
    yield server
    server.close()


@pytest.fixture
def app_config(app_config, silent_server):
    return {**app_config, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": silent_server.port, "MAIL_TIMEOUT": 2}


def add_mail(db, n=1, **fields):
    rows = [
        OutgoingMail(
            to_address=f"p{i}@example.org",
            template="application_submitted",
            subject=f"Subject {i}",
            body_text="Bonjour\n",
            message_id=f"<row-{i}@awards.example>",
            send_after=utcnow() - timedelta(seconds=1),
            **fields,
        )
        for i in range(n)
    ]
    db.add_all(rows)
    db.commit()
    return rows


def use_mail_server(app, port):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)


def make_due(db):
    db.execute(update(OutgoingMail).values(send_after=utcnow() - timedelta(seconds=1)))
    db.commit()


def test_a_submission_never_waits_for_a_silent_mail_server(app, alice_client, make, db, silent_server):
    c = contest(make, db)
    application = start(alice_client, c)

    response = post_form(alice_client, application, form_for(c))

    assert response.status_code == 302
    assert not silent_server.was_contacted()  # the request came back without ever connecting to SMTP
    db.expire_all()
    assert application.status == "submitted"
    [mail] = db.scalars(select(OutgoingMail)).all()
    assert (mail.to_address, mail.sent_at, mail.attempts) == ("alice@example.org", None, 0)
    assert mail.subject == "Application received: INN-001 – MTL Tech Awards"

    with_server = MailSink()
    with_server.controller.start()
    try:
        use_mail_server(app, with_server.port)
        report = deliver_outbox(app)
    finally:
        with_server.controller.stop()
    assert (report.sent, report.failed) == (1, 0)
    [message] = with_server.to("alice@example.org")
    assert application.receipt_number in with_server.body(message)
    assert message["Message-ID"].strip() == mail.message_id


def test_sender_stops_at_a_server_that_is_down_and_backs_off(app, db):
    from judging.mail.worker import MailSender

    add_mail(db, 3)
    use_mail_server(app, free_port())  # nothing listens there
    sender = MailSender(app, poll_interval=1.0, max_backoff=4.0)

    delays = [sender.run_once() for _ in range(4)]

    assert delays == [1.0, 2.0, 4.0, 4.0]  # the waits it asks for, not measured time
    db.expire_all()
    # each pass tried one mail and stopped: the server is down, the other mail keeps its attempts
    assert sorted(m.attempts for m in db.scalars(select(OutgoingMail))) == [1, 1, 1]
    assert all("ConnectionRefusedError" in m.last_error for m in db.scalars(select(OutgoingMail)))

    sink = MailSink()
    sink.controller.start()
    try:
        use_mail_server(app, sink.port)
        make_due(db)
        assert sender.run_once() == 1.0  # back to the one-second poll
    finally:
        sink.controller.stop()
    assert sorted(m["To"] for m in sink.messages) == ["p0@example.org", "p1@example.org", "p2@example.org"]
    assert (sender.totals.sent, sender.totals.failed) == (3, 3)


def test_sender_survives_a_database_that_is_away(app_config):
    from judging import create_app
    from judging.mail.worker import MailSender

    away = create_app(
        {**app_config, "DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/gone"}
    )
    sender = MailSender(away, poll_interval=1.0, max_backoff=8.0)

    assert [sender.run_once() for _ in range(3)] == [1.0, 2.0, 4.0]


def test_mail_given_up_stays_visible_and_send_mail_says_so(app, runner, db):
    app.config.update(MAIL_MAX_ATTEMPTS=2)
    add_mail(db, 1, created_at=utcnow() - timedelta(hours=2))
    use_mail_server(app, free_port())

    first = runner.invoke(args=["send-mail"])
    assert first.exit_code == 75, first.output  # failed, will be retried
    assert "0 sent, 1 failed; 1 waiting, 0 given up." in first.output

    make_due(db)
    second = runner.invoke(args=["send-mail"])
    assert second.exit_code == 1, second.output
    assert "0 sent, 1 failed; 0 waiting, 1 given up." in second.output
    assert "Given up (retry or cancel them on the organizer's outbox page):" in second.output
    line = next(x for x in second.output.splitlines() if "p0@example.org" in x)
    assert "Subject 0" in line and "ConnectionRefusedError" in line and "waiting since" in line

    db.expire_all()
    mail = db.scalars(select(OutgoingMail)).one()
    assert mail.gave_up_at is not None and mail.sent_at is None and mail.attempts == 2

    # never silent: every later run still lists it and fails, without trying it again
    make_due(db)
    third = runner.invoke(args=["send-mail"])
    assert third.exit_code == 1 and "0 sent, 0 failed; 0 waiting, 1 given up." in third.output
    db.expire_all()
    assert db.scalars(select(OutgoingMail.attempts)).one() == 2


class DropAfterData(MailSink):
    """Reads the whole message, then drops the connection before replying (``drops`` times)."""

    def __init__(self, drops: int = 1) -> None:
        super().__init__()
        self.drops = drops
        self.dropped: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        if self.drops:
            self.drops -= 1
            import email
            from email import policy

            self.dropped.append(email.message_from_bytes(envelope.content, policy=policy.default))
            server.transport.abort()  # no reply: the sender cannot know the message arrived
            return "421 never seen by the client"
        return await super().handle_DATA(server, session, envelope)


def test_a_resend_after_a_lost_reply_has_the_same_message_id(app, db):
    from judging.mail import outbox as mail_service

    app.config.update(PUBLIC_URL="https://prix.mtl-connecte.example")
    with app.test_request_context():
        queued = mail_service.queue(
            db, to="lea@example.org", template="confirm", language="fr", user=None, link="https://x/confirm"
        )
        db.commit()
    assert queued.message_id.endswith("@prix.mtl-connecte.example>")
    server = DropAfterData(drops=1)
    server.controller.start()
    try:
        use_mail_server(app, server.port)
        first = deliver_outbox(app)
        make_due(db)
        second = deliver_outbox(app)
    finally:
        server.controller.stop()

    assert (first.sent, first.failed, second.sent) == (0, 1, 1)
    [lost] = server.dropped
    [delivered] = server.messages
    # (a long Message-ID is folded onto its own line: compare without the folding space)
    assert lost["Message-ID"].strip() == delivered["Message-ID"].strip() == queued.message_id
    db.expire_all()
    row = db.get(OutgoingMail, queued.id)
    assert row.attempts == 2 and row.sent_at is not None and row.message_id == queued.message_id


class HeldSink(MailSink):
    """Holds every message until ``release()``: lets a test act while a mail is in the sender's hands."""

    def __init__(self) -> None:
        super().__init__()
        self.in_hand = threading.Event()
        self._release: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.hold = False

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        if self.hold:
            self._loop = asyncio.get_running_loop()
            self._release = asyncio.Event()
            self.in_hand.set()
            await self._release.wait()
        return await super().handle_DATA(server, session, envelope)

    def release(self) -> None:
        assert self._loop is not None and self._release is not None
        self._loop.call_soon_threadsafe(self._release.set)


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"still waiting for {what}"
        time.sleep(0.05)


@pytest.mark.committing  # the sender runs in a thread on its own connection
def test_send_mail_watch_sends_as_mail_arrives_and_stops_after_the_mail_in_hand(app, db, database_url):
    sink = HeldSink()
    sink.controller.start()
    judging = Path(sys.executable).with_name("judging")
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "JUDGING_DATABASE_URL": database_url,
        "SECRET_KEY": "watch-test",
        "JUDGING_PUBLIC_URL": "https://prix.mtl-connecte.example",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(sink.port),
    }
    watcher = subprocess.Popen(
        [str(judging), "send-mail", "--watch"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert watcher.stdout.readline().startswith("Sending mail as it arrives")
        add_mail(db, 1)
        wait_for(lambda: len(sink.messages) == 1, "the first mail")
        assert sink.messages[0]["Message-ID"].strip() == "<row-0@awards.example>"

        sink.hold = True
        db.add(
            OutgoingMail(
                to_address="late@example.org",
                template="application_submitted",
                subject="Second",
                body_text="Bonjour\n",
                message_id="<second@awards.example>",
            )
        )
        db.commit()
        assert sink.in_hand.wait(WAIT), "the second mail never reached the server"
        watcher.send_signal(signal.SIGTERM)  # while the second mail is in the sender's hands
        sink.release()
        out, err = watcher.communicate(timeout=WAIT)
    finally:
        if watcher.poll() is None:
            watcher.kill()
        sink.controller.stop()

    assert watcher.returncode == 0, err
    assert "Stopped." in out and "2 sent, 0 failed; 0 waiting, 0 given up." in out
    assert [m["To"] for m in sink.messages] == ["p0@example.org", "late@example.org"]
    db.expire_all()
    assert all(m.sent_at is not None for m in db.scalars(select(OutgoingMail)))


@pytest.mark.committing  # a served app and a sender thread, each on its own connection
def test_the_development_server_sends_mail_from_a_background_thread(app, db, smtp_server):
    from judging.mail.worker import start_in_thread

    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    sender = start_in_thread(app)
    try:
        add_mail(db, 2)
        wait_for(lambda: len(smtp_server.messages) == 2, "the background sender")
    finally:
        sender.stop()
    assert sorted(m["To"] for m in smtp_server.messages) == ["p0@example.org", "p1@example.org"]


def test_the_background_sender_can_be_turned_off(app):
    from judging.mail.worker import start_in_thread

    app.config["MAIL_WORKER"] = "off"
    assert start_in_thread(app) is None


def test_a_malformed_mail_fails_alone_and_never_stops_the_sender(app, db, smtp_server):
    use_mail_server(app, smtp_server.port)
    [bad, good] = add_mail(db, 2)
    bad.to_address = "p0@example.org\r\nBcc: everyone@example.org"  # a header injection attempt
    db.commit()

    report = deliver_outbox(app)

    assert (report.sent, report.failed, report.server_down) == (1, 1, False)
    assert [m["To"] for m in smtp_server.messages] == ["p1@example.org"]
    db.expire_all()
    assert bad.sent_at is None and bad.last_error.startswith("ValueError")


def test_a_mail_whose_sender_died_during_its_last_attempt_is_given_up_not_left_waiting(app, db, smtp_server):
    use_mail_server(app, smtp_server.port)
    app.config.update(MAIL_MAX_ATTEMPTS=3)
    [mail] = add_mail(db, 1, attempts=3)  # claimed a third time, then the process was killed; lease over

    report = deliver_outbox(app)

    assert (report.sent, report.gave_up) == (0, 1)
    assert smtp_server.messages == []
    db.expire_all()
    assert mail.gave_up_at is not None and mail.sent_at is None


def test_send_mail_says_when_the_database_is_unavailable(app_config):
    from judging import create_app

    away = create_app(
        {**app_config, "DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/gone"}
    )
    result = away.test_cli_runner().invoke(args=["send-mail"])
    assert result.exit_code == 75
    assert "The database is unavailable (OperationalError): try again later." in result.output
