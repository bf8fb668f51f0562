"""Scorecard totals and round results: worked examples with exact expectations."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction as F

import numpy as np
import pytest

from judging.results.engine import scoring
from judging.results.engine.reliability import krippendorff_alpha
from judging.results.engine.scoring import (
    Component,
    CriterionSpec,
    DisconnectedGraph,
    Rubric,
    Scorecard,
    connected_components,
    make_scorecard,
    missing_required,
    normalised_scores,
    round_half_up,
    round_results,
    scorecard_total,
    to_fraction,
)

RUBRIC = [
    CriterionSpec(code="impact", weight=35, min=0, max=10),
    CriterionSpec(code="market", weight=20, min=1, max=5),
    CriterionSpec(code="clarity", weight=5, min=0, max=10, required=False),
]


def cards(matrix: dict[str, dict[str, int | F]]) -> list[Scorecard]:
    """Scorecards from {juror: {application: total}}; a missing cell is a recusal (no scorecard)."""
    return [
        Scorecard(application=app, juror=juror, total=F(total))
        for juror, row in matrix.items()
        for app, total in row.items()
    ]


def table(result) -> list[tuple]:
    return [(row.application, row.score, row.rank, row.tied) for row in result.rows]


# --- scorecard totals ---------------------------------------------------------------------


def test_a_one_to_five_criterion_starts_at_zero_percent():
    criteria = [CriterionSpec(code="market", weight=1, min=1, max=5)]
    assert scorecard_total(criteria=criteria, scores={"market": 1}) == 0
    assert scorecard_total(criteria=criteria, scores={"market": 3}) == 50
    assert scorecard_total(criteria=criteria, scores={"market": 5}) == 100


def test_weighted_total_is_exact():
    # 100 × (35 × 8/10 + 20 × (4−1)/(5−1) + 5 × 7/10) / (35 + 20 + 5)
    # = 100 × (28 + 15 + 3.5) / 60 = 4650 / 60 = 155/2
    assert scorecard_total(criteria=RUBRIC, scores={"impact": 8, "market": 4, "clarity": 7}) == F(155, 2)


def test_unanswered_criteria_are_left_out_not_zero():
    # clarity unanswered: 100 × (28 + 15) / 55 = 860/11, not 100 × 43/60.
    total = scorecard_total(criteria=RUBRIC, scores={"impact": 8, "market": 4})
    assert total == F(860, 11)
    assert scorecard_total(criteria=RUBRIC, scores={"impact": 8, "market": 4, "clarity": None}) == F(860, 11)


def test_nothing_answered_has_no_total():
    assert scorecard_total(criteria=RUBRIC, scores={}) is None
    assert scorecard_total(criteria=RUBRIC, scores={"impact": None}) is None


def test_decimal_and_float_scores_are_read_exactly():
    criteria = [CriterionSpec(code="impact", weight=Decimal("0.1"), min=0, max=Decimal("0.3"))]
    # 0.1 / 0.3 is exactly one third, which binary floats cannot say.
    assert scorecard_total(criteria=criteria, scores={"impact": 0.1}) == F(100, 3)
    assert scorecard_total(criteria=criteria, scores={"impact": Decimal("0.1000")}) == F(100, 3)
    assert to_fraction(0.1) == F(1, 10)


def test_scores_outside_the_scale_are_refused_with_the_criterion_named():
    with pytest.raises(ValueError, match=r"score 11 for criterion 'impact' is outside \[0, 10\]"):
        scorecard_total(criteria=RUBRIC, scores={"impact": 11})
    with pytest.raises(ValueError, match="'market' is outside"):
        scorecard_total(criteria=RUBRIC, scores={"market": 0})
    with pytest.raises(ValueError, match="unknown criterion 'charisma'"):
        scorecard_total(criteria=RUBRIC, scores={"charisma": 3})
    with pytest.raises(TypeError):
        scorecard_total(criteria=RUBRIC, scores={"impact": True})


def test_missing_required_lists_codes_in_rubric_order():
    assert missing_required(criteria=RUBRIC, scores={"clarity": 3}) == ["impact", "market"]
    assert missing_required(criteria=RUBRIC, scores={"impact": 3, "market": None}) == ["market"]
    assert missing_required(criteria=RUBRIC, scores={"impact": 3, "market": 2}) == []


def test_normalised_scores_are_on_zero_to_one():
    assert normalised_scores(criteria=RUBRIC, scores={"impact": 8, "market": 2}) == {
        "impact": F(4, 5),
        "market": F(1, 4),
    }


def test_bad_criteria_are_refused():
    with pytest.raises(ValueError, match="weight must be positive"):
        CriterionSpec(code="x", weight=0)
    with pytest.raises(ValueError, match="max .* must be greater than min"):
        CriterionSpec(code="x", min=5, max=5)
    with pytest.raises(ValueError, match="listed twice"):
        Rubric([CriterionSpec(code="x"), CriterionSpec(code="x")])


def test_make_scorecard_carries_total_and_criterion_scores():
    card = make_scorecard(application="INN-1", juror="sam", criteria=Rubric(RUBRIC), scores={"impact": 5})
    assert card == Scorecard(
        application="INN-1", juror="sam", total=F(50), criterion_scores={"impact": F(1, 2)}
    )
    with pytest.raises(ValueError, match="answers no criterion"):
        make_scorecard(application="INN-1", juror="sam", criteria=RUBRIC, scores={})


def test_output_rounding_is_half_up_at_four_decimals():
    assert round_half_up(F(12345, 100000)) == Decimal("0.1235")  # an exact half goes up
    assert round_half_up(0.12345) == Decimal("0.1235")  # a float as it prints, not as stored (0.123449999...)
    assert round_half_up(F(-12345, 100000)) == Decimal("-0.1235")  # half away from zero
    assert round_half_up(F(1, 3)) == Decimal("0.3333")
    assert round_half_up(F(147, 2)) == Decimal("73.5000")
    assert round_half_up(F(760, 9), places=2) == Decimal("84.44")
    assert round_half_up(None) is None


# --- the 5 × 4 worked example: standardisation changes the top 2 ----------------------------

# Jurors × applications, "." is a recusal (no scorecard):
#
#          A    B    C    D    E     juror mean   juror sd (ddof 1)
#   L     95   75    .   75   75        80           10   lenient, one favourite
#   H      .    .   50   40   30        40           10   harsh
#   M1    65   65   85   65    .        70           10
#   M2    75   80   70    .    .        75            5
#
# sd check: L deviations 15, −5, −5, −5 → (225 + 25 + 25 + 25) / 3 = 100; H: (100 + 0 + 100) / 2 = 100;
# M1 like L; M2 deviations 0, 5, −5 → 50 / 2 = 25.
# z = (total − juror mean) / juror sd:
#          A     B     C     D     E
#   L     1.5  −0.5    .   −0.5  −0.5
#   H      .     .    1.0   0.0  −1.0
#   M1   −0.5  −0.5   1.5  −0.5    .
#   M2    0.0   1.0  −1.0    .     .
# mean:  A 235/3 = 78.33, B 220/3 = 73.33, C 205/3 = 68.33, D 180/3 = 60, E 105/2 = 52.5 → top 2: A, B
# zscore: A 1/3, B 0, C 1.5/3 = 0.5, D −1/3, E −0.75                                   → top 2: C, A
# C was scored by the harsh juror (its 50 is H's best); B leaned on the lenient juror.
FIVE_BY_FOUR = {
    "L": {"A": 95, "B": 75, "D": 75, "E": 75},
    "H": {"C": 50, "D": 40, "E": 30},
    "M1": {"A": 65, "B": 65, "C": 85, "D": 65},
    "M2": {"A": 75, "B": 80, "C": 70},
}


def test_mean_on_the_five_by_four_example():
    result = round_results(method="mean", scorecards=cards(FIVE_BY_FOUR))
    assert table(result) == [
        ("A", F(235, 3), 1, False),
        ("B", F(220, 3), 2, False),
        ("C", F(205, 3), 3, False),
        ("D", F(60), 4, False),
        ("E", F(105, 2), 5, False),
    ]


def test_zscore_changes_the_top_two_on_the_five_by_four_example():
    result = round_results(method="zscore", scorecards=cards(FIVE_BY_FOUR))
    assert table(result) == [
        ("C", 0.5, 1, False),
        ("A", round(1 / 3, 9), 2, False),
        ("B", 0.0, 3, False),
        ("D", round(-1 / 3, 9), 4, False),
        ("E", -0.75, 5, False),
    ]
    mean_top = {
        row.application for row in round_results(method="mean", scorecards=cards(FIVE_BY_FOUR)).rows[:2]
    }
    assert mean_top == {"A", "B"}
    assert {row.application for row in result.rows[:2]} == {"C", "A"}


def test_every_row_shows_raw_mean_median_spread_and_count():
    result = round_results(method="zscore", scorecards=cards(FIVE_BY_FOUR))
    a, e = result.row("A"), result.row("E")
    assert (a.raw_mean, a.median, a.count) == (F(235, 3), F(75), 3)
    # A: 95, 65, 75 → mean 235/3, deviations 50/3, −40/3, −10/3 → (2500 + 1600 + 100)/9 / 2 = 700/3
    assert a.stdev == pytest.approx(math.sqrt(700 / 3), rel=1e-15)
    assert (e.raw_mean, e.median, e.count) == (F(105, 2), F(105, 2), 2)
    assert e.stdev == pytest.approx(math.sqrt(1012.5), rel=1e-15)  # 75, 30: (45²/2) = 1012.5


def test_leave_one_out_juror_offsets_on_the_five_by_four_example():
    result = round_results(method="mean", scorecards=cards(FIVE_BY_FOUR))
    assert result.offsets_basis == "leave-one-out"
    # L: A 95 − (65+75)/2 = 25, B 75 − (65+80)/2 = 2.5, D 75 − (40+65)/2 = 22.5, E 75 − 30 = 45 → 95/4
    # H: C 50 − (85+70)/2 = −27.5, D 40 − (75+65)/2 = −30, E 30 − 75 = −45 → −102.5/3
    # M1: A 65 − 85 = −20, B 65 − 77.5 = −12.5, C 85 − 60 = 25, D 65 − 57.5 = 7.5 → 0
    # M2: A 75 − 80 = −5, B 80 − 70 = 10, C 70 − 67.5 = 2.5 → 2.5
    assert result.juror_offsets == pytest.approx({"L": 23.75, "H": -102.5 / 3, "M1": 0.0, "M2": 2.5})


def test_reliability_is_interval_alpha_over_the_totals():
    result = round_results(method="mean", scorecards=cards(FIVE_BY_FOUR))
    matrix = [[FIVE_BY_FOUR[j].get(a) for a in "ABCDE"] for j in FIVE_BY_FOUR]
    assert result.reliability.krippendorff_alpha == pytest.approx(krippendorff_alpha(matrix), abs=1e-12)
    assert result.reliability.krippendorff_alpha < 0  # these jurors agree less than chance would


def test_deviating_jurors_are_flagged_for_review():
    result = round_results(method="mean", scorecards=cards(FIVE_BY_FOUR))
    flags = {flag.juror: flag.reasons for flag in result.juror_flags}
    # L is 23.75 points above the others on average, H 34.17 below: beyond the default 20 points.
    # M1 orders the applications against the others (correlation −0.50).
    assert flags == {"L": ("deviation",), "H": ("deviation",), "M1": ("correlation",)}


# --- exact ties -----------------------------------------------------------------------------


def test_an_exact_tie_stays_a_tie_where_float_averaging_would_break_it():
    # Three equally weighted 0–10 criteria, so a total is 100 × (sum of scores) / 30 = 10k/3.
    criteria = Rubric([CriterionSpec(code=c, weight=1, min=0, max=10) for c in ("a", "b", "c")])
    x_scores = [(7, 7, 7), (9, 9, 8), (10, 10, 9)]  # totals 70, 260/3, 290/3: sum 760/3
    y_scores = [(8, 8, 8), (9, 8, 8), (9, 9, 9)]  # totals 80, 250/3, 90:     sum 760/3
    z_scores = [(7, 7, 7), (8, 8, 8), (9, 9, 9)]  # totals 70, 80, 90: mean 80, clearly behind
    scorecards = [
        make_scorecard(
            application=app, juror=f"j{i}", criteria=criteria, scores=dict(zip("abc", s, strict=True))
        )
        for app, rows in (("X", x_scores), ("Y", y_scores), ("Z", z_scores))
        for i, s in enumerate(rows)
    ]
    x_totals = [c.total for c in scorecards if c.application == "X"]
    y_totals = [c.total for c in scorecards if c.application == "Y"]
    assert sum(x_totals) == sum(y_totals) == F(760, 3)
    # The trap: naive float averaging puts X ahead of Y by one unit in the last place.
    assert sum(float(t) for t in x_totals) / 3 != sum(float(t) for t in y_totals) / 3

    result = round_results(method="mean", scorecards=scorecards)
    assert table(result) == [("X", F(760, 9), 1, True), ("Y", F(760, 9), 1, True), ("Z", F(80), 3, False)]

    # The declared chain then decides it exactly: median X 260/3 > Y 250/3.
    broken = round_results(method="mean", scorecards=scorecards, tie_break=["median"])
    assert table(broken) == [("X", F(760, 9), 1, False), ("Y", F(760, 9), 2, False), ("Z", F(80), 3, False)]


def test_zscore_ties_are_detected_after_rounding_to_nine_decimals():
    # Three jurors with mean 50 and sd exactly 10 (six scorecards each, deviations summing to 0 and
    # squares to 500) give X and Y the same total: z = 0.1 from J1, 0.2 from J2, 0.3 from J3.
    # X's scorecards come J1, J2, J3 and Y's J3, J2, J1: summed in that order the floats differ
    # ((0.1 + 0.2) + 0.3 = 0.6000000000000001, (0.3 + 0.2) + 0.1 = 0.6); the exact scores are equal.
    assert (0.1 + 0.2) + 0.3 != (0.3 + 0.2) + 0.1
    fillers = {
        "J1": {"F1": 31, "F2": 51, "F3": 56, "F4": 60},  # deviations 1, 1, −19, 1, 6, 10
        "J2": {"F1": 31, "F2": 49, "F3": 57, "F4": 59},  # deviations 2, 2, −19, −1, 7, 9
        "J3": {"F1": 30, "F2": 53, "F3": 53, "F4": 58},  # deviations 3, 3, −20, 3, 3, 8
    }
    x_and_y = {"J1": 51, "J2": 52, "J3": 53}
    scorecards = [Scorecard(application="X", juror=j, total=F(x_and_y[j])) for j in ("J1", "J2", "J3")]
    scorecards += [Scorecard(application="Y", juror=j, total=F(x_and_y[j])) for j in ("J3", "J2", "J1")]
    scorecards += [
        Scorecard(application=a, juror=j, total=F(t)) for j, row in fillers.items() for a, t in row.items()
    ]
    result = round_results(method="zscore", scorecards=scorecards)
    # F4: (1.0 + 0.9 + 0.8)/3 = 0.9; F3: (0.6 + 0.7 + 0.3)/3; X, Y: 0.2; F2: (0.1 − 0.1 + 0.3)/3; F1: −5.8/3
    assert table(result) == [
        ("F4", 0.9, 1, False),
        ("F3", round(1.6 / 3, 9), 2, False),
        ("X", 0.2, 3, True),
        ("Y", 0.2, 3, True),
        ("F2", 0.1, 5, False),
        ("F1", round(-5.8 / 3, 9), 6, False),
    ]


# --- median, trimmed -----------------------------------------------------------------------


def test_median_of_an_even_count_is_the_exact_midpoint():
    result = round_results(
        method="median",
        scorecards=cards({"j1": {"A": 60, "B": 70}, "j2": {"A": 65, "B": 50}, "j3": {"B": 90}}),
    )
    # A: 60, 65 → 62.5; B: 50, 70, 90 → 70
    assert table(result) == [("B", F(70), 1, False), ("A", F(125, 2), 2, False)]


def test_trimmed_drops_one_highest_and_one_lowest_from_three_or_more():
    matrix = {
        "j1": {"A": 10, "B": 70, "C": 40},
        "j2": {"A": 60, "B": 72, "C": 100},
        "j3": {"A": 70, "B": 74},
        "j4": {"A": 80},
        "j5": {"A": 100},
    }
    result = round_results(method="trimmed", scorecards=cards(matrix))
    # A: 10, 60, 70, 80, 100 → (60 + 70 + 80) / 3 = 70 (mean 64, the outliers removed)
    # B: 70, 72, 74 → 72 (the middle one)
    # C: 40, 100 → fewer than 3: the plain mean, 70
    assert table(result) == [("B", F(72), 1, False), ("A", F(70), 2, True), ("C", F(70), 2, True)]
    assert result.row("A").raw_mean == 64


# --- zscore special cases -----------------------------------------------------------------


def test_zscore_falls_back_to_the_round_sd_for_small_or_flat_jurors():
    matrix = {
        "P": {"X": 40, "Y": 50, "Z": 60},  # 3 scorecards, mean 50, sd 10: z −1, 0, 1
        "Q": {"X": 80, "Y": 60},  # 2 scorecards: centred (+10, −10) and divided by the round sd
        "R": {"X": 70, "Y": 70, "Z": 70},  # sd 0: centred (0, 0, 0), divided by the round sd
    }
    # Round totals 40, 50, 60, 80, 60, 70, 70, 70: mean 62.5, squared deviations
    # 506.25 + 156.25 + 6.25 + 306.25 + 6.25 + 56.25 × 3 = 1150 → variance 1150/7.
    round_sd = math.sqrt(1150 / 7)
    result = round_results(method="zscore", scorecards=cards(matrix))
    expected = {
        "X": (-1 + 10 / round_sd + 0) / 3,
        "Y": (0 - 10 / round_sd + 0) / 3,
        "Z": (1 + 0) / 2,
    }
    assert {row.application: row.score for row in result.rows} == {
        k: round(v, 9) for k, v in expected.items()
    }
    assert [row.application for row in result.rows] == ["Z", "X", "Y"]


# --- additive -------------------------------------------------------------------------------


def test_additive_on_a_small_connected_round_solved_by_hand():
    #        J1   J2   J3
    #   A    70   80   90
    #   B    60   75   75
    #   C    50   55    .      (J3 recused)
    # Least squares on total = θ(app) + β(juror) with β1 + β2 + β3 = 0:
    #   θ_a = mean over a's scorecards of (total − β): θA = (240 − Σβ)/3 = 80, θB = 210/3 = 70,
    #   θC = (105 − β1 − β2)/2 = (105 + β3)/2.
    #   Juror equations Σ_a (total − θ_a − β_j) = 0:
    #     J3: (90 − 80 − β3) + (75 − 70 − β3) = 0          → β3 = 7.5, so θC = 112.5/2 = 56.25
    #     J1: (70 − 80) + (60 − 70) + (50 − θC) = 3 β1     → β1 = (30 − 56.25)/3 = −8.75
    #     J2: (80 − 80) + (75 − 70) + (55 − θC) = 3 β2     → β2 = (60 − 56.25)/3 = 1.25
    #   Σβ = −8.75 + 1.25 + 7.5 = 0.
    matrix = {"J1": {"A": 70, "B": 60, "C": 50}, "J2": {"A": 80, "B": 75, "C": 55}, "J3": {"A": 90, "B": 75}}
    result = round_results(method="additive", scorecards=cards(matrix))
    assert table(result) == [("A", 80.0, 1, False), ("B", 70.0, 2, False), ("C", 56.25, 3, False)]
    assert result.offsets_basis == "additive"
    assert result.juror_offsets == {"J1": -8.75, "J2": 1.25, "J3": 7.5}
    assert result.row("C").raw_mean == F(105, 2)  # the raw mean still shows beside the fitted score


def test_additive_matches_a_dense_least_squares_solution():
    rng = np.random.default_rng(7)
    applications, jurors = 60, 12
    matrix: dict[str, dict[str, int]] = {f"j{j}": {} for j in range(jurors)}
    for a in range(applications):
        for j in rng.choice(jurors, size=3, replace=False):
            matrix[f"j{j}"][f"a{a:02d}"] = int(rng.integers(20, 95))
    scorecards = cards(matrix)
    result = round_results(method="additive", scorecards=scorecards)

    apps = sorted({c.application for c in scorecards})
    jurs = sorted({c.juror for c in scorecards})
    design = np.zeros((len(scorecards) + 1, len(apps) + len(jurs)))
    target = np.zeros(len(scorecards) + 1)
    for row, card in enumerate(scorecards):
        design[row, apps.index(card.application)] = 1
        design[row, len(apps) + jurs.index(card.juror)] = 1
        target[row] = float(card.total)
    design[-1, len(apps) :] = 1e3  # Σβ = 0, weighted so the constraint holds
    solution = np.linalg.lstsq(design, target, rcond=None)[0]
    assert {row.application: row.score for row in result.rows} == pytest.approx(
        dict(zip(apps, solution[: len(apps)], strict=True)), abs=1e-8
    )
    assert result.juror_offsets == pytest.approx(
        dict(zip(jurs, solution[len(apps) :], strict=True)), abs=1e-8
    )


def test_additive_refuses_a_disconnected_round_and_names_the_groups():
    matrix = {
        "J1": {"A": 70, "B": 60},
        "J2": {"A": 80, "B": 65},
        "J3": {"C": 90, "D": 40},  # J3 and J4 never meet J1 or J2 on an application
        "J4": {"C": 85},
        "J5": {"E": 50},
    }
    expected = [
        Component(applications=("A", "B"), jurors=("J1", "J2")),
        Component(applications=("C", "D"), jurors=("J3", "J4")),
        Component(applications=("E",), jurors=("J5",)),
    ]
    with pytest.raises(DisconnectedGraph) as caught:
        round_results(method="additive", scorecards=cards(matrix))
    assert list(caught.value.components) == expected
    assert "3 separate groups" in str(caught.value)
    assert "group 2: applications C, D / jurors J3, J4" in str(caught.value)
    assert connected_components(scorecards=cards(matrix)) == expected
    # The other methods do not need a connected round.
    mean = round_results(method="mean", scorecards=cards(matrix))
    assert [row.application for row in mean.rows] == ["C", "A", "B", "E", "D"]


# --- tie-break chains -----------------------------------------------------------------------


def test_tie_break_chain_applies_in_order_and_leaves_what_stays_tied():
    def card(app, juror, total, impact):
        return Scorecard(application=app, juror=juror, total=F(total), criterion_scores={"impact": F(impact)})

    scorecards = [
        # All five have a mean of 70.
        card("P", "J1", 70, F(9, 10)),
        card("P", "J2", 70, F(7, 10)),  # impact 0.8, median 70, count 2
        card("Q", "J1", 60, F(8, 10)),
        card("Q", "J2", 80, F(8, 10)),  # impact 0.8, median 70, count 2
        card("R", "J1", 70, F(5, 10)),
        card("R", "J2", 70, F(5, 10)),
        card("R", "J3", 70, F(5, 10)),  # impact 0.5: last after the first entry
        card("S", "J1", 50, F(8, 10)),
        card("S", "J2", 80, F(8, 10)),
        card("S", "J3", 80, F(8, 10)),  # impact 0.8, median 80: first after the second entry
        card("T", "J1", 70, F(8, 10)),  # impact 0.8, median 70, count 1: behind P and Q on count
    ]
    # First places (a juror's highest total, ties counting for all): J1 (70) → P, R, T; J2 (80) → Q, S;
    # J3 (80) → S. P and Q have one each, so they stay tied.
    result = round_results(
        method="mean",
        scorecards=scorecards,
        tie_break=["criterion:impact", "median", "count", "first-places"],
        criteria_codes=["impact"],
    )
    assert [(row.application, row.rank, row.tied) for row in result.rows] == [
        ("S", 1, False),
        ("P", 2, True),
        ("Q", 2, True),
        ("T", 4, False),
        ("R", 5, False),
    ]
    assert {row.score for row in result.rows} == {F(70)}


def test_first_places_count_for_every_application_sharing_a_jurors_top_total():
    matrix = {
        "J1": {"U": 80, "V": 80, "W": 60},  # U and V share J1's top
        "J2": {"U": 60, "V": 70, "W": 80},  # W
        "J3": {"U": 70, "V": 60, "W": 70},  # U and W share J3's top
    }
    # Means and medians are all 70, counts all 3. First places: U 2, V 1, W 2.
    result = round_results(
        method="mean", scorecards=cards(matrix), tie_break=["median", "count", "first-places"]
    )
    assert [(row.application, row.rank, row.tied) for row in result.rows] == [
        ("U", 1, True),
        ("W", 1, True),
        ("V", 3, False),
    ]


def test_a_criterion_nobody_answered_ranks_after_answered_ones():
    scorecards = [
        Scorecard(application="A", juror="J1", total=F(50)),
        Scorecard(application="B", juror="J1", total=F(50), criterion_scores={"impact": F(0)}),
    ]
    result = round_results(
        method="mean", scorecards=scorecards, tie_break=["criterion:impact"], criteria_codes=["impact"]
    )
    assert [(row.application, row.rank) for row in result.rows] == [("B", 1), ("A", 2)]


def test_invalid_tie_break_chain_is_refused():
    with pytest.raises(ValueError, match="this round has no criterion 'reach'"):
        round_results(method="mean", scorecards=[], tie_break=["criterion:reach"], criteria_codes=["impact"])
    with pytest.raises(ValueError, match="unknown tie-break entry 'coin-toss'"):
        round_results(method="mean", scorecards=[], tie_break=["coin-toss"])


# --- schulze ---------------------------------------------------------------------------------


def test_schulze_round_with_a_recusal_and_a_tie_on_a_ballot():
    matrix = {
        "J1": {"A": 90, "B": 80, "C": 70},
        "J2": {"A": 80, "B": 85, "C": 75},
        "J3": {"A": 70, "C": 70},  # recused on B; A and C tied on this ballot
    }
    # Pairwise: A>B 1 (J1), B>A 1 (J2): no majority. A>C 2, C>A 0. B>C 2, C>B 0.
    # Strongest paths: A→C 2, B→C 2, nothing else; A and B beat C, neither beats the other.
    result = round_results(method="schulze", scorecards=cards(matrix))
    assert table(result) == [("A", 1, 1, True), ("B", 1, 1, True), ("C", 0, 3, False)]
    assert result.schulze is not None
    assert result.schulze.pairwise.tolist() == [[0, 1, 2], [1, 0, 2], [0, 0, 0]]
    # With the mean beside it as the declared tie-break: B (82.5) before A (80).
    broken = round_results(method="schulze", scorecards=cards(matrix), tie_break=["mean"])
    assert table(broken) == [("B", 1, 1, False), ("A", 1, 2, False), ("C", 0, 3, False)]


# --- bad input and edge cases ------------------------------------------------------------------


def test_bad_round_input_is_refused():
    with pytest.raises(ValueError, match="unknown method 'average'"):
        round_results(method="average", scorecards=[])
    with pytest.raises(ValueError, match="has two scorecards for application 'A'"):
        round_results(method="mean", scorecards=cards({"J1": {"A": 50}}) * 2)
    with pytest.raises(ValueError, match="outside \\[0, 100\\]"):
        round_results(method="mean", scorecards=[Scorecard(application="A", juror="J1", total=F(101))])


def test_an_empty_round_has_no_rows_and_no_alpha():
    for method in ("mean", "additive", "schulze"):
        result = round_results(method=method, scorecards=[])
        assert result.rows == ()
        assert result.reliability.krippendorff_alpha is None


def test_a_single_scorecard_has_no_spread():
    result = round_results(method="zscore", scorecards=cards({"J1": {"A": 50}}))
    assert [(r.application, r.score, r.stdev, r.count, r.rank, r.tied) for r in result.rows] == [
        ("A", 0.0, None, 1, 1, False)
    ]
    assert result.juror_offsets == {"J1": None}


# --- many scorecards at once: identical to one by one -----------------------------------------


def _random_round(rng, *, applications, jurors, per_application, rubric, denominator, missing=0.1, wild=0.0):
    """Integer scores (× denominator) for a random round, some unanswered, a few out of range."""
    application_codes, juror_codes, values, answered = [], [], [], []
    for a in range(applications):
        for j in rng.sample(range(jurors), per_application):
            row, mask = [], []
            for spec in rubric:
                low, high = to_fraction(spec.min) * denominator, to_fraction(spec.max) * denominator
                lo, hi = math.ceil(low), math.floor(high)
                if rng.random() < wild:  # outside the scale now and then
                    lo, hi = lo - 3 * denominator, hi + 3 * denominator
                row.append(rng.randint(lo, hi))
                mask.append(rng.random() >= missing)
            application_codes.append(a)
            juror_codes.append(j)
            values.append(row)
            answered.append(mask)
    return application_codes, juror_codes, values, answered


def _one_by_one(rubric, application_labels, juror_labels, codes, values, answered, denominator):
    cards, rejected = [], []
    for i, (a, j) in enumerate(zip(*codes, strict=True)):
        scores = {
            spec.code: F(v, denominator) if on else None
            for spec, v, on in zip(rubric.criteria, values[i], answered[i], strict=True)
        }
        try:
            cards.append(
                make_scorecard(
                    application=application_labels[a], juror=juror_labels[j], criteria=rubric, scores=scores
                )
            )
        except ValueError:
            rejected.append(i)
    return cards, rejected


def _same_result(one, other):
    assert one.rows == other.rows
    assert [type(row.score) for row in one.rows] == [type(row.score) for row in other.rows]
    assert one.juror_offsets == other.juror_offsets
    assert list(one.juror_offsets) == list(other.juror_offsets)
    assert one.offsets_basis == other.offsets_basis
    assert one.reliability == other.reliability
    assert one.juror_flags == other.juror_flags
    if one.schulze is None:
        assert other.schulze is None
    else:
        assert one.schulze.wins == other.schulze.wins and one.schulze.order == other.schulze.order
        assert np.array_equal(one.schulze.strongest, other.schulze.strongest)


RUBRICS = {
    "integers": [
        CriterionSpec(code="impact", weight=35, min=0, max=10),
        CriterionSpec(code="innovation", weight=25, min=0, max=10),
        CriterionSpec(code="market", weight=20, min=1, max=5),
        CriterionSpec(code="team", weight=15, min=0, max=10),
        CriterionSpec(code="clarity", weight=5, min=0, max=10, required=False),
    ],
    "decimals": [
        CriterionSpec(code="a", weight=Decimal("0.3"), min=Decimal("-1.5"), max=Decimal("2.25")),
        CriterionSpec(code="b", weight=Decimal("1.7"), min=Decimal("0.1"), max=Decimal("0.7")),
        CriterionSpec(code="c", weight=7, min=3, max=9),
    ],
    # thirds, sevenths and huge weights: intermediates beyond int64, computed on Python integers
    "huge": [
        CriterionSpec(code="x", weight=F(10**15, 3), min=F(1, 7), max=F(10**12, 11)),
        CriterionSpec(code="y", weight=F(1, 10**9 + 7), min=0, max=F(1, 13)),
    ],
}


@pytest.mark.parametrize(
    ("rubric_name", "denominator", "seed"),
    [("integers", 1, 1), ("integers", 2, 2), ("decimals", 10_000, 3), ("decimals", 20, 4), ("huge", 91, 5)],
)
def test_scorecards_from_arrays_match_make_scorecard_and_give_identical_results(
    rubric_name, denominator, seed
):
    import random

    rng = random.Random(seed)
    rubric = Rubric(RUBRICS[rubric_name])
    # applications and jurors numbered out of order, with labels of their own
    application_labels = [f"APP-{n:03d}" for n in range(40)][::-1]
    juror_labels = [f"juror{n}@example.org" for n in range(9)][::-1]
    app_codes, juror_codes, values, answered = _random_round(
        rng,
        applications=40,
        jurors=9,
        per_application=3,
        rubric=rubric.criteria,
        denominator=denominator,
        missing=0.15,
        wild=0.02,
    )
    values[5] = [values[5][0]] * len(rubric.criteria)
    answered[7] = [False] * len(rubric.criteria)  # nothing answered: rejected
    batch = scoring.scorecards_from_arrays(
        criteria=rubric,
        application_codes=app_codes,
        application_labels=application_labels,
        juror_codes=juror_codes,
        juror_labels=juror_labels,
        values=np.asarray(values, dtype=object if rubric_name == "huge" else np.int64),
        answered=answered,
        denominator=denominator,
    )
    cards, rejected = _one_by_one(
        rubric, application_labels, juror_labels, (app_codes, juror_codes), values, answered, denominator
    )
    assert 7 in rejected and list(batch.rejected) == rejected
    assert len(batch) == len(cards) and list(batch) == cards
    assert [batch.total(i) for i in range(len(batch))] == [card.total for card in cards]
    assert sorted(set(range(len(values))) - set(rejected)) == batch.rows.tolist()
    codes = [spec.code for spec in rubric.criteria]
    chains = [
        [],
        [f"criterion:{codes[0]}", "median", "first-places"],
        ["mean", f"criterion:{codes[-1]}", "count"],
    ]
    for chain in chains:
        rankings = scoring.round_rankings(
            methods=scoring.METHODS, scorecards=batch, tie_break=chain, criteria_codes=codes
        )
        for method in scoring.METHODS:
            one = round_results(method=method, scorecards=cards, tie_break=chain, criteria_codes=codes)
            other = round_results(method=method, scorecards=batch, tie_break=chain, criteria_codes=codes)
            _same_result(one, other)
            ranked = rankings[method]
            assert list(zip(ranked.applications, ranked.ranks, ranked.tied, strict=True)) == [
                (row.application, row.rank, row.tied) for row in one.rows
            ]


def test_a_bulk_round_with_ties_breaks_them_like_the_scorecards_do():
    # coarse scores on two criteria: many equal totals, decided by the criterion tie-break
    import random

    rng = random.Random(11)
    rubric = Rubric(
        [CriterionSpec(code="c1", weight=1, min=0, max=2), CriterionSpec(code="c2", weight=1, min=0, max=2)]
    )
    labels = [f"A{n:02d}" for n in range(30)]
    jurors = [f"j{n}" for n in range(6)]
    app_codes, juror_codes, values, answered = _random_round(
        rng, applications=30, jurors=6, per_application=2, rubric=rubric.criteria, denominator=1, missing=0.2
    )
    batch = scoring.scorecards_from_arrays(
        criteria=rubric,
        application_codes=app_codes,
        application_labels=labels,
        juror_codes=juror_codes,
        juror_labels=jurors,
        values=values,
        answered=answered,
    )
    cards, _ = _one_by_one(rubric, labels, jurors, (app_codes, juror_codes), values, answered, 1)
    assert sum(row.tied for row in round_results(method="mean", scorecards=batch).rows) > 10
    for method in ("mean", "median", "trimmed", "zscore"):
        for chain in (["criterion:c2"], ["criterion:c1", "first-places"], ["count", "median"]):
            one = round_results(method=method, scorecards=cards, tie_break=chain, criteria_codes=["c1", "c2"])
            other = round_results(
                method=method, scorecards=batch, tie_break=chain, criteria_codes=["c1", "c2"]
            )
            _same_result(one, other)


def test_a_bulk_round_refuses_what_scorecards_refuse():
    rubric = Rubric([CriterionSpec(code="c1", weight=1, min=0, max=10)])

    def batch(app_codes, juror_codes, values):
        return scoring.scorecards_from_arrays(
            criteria=rubric,
            application_codes=app_codes,
            application_labels=["A", "B"],
            juror_codes=juror_codes,
            juror_labels=["j1", "j2"],
            values=values,
        )

    with pytest.raises(ValueError, match="juror 'j1' has two scorecards for application 'A'"):
        round_results(method="mean", scorecards=batch([0, 1, 0], [0, 0, 0], [[1], [2], [3]]))
    with pytest.raises(ValueError, match="share a label"):
        scoring.scorecards_from_arrays(
            criteria=rubric,
            application_codes=[0, 1],
            application_labels=["A", "A"],
            juror_codes=[0, 0],
            juror_labels=["j1"],
            values=[[1], [2]],
        )
    empty = batch([], [], np.zeros((0, 1), dtype=np.int64))
    assert len(empty) == 0 and round_results(method="mean", scorecards=empty).rows == ()
    # a disconnected round is refused by additive alike, with the same groups
    split = batch([0, 1], [0, 1], [[4], [6]])
    assert connected_components(scorecards=split) == connected_components(scorecards=list(split))
    with pytest.raises(DisconnectedGraph):
        round_results(method="additive", scorecards=split)


def test_round_rankings_give_each_method_its_ranks_or_its_refusal():
    matrix = {"J1": {"A": 60, "B": 70}, "J2": {"A": 65, "B": 75}, "J3": {"C": 80, "D": 40}, "J4": {"C": 85}}
    split = cards(matrix)
    rankings = scoring.round_rankings(methods=["mean", "additive", "nope", "schulze"], scorecards=split)
    assert list(rankings) == ["mean", "additive", "nope", "schulze"]
    assert isinstance(rankings["additive"], DisconnectedGraph)
    assert str(rankings["additive"]) == str(
        pytest.raises(DisconnectedGraph, round_results, method="additive", scorecards=split).value
    )
    assert "unknown method 'nope'" in str(rankings["nope"])
    for method in ("mean", "schulze"):
        rows = round_results(method=method, scorecards=split).rows
        assert rankings[method].applications == tuple(row.application for row in rows)
        assert rankings[method].ranks == tuple(row.rank for row in rows)
    bad_chain = scoring.round_rankings(methods=["mean"], scorecards=split, tie_break=["criterion:x"])
    assert isinstance(bad_chain["mean"], ValueError)
    twice = split + [Scorecard(application="A", juror="J1", total=F(1))]
    assert "two scorecards" in str(scoring.round_rankings(methods=["median"], scorecards=twice)["median"])
    assert scoring.round_rankings(methods=["zscore"], scorecards=[])["zscore"].ranks == ()


def test_the_bulk_totals_come_from_the_one_exact_total_once_per_distinct_row(monkeypatch):
    """One exact total, one code: a change to :meth:`Rubric.total_from_normalised` reaches the bulk path
    too (the bulk path had its own integer formula); rows sharing their scores share one computation."""
    rubric = Rubric(
        [
            CriterionSpec(code="a", weight=2, min=0, max=5),
            CriterionSpec(code="b", weight=F(3, 2), min=1, max=10),
            CriterionSpec(code="c", weight=1, min=0, max=10, required=False),
        ]
    )
    values = [[5, 20, 15], [3, 15, 0], [5, 20, 15], [3, 15, 0], [4, 1, 20], [3, 15, 7], [7, 15, 0]]
    answered = [[True, True, True], [True, True, False], [True, True, True], [True, True, False]] + [
        [True, True, True]
    ] * 3
    calls: list[dict[str, F]] = []
    exact = Rubric.total_from_normalised

    def counted(self, normalised):
        calls.append(dict(normalised))
        return exact(self, normalised)

    monkeypatch.setattr(Rubric, "total_from_normalised", counted)
    batch = scoring.scorecards_from_arrays(
        criteria=rubric,
        application_codes=[0, 1, 2, 3, 4, 5, 6],
        application_labels=[f"APP-{n}" for n in range(7)],
        juror_codes=[0] * 7,
        juror_labels=["juror@example.org"],
        values=np.asarray(values),
        answered=answered,
        denominator=2,  # 7,5 is 15/2
    )
    # 4 distinct rows that count: the two repeated rows are computed once each; [4, 1, 20] is refused
    # (b = 1/2 is below its scale) before any total
    assert len(calls) == 4 and batch.rejected == (4,)
    one_by_one = [
        scoring.make_scorecard(
            application=f"APP-{i}",
            juror="juror@example.org",
            criteria=rubric,
            scores={code: F(v, 2) for code, v, on in zip("abc", row, answered[i], strict=True) if on},
        ).total
        for i, row in enumerate(values)
        if i != 4
    ]
    assert [batch.total(i) for i in range(len(batch))] == one_by_one
