"""The ceremony knows the audience award (issue 13, item 5): run of show, envelope cards, certificates,
reveal screen, public winners page and edition report, the PDFs read back with pdftotext.

Before the reveal the audience winner appears nowhere public; organizer documents carrying it
(envelopes, certificates, the reveal's winner step) are a logged look at the tally.
"""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from sqlalchemy import select

from judging.audience.models import AudienceAward, AudienceCandidate, AudienceVote, AudienceVoter
from judging.audience.queries import audience_result
from judging.core.audit_event import AuditEvent
from judging.core.models import utcnow
from judging.devdata import demo
from tests.conftest import login
from tests.scenarios import PRIZES, ceremony_edition, pages, pdf_text, person_name, squash

#: stored votes per audience finalist: odd numbers a leak would show
COUNTS = (97, 89, 13)


def url(built, suffix=""):
    return f"/organizer/editions/{built.edition.id}/ceremony{suffix}"


def text_of(response) -> str:
    return squash(html.unescape(response.get_data(as_text=True)))


def audience_evening(db, built, *, state="closed", counts=COUNTS, revealed=False):
    """The audience award of ``built``'s edition: one finalist of each of the first three prizes.

    ``built.finalists[i][0]`` (``person_name(i, 2)``) is a finalist, not the prize's winner, so an
    audience certificate or card naming them comes from the audience award alone.
    """
    candidates = [built.finalists[i][0] for i in range(3)]
    now = utcnow()
    award = AudienceAward(
        edition_id=built.edition.id,
        state=state,
        opens_at=now - timedelta(hours=2),
        closes_at=now - timedelta(hours=1) if state == "closed" else None,
    )
    db.add(award)
    db.flush()
    for position, application in enumerate(candidates):
        db.add(AudienceCandidate(award_id=award.id, application_id=application.id, position=position))
    n = 0
    for application, count in zip(candidates, counts, strict=True):
        for _ in range(count):
            n += 1
            voter = AudienceVoter(award_id=award.id, email=f"v{n}@voters.example")
            db.add(voter)
            db.flush()
            db.add(
                AudienceVote(
                    award_id=award.id,
                    voter_id=voter.id,
                    application_id=application.id,
                    cast_at=now - timedelta(minutes=90),
                )
            )
    built.edition.winners_public_at = now - timedelta(minutes=5) if revealed else None
    db.commit()
    return award, candidates


@pytest.fixture
def organizer_client(app, organizer):
    client = app.test_client()
    login(client, organizer)
    return client


def tally_looks(db, award) -> list[AuditEvent]:
    return list(
        db.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "audience.tally_viewed", AuditEvent.object_id == award.id
            )
        )
    )


def pdf(client, built, kind, query="") -> str:
    response = client.get(url(built, f"/documents/{kind}.pdf{query}"))
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return pdf_text(response.data)


def test_run_of_show_calls_the_audience_finalists_after_the_prizes_without_reading_the_tally(
    db, make, organizer_client
):
    built = ceremony_edition(make, db, secret=False)
    award, _ = audience_evening(db, built, state="open")  # the vote may still be open: no winner needed
    text = squash(pdf(organizer_client, built, "run-of-show"))
    segment = text[text.index("5. Prix du public") :]
    assert text.index(PRIZES[-1][1]) < text.index("5. Prix du public")
    assert "choisi par le public de la séance de présentations des finalistes" in segment
    for i in range(3):
        assert person_name(i, 2) in segment
    assert "Le ou la lauréat·e est dans l’enveloppe scellée n° 5." in segment
    assert tally_looks(db, award) == []


def test_envelope_and_certificate_name_the_audience_winner_and_the_look_is_logged(
    db, make, organizer_client, organizer
):
    built = ceremony_edition(make, db, secret=False)
    award, candidates = audience_evening(db, built)  # closed, not revealed yet
    cards = pages(pdf(organizer_client, built, "envelopes"))
    assert len(cards) == len(PRIZES) + 1
    last = squash(cards[-1])
    assert "Le Prix du public est décerné à" in last
    assert person_name(0, 2) in last and candidates[0].title in last
    assert person_name(1, 2) not in last and "Ex æquo" not in last
    assert "Enveloppe 1 sur 5" in squash(cards[0]) and "Enveloppe 5 sur 5" in last
    assert not any(str(c) in last for c in COUNTS)

    certificates = [squash(p) for p in pages(pdf(organizer_client, built, "certificates", "?language=en"))]
    audience = [p for p in certificates if "Audience Award" in p]
    assert len(audience) == 1 and person_name(0, 2) in audience[0]
    assert "Winner of the Audience Award" in audience[0]

    looks = tally_looks(db, award)
    assert len(looks) == 2 and {e.actor_id for e in looks} == {organizer.id}
    db.refresh(award)
    assert award.tally_viewed_by_id == organizer.id


