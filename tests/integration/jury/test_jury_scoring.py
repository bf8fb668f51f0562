"""The juror's side: dashboard, scoring page, drafts, submission, changes, deadlines, abstaining,
declaring a conflict, autosave, permissions (404 for anything not theirs) and the live final.

Assertions compare what the juror sees and what the database holds (scores, statuses, audit).
"""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from judging.applications.models import Attachment
from judging.core.audit_event import AuditEvent
from judging.core.models import utcnow
from judging.jury.models import Assignment, Conflict, CriterionScore
from judging.mail.models import OutgoingMail
from judging.results.models import PitchSlot
from tests.conftest import login


def english(client) -> None:
    with client.session_transaction() as flask_session:
        flask_session["lang"] = "en"


def url(card_or_round, application=None) -> str:
    if application is None:
        card = card_or_round
        return f"/jury/rounds/{card.round_id}/applications/{card.application_id}"
    return f"/jury/rounds/{card_or_round.id}/applications/{application.id}"


def stored(db, card) -> dict[str, Decimal]:
    db.expire_all()
    rows = db.execute(
        select(CriterionScore.criterion_id, CriterionScore.value).where(
            CriterionScore.assignment_id == card.id
        )
    ).all()
    codes = {c.id: c.code for c in db.get(Assignment, card.id).round.criteria}
    return {codes[criterion_id]: value for criterion_id, value in rows}


def status_of(db, card) -> str:
    db.expire_all()
    return db.get(Assignment, card.id).status


def events(db, card) -> list[AuditEvent]:
    db.expire_all()
    return list(
        db.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type == "assignment", AuditEvent.object_id == card.id)
            .order_by(AuditEvent.id)
        )
    )


@pytest.fixture
def scene(make, db, juror):
    """A round in judging with three criteria; the juror has two scorecards, one in conflict."""
    prize = make.prize(name={"fr": "Prix Innovation", "en": "Innovation Award"})
    rnd = make.round(
        prize, criteria=0, jurors_per_application=2, judging_closes_at=utcnow() + timedelta(days=5)
    )
    make.criterion(
        rnd,
        code="impact",
        position=0,
        weight=2,
        min_value=0,
        max_value=10,
        name={"fr": "Impact", "en": "Impact"},
        guidance={"fr": "Effet mesurable", "en": "Measurable effect on people"},
    )
    make.criterion(
        rnd, code="team", position=1, weight=1, min_value=1, max_value=5, name={"fr": "Équipe", "en": "Team"}
    )
    make.criterion(
        rnd,
        code="bonus",
        position=2,
        weight=1,
        min_value=0,
        max_value=10,
        required=False,
        name={"fr": "Bonus", "en": "Bonus"},
    )
    mine = make.application(prize, ref="INN-001", title="Robot de serre")
    second = make.application(prize, ref="INN-002", title="Compost connecté")
    not_mine = make.application(prize, ref="INN-003", title="Pas à moi")
    conflicted = make.application(prize, ref="INN-004", title="En conflit")
    make.jury(rnd, juror)
    card = make.scorecard(rnd, juror, mine, status="assigned")
    other_card = make.scorecard(rnd, juror, second, status="assigned")
    blocked = make.scorecard(rnd, juror, conflicted, status="assigned")
    make.conflict(juror, conflicted, source="organization", reason="same organization")
    colleague = make.user(name="Colette Collègue", roles=["juror"])
    make.scorecard(rnd, colleague, mine, scores={"impact": 3, "team": 2}, comment="SECRET-COLLEAGUE-NOTE")
    make.scorecard(rnd, colleague, not_mine, scores={"impact": 9, "team": 5})
    db.commit()
    return {
        "round": rnd,
        "card": card,
        "other": other_card,
        "blocked": blocked,
        "not_mine": not_mine,
        "conflicted": conflicted,
        "mine": mine,
        "second": second,
    }


