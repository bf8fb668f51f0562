"""Finalists, announcement, freezing, reopening and the final, through the organizer's pages."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from judging.core.audit_event import AuditEvent
from judging.editions.models import Round
from judging.jury.models import CriterionScore
from judging.mail.models import MailTemplate, OutgoingMail
from judging.results import computation as results_service
from judging.results import operations as decisions_service
from judging.results.models import Decision, PitchSlot, ResultSnapshot
from tests.conftest import deliver_outbox, login
from tests.scenarios import five_by_four, page_rows, results_json, results_url

TIE_AT_CUT = {"J1": {"A": 90, "B": 70, "C": 70, "D": 10}, "J2": {"A": 80, "B": 60, "C": 60, "D": 20}}


@pytest.fixture
def english(client, organizer):
    login(client, organizer)
    with client.session_transaction() as flask_session:
        flask_session["lang"] = "en"
    return client


def count(db, model, **where) -> int:
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.scalar(query)


def actions(db) -> list[str]:
    return list(db.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def select_form(apps, finalists, reasons=None, tie_reason=""):
    data = {"finalist": [str(apps[ref].id) for ref in finalists], "tie_reason": tie_reason}
    for ref, reason in (reasons or {}).items():
        data[f"reason-{apps[ref].id}"] = reason
    return data


# --- finalist selection --------------------------------------------------------------------------------


def test_confirming_the_proposal_records_every_decision(app, db, make, english):
    edition, prize, rnd, apps, _ = five_by_four(make, db)
    response = english.post(
        results_url(edition, prize, rnd, "results/finalists"), data=select_form(apps, "AB")
    )
    assert response.status_code == 302
    db.expire_all()
    outcomes = {d.application.ref: (d.outcome, d.reason) for d in db.scalars(select(Decision))}
    assert outcomes == {
        "A": ("finalist", None),
        "B": ("finalist", None),
        "C": ("not-selected", None),
        "D": ("not-selected", None),
        "E": ("not-selected", None),
    }
    assert db.get(Round, rnd.id).phase == "decided"
    assert actions(db)[-2:] == ["finalists.selected", "round.phase_changed"]


def test_an_override_without_a_reason_is_refused_and_changes_nothing(app, db, make, english):
    edition, prize, rnd, apps, _ = five_by_four(make, db)
    response = english.post(
        results_url(edition, prize, rnd, "results/finalists"), data=select_form(apps, "AC")
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "C is below the cut: write why it should be a finalist." in html
    assert "B is above the cut: write why it should not be a finalist." in html
    db.expire_all()
    assert count(db, Decision) == 0
    assert db.get(Round, rnd.id).phase == "deliberation"
    assert "finalists.selected" not in actions(db)
    # what was typed is kept: C stays checked
    assert f'value="{apps["C"].id}" id="finalist-{apps["C"].id}" checked' in html


def test_an_override_with_reasons_is_recorded_and_logged(app, db, make, english):
    edition, prize, rnd, apps, _ = five_by_four(make, db)
    data = select_form(apps, "AC", {"C": "Best jury comments on impact", "B": "Withdrew from the final"})
    assert english.post(results_url(edition, prize, rnd, "results/finalists"), data=data).status_code == 302
    db.expire_all()
    finalists = sorted(
        d.application.ref for d in db.scalars(select(Decision).where(Decision.outcome == "finalist"))
    )
    assert finalists == ["A", "C"]
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "finalist.overridden")).all()
    assert sorted((e.after["ref"], e.after["outcome"], e.reason) for e in events) == [
        ("B", "not-selected", "Withdrew from the final"),
        ("C", "finalist", "Best jury comments on impact"),
    ]
    assert all(e.round_id == rnd.id and e.prize_id == prize.id for e in events)


def test_selection_waits_for_judging_to_close(app, db, make, english):
    edition, prize, rnd, apps, _ = five_by_four(make, db, phase="judging")
    response = english.post(
        results_url(edition, prize, rnd, "results/finalists"), data=select_form(apps, "AB")
    )
    assert response.status_code == 422
    assert "once judging is closed" in response.get_data(as_text=True)
    assert count(db, Decision) == 0


def test_a_tie_at_the_cut_must_be_settled_explicitly(app, db, make, english):
    edition, prize, rnd, apps, _ = five_by_four(make, db, matrix=TIE_AT_CUT, code="tie-2026")
    url = results_url(edition, prize, rnd, "results/finalists")
    page = english.get(results_url(edition, prize, rnd)).get_data(as_text=True)
    # A is proposed; B and C, tied at the cut, are left to the organizer
    assert f'id="finalist-{apps["A"].id}" checked' in page
    assert f'id="finalist-{apps["B"].id}" checked' not in page
    response = english.post(url, data=select_form(apps, "AB"))
    assert response.status_code == 422
    assert "B, C are tied at rank 2 across the cut" in response.get_data(as_text=True)
    assert count(db, Decision) == 0
    response = english.post(
        url, data=select_form(apps, "AB", tie_reason="B scored higher on impact at the jury meeting")
    )
    assert response.status_code == 302
    db.expire_all()
    reasons = {d.application.ref: (d.outcome, d.reason) for d in db.scalars(select(Decision))}
    assert reasons["B"] == ("finalist", "B scored higher on impact at the jury meeting")
    assert reasons["C"] == ("not-selected", "B scored higher on impact at the jury meeting")
    assert reasons["A"] == ("finalist", None)


# --- announcement, snapshot, mail -----------------------------------------------------------------------


@pytest.fixture
def app_config(mail_app_config):
    return mail_app_config


def test_announce_freezes_decides_and_mails_each_candidate_in_their_language(
    app, db, make, english, smtp_server, runner
):
    edition, prize, rnd, apps, _ = five_by_four(make, db, language_of={"B": "en", "C": "en"})
    ann = make.user(email="ann@startup.example", name="Ann", roles=["candidate"], language="en")
    carl = make.user(email="carl@startup.example", name="Carl", roles=["candidate"], language="fr")
    apps["A"].applicant, apps["A"].contact_email = (
        ann,
        ann.email,
    )  # applicant in English, application in French
    apps["C"].applicant, apps["C"].contact_email = (
        carl,
        carl.email,
    )  # applicant in French, application in English
    apps["B"].contact_email = "bea@contact.example"  # no account: the application's language (English)
    db.commit()
    live = results_json(runner, edition.code)["prizes"][0]["rounds"][0]
    assert (
        english.post(
            results_url(edition, prize, rnd, "results/finalists"), data=select_form(apps, "AB")
        ).status_code
        == 302
    )
    response = english.post(results_url(edition, prize, rnd, "results/announce"))
    assert response.status_code == 302
    db.expire_all()
    [snapshot] = db.scalars(select(ResultSnapshot)).all()
    assert (
        snapshot.fingerprint == live["fingerprint"] == results_service.round_computation(db, rnd).fingerprint
    )
    assert len(snapshot.fingerprint) == 64
    # the results document, plus (additive) the decisions the public outputs read back
    assert {k: v for k, v in snapshot.payload.items() if k not in ("decisions", "snapshot_format")} == live
    assert {d["outcome"] for d in snapshot.payload["decisions"]} == {"finalist", "not-selected"}
    assert snapshot.method == "mean" and snapshot.invalidated_at is None
    assert db.get(Round, rnd.id).phase == "announced"
    assert decisions_service.round_is_frozen(db, db.get(Round, rnd.id)) is True
    assert sorted((d.application.ref, d.outcome) for d in db.scalars(select(Decision))) == [
        ("A", "finalist"),
        ("B", "finalist"),
        ("C", "not-selected"),
        ("D", "not-selected"),
        ("E", "not-selected"),
    ]
    # each person's language: the account's first, else the application's
    deliver_outbox(app)
    [to_ann] = smtp_server.to("ann@startup.example")
    assert to_ann["Subject"] == "Your application A is a finalist – MTL Tech Awards"
    assert smtp_server.body(to_ann).startswith("Hello Ann,")
    [to_bea] = smtp_server.to("bea@contact.example")
    assert "is a finalist" in to_bea["Subject"]
    [to_carl] = smtp_server.to("carl@startup.example")
    assert smtp_server.body(to_carl).startswith("Bonjour Carl,")
    assert "L’équipe des MTL Tech Awards" in smtp_server.body(to_carl)
    languages = dict(db.execute(select(OutgoingMail.to_address, OutgoingMail.language)).all())
    assert languages == {
        "ann@startup.example": "en",
        "bea@contact.example": "en",
        "carl@startup.example": "fr",
        apps["D"].contact_email: "fr",
        apps["E"].contact_email: "fr",
    }
    assert {m["To"] for m in smtp_server.messages} == set(languages)
    assert "finalists.announced" in actions(db) and "results.frozen" in actions(db)


def test_announce_with_an_unsettled_tie_is_refused(app, db, make, english, smtp_server):
    """Decisions that leave the tie at the cut unexplained (e.g. entered before the scores changed)."""
    edition, prize, rnd, apps, _ = five_by_four(make, db, matrix=TIE_AT_CUT, code="tie-2026", phase="decided")
    for ref, outcome in (("A", "finalist"), ("B", "finalist"), ("C", "not-selected"), ("D", "not-selected")):
        db.add(Decision(prize_id=prize.id, round_id=rnd.id, application_id=apps[ref].id, outcome=outcome))
    db.commit()
    response = english.post(results_url(edition, prize, rnd, "results/announce"))
    assert response.status_code == 422
    assert "The finalists cannot be announced" in response.get_data(as_text=True)
    assert "B, C are tied at rank 2 across the cut" in response.get_data(as_text=True)
    db.expire_all()
    assert count(db, ResultSnapshot) == 0
    assert count(db, OutgoingMail) == 0
    assert db.get(Round, rnd.id).phase == "decided"
    deliver_outbox(app)
    assert smtp_server.messages == []


def test_the_mail_template_edited_by_the_organizer_is_used(app, db, make, english, smtp_server):
    edition, prize, rnd, apps, _ = five_by_four(make, db)
    url = f"/organizer/editions/{edition.id}/mail/outcome_finalist/fr"
    response = english.post(
        url, data={"subject": "Bravo {{ ref }} !", "body": "Bonjour {{ name }}, {{ unknown }}"}
    )
    assert response.status_code == 422
    assert "Unknown variable(s): unknown." in response.get_data(as_text=True)
    assert count(db, MailTemplate) == 0
    response = english.post(
        url, data={"subject": "Bravo {{ ref }} !", "body": "Finaliste du {{ prize }} : {{ title }}."}
    )
    assert response.status_code == 302
    english.post(results_url(edition, prize, rnd, "results/finalists"), data=select_form(apps, "AB"))
    english.post(results_url(edition, prize, rnd, "results/announce"))
    deliver_outbox(app)
    [message] = smtp_server.to(apps["A"].contact_email)
    assert message["Subject"] == "Bravo A !"
    assert smtp_server.body(message).strip() == f"Finaliste du {prize.name['fr']} : Projet A."
    # the English version and the not-selected mail keep the default text
    [other] = smtp_server.to(apps["C"].contact_email)
    assert other["Subject"] != "Bravo C !"


# --- frozen snapshots and reopening -------------------------------------------------------------------------


def _announce(english, edition, prize, rnd, apps):
    assert (
        english.post(
            results_url(edition, prize, rnd, "results/finalists"), data=select_form(apps, "AB")
        ).status_code
        == 302
    )
    assert english.post(results_url(edition, prize, rnd, "results/announce")).status_code == 302


def test_a_frozen_snapshot_does_not_change_when_a_scorecard_is_edited(app, db, make, english, runner):
    edition, prize, rnd, apps, jurors = five_by_four(make, db)
    _announce(english, edition, prize, rnd, apps)
    db.expire_all()
    [snapshot] = db.scalars(select(ResultSnapshot)).all()
    payload, fingerprint = dict(snapshot.payload), snapshot.fingerprint
    # edit a criterion score directly in the database (what a bug or a manual fix would do)
    score = db.scalars(select(CriterionScore).where(CriterionScore.value == 95)).one()
    score.value = 5
    db.commit()
    db.expire_all()
    reloaded = db.get(ResultSnapshot, snapshot.id)
    assert reloaded.payload == payload and reloaded.fingerprint == fingerprint
    live = results_json(runner, edition.code)["prizes"][0]["rounds"][0]
    assert live["fingerprint"] != fingerprint
    assert live["ranking"] != payload["ranking"]
    assert [r["application"] for r in live["ranking"]][:2] != [r["application"] for r in payload["ranking"]][
        :2
    ]
    html = english.get(results_url(edition, prize, rnd)).get_data(as_text=True)
    assert "the live results differ from the frozen ones" in html


def test_reopening_requires_a_reason_and_invalidates_the_snapshot(app, db, make, english):
    edition, prize, rnd, apps, _ = five_by_four(make, db)
    _announce(english, edition, prize, rnd, apps)
    url = results_url(edition, prize, rnd, "phase")
    response = english.post(url, data={"target": "judging", "reason": "   "})
    assert response.status_code == 422
    assert "Write the reason for reopening the round" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(Round, rnd.id).phase == "announced"
    assert decisions_service.round_is_frozen(db, db.get(Round, rnd.id))
    response = english.post(
        url, data={"target": "judging", "reason": "A juror's scorecard was entered twice"}
    )
    assert response.status_code == 302
    db.expire_all()
    rnd = db.get(Round, rnd.id)
    assert rnd.phase == "judging"
    [snapshot] = db.scalars(select(ResultSnapshot)).all()
    assert snapshot.invalidated_at is not None
    assert snapshot.invalidated_reason == "A juror's scorecard was entered twice"
    assert decisions_service.round_is_frozen(db, rnd) is False
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "round.reopened")).one()
    assert (event.before, event.reason) == ({"phase": "announced"}, "A juror's scorecard was entered twice")
    assert event.after == {"phase": "judging", "invalidated_snapshots": [snapshot.id]}


# --- phases, method, tie-break ----------------------------------------------------------------------------


def test_phase_changes_follow_the_rules_and_are_logged(app, db, make, english):
    edition, prize, rnd, apps, _ = five_by_four(make, db, phase="judging")
    url = results_url(edition, prize, rnd, "phase")
    assert english.get(url).status_code == 200
    assert english.post(url, data={"target": "deliberation"}).status_code == 302
    response = english.post(url, data={"target": "decided"})
    assert response.status_code == 422
    assert "when its finalists are selected" in response.get_data(as_text=True)
    response = english.post(url, data={"target": "announced"})
    assert response.status_code == 422
    db.expire_all()
    assert db.get(Round, rnd.id).phase == "deliberation"
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "round.phase_changed")).one()
    assert (event.before, event.after) == ({"phase": "judging"}, {"phase": "deliberation"})


def test_a_method_change_after_judging_opened_is_refused(app, db, make, english):
    edition, prize, rnd, apps, _ = five_by_four(make, db, phase="judging")
    url = results_url(edition, prize, rnd, "phase/method")
    response = english.post(url, data={"method": "zscore", "tie_break": ""})
    assert response.status_code == 422
    assert "its method can no longer be changed" in response.get_data(as_text=True)
    response = english.post(url, data={"method": "mean", "tie_break": "median"})
    assert response.status_code == 422
    assert "its tie-break chain can no longer be changed" in response.get_data(as_text=True)
    db.expire_all()
    assert (db.get(Round, rnd.id).method, db.get(Round, rnd.id).tie_break) == ("mean", [])
    assert "round.method_changed" not in actions(db)


def test_a_tie_break_naming_a_missing_criterion_is_refused(app, db, make, english):
    edition, prize, rnd, apps, _ = five_by_four(make, db, phase="setup")
    url = results_url(edition, prize, rnd, "phase/method")
    response = english.post(url, data={"method": "median", "tie_break": "criterion:impact, mean"})
    assert response.status_code == 422
    assert "this round has no criterion with the code “impact”" in response.get_data(as_text=True)
    db.expire_all()
    assert (db.get(Round, rnd.id).method, db.get(Round, rnd.id).tie_break) == ("mean", [])
    response = english.post(url, data={"method": "median", "tie_break": "criterion:overall, mean"})
    assert response.status_code == 302
    db.expire_all()
    assert (db.get(Round, rnd.id).method, db.get(Round, rnd.id).tie_break) == (
        "median",
        ["criterion:overall", "mean"],
    )
    assert actions(db)[-1] == "round.method_changed"


# --- the final -------------------------------------------------------------------------------------


FINAL = {
    "J1": {"A": 90, "B": 70, "C": 50},
    "J2": {"A": 80, "B": 85, "C": 40},
    "J3": {"A": 75, "B": 60, "C": 65},
}


def final_round(make, db, *, phase="judging", matrix=FINAL):
    edition, prize, rnd, apps, jurors = five_by_four(
        make, db, method="schulze", matrix=matrix, phase=phase, code="final-2026"
    )
    rnd.code = "final"
    for ref in apps:
        db.add(Decision(prize_id=prize.id, application_id=apps[ref].id, outcome="finalist"))
    other_prize = make.prize(edition, code="youth")
    other = make.application(other_prize, ref="Y-1", title="Jeunesse")
    db.commit()
    return edition, prize, rnd, apps, jurors, other


def test_the_final_pitch_order_winner_mentions_and_freeze(app, db, make, english):
    edition, prize, rnd, apps, jurors, other = final_round(make, db)
    url = results_url(edition, prize, rnd)
    response = english.post(
        f"{url}/pitch-order",
        data={
            f"position-{apps['A'].id}": "2",
            f"starts-{apps['A'].id}": "2027-01-20T18:10",
            f"position-{apps['B'].id}": "1",
            f"starts-{apps['B'].id}": "2027-01-20T18:00",
            f"position-{apps['C'].id}": "3",
            f"starts-{apps['C'].id}": "2027-01-20T18:20",
        },
    )
    assert response.status_code == 302
    slots = db.execute(
        select(PitchSlot.application_id, PitchSlot.position, PitchSlot.starts_at).order_by(PitchSlot.position)
    ).all()
    assert [(a, p) for a, p, _ in slots] == [(apps["B"].id, 1), (apps["A"].id, 2), (apps["C"].id, 3)]
    assert slots[0][2].isoformat() == "2027-01-20T23:00:00+00:00"  # 18:00 in Montréal (EST)
    # times out of order are refused
    response = english.post(
        f"{url}/pitch-order",
        data={
            f"position-{apps['A'].id}": "1",
            f"starts-{apps['A'].id}": "2027-01-20T18:30",
            f"position-{apps['B'].id}": "2",
            f"starts-{apps['B'].id}": "2027-01-20T18:00",
        },
    )
    assert response.status_code == 422
    assert count(db, PitchSlot) == 3
    # Schulze order with the mean beside it: A beats B and C (2 of 3 jurors each)
    english.post(results_url(edition, prize, rnd, "phase"), data={"target": "deliberation"})
    html = english.get(url).get_data(as_text=True)
    assert [(r["application"], r["rank"], r["score"], r["raw_mean"]) for r in page_rows(html)] == [
        ("A", 1, 2, 81.6667),
        ("B", 2, 1, 71.6667),
        ("C", 3, 0, 51.6667),
    ]
    # B is not first: recording it needs a reason
    response = english.post(
        f"{url}/winner", data={"application_id": apps["B"].id, "citation_fr": "", "citation_en": ""}
    )
    assert response.status_code == 422
    assert "B is not first in the results: write why it wins." in response.get_data(as_text=True)
    assert count(db, Decision, outcome="winner") == 0
    response = english.post(
        f"{url}/winner",
        data={
            "application_id": apps["A"].id,
            "citation_fr": "Pour son robot",
            "citation_en": "For its robot",
        },
    )
    assert response.status_code == 302
    # a mention to an application of another prize; a citation in both languages is required
    response = english.post(
        f"{url}/mentions", data={"application_id": other.id, "citation_fr": "Coup de cœur", "citation_en": ""}
    )
    assert response.status_code == 422
    assert count(db, Decision, outcome="mention") == 0
    response = english.post(
        f"{url}/mentions",
        data={"application_id": other.id, "citation_fr": "Coup de cœur", "citation_en": "Jury's favourite"},
    )
    assert response.status_code == 302
    db.expire_all()
    winner = db.scalars(select(Decision).where(Decision.outcome == "winner")).one()
    assert (winner.application_id, winner.citation) == (
        apps["A"].id,
        {"fr": "Pour son robot", "en": "For its robot"},
    )
    mention = db.scalars(select(Decision).where(Decision.outcome == "mention")).one()
    assert (mention.application_id, mention.prize_id, mention.citation) == (
        other.id,
        prize.id,
        {"fr": "Coup de cœur", "en": "Jury's favourite"},
    )
    assert db.get(Round, rnd.id).phase == "decided"
    assert english.post(f"{url}/freeze").status_code == 302
    db.expire_all()
    [snapshot] = db.scalars(select(ResultSnapshot)).all()
    assert snapshot.payload["ranking"][0]["application"] == "A"
    assert english.post(f"{url}/announce-final").status_code == 302
    db.expire_all()
    assert db.get(Round, rnd.id).phase == "announced"
    assert {"pitch_order.set", "winner.recorded", "mention.added", "results.frozen"} <= set(actions(db))


def test_freezing_a_final_with_an_unsettled_tie_for_first_is_refused(app, db, make, english):
    tie = {"J1": {"A": 90, "B": 70}, "J2": {"A": 60, "B": 85}}
    edition, prize, rnd, apps, jurors, other = final_round(make, db, phase="decided", matrix=tie)
    db.add(Decision(prize_id=prize.id, round_id=rnd.id, application_id=apps["A"].id, outcome="winner"))
    db.commit()
    response = english.post(results_url(edition, prize, rnd, "results/freeze"))
    assert response.status_code == 422
    assert "A, B are tied first: write how the tie was settled." in response.get_data(as_text=True)
    assert count(db, ResultSnapshot) == 0
