"""The outbox: concurrent senders never send a mail twice; scheduled mail waits for its time."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from judging.models import OutgoingMail, utcnow


@pytest.fixture
def app_config(mail_app_config):
    return mail_app_config


def queue_rows(db, n, **fields):
    for i in range(n):
        db.add(
            OutgoingMail(
                to_address=f"p{i}@example.org",
                template="t",
                subject=f"Subject {i}",
                body_text="Bonjour",
                **fields,
            )
        )
    db.commit()


def test_two_senders_at_once_send_each_mail_once(app, db, smtp_server):
    queue_rows(db, 12, send_after=utcnow() - timedelta(seconds=1))
    from judging.db import session
    from judging.services.mail import deliver_pending

    results = []

    def sender():
        with app.app_context():
            results.append(deliver_pending(session))

    threads = [threading.Thread(target=sender) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(report.sent for report in results) == 12
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(f"p{i}@example.org" for i in range(12))
    db.expire_all()
    assert {(m.attempts, m.sent_at is not None) for m in db.scalars(select(OutgoingMail))} == {(1, True)}


def test_scheduled_mail_waits(app, runner, db, smtp_server):
    queue_rows(db, 1, send_after=utcnow() + timedelta(hours=2))
    result = runner.invoke(args=["send-mail"])
    assert result.exit_code == 0 and "0 sent, 0 failed; 1 waiting, 0 given up." in result.output
    assert smtp_server.messages == []
