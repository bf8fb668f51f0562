"""The outbox: concurrent senders never send a mail twice; scheduled mail waits for its time."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from judging.core.models import utcnow
from judging.mail.models import OutgoingMail


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


@pytest.mark.committing  # two sender threads, each on its own connection
def test_two_senders_at_once_send_each_mail_once(app, db, smtp_server):
    queue_rows(db, 12, send_after=utcnow() - timedelta(seconds=1))
    from judging.db import session
    from judging.mail.outbox import deliver_pending

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


# --- the organizer's page: waiting and failed mail, retry, cancel ---------------------------------------

RESET_SECRET = "https://awards.example/auth/reset/SECRET-TOKEN-4f9a"


@pytest.fixture
def outbox(db):
    """One mail of each state; the given-up one is a password reset whose body holds a secret link."""
    now = utcnow()
    rows = {
        "given_up": OutgoingMail(
            to_address="lost@example.org",
            template="reset",
            subject="Choisissez un nouveau mot de passe",
            body_text=f"Ouvrez {RESET_SECRET}\n",
            message_id="<given-up@awards.example>",
            attempts=8,
            last_error="SMTPRecipientsRefused: {'lost@example.org': (550, b'No such user')}",
            created_at=now - timedelta(hours=3),
            send_after=now - timedelta(hours=1),
            gave_up_at=now - timedelta(hours=1),
        ),
        "failing": OutgoingMail(
            to_address="later@example.org",
            template="application_submitted",
            subject="Candidature reçue : INN-001",
            body_text="Reçu MTL-2026-INN-001-SECRET-RECEIPT\n",
            message_id="<failing@awards.example>",
            attempts=2,
            last_error="ConnectionRefusedError: [Errno 111] Connection refused",
            send_after=now + timedelta(minutes=1),
        ),
        "scheduled": OutgoingMail(
            to_address="winner@example.org",
            template="outcome_winner",
            subject="Bravo",
            body_text="Vous gagnez\n",
            message_id="<scheduled@awards.example>",
            send_after=now + timedelta(days=2),
        ),
        "sent": OutgoingMail(
            to_address="done@example.org",
            template="confirm",
            subject="Confirmez",
            body_text="x\n",
            sent_at=now,
            attempts=1,
        ),
        "cancelled": OutgoingMail(
            to_address="dropped@example.org",
            template="confirm",
            subject="Confirmez",
            body_text="x\n",
            cancelled_at=now,
        ),
    }
    db.add_all(rows.values())
    db.commit()
    return rows


def outbox_rows(html: str) -> list[str]:
    """The recipient of each row, in the order of the page."""
    import re

    return re.findall(r'<tr class="outbox-mail" data-mail="\d+">\s*<td>([^<]+)</td>', html)


def test_the_organizer_sees_failed_then_waiting_mail_who_what_why_and_since_when(organizer_client, outbox):
    response = organizer_client.get("/organizer/outbox")
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "<h1>Courriels en attente et en échec</h1>" in html
    assert outbox_rows(html) == ["lost@example.org", "later@example.org", "winner@example.org"]
    assert 'id="given-up-count">1<' in html and 'id="waiting-count">2<' in html
    assert "Réinitialisation du mot de passe" in html  # the template's name, not "reset"
    assert "Reçu de candidature" in html and "Résultat\N{NO-BREAK SPACE}: lauréat" in html
    assert "550, b&#39;No such user&#39;" in html and "Connection refused" in html
    assert "Abandonné le " in html and "(HN" in html  # dates in Montréal time with the zone
    # no body, ever: it may hold a link meant for its recipient alone
    assert "SECRET-TOKEN" not in html and "SECRET-RECEIPT" not in html
    assert "done@example.org" not in html and "dropped@example.org" not in html


def test_retry_gives_a_given_up_mail_its_attempts_back_and_the_sender_sends_it(
    app, organizer_client, organizer, outbox, db, smtp_server
):
    from judging.core.audit_event import AuditEvent
    from tests.conftest import deliver_outbox

    mail = outbox["given_up"]
    response = organizer_client.post(f"/organizer/outbox/{mail.id}/retry", follow_redirects=True)

    assert "Le courriel à lost@example.org sera renvoyé au prochain passage de l’expéditeur." in (
        response.get_data(as_text=True)
    )
    db.expire_all()
    assert (mail.attempts, mail.gave_up_at, mail.sent_at) == (0, None, None)
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "mail.retried")).one()
    assert (event.actor_id, event.object_type, event.object_id) == (organizer.id, "outgoing_mail", mail.id)
    assert event.before["attempts"] == 8 and event.after["attempts"] == 0
    deliver_outbox(app)
    [message] = smtp_server.to("lost@example.org")
    assert message["Message-ID"].strip() == "<given-up@awards.example>"  # recognisable as the same mail


def test_a_mail_still_being_tried_cannot_be_retried_and_a_sent_one_cannot_be_cancelled(
    organizer_client, outbox, db
):
    failing = outbox["failing"]
    response = organizer_client.post(f"/organizer/outbox/{failing.id}/retry", follow_redirects=True)
    assert "Seul un courriel abandonné par l’expéditeur peut être réessayé" in response.get_data(as_text=True)
    response = organizer_client.post(f"/organizer/outbox/{outbox['sent'].id}/cancel", follow_redirects=True)
    assert "Ce courriel a été envoyé entre-temps" in response.get_data(as_text=True)
    db.expire_all()
    assert failing.attempts == 2 and outbox["sent"].cancelled_at is None


def test_cancel_keeps_a_mail_from_ever_leaving_and_is_audited(app, organizer_client, outbox, db, smtp_server):
    from judging.core.audit_event import AuditEvent
    from tests.conftest import deliver_outbox

    scheduled = outbox["scheduled"]
    response = organizer_client.post(f"/organizer/outbox/{scheduled.id}/cancel", follow_redirects=True)

    assert "Le courriel à winner@example.org est annulé" in response.get_data(as_text=True)
    assert "winner@example.org" not in outbox_rows(response.get_data(as_text=True))
    db.expire_all()
    assert scheduled.cancelled_at is not None
    assert db.scalars(select(AuditEvent.object_id).where(AuditEvent.action == "mail.cancelled")).all() == [
        scheduled.id
    ]
    db.execute(update(OutgoingMail).values(send_after=utcnow() - timedelta(seconds=1)))
    db.commit()
    deliver_outbox(app)
    assert smtp_server.to("winner@example.org") == []
    assert [m["To"] for m in smtp_server.messages] == ["later@example.org"]  # the waiting one did leave


def test_retry_them_all_after_an_outage(organizer_client, outbox, db):
    second = OutgoingMail(
        to_address="lost2@example.org",
        template="confirm",
        subject="s",
        body_text="b\n",
        attempts=8,
        gave_up_at=utcnow(),
    )
    db.add(second)
    db.commit()
    response = organizer_client.post("/organizer/outbox/retry-given-up", follow_redirects=True)
    assert "2 courriels seront renvoyés au prochain passage de l’expéditeur." in response.get_data(
        as_text=True
    )
    db.expire_all()
    assert {outbox["given_up"].gave_up_at, second.gave_up_at} == {None}


def test_the_dashboard_shows_how_many_mails_failed(organizer_client, outbox, db):
    html = organizer_client.get("/organizer/").get_data(as_text=True)
    assert 'id="outbox-failed-badge">1 en échec<' in html
    db.execute(update(OutgoingMail).values(gave_up_at=None))
    db.commit()
    html = organizer_client.get("/organizer/").get_data(as_text=True)
    assert 'id="outbox-link"' in html and "outbox-failed-badge" not in html


@pytest.mark.parametrize("role", ["juror", "candidate"])
def test_only_organizers_see_or_touch_the_outbox(client, make, db, outbox, role):
    from tests.conftest import login

    assert client.get("/organizer/outbox").status_code == 302  # anonymous: to the login page
    login(client, make.user(roles=[role]))
    mail = outbox["given_up"]
    assert client.get("/organizer/outbox").status_code == 403
    assert client.post(f"/organizer/outbox/{mail.id}/retry").status_code == 403
    assert client.post(f"/organizer/outbox/{mail.id}/cancel").status_code == 403
    assert client.post("/organizer/outbox/retry-given-up").status_code == 403
    db.expire_all()
    assert mail.gave_up_at is not None and mail.cancelled_at is None


def test_a_missing_mail_is_404(organizer_client):
    assert organizer_client.post("/organizer/outbox/999999/retry").status_code == 404
    assert organizer_client.post("/organizer/outbox/999999/cancel").status_code == 404


def test_retry_and_cancel_need_the_form_token(app, organizer_client, outbox, db):
    app.config["WTF_CSRF_ENABLED"] = True
    mail = outbox["given_up"]
    assert organizer_client.post(f"/organizer/outbox/{mail.id}/retry").status_code == 400
    assert organizer_client.post(f"/organizer/outbox/{mail.id}/cancel").status_code == 400
    db.expire_all()
    assert mail.gave_up_at is not None and mail.cancelled_at is None


def test_a_scheduled_outcome_mail_cancelled_here_can_be_scheduled_again_from_the_ceremony_page(
    organizer_client, make, db
):
    from judging.results import notifications
    from tests.scenarios import ceremony_edition

    built = ceremony_edition(make, db)
    schedule = f"/organizer/editions/{built.edition.id}/ceremony/notifications"
    organizer_client.post(schedule, data={"keys": ["outcome_winner"], "send_after": "2099-06-01T09:00"})
    winners = db.scalars(select(OutgoingMail).where(OutgoingMail.template == "outcome_winner")).all()
    assert len(winners) == 4
    organizer_client.post(f"/organizer/outbox/{winners[0].id}/cancel")

    [row] = [s for s in notifications.summary(db, built.edition) if s.key == "outcome_winner"]
    assert row.scheduled == 3  # the cancelled mail no longer counts as waiting
    organizer_client.post(schedule, data={"keys": ["outcome_winner"], "send_after": "2099-06-01T09:00"})
    to = [m.to_address for m in db.scalars(select(OutgoingMail).where(OutgoingMail.cancelled_at.is_(None)))]
    assert sorted(to) == sorted(w.to_address for w in winners)  # scheduled again for that candidate only
