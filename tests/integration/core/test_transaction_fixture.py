"""The test fixture itself: one app per run, each test inside a transaction rolled back at its end.

See docs/testing.md. These tests hold the promises the rest of the suite relies on: the rows a
test commits really reach the database yet are never committed, a commit stays a commit within
the test, and a test that needs real commits cannot pass by mistake without saying so.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from judging.accounts.models import User
from judging.core.models import utcnow
from judging.db import make_engine, session
from judging.mail.models import OutgoingMail
from tests.conftest import deliver_outbox, login

PROBE = "fixture-probe@example.org"
seen_apps: list = []


@pytest.mark.parametrize("turn", [1, 2])
def test_the_app_is_built_once_and_each_test_starts_from_an_empty_database(app, make, db, turn):
    seen_apps.append(app)
    assert db.scalar(select(func.count()).select_from(User).where(User.email == PROBE)) == 0
    make.user(email=PROBE)
    db.commit()
    assert len(set(map(id, seen_apps))) == 1  # the second turn got the first turn's app


def test_committed_rows_reach_the_database_but_are_never_committed(app, client, make, db, database_url):
    user = make.user(email=PROBE, name="Sonde Fixture", roles=["organizer"])
    db.commit()
    login(client, user)
    assert "Sonde Fixture" in client.get("/organizer/people").get_data(as_text=True)

    elsewhere = make_engine(database_url)  # another connection, outside the test's transaction
    try:
        with elsewhere.connect() as connection:
            found = connection.execute(select(User.id).where(User.email == PROBE)).all()
    finally:
        elsewhere.dispose()
    assert found == []


def test_a_commit_of_the_mail_sender_survives_a_later_rollback_of_the_test_session(
    app, make, db, smtp_server
):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    due = utcnow() - timedelta(seconds=1)
    db.add(
        OutgoingMail(
            to_address="p@example.org", template="t", subject="Bonjour", body_text="Texte", send_after=due
        )
    )
    db.commit()
    assert db.scalar(select(func.count()).select_from(OutgoingMail)) == 1  # the test session reads

    assert deliver_outbox(app).sent == 1  # its own session, opened inside the test's
    db.rollback()

    assert db.scalar(select(OutgoingMail.sent_at)) is not None
    assert deliver_outbox(app).sent == 0
    assert len(smtp_server.messages) == 1


def test_a_thread_using_the_tests_transaction_fails_and_says_to_mark_the_test(app, make, db):
    make.user(email=PROBE)
    db.commit()
    errors: list[BaseException] = []

    def read() -> None:
        with app.app_context():
            try:
                session.scalar(select(User.id).where(User.email == PROBE))
            except RuntimeError as error:
                errors.append(error)

    thread = threading.Thread(target=read)
    thread.start()
    thread.join(timeout=30)
    [error] = errors
    assert "Mark the test @pytest.mark.committing" in str(error)


@pytest.mark.committing
def test_a_committing_test_commits_for_real(app, make, db, database_url):
    make.user(email=PROBE)
    db.commit()
    elsewhere = make_engine(database_url)
    try:
        with elsewhere.connect() as connection:
            assert connection.execute(select(func.count()).where(User.email == PROBE)).scalar() == 1
    finally:
        elsewhere.dispose()
