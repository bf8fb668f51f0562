"""Krippendorff's alpha, leniency offsets and juror flags."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from judging.results.engine.reliability import (
    JurorAgreement,
    juror_flags,
    krippendorff_alpha,
    krippendorff_alpha_long,
    leniency_offsets,
)

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers × 12
# units with missing data ("." → None). Unit 12 has a single value and is not pairable.
# Published: nominal alpha 0.743, interval alpha 0.849.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]


def test_published_krippendorff_example_interval():
    assert round(krippendorff_alpha(KRIPPENDORFF_2011), 3) == 0.849


def test_published_krippendorff_example_nominal():
    assert round(krippendorff_alpha(KRIPPENDORFF_2011, level="nominal"), 3) == 0.743


def test_long_format_gives_the_same_alpha_and_nan_is_missing():
    units, values = [], []
    for row in KRIPPENDORFF_2011:
        for unit, value in enumerate(row):
            units.append(f"u{unit}")
            values.append(value)
    assert krippendorff_alpha_long(units=units, values=values) == pytest.approx(
        krippendorff_alpha(KRIPPENDORFF_2011)
    )
    with_nan = np.array([[np.nan if v is None else v for v in row] for row in KRIPPENDORFF_2011])
    assert krippendorff_alpha(with_nan) == krippendorff_alpha(KRIPPENDORFF_2011)


def _reference_alpha(matrix: list[list[float | None]], level: str) -> float | None:
    """Krippendorff's coincidence-matrix definition, pair by pair (slow, obviously right)."""
    units = [[row[u] for row in matrix if row[u] is not None] for u in range(len(matrix[0]))]
    units = [vals for vals in units if len(vals) >= 2]
    pairable = [v for vals in units for v in vals]
    n = len(pairable)
    if n < 2:
        return None

    def delta(a, b):
        return (a - b) ** 2 if level == "interval" else float(a != b)

    observed = (
        sum(sum(delta(a, b) for a, b in itertools.permutations(vals, 2)) / (len(vals) - 1) for vals in units)
        / n
    )
    expected = sum(delta(a, b) for a, b in itertools.permutations(pairable, 2)) / (n * (n - 1))
    return None if expected == 0 else 1 - observed / expected


@pytest.mark.parametrize("level", ["interval", "nominal"])
@pytest.mark.parametrize("seed", range(5))
def test_fast_alpha_agrees_with_the_pairwise_definition(level, seed):
    rng = np.random.default_rng(seed)
    matrix = [[None if rng.random() < 0.35 else int(rng.integers(0, 6)) for _ in range(15)] for _ in range(5)]
    expected = _reference_alpha(matrix, level)
    assert krippendorff_alpha(matrix, level=level) == pytest.approx(expected, abs=1e-12)


def test_alpha_is_undefined_without_pairable_values_or_variation():
    assert krippendorff_alpha([]) is None
    assert krippendorff_alpha([[1, None], [None, 2]]) is None  # no unit scored twice
    assert krippendorff_alpha([[3, 3, 3], [3, 3, None]]) is None  # no variation at all
    assert krippendorff_alpha([[1, 2, 3], [1, 2, 3]]) == 1.0  # perfect agreement


def test_alpha_refuses_ragged_matrices_and_unknown_levels():
    with pytest.raises(ValueError, match="one cell per unit"):
        krippendorff_alpha([[1, 2], [1]])
    with pytest.raises(ValueError, match="unknown level"):
        krippendorff_alpha([[1, 2], [1, 2]], level="ordinal")


# --- leniency and flags --------------------------------------------------------------------------

#            A    B    C    D
#   kind    60   70   80    .
#   fair    50   60   70   40
#   harsh   40   50   60   30
#   solo     .    .    .    .   (never shares an application: not in the data)
SCORES = [
    ("kind", "A", 60), ("kind", "B", 70), ("kind", "C", 80),
    ("fair", "A", 50), ("fair", "B", 60), ("fair", "C", 70), ("fair", "D", 40),
    ("harsh", "A", 40), ("harsh", "B", 50), ("harsh", "C", 60), ("harsh", "D", 30),
    ("alone", "E", 90),
]  # fmt: skip


def _columns(rows):
    jurors, units, values = zip(*rows, strict=True)
    return {"jurors": list(jurors), "units": list(units), "values": list(values)}


def test_leniency_offsets_are_leave_one_out():
    offsets = leniency_offsets(**_columns(SCORES))
    # kind: each score is 15 above the mean of the other two (e.g. A: 60 − (50 + 40)/2) → +15
    # fair: A 50 − 50, B 60 − 60, C 70 − 70, D 40 − 30 = +10 → 10/4 = 2.5
    # harsh: A 40 − 55, B 50 − 65, C 60 − 75, D 30 − 40 → (−15 × 3 − 10)/4 = −13.75
    # alone: shares nothing → None
    assert offsets == {"kind": 15.0, "fair": 2.5, "harsh": -13.75, "alone": None}


def test_juror_flags_name_the_reason():
    rows = list(SCORES) + [
        # contrarian orders A–D against the others.
        ("contrarian", "A", 45), ("contrarian", "B", 40), ("contrarian", "C", 35), ("contrarian", "D", 50),
    ]  # fmt: skip
    # Against the mean of the others on each application:
    #   kind:       A 60 − (50+40+45)/3 = 15, B 70 − 50 = 20, C 80 − 55 = 25           → |mean| 20, r = +1
    #   fair:       A 50 − 145/3 = 5/3, B 60 − 160/3 = 20/3, C 70 − 175/3 = 35/3, D 40 − 40 = 0 → 5
    #   harsh:      A 40 − 155/3, B 50 − 170/3, C 60 − 185/3, D 30 − 45              → 8.75
    #   contrarian: A 45 − 50 = −5, B 40 − 60 = −20, C 35 − 70 = −35, D 50 − 35 = 15 → 18.75, r < 0
    flags = juror_flags(**_columns(rows), max_mean_abs_deviation=12.0)
    assert [(flag.juror, flag.reasons) for flag in flags] == [
        ("kind", ("deviation",)),
        ("contrarian", ("deviation", "correlation")),
    ]
    kind, contrarian = flags
    assert (kind.compared, kind.offset, kind.mean_abs_deviation) == (
        3,
        pytest.approx(20.0),
        pytest.approx(20.0),
    )
    assert kind.correlation == pytest.approx(1.0)
    assert contrarian.offset == pytest.approx(-11.25)
    assert contrarian.mean_abs_deviation == pytest.approx(18.75)
    # consensus 50, 60, 70, 35 against own 45, 40, 35, 50
    assert contrarian.correlation == pytest.approx(np.corrcoef([45, 40, 35, 50], [50, 60, 70, 35])[0, 1])
    # With the default threshold (20 points) only the ordering problem remains.
    assert [(f.juror, f.reasons) for f in juror_flags(**_columns(rows))] == [("contrarian", ("correlation",))]


def test_juror_flags_need_enough_evidence():
    rows = [("a", "X", 10), ("b", "X", 90), ("a", "Y", 90), ("b", "Y", 10)]  # only 2 comparisons each
    assert juror_flags(**_columns(rows)) == []
    flagged = juror_flags(**_columns(rows), min_compared=2)
    assert flagged == [
        JurorAgreement(
            juror="a",
            compared=2,
            offset=0.0,
            mean_abs_deviation=80.0,
            correlation=None,
            reasons=("deviation",),
        ),
        JurorAgreement(
            juror="b",
            compared=2,
            offset=0.0,
            mean_abs_deviation=80.0,
            correlation=None,
            reasons=("deviation",),
        ),
    ]
