"""A scorecard is never silently overwritten: two tabs of one juror, an autosave racing a click,
identical saves at the same instant (real threads, each with its own client).

Runs on SQLite and, with ``JUDGING_TEST_DATABASE_URL``, on PostgreSQL.
"""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from judging.core.audit_event import AuditEvent
from judging.core.models import utcnow
from judging.jury.models import Assignment, CriterionScore
from tests.conftest import login

CODES = ("impact", "team", "market", "tech", "pitch")
FIVE = {"impact": "8", "team": "4", "market": "7", "tech": "6,5", "pitch": "9"}
NBSP = "\u00a0"


@pytest.fixture
def card(make, db, juror):
    """A round in judging with five criteria and the juror's empty scorecard (INN-001)."""
    prize = make.prize(name={"fr": "Prix Innovation", "en": "Innovation Award"})
    rnd = make.round(prize, criteria=0, judging_closes_at=utcnow() + timedelta(days=5))
    for position, code in enumerate(CODES):
        make.criterion(
            rnd, code=code, position=position, name={"fr": f"Critère {code}", "en": f"Criterion {code}"}
        )
    application = make.application(prize, ref="INN-001", title="Robot de serre")
    make.jury(rnd, juror)
    card = make.scorecard(rnd, juror, application, status="assigned")
    db.commit()
    return card


def url(card) -> str:
    return f"/jury/rounds/{card.round_id}/applications/{card.application_id}"


def tab(app, juror, language: str = "en"):
    """One browser tab of the juror: its own client (own cookies), logged in."""
    client = app.test_client()
    login(client, juror)
    with client.session_transaction() as flask_session:
        flask_session["lang"] = language
    return client


def version_on(html: str, name: str = "version") -> str:
    field = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
    return re.search(r'value="(\d+)"', field).group(1)


def scores(**typed: str) -> dict[str, str]:
    return {f"score-{code}": typed.get(code, "") for code in CODES}


def stored(db, card) -> dict[str, Decimal]:
    db.expire_all()
    fresh = db.get(Assignment, card.id)
    codes = {c.id: c.code for c in fresh.round.criteria}
    rows = db.execute(
        select(CriterionScore.criterion_id, CriterionScore.value).where(
            CriterionScore.assignment_id == card.id
        )
    ).all()
    return {codes[criterion_id]: value for criterion_id, value in rows}


def actions(db, card) -> list[str]:
    db.expire_all()
    return list(
        db.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.object_type == "assignment", AuditEvent.object_id == card.id)
            .order_by(AuditEvent.id)
        )
    )


def expected_five() -> dict[str, Decimal]:
    return {code: Decimal(value.replace(",", ".")) for code, value in FIVE.items()}


