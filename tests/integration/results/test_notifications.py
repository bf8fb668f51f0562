"""Outcome mails from organizer-edited templates, scheduled in the outbox and sent by ``judging send-mail``
to a real SMTP server; jurors' comments released to candidates (never the private ones, never a name)."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from judging.applications import queries as candidate_queries
from judging.core.audit_event import AuditEvent
from judging.core.models import utcnow
from judging.jury.models import Assignment
from judging.mail.models import MailTemplate, OutgoingMail
from tests.conftest import deliver_outbox
from tests.factories import aware
from tests.scenarios import SECRET, ceremony_edition, person_name


@pytest.fixture
def app_config(mail_app_config):
    return mail_app_config


def url(built, suffix=""):
    return f"/organizer/editions/{built.edition.id}/ceremony{suffix}"


def mail_url(built, key, language):
    """The one editor of the edition's mails."""
    return f"/organizer/editions/{built.edition.id}/mail/{key}/{language}"


def summary_row(page: str, key: str) -> list[str]:
    """The cells of mail ``key``'s row of the sending table, up to the next sending time."""
    row = re.search(rf'<tr data-key="{key}">(.*?)</tr>', page, re.S).group(1)
    return re.findall(r"<td[^>]*>(.*?)</td>", row)[:6]


def body_of(sink, message) -> str:
    return sink.body(message)


def emails(built, index):
    """Contact addresses of prize ``index``'s finalists, in pitch order."""
    return [a.contact_email for a in built.finalists[index]]


def test_edited_templates_scheduled_then_sent_in_each_language(
    app, db, make, organizer_client, runner, smtp_server
):
    built = ceremony_edition(make, db)
    for language, subject, body in (
        (
            "fr",
            "Bravo {{ name }} : {{ prize }}",
            "Votre projet {{ title }} ({{ ref }}) gagne.\n{{ citation }}",
        ),
        ("en", "Well done {{ name }}: {{ prize }}", "Your project {{ title }} wins.\n{{ citation }}"),
    ):
        response = organizer_client.post(
            mail_url(built, "outcome_winner", language),
            data={"subject": subject, "body": body, "action": "save"},
        )
        assert response.status_code == 302, response.get_data(as_text=True)
    assert db.scalars(select(MailTemplate)).all()
    response = organizer_client.post(
        url(built, "/notifications"),
        data={"keys": ["outcome_winner", "outcome_finalist"], "send_after": "2099-06-01T09:00"},
    )
    assert response.status_code == 302
    queued = db.scalars(select(OutgoingMail).order_by(OutgoingMail.id)).all()
    # 4 winners and 12 finalists of frozen prizes; nothing for the unfrozen prize
    assert len(queued) == 16
    assert {m.send_after.isoformat() for m in queued} == {"2099-06-01T13:00:00+00:00"}
    assert smtp_server.messages == []  # scheduled: nothing leaves before its time
    for secret in SECRET["people"]:
        assert all(secret not in m.body_text for m in queued)
    secret_addresses = {a.contact_email for a in built.secret_apps}
    assert not secret_addresses & {m.to_address for m in queued}
    assert runner.invoke(args=["send-mail"]).output.strip() == "0 sent, 0 failed; 16 waiting, 0 given up."
    # time passes
    db.execute(update(OutgoingMail).values(send_after=utcnow() - timedelta(minutes=1)))
    db.commit()
    result = runner.invoke(args=["send-mail"])
    assert result.output.strip() == "16 sent, 0 failed; 0 waiting, 0 given up.", result.output
    assert len(smtp_server.messages) == 16
    # the winner of the first prize writes in French, the mention-free English finalist in English
    [french] = [m for m in smtp_server.to(built.winners[0].contact_email) if m["Subject"].startswith("Bravo")]
    assert french["Subject"] == f"Bravo {person_name(0, 0)} : Prix de l'innovation"
    assert "Votre projet Projet innovation 1 (INN-001) gagne." in body_of(smtp_server, french)
    assert "Pour l'audace de innovation" in body_of(smtp_server, french)
    english_finalist = built.finalists[0][2]  # k == 1: an English application
    assert english_finalist.language == "en"
    [finalist_mail] = smtp_server.to(english_finalist.contact_email)
    subject = f"Your application {english_finalist.ref} is a finalist – MTL Tech Awards"
    assert finalist_mail["Subject"] == subject
    assert finalist_mail["Content-Language"] == "en"
    # scheduling again mails nobody twice
    organizer_client.post(
        url(built, "/notifications"),
        data={"keys": ["outcome_winner", "outcome_finalist"], "send_after": "2099-06-01T09:00"},
    )
    assert db.scalar(select(OutgoingMail.id).where(OutgoingMail.sent_at.is_(None))) is None
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "notifications.scheduled")).all()
    assert sorted(e.after["key"] for e in events) == ["outcome_finalist", "outcome_winner"]