def test_a_tie_is_shared_on_one_card_and_a_certificate_each(db, make, organizer_client):
    built = ceremony_edition(make, db, secret=False)
    audience_evening(db, built, counts=(21, 21, 3), revealed=True)
    last = squash(pages(pdf(organizer_client, built, "envelopes"))[-1])
    assert person_name(0, 2) in last and person_name(1, 2) in last and person_name(2, 2) not in last
    assert "Ex æquo : le prix est partagé." in last  # (squash folds the no-break space)
    certificates = [squash(p) for p in pages(pdf(organizer_client, built, "certificates"))]
    audience = [p for p in certificates if "Prix du public" in p]
    assert len(audience) == 2


def test_the_winners_need_a_closed_vote(db, make, organizer_client):
    built = ceremony_edition(make, db, secret=False)
    award, _ = audience_evening(db, built, state="open")
    refused = organizer_client.get(url(built, "/documents/envelopes.pdf"))
    assert refused.status_code == 409
    assert "Le vote du public n’est pas encore terminé" in html.unescape(refused.get_data(as_text=True))
    # "only the ready ones": the prizes' cards, the audience award left out
    cards = pages(pdf(organizer_client, built, "envelopes", "?scope=ready"))
    assert len(cards) == len(PRIZES)
    assert "Prix du public" not in squash(" ".join(cards))
    # the reveal shows its finalists, but not a winner that does not exist yet
    steps = 1 + 2 * len(PRIZES) + 2 + 1
    assert organizer_client.get(url(built, f"/reveal?step={steps - 3}")).status_code == 200
    refused = organizer_client.get(url(built, f"/reveal?step={steps - 2}"))
    assert refused.status_code == 409
    assert "Le vote du public n’est pas encore terminé" in html.unescape(refused.get_data(as_text=True))
    assert tally_looks(db, award) == []


def test_the_reveal_screen_ends_with_the_audience_award(db, make, organizer_client, organizer):
    built = ceremony_edition(make, db, secret=False)
    award, candidates = audience_evening(db, built)
    steps = 1 + 2 * len(PRIZES) + 2 + 1
    finalists = organizer_client.get(url(built, f"/reveal?step={steps - 3}&language=fr"))
    page = text_of(finalists)
    assert 'data-kind="audience_finalists"' in page and "Prix du public" in page
    assert all(c.title in page for c in candidates)
    assert tally_looks(db, award) == []  # the finalists are no secret
    winner = text_of(organizer_client.get(url(built, f"/reveal?step={steps - 2}&language=fr")))
    assert 'data-kind="audience_winner"' in winner
    assert "Le Prix du public est décerné à" in winner and person_name(0, 2) in winner
    stage = winner[winner.index('id="stage"') : winner.index("</main>")]
    assert not any(str(c) in stage for c in COUNTS)  # the winner, never the counts
    assert [e.actor_id for e in tally_looks(db, award)] == [organizer.id]


