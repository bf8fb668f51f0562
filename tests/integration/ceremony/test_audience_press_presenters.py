"""The press sheet and the presenters' cards mention the audience award (issue 15, item 13): the cards
call its finalists (never its winner), the press sheet names its winners only once the result is public
(the vote closed and the winners revealed), names withheld without publication consent. Neither reads
the tally: no look is logged. The PDFs are read back with pdftotext."""

from __future__ import annotations

from tests.integration.ceremony.test_audience_in_ceremony import (
    COUNTS,
    audience_evening,
    organizer_client,  # noqa: F401 (fixture)
    pdf,
    tally_looks,
)
from tests.scenarios import PRIZES, ceremony_edition, pages, person_name, squash


def audience_part(text: str, name: str) -> str:
    """The press sheet's audience award section: from its heading to the fingerprints' line."""
    part = text[text.rindex(name) :]
    return part.split("fingerprint")[0].split("empreinte")[0]


def test_presenters_get_a_card_for_the_audience_award_calling_its_finalists(db, make, organizer_client):  # noqa: F811
    built = ceremony_edition(make, db, secret=False)
    award, candidates = audience_evening(db, built, state="open")  # the vote may still be open
    cards = pages(pdf(organizer_client, built, "presenters"))
    assert len(cards) == len(PRIZES) + 1
    card = squash(cards[-1])
    assert "Vous remettez le Prix du public." in card
    assert "choisi par le public de la séance de présentations des finalistes" in card
    for i, candidate in enumerate(candidates):
        assert person_name(i, 2) in card and candidate.title in card
    assert "Ouvrez ensuite l’enveloppe et lisez : « Le Prix du public est décerné à … »" in card
    assert "Prix du public" not in squash(" ".join(cards[:-1]))
    assert tally_looks(db, award) == []  # the finalists are no secret: nothing read, nothing logged


def test_the_english_presenter_card_says_it_in_english(db, make, organizer_client):  # noqa: F811
    built = ceremony_edition(make, db, secret=False)
    audience_evening(db, built)
    card = squash(pages(pdf(organizer_client, built, "presenters", "?language=en"))[-1])
    assert "You hand over the Audience Award." in card
    assert "Then open the envelope and read: “The Audience Award goes to …”" in card
    assert person_name(0, 2) in card


def test_before_the_reveal_the_press_sheet_lists_the_audience_finalists_but_no_winner(
    db,
    make,
    organizer_client,  # noqa: F811
):
    built = ceremony_edition(make, db, secret=False)
    award, candidates = audience_evening(db, built)  # closed, not revealed: the winner is still a secret
    text = squash(pdf(organizer_client, built, "press"))
    part = audience_part(text, "Prix du public")
    assert text.index(PRIZES[-1][1]) < text.index("Prix du public")
    assert "Lauréat·e : Annoncé·e lors de la cérémonie." in part  # nobody known yet: the inclusive title
    for i in range(3):
        assert person_name(i, 2) in part
    assert not any(str(c) in part for c in COUNTS)
    assert tally_looks(db, award) == []
    # an open vote does not stop the press sheet either
    award.state, award.closes_at = "open", None
    db.commit()
    assert "Annoncé·e lors de la cérémonie." in squash(pdf(organizer_client, built, "press"))


def test_once_revealed_the_press_sheet_names_the_audience_winner_in_both_languages(
    db,
    make,
    organizer_client,  # noqa: F811
):
    built = ceremony_edition(make, db, secret=False)
    award, candidates = audience_evening(db, built, revealed=True)
    french = audience_part(squash(pdf(organizer_client, built, "press")), "Prix du public")
    winner = french.split("Finalistes")[0]
    assert person_name(0, 2) in winner and candidates[0].title in winner
    assert person_name(1, 2) not in winner and "Annoncé·e" not in winner
    english = audience_part(squash(pdf(organizer_client, built, "press", "?language=en")), "Audience Award")
    assert person_name(0, 2) in english.split("Finalists")[0] and "Winner:" in english
    assert not any(str(c) in french + english for c in COUNTS)
    assert tally_looks(db, award) == []


def test_a_shared_audience_award_names_every_winner_on_the_press_sheet(db, make, organizer_client):  # noqa: F811
    built = ceremony_edition(make, db, secret=False)
    audience_evening(db, built, counts=(21, 21, 3), revealed=True)
    winner = audience_part(squash(pdf(organizer_client, built, "press")), "Prix du public").split(
        "Finalistes"
    )[0]
    assert person_name(0, 2) in winner and person_name(1, 2) in winner and person_name(2, 2) not in winner
    assert "Ex æquo : le prix est partagé." in winner
    assert "Lauréat·e·s : " in winner  # two people: the plural, inclusive
    english = audience_part(squash(pdf(organizer_client, built, "press", "?language=en")), "Audience Award")
    assert "Winners: " in english and "Tie: the award is shared." in english


def test_the_press_sheet_withholds_an_audience_winner_without_consent(db, make, organizer_client):  # noqa: F811
    built = ceremony_edition(make, db, secret=False)
    _, candidates = audience_evening(db, built, revealed=True)
    candidates[0].publication_consent = False
    db.commit()
    part = audience_part(squash(pdf(organizer_client, built, "press")), "Prix du public")
    assert "Projet lauréat (nom non publié)" in part
    assert person_name(0, 2) not in part and candidates[0].title not in part
    # the presenters' cards are read on stage: they keep the name
    assert person_name(0, 2) in squash(pages(pdf(organizer_client, built, "presenters"))[-1])
