"""Scorecard totals and a round's results: mean, median, trimmed, zscore, additive, schulze.

Pure functions over plain values (no Flask, no database). The contract is
``spec/edition-format.md``, section "Results"; ``docs/results-method.md``
explains every rule in plain words for organizers.

Exactness. A scorecard total is a :class:`~fractions.Fraction`. Inside
:func:`round_results` every total is rescaled to an integer over one common
denominator, so sums, medians and trimmed sums are exact integers and the
``mean``, ``median`` and ``trimmed`` methods never let a float decide a
rank or a tie. ``zscore`` and ``additive`` involve square roots and a
least-squares solve, so they are floats by nature: their scores are rounded
to :data:`FLOAT_DECIMALS` decimals and ties are detected on the rounded value.

One exact total. :meth:`Rubric.total_from_normalised` is the only place the scorecard total is
computed: :func:`scorecard_total`, :func:`make_scorecard` and the bulk path all go through it.

Many scorecards at once. :func:`scorecards_from_arrays` takes a round's raw scores as integer
arrays, computes each distinct row of scores once through that one exact total, and keeps the
totals as integers over one common denominator (numpy); :func:`round_results` gives identical results for that
:class:`ScorecardBatch` as for the scorecards made one by one, and :func:`round_rankings`
ranks several methods at once for comparisons.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Any

import numpy as np

from judging.results.engine import ranking, reliability

Number = int | Fraction | Decimal | float

METHODS = ("mean", "median", "trimmed", "zscore", "additive", "schulze")
#: Methods whose scores are exact fractions; the others are floats.
EXACT_METHODS = ("mean", "median", "trimmed")
#: zscore and additive scores (and additive juror offsets) are rounded to this many decimals;
#: ties are detected on the rounded value.
FLOAT_DECIMALS = 9


# --- numbers -------------------------------------------------------------------------------


def _ratio(value: Any) -> tuple[int, int]:
    """``value`` as an exact (numerator, denominator > 0) pair.

    Floats are read as the decimal they print as (``0.1`` is 1/10, not the
    nearest binary fraction), which is what a person typed in a spreadsheet
    or a JSON file. Booleans, NaN and infinities are refused.
    """
    if isinstance(value, bool) or value is None:
        raise TypeError(f"not a number: {value!r}")
    if isinstance(value, int):
        return value, 1
    if isinstance(value, Fraction):
        return value.numerator, value.denominator
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"not a finite number: {value!r}")
        return value.as_integer_ratio()
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"not a finite number: {value!r}")
        return Fraction(repr(value)).as_integer_ratio()
    if isinstance(value, numbers.Integral):
        return int(value), 1
    if isinstance(value, numbers.Rational):
        return int(value.numerator), int(value.denominator)
    raise TypeError(f"not a number: {value!r}")


def to_fraction(value: Number) -> Fraction:
    """An exact Fraction for an int, Fraction, Decimal or float (floats as printed: 0.1 → 1/10)."""
    numerator, denominator = _ratio(value)
    return Fraction(numerator, denominator)


def round_half_up(value: Number | None, *, places: int = 4) -> Decimal | None:
    """The spec's output rounding: half away from zero at ``places`` decimals, applied to output only.

    Fractions are rounded exactly (73.45005 stays above the half), floats as
    they print (``0.12345`` → ``0.1235``), so the results page, the CLI and
    the exports show the same digits.
    """
    if value is None:
        return None
    numerator, denominator = _ratio(value)
    shifted = abs(numerator) * 10**places
    units = (2 * shifted + denominator) // (2 * denominator)  # floor(x + 1/2) for x ≥ 0
    return Decimal(-units if numerator < 0 else units).scaleb(-places)


# --- criteria and scorecard totals ------------------------------------------------------------


@dataclass(frozen=True)
class CriterionSpec:
    """One criterion of a round's rubric: scores lie in [min, max], weighted by ``weight`` > 0."""

    code: str
    weight: Number = 1
    min: Number = 0
    max: Number = 10
    required: bool = True

    def __post_init__(self) -> None:
        if to_fraction(self.weight) <= 0:
            raise ValueError(f"criterion {self.code!r}: the weight must be positive, not {self.weight}")
        if to_fraction(self.max) <= to_fraction(self.min):
            raise ValueError(
                f"criterion {self.code!r}: max ({self.max}) must be greater than min ({self.min})"
            )


@dataclass(frozen=True, slots=True)
class _PreparedCriterion:
    spec: CriterionSpec
    min_n: int
    min_d: int
    max_n: int
    max_d: int
    range_n: int
    range_d: int
    weight_n: int
    weight_d: int


class Rubric:
    """A round's criteria, prepared once to compute many scorecards quickly and exactly."""

    __slots__ = ("criteria", "_by_code")

    def __init__(self, criteria: Iterable[CriterionSpec]) -> None:
        self.criteria: tuple[CriterionSpec, ...] = tuple(criteria)
        self._by_code: dict[str, _PreparedCriterion] = {}
        for spec in self.criteria:
            if spec.code in self._by_code:
                raise ValueError(f"criterion {spec.code!r} is listed twice")
            low, high = to_fraction(spec.min), to_fraction(spec.max)
            span, weight = high - low, to_fraction(spec.weight)
            self._by_code[spec.code] = _PreparedCriterion(
                spec,
                low.numerator,
                low.denominator,
                high.numerator,
                high.denominator,
                span.numerator,
                span.denominator,
                weight.numerator,
                weight.denominator,
            )

    def normalised(self, scores: Mapping[str, Number | None]) -> dict[str, Fraction]:
        """Each answered criterion's score on 0..1: (x − min) / (max − min). ``None`` is unanswered.

        Raises ``ValueError`` for an unknown criterion or a score outside [min, max].
        """
        result: dict[str, Fraction] = {}
        for code, value in scores.items():
            if value is None:
                continue
            c = self._by_code.get(code)
            if c is None:
                raise ValueError(f"score for unknown criterion {code!r}")
            n, d = _ratio(value)
            # min ≤ n/d ≤ max, with every denominator positive.
            if n * c.min_d < c.min_n * d or n * c.max_d > c.max_n * d:
                raise ValueError(
                    f"score {value} for criterion {code!r} is outside [{c.spec.min}, {c.spec.max}]"
                )
            # (n/d − min_n/min_d) / (range_n/range_d)
            result[code] = Fraction((n * c.min_d - c.min_n * d) * c.range_d, d * c.min_d * c.range_n)
        return result

    def total_from_normalised(self, normalised: Mapping[str, Fraction]) -> Fraction | None:
        """100 × Σ w·v / Σ w over the answered criteria; ``None`` when nothing is answered."""
        if not normalised:
            return None
        num, den = 0, 1  # Σ w·v as num/den, accumulated in integers
        weight_num, weight_den = 0, 1  # Σ w
        for code, value in normalised.items():
            c = self._by_code[code]
            a, b = c.weight_n * value.numerator, c.weight_d * value.denominator
            num, den = num * b + a * den, den * b
            weight_num, weight_den = (
                weight_num * c.weight_d + c.weight_n * weight_den,
                weight_den * c.weight_d,
            )
        return Fraction(100 * num * weight_den, den * weight_num)

    def total(self, scores: Mapping[str, Number | None]) -> Fraction | None:
        """The scorecard total on 0–100 over the answered criteria (``None`` when nothing is answered)."""
        return self.total_from_normalised(self.normalised(scores))

    def missing_required(self, scores: Mapping[str, Number | None]) -> list[str]:
        """Codes of required criteria left unanswered, in rubric order."""
        return [spec.code for spec in self.criteria if spec.required and scores.get(spec.code) is None]


