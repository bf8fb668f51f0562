"""Accounts end to end through the test client, with a real SMTP server receiving the mail."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from judging.accounts.models import User
from judging.core.audit_event import AuditEvent
from judging.mail.models import OutgoingMail
from tests.conftest import deliver_outbox
from tests.factories import PASSWORD


@pytest.fixture
def app_config(mail_app_config):
    return mail_app_config


def link_in(body: str) -> str:
    match = re.search(r"https?://\S+", body)
    assert match, body
    return match.group(0).split("localhost", 1)[-1]


def mail_to(app, smtp_server, address: str) -> list:
    """Run the outbox sender (requests never send mail), then what ``address`` received."""
    deliver_outbox(app)
    return smtp_server.to(address)


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


def test_register_confirm_and_log_in(app, client, db, smtp_server):
    response = register(client)
    assert response.status_code == 200
    assert "lea@example.com" in response.get_data(as_text=True)

    [message] = mail_to(app, smtp_server, "lea@example.com")
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


def test_english_registration_gets_english_mail(app, client, smtp_server):
    register(client, email="sam@example.com", language="en")
    [message] = mail_to(app, smtp_server, "sam@example.com")
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
def test_bad_registration_keeps_what_was_typed(app, client, db, smtp_server, overrides, message):
    response = register(client, **overrides)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html
    assert 'value="Léa Tremblay"' in html
    assert db.scalar(select(func.count()).select_from(User)) == 0
    deliver_outbox(app)
    assert smtp_server.messages == []


def _page_text(response) -> str:
    """The page's main content, without the per-request CSRF token and nonce-like parts."""
    html = response.get_data(as_text=True)
    return re.sub(r'name="csrf_token"[^>]*', "", html.split("<main", 1)[-1])


def test_registering_a_taken_email_answers_as_for_a_new_one_and_warns_its_owner(
    app, client, make, db, smtp_server
):
    owner = make.user(email="lea@example.com", name="Léa Propriétaire", language="fr")
    db.commit()
    taken = register(client, email="Lea@Example.com")
    fresh = app.test_client().post(
        "/auth/register",
        data={
            "name": "Léa Tremblay",
            "email": "new@example.com",
            "password": "Bonjour-Montreal-42",
            "confirm": "Bonjour-Montreal-42",
            "language": "fr",
        },
    )
    assert taken.status_code == fresh.status_code == 200
    assert _page_text(taken) == _page_text(fresh).replace("new@example.com", "lea@example.com")
    assert "Un compte existe déjà" not in taken.get_data(as_text=True)
    # no second account; the owner is told, in their language, with links to log in or reset
    assert db.scalars(select(User.email).order_by(User.email)).all() == ["lea@example.com", "new@example.com"]
    [warning] = mail_to(app, smtp_server, "lea@example.com")
    assert warning["Subject"] == "Quelqu’un a tenté de créer un compte avec votre adresse – MTL Tech Awards"
    body = smtp_server.body(warning)
    assert "Bonjour Léa Propriétaire" in body
    assert "http://localhost/auth/login" in body and "http://localhost/auth/reset" in body
    db.refresh(owner)
    assert owner.name == "Léa Propriétaire"


def test_wrong_password_is_refused(client, make, db):
    make.user(email="a@example.org")
    db.commit()
    response = client.post("/auth/login", data={"email": "a@example.org", "password": "nope-nope-nope"})
    assert "Courriel ou mot de passe erroné." in response.get_data(as_text=True)
    assert 'value="a@example.org"' in response.get_data(as_text=True)


def test_tampered_and_expired_links(client, make, db, app):
    user = make.user(email="b@example.org", confirmed=False)
    db.commit()
    from judging.accounts.operations import make_token

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