def test_dashboard_shows_progress_deadline_and_a_stable_own_order(juror_client, make, db, scene, juror):
    english(juror_client)
    html = juror_client.get("/jury/").get_data(as_text=True)
    assert "Innovation Award" in html
    assert "0 of 2 submitted" in html
    # the zone is said once, by the date itself
    assert re.search(r"Judging closes on [^<]+ \((EST|EDT)\)\.", html) and "(Montréal time)" not in html
    listed = re.findall(r"(INN-00\d) · ", html)
    expected = sorted(
        [scene["mine"], scene["second"]],
        key=lambda a: hashlib.sha256(f"{juror.id}:{a.id}".encode()).hexdigest(),
    )
    assert listed == [a.ref for a in expected]
    assert "INN-003" not in html and "INN-004" not in html  # not mine, in conflict
    assert "Left out because of a conflict of interest: 1." in html
    assert "SECRET-COLLEAGUE-NOTE" not in html


def test_scoring_page_shows_the_rubric_and_nothing_of_other_jurors(juror_client, scene):
    english(juror_client)
    html = juror_client.get(url(scene["card"])).get_data(as_text=True)
    assert "INN-001 · Robot de serre" in html
    assert "Measurable effect on people" in html
    assert "From 0 to 10 · weight 2" in html and "From 1 to 5 · weight 1" in html
    impact = re.search(r'<input type="text"[^>]*name="score-impact"[^>]*>', html).group(0)
    assert 'inputmode="decimal"' in impact and 'data-min="0"' in impact and 'data-max="10"' in impact
    assert 'data-weight="2"' in impact and 'aria-describedby="score-impact-help score-impact-scale"' in impact
    assert "SECRET-COLLEAGUE-NOTE" not in html
    assert "Colette" not in html
    assert "js/scorecard.js" in html and "<script>" not in html and "style=" not in html


def test_draft_then_submit_with_exact_total_and_audit(juror_client, db, scene, juror):
    card = scene["card"]
    english(juror_client)
    response = juror_client.post(
        url(card),
        data={
            "score-impact": "8",
            "score-team": "",
            "score-bonus": "",
            "comment": "Solide",
            "action": "draft",
        },
    )
    assert response.status_code == 302
    assert status_of(db, card) == "draft"
    assert stored(db, card) == {"impact": Decimal("8")}
    html = juror_client.get(url(card)).get_data(as_text=True)
    assert "Draft saved." in html
    assert re.search(r'<output id="total"[^>]*>80.00</output>', html)

    response = juror_client.post(
        url(card),
        data={
            "score-impact": "8",
            "score-team": "4",
            "score-bonus": "",
            "comment": "Solide",
            "comment_to_candidate": "Bravo",
            "action": "submit",
        },
    )
    assert response.status_code == 302
    db.expire_all()
    saved = db.get(Assignment, card.id)
    assert saved.status == "submitted" and saved.submitted_at is not None
    assert (saved.comment, saved.comment_to_candidate) == ("Solide", "Bravo")
    assert stored(db, card) == {"impact": Decimal("8"), "team": Decimal("4")}
    html = juror_client.get(url(card)).get_data(as_text=True)
    # 100 × (2 × 0.8 + 1 × 0.75) / 3 = 78.333…
    assert re.search(r'<output id="total"[^>]*>78.33</output>', html)
    assert [
        (e.action, e.before["scores"], e.after["scores"], e.after["status"]) for e in events(db, card)
    ] == [
        ("scorecard.draft_saved", {}, {"impact": "8"}, "draft"),
        ("scorecard.submitted", {"impact": "8"}, {"impact": "8", "team": "4"}, "submitted"),
    ]
    assert all(e.actor_id == juror.id for e in events(db, card))


