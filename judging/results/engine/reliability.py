"""How far jurors agree: Krippendorff's alpha, juror leniency offsets, flags for human review.

Pure functions over plain values. Two input shapes:

- a matrix, one row per juror (rater) and one column per application (unit),
  with ``None`` or NaN for a missing cell (a recusal, an abstention, no
  assignment): :func:`krippendorff_alpha`;
- long format, one entry per submitted score, as parallel sequences of juror,
  application and value: :func:`krippendorff_alpha_long`, :func:`leniency_offsets`,
  :func:`juror_flags`. This is the shape to use for large rounds (25,000
  applications × 3 jurors would be a mostly empty matrix).

Everything here is descriptive statistics computed in floating point: nothing
in this module decides a rank.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple

import numpy as np

Level = Literal["interval", "nominal"]


def _factorize(labels: Sequence[Hashable] | np.ndarray) -> tuple[np.ndarray, list[Hashable]]:
    """Integer codes in order of first appearance, and the labels they stand for."""
    if isinstance(labels, np.ndarray) and labels.dtype.kind in "iu":
        uniques, first, codes = np.unique(labels, return_index=True, return_inverse=True)
        order = np.argsort(first, kind="stable")
        remap = np.empty_like(order)
        remap[order] = np.arange(order.size)
        return remap[codes].astype(np.intp), [uniques[i].item() for i in order]
    index: dict[Hashable, int] = {}
    codes_list = [index.setdefault(label, len(index)) for label in labels]
    return np.asarray(codes_list, dtype=np.intp), list(index)


def _values(values: Sequence[float | None] | np.ndarray) -> np.ndarray:
    """Floats with NaN for a missing value (``None``)."""
    if isinstance(values, np.ndarray) and values.dtype.kind == "f":
        return values.astype(np.float64, copy=False)
    return np.asarray([np.nan if v is None else float(v) for v in values], dtype=np.float64)


# --- Krippendorff's alpha -----------------------------------------------------------------


def krippendorff_alpha(
    data: Sequence[Sequence[float | None]] | np.ndarray, *, level: Level = "interval"
) -> float | None:
    """Krippendorff's alpha of a raters × units matrix with missing cells (``None`` or NaN).

    Returns ``None`` when alpha is undefined: fewer than two pairable values
    (values in units that at least two raters scored) or no variation at all
    among them. ``level`` is ``"interval"`` (squared differences) or ``"nominal"``
    (equal or not).
    """
    rows = [[np.nan if v is None else float(v) for v in row] for row in data]
    if not rows:
        return None
    width = len(rows[0])
    if any(len(row) != width for row in rows):
        raise ValueError("every rater's row must have one cell per unit")
    matrix = np.asarray(rows, dtype=np.float64).reshape(len(rows), width)
    rater_idx, unit_idx = np.nonzero(~np.isnan(matrix))
    return alpha_codes(units=unit_idx, values=matrix[rater_idx, unit_idx], level=level)


def krippendorff_alpha_long(
    *,
    units: Sequence[Hashable] | np.ndarray,
    values: Sequence[float | None] | np.ndarray,
    level: Level = "interval",
) -> float | None:
    """Krippendorff's alpha from one entry per score: ``units[i]`` was scored ``values[i]``.

    Each rater contributes at most one value per unit; raters themselves do
    not enter the formula. ``None``/NaN values are ignored.
    """
    unit_codes, _ = _factorize(units)
    vals = _values(values)
    if unit_codes.size != vals.size:
        raise ValueError("units and values must have the same length")
    keep = ~np.isnan(vals)
    return alpha_codes(units=unit_codes[keep], values=vals[keep], level=level)


def alpha_codes(*, units: np.ndarray, values: np.ndarray, level: Level) -> float | None:
    """Alpha = 1 − D_o / D_e over the pairable values, in O(N).

    D_o = (1/n) Σ_u Σ_{i≠j in u} δ²(v_i, v_j) / (m_u − 1)   (observed, within units)
    D_e = 1/(n(n−1)) Σ_{i≠j} δ²(v_i, v_j)                   (expected, all pairable values)
    with ordered pairs, m_u the number of values in unit u and n = Σ m_u over
    units with m_u ≥ 2. For the interval metric, δ² = (v_i − v_j)² and
    Σ_{i≠j in a set} (v_i − v_j)² = 2m Σ (v − mean)², so no pair is enumerated.
    """
    if level not in ("interval", "nominal"):
        raise ValueError(f"unknown level {level!r} (expected interval or nominal)")
    if units.size == 0:
        return None
    per_unit = np.bincount(units)
    pairable = per_unit[units] >= 2
    units, values = units[pairable], values[pairable]
    n = values.size
    if n < 2:
        return None
    m = per_unit[units].astype(np.float64)  # m_u for each value
    if level == "interval":
        centred = values - values.mean()  # centring first keeps the sums of squares accurate
        unit_mean = np.bincount(units, centred, minlength=per_unit.size) / np.maximum(per_unit, 1)
        within = (centred - unit_mean[units]) ** 2
        # Σ_u 2 m_u/(m_u−1) Σ_{i∈u}(v_i − mean_u)², spread over the unit's values.
        observed = float(np.sum(2.0 * m / (m - 1.0) * within)) / n
        expected = 2.0 * float(np.sum(centred**2)) / (n - 1)
    else:
        categories = np.unique(values, return_inverse=True)[1].ravel()
        width = int(categories.max()) + 1
        keys, key_counts = np.unique(units.astype(np.int64) * width + categories, return_counts=True)
        # Ordered mismatching pairs within a unit: m_u² − Σ_c m_uc².
        same = np.bincount(keys // width, key_counts.astype(np.float64) ** 2, minlength=per_unit.size)
        present = np.unique(units)
        m_u = per_unit[present].astype(np.float64)
        observed = float(np.sum((m_u**2 - same[present]) / (m_u - 1.0))) / n
        category_counts = np.bincount(categories).astype(np.float64)
        expected = (n * n - float(np.sum(category_counts**2))) / (n * (n - 1))
    if expected <= 0.0:
        return None
    return 1.0 - observed / expected


# --- Juror offsets and flags ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class JurorAgreement:
    """One juror's scores against the others' consensus (leave-one-out), for review only.

    ``compared``: the juror's scores on applications someone else also scored;
    ``offset``: mean of (own score − mean of the others' scores on the same
    application), positive for a lenient juror; ``mean_abs_deviation``: mean of
    the absolute differences; ``correlation``: Pearson correlation between own
    scores and the others' means (None under 3 comparisons or without variation);
    ``reasons``: why the juror is flagged (``"deviation"``, ``"correlation"``), empty if not.
    """

    juror: Hashable
    compared: int
    offset: float | None
    mean_abs_deviation: float | None
    correlation: float | None
    reasons: tuple[str, ...] = ()


def _consensus_codes(*, units: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each score, the mean of the other scores on its unit, and whether there is one."""
    counts = np.bincount(units)
    sums = np.bincount(units, values)
    others = counts[units] - 1
    has_others = others > 0
    consensus = np.full(values.shape, np.nan)
    consensus[has_others] = (sums[units][has_others] - values[has_others]) / others[has_others]
    return consensus, has_others