def test_password_reset_works_once(app, client, make, db, smtp_server):
    make.user(email="c@example.org")
    db.commit()
    response = client.post("/auth/reset", data={"email": "c@example.org"})
    assert response.status_code == 200
    [message] = mail_to(app, smtp_server, "c@example.org")
    link = link_in(smtp_server.body(message))
    response = client.post(link, data={"password": "Nouveau-secret-2026", "confirm": "Nouveau-secret-2026"})
    assert response.status_code == 302
    response = client.post("/auth/login", data={"email": "c@example.org", "password": "Nouveau-secret-2026"})
    assert response.status_code == 302
    # the same link cannot be used twice
    assert client.get(link).status_code == 400


def test_reset_and_resend_say_the_same_for_unknown_emails_and_send_nothing(
    app, client, make, db, smtp_server
):
    make.user(email="known@example.org")
    make.user(email="waiting@example.org", confirmed=False)
    db.commit()
    unknown = client.post("/auth/reset", data={"email": "nobody@example.org"})
    known = client.post("/auth/reset", data={"email": "known@example.org"})
    assert "Si un compte existe pour nobody@example.org" in unknown.get_data(as_text=True)
    assert _page_text(unknown) == _page_text(known).replace("known@example.org", "nobody@example.org")
    unknown = client.post("/auth/confirm", data={"email": "nobody@example.org"})
    known = client.post("/auth/confirm", data={"email": "waiting@example.org"})
    assert unknown.status_code == known.status_code == 200
    assert _page_text(unknown) == _page_text(known).replace("waiting@example.org", "nobody@example.org")
    deliver_outbox(app)
    assert len(smtp_server.to("known@example.org")) == len(smtp_server.to("waiting@example.org")) == 1
    assert smtp_server.to("nobody@example.org") == []


def test_organizer_invites_a_juror_who_sets_a_password(app, client, organizer, db, smtp_server):
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
    [message] = mail_to(app, smtp_server, "noor@uni-fictive.example")
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
    deliver_outbox(app)
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


# Links in mail never come from the request's Host ------------------------------------------------