def test_an_english_winner_gets_the_english_template(app, db, make, organizer_client):
    built = ceremony_edition(make, db, secret=False)
    built.winners[1].language = "en"
    db.commit()
    organizer_client.post(
        mail_url(built, "outcome_winner", "en"),
        data={"subject": "Winner: {{ prize }}", "body": "{{ name }}, {{ citation }}"},
    )
    organizer_client.post(
        url(built, "/notifications"), data={"keys": ["outcome_winner"], "send_after": "2099-06-01T09:00"}
    )
    mails = {m.to_address: m for m in db.scalars(select(OutgoingMail))}
    english = mails[built.winners[1].contact_email]
    assert (english.language, english.subject) == ("en", "Winner: Women in Tech Award")
    assert english.body_text == f"{person_name(1, 0)}, For the boldness of femmes-tech\n"
    french = mails[built.winners[0].contact_email]
    assert french.language == "fr"
    assert (
        french.subject == "Vous avez remporté le Prix de l'innovation – MTL Tech Awards"
    )  # the default text


def test_cancel_what_has_not_left(app, db, make, organizer_client):
    built = ceremony_edition(make, db, secret=False)
    organizer_client.post(
        url(built, "/notifications"),
        data={"keys": ["outcome_not_selected"], "send_after": "2099-06-01T09:00"},
    )
    assert len(db.scalars(select(OutgoingMail)).all()) == 4
    summary = html.unescape(organizer_client.get(url(built, "/notifications")).get_data(as_text=True))
    # candidates, told at the announcement, waiting, sent, not told yet
    assert summary_row(summary, "outcome_not_selected") == ["Non retenu·e·s", "4", "0", "4", "0", "0"]
    organizer_client.post(url(built, "/notifications/cancel"))
    db.expire_all()
    cancelled = db.scalars(select(OutgoingMail)).all()
    assert len(cancelled) == 4 and all(m.cancelled_at is not None and m.sent_at is None for m in cancelled)
    summary = html.unescape(organizer_client.get(url(built, "/notifications")).get_data(as_text=True))
    assert summary_row(summary, "outcome_not_selected") == ["Non retenu·e·s", "4", "0", "0", "0", "4"]
    # cancelled mail can be scheduled again
    organizer_client.post(
        url(built, "/notifications"),
        data={"keys": ["outcome_not_selected"], "send_after": "2099-06-01T09:00"},
    )
    assert len(db.scalars(select(OutgoingMail).where(OutgoingMail.cancelled_at.is_(None))).all()) == 4


def test_template_checks_and_preview(app, db, make, organizer_client):
    built = ceremony_edition(make, db, secret=False)
    path = mail_url(built, "outcome_mention", "fr")
    page = html.unescape(organizer_client.get(path).get_data(as_text=True)).replace("\u00a0", " ")
    assert "{{ citation }}" in page and "Félicitations ! Le jury du Prix de l’innovation" in page
    refused = organizer_client.post(path, data={"subject": "Hello {{ password }}", "body": "x"})
    assert refused.status_code == 422 and "password" in html.unescape(refused.get_data(as_text=True))
    assert db.scalars(select(MailTemplate)).all() == []
    preview = organizer_client.post(
        path, data={"subject": "Bravo {{ name }}", "body": "Citation : {{ citation }}", "action": "preview"}
    )
    text = html.unescape(preview.get_data(as_text=True))
    assert preview.status_code == 200 and "Bravo Camille Exemple" in text
    assert "Citation : Pour un projet audacieux et utile." in text
    assert db.scalars(select(MailTemplate)).all() == []  # a preview saves nothing
    unsafe = organizer_client.post(
        path, data={"subject": "x", "body": "{{ name.__class__.__mro__ }}", "action": "preview"}
    )
    unsafe_text = html.unescape(unsafe.get_data(as_text=True))
    assert (
        "<class" not in unsafe_text and "ne peut pas être affiché avec les valeurs d’exemple" in unsafe_text
    )
    escaped = organizer_client.post(
        path, data={"subject": "<script>x</script>", "body": "b", "action": "preview"}
    )
    assert "<script>x</script>" not in escaped.get_data(as_text=True)


# --- comments to candidates --------------------------------------------------------------------------------


@pytest.fixture
def commented(make, db, juror):
    """Scorecards with private and public comments on a finalist of the first prize and of the secret one."""
    built = ceremony_edition(make, db)
    other = make.user(email="hortense.belair@jury.example", name="Hortense Bélair", roles=["juror"])
    target = built.finalists[0][0]
    rnd = built.rounds[0]
    kind = make.scorecard(
        rnd,
        juror,
        target,
        scores={"c1": 8},
        comment="PRIVÉ : dossier faible, ne pas dire",
        comment_to_candidate="Très beau projet, continuez !",
    )
    signed = make.scorecard(
        rnd,
        other,
        target,
        scores={"c1": 6},
        comment="PRIVÉ : Hortense hésite",
        comment_to_candidate="Bon travail. — Hortense Bélair",
    )
    draft = make.scorecard(
        rnd, other, built.finalists[0][1], status="draft", comment_to_candidate="Brouillon jamais soumis"
    )
    secret = make.scorecard(
        built.secret_round,
        juror,
        built.secret_apps[0],
        scores={"c1": 5},
        comment_to_candidate="Commentaire Zorglub non figé",
    )
    db.commit()
    return built, target, kind, signed, draft, secret