def test_changing_a_submitted_scorecard_is_audited_with_before_and_after(juror_client, db, scene):
    card = scene["card"]
    base = {"score-impact": "8", "score-team": "4", "score-bonus": "", "action": "submit"}
    juror_client.post(url(card), data=base)
    juror_client.post(url(card), data={**base, "score-impact": "6,5", "score-bonus": "10"})
    assert status_of(db, card) == "submitted"
    assert stored(db, card) == {"impact": Decimal("6.5"), "team": Decimal("4"), "bonus": Decimal("10")}
    changed = events(db, card)[-1]
    assert changed.action == "scorecard.changed"
    assert changed.before["scores"] == {"impact": "8", "team": "4"}
    assert changed.after["scores"] == {"bonus": "10", "impact": "6.5", "team": "4"}
    # saving the same values again writes no event
    juror_client.post(url(card), data={**base, "score-impact": "6.5", "score-bonus": "10"})
    assert len(events(db, card)) == 2
    # a submitted scorecard cannot lose a required score
    response = juror_client.post(url(card), data={**base, "score-team": ""})
    assert response.status_code == 422
    assert stored(db, card)["team"] == Decimal("4")


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("12", "Enter a score between 0 and 10."),
        ("-1", "Enter a score between 0 and 10."),
        ("abc", "“abc” is not a number: type a number such as 7 or 7.5."),
        ("7..5", "“7..5” is not a number: type a number such as 7 or 7.5."),
        ("1e1", "“1e1” is not a number: type a number such as 7 or 7.5."),
        ("NaN", "“NaN” is not a number: type a number such as 7 or 7.5."),
        ("7.12345", "Use at most 4 decimal places."),
    ],
)
def test_bad_scores_are_refused_next_to_the_field_and_nothing_is_saved(
    juror_client, db, scene, typed, message
):
    card = scene["card"]
    juror_client.post(url(card), data={"score-impact": "5", "score-team": "3", "action": "draft"})
    before_events = len(events(db, card))
    english(juror_client)
    response = juror_client.post(
        url(card), data={"score-impact": typed, "score-team": "2", "action": "draft"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    field = re.search(r'<input type="text"[^>]*name="score-impact"[^>]*>', html).group(0)
    assert f'value="{typed}"' in field and "is-invalid" in field
    errors = re.search(r'id="score-impact-errors"[^>]*>([^<]*)<', html).group(1)
    assert errors == message
    team = re.search(r'<input type="text"[^>]*name="score-team"[^>]*>', html).group(0)
    assert 'value="2"' in team  # what was typed is kept, everywhere
    assert stored(db, card) == {"impact": Decimal("5"), "team": Decimal("3")}
    assert len(events(db, card)) == before_events


def test_submit_needs_the_required_criteria(juror_client, db, scene):
    card = scene["card"]
    english(juror_client)
    response = juror_client.post(
        url(card), data={"score-impact": "5", "score-bonus": "4", "action": "submit"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'id="score-team-errors"[^>]*>Required to submit: give a score.<', html)
    assert status_of(db, card) == "assigned"
    assert stored(db, card) == {}


def test_no_change_after_the_deadline(juror_client, db, scene):
    card = scene["card"]
    juror_client.post(url(card), data={"score-impact": "5", "score-team": "3", "action": "submit"})
    rnd = db.get(Assignment, card.id).round
    rnd.judging_closes_at = utcnow() - timedelta(minutes=1)
    db.commit()
    english(juror_client)
    count = len(events(db, card))
    response = juror_client.post(url(card), data={"score-impact": "9", "score-team": "3", "action": "submit"})
    assert response.status_code == 409
    assert "Judging of this round is closed: scorecards can no longer change." in response.get_data(
        as_text=True
    )
    autosave = juror_client.post(url(card) + "/autosave", data={"score-impact": "1"})
    assert autosave.status_code == 409
    abstain = juror_client.post(url(card) + "/abstain", data={"abstain-reason": "late"})
    assert abstain.status_code == 409
    assert stored(db, card) == {"impact": Decimal("5"), "team": Decimal("3")}
    assert status_of(db, card) == "submitted"
    assert len(events(db, card)) == count
    page = juror_client.get(url(card)).get_data(as_text=True)
    assert re.search(r'<input type="text"[^>]*name="score-impact"[^>]*disabled>', page)
    assert 'id="submit-scorecard"' not in page


def test_no_change_once_the_round_leaves_the_judging_phase(juror_client, db, scene):
    card = scene["card"]
    rnd = db.get(Assignment, card.id).round
    rnd.phase = "deliberation"
    rnd.judging_closes_at = None
    db.commit()
    response = juror_client.post(url(card), data={"score-impact": "9", "score-team": "3", "action": "draft"})
    assert response.status_code == 409
    assert stored(db, card) == {}


def test_a_closed_round_on_the_dashboard_does_not_wait_for_a_deadline(juror_client, db, scene):
    """« Aucune date de fin d’évaluation n’est encore fixée. » next to « L’évaluation de ce tour est
    close » (seen on the demo's juror dashboard once the preselection was decided)."""
    rnd = db.get(Assignment, scene["card"].id).round
    rnd.phase = "deliberation"
    rnd.judging_closes_at = None
    db.commit()
    english(juror_client)
    page = juror_client.get("/jury/").get_data(as_text=True)
    assert "Judging of this round is closed" in page
    assert "No judging deadline is set yet." not in page


def test_a_round_not_yet_in_judging_is_invisible(juror_client, db, scene):
    rnd = db.get(Assignment, scene["card"].id).round
    rnd.phase = "screening"
    db.commit()
    assert juror_client.get(url(scene["card"])).status_code == 404
    assert "INN-001" not in juror_client.get("/jury/").get_data(as_text=True)


def test_not_assigned_or_in_conflict_is_404_everywhere(juror_client, app, db, scene, make):
    rnd = scene["round"]
    folder = app.config["UPLOAD_FOLDER"]
    import os

    os.makedirs(folder, exist_ok=True)
    files = {}
    for key, application in (("a" * 32, scene["not_mine"]), ("b" * 32, scene["conflicted"])):
        with open(os.path.join(folder, key), "wb") as handle:
            handle.write(b"%PDF-1.4 secret")
        files[application.id] = Attachment(
            application_id=application.id,
            filename="deck.pdf",
            content_type="application/pdf",
            size_bytes=15,
            sha256="0" * 64,
            storage_key=key,
        )
        db.add(files[application.id])
    db.commit()
    for application in (scene["not_mine"], scene["conflicted"]):
        base = url(rnd, application)
        attachment = files[application.id]
        assert juror_client.get(base).status_code == 404
        assert juror_client.post(base, data={"score-impact": "5", "action": "draft"}).status_code == 404
        assert juror_client.post(base + "/autosave", data={"score-impact": "5"}).status_code == 404
        assert juror_client.post(base + "/abstain", data={"abstain-reason": "x"}).status_code == 404
        assert juror_client.post(base + "/recuse", data={"recuse-reason": "x"}).status_code == 404
        assert juror_client.get(f"{base}/files/{attachment.id}").status_code == 404
        assert (
            juror_client.post(
                f"/jury/rounds/{rnd.id}/live/{application.id}", data={"score-impact": "5"}
            ).status_code
            == 404
        )
        # an own application's URL with someone else's file id
        assert juror_client.get(f"{url(scene['card'])}/files/{attachment.id}").status_code == 404
    assert stored(db, scene["blocked"]) == {}
    assert db.scalar(select(func.count()).select_from(Assignment).where(Assignment.status == "draft")) == 0
    # guessed ids
    assert juror_client.get(f"/jury/rounds/{rnd.id}/applications/999999").status_code == 404
    assert juror_client.get(f"/jury/rounds/999999/applications/{scene['mine'].id}").status_code == 404


def test_other_roles_cannot_score(client, candidate, scene):
    login(client, candidate)
    assert client.get(url(scene["card"])).status_code == 403
    assert client.get("/jury/").status_code == 403


def test_abstaining_stores_no_score(juror_client, db, scene):
    card = scene["card"]
    juror_client.post(
        url(card),
        data={"score-impact": "5", "score-team": "3", "comment_to_candidate": "Hi", "action": "submit"},
    )
    english(juror_client)
    response = juror_client.post(url(card) + "/abstain", data={"abstain-reason": " "})
    assert response.status_code == 422
    assert "Write the reason for abstaining." in response.get_data(as_text=True)
    assert status_of(db, card) == "submitted"
    response = juror_client.post(url(card) + "/abstain", data={"abstain-reason": "I mentored them last year"})
    assert response.status_code == 302
    db.expire_all()
    saved = db.get(Assignment, card.id)
    assert (saved.status, saved.abstain_reason, saved.submitted_at) == (
        "abstained",
        "I mentored them last year",
        None,
    )
    assert saved.comment_to_candidate is None
    assert stored(db, card) == {}
    event = events(db, card)[-1]
    assert (event.action, event.before["scores"], event.after["scores"]) == (
        "scorecard.abstained",
        {"impact": "5", "team": "3"},
        {},
    )
    # scoring is refused until the juror chooses to score it after all
    response = juror_client.post(url(card), data={"score-impact": "5", "score-team": "3", "action": "draft"})
    assert response.status_code == 409
    assert stored(db, card) == {}
    juror_client.post(url(card) + "/resume")
    assert status_of(db, card) == "assigned"


def test_declaring_a_conflict_recuses_stores_no_score_and_tells_the_organizers(
    juror_client, db, scene, make, juror
):
    organizer = make.user(email="boss@example.org", roles=["organizer"], language="en")
    db.commit()
    card = scene["card"]
    juror_client.post(url(card), data={"score-impact": "5", "score-team": "3", "action": "draft"})
    response = juror_client.post(url(card) + "/recuse", data={"recuse-reason": "My sister founded it"})
    assert response.status_code == 302
    db.expire_all()
    assert status_of(db, card) == "recused"
    assert stored(db, card) == {}
    conflict = db.scalars(
        select(Conflict).where(Conflict.user_id == juror.id, Conflict.application_id == card.application_id)
    ).one()
    assert (conflict.source, conflict.reason, conflict.lifted_at) == (
        "declared",
        "My sister founded it",
        None,
    )
    [mail] = db.scalars(select(OutgoingMail).where(OutgoingMail.template == "conflict_declared")).all()
    assert mail.to_address == organizer.email and mail.language == "en"
    assert "Jules Juré declared a conflict of interest with the application INN-001" in mail.body_text
    assert "My sister founded it" in mail.body_text
    assert [e.action for e in events(db, card)][-1] == "scorecard.recused"
    # it leaves the juror's reach
    assert juror_client.get(url(card)).status_code == 404
    assert juror_client.post(url(card), data={"score-impact": "5", "action": "draft"}).status_code == 404


def test_autosave_saves_drafts_and_refuses_bad_values(juror_client, db, scene):
    card = scene["card"]
    english(juror_client)
    response = juror_client.post(url(card) + "/autosave", data={"score-impact": "7", "score-team": ""})
    assert response.status_code == 200
    assert response.json == {
        "ok": True,
        "saved": True,
        "status": "draft",
        "status_label": "Draft",
        "total": "70.00",
        "version": 2,
        "message": "Draft saved automatically.",
    }
    assert stored(db, card) == {"impact": Decimal("7")}
    response = juror_client.post(url(card) + "/autosave", data={"score-impact": "7", "score-team": "9"})
    assert response.status_code == 422
    assert response.json["errors"] == {"team": ["Enter a score between 1 and 5."]}
    assert stored(db, card) == {"impact": Decimal("7")}
    response = juror_client.post(url(card) + "/autosave", data={"score-impact": "7", "score-team": ""})
    assert response.json["saved"] is False


def test_next_link_goes_to_the_next_unfinished_scorecard(juror_client, scene):
    card, other = scene["card"], scene["other"]
    html = juror_client.get(url(card)).get_data(as_text=True)
    assert re.search(r'id="next-application" href="([^"]+)"', html).group(1) == url(other)
    # the last open one points back to the first; the scorecard in conflict is never offered
    juror_client.post(url(card), data={"score-impact": "5", "score-team": "3", "action": "submit"})
    html = juror_client.get(url(other)).get_data(as_text=True)
    assert 'id="next-application"' not in html
    juror_client.post(url(card), data={"score-impact": "", "score-team": "", "action": "draft"})


def test_live_final_lists_pitches_in_order_and_scores_them(juror_client, db, make, juror):
    prize = make.prize()
    final = make.round(prize, code="final", criteria=0, jurors_per_application=3)
    make.criterion(final, code="pitch", weight=1, min_value=0, max_value=10)
    apps = [make.application(prize, ref=f"FIN-{i}") for i in (1, 2, 3)]
    make.jury(final, juror)
    cards = [make.scorecard(final, juror, application, status="assigned") for application in apps]
    for position, application in zip((2, 0, 1), apps, strict=True):
        db.add(PitchSlot(round_id=final.id, application_id=application.id, position=position))
    db.commit()
    english(juror_client)
    html = juror_client.get(f"/jury/rounds/{final.id}/live").get_data(as_text=True)
    assert re.findall(r"(FIN-\d) · ", html) == ["FIN-2", "FIN-3", "FIN-1"]
    assert "0 of 3 submitted" in html
    response = juror_client.post(f"/jury/rounds/{final.id}/live/{apps[1].id}", data={"score-pitch": "11"})
    assert response.status_code == 422
    assert "Enter a score between 0 and 10." in response.get_data(as_text=True)
    response = juror_client.post(
        f"/jury/rounds/{final.id}/live/{apps[1].id}", data={"score-pitch": "8.5"}, follow_redirects=True
    )
    html = response.get_data(as_text=True)
    assert "1 of 3 submitted" in html
    assert status_of(db, cards[1]) == "submitted"
    assert stored(db, cards[1]) == {"pitch": Decimal("8.5")}
    dashboard = juror_client.get("/jury/").get_data(as_text=True)
    assert f"/jury/rounds/{final.id}/live" in dashboard


def count_queries(app, db, client, path: str) -> int:
    from sqlalchemy import event

    from judging.db import get_engine

    db.expunge_all()  # the request shares this session: start from an empty identity map
    statements = []

    def listener(*args):
        statements.append(args[2])

    engine = get_engine(app)
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(statements)


def test_juror_pages_use_a_fixed_number_of_queries(app, juror_client, make, db, juror):
    from judging.accounts.models import User
    from judging.applications.models import Answer

    juror_id = juror.id

    def build(n: int):
        juror = db.get(User, juror_id)
        prize = make.prize()
        rnd = make.round(prize, criteria=3, jurors_per_application=1)
        questions = [make.question(prize, type="long-text") for _ in range(n)]
        apps = [make.application(prize) for _ in range(n)]
        for application in apps:
            for question in questions:
                db.add(Answer(application=application, question_id=question.id, value="texte"))
            make.scorecard(rnd, juror, application, status="draft", scores={"c1": 4})
        make.jury(rnd, juror)
        db.commit()
        return rnd, apps[0]

    small_round, small_app = build(2)
    dashboard_small = count_queries(app, db, juror_client, "/jury/")
    page_small = count_queries(app, db, juror_client, url(small_round, small_app))
    live_small = count_queries(app, db, juror_client, f"/jury/rounds/{small_round.id}/live")
    big_round, big_app = build(9)
    assert count_queries(app, db, juror_client, url(big_round, big_app)) == page_small
    assert count_queries(app, db, juror_client, f"/jury/rounds/{big_round.id}/live") == live_small
    # two rounds now, and many more scorecards
    assert count_queries(app, db, juror_client, "/jury/") == dashboard_small


def test_can_score_predicate(db, scene, juror, make):
    from judging.jury.rules import can_score

    card = db.get(Assignment, scene["card"].id)
    now = utcnow()
    assert can_score(db, juror, card, now)
    assert not can_score(db, juror, card, now + timedelta(days=6))  # after judging_closes_at
    assert not can_score(db, make.user(roles=["juror"]), card, now)
    assert not can_score(db, juror, db.get(Assignment, scene["blocked"].id), now)