def test_before_the_reveal_the_audience_winner_is_nowhere_public_then_it_is(
    app, db, make, client, organizer_client
):
    built = ceremony_edition(make, db, secret=False)
    award, candidates = audience_evening(db, built)
    code = built.edition.code
    winner = person_name(0, 2)

    outputs = [
        text_of(client.get(f"/editions/{code}/finalists")),
        text_of(organizer_client.get(f"/editions/{code}/winners")),  # the organizer's preview
        text_of(organizer_client.get(f"/organizer/editions/{built.edition.id}/report")),
        squash(pdf_text(organizer_client.get(f"/organizer/editions/{built.edition.id}/report.pdf").data)),
    ]
    for page in outputs:
        assert "Prix du public" not in page and "Audience Award" not in page
        assert 'id="card-audience"' not in page and 'id="report-audience"' not in page
        assert not any(f">{c}<" in page or f" {c} " in page for c in COUNTS)
    vote_page = text_of(client.get(f"/audience/{code}"))  # names the award, never its winner yet
    assert "est remis à" not in vote_page and winner not in vote_page.split("Prix du public")[-1]
    assert client.get(f"/editions/{code}/winners").status_code == 404
    assert tally_looks(db, award) == []

    # the ceremony reveals the winners: the audience award is on the public pages, the report too
    assert organizer_client.post(url(built, "/reveal-winners")).status_code == 302
    page = text_of(client.get(f"/editions/{code}/winners"))
    card = page[page.index('id="card-audience"') :]
    assert "Prix du public" in card and "Choisi par le public" in card
    assert winner in card.split("Finalistes")[0]
    assert not any(str(c) in card.split("</section>")[0] for c in COUNTS)
    report = text_of(organizer_client.get(f"/organizer/editions/{built.edition.id}/report"))
    assert 'id="report-audience"' in report
    audience = report[report.index('id="report-audience"') :].split("</section>")[0]
    assert winner in audience
    report_pdf = squash(
        pdf_text(organizer_client.get(f"/organizer/editions/{built.edition.id}/report.pdf?language=en").data)
    )
    assert "Audience Award" in report_pdf and winner in report_pdf.split("Audience Award", 1)[1]
    assert tally_looks(db, award) == []  # after the reveal nothing is a secret look


def test_an_open_vote_stays_off_the_revealed_winners_page_until_it_closes(db, make, client):
    built = ceremony_edition(make, db, secret=False)
    award, _ = audience_evening(db, built, state="open", revealed=True)
    page = text_of(client.get(f"/editions/{built.edition.code}/winners"))
    assert PRIZES[0][1] in page
    assert 'id="card-audience"' not in page and "Prix du public" not in page
    award.state, award.closes_at = "closed", utcnow()
    db.commit()
    page = text_of(client.get(f"/editions/{built.edition.code}/winners"))
    assert 'id="card-audience"' in page and person_name(0, 2) in page


def test_a_winner_without_publication_consent_is_withheld_on_the_public_page(db, make, client):
    built = ceremony_edition(make, db, secret=False)
    _, candidates = audience_evening(db, built, revealed=True)
    candidates[0].publication_consent = False
    db.commit()
    page = text_of(client.get(f"/editions/{built.edition.code}/winners"))
    card = page[page.index('id="card-audience"') :].split("</section>")[0]
    assert "Projet lauréat (nom non publié)" in card
    assert person_name(0, 2) not in card and candidates[0].title not in card


def test_the_demo_at_the_ceremony_has_a_revealed_audience_award(app, db, client):
    edition = demo.load_demo(db, at="ceremony")
    db.commit()
    result = audience_result(db, edition)
    assert result is not None and result.public and len(result.winners) == 1
    page = text_of(client.get(f"/editions/{demo.EDITION_CODE}/winners"))
    card = page[page.index('id="card-audience"') :].split("</section>")[0]
    assert "Prix du public" in card and result.winners[0].title in card


def test_the_ceremony_command_puts_the_audience_award_in_its_pdfs_and_logs_the_look(
    db, make, runner, tmp_path
):
    """``judging ceremony --pdf envelopes`` is the organizer's page from the shell: the audience award's
    envelope names its winner (a look at the tally before the reveal, logged as the platform's); while the
    vote is open it refuses, or leaves the award out with ``--only-ready``."""
    built = ceremony_edition(make, db, secret=False)
    award, candidates = audience_evening(db, built, state="open")
    target = tmp_path / "envelopes.pdf"
    command = ["ceremony", built.edition.code, "--pdf", "envelopes", "-o", str(target)]
    refused = runner.invoke(args=command)
    assert refused.exit_code == 1 and not target.exists()
    left_out = runner.invoke(args=[*command, "--only-ready"])
    assert left_out.exit_code == 0, left_out.output
    assert len(pages(pdf_text(target.read_bytes()))) == len(PRIZES)
    assert tally_looks(db, award) == []
    award.state, award.closes_at = "closed", utcnow() - timedelta(minutes=5)
    db.commit()
    done = runner.invoke(args=command)
    assert done.exit_code == 0, done.output
    cards = pages(pdf_text(target.read_bytes()))
    last = squash(cards[-1])
    assert len(cards) == len(PRIZES) + 1 and "Le Prix du public est décerné à" in last
    assert person_name(0, 2) in last and candidates[0].title in last
    looks = tally_looks(db, award)
    assert len(looks) == 1 and looks[0].actor_id is None