@lru_cache(maxsize=128)
def _cached_rubric(criteria: tuple[CriterionSpec, ...]) -> Rubric:
    return Rubric(criteria)


def _rubric(criteria: Rubric | Iterable[CriterionSpec]) -> Rubric:
    return criteria if isinstance(criteria, Rubric) else _cached_rubric(tuple(criteria))


def scorecard_total(
    *, criteria: Rubric | Iterable[CriterionSpec], scores: Mapping[str, Number | None]
) -> Fraction | None:
    """100 × Σ w·(x − min)/(max − min) / Σ w over the answered criteria, exactly.

    A 1-to-5 criterion scored 1 counts 0 %, scored 5 counts 100 %. Unanswered
    criteria (absent or ``None``) are left out of both sums, so they are
    neither a zero nor a penalty; ``None`` when nothing is answered. Whether
    required criteria are answered is the caller's check: :func:`missing_required`.
    Raises ``ValueError`` for a score outside [min, max] or an unknown criterion.
    """
    return _rubric(criteria).total(scores)


def normalised_scores(
    *, criteria: Rubric | Iterable[CriterionSpec], scores: Mapping[str, Number | None]
) -> dict[str, Fraction]:
    """Each answered criterion's score on 0..1, as used by ``criterion:CODE`` tie-breaks."""
    return _rubric(criteria).normalised(scores)


def missing_required(
    *, criteria: Rubric | Iterable[CriterionSpec], scores: Mapping[str, Number | None]
) -> list[str]:
    """Codes of the required criteria that ``scores`` leaves unanswered (rubric order)."""
    return _rubric(criteria).missing_required(scores)


# --- round inputs and outputs ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scorecard:
    """One submitted scorecard: its total on 0–100 and its criterion scores on 0..1 (answered only)."""

    application: Hashable
    juror: Hashable
    total: Fraction
    criterion_scores: Mapping[str, Fraction] = field(default_factory=dict)


def make_scorecard(
    *,
    application: Hashable,
    juror: Hashable,
    criteria: Rubric | Iterable[CriterionSpec],
    scores: Mapping[str, Number | None],
) -> Scorecard:
    """A :class:`Scorecard` from raw criterion scores (validated; at least one must be answered)."""
    rubric = _rubric(criteria)
    normalised = rubric.normalised(scores)
    total = rubric.total_from_normalised(normalised)
    if total is None:
        raise ValueError(f"the scorecard of {juror!r} for {application!r} answers no criterion")
    return Scorecard(application=application, juror=juror, total=total, criterion_scores=normalised)


# --- many scorecards at once ------------------------------------------------------------------

#: Integer arithmetic stays in numpy's int64 while every intermediate is below this bound;
#: above it the same computation runs on Python integers (exact, slower).
_INT64_BOUND = 2**62


@dataclass(frozen=True, eq=False)
class ScorecardBatch:
    """Many scorecards as arrays, with exact totals computed without one Fraction per scorecard.

    Made by :func:`scorecards_from_arrays`. :func:`round_results` and
    :func:`connected_components` accept a batch wherever they accept scorecards and give
    identical results. A batch is also a sequence of :class:`Scorecard` (built on demand,
    equal to what :func:`make_scorecard` returns), so code written for lists keeps working.

    Scorecard ``i`` is for ``applications[app_codes[i]]`` by ``jurors[juror_codes[i]]``
    (codes numbered in order of first appearance); its total is ``scaled[i] / scale``
    exactly; its normalised score on criterion ``codes[c]`` is
    ``numerators[i, c] / denominators[c]`` where ``answered[i, c]``. ``rows[i]`` is the
    input row it came from; ``rejected`` lists the input rows left out because
    :func:`make_scorecard` would refuse them (a score outside its scale, nothing answered).
    """

    applications: tuple[Hashable, ...]
    jurors: tuple[Hashable, ...]
    app_codes: np.ndarray
    juror_codes: np.ndarray
    scaled: np.ndarray  # int64, or Python ints (dtype object) when they would not fit
    scale: int
    codes: tuple[str, ...]
    numerators: np.ndarray  # (scorecards, criteria); 0 where unanswered
    denominators: tuple[int, ...]
    answered: np.ndarray  # (scorecards, criteria), bool
    rows: np.ndarray
    rejected: tuple[int, ...] = ()

    def __len__(self) -> int:
        return len(self.app_codes)

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __getitem__(self, i: int) -> Scorecard:
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return Scorecard(
            application=self.applications[self.app_codes[i]],
            juror=self.jurors[self.juror_codes[i]],
            total=self.total(i),
            criterion_scores=self.criterion_scores(i),
        )

    def total(self, i: int) -> Fraction:
        """The exact total of scorecard ``i`` on 0–100."""
        return Fraction(int(self.scaled[i]), self.scale)

    def criterion_scores(self, i: int) -> dict[str, Fraction]:
        """Scorecard ``i``'s answered criteria, each on 0..1, exactly."""
        return {
            code: Fraction(int(self.numerators[i, c]), self.denominators[c])
            for c, code in enumerate(self.codes)
            if self.answered[i, c]
        }

    def scaled_list(self) -> list[int]:
        """The totals × ``scale`` as Python integers."""
        return [int(v) for v in self.scaled.tolist()]