def test_a_reset_asked_with_a_forged_host_is_refused_and_mails_nothing(client, make, db):
    make.user(email="c@example.org")
    db.commit()
    response = client.post("/auth/reset", data={"email": "c@example.org"}, headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert "Ce serveur ne répond pas à cette adresse." in response.get_data(as_text=True)
    assert db.scalars(select(OutgoingMail)).all() == []
    assert client.post("/auth/reset", data={"email": "c@example.org"}).status_code == 200  # Host: localhost


@pytest.mark.parametrize(
    ("public_url", "expected"),
    [
        (None, "http://localhost/auth/reset/"),  # a test app without JUDGING_PUBLIC_URL: this machine
        ("https://awards.example.org/concours/", "https://awards.example.org/concours/auth/reset/"),
    ],
)
def test_mailed_links_come_from_the_public_url_whatever_the_host(
    app, client, make, db, smtp_server, public_url, expected
):
    if public_url:
        app.config["PUBLIC_URL"] = public_url
    app.config["TRUSTED_HOSTS"] = None  # even if every Host were let in
    make.user(email="c@example.org")
    db.commit()
    response = client.post("/auth/reset", data={"email": "c@example.org"}, headers={"Host": "evil.example"})
    assert response.status_code == 200
    [message] = mail_to(app, smtp_server, "c@example.org")
    body = smtp_server.body(message)
    assert expected in body
    assert "evil" not in body


def test_mailed_links_are_built_outside_a_request_too(app):
    """Mail queued by a command (no request) gets the same links."""
    from judging.accounts.operations import external_url

    app.config["PUBLIC_URL"] = "https://awards.example.org/"
    with app.app_context():
        assert external_url("jury.dashboard") == "https://awards.example.org/jury/"
        assert (
            external_url("auth.login", _anchor="un lien") == "https://awards.example.org/auth/login#un%20lien"
        )


def test_a_server_without_a_public_url_refuses_to_start(app_config, monkeypatch):
    from judging import create_app
    from judging.config import ConfigError
    from judging.db import get_engine

    monkeypatch.delenv("JUDGING_PUBLIC_URL", raising=False)
    monkeypatch.delenv("JUDGING_TRUSTED_HOSTS", raising=False)
    production = {**app_config, "TESTING": False, "DEBUG": False}
    with pytest.raises(ConfigError, match="JUDGING_PUBLIC_URL is not set"):
        create_app(production)
    with pytest.raises(ConfigError, match="http"):
        create_app({**production, "PUBLIC_URL": "awards.example.org"})
    served = create_app({**production, "PUBLIC_URL": "https://awards.example.org"})
    get_engine(served).dispose()
    assert served.config["TRUSTED_HOSTS"] == ["awards.example.org", "localhost", "127.0.0.1"]


def test_trusted_hosts_come_from_the_environment(app_config, monkeypatch):
    from judging import create_app
    from judging.db import get_engine

    monkeypatch.setenv("JUDGING_TRUSTED_HOSTS", "awards.example.org, .mtl-tech.example")
    app = create_app(app_config)
    get_engine(app).dispose()
    assert app.config["TRUSTED_HOSTS"] == ["awards.example.org", ".mtl-tech.example"]
    client = app.test_client()
    assert client.get("/", headers={"Host": "www.mtl-tech.example"}).status_code == 200
    assert client.get("/", headers={"Host": "localhost"}).status_code == 400
    monkeypatch.setenv("JUDGING_TRUSTED_HOSTS", "*")
    anything = create_app(app_config)
    get_engine(anything).dispose()
    assert anything.config["TRUSTED_HOSTS"] is None


# No account probing, nothing of the password in links -------------------------------------------


def test_login_hashes_the_same_way_for_an_unknown_email_as_for_a_wrong_password(
    app, client, make, db, monkeypatch
):
    """Same hashing work either way (counted, not timed): the configured method, once."""
    import werkzeug.security

    from judging.accounts.operations import hash_password

    app.config["PASSWORD_HASH_METHOD"] = "scrypt:1024:8:1"
    with app.test_request_context():
        make.user(email="known@example.org").password_hash = hash_password("Le-vrai-secret-1")
    db.commit()
    calls: list[str] = []
    real_hash = werkzeug.security._hash_internal

    def counting_hash(method: str, salt: str, password: str):
        calls.append(method)
        return real_hash(method, salt, password)

    monkeypatch.setattr(werkzeug.security, "_hash_internal", counting_hash)
    answers = {}
    for email in ("known@example.org", "unknown@example.org"):
        calls.clear()
        response = client.post("/auth/login", data={"email": email, "password": "Mauvais-secret-2"})
        answers[email] = (response.status_code, calls.copy())
        assert "Courriel ou mot de passe erroné." in response.get_data(as_text=True)
    assert answers["known@example.org"] == answers["unknown@example.org"] == (200, ["scrypt:1024:8:1"])


def test_a_reset_link_shows_nothing_of_the_password_hash_and_works_once(app, client, make, db):
    import base64
    import json
    import zlib

    from judging.accounts.operations import make_token

    user = make.user(email="d@example.org")
    db.commit()
    with app.test_request_context():
        token = make_token(user, "reset")
    payload = token.split(".")[0] if not token.startswith(".") else token.split(".")[1]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    readable = (zlib.decompress(raw) if token.startswith(".") else raw).decode()
    assert json.loads(readable) == {"uid": user.id, "email": "d@example.org"}
    digest = user.password_hash.rsplit("$", 1)[1]
    assert not any(digest[i : i + 6] in readable for i in range(len(digest) - 5))

    response = client.post(
        f"/auth/reset/{token}", data={"password": "Nouveau-secret-2026", "confirm": "Nouveau-secret-2026"}
    )
    assert response.status_code == 302
    assert client.get(f"/auth/reset/{token}").status_code == 400  # the new hash no longer signs it
    # nor does a link of another purpose, or no link at all
    with app.test_request_context():
        confirm = make_token(user, "confirm")
    assert client.get(f"/auth/reset/{confirm}").status_code == 400
    assert client.get(f"/auth/accept/{confirm}").status_code == 400
    assert client.get("/auth/reset/not-a-token").status_code == 400
