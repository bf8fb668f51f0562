"""A round's phase page tells its history in sentences, never in action codes (issue 15, words not codes)."""

from __future__ import annotations

from judging.results.phases import set_phase


def test_the_phase_history_reads_as_sentences(organizer_client, organizer, make, db):
    prize = make.prize(name={"fr": "Prix Aurore", "en": "Aurora Award"})
    rnd = make.round(prize, name={"fr": "Présélection", "en": "Preselection"}, phase="open")
    set_phase(db, rnd, "screening", actor=organizer, reason="Appel clos plus tôt")
    db.commit()

    url = f"/organizer/editions/{prize.edition_id}/prizes/{prize.id}/rounds/{rnd.id}/phase"
    html = organizer_client.get(url).get_data(as_text=True)

    assert "round.phase_changed" not in html
    assert f"{organizer.display_name} a changé la phase" in html
    assert "Appel clos plus tôt" in html
