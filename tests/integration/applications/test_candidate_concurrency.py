"""Submitting twice (two tabs, a double click) creates one submission, one receipt, one mail.

Runs on SQLite and, with ``JUDGING_TEST_DATABASE_URL``, on PostgreSQL.
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from judging.applications import operations as service
from judging.applications.models import Application
from judging.applications.operations import ApplicationData, Upload
from judging.core.audit_event import AuditEvent
from judging.mail.models import OutgoingMail
from tests.conftest import deliver_outbox, login
from tests.scenarios import PDF, contest, form_for, post_form, race, start


@pytest.fixture
def app_config(mail_app_config):
    return mail_app_config


@pytest.mark.parametrize("round_", range(3))
def test_two_simultaneous_submissions_make_one(app, client, make, db, smtp_server, round_):
    c = contest(make, db)
    user = make.user(email="twice@example.org", language="en")
    db.commit()
    login(client, user)
    application = start(client, c)
    if round_ == 1:  # the draft already holds everything (autosave did its work): only the status changes
        assert post_form(client, application, form_for(c, action="save")).status_code == 302
    url = f"/candidate/applications/{application.id}/edit"
    results = race(app, user, [("post", url, lambda: form_for(c)), ("post", url, lambda: form_for(c))])
    assert all(isinstance(r, tuple) for r in results), results
    assert [r[0] for r in results] == [302, 302], results
    assert {r[1] for r in results} == {f"/candidate/applications/{application.id}"}

    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Application)) == 1
    assert application.status == "submitted"
    assert (
        db.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "application.submitted")
        )
        == 1
    )
    assert len(application.attachments) == 1
    mails = db.scalars(select(OutgoingMail).where(OutgoingMail.template == "application_submitted")).all()
    assert len(mails) == 1
    deliver_outbox(app)
    [message] = smtp_server.to("twice@example.org")
    assert application.receipt_number in smtp_server.body(message)


def test_two_simultaneous_starts_make_one_application(app, make, db):
    c = contest(make, db)
    user = make.user(email="start@example.org", language="en")
    db.commit()
    url = f"/candidate/prizes/{c.prize.id}/apply"
    results = race(app, user, [("post", url, {}), ("post", url, {}), ("post", url, {})])
    assert all(isinstance(r, tuple) for r in results), results
    db.expire_all()
    [application] = db.scalars(select(Application).where(Application.applicant_id == user.id)).all()
    # The first creates the draft (302 to the form); the others see it (its page, or a link to it).
    assert all(r[0] in (200, 302) for r in results), results
    assert application.ref == "INN-001"


def test_a_stale_copy_cannot_submit_over_a_newer_one(app, make, db):
    """The optimistic lock itself: two sessions hold version N; once one has written, the other fails."""
    from judging.db import get_engine

    c = contest(make, db)
    user = make.user(email="stale@example.org", language="en")
    db.commit()
    with app.test_request_context():
        application = service.start_application(db, user=user, prize=c.prize)
        db.commit()
        application_id = application.id
    factory = sessionmaker(get_engine(app), expire_on_commit=False)
    first, second = factory(), factory()
    try:
        mine, theirs = first.get(Application, application_id), second.get(Application, application_id)
        assert mine.version == theirs.version

        def data() -> ApplicationData:
            raw = form_for(c)
            return ApplicationData(
                fields={k: raw[k] for k in service.PROFILE_FIELDS},
                consent=True,
                publication_consent=True,
                led_by_woman="yes",
                answers={q.id: raw.get(f"q_{q.id}") for q in c.prize.questions if q.type != "file"},
                uploads={c.deck.id: Upload(stream=io.BytesIO(PDF), filename="deck.pdf")},
            )

        with app.test_request_context():
            result = service.submit(first, mine, data(), actor=None)
            first.commit()
            assert result.submitted
            with pytest.raises(StaleDataError):
                service.submit(second, theirs, data(), actor=None)
            second.rollback()
            replay = service.submit(second, second.get(Application, application_id), data(), actor=None)
            assert replay.submitted is False
            assert replay.application.receipt_number == result.application.receipt_number
            second.commit()
    finally:
        first.close()
        second.close()
