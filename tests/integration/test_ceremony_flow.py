"""The ceremony on results decided through the real decision services: announce, final, freeze, reopen."""

from __future__ import annotations

import pytest

from judging.documents import ceremony as documents
from judging.services import ceremony
from judging.services import decisions as decisions_service
from judging.services.ceremony import CeremonyError
from tests.scenarios import five_by_four, pages, pdf_text, squash


def decided_prize(app, make, db, organizer):
    """Preselection by the mean (A and B), a final won by A, a mention for C; everything frozen."""
    edition, prize, preselection, apps, jurors = five_by_four(make, db)
    for ref, person in zip(
        "ABCDE", ["Alix Aubry", "Basile Brun", "Cyrielle Caron", "Dina Drouin", "Éloi Éthier"], strict=True
    ):
        apps[ref].contact_name = person
    prize.name = {"fr": "Prix de l'innovation", "en": "Innovation Award"}
    prize.presenter_name = "Rémi Remettant"
    final = make.round(prize, code="final", criteria=0, method="mean", phase="judging", position=1)
    make.criterion(final, code="overall", min_value=0, max_value=100, weight=1)
    db.commit()
    with app.test_request_context():
        decisions_service.select_finalists(
            db, preselection, actor=organizer, chosen=[apps["A"].id, apps["B"].id]
        )
        decisions_service.announce_finalists(db, preselection, actor=organizer)
        db.commit()
        for juror, scores in zip(jurors.values(), [(90, 70), (85, 80), (88, 60), (92, 75)], strict=True):
            make.scorecard(final, juror, apps["A"], scores={"overall": scores[0]})
            make.scorecard(final, juror, apps["B"], scores={"overall": scores[1]})
        final.phase = "deliberation"
        db.commit()
        decisions_service.record_winner(
            db,
            final,
            actor=organizer,
            application=apps["A"],
            citation_fr="Une équipe <remarquable>",
            citation_en="A <remarkable> team",
        )
        decisions_service.add_mention(
            db,
            final,
            actor=organizer,
            application=apps["C"],
            citation_fr="Mention spéciale",
            citation_en="Special mention",
        )
        db.commit()
        decisions_service.freeze_final(db, final, actor=organizer)
        db.commit()
    return edition, prize, final, apps


def test_ceremony_from_the_decision_services(app, db, make, organizer):
    edition, prize, final, apps = decided_prize(app, make, db, organizer)
    with app.test_request_context():
        plan = ceremony.ceremony_plan(db, edition, language="fr")
        [item] = plan.prizes
        assert [f.person for f in item.finalists] == ["Alix Aubry", "Basile Brun"]
        assert item.winner.person == "Alix Aubry"
        assert [m.person for m in item.mentions] == ["Cyrielle Caron"]
        envelope = squash(pages(pdf_text(documents.ceremony_pdf(plan, "envelopes")))[0])
    assert "Le Prix de l'innovation est décerné à Alix Aubry" in envelope
    assert "Une équipe <remarquable>" in envelope


def test_reopening_the_final_takes_the_prize_out_of_the_ceremony(app, db, make, organizer, client):
    edition, prize, final, apps = decided_prize(app, make, db, organizer)
    with app.test_request_context():
        decisions_service.reopen_round(db, final, actor=organizer, reason="A scorecard was wrong")
        db.commit()
        with pytest.raises(CeremonyError) as refused:
            ceremony.ceremony_plan(db, edition, language="fr")
        assert refused.value.prizes == ["Prix de l'innovation"]
        # the finalists stay public (their round is still frozen), the winner does not
        [shown] = ceremony.public_results(db, edition, stage="finalists")
        assert [f.person for f in shown.finalists] == ["Alix Aubry", "Basile Brun"]
        assert ceremony.public_results(db, edition, stage="winners") == []


def test_candidates_told_at_the_announcement_are_not_mailed_again(app, db, make, organizer):
    """Announcing the finalists mails finalists and the others; scheduled outcome mails skip them,
    while winners and mentions (not told yet) still get theirs."""
    from datetime import timedelta

    from judging.models import utcnow
    from judging.services import notifications

    edition, _prize, _final, _apps = decided_prize(app, make, db, organizer)
    with app.test_request_context():
        counts = notifications.schedule(
            db,
            edition,
            keys=["outcome_finalist", "outcome_not_selected", "outcome_winner", "outcome_mention"],
            send_after=utcnow() + timedelta(hours=1),
            actor=organizer,
        )
    assert counts == {
        "outcome_finalist": 0,
        "outcome_not_selected": 0,
        "outcome_winner": 1,
        "outcome_mention": 1,
    }
