"""The ceremony on results decided through the real decision services: announce, final, freeze, reopen."""

from __future__ import annotations

import pytest

from judging.ceremony import documents
from judging.ceremony import plan as ceremony
from judging.ceremony.plan import CeremonyError
from judging.results import phases
from tests.scenarios import decided_prize, pages, pdf_text, squash


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
        phases.reopen_round(db, final, actor=organizer, reason="A scorecard was wrong")
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

    from judging.core.models import utcnow
    from judging.results import notifications

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
