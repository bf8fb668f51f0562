"""The visitor's language (issue 15, item 8): a first visit follows the browser's Accept-Language,
and a password reset asked from the English interface arrives in English."""

from __future__ import annotations

import pytest

from tests.conftest import deliver_outbox


@pytest.fixture
def app_config(mail_app_config):
    return mail_app_config


def lang_of(response) -> str:
    html = response.get_data(as_text=True)
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("en-US,en;q=0.9", "en"),
        ("en-CA,fr-CA;q=0.5", "en"),
        ("fr-CA,fr;q=0.9,en;q=0.8", "fr"),
        ("de-DE,en;q=0.5,fr;q=0.4", "en"),
        ("de-DE,es;q=0.5", "fr"),  # neither language: French, the contest's
    ],
)
def test_a_first_visit_follows_the_browser(client, header, expected):
    response = client.get("/auth/login", headers={"Accept-Language": header})
    assert lang_of(response) == expected


def test_without_a_header_the_first_visit_is_in_french(client):
    assert lang_of(client.get("/auth/login")) == "fr"
    assert "Mot de passe oublié" in client.get("/auth/login").get_data(as_text=True)


def test_the_visit_choice_beats_the_browser(client):
    client.post("/language", data={"language": "fr", "next": "/"})
    assert lang_of(client.get("/auth/login", headers={"Accept-Language": "en-US"})) == "fr"


def test_the_profile_beats_the_browser(client, make, db):
    from tests.conftest import login

    user = make.user(email="franco@example.org", language="fr")
    db.commit()
    login(client, user)
    assert lang_of(client.get("/auth/profile", headers={"Accept-Language": "en-US"})) == "fr"


def test_a_reset_asked_from_the_english_interface_arrives_in_english(app, client, make, db, smtp_server):
    make.user(email="lea@example.org", language="fr")  # the profile says French
    db.commit()
    english = {"Accept-Language": "en-US,en;q=0.9"}
    page = client.post("/auth/reset", data={"email": "lea@example.org"}, headers=english)
    assert lang_of(page) == "en"
    deliver_outbox(app)
    [message] = smtp_server.to("lea@example.org")
    assert message["Subject"] == "Choose a new password – MTL Tech Awards"
    assert "Someone asked to reset the password" in smtp_server.body(message)


def test_a_reset_asked_from_the_french_interface_arrives_in_french(app, client, make, db, smtp_server):
    make.user(email="sam@example.org", language="en")  # the profile says English
    db.commit()
    client.post("/language", data={"language": "fr", "next": "/"})
    client.post("/auth/reset", data={"email": "sam@example.org"}, headers={"Accept-Language": "en-US"})
    deliver_outbox(app)
    [message] = smtp_server.to("sam@example.org")
    assert message["Subject"] == "Choisissez un nouveau mot de passe – MTL Tech Awards"


def test_pages_say_they_vary_with_the_browser_language(client):
    response = client.get("/auth/login", headers={"Accept-Language": "en"})
    assert "Accept-Language" in response.headers["Vary"]
    assert response.headers["Content-Language"] == "en"
