"""Competition ranks, tie-break chains and the Schulze method."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

from judging.results.engine.ranking import (
    SCHULZE_MAX_CANDIDATES,
    Ranked,
    competition_ranks,
    parse_tie_break,
    schulze_matrices,
    schulze_order,
    validate_tie_break,
)


def test_competition_ranks_share_places_and_skip_after_a_tie():
    rows = [("a", 90), ("b", 80), ("c", 80), ("d", 70)]
    ranked = competition_ranks(rows=rows, key=lambda r: r[1])
    assert [(r.row[0], r.rank, r.tied) for r in ranked] == [
        ("a", 1, False),
        ("b", 2, True),
        ("c", 2, True),
        ("d", 4, False),
    ]


def test_rows_come_back_in_rank_order_and_ties_keep_input_order():
    rows = [("late", 10), ("x", 50), ("y", 50), ("first", 99)]
    ranked = competition_ranks(rows=rows, key=lambda r: r[1])
    assert [r.row[0] for r in ranked] == ["first", "x", "y", "late"]


def test_tie_break_keys_apply_in_order_only_to_rows_still_tied():
    rows = {
        "A": {"score": F(70), "median": 70, "count": 3},
        "B": {"score": F(70), "median": 75, "count": 2},
        "C": {"score": F(70), "median": 70, "count": 2},
        "D": {"score": F(70), "median": 70, "count": 2},
        "E": {"score": F(90), "median": 10, "count": 1},
    }
    asked: list[tuple[str, str]] = []

    def tracked(name):
        def key(app):
            asked.append((name, app))
            return rows[app][name]

        return key

    ranked = competition_ranks(
        rows=list(rows), key=lambda a: rows[a]["score"], tie_break=[tracked("median"), tracked("count")]
    )
    assert ranked == [
        Ranked(row="E", rank=1, tied=False),
        Ranked(row="B", rank=2, tied=False),  # median 75
        Ranked(row="A", rank=3, tied=False),  # median 70, count 3
        Ranked(row="C", rank=4, tied=True),  # median 70, count 2: still tied
        Ranked(row="D", rank=4, tied=True),
    ]
    # E was never tied and B left the tie at the median: their later keys were never computed.
    assert sorted(asked) == sorted([("median", a) for a in "ABCD"] + [("count", a) for a in "ACD"])


def test_no_rows_no_ranks():
    assert competition_ranks(rows=[], key=lambda r: r) == []


def test_validate_tie_break_reports_every_problem():
    assert (
        validate_tie_break(
            chain=["criterion:impact", "median", "mean", "count", "first-places"], criterion_codes=["impact"]
        )
        == []
    )
    assert validate_tie_break(
        chain=["criterion:reach", "coin-toss", "criterion:"], criterion_codes=["impact", "team"]
    ) == [
        "tie-break entry 'criterion:reach': this round has no criterion 'reach' (criteria: impact, team)",
        "unknown tie-break entry 'coin-toss' (use criterion:CODE, median, mean, count or first-places)",
        "tie-break entry 'criterion:' names no criterion (expected criterion:CODE)",
    ]
    assert validate_tie_break(chain="median", criterion_codes=[]) == [
        "the tie-break chain must be a list of entries"
    ]
    assert validate_tie_break(chain=[3], criterion_codes=[]) == ["tie-break entry 1 must be text, not 3"]


def test_parse_tie_break():
    assert parse_tie_break("criterion:impact") == ("criterion", "impact")
    assert parse_tie_break("first-places") == ("first-places", None)


# --- Schulze ------------------------------------------------------------------------------------

# The worked example of the Wikipedia article "Schulze method": 45 voters, 5 candidates.
WIKIPEDIA_VOTES = [
    (5, "ACBED"),
    (5, "ADECB"),
    (8, "BEDAC"),
    (3, "CABED"),
    (7, "CAEBD"),
    (2, "CBADE"),
    (7, "DCEBA"),
    (8, "EBADC"),
]


def wikipedia_ballots() -> list[dict[str, int]]:
    """Each ranking as a juror's scores: first place 5 points, last 1."""
    ballots = []
    for count, order in WIKIPEDIA_VOTES:
        ballots += [{c: 5 - i for i, c in enumerate(order)} for _ in range(count)]
    return ballots


def test_schulze_reproduces_the_published_wikipedia_example():
    outcome = schulze_order(ballots=wikipedia_ballots(), candidates=list("ABCDE"))
    # Pairwise preferences d[X, Y] as published.
    assert outcome.pairwise.tolist() == [
        [0, 20, 26, 30, 22],
        [25, 0, 16, 33, 18],
        [19, 29, 0, 17, 24],
        [15, 12, 28, 0, 14],
        [23, 27, 21, 31, 0],
    ]
    # Strongest paths p[X, Y] as published (diagonal shown as 0).
    assert outcome.strongest.tolist() == [
        [0, 28, 28, 30, 24],
        [25, 0, 28, 33, 24],
        [25, 29, 0, 29, 24],
        [25, 28, 28, 0, 24],
        [25, 28, 28, 31, 0],
    ]
    assert outcome.order == ("E", "A", "C", "B", "D")
    assert outcome.wins == {"E": 4, "A": 3, "C": 2, "B": 1, "D": 0}
    assert outcome.beats("E", "A") and not outcome.beats("A", "E")


def test_schulze_ties_on_a_ballot_and_missing_candidates_express_no_preference():
    ballots = [
        {"A": 8, "B": 8, "C": 2},  # A = B > C
        {"A": 9, "C": 7},  # B not scored: no preference about B
        {"B": 6, "C": 6},  # tie
    ]
    outcome = schulze_order(ballots=ballots)
    assert outcome.candidates == ("A", "B", "C")
    assert outcome.pairwise.tolist() == [[0, 0, 2], [0, 0, 1], [0, 0, 0]]
    assert outcome.wins == {"A": 1, "B": 1, "C": 0}


def test_schulze_condorcet_cycle_is_resolved_by_path_strength():
    # 3 × A>B>C, 2 × B>C>A, 2 × C>A>B: A>B 5:2, B>C 5:2, C>A 4:3. The weakest link (C>A, 4) breaks.
    ballots = [{"A": 3, "B": 2, "C": 1}] * 3 + [{"B": 3, "C": 2, "A": 1}] * 2 + [{"C": 3, "A": 2, "B": 1}] * 2
    outcome = schulze_order(ballots=ballots)
    assert outcome.order == ("A", "B", "C")
    assert outcome.wins == {"A": 2, "B": 1, "C": 0}


def test_schulze_refuses_unknown_candidates_and_oversized_rounds():
    with pytest.raises(ValueError, match="unknown candidates"):
        schulze_order(ballots=[{"Z": 1}], candidates=["A"])
    with pytest.raises(ValueError, match=f"limited to {SCHULZE_MAX_CANDIDATES} applications"):
        schulze_matrices(size=SCHULZE_MAX_CANDIDATES + 1, ballots=[])