class Agreement(NamedTuple):
    """Per juror code: comparable scores, leniency offset, mean absolute deviation, correlation.

    Arrays indexed by juror code; NaN where a statistic is undefined.
    """

    compared: np.ndarray
    offset: np.ndarray
    mean_abs_deviation: np.ndarray
    correlation: np.ndarray


def agreement_codes(
    *, jurors: np.ndarray, units: np.ndarray, values: np.ndarray, juror_count: int
) -> Agreement:
    """Each juror against the leave-one-out consensus, vectorised over integer codes."""
    consensus, mask = _consensus_codes(units=units, values=values)
    j, own, cons = jurors[mask], values[mask], consensus[mask]
    compared = np.bincount(j, minlength=juror_count)
    safe = np.maximum(compared, 1)
    diff = own - cons
    with np.errstate(invalid="ignore", divide="ignore"):
        offset = np.where(compared > 0, np.bincount(j, diff, minlength=juror_count) / safe, np.nan)
        mad = np.where(compared > 0, np.bincount(j, np.abs(diff), minlength=juror_count) / safe, np.nan)
        # Two-pass (centred) sums, so that the correlation does not cancel catastrophically.
        own_c = own - (np.bincount(j, own, minlength=juror_count) / safe)[j]
        cons_c = cons - (np.bincount(j, cons, minlength=juror_count) / safe)[j]
        sxy = np.bincount(j, own_c * cons_c, minlength=juror_count)
        sxx = np.bincount(j, own_c**2, minlength=juror_count)
        syy = np.bincount(j, cons_c**2, minlength=juror_count)
        # "No variation" means zero up to rounding noise relative to the values' size.
        tiny = 1e-12 * np.maximum(1.0, np.bincount(j, own**2 + cons**2, minlength=juror_count))
        correlation = np.where(
            (compared >= 3) & (sxx > tiny) & (syy > tiny), sxy / np.sqrt(sxx * syy), np.nan
        )
    return Agreement(compared=compared, offset=offset, mean_abs_deviation=mad, correlation=correlation)


