"""The live final: the control (organizers and the chair), the phones following the pitch, scores sent
under a submission id (counted once, refused before their pitch starts), the board and standings
shown to the chair and organizers only."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import func, select

from judging.audience.models import AudienceAward
from judging.core.audit_event import AuditEvent
from judging.core.models import utcnow
from judging.jury.models import Assignment
from judging.live.models import LiveSession, ReceivedSubmission
from tests.conftest import login

NBSP = "\u00a0"


def base(final) -> str:
    return f"/rounds/{final.round.id}/live"


def move(client, prefix: str, final, action: str):
    return client.post(f"{prefix}{base(final)}/control", data={"action": action})


def send(client, final, application, score: str, submission_id: str | None = None, version: str = ""):
    return client.post(
        f"/jury{base(final)}/{application.id}/send",
        data={"score-pitch": score, "submission_id": submission_id or str(uuid.uuid4()), "version": version},
    )


def client_of(app, user, language: str = "fr"):
    client = login(app.test_client(), user)
    with client.session_transaction() as flask_session:
        flask_session["lang"] = language
    return client


def card_of(db, final, user, application) -> Assignment:
    db.expire_all()
    return db.get(Assignment, final.cards[(user.id, application.id)].id)


def test_the_organizer_moves_through_the_pitches_and_every_move_is_audited(organizer_client, db, final):
    page = organizer_client.get(f"/organizer{base(final)}/control")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "FIN-1 · Finaliste 1" in html and "Charlotte Présidente" in html
    assert move(organizer_client, "/organizer", final, "next").status_code == 302  # refused: not started
    for action in ("start", "next", "next", "back"):
        assert move(organizer_client, "/organizer", final, action).status_code == 302
    db.expire_all()
    session = db.scalar(select(LiveSession).where(LiveSession.round_id == final.round.id))
    assert (session.position, session.state, session.elapsed_seconds) == (2, "paused", 0)
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "live.controlled")).all()
    assert [(e.before["position"], e.after["position"]) for e in events] == [(0, 1), (1, 2), (2, 3), (3, 2)]
    state = organizer_client.get(f"/organizer{base(final)}/board.json").get_json()["live"]
    assert state["current"]["label"] == "FIN-2 · Finaliste 2"
    assert state["next"]["label"] == "FIN-3 · Finaliste 3"


def test_a_refused_move_says_why_in_french(organizer_client, final):
    response = move(organizer_client, "/organizer", final, "pause")
    html = organizer_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Le chronomètre n’est pas en marche." in html


def test_the_chair_runs_the_live_final_and_other_jurors_cannot(app, db, final, juror):
    chair = client_of(app, final.chair)
    assert chair.get(f"/jury{base(final)}/control").status_code == 200
    assert move(chair, "/jury", final, "start").status_code == 302
    other = client_of(app, juror)
    for path in ("/control", "/board.json", "/screen"):
        assert other.get(f"/jury{base(final)}{path}").status_code == 404
    assert move(other, "/jury", final, "next").status_code == 404
    assert other.get(f"/organizer{base(final)}/control").status_code == 403
    db.expire_all()
    assert db.scalar(select(LiveSession.position).where(LiveSession.round_id == final.round.id)) == 1


def test_the_phone_follows_the_current_pitch(app, organizer_client, final, juror):
    phone = client_of(app, juror)
    assert phone.get(f"/jury{base(final)}/state.json").get_json() == {
        "live": False,
        "pitches": 3,
        "audience_open": False,
    }
    move(organizer_client, "/organizer", final, "start")
    move(organizer_client, "/organizer", final, "next")
    state = phone.get(f"/jury{base(final)}/state.json").get_json()
    assert state["current"]["application_id"] == final.apps[1].id
    assert state["open"] == [final.apps[0].id, final.apps[1].id]
    assert state["timer"]["phase"] == "pitch" and state["timer"]["running"] is True
    html = phone.get(f"/jury{base(final)}").get_data(as_text=True)
    assert 'id="live-phone"' in html
    assert "Enregistré sur le serveur" in html and "En attente du réseau" in html


def test_a_score_for_a_pitch_not_yet_started_is_refused_and_nothing_counts(
    app, db, organizer_client, final, juror
):
    phone = client_of(app, juror)
    move(organizer_client, "/organizer", final, "start")
    response = send(phone, final, final.apps[1], "7")
    assert response.status_code == 409
    assert response.get_json()["message"] == (
        f"Cette présentation n’a pas encore commencé{NBSP}: "
        "sa note ne peut pas être envoyée avant qu’elle commence."
    )
    card = card_of(db, final, juror, final.apps[1])
    assert card.status == "assigned" and not card.scores
    assert db.scalar(select(func.count()).select_from(ReceivedSubmission)) == 0
    # once the pitch has started, the same submission goes through
    move(organizer_client, "/organizer", final, "next")
    assert send(phone, final, final.apps[1], "7").status_code == 200
    assert card_of(db, final, juror, final.apps[1]).status == "submitted"


def test_a_replayed_submission_is_counted_once_and_answered_the_same(app, db, organizer_client, final, juror):
    phone = client_of(app, juror)
    move(organizer_client, "/organizer", final, "start")
    version = str(card_of(db, final, juror, final.apps[0]).version)
    submission = str(uuid.uuid4())
    first = send(phone, final, final.apps[0], "8,5", submission, version)
    again = send(phone, final, final.apps[0], "8,5", submission, version)
    assert first.status_code == again.status_code == 200
    assert first.get_json() == again.get_json()
    assert db.scalar(select(func.count()).select_from(ReceivedSubmission)) == 1
    card = card_of(db, final, juror, final.apps[0])
    assert card.status == "submitted" and [str(s.value) for s in card.scores] == ["8.5000"]
    submitted = db.scalars(
        select(AuditEvent).where(AuditEvent.object_id == card.id, AuditEvent.action == "scorecard.submitted")
    ).all()
    assert len(submitted) == 1


def test_wrong_values_and_a_missing_submission_id_are_refused(app, organizer_client, final, juror):
    phone = client_of(app, juror)
    move(organizer_client, "/organizer", final, "start")
    response = send(phone, final, final.apps[0], "11")
    assert response.status_code == 422 and response.get_json()["errors"]["pitch"]
    response = phone.post(f"/jury{base(final)}/{final.apps[0].id}/send", data={"score-pitch": "5"})
    assert response.status_code == 400 and "identifiant" in response.get_json()["message"]


def test_standings_are_for_the_chair_and_organizers_only(app, db, organizer_client, final, juror):
    move(organizer_client, "/organizer", final, "start")
    chair, second = final.chair, final.jurors[2]
    send(client_of(app, chair), final, final.apps[0], "7,3")
    send(client_of(app, second), final, final.apps[0], "9,1")
    send(client_of(app, juror), final, final.apps[0], "8")
    # mean of 73, 91 and 80 on 0–100: 81.33
    board = organizer_client.get(f"/organizer{base(final)}/board.json").get_json()
    assert board["standings"][0] | {} == {
        "rank": 1,
        "ref": "FIN-1",
        "title": "Finaliste 1",
        "wins": 0,
        "mean": "81.33",
        "mean_text": "81,33",  # as a French reader writes it (the page and the board it polls)
        "count": 3,
    }
    assert board["board"][0]["scored"] == ["Charlotte Présidente", "Jules Juré", "Samuel Second"]
    assert board["board"][1]["waiting"] == ["Charlotte Présidente", "Jules Juré", "Samuel Second"]
    control = organizer_client.get(f"/organizer{base(final)}/control").get_data(as_text=True)
    assert "<td>81,33</td>" in control and "81.33" not in control
    assert "81.33" in client_of(app, chair).get(f"/jury{base(final)}/board.json").get_data(as_text=True)
    phone, anonymous = client_of(app, juror), app.test_client()
    seen = [
        phone.get(f"/jury{base(final)}").get_data(as_text=True),
        phone.get(f"/jury{base(final)}/state.json").get_data(as_text=True),
        phone.get(f"/jury{base(final)}/board.json").get_data(as_text=True),
        phone.get("/jury/").get_data(as_text=True),
        anonymous.get(f"/organizer{base(final)}/board.json").get_data(as_text=True),
        anonymous.get(f"/jury{base(final)}/board.json").get_data(as_text=True),
        anonymous.get("/").get_data(as_text=True),
    ]
    for text in seen:
        assert "81.33" not in text and "81,33" not in text


def test_the_plain_form_obeys_the_live_mode_too(app, db, organizer_client, final, juror):
    phone = client_of(app, juror)
    move(organizer_client, "/organizer", final, "start")
    response = phone.post(f"/jury{base(final)}/{final.apps[2].id}", data={"score-pitch": "4"})
    assert response.status_code == 303
    html = phone.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Cette présentation n’a pas encore commencé{NBSP}: sa note" in html
    assert card_of(db, final, juror, final.apps[2]).status == "assigned"
    response = phone.post(f"/jury{base(final)}/{final.apps[0].id}", data={"score-pitch": "4"})
    assert response.status_code == 302
    assert card_of(db, final, juror, final.apps[0]).status == "submitted"


def test_the_projector_shows_the_audience_vote_while_it_is_open(organizer_client, db, final):
    screen = organizer_client.get(f"/organizer{base(final)}/screen").get_data(as_text=True)
    assert 'id="live-timer"' in screen and "live-audience-qr" not in screen
    edition = final.round.prize.edition
    db.add(AudienceAward(edition_id=edition.id, state="open", opens_at=utcnow() - timedelta(minutes=1)))
    db.commit()
    screen = organizer_client.get(f"/organizer{base(final)}/screen").get_data(as_text=True)
    assert f'src="/audience/{edition.code}/qr.svg"' in screen


def test_the_chair_finds_the_control_on_the_live_page_and_other_jurors_do_not(app, final, juror):
    chair_page = client_of(app, final.chair).get(f"/jury{base(final)}").get_data(as_text=True)
    assert f'href="/jury{base(final)}/control"' in chair_page
    assert "Animer la finale en direct (présidence du jury)" in chair_page
    assert "/control" not in client_of(app, juror).get(f"/jury{base(final)}").get_data(as_text=True)


def test_the_pitch_timing_is_set_in_minutes_and_bad_values_are_refused(organizer_client, db, final):
    url = f"/organizer{base(final)}/timing"
    response = organizer_client.post(url, data={"pitch_minutes": "0", "questions_minutes": "abc"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Une présentation dure de 1 à 60 minutes." in html
    assert db.scalar(select(func.count()).select_from(LiveSession)) == 0
    response = organizer_client.post(url, data={"pitch_minutes": "4", "questions_minutes": "2"})
    assert response.status_code == 302
    state = organizer_client.get(f"/organizer{base(final)}/board.json").get_json()["live"]["timer"]
    assert (state["pitch_seconds"], state["questions_seconds"], state["remaining"]) == (240, 120, 240)
    assert db.scalar(select(func.count()).where(AuditEvent.action == "live.timing_set")) == 1


def test_the_organizer_finds_the_live_control_on_the_final_round_results_page(organizer_client, final):
    rnd = final.round
    url = f"/organizer/editions/{rnd.prize.edition_id}/prizes/{rnd.prize_id}/rounds/{rnd.id}/results"
    page = organizer_client.get(url).get_data(as_text=True)
    assert f'href="/organizer/rounds/{rnd.id}/live/control"' in page
    assert "Animer la finale en direct\u00a0: minuterie des présentations" in page