def _first_appearance(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Renumber ``codes`` 0, 1, 2… in order of first appearance; also the original code of each."""
    if len(codes) == 0:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.int64)
    unique, first, inverse = np.unique(codes, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    renumber = np.empty(len(unique), dtype=np.intp)
    renumber[order] = np.arange(len(unique), dtype=np.intp)
    return renumber[inverse.reshape(-1)], unique[order]


def _fits_int64(*values: int) -> bool:
    return all(abs(v) < _INT64_BOUND for v in values)


def _as_ints(values: Sequence[int], *, fits: bool) -> np.ndarray:
    """Python integers as int64 when ``fits``, else as an array of Python integers (exact either way)."""
    return np.asarray(values, dtype=np.int64) if fits else np.array(values, dtype=object)


def _checked_arrays(
    app_in: np.ndarray, juror_in: np.ndarray, values: Any, answered: Any, k: int, denominator: Any
) -> tuple[np.ndarray, np.ndarray, int]:
    """The raw scores and the answered mask of :func:`scorecards_from_arrays`, shapes and types checked."""
    if isinstance(denominator, bool) or not isinstance(denominator, numbers.Integral) or denominator <= 0:
        raise ValueError(f"the denominator must be a positive integer, not {denominator!r}")
    n = len(app_in)
    raw = np.asarray(values)
    if raw.size == 0:
        raw = np.zeros((n, k), dtype=np.int64)
    if raw.shape != (n, k) or len(juror_in) != n:
        raise ValueError(
            f"expected {n} rows of {k} scores and {n} jurors, got {raw.shape} and {len(juror_in)}"
        )
    if raw.dtype.kind not in "iuO":
        raise TypeError("values must be integers (scores × denominator)")
    mask = np.ones((n, k), dtype=bool) if answered is None else np.asarray(answered, dtype=bool)
    if mask.shape != (n, k):
        raise ValueError(f"answered must have the shape of values, {(n, k)}, not {mask.shape}")
    if n and (app_in.dtype.kind not in "iu" or juror_in.dtype.kind not in "iu"):
        raise TypeError("application and juror codes must be integers")
    return raw, mask, int(denominator)


def _distinct_rows(raw: np.ndarray, mask: np.ndarray) -> tuple[list[tuple[int | None, ...]], np.ndarray]:
    """The distinct score rows (``None`` where unanswered) and, for each input row, its distinct row."""
    n, k = mask.shape
    if raw.dtype.kind in "iu" and n:
        keyed = np.concatenate([np.where(mask, raw, 0).astype(np.int64), mask.astype(np.int64)], axis=1)
        unique, inverse = np.unique(keyed, axis=0, return_inverse=True)
        rows = [
            tuple(v if on else None for v, on in zip(row[:k], row[k:], strict=True))
            for row in unique.tolist()
        ]
        return rows, np.asarray(inverse).reshape(-1)
    index: dict[tuple[int | None, ...], int] = {}
    inverse = np.empty(n, dtype=np.intp)
    for i, (row, on) in enumerate(zip(raw.tolist(), mask.tolist(), strict=True)):
        key = tuple(int(v) if a else None for v, a in zip(row, on, strict=True))
        inverse[i] = index.setdefault(key, len(index))
    return list(index), inverse


def _exact_cards(
    rubric: Rubric, rows: Sequence[tuple[int | None, ...]], denominator: int
) -> list[tuple[dict[str, Fraction], Fraction] | None]:
    """(normalised scores, total) of each distinct row, by :meth:`Rubric.normalised` and
    :meth:`Rubric.total_from_normalised`, the code :func:`make_scorecard` runs; ``None`` where it
    would refuse the scorecard (a score outside its scale, nothing answered).

    A criterion's normalised score depends on its own value only, so each distinct value of each
    criterion is normalised once."""
    codes = [spec.code for spec in rubric.criteria]
    normalised: dict[tuple[int, int], Fraction | None] = {}
    out: list[tuple[dict[str, Fraction], Fraction] | None] = []
    for row in rows:
        scores: dict[str, Fraction] = {}
        refused = False
        for c, value in enumerate(row):
            if value is None:
                continue
            key = (c, value)
            if key not in normalised:
                try:
                    normalised[key] = rubric.normalised({codes[c]: Fraction(value, denominator)})[codes[c]]
                except ValueError:
                    normalised[key] = None
            share = normalised[key]
            if share is None:
                refused = True
                break
            scores[codes[c]] = share
        total = None if refused else rubric.total_from_normalised(scores)
        out.append(None if total is None else (scores, total))
    return out


def _card_arrays(
    codes: Sequence[str], cards: Sequence[tuple[dict[str, Fraction], Fraction] | None]
) -> tuple[np.ndarray, int, np.ndarray, tuple[int, ...]]:
    """For the distinct rows: totals × scale, the scale, normalised numerators and their per-criterion
    denominators, each over the smallest common denominator (int64 when everything fits)."""
    kept = [card for card in cards if card is not None]
    scale = math.lcm(*(total.denominator for _, total in kept)) if kept else 1
    denominators = tuple(
        math.lcm(*(scores[code].denominator for scores, _ in kept if code in scores)) if kept else 1
        for code in codes
    )

    def over(value: Fraction, common: int) -> int:
        return value.numerator * (common // value.denominator)

    empty: tuple[dict[str, Fraction], Fraction] = ({}, Fraction(0))
    scaled = [over(total, scale) for _, total in (card or empty for card in cards)]
    numerators = [
        [over(scores[code], d) if code in scores else 0 for code, d in zip(codes, denominators, strict=True)]
        for scores, _ in (card or empty for card in cards)
    ]
    fits = _fits_int64(100 * scale, *denominators)
    numerator_array = (
        np.asarray(numerators, dtype=np.int64) if fits else np.array(numerators, dtype=object)
    ).reshape(len(cards), len(codes))
    return _as_ints(scaled, fits=fits), scale, numerator_array, denominators


def scorecards_from_arrays(
    *,
    criteria: Rubric | Iterable[CriterionSpec],
    application_codes: Sequence[int] | np.ndarray,
    application_labels: Sequence[Hashable],
    juror_codes: Sequence[int] | np.ndarray,
    juror_labels: Sequence[Hashable],
    values: Sequence[Sequence[int]] | np.ndarray,
    answered: Sequence[Sequence[bool]] | np.ndarray | None = None,
    denominator: int = 1,
) -> ScorecardBatch:
    """Many scorecards at once, exactly as :func:`make_scorecard` would make them one by one.

    Row ``i`` is the scorecard of ``juror_labels[juror_codes[i]]`` for
    ``application_labels[application_codes[i]]``; ``values`` has one column per criterion of
    the rubric, in the rubric's order, holding integers: the score on criterion ``c`` is
    ``values[i][c] / denominator`` where ``answered[i][c]`` (every cell by default). Two codes
    must not share a label. Rows that :func:`make_scorecard` would refuse (a score outside its
    criterion's scale, no criterion answered) are left out and listed in ``rejected``.

    One exact total, one code: each distinct row of scores goes once through
    :meth:`Rubric.normalised` and :meth:`Rubric.total_from_normalised` (what
    :func:`make_scorecard` runs), and the rows that share it share its numbers; a round has far
    fewer distinct rows than scorecards (10,234 for 75,000 in ``tests/bench/bench_results.py``).
    """
    rubric = _rubric(criteria)
    codes = tuple(spec.code for spec in rubric.criteria)
    app_in = np.asarray(application_codes).reshape(-1)
    juror_in = np.asarray(juror_codes).reshape(-1)
    raw, mask, denominator = _checked_arrays(app_in, juror_in, values, answered, len(codes), denominator)
    distinct, row_of = _distinct_rows(raw, mask)
    cards = _exact_cards(rubric, distinct, denominator)
    usable = np.array([card is not None for card in cards], dtype=bool)
    keep = usable[row_of] if len(row_of) else np.zeros(0, dtype=bool)
    rows = np.flatnonzero(keep)
    rejected = tuple(int(i) for i in np.flatnonzero(~keep))
    scaled, scale, numerators, denominators = _card_arrays(codes, cards)
    kept_rows = row_of[rows]

    app_kept, app_original = _first_appearance(app_in[rows])
    juror_kept, juror_original = _first_appearance(juror_in[rows])
    app_labels = tuple(application_labels[int(a)] for a in app_original.tolist())
    juror_labels_kept = tuple(juror_labels[int(j)] for j in juror_original.tolist())
    if len(set(app_labels)) != len(app_labels) or len(set(juror_labels_kept)) != len(juror_labels_kept):
        raise ValueError("two application codes or two juror codes share a label")
    return ScorecardBatch(
        applications=app_labels,
        jurors=juror_labels_kept,
        app_codes=app_kept,
        juror_codes=juror_kept,
        scaled=scaled[kept_rows] if len(rows) else np.zeros(0, dtype=np.int64),
        scale=scale,
        codes=codes,
        numerators=numerators[kept_rows] if len(rows) else np.zeros((0, len(codes)), dtype=np.int64),
        denominators=denominators,
        answered=mask[rows],
        rows=rows,
        rejected=rejected,
    )


@dataclass(frozen=True, slots=True)
class ResultRow:
    """One application's line in a round's ranking.

    ``score`` is a Fraction for mean, median and trimmed, a float rounded to
    :data:`FLOAT_DECIMALS` decimals for zscore and additive, and an int (the
    number of applications beaten) for schulze. ``raw_mean`` and ``median``
    are exact, on 0–100; ``stdev`` is the sample standard deviation (ddof 1)
    of the totals, ``None`` under 2 scorecards.
    """

    application: Hashable
    score: Fraction | float | int
    raw_mean: Fraction
    median: Fraction
    stdev: float | None
    count: int
    rank: int
    tied: bool


@dataclass(frozen=True, slots=True)
class Reliability:
    """Inter-juror agreement in a round: interval Krippendorff's alpha over the totals (None if undefined)."""

    krippendorff_alpha: float | None


@dataclass(frozen=True, slots=True)
class Component:
    """One connected group of the juror–application graph."""

    applications: tuple[Hashable, ...]
    jurors: tuple[Hashable, ...]


def _names(labels: Iterable[Hashable]) -> str:
    return ", ".join(map(str, labels))


class DisconnectedGraph(ValueError):
    """The additive model needs every juror linked to every other through shared applications.

    ``components`` lists the separate groups, largest first; scores in
    different groups cannot be put on one scale.
    """

    def __init__(self, components: Sequence[Component]) -> None:
        self.components: tuple[Component, ...] = tuple(components)
        parts = "; ".join(
            f"group {i}: applications {_names(c.applications)} / jurors {_names(c.jurors)}"
            for i, c in enumerate(self.components, start=1)
        )
        super().__init__(
            f"the additive method needs the jurors and applications of the round to form one connected "
            f"group, but they form {len(self.components)} separate groups ({parts}); have a juror score "
            f"applications across the groups, or choose another method"
        )


@dataclass(frozen=True)
class RoundResult:
    """A round's ranking and its diagnostics.

    ``rows`` are in rank order (tied rows in application order).
    ``juror_offsets``: for ``additive`` the fitted β of each juror (Σβ = 0);
    for the other methods each juror's leave-one-out leniency, the mean of
    (own total − mean of the other jurors' totals on the same application),
    ``None`` for a juror who shares no application; ``offsets_basis`` says which
    (``"additive"`` or ``"leave-one-out"``). ``juror_flags`` lists jurors to review
    (never to exclude automatically). ``schulze`` carries the pairwise and
    strongest-path matrices for a schulze round.
    """

    method: str
    rows: tuple[ResultRow, ...]
    juror_offsets: dict[Hashable, float | None]
    offsets_basis: str
    reliability: Reliability
    juror_flags: tuple[reliability.JurorAgreement, ...] = ()
    schulze: ranking.SchulzeOutcome | None = None

    def row(self, application: Hashable) -> ResultRow:
        for row in self.rows:
            if row.application == application:
                return row
        raise KeyError(application)


# --- preparation ----------------------------------------------------------------------------


@dataclass
class _Round:
    """A round's scorecards as integer codes and exact integers over one common denominator."""

    cards: list[Scorecard]
    applications: list[Hashable]
    jurors: list[Hashable]
    app_codes: np.ndarray
    juror_codes: np.ndarray
    scaled: list[int]  # total × scale, exact
    scale: int
    totals: np.ndarray  # float totals, for the float-natured statistics
    by_application: list[list[int]]  # card indices per application code

    @property
    def app_count(self) -> int:
        return len(self.applications)

    @property
    def juror_count(self) -> int:
        return len(self.jurors)


def _prepare(scorecards: Iterable[Scorecard] | ScorecardBatch) -> _Round:
    if isinstance(scorecards, ScorecardBatch):
        return _prepare_batch(scorecards)
    cards = list(scorecards)
    app_index: dict[Hashable, int] = {}
    juror_index: dict[Hashable, int] = {}
    app_codes: list[int] = []
    juror_codes: list[int] = []
    totals: list[Fraction] = []
    by_application: list[list[int]] = []
    pairs: set[tuple[int, int]] = set()
    for position, card in enumerate(cards):
        a = app_index.setdefault(card.application, len(app_index))
        if a == len(by_application):
            by_application.append([])
        j = juror_index.setdefault(card.juror, len(juror_index))
        if (a, j) in pairs:
            raise ValueError(f"juror {card.juror!r} has two scorecards for application {card.application!r}")
        pairs.add((a, j))
        total = card.total if type(card.total) is Fraction else to_fraction(card.total)
        app_codes.append(a)
        juror_codes.append(j)
        totals.append(total)
        by_application[a].append(position)
    scale = math.lcm(*{t.denominator for t in totals}) if totals else 1
    multipliers: dict[int, int] = {}
    scaled = []
    upper = 100 * scale
    for card, t in zip(cards, totals, strict=True):
        m = multipliers.get(t.denominator)
        if m is None:
            m = multipliers[t.denominator] = scale // t.denominator
        value = t.numerator * m
        if not 0 <= value <= upper:
            raise ValueError(f"total {t} of {card.juror!r} for {card.application!r} is outside [0, 100]")
        scaled.append(value)
    return _Round(
        cards=cards,
        applications=list(app_index),
        jurors=list(juror_index),
        app_codes=np.asarray(app_codes, dtype=np.intp),
        juror_codes=np.asarray(juror_codes, dtype=np.intp),
        scaled=scaled,
        scale=scale,
        totals=np.asarray([v / scale for v in scaled], dtype=np.float64),
        by_application=by_application,
    )


def _prepare_batch(batch: ScorecardBatch) -> _Round:
    """:func:`_prepare` for a :class:`ScorecardBatch`: the same round, built with numpy."""
    count = len(batch)
    app_codes = np.asarray(batch.app_codes, dtype=np.intp)
    juror_codes = np.asarray(batch.juror_codes, dtype=np.intp)
    if count:
        pairs = app_codes.astype(np.int64) * max(len(batch.jurors), 1) + juror_codes
        order = np.argsort(pairs, kind="stable")
        ordered = pairs[order]
        repeated = order[1:][ordered[1:] == ordered[:-1]]
        if repeated.size:  # the first scorecard whose (application, juror) was already seen
            i = int(repeated.min())
            raise ValueError(
                f"juror {batch.jurors[juror_codes[i]]!r} has two scorecards for application "
                f"{batch.applications[app_codes[i]]!r}"
            )
    scaled = batch.scaled_list()
    scale = batch.scale
    upper = 100 * scale
    for i, value in enumerate(scaled):
        if not 0 <= value <= upper:
            card = batch[i]
            raise ValueError(
                f"total {card.total} of {card.juror!r} for {card.application!r} is outside [0, 100]"
            )
    apps = len(batch.applications)
    order = np.argsort(app_codes, kind="stable").tolist()
    bounds = np.concatenate(([0], np.cumsum(np.bincount(app_codes, minlength=apps)))).tolist()
    by_application = [order[bounds[a] : bounds[a + 1]] for a in range(apps)]
    if scale < 2**53 and upper < 2**53:  # exact in float64: the division is then correctly rounded
        totals = np.asarray(scaled, dtype=np.float64) / scale
    else:
        totals = np.asarray([v / scale for v in scaled], dtype=np.float64)
    return _Round(
        cards=batch,  # type: ignore[arg-type]  (a sequence of Scorecard)
        applications=list(batch.applications),
        jurors=list(batch.jurors),
        app_codes=app_codes,
        juror_codes=juror_codes,
        scaled=scaled,
        scale=scale,
        totals=totals,
        by_application=by_application,
    )


def _round_float(values: np.ndarray) -> list[float]:
    """Round to FLOAT_DECIMALS decimals; + 0.0 turns −0.0 into 0.0."""
    return [round(float(v), FLOAT_DECIMALS) + 0.0 for v in values]


# --- methods on floats ------------------------------------------------------------------------


def _zscore(r: _Round) -> list[float]:
    """Mean per application of (total − juror mean) / juror sd, per the spec.

    Juror means and variances are computed exactly from the scaled integers;
    a juror with fewer than 3 scorecards or with all totals equal is centred
    and divided by the sd of all totals of the round instead.
    """
    count = r.juror_count
    sums, squares, sizes = [0] * count, [0] * count, [0] * count
    for j, v in zip(r.juror_codes.tolist(), r.scaled, strict=True):
        sums[j] += v
        squares[j] += v * v
        sizes[j] += 1
    n, total, total_sq = len(r.scaled), sum(sums), sum(squares)
    scale_sq = r.scale * r.scale
    round_sd = math.sqrt((n * total_sq - total * total) / (n * (n - 1) * scale_sq)) if n >= 2 else 0.0
    means = np.empty(count)
    sds = np.empty(count)
    for j in range(count):
        means[j] = sums[j] / (sizes[j] * r.scale)
        variance_num = sizes[j] * squares[j] - sums[j] * sums[j]
        if sizes[j] >= 3 and variance_num > 0:
            sds[j] = math.sqrt(variance_num / (sizes[j] * (sizes[j] - 1) * scale_sq))
        else:
            sds[j] = round_sd
    centred = r.totals - means[r.juror_codes]
    divisor = sds[r.juror_codes]
    # A zero divisor only happens when every total of the round is equal: then centred is 0 too.
    z = np.divide(centred, divisor, out=np.zeros_like(centred), where=divisor > 0)
    per_app = np.bincount(r.app_codes, z, minlength=r.app_count) / np.bincount(
        r.app_codes, minlength=r.app_count
    )
    return _round_float(per_app)


def _component_labels(r: _Round) -> tuple[int, np.ndarray, np.ndarray]:
    """(number of groups, group of each application, group of each juror) of the round's graph.

    Nodes are the applications (0 … A−1) then the jurors (A …); each scorecard is an edge. Every
    node starts as its own root; each pass hooks every root to the smallest root across its edges,
    then compresses the pointers until each node points to its root (pointer jumping), so a
    group's root is its smallest node. Groups are numbered in the order of their smallest node:
    the numbering scipy's ``connected_components`` gave.
    """
    apps = r.app_count
    first = r.app_codes
    second = apps + r.juror_codes
    root = np.arange(apps + r.juror_count)
    while True:
        a, b = root[first], root[second]
        low, high = np.minimum(a, b), np.maximum(a, b)
        apart = low != high
        if not apart.any():
            break
        np.minimum.at(root, high[apart], low[apart])  # each hooked node was a root: pointers go down
        while True:
            jumped = root[root]
            if np.array_equal(jumped, root):
                break
            root = jumped
    roots, groups = np.unique(root, return_inverse=True)
    return len(roots), groups[:apps], groups[apps:]


def _components(r: _Round) -> list[Component]:
    """The groups, largest first (equal sizes in the order their first application appears), each
    with its applications and jurors in the order they first appear (what scipy's labels gave)."""
    count, app_groups, juror_groups = _component_labels(r)
    if count == 1:
        return [Component(applications=tuple(r.applications), jurors=tuple(r.jurors))]
    app_members = np.split(np.argsort(app_groups, kind="stable"), np.cumsum(np.bincount(app_groups))[:-1])
    juror_members = np.split(
        np.argsort(juror_groups, kind="stable"), np.cumsum(np.bincount(juror_groups, minlength=count))[:-1]
    )
    components = [
        Component(
            applications=tuple(r.applications[a] for a in apps.tolist()),
            jurors=tuple(r.jurors[j] for j in jurors.tolist()),
        )
        for apps, jurors in zip(app_members, juror_members, strict=True)
    ]
    components.sort(key=lambda c: len(c.applications) + len(c.jurors), reverse=True)  # stable
    return components


def connected_components(*, scorecards: Iterable[Scorecard] | ScorecardBatch) -> list[Component]:
    """The groups of the juror–application graph (one group: the additive method can be used)."""
    r = _prepare(scorecards)
    return _components(r) if r.cards else []


#: The additive method lists the entries of its jurors' normal equations up to this many pairs of
#: scorecards sharing an application (the sum over applications of their number of scorecards
#: squared: 225,000 for 25,000 applications × 3; about 40 MB while listing them at the limit);
#: above, it never builds the matrix and multiplies by it from the scorecards themselves.
PAIRED_SOLVE_MAX_PAIRS = 1_000_000
#: Conjugate gradients stop when the residual is this small relative to the right-hand side.
CONJUGATE_GRADIENT_TOLERANCE = 1e-15


def _laplacian_entries(
    r: _Round, per_app: np.ndarray, per_juror: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows, columns, values) of the non-zero entries of diag(n_j) − Bᵀ diag(1/n_a) B, B the
    application × juror incidence.

    Entry (j, k) sums 1/n_a over the applications a scored by both j and k: every pair of
    scorecards of one application (both orders, and each with itself) adds its 1/n_a, in
    increasing application order, so each entry is the very float scipy's sparse product gave."""
    jurors = r.juror_count
    order = np.lexsort((r.juror_codes, r.app_codes))
    apps, juror_of = r.app_codes[order], r.juror_codes[order]
    counts = per_app.astype(np.int64)
    sizes = counts[apps]  # n_a of each scorecard, the scorecards grouped by application
    group_start = (np.cumsum(counts) - counts)[apps]
    left = np.repeat(np.arange(len(apps)), sizes)
    right = np.repeat(group_start, sizes) + np.arange(len(left)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    keys, entry = np.unique(juror_of[left] * jurors + juror_of[right], return_inverse=True)
    values = -np.bincount(entry, weights=1.0 / per_app[apps[left]], minlength=len(keys))
    rows, columns = np.divmod(keys, jurors)
    on_diagonal = rows == columns
    values[on_diagonal] += per_juror[rows[on_diagonal]]
    return rows, columns, values


def _scorecard_product(
    r: _Round, per_app: np.ndarray, per_juror: np.ndarray
) -> Callable[[np.ndarray], np.ndarray]:
    """β ↦ Lβ from the scorecards alone: n_j β_j − Σ over j's scorecards of (Σ of the β of the
    application's jurors) / n_a; for β with the first juror's pinned at 0, without that juror's row."""

    def product(pinned: np.ndarray) -> np.ndarray:
        beta = np.concatenate(([0.0], pinned))
        by_app = np.bincount(r.app_codes, weights=beta[r.juror_codes], minlength=r.app_count) / per_app
        shared = np.bincount(r.juror_codes, weights=by_app[r.app_codes], minlength=r.juror_count)
        return (per_juror * beta - shared)[1:]

    return product


def _conjugate_gradient(
    product: Callable[[np.ndarray], np.ndarray], diagonal: np.ndarray, rhs: np.ndarray
) -> np.ndarray:
    """x with product(x) = rhs for a symmetric positive definite matrix, by conjugate gradients
    preconditioned by its diagonal: until the residual is :data:`CONJUGATE_GRADIENT_TOLERANCE` of
    rhs or stops shrinking (the best iterate is kept), at most 10 × size + 100 steps; then once
    more on the true residual (iterative refinement) while that helps, at most 3 times."""
    goal = CONJUGATE_GRADIENT_TOLERANCE * float(np.linalg.norm(rhs))
    x = np.zeros_like(rhs)
    residual_norm = math.inf
    for _refinement in range(3):
        residual = rhs - product(x)
        if float(np.linalg.norm(residual)) <= goal or float(np.linalg.norm(residual)) >= residual_norm:
            break
        residual_norm = float(np.linalg.norm(residual))
        x = x + _conjugate_gradient_pass(product, diagonal, residual, goal)
    return x


def _conjugate_gradient_pass(
    product: Callable[[np.ndarray], np.ndarray], diagonal: np.ndarray, rhs: np.ndarray, goal: float
) -> np.ndarray:
    """One run of preconditioned conjugate gradients from 0 (see :func:`_conjugate_gradient`)."""
    x = np.zeros_like(rhs)
    best, best_norm = x.copy(), float(np.linalg.norm(rhs))
    residual = rhs.copy()
    preconditioned = residual / diagonal
    direction = preconditioned.copy()
    inner = float(residual @ preconditioned)
    for _step in range(10 * len(rhs) + 100):
        if best_norm <= goal or inner == 0.0:
            break
        image = product(direction)
        step = inner / float(direction @ image)
        x += step * direction
        residual -= step * image
        norm = float(np.linalg.norm(residual))
        if norm < best_norm:
            best, best_norm = x.copy(), norm
        preconditioned = residual / diagonal
        inner, previous = float(residual @ preconditioned), inner
        direction = preconditioned + (inner / previous) * direction
    return best


def _juror_effects(r: _Round, per_app: np.ndarray, per_juror: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """β solving the jurors' normal equations with Σβ = 0 (the graph is connected).

    As scipy's direct solve did: β of the first juror pinned at 0 and that juror's equation left
    out (the matrix is then positive definite), the rest solved, then shifted so that Σβ = 0.
    The solve is conjugate gradients in numpy, on the matrix's entries up to
    :data:`PAIRED_SOLVE_MAX_PAIRS` pairs (the very floats scipy factorised: the same β within
    about 1e-13, the same 9 decimals but for a value that close to a rounding midpoint), on the
    scorecards above. Not ``numpy.linalg.solve``: OpenBLAS runs a 300-juror LU on threads, which
    took 0.26 s instead of 0.7 ms on the project's busy 2-core machine, and a dense matrix of
    2,000 jurors is 32 MB."""
    jurors = r.juror_count
    beta = np.zeros(jurors)
    if jurors == 1:
        return beta
    if int(np.dot(per_app, per_app)) <= PAIRED_SOLVE_MAX_PAIRS:
        rows, columns, values = _laplacian_entries(r, per_app, per_juror)
        kept = (rows > 0) & (columns > 0)
        rows, columns, values = rows[kept] - 1, columns[kept] - 1, values[kept]
        diagonal = values[rows == columns]

        def product(x: np.ndarray) -> np.ndarray:
            return np.bincount(rows, weights=values * x[columns], minlength=jurors - 1)

    else:
        product = _scorecard_product(r, per_app, per_juror)
        own_share = np.bincount(r.juror_codes, weights=1.0 / per_app[r.app_codes], minlength=jurors)
        diagonal = (per_juror - own_share)[1:]
    beta[1:] = _conjugate_gradient(product, diagonal, rhs[1:])
    return beta - beta.mean()


def _additive(r: _Round) -> tuple[list[float], dict[Hashable, float]]:
    """Least squares on total = θ(application) + β(juror) with Σβ = 0.

    θ is eliminated (θ_a = mean over a's scorecards of total − β), leaving the
    jurors' normal equations (diag(n_j) − Bᵀ diag(1/n_a) B) β = r, where B is
    the application × juror incidence matrix and r_j = Σ over j's
    scorecards of (total − application mean). That matrix is a graph
    Laplacian: singular along β + c, positive definite once one β is pinned
    at 0, which is possible because the graph is connected (:func:`_juror_effects`).
    """
    if _component_labels(r)[0] > 1:  # the groups themselves only for the message
        raise DisconnectedGraph(_components(r))
    apps, jurors = r.app_count, r.juror_count
    per_app = np.bincount(r.app_codes, minlength=apps).astype(np.float64)
    per_juror = np.bincount(r.juror_codes, minlength=jurors).astype(np.float64)
    app_mean = np.bincount(r.app_codes, r.totals, minlength=apps) / per_app
    rhs = np.bincount(r.juror_codes, r.totals - app_mean[r.app_codes], minlength=jurors)
    beta = _juror_effects(r, per_app, per_juror, rhs)
    # Σ of the application's β in increasing juror order, as the sparse product added them up.
    order = np.lexsort((r.juror_codes, r.app_codes))
    shares = np.bincount(r.app_codes[order], weights=beta[r.juror_codes[order]], minlength=apps)
    theta = app_mean - shares / per_app
    offsets = dict(zip(r.jurors, _round_float(beta), strict=True))
    return _round_float(theta), offsets


def _schulze(r: _Round) -> tuple[list[int], ranking.SchulzeOutcome]:
    by_juror: list[tuple[list[int], list[int]]] = [([], []) for _ in range(r.juror_count)]
    for a, j, v in zip(r.app_codes.tolist(), r.juror_codes.tolist(), r.scaled, strict=True):
        by_juror[j][0].append(a)
        by_juror[j][1].append(v)
    ballots = [(apps, ranking.dense_levels(values)) for apps, values in by_juror]
    pairwise, strongest = ranking.schulze_matrices(size=r.app_count, ballots=ballots)
    wins = ranking.schulze_wins(strongest)
    wins_by_app = {app: int(wins[a]) for a, app in enumerate(r.applications)}
    order = tuple(r.applications[a] for a in sorted(range(r.app_count), key=lambda a: -wins[a]))
    outcome = ranking.SchulzeOutcome(
        candidates=tuple(r.applications),
        pairwise=pairwise,
        strongest=strongest,
        wins=wins_by_app,
        order=order,
    )
    return [int(w) for w in wins], outcome


@dataclass
class _Stats:
    """Exact per-application statistics (lists indexed by application code)."""

    counts: list[int]
    raw_means: list[Fraction]
    medians: list[Fraction]
    medians2: list[int]  # 2 × median × scale: an integer even for an even count
    mean_keys: list[int]  # the means on one common integer scale, for exact and fast comparison
    trimmed: list[tuple[int, int]]  # (sum × scale, divisor)
    stdevs: list[float | None]


def _application_stats(r: _Round) -> _Stats:
    """Counts, exact means and medians, trimmed sums and spreads, from the scaled integer totals.

    A mean s/c compares as the integer s × (L / c), with L the least common
    multiple of the counts, so sorting never touches a Fraction or a float.
    The spread is computed from exact integer sums, then one square root.
    """
    counts: list[int] = []
    sums: list[int] = []
    medians2: list[int] = []
    trimmed: list[tuple[int, int]] = []
    stdevs: list[float | None] = []
    scale, scale_sq = r.scale, r.scale * r.scale
    for indices in r.by_application:
        values = sorted(r.scaled[i] for i in indices)
        c, s = len(values), sum(values)
        mid = c // 2
        counts.append(c)
        sums.append(s)
        medians2.append(2 * values[mid] if c % 2 else values[mid - 1] + values[mid])
        trimmed.append((s - values[0] - values[-1], c - 2) if c >= 3 else (s, c))
        if c >= 2:
            variance_num = c * sum(v * v for v in values) - s * s
            stdevs.append(math.sqrt(variance_num / (c * (c - 1) * scale_sq)))
        else:
            stdevs.append(None)
    count_lcm = math.lcm(*set(counts))
    return _Stats(
        counts=counts,
        raw_means=[Fraction(s, c * scale) for s, c in zip(sums, counts, strict=True)],
        medians=[Fraction(m, 2 * scale) for m in medians2],
        medians2=medians2,
        mean_keys=[s * (count_lcm // c) for s, c in zip(sums, counts, strict=True)],
        trimmed=trimmed,
        stdevs=stdevs,
    )


# --- the round ---------------------------------------------------------------------------------


def _display_order(labels: Sequence[Hashable]) -> list[int]:
    """Application codes sorted by identifier when identifiers are comparable, else as given."""
    try:
        return sorted(range(len(labels)), key=labels.__getitem__)
    except TypeError:
        return list(range(len(labels)))


def round_results(
    *,
    method: str,
    scorecards: Iterable[Scorecard] | ScorecardBatch,
    tie_break: Sequence[str] = (),
    criteria_codes: Iterable[str] = (),
    max_mean_abs_deviation: float = reliability.MAX_MEAN_ABS_DEVIATION,
    min_correlation: float = reliability.MIN_CORRELATION,
) -> RoundResult:
    """Rank a round's applications from its submitted scorecards, as ``spec/edition-format.md`` says.

    Only pass submitted scorecards (a list, or a :class:`ScorecardBatch`); an application
    appears when it has at least one. ``tie_break`` is the round's chain (``criterion:CODE``,
    ``median``, ``mean``, ``count``, ``first-places``), checked against
    ``criteria_codes``. Raises ``ValueError`` for an unknown method, an invalid
    chain, a total outside [0, 100] or a juror with two scorecards for one
    application; :class:`DisconnectedGraph` (a ``ValueError``) when ``additive``
    is asked of a round whose jurors and applications are not one connected group.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r} (expected one of {', '.join(METHODS)})")
    errors = ranking.validate_tie_break(chain=tie_break, criterion_codes=criteria_codes)
    if errors:
        raise ValueError("; ".join(errors))
    r = _prepare(scorecards)
    if not r.cards:
        return RoundResult(
            method=method,
            rows=(),
            juror_offsets={},
            offsets_basis="additive" if method == "additive" else "leave-one-out",
            reliability=Reliability(krippendorff_alpha=None),
        )

    stats = _application_stats(r)
    scores, keys, extra = _method_scores(r, stats, method)
    schulze_outcome = extra if method == "schulze" else None
    additive_offsets = extra if method == "additive" else None

    offsets, basis, flags, alpha = _diagnostics(
        r,
        additive_offsets=(additive_offsets or {}) if method == "additive" else None,
        max_mean_abs_deviation=max_mean_abs_deviation,
        min_correlation=min_correlation,
    )
    order, ranks, tied = _rank(r, keys, tie_break=tie_break, stats=stats)
    rows = tuple(
        ResultRow(
            application=r.applications[a],
            score=scores[a],
            raw_mean=stats.raw_means[a],
            median=stats.medians[a],
            stdev=stats.stdevs[a],
            count=stats.counts[a],
            rank=rank,
            tied=is_tied,
        )
        for a, rank, is_tied in zip(order, ranks, tied, strict=True)
    )
    return RoundResult(
        method=method,
        rows=rows,
        juror_offsets=offsets,
        offsets_basis=basis,
        reliability=Reliability(krippendorff_alpha=alpha),
        juror_flags=tuple(flags),
        schulze=schulze_outcome,
    )


def _diagnostics(
    r: _Round,
    *,
    additive_offsets: Mapping[Hashable, float] | None,
    max_mean_abs_deviation: float,
    min_correlation: float,
) -> tuple[dict[Hashable, float | None], str, list[reliability.JurorAgreement], float | None]:
    """(juror offsets, their basis, jurors to review, Krippendorff's alpha) of a prepared round.

    The offsets are additive's fitted juror effects when given, else each juror's leave-one-out
    leniency (None for a juror who shares no application)."""
    agreement = reliability.agreement_codes(
        jurors=r.juror_codes, units=r.app_codes, values=r.totals, juror_count=r.juror_count
    )
    offsets: dict[Hashable, float | None]
    if additive_offsets is not None:
        offsets, basis = dict(additive_offsets), "additive"
    else:
        offsets = {
            juror: (None if np.isnan(x) else float(x))
            for juror, x in zip(r.jurors, agreement.offset, strict=True)
        }
        basis = "leave-one-out"
    flags = reliability.flags_from_agreement(
        agreement,
        labels=r.jurors,
        max_mean_abs_deviation=max_mean_abs_deviation,
        min_correlation=min_correlation,
    )
    alpha = reliability.alpha_codes(units=r.app_codes, values=r.totals, level="interval")
    return offsets, basis, list(flags), alpha


def _method_scores(r: _Round, stats: _Stats, method: str) -> tuple[Sequence[Any], Sequence[Any], Any]:
    """(scores, ranking keys, extra) of ``method``: extra is additive's juror offsets, Schulze's outcome."""
    if method == "mean":
        return stats.raw_means, stats.mean_keys, None
    if method == "median":
        return stats.medians, stats.medians2, None
    if method == "trimmed":
        trimmed_lcm = math.lcm(*{d for _, d in stats.trimmed})
        scores = [Fraction(s, d * r.scale) for s, d in stats.trimmed]
        return scores, [s * (trimmed_lcm // d) for s, d in stats.trimmed], None
    if method == "zscore":
        z = _zscore(r)
        return z, z, None
    if method == "additive":
        theta, additive_offsets = _additive(r)
        return theta, theta, additive_offsets
    wins, schulze_outcome = _schulze(r)
    return wins, wins, schulze_outcome


def _rank(
    r: _Round, keys: Sequence[Any], *, tie_break: Sequence[str], stats: _Stats
) -> tuple[list[int], list[int], list[bool]]:
    """Application codes in rank order, their competition ranks and whether each is tied."""
    fast = _batch_ranks(r, keys, tie_break=tie_break, stats=stats)
    if fast is not None:
        return fast
    chain = _tie_break_keys(r, tie_break=tie_break, stats=stats)
    ranked = ranking.competition_ranks(
        rows=_display_order(r.applications), key=keys.__getitem__, tie_break=chain
    )
    return [item.row for item in ranked], [item.rank for item in ranked], [item.tied for item in ranked]


@dataclass(frozen=True)
class Ranking:
    """A method's ranking alone: applications in rank order, each one's rank and whether it is tied
    (what the rows of :func:`round_results` say, without the scores and diagnostics)."""

    method: str
    applications: tuple[Hashable, ...]
    ranks: tuple[int, ...]
    tied: tuple[bool, ...]


def round_rankings(
    *,
    methods: Iterable[str],
    scorecards: Iterable[Scorecard] | ScorecardBatch,
    tie_break: Sequence[str] = (),
    criteria_codes: Iterable[str] = (),
) -> dict[str, Ranking | ValueError]:
    """The rankings of several methods over the same scorecards, the shared work done once.

    Each method maps to its :class:`Ranking`, identical to the ranks of
    ``round_results(method=...)`` with the same arguments, or to the ``ValueError`` (a
    :class:`DisconnectedGraph` for ``additive``) that :func:`round_results` would raise.
    Meant for comparing methods (the results page's sensitivity panel): no scores, offsets,
    flags or reliability are computed.
    """
    methods = list(methods)
    codes = list(criteria_codes)
    out: dict[str, Ranking | ValueError] = {}
    errors = ranking.validate_tie_break(chain=tie_break, criterion_codes=codes)
    shared: ValueError | None = ValueError("; ".join(errors)) if errors else None
    r: _Round | None = None
    stats: _Stats | None = None
    if shared is None and any(m in METHODS for m in methods):
        try:
            r = _prepare(scorecards)
        except ValueError as error:
            shared = error
    for method in methods:
        if method not in METHODS:
            out[method] = ValueError(f"unknown method {method!r} (expected one of {', '.join(METHODS)})")
            continue
        if shared is not None:
            out[method] = shared
            continue
        assert r is not None
        if not r.cards:
            out[method] = Ranking(method=method, applications=(), ranks=(), tied=())
            continue
        if stats is None:
            stats = _application_stats(r)
        try:
            _scores, keys, _extra = _method_scores(r, stats, method)
        except ValueError as error:
            out[method] = error
            continue
        order, ranks, tied = _rank(r, keys, tie_break=tie_break, stats=stats)
        out[method] = Ranking(
            method=method,
            applications=tuple(r.applications[a] for a in order),
            ranks=tuple(ranks),
            tied=tuple(tied),
        )
    return out


def _key_array(values: Sequence[Any]) -> np.ndarray | None:
    """Keys as one numpy array that compares exactly like them: int64 for ints that fit, float64
    for floats without NaN; None otherwise (then the keys are compared as they are)."""
    items = list(values)
    if all(type(v) is int for v in items):
        if items and (max(items) >= _INT64_BOUND or min(items) <= -_INT64_BOUND):
            return None
        return np.asarray(items, dtype=np.int64)
    if all(type(v) is float for v in items):
        array = np.asarray(items, dtype=np.float64)
        return None if np.isnan(array).any() else array
    return None


def _batch_criterion_keys(r: _Round, batch: ScorecardBatch, code: str) -> np.ndarray | None:
    """:func:`_batch_criterion_key` for every application at once, as integers in the same order:
    0 for nobody answered, else 1 + the mean normalised score × a common positive integer."""
    keys = np.zeros(r.app_count, dtype=np.int64)
    if code not in batch.codes:
        return keys
    c = batch.codes.index(code)
    answered = batch.answered[:, c]
    numerators = batch.numerators[:, c][answered]
    if numerators.dtype == object:
        return None
    apps = r.app_codes[answered]
    counts = np.bincount(apps, minlength=r.app_count)
    if len(numerators) and int(numerators.max()) * int(counts.max()) >= _INT64_BOUND:
        return None
    sums = np.zeros(r.app_count, dtype=np.int64)
    np.add.at(sums, apps, numerators.astype(np.int64))
    common = math.lcm(*{int(n) for n in counts.tolist() if n}) if counts.any() else 1
    if int(sums.max(initial=0)) * common >= _INT64_BOUND:
        return None
    with_answer = counts > 0
    keys[with_answer] = sums[with_answer] * (common // counts[with_answer]) + 1
    return keys


def _batch_ranks(
    r: _Round, keys: Sequence[Any], *, tie_break: Sequence[str], stats: _Stats
) -> tuple[list[int], list[int], list[bool]] | None:
    """:func:`ranking.competition_ranks` for a batch, with numpy: the same ranks, ties and order.

    Ranking by a key, then by each tie-break key among the rows still tied, is ordering by all
    the keys at once (lexicographically, higher first), equal rows keeping the display order;
    a rank is then the place of the first row of its run of equal keys. Used only when every
    key fits an exact numpy array; otherwise (None) the keys are compared one by one as before.
    """
    if not isinstance(r.cards, ScorecardBatch):
        return None
    columns = [_key_array(keys)]
    for entry in tie_break:
        kind, code = ranking.parse_tie_break(entry)
        if kind == "criterion":
            columns.append(_batch_criterion_keys(r, r.cards, code or ""))
        elif kind == "median":
            columns.append(_key_array(stats.medians2))
        elif kind == "mean":
            columns.append(_key_array(stats.mean_keys))
        elif kind == "count":
            columns.append(_key_array(stats.counts))
        elif kind == "first-places":
            first_places = _first_places_key(r)
            columns.append(_key_array([first_places(a) for a in range(r.app_count)]))
        else:  # pragma: no cover - validated before
            return None
    if any(column is None for column in columns):
        return None
    display = _display_order(r.applications)
    position = np.empty(r.app_count, dtype=np.int64)
    position[display] = np.arange(r.app_count)
    order = np.lexsort((position, *(-column for column in reversed(columns))))  # type: ignore[operator]
    if r.app_count == 0:
        return [], [], []
    starts = np.zeros(r.app_count, dtype=bool)
    starts[0] = True
    for column in columns:  # one by one: an int64 key must not be compared as a float
        ordered = column[order]  # type: ignore[index]
        starts[1:] |= ordered[1:] != ordered[:-1]
    start_index = np.flatnonzero(starts)
    sizes = np.diff(np.append(start_index, r.app_count))
    ranks = np.repeat(start_index + 1, sizes)
    tied = np.repeat(sizes > 1, sizes)
    return order.tolist(), ranks.tolist(), tied.tolist()


def _tie_break_keys(r: _Round, *, tie_break: Sequence[str], stats: _Stats) -> list[Callable[[int], Any]]:
    """Key functions (higher first) for the chain; each is evaluated only for rows still tied."""
    keys: list[Callable[[int], Any]] = []
    for entry in tie_break:
        kind, code = ranking.parse_tie_break(entry)
        if kind == "criterion":
            keys.append(_criterion_key(r, code or ""))
        elif kind == "median":
            keys.append(stats.medians2.__getitem__)
        elif kind == "mean":
            keys.append(stats.mean_keys.__getitem__)
        elif kind == "count":
            keys.append(stats.counts.__getitem__)
        elif kind == "first-places":
            keys.append(_first_places_key(r))
    return keys


def _criterion_key(r: _Round, code: str) -> Callable[[int], tuple[int, Fraction]]:
    """Mean normalised score on one criterion over the scorecards that answered it.

    An application on which nobody answered the criterion comes after those
    with an answer (key (0, 0) against (1, mean)).
    """

    if isinstance(r.cards, ScorecardBatch):
        return _batch_criterion_key(r, r.cards, code)

    def key(a: int) -> tuple[int, Fraction]:
        answered = [
            r.cards[i].criterion_scores[code]
            for i in r.by_application[a]
            if code in r.cards[i].criterion_scores
        ]
        if not answered:
            return (0, Fraction(0))
        # One Fraction built from integers: much faster than adding Fractions one by one.
        common = math.lcm(*(v.denominator for v in answered))
        total = sum(v.numerator * (common // v.denominator) for v in answered)
        return (1, Fraction(total, common * len(answered)))

    return key


def _batch_criterion_key(
    r: _Round, batch: ScorecardBatch, code: str
) -> Callable[[int], tuple[int, Fraction]]:
    """:func:`_criterion_key` for a batch: the same exact means, from integer numerators."""
    if code not in batch.codes:
        return lambda a: (0, Fraction(0))
    c = batch.codes.index(code)
    numerators = batch.numerators[:, c].tolist()
    answered = batch.answered[:, c].tolist()
    denominator = batch.denominators[c]

    def key(a: int) -> tuple[int, Fraction]:
        rows = [i for i in r.by_application[a] if answered[i]]
        if not rows:
            return (0, Fraction(0))
        return (1, Fraction(sum(int(numerators[i]) for i in rows), denominator * len(rows)))

    return key


def _first_places_key(r: _Round) -> Callable[[int], int]:
    """How many jurors gave the application their highest total (equal highest totals all count)."""
    cache: list[int] = []

    def key(a: int) -> int:
        if not cache:
            best = [-1] * r.juror_count
            for j, v in zip(r.juror_codes.tolist(), r.scaled, strict=True):
                best[j] = max(best[j], v)
            places = [0] * r.app_count
            for a2, j, v in zip(r.app_codes.tolist(), r.juror_codes.tolist(), r.scaled, strict=True):
                if v == best[j]:
                    places[a2] += 1
            cache.extend(places)
        return cache[a]

    return key