def leniency_offsets(
    *, jurors: Sequence[Hashable], units: Sequence[Hashable], values: Sequence[float]
) -> dict[Hashable, float | None]:
    """Each juror's leniency: mean of (own score − mean of the other jurors' scores, same application).

    Leave-one-out, so that a juror's own score does not pull the reference
    towards it. ``None`` for a juror who never shares an application.
    """
    juror_codes, juror_labels = _factorize(jurors)
    unit_codes, _ = _factorize(units)
    agreement = agreement_codes(
        jurors=juror_codes, units=unit_codes, values=_values(values), juror_count=len(juror_labels)
    )
    return {label: _maybe(agreement.offset[i]) for i, label in enumerate(juror_labels)}


#: Defaults for :func:`juror_flags`, on the 0–100 scorecard scale.
MAX_MEAN_ABS_DEVIATION = 20.0
MIN_CORRELATION = 0.0
MIN_COMPARED = 3


def juror_flags(
    *,
    jurors: Sequence[Hashable],
    units: Sequence[Hashable],
    values: Sequence[float],
    max_mean_abs_deviation: float = MAX_MEAN_ABS_DEVIATION,
    min_correlation: float = MIN_CORRELATION,
    min_compared: int = MIN_COMPARED,
) -> list[JurorAgreement]:
    """Jurors whose scores stray from the others' consensus, with the reasons, for a human to review.

    The consensus for one score is the mean of the other jurors' scores on
    the same application. A juror is flagged ``"deviation"`` when the mean
    absolute difference from it exceeds ``max_mean_abs_deviation`` points, and
    ``"correlation"`` when the correlation with it is below ``min_correlation``
    (the juror orders applications unlike the others). Jurors with fewer than
    ``min_compared`` comparable scores are never flagged: too little evidence.
    A flag is never a reason to drop a scorecard automatically.
    """
    juror_codes, juror_labels = _factorize(jurors)
    unit_codes, _ = _factorize(units)
    agreement = agreement_codes(
        jurors=juror_codes, units=unit_codes, values=_values(values), juror_count=len(juror_labels)
    )
    return flags_from_agreement(
        agreement,
        labels=juror_labels,
        max_mean_abs_deviation=max_mean_abs_deviation,
        min_correlation=min_correlation,
        min_compared=min_compared,
    )


def flags_from_agreement(
    agreement: Agreement,
    *,
    labels: Sequence[Hashable],
    max_mean_abs_deviation: float = MAX_MEAN_ABS_DEVIATION,
    min_correlation: float = MIN_CORRELATION,
    min_compared: int = MIN_COMPARED,
) -> list[JurorAgreement]:
    """:func:`juror_flags` from precomputed :class:`Agreement` arrays (``labels[code]`` names the juror)."""
    compared, offset, mad, correlation = agreement
    flagged: list[JurorAgreement] = []
    for code, label in enumerate(labels):
        if compared[code] < min_compared:
            continue
        reasons = []
        if mad[code] > max_mean_abs_deviation:
            reasons.append("deviation")
        if not np.isnan(correlation[code]) and correlation[code] < min_correlation:
            reasons.append("correlation")
        if reasons:
            flagged.append(
                JurorAgreement(
                    juror=label,
                    compared=int(compared[code]),
                    offset=_maybe(offset[code]),
                    mean_abs_deviation=_maybe(mad[code]),
                    correlation=_maybe(correlation[code]),
                    reasons=tuple(reasons),
                )
            )
    return flagged


def _maybe(value: float) -> float | None:
    return None if np.isnan(value) else float(value)