def test_comments_are_released_after_the_ceremony_without_private_text_or_names(
    app, db, make, organizer_client, smtp_server, commented, monkeypatch, juror
):
    built, target, kind, signed, draft, secret = commented
    monkeypatch.setattr("judging.core.clock.now", lambda: aware(2025, 10, 16, 22))  # before the ceremony
    page = html.unescape(organizer_client.get(url(built, "/comments")).get_data(as_text=True))
    assert "Très beau projet, continuez !" in page and "Bon travail. — Hortense Bélair" in page
    assert "PRIVÉ" not in page and "Brouillon jamais soumis" not in page
    assert f'name="assignment" value="{kind.id}" id="release-{kind.id}" checked' in page
    assert f'name="assignment" value="{signed.id}" id="release-{signed.id}">' in page  # flagged: not checked
    assert "nomme peut-être son juré" in page
    assert f'value="{secret.id}" id="release-{secret.id}" disabled' in page
    refused = organizer_client.post(url(built, "/comments"), data={"assignment": [str(kind.id)]})
    assert refused.status_code == 422 and "après la cérémonie" in html.unescape(
        refused.get_data(as_text=True)
    )
    db.expire_all()
    assert db.get(Assignment, kind.id).comment_released_at is None

    moment = aware(2025, 10, 17, 3)
    monkeypatch.setattr("judging.core.clock.now", lambda: moment)
    refused = organizer_client.post(url(built, "/comments"), data={"assignment": [str(secret.id)]})
    assert refused.status_code == 422
    response = organizer_client.post(url(built, "/comments"), data={"assignment": [str(kind.id)]})
    assert response.status_code == 302
    db.expire_all()
    assert db.get(Assignment, kind.id).comment_released_at == moment
    assert db.get(Assignment, signed.id).comment_released_at is None
    assert candidate_queries.released_comments(db, target) == ["Très beau projet, continuez !"]
    deliver_outbox(app)  # the sender, outside the request
    [message] = smtp_server.to(target.contact_email)
    body = smtp_server.body(message)
    assert "Très beau projet, continuez !" in body
    for hidden in (
        "PRIVÉ",
        "dossier faible",
        "Hortense",
        "Bélair",
        juror.name,
        juror.email,
        "Jules",
        "Brouillon",
        "Zorglub",
    ):
        assert hidden not in body and hidden not in message["Subject"]

    # the organizer takes the name out of the other comment, then releases it
    organizer_client.post(url(built, f"/comments/{signed.id}"), data={"text": "Bon travail."})
    organizer_client.post(url(built, "/comments"), data={"assignment": [str(signed.id)]})
    assert candidate_queries.released_comments(db, target) == [
        "Très beau projet, continuez !",
        "Bon travail.",
    ]
    deliver_outbox(app)
    second = smtp_server.to(target.contact_email)[1]
    assert "Bon travail." in smtp_server.body(second) and "Hortense" not in smtp_server.body(second)
    # a released comment can no longer change; releasing it again mails nobody
    assert organizer_client.post(url(built, f"/comments/{signed.id}"), data={"text": "x"}).status_code == 422
    organizer_client.post(url(built, "/comments"), data={"assignment": [str(signed.id)]})
    deliver_outbox(app)
    assert len(smtp_server.to(target.contact_email)) == 2
    assert candidate_queries.released_comments(db, built.secret_apps[0]) == []
    assert candidate_queries.released_comments(db, built.finalists[0][1]) == []
    assert candidate_queries.released_comments_by_application(db, [target, built.finalists[0][1]]) == {
        target.id: ["Très beau projet, continuez !", "Bon travail."],
        built.finalists[0][1].id: [],
    }


def test_comments_page_is_for_this_edition_only(app, db, make, organizer_client, commented, monkeypatch):
    built, target, kind, signed, draft, secret = commented
    other = make.edition(code="other")
    db.commit()
    monkeypatch.setattr("judging.core.clock.now", lambda: aware(2025, 10, 17, 3))
    assert (
        organizer_client.get(f"/organizer/editions/{other.id}/ceremony/comments/{kind.id}").status_code == 404
    )
    response = organizer_client.post(
        f"/organizer/editions/{other.id}/ceremony/comments", data={"assignment": [str(kind.id)]}
    )
    assert response.status_code == 422
