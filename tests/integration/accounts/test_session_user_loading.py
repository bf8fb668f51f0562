"""Every request of a logged-in person loads them from the session: their account and their roles
come in one statement (the roles' own eager load was a second one on every page)."""

from __future__ import annotations

from judging.accounts.operations import user_for_session
from tests.bench.bench_pages import counting


def test_the_person_of_a_session_and_their_roles_come_in_one_statement(app, db, make):
    person = make.user(name="Jeanne Jurée", roles=["juror", "organizer"])
    db.commit()
    session_id = person.get_id()
    db.commit()
    db.expunge_all()  # a request starts from an empty session
    with counting(app) as statements:
        loaded = user_for_session(db, session_id)
        roles = loaded.roles
    assert loaded.name == "Jeanne Jurée"
    assert roles == {"juror", "organizer"}
    assert len(statements) == 1


def test_a_stale_token_still_gives_nobody(app, db, make):
    person = make.user(roles=["juror"])
    db.commit()
    session_id = person.get_id()
    person.rotate_session_token()
    db.commit()
    db.expunge_all()
    assert user_for_session(db, session_id) is None
    assert user_for_session(db, "abc:def") is None