def test_a_stale_tab_saving_a_comment_cannot_wipe_the_other_tabs_five_scores(app, db, card, juror):
    tab_a, tab_b = tab(app, juror), tab(app, juror)
    page_b = tab_b.get(url(card)).get_data(as_text=True)  # B is loaded first, empty
    page_a = tab_a.get(url(card)).get_data(as_text=True)
    response = tab_a.post(
        url(card), data={**scores(**FIVE), "version": version_on(page_a), "action": "draft"}
    )
    assert response.status_code == 302

    response = tab_b.post(
        url(card),
        data={
            **scores(),
            "comment": "Équipe solide, marché flou",
            "version": version_on(page_b),
            "action": "draft",
        },
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    problem = re.search(r'id="scorecard-problem">([^<]*)<', html).group(1)
    assert problem.startswith(
        "Nothing was saved: this scorecard was changed in another tab or on another device on "
    )
    assert (
        "Saved now: Criterion impact: 8 · Criterion team: 4 · Criterion market: 7 · Criterion tech: 6.5"
        in (problem.replace("&#34;", '"'))
    )
    assert "Draft saved." not in html
    # what B typed is kept (the comment, the empty scores), the stored values beside it
    assert re.search(r'<textarea[^>]*name="comment"[^>]*>\s*Équipe solide, marché flou</textarea>', html)
    impact = re.search(r'<input type="text"[^>]*name="score-impact"[^>]*>', html).group(0)
    assert 'value=""' in impact and "score-impact-saved" in impact
    assert re.search(r'id="score-impact-saved"[^>]*>Saved now: 8<', html)
    assert re.search(r'id="score-tech-saved"[^>]*>Saved now: 6.5<', html)
    # the database keeps A's five scores and no comment
    assert stored(db, card) == expected_five()
    assert db.get(Assignment, card.id).comment is None
    assert actions(db, card) == ["scorecard.draft_saved"]

    # the refused page carries the current version: B, who has now seen A's scores, may choose
    response = tab_b.post(
        url(card),
        data={
            **scores(**FIVE),
            "comment": "Équipe solide, marché flou",
            "version": version_on(html),
            "action": "draft",
        },
    )
    assert response.status_code == 302
    assert stored(db, card) == expected_five()
    assert db.get(Assignment, card.id).comment == "Équipe solide, marché flou"


def test_the_refusal_is_in_french_with_french_typography(app, db, card, juror):
    tab_a, tab_b = tab(app, juror, "fr"), tab(app, juror, "fr")
    version = version_on(tab_b.get(url(card)).get_data(as_text=True))
    tab_a.post(url(card), data={**scores(**FIVE), "version": version, "action": "draft"})
    response = tab_b.post(url(card), data={**scores(impact="2"), "version": version, "action": "draft"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    problem = re.search(r'id="scorecard-problem">([^<]*)<', html).group(1)
    assert problem.startswith(
        f"Rien n’a été enregistré{NBSP}: cette grille a été modifiée "
        "dans un autre onglet ou sur un autre appareil le "
    )
    assert f"Enregistré maintenant{NBSP}: Critère impact{NBSP}: 8 · Critère team{NBSP}: 4" in problem
    assert f"Critère tech{NBSP}: 6,5" in problem
    assert re.search(rf'id="score-tech-saved"[^>]*>Enregistré maintenant{NBSP}: 6,5<', html)
    assert stored(db, card) == expected_five()


def test_a_garbled_version_is_a_clear_refusal_not_an_error(app, db, card, juror):
    tab_a = tab(app, juror)
    response = tab_a.post(url(card), data={**scores(impact="3"), "version": "abc", "action": "draft"})
    assert response.status_code == 409
    assert "Nothing was saved" in response.get_data(as_text=True)
    assert stored(db, card) == {}


def test_a_stale_tab_cannot_abstain_over_new_scores(app, db, card, juror):
    tab_a, tab_b = tab(app, juror), tab(app, juror)
    version = version_on(tab_b.get(url(card)).get_data(as_text=True))
    tab_a.post(url(card), data={**scores(**FIVE), "version": version, "action": "submit"})
    response = tab_b.post(
        url(card) + "/abstain", data={"abstain-reason": "Je les ai conseillés", "abstain-version": version}
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Nothing was saved: this scorecard was changed in another tab or on another device" in html
    assert re.search(r"<textarea[^>]*name=\"abstain-reason\"[^>]*>\s*Je les ai conseillés</textarea>", html)
    assert db.get(Assignment, card.id).status == "submitted"
    assert stored(db, card) == expected_five()


def test_autosave_from_a_stale_tab_never_changes_a_submitted_scorecard(app, db, card, juror):
    tab_a, tab_b = tab(app, juror), tab(app, juror)
    version_b = version_on(tab_b.get(url(card)).get_data(as_text=True))  # B: a draft page, autosave on
    version_a = version_on(tab_a.get(url(card)).get_data(as_text=True))
    assert (
        tab_a.post(url(card), data={**scores(**FIVE), "version": version_a, "action": "submit"}).status_code
        == 302
    )
    before = actions(db, card)

    response = tab_b.post(
        url(card) + "/autosave", data={**scores(impact="1", team="1"), "comment": "Bof", "version": version_b}
    )
    assert response.status_code == 409
    body = response.json
    assert body["ok"] is False and body["error"] == "submitted"
    assert body["message"].startswith(
        "Not saved: this scorecard was submitted in another tab or on another device on "
    )
    assert "Saved now: Criterion impact: 8 · Criterion team: 4 · Criterion market: 7" in body["message"]
    assert "Criterion pitch: 9 · private comment: empty." in body["message"]
    assert "Autosave has stopped" in body["message"]
    # even with the current version, an autosave never changes a submitted scorecard
    current = str(db.get(Assignment, card.id).version)
    response = tab_b.post(url(card) + "/autosave", data={**scores(impact="1"), "version": current})
    assert response.status_code == 409 and response.json["ok"] is False
    db.expire_all()
    saved = db.get(Assignment, card.id)
    assert (saved.status, saved.comment) == ("submitted", None)
    assert stored(db, card) == expected_five()
    assert actions(db, card) == before

    # "Save the changes" on a submitted scorecard still works with the current version
    page = tab_a.get(url(card)).get_data(as_text=True)
    changed = {**FIVE, "impact": "9"}
    response = tab_a.post(
        url(card), data={**scores(**changed), "version": version_on(page), "action": "submit"}
    )
    assert response.status_code == 302
    assert stored(db, card)["impact"] == Decimal("9")
    assert actions(db, card)[-1] == "scorecard.changed"


def test_autosave_from_a_stale_draft_tab_is_refused_and_a_fresh_one_answers_its_new_version(
    app, db, card, juror
):
    tab_a, tab_b = tab(app, juror), tab(app, juror)
    version = version_on(tab_b.get(url(card)).get_data(as_text=True))
    response = tab_a.post(url(card) + "/autosave", data={**scores(impact="5"), "version": version})
    assert response.status_code == 200 and response.json["ok"] is True
    new_version = response.json["version"]
    assert new_version == int(version) + 1
    response = tab_b.post(url(card) + "/autosave", data={**scores(team="3"), "version": version})
    assert response.status_code == 409
    assert response.json["error"] == "stale"
    assert "Criterion impact: 8" not in response.json["message"]
    assert "Saved now: Criterion impact: 5 · Criterion team: no score." in response.json["message"]
    # the same values as stored, from the stale tab: nothing to refuse, nothing written
    response = tab_b.post(url(card) + "/autosave", data={**scores(impact="5"), "version": version})
    assert response.status_code == 200 and response.json["saved"] is False
    # tab A continues with the version it was given
    response = tab_a.post(url(card) + "/autosave", data={**scores(impact="6"), "version": str(new_version)})
    assert response.status_code == 200 and response.json["saved"] is True
    assert stored(db, card) == {"impact": Decimal("6")}


def race(app, juror, requests: list[tuple[str, dict]]) -> list:
    """Each ``(path, data)`` posted from its own thread and client, all released at the same instant."""
    barrier = threading.Barrier(len(requests))
    results: list = [None] * len(requests)
    clients = [tab(app, juror) for _ in requests]  # logged in here: the test's session is not shared

    def run(index: int, path: str, data: dict) -> None:
        client = clients[index]
        barrier.wait()
        try:
            response = client.post(path, data=data)
            results[index] = (response.status_code, response.get_json(silent=True))
        except Exception as error:  # reported by the assertions
            results[index] = error

    threads = [threading.Thread(target=run, args=(i, *request)) for i, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.parametrize("attempt", range(3))
def test_identical_saves_at_the_same_instant_give_one_result(app, db, card, juror, attempt):
    version = str(db.get(Assignment, card.id).version)
    data = {**scores(**FIVE), "comment": "Très bon", "version": version, "action": "submit"}
    results = race(app, juror, [(url(card), data)] * 4)
    assert all(isinstance(r, tuple) for r in results), results
    assert [status for status, _ in results] == [302] * 4
    db.expire_all()
    assert db.get(Assignment, card.id).status == "submitted"
    assert db.get(Assignment, card.id).comment == "Très bon"
    assert stored(db, card) == expected_five()
    assert actions(db, card) == ["scorecard.submitted"]


@pytest.mark.parametrize("attempt", range(3))
def test_a_click_while_an_autosave_is_in_flight_gives_no_error(app, db, card, juror, attempt):
    version = str(db.get(Assignment, card.id).version)
    typed = {**scores(**FIVE), "comment": "", "comment_to_candidate": "", "version": version}
    results = race(app, juror, [(url(card) + "/autosave", typed), (url(card), {**typed, "action": "submit"})])
    assert all(isinstance(r, tuple) for r in results), results
    (autosave_status, autosave_body), (click_status, _) = results
    assert click_status == 302
    assert autosave_status == 200 and autosave_body["ok"] is True
    db.expire_all()
    assert db.get(Assignment, card.id).status == "submitted"
    assert stored(db, card) == expected_five()
    events = db.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "assignment", AuditEvent.object_id == card.id)
    ).all()
    # the scores changed once (one event holds the change); at most a second one submits them
    assert [e.after["scores"] != e.before["scores"] for e in events].count(True) == 1
    assert [e.action for e in events][-1] == "scorecard.submitted"


def test_two_different_saves_at_the_same_instant_one_wins_the_other_is_refused(app, db, card, juror):
    version = str(db.get(Assignment, card.id).version)
    first = {**scores(**FIVE), "version": version, "action": "draft"}
    second = {**scores(**{**FIVE, "impact": "1"}), "version": version, "action": "draft"}
    results = race(app, juror, [(url(card), first), (url(card), second)])
    assert all(isinstance(r, tuple) for r in results), results
    assert sorted(status for status, _ in results) == [302, 409]
    winner = first if results[0][0] == 302 else second
    assert stored(db, card) == {code: Decimal(winner[f"score-{code}"].replace(",", ".")) for code in CODES}
    assert actions(db, card) == ["scorecard.draft_saved"]


def test_live_final_refuses_a_stale_pitch_form(app, db, make, juror):
    prize = make.prize()
    final = make.round(prize, code="final", criteria=0, jurors_per_application=3)
    make.criterion(
        final, code="pitch", weight=1, min_value=0, max_value=10, name={"fr": "Pitch", "en": "Pitch"}
    )
    application = make.application(prize, ref="FIN-1")
    make.jury(final, juror)
    card = make.scorecard(final, juror, application, status="assigned")
    db.commit()
    tab_a, tab_b = tab(app, juror), tab(app, juror)
    live = f"/jury/rounds/{final.id}/live"
    version = version_on(tab_b.get(live).get_data(as_text=True))
    post = f"/jury/rounds/{final.id}/live/{application.id}"
    assert tab_a.post(post, data={"score-pitch": "8", "version": version}).status_code == 302
    response = tab_b.post(post, data={"score-pitch": "3", "version": version})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Nothing was saved: this scorecard was changed in another tab or on another device" in html
    assert re.search(r'<input type="text"[^>]*name="score-pitch"[^>]*value="3"', html)
    assert re.search(r'id="live-\d+-pitch-saved"[^>]*>Saved now: 8<', html)
    db.expire_all()
    assert [s.value for s in db.get(Assignment, card.id).scores] == [Decimal("8")]


def test_a_stale_tab_cannot_declare_a_conflict_over_new_scores_until_it_has_seen_them(app, db, card, juror):
    from judging.jury.models import Conflict
    from judging.mail.models import OutgoingMail

    tab_a, tab_b = tab(app, juror), tab(app, juror)
    version = version_on(tab_b.get(url(card)).get_data(as_text=True))
    tab_a.post(url(card), data={**scores(**FIVE), "version": version, "action": "draft"})
    response = tab_b.post(
        url(card) + "/recuse", data={"recuse-reason": "Ma sœur l’a fondée", "recuse-version": version}
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Nothing was saved: this scorecard was changed in another tab or on another device on " in html
    assert re.search(r'<textarea[^>]*name="recuse-reason"[^>]*>\s*Ma sœur l’a fondée</textarea>', html)
    assert db.get(Assignment, card.id).status == "draft"
    assert stored(db, card) == expected_five()
    assert db.scalars(select(Conflict)).all() == []
    assert db.scalars(select(OutgoingMail)).all() == []
    # declared again from the refused page (it carries the current version): it goes through
    response = tab_b.post(
        url(card) + "/recuse",
        data={"recuse-reason": "Ma sœur l’a fondée", "recuse-version": version_on(html, "recuse-version")},
    )
    assert response.status_code == 302
    db.expire_all()
    assert db.get(Assignment, card.id).status == "recused"
