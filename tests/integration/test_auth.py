"""Accounts end to end through the test client, with a real SMTP server receiving the mail."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from judging.models import AuditEvent, OutgoingMail, User
from tests.factories import PASSWORD


@pytest.fixture
def app_config(mail_app_config):
    return mail_app_config


def link_in(body: str) -> str:
    match = re.search(r"https?://\S+", body)
    assert match, body
    return match.group(0).split("localhost", 1)[-1]


def register(client, **overrides):
    data = {
        "name": "Léa Tremblay",
        "email": "lea@example.com",
        "password": "Bonjour-Montreal-42",
        "confirm": "Bonjour-Montreal-42",
        "language": "fr",
        **overrides,
    }
    return client.post("/auth/register", data=data)


def test_register_confirm_and_log_in(client, db, smtp_server):
    response = register(client)
    assert response.status_code == 200
    assert "lea@example.com" in response.get_data(as_text=True)

    [message] = smtp_server.to("lea@example.com")
    assert message["Subject"].startswith("Confirmez votre adresse")
    body = smtp_server.body(message)
    assert "Bonjour Léa Tremblay" in body

    # Not confirmed yet: login refused with an explanation.
    response = client.post(
        "/auth/login",
        data={"email": "lea@example.com", "password": "Bonjour-Montreal-42"},
        follow_redirects=True,
    )
    assert "Confirmez d’abord votre adresse" in response.get_data(as_text=True)

    response = client.get(link_in(body), follow_redirects=True)
    assert "Votre adresse courriel est confirmée" in response.get_data(as_text=True)
    user = db.scalars(select(User).where(User.email == "lea@example.com")).one()
    assert user.email_confirmed_at is not None
    assert user.roles == {"candidate"}

    response = client.post(
        "/auth/login", data={"email": "LEA@example.com", "password": "Bonjour-Montreal-42"}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/candidate/")
    assert client.get("/candidate/").status_code == 200


def test_english_registration_gets_english_mail(client, smtp_server):
    register(client, email="sam@example.com", language="en")
    [message] = smtp_server.to("sam@example.com")
    assert message["Subject"] == "Confirm your email address – MTL Tech Awards"
    assert "Hello Léa Tremblay" in smtp_server.body(message)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"password": "court1", "confirm": "court1"}, "Utilisez au moins 10 caractères."),
        ({"password": "motdepasse", "confirm": "motdepasse"}, "trop courant ou trop facile"),
        ({"password": "aaaaaaaaaaaa", "confirm": "aaaaaaaaaaaa"}, "trop courant ou trop facile"),
        ({"confirm": "Autre-chose-99"}, "Les deux mots de passe diffèrent."),
        ({"email": "pas-une-adresse"}, "Entrez une adresse courriel valide."),
    ],
)
def test_bad_registration_keeps_what_was_typed(client, db, smtp_server, overrides, message):
    response = register(client, **overrides)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html
    assert 'value="Léa Tremblay"' in html
    assert db.scalar(select(func.count()).select_from(User)) == 0
    assert smtp_server.messages == []


def test_email_already_registered(client, make, db, smtp_server):
    make.user(email="lea@example.com")
    db.commit()
    html = register(client, email="Lea@Example.com").get_data(as_text=True)
    assert "Un compte existe déjà pour cette adresse" in html
    assert db.scalar(select(func.count()).select_from(User)) == 1


def test_wrong_password_is_refused(client, make, db):
    make.user(email="a@example.org")
    db.commit()
    response = client.post("/auth/login", data={"email": "a@example.org", "password": "nope-nope-nope"})
    assert "Courriel ou mot de passe erroné." in response.get_data(as_text=True)
    assert 'value="a@example.org"' in response.get_data(as_text=True)


def test_tampered_and_expired_links(client, make, db, app):
    user = make.user(email="b@example.org", confirmed=False)
    db.commit()
    from judging.services.accounts import make_token

    with app.test_request_context():
        token = make_token(user, "confirm")
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    response = client.get(f"/auth/confirm/{tampered}")
    assert response.status_code == 400
    assert "Ce lien n’est pas valide" in response.get_data(as_text=True)

    app.config["TOKEN_MAX_AGE_CONFIRM"] = -1
    response = client.get(f"/auth/confirm/{token}")
    assert response.status_code == 400
    assert "Ce lien a expiré" in response.get_data(as_text=True)
    db.refresh(user)
    assert user.email_confirmed_at is None


def test_password_reset_works_once(client, make, db, smtp_server):
    make.user(email="c@example.org")
    db.commit()
    response = client.post("/auth/reset", data={"email": "c@example.org"})
    assert response.status_code == 200
    [message] = smtp_server.to("c@example.org")
    link = link_in(smtp_server.body(message))
    response = client.post(link, data={"password": "Nouveau-secret-2026", "confirm": "Nouveau-secret-2026"})
    assert response.status_code == 302
    response = client.post("/auth/login", data={"email": "c@example.org", "password": "Nouveau-secret-2026"})
    assert response.status_code == 302
    # the same link cannot be used twice
    assert client.get(link).status_code == 400


def test_reset_for_unknown_email_says_the_same_and_sends_nothing(client, smtp_server):
    response = client.post("/auth/reset", data={"email": "nobody@example.org"})
    assert "Si un compte existe pour nobody@example.org" in response.get_data(as_text=True)
    assert smtp_server.messages == []


def test_organizer_invites_a_juror_who_sets_a_password(client, organizer, db, smtp_server):
    from tests.conftest import login

    login(client, organizer)
    response = client.post(
        "/organizer/people",
        data={
            "name": "Noor Haddad",
            "email": "noor@uni-fictive.example",
            "roles": ["juror"],
            "organization": "Université Fictive",
            "reads": ["fr", "en"],
            "language": "en",
        },
    )
    assert response.status_code == 302
    [message] = smtp_server.to("noor@uni-fictive.example")
    assert message["Subject"] == "Invitation to the MTL Tech Awards jury platform"
    body = smtp_server.body(message)
    assert "Olive Organisatrice invites you" in body and "juror" in body
    client.post("/auth/logout")

    link = link_in(body)
    response = client.get(link)
    assert "noor@uni-fictive.example" in response.get_data(as_text=True)
    response = client.post(link, data={"password": "Jury-secret-2026", "confirm": "Jury-secret-2026"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/jury/")
    juror = db.scalars(select(User).where(User.email == "noor@uni-fictive.example")).one()
    assert juror.roles == {"juror"}
    assert juror.organization_name == "Université Fictive"
    assert juror.email_confirmed_at is not None
    actions = set(db.scalars(select(AuditEvent.action)))
    assert {"user.invited", "user.invitation_accepted"} <= actions


def test_mail_server_down_keeps_the_mail(app, client, smtp_server, db):
    smtp_server.controller.stop()
    register(client, email="late@example.com")
    mail = db.scalars(select(OutgoingMail).where(OutgoingMail.to_address == "late@example.com")).one()
    assert mail.sent_at is None and mail.attempts == 1 and mail.last_error
    smtp_server.restart()
    mail.send_after = mail.created_at
    db.commit()
    result = app.test_cli_runner().invoke(args=["send-mail"])
    assert result.exit_code == 0, result.output
    assert "1 sent" in result.output
    assert len(smtp_server.to("late@example.com")) == 1


def test_profile_language_sticks_after_login(client, candidate, db):
    from tests.conftest import login

    login(client, candidate)
    response = client.post("/auth/profile", data={"profile-name": "Camille C.", "profile-language": "en"})
    assert response.status_code == 302
    db.refresh(candidate)
    assert candidate.language == "en"
    client.post("/auth/logout")
    response = client.post(
        "/auth/login", data={"email": candidate.email, "password": PASSWORD}, follow_redirects=True
    )
    assert 'lang="en"' in response.get_data(as_text=True)
