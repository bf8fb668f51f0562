"""The audience vote from a phone: codes, links, one vote per person, and every refusal counting nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from judging.audience.models import AudienceVote
from judging.core import clock
from judging.core.clock import server_saw_it_at
from tests.integration.audience.conftest import last_code, personal_link, sign_in_with_code, vote


def votes(db) -> list[tuple[int, int]]:
    db.expire_all()
    stored = db.scalars(select(AudienceVote).order_by(AudienceVote.id))
    return [(v.voter_id, v.application_id) for v in stored]


def test_a_person_votes_with_a_code_and_changes_their_vote(client, db, evening):
    page = client.get("/audience/mtl-2026").get_data(as_text=True)
    assert "Aurore Robotique" not in page  # the ballot shows once the phone is signed in
    sign_in_with_code(client, db, "ana@example.org")
    first, second = evening.finalists[0], evening.finalists[1]
    assert vote(client, first).status_code == 302
    page = client.get("/audience/mtl-2026").get_data(as_text=True)
    assert "Aurore Robotique" in page and "Cobalt Climat" in page
    assert vote(client, second).status_code == 302
    stored = db.scalars(select(AudienceVote)).all()
    assert [(v.application_id, v.changes) for v in stored] == [(second.id, 1)]


def test_a_vote_after_closing_is_refused_and_not_counted(client, db, evening, monkeypatch):
    sign_in_with_code(client, db, "ana@example.org")
    evening.award.state = "closed"
    evening.award.closes_at = evening.award.opens_at
    db.commit()
    response = vote(client, evening.finalists[0])
    assert response.status_code == 409
    assert "Le vote est terminé. Rien n’a été compté." in response.get_data(as_text=True)
    assert votes(db) == []


def test_a_vote_after_the_planned_closing_time_is_refused(client, db, evening, monkeypatch):
    sign_in_with_code(client, db, "ana@example.org")
    from datetime import timedelta

    from judging.core import clock

    evening.award.closes_at = clock.now() + timedelta(minutes=5)
    db.commit()
    later = clock.now() + timedelta(minutes=6)
    monkeypatch.setattr("judging.core.clock.now", lambda: later)
    response = vote(client, evening.finalists[0])
    assert response.status_code == 409
    assert votes(db) == []


def test_a_replayed_code_is_refused(client, db, evening):
    client.post("/audience/mtl-2026/code", data={"email": "ana@example.org"})
    code = last_code(db, "ana@example.org")
    assert client.post("/audience/mtl-2026/verify", data={"code": code}).status_code == 302
    other = client.application.test_client()
    with other.session_transaction() as flask_session:
        flask_session["audience_email"] = "ana@example.org"
    response = other.post("/audience/mtl-2026/verify", data={"code": code})
    assert response.status_code == 400
    assert "Ce code n’est pas valide ou a déjà servi." in response.get_data(as_text=True)
    assert vote(other, evening.finalists[0]).status_code == 403
    assert votes(db) == []


def test_an_expired_code_is_refused(client, db, evening, monkeypatch):
    from datetime import timedelta

    from judging.core import clock

    client.post("/audience/mtl-2026/code", data={"email": "ana@example.org"})
    later = clock.now() + timedelta(minutes=10, seconds=1)
    monkeypatch.setattr("judging.core.clock.now", lambda: later)
    response = client.post("/audience/mtl-2026/verify", data={"code": last_code(db, "ana@example.org")})
    assert response.status_code == 400
    assert "Ce code a expiré" in response.get_data(as_text=True)
    assert vote(client, evening.finalists[0]).status_code == 403
    assert votes(db) == []


def test_wrong_codes_are_limited_to_five_tries(client, db, evening):
    client.post("/audience/mtl-2026/code", data={"email": "ana@example.org"})
    right = last_code(db, "ana@example.org")
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(4):
        page = client.post("/audience/mtl-2026/verify", data={"code": wrong}).get_data(as_text=True)
        assert "Ce code n’est pas celui que nous avons envoyé." in page
    page = client.post("/audience/mtl-2026/verify", data={"code": wrong}).get_data(as_text=True)
    assert "Trop de codes erronés. Demandez un nouveau code." in page
    response = client.post("/audience/mtl-2026/verify", data={"code": right})
    assert response.status_code == 400  # the right code no longer works after five wrong ones
    assert votes(db) == []


def test_a_forged_link_is_refused(client, db, evening):
    response = client.get("/audience/mtl-2026/l/not-a-real-token-123456")
    assert response.status_code == 404
    assert "Ce lien n’est pas valide." in response.get_data(as_text=True)
    assert vote(client, evening.finalists[0]).status_code == 403
    assert votes(db) == []


def test_a_vote_for_someone_not_in_the_award_is_refused(client, db, evening):
    sign_in_with_code(client, db, "ana@example.org")
    response = vote(client, evening.outsider)
    assert response.status_code == 400
    assert "Ce projet ne fait pas partie du prix du public." in response.get_data(as_text=True)
    response = client.post("/audience/mtl-2026/ballot", data={"choice": "９"})  # not ASCII digits
    assert response.status_code == 400
    assert votes(db) == []


def test_a_personal_link_works_on_one_phone_only(client, db, evening, organizer):
    link = personal_link(client.application, db, evening, organizer, "bea@example.org")
    assert client.get(link).status_code == 302
    assert vote(client, evening.finalists[2]).status_code == 302
    second_person = client.application.test_client()
    response = second_person.get(link)
    assert response.status_code == 409
    assert "Ce lien personnel sert déjà sur un autre téléphone." in response.get_data(as_text=True)
    assert vote(second_person, evening.finalists[0]).status_code == 403
    assert [application for _voter, application in votes(db)] == [evening.finalists[2].id]


def test_odd_input_gets_a_message_never_a_500(client, db, evening):
    odd = ["", " ", "x" * 5000, "１２３４５６", "12345\u0000", "<script>", "ana@", "@@", "é" * 400, "0" * 7]
    for value in odd:
        assert client.post("/audience/mtl-2026/code", data={"email": value}).status_code < 500
        assert client.post("/audience/mtl-2026/verify", data={"code": value}).status_code < 500
        assert client.post("/audience/mtl-2026/ballot", data={"choice": value}).status_code < 500
    sign_in_with_code(client, db, "ana@example.org")
    for value in odd + ["-1", "99999999999999999999", str(evening.outsider.id)]:
        assert client.post("/audience/mtl-2026/ballot", data={"choice": value}).status_code in (400, 422)
    assert client.get("/audience/" + "x" * 3000).status_code == 404
    assert client.get("/audience/mtl-2026/l/" + "y" * 5000).status_code == 404
    assert votes(db) == []


def test_a_vote_queued_before_the_closing_time_counts_when_a_worker_reaches_it_late(
    client, db, evening, monkeypatch
):
    """The window is judged at the request's arrival (the gunicorn worker's stamp), not when a worker
    gets to it: a click made in time counts; one that arrived after the closing time does not."""
    sign_in_with_code(client, db, "ana@example.org")
    closes = clock.now() + timedelta(minutes=5)
    evening.award.closes_at = closes
    db.commit()
    monkeypatch.setattr("judging.core.clock.now", lambda: closes + timedelta(seconds=20))
    try:
        server_saw_it_at(closes - timedelta(seconds=1))  # queued 1 s before closing, reached 20 s after
        assert vote(client, evening.finalists[0]).status_code == 302
        assert [application for _voter, application in votes(db)] == [evening.finalists[0].id]
        server_saw_it_at(closes + timedelta(seconds=1))  # arrived after closing
        assert vote(client, evening.finalists[1]).status_code == 409
    finally:
        server_saw_it_at(None)
    assert [application for _voter, application in votes(db)] == [evening.finalists[0].id]
