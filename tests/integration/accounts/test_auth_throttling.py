"""Throttling of the account forms: per address AND per account, with a message saying when to retry.

The limits are the shipped defaults (``judging/config.py``); addresses vary through ``REMOTE_ADDR``.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from judging.accounts.models import User
from judging.mail.models import OutgoingMail
from tests.conftest import login
from tests.factories import PASSWORD


@pytest.fixture
def app_config(app_config):
    return {**app_config, "RATELIMIT_ENABLED": True}


def from_address(n: int) -> dict:
    return {"environ_base": {"REMOTE_ADDR": f"198.51.100.{n}"}}


def retry_minutes(response) -> int:
    """The minutes the 429 page asks to wait (and checks the Retry-After header agrees)."""
    assert response.status_code == 429
    match = re.search(
        r"Trop de tentatives\. Réessayez dans (\d+) minutes?\.", response.get_data(as_text=True)
    )
    assert match, response.get_data(as_text=True)
    minutes = int(match.group(1))
    assert (minutes - 1) * 60 < int(response.headers["Retry-After"]) <= minutes * 60
    return minutes


def guess(client, email: str, n: int, password: str = "Mauvais-secret-1"):
    return client.post("/auth/login", data={"email": email, "password": password}, **from_address(n))


def test_guesses_on_one_account_from_many_addresses_are_stopped(app, client, make, db):
    victim = make.user(email="victim@example.org")
    make.user(email="other@example.org")
    db.commit()
    # the owner's own logins are not guesses
    assert [guess(app.test_client(), victim.email, n, PASSWORD).status_code for n in range(20, 32)] == [
        302
    ] * 12

    answers = [guess(client, victim.email, n).status_code for n in range(1, 13)]

    assert answers == [200] * 10 + [429, 429]
    assert 1 <= retry_minutes(guess(client, victim.email, 13)) <= 15
    # even the right password waits: the account is locked for guessing, not its owner's other doors
    assert guess(app.test_client(), "VICTIM@example.org", 14, PASSWORD).status_code == 429
    assert guess(app.test_client(), "other@example.org", 15, PASSWORD).status_code == 302


def test_the_retry_message_follows_the_language(app, client, make, db):
    user = make.user(email="victim@example.org")
    db.commit()
    client.post("/language", data={"language": "en"})
    for n in range(1, 11):
        guess(client, user.email, n)
    response = guess(client, user.email, 11)
    assert response.status_code == 429
    assert re.search(r"Too many attempts\. Try again in \d+ minutes?\.", response.get_data(as_text=True))


def register(client, email: str, n: int):
    return client.post(
        "/auth/register",
        data={
            "name": "Robot",
            "email": email,
            "password": "Bonjour-Montreal-42",
            "confirm": "Bonjour-Montreal-42",
            "language": "fr",
        },
        **from_address(n),
    )


def test_registrations_from_one_address_are_stopped(client, db):
    for _ in range(12):  # forms sent back for a missing field do not count
        typo = client.post(
            "/auth/register", data={"name": "Léa", "email": "lea@example.org"}, **from_address(7)
        )
        assert typo.status_code == 200
    answers = [register(client, f"bot{i}@example.org", 7).status_code for i in range(15)]

    assert answers == [200] * 10 + [429] * 5
    assert db.scalar(select(func.count()).select_from(User)) == 10
    assert db.scalar(select(func.count()).select_from(OutgoingMail)) == 10
    assert register(client, "human@example.org", 8).status_code == 200  # another address is not blocked


def test_mail_to_one_address_is_limited_whoever_asks(client, make, db):
    """Reset, confirmation and registration mail to one account: 3 an hour, from any address."""
    make.user(email="known@example.org")
    make.user(email="waiting@example.org", confirmed=False)
    db.commit()
    resets = [
        client.post("/auth/reset", data={"email": "Known@example.org"}, **from_address(n)).status_code
        for n in range(1, 5)
    ]
    resends = [
        client.post("/auth/confirm", data={"email": "waiting@example.org"}, **from_address(n)).status_code
        for n in range(1, 5)
    ]
    registrations = [register(client, "known@example.org", n).status_code for n in range(20, 24)]
    assert resets == resends == registrations == [200, 200, 200, 429]
    mails = db.scalars(select(OutgoingMail.to_address).order_by(OutgoingMail.id)).all()
    assert mails == ["known@example.org"] * 3 + ["waiting@example.org"] * 3 + ["known@example.org"] * 3


def test_current_password_guesses_on_the_profile_are_stopped(app, make, db):
    user = make.user(email="lea@example.org")
    db.commit()
    saver = app.test_client()
    login(saver, user)
    saves = [
        saver.post(
            "/auth/profile", data={"profile-name": f"Léa {n}", "profile-language": "fr"}, **from_address(1)
        )
        for n in range(12)
    ]
    assert [save.status_code for save in saves] == [302] * 12  # saving the profile is no guess
    guesses = []
    for n in range(1, 13):
        client = app.test_client()
        login(client, user)
        response = client.post(
            "/auth/profile",
            data={
                "pw-current": f"Essai-{n}-secret",
                "pw-password": "Autre-secret-27",
                "pw-confirm": "Autre-secret-27",
            },
            **from_address(n),
        )
        guesses.append(response.status_code)
    assert guesses == [200] * 10 + [429, 429]
    assert 1 <= retry_minutes(response) <= 15
