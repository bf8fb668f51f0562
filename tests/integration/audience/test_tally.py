"""The pure count (no database): ties shared, voided and stray votes counted for nobody, CSV read back."""

from __future__ import annotations

from judging.audience.tally import Ballot, Count, ballots_from_csv, count_votes
from judging.core.exports import write_csv

FINALISTS = ["A-1", "B-2", "C-3"]


def test_plurality_with_a_shared_first_place():
    ballots = [Ballot("B-2"), Ballot("C-3"), Ballot("B-2"), Ballot("C-3"), Ballot("A-1")]
    tally = count_votes(ballots, FINALISTS)
    assert tally.counts == (
        Count("B-2", 2, 1, True),
        Count("C-3", 2, 1, True),
        Count("A-1", 1, 3, False),
    )
    assert tally.winners == ("B-2", "C-3")


def test_voided_and_stray_votes_count_for_nobody():
    ballots = [Ballot("A-1", voided=True), Ballot("Z-9"), Ballot("C-3")]
    tally = count_votes(ballots, FINALISTS)
    assert (tally.counted, tally.voided, tally.ignored, tally.winners) == (1, 1, 1, ("C-3",))


def test_no_vote_no_winner():
    assert count_votes([], FINALISTS).winners == ()


def test_the_export_read_back_gives_the_same_ballots_even_with_a_formula_like_reference():
    rows = [
        {"vote": 1, "voter": 7, "finalist_ref": "=A-1", "finalist": "Aurore", "voided": False},
        {"vote": 2, "voter": 8, "finalist_ref": "B-2", "finalist": "Boréal, inc.", "voided": True},
    ]
    columns = [
        (key, key.upper())
        for key in (
            "vote",
            "voter",
            "finalist_ref",
            "finalist",
            "cast_at",
            "changed_at",
            "voided",
            "void_reason",
        )
    ]
    assert ballots_from_csv(write_csv(rows, columns)) == [Ballot("=A-1", False), Ballot("B-2", True)]
