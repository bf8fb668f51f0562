"""Sessions end: logout, a password change or reset, and an organizer end every other session.

Every session and remember cookie carries the person's session token; changing the token ends
them all. Cookies are copied between test clients the way a thief (or a second browser) holds them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import pytest
from sqlalchemy import select

from judging.core.audit_event import AuditEvent
from tests.conftest import login
from tests.factories import PASSWORD

NEW_PASSWORD = "Autre-secret-2027"


@pytest.fixture
def person(make, db):
    user = make.user(email="lea@example.org", name="Léa Tremblay", roles=["candidate"])
    db.commit()
    return user


def log_in(client, email: str, password: str = PASSWORD, remember: bool = False):
    data = {"email": email, "password": password}
    if remember:
        data["remember"] = "y"
    response = client.post("/auth/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def is_logged_in(client) -> bool:
    """Whether the candidate's dashboard opens (a logged-out visit is sent to the login page)."""
    response = client.get("/candidate/")
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    return False


def copy_cookie(source, target, name: str) -> None:
    cookie = source.get_cookie(name)
    assert cookie is not None, name
    target.set_cookie(name, cookie.value)


def test_a_session_cookie_copied_before_logout_is_dead_after(app, client, person):
    log_in(client, person.email)
    thief = app.test_client()
    copy_cookie(client, thief, "session")
    assert is_logged_in(thief)

    client.post("/auth/logout")

    assert not is_logged_in(client)
    assert not is_logged_in(thief)


def test_a_session_holding_only_the_user_id_is_refused(client, person):
    """Sessions made before session tokens (and forged ones) name a user without the token."""
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = str(person.id)
        flask_session["_fresh"] = True
    assert not is_logged_in(client)


def test_a_wrong_token_is_refused(client, person, db):
    login(client, person)
    assert is_logged_in(client)
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = f"{person.id}:{'x' * 43}"
    assert not is_logged_in(client)


def test_password_change_logs_out_the_other_browser_and_keeps_this_one(app, client, person, db):
    laptop, phone = client, app.test_client()
    log_in(laptop, person.email)
    log_in(phone, person.email)
    assert is_logged_in(phone)

    response = laptop.post(
        "/auth/profile",
        data={"pw-current": PASSWORD, "pw-password": NEW_PASSWORD, "pw-confirm": NEW_PASSWORD},
        follow_redirects=True,
    )
    assert "Votre mot de passe est changé." in response.get_data(as_text=True)

    assert is_logged_in(laptop)
    assert not is_logged_in(phone)
    log_in(phone, person.email, NEW_PASSWORD)
    assert is_logged_in(phone)


def test_a_wrong_current_password_changes_nothing(app, client, person, db):
    other = app.test_client()
    log_in(client, person.email)
    log_in(other, person.email)
    response = client.post(
        "/auth/profile",
        data={"pw-current": "pas-le-bon-1", "pw-password": NEW_PASSWORD, "pw-confirm": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert "Mot de passe erroné." in response.get_data(as_text=True)
    assert is_logged_in(client) and is_logged_in(other)


def test_password_change_keeps_this_browser_remembered(app, client, person):
    log_in(client, person.email, remember=True)
    changed = {"pw-current": PASSWORD, "pw-password": NEW_PASSWORD, "pw-confirm": NEW_PASSWORD}
    assert client.post("/auth/profile", data=changed).status_code == 302
    # the browser is closed (session cookie gone) and reopened: the new remember cookie logs it in
    reopened = app.test_client()
    copy_cookie(client, reopened, "remember_token")
    assert is_logged_in(reopened)


def test_password_reset_ends_every_session(app, client, person, db):
    from judging.accounts.operations import make_token

    log_in(client, person.email, remember=True)
    remembered = app.test_client()
    copy_cookie(client, remembered, "remember_token")
    with app.test_request_context():
        token = make_token(person, "reset")

    response = app.test_client().post(
        f"/auth/reset/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 302

    assert not is_logged_in(client)
    assert not is_logged_in(remembered)


def test_the_remember_cookie_is_refused_after_logout(app, client, person):
    response = log_in(client, person.email, remember=True)
    [set_remember] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token=")]
    expires = parsedate_to_datetime(set_remember.split("Expires=", 1)[1].split(";", 1)[0])
    assert 29 <= (expires - datetime.now(UTC)).days <= 30  # bounded (Flask-Login's default: 365 days)

    before = app.test_client()
    copy_cookie(client, before, "remember_token")
    assert is_logged_in(before)  # the cookie alone logs in (a new session is made from it)

    client.post("/auth/logout")

    after = app.test_client()
    after.set_cookie("remember_token", set_remember.split(";", 1)[0].split("=", 1)[1])
    assert not is_logged_in(after)


def test_an_organizer_ends_a_persons_sessions(app, client, db, person, organizer):
    log_in(client, person.email, remember=True)
    remembered = app.test_client()
    copy_cookie(client, remembered, "remember_token")
    organizer_client = app.test_client()
    login(organizer_client, organizer)

    response = organizer_client.post(f"/organizer/people/{person.id}/end-sessions", follow_redirects=True)

    assert response.status_code == 200
    assert "Léa Tremblay est déconnecté·e de tous ses appareils." in response.get_data(as_text=True)
    assert not is_logged_in(client)
    assert not is_logged_in(remembered)
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "user.sessions_ended")).one()
    assert event.actor_id == organizer.id and event.object_id == person.id
    log_in(client, person.email)  # the person can log in again
    assert is_logged_in(client)


def test_the_people_page_offers_the_button_for_people_who_logged_in(app, db, make, organizer):
    juror = make.user(email="jules@example.org", name="Jules Juré", roles=["juror"])
    never = make.user(email="nina@example.org", name="Nina Jamais", roles=["juror"])
    db.commit()
    log_in(app.test_client(), juror.email)
    organizer_client = app.test_client()
    login(organizer_client, organizer)
    html = organizer_client.get("/organizer/people").get_data(as_text=True)
    assert f'action="/organizer/people/{juror.id}/end-sessions"' in html
    assert f'action="/organizer/people/{never.id}/end-sessions"' not in html
    assert "Déconnecter partout" in html


def test_only_an_organizer_may_end_sessions(app, client, db, make, person):
    juror = make.user(email="jules@example.org", roles=["juror"])
    db.commit()
    log_in(client, person.email)
    juror_client = app.test_client()
    login(juror_client, juror)
    assert juror_client.post(f"/organizer/people/{person.id}/end-sessions").status_code == 403
    anonymous = app.test_client().post(f"/organizer/people/{person.id}/end-sessions")
    assert anonymous.status_code == 302 and "/auth/login" in anonymous.headers["Location"]
    assert is_logged_in(client)
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "user.sessions_ended")).all() == []


def test_ending_the_sessions_of_nobody_is_a_404(client, organizer):
    login(client, organizer)
    assert client.post("/organizer/people/999999/end-sessions").status_code == 404
