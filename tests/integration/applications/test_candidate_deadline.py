"""The deadline with a controlled clock: one second before closing is accepted, one second after is
refused with the draft intact; an extension granted to one application moves its deadline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from judging.applications.models import Application
from judging.core.audit_event import AuditEvent
from judging.mail.models import OutgoingMail
from tests.conftest import login
from tests.factories import aware
from tests.scenarios import contest, form_for, post_form, start, text_of

CLOSE = aware(2031, 8, 16, 3, 59, 59)  # 2031-08-15 23:59:59 in Montréal (EDT, UTC-4)


@pytest.fixture
def app_config(mail_app_config):
    return mail_app_config


@pytest.fixture
def setup(client, make, db, clock):
    c = contest(make, db, applications_open=CLOSE - timedelta(days=60), applications_close=CLOSE)
    clock.set(CLOSE - timedelta(days=3))
    user = make.user(email="late@example.org", language="en")
    db.commit()
    login(client, user)
    application = start(client, c)
    return c, application


def receipts(db) -> list[str]:
    """Receipts queued in the outbox (mail leaves after the request), by recipient."""
    query = select(OutgoingMail.to_address).where(OutgoingMail.template == "application_submitted")
    return list(db.scalars(query))


def test_one_second_before_closing_is_accepted(client, db, setup, clock):
    c, application = setup
    clock.set(CLOSE - timedelta(seconds=1))
    response = post_form(client, application, form_for(c))
    assert response.status_code == 302
    db.expire_all()
    assert application.status == "submitted"
    assert application.submitted_at == CLOSE - timedelta(seconds=1)
    assert receipts(db) == ["late@example.org"]


def test_one_second_after_closing_is_refused_and_the_draft_is_kept(client, db, setup, clock):
    c, application = setup
    clock.set(CLOSE + timedelta(seconds=1))
    response = post_form(client, application, form_for(c, title="Texte tapé à la dernière minute"))
    html = text_of(response)
    assert response.status_code == 409
    assert (
        "The call for applications closed on August 15, 2031 at 11:59:59\u202fPM (EDT) and your request "
        "reached us on August 16, 2031 at 12:00\u202fAM (EDT): your application was not submitted. "
        "Your draft is saved."
    ) in html
    assert 'value="Texte tapé à la dernière minute"' in html  # the form still holds the text
    assert "this draft can be saved but not submitted" in html
    db.expire_all()
    assert application.status == "draft"
    assert application.submitted_at is None and application.receipt_number is None
    assert application.title == "Texte tapé à la dernière minute"  # and so does the database
    assert receipts(db) == []
    actions = set(db.scalars(select(AuditEvent.action)))
    assert "application.submitted" not in actions and "application.draft_saved" in actions

    # Drafts can still be saved (by the button and by autosave), not submitted.
    response = post_form(client, application, form_for(c, action="save", title="Encore"))
    assert response.status_code == 302
    db.expire_all()
    response = client.post(
        f"/candidate/applications/{application.id}/autosave",
        data={**form_for(c, title="Autosauvé"), "version": str(application.version)},
    )
    db.expire_all()
    assert response.get_json()["ok"] is True
    assert application.title == "Autosauvé" and application.status == "draft"


def test_an_extension_moves_the_deadline_of_one_application(client, make, db, setup, clock):
    c, application = setup
    application.deadline_extended_to = CLOSE + timedelta(days=2)
    db.commit()
    clock.set(CLOSE + timedelta(days=1))
    page = text_of(client.get(f"/candidate/applications/{application.id}/edit"))
    assert "August 17, 2031" in page  # the extended deadline, in Montréal time
    response = post_form(client, application, form_for(c))
    assert response.status_code == 302
    db.expire_all()
    assert application.status == "submitted"

    # Another application of the same edition has no extension.
    other = make.user(email="other@example.org", language="en")
    db.commit()
    login(client, other)
    response = client.post(f"/candidate/prizes/{c.prize.id}/apply")
    assert response.status_code == 302 and response.headers["Location"].endswith("/candidate/prizes")
    assert db.scalars(select(Application).where(Application.applicant_id == other.id)).all() == []


def test_the_deadline_is_shown_in_montreal_time_with_a_countdown_in_the_last_week(client, db, setup, clock):
    c, application = setup
    clock.set(CLOSE - timedelta(days=8))
    html = text_of(client.get("/candidate/prizes"))
    assert "August 15, 2031 at 11:59:59\u202fPM (EDT)" in html
    assert "data-deadline" not in html
    clock.set(CLOSE - timedelta(days=6, hours=5))
    html = text_of(client.get("/candidate/prizes"))
    assert 'data-deadline="2031-08-16T03:59:59+00:00"' in html
    assert "6 days" in html  # without JavaScript, the time left is written by the server
    html = text_of(client.get(f"/candidate/applications/{application.id}/edit"))
    assert 'data-deadline="2031-08-16T03:59:59+00:00"' in html
