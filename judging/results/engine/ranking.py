"""Competition ranks, tie-break chains and the Schulze method.

Pure functions: no Flask, no database. The result document's contract is
``spec/edition-format.md`` ("Results"); ``docs/results-method.md`` explains
the rules in plain words.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import numpy as np

T = TypeVar("T")
H = TypeVar("H", bound=Hashable)

#: Tie-break entries without an argument; ``criterion:CODE`` is the one with an argument.
TIE_BREAK_ENTRIES = ("median", "mean", "count", "first-places")
CRITERION_PREFIX = "criterion:"

#: Strongest paths are O(n²) memory and O(n³) time: about 0.7 s at 1,000 candidates on
#: the reference 2-core machine. Schulze is meant for final rounds (a dozen finalists).
SCHULZE_MAX_CANDIDATES = 1000


@dataclass(frozen=True, slots=True)
class Ranked(Generic[T]):
    """One row with its competition rank; ``tied`` when another row shares the rank."""

    row: T
    rank: int
    tied: bool


def competition_ranks(
    *,
    rows: Iterable[T],
    key: Callable[[T], Any],
    tie_break: Sequence[Callable[[T], Any]] = (),
) -> list[Ranked[T]]:
    """Rank ``rows`` by ``key``, higher first, with shared places (1, 2, 2, 4).

    Rows with equal keys are separated by the ``tie_break`` keys in order
    (each one higher first), applied only to the rows still tied, so a
    tie-break key is never computed for a row that is not tied. Rows still
    equal after the whole chain share a rank and are flagged ``tied``; they keep
    their input order. Keys must be mutually comparable and compare exactly
    (ints, Fractions, tuples of them, or floats already rounded by the caller).
    """
    items = list(rows)
    groups = _split(items, [key, *tie_break])
    ranked: list[Ranked[T]] = []
    position = 1
    for group in groups:
        tied = len(group) > 1
        ranked.extend(Ranked(row=row, rank=position, tied=tied) for row in group)
        position += len(group)
    return ranked


def _split(items: list[T], keys: Sequence[Callable[[T], Any]]) -> list[list[T]]:
    """Order ``items`` by the first key (descending, stable) and recurse on equal runs."""
    if len(items) < 2 or not keys:
        return [items]
    first, rest = keys[0], keys[1:]
    keyed = sorted(
        ((first(item), index) for index, item in enumerate(items)), key=lambda kv: kv[0], reverse=True
    )
    groups: list[list[T]] = []
    start = 0
    for end in range(1, len(keyed) + 1):
        if end == len(keyed) or keyed[end][0] != keyed[start][0]:
            run = [items[index] for _, index in keyed[start:end]]
            groups.extend(_split(run, rest) if len(run) > 1 else [run])
            start = end
    return groups


def parse_tie_break(entry: str) -> tuple[str, str | None]:
    """``"criterion:impact"`` → ``("criterion", "impact")``; ``"median"`` → ``("median", None)``."""
    if entry.startswith(CRITERION_PREFIX):
        return "criterion", entry[len(CRITERION_PREFIX) :]
    return entry, None


def validate_tie_break(*, chain: Sequence[str], criterion_codes: Iterable[str]) -> list[str]:
    """Error messages for a round's tie-break chain (an empty list when it is valid)."""
    codes = set(criterion_codes)
    errors: list[str] = []
    if isinstance(chain, str) or not isinstance(chain, Sequence):
        return ["the tie-break chain must be a list of entries"]
    for position, entry in enumerate(chain):
        if not isinstance(entry, str):
            errors.append(f"tie-break entry {position + 1} must be text, not {entry!r}")
            continue
        kind, code = parse_tie_break(entry)
        if kind == "criterion":
            if not code:
                errors.append(f"tie-break entry {entry!r} names no criterion (expected criterion:CODE)")
            elif code not in codes:
                known = ", ".join(sorted(codes)) or "none"
                errors.append(
                    f"tie-break entry {entry!r}: this round has no criterion {code!r} (criteria: {known})"
                )
        elif kind not in TIE_BREAK_ENTRIES:
            errors.append(
                f"unknown tie-break entry {entry!r} (use criterion:CODE, median, mean, count or first-places)"
            )
    return errors


# --- Schulze -----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)  # numpy arrays have no single truth value for ==
class SchulzeOutcome(Generic[H]):
    """The Schulze method's working and result.

    ``pairwise[i, j]`` is the number of ballots ranking candidate i above j;
    ``strongest[i, j]`` the strength of the strongest path from i to j;
    i beats j when ``strongest[i, j] > strongest[j, i]``. ``wins`` counts the
    candidates each one beats, and ``order`` lists candidates by wins, more
    first (candidates with equal wins in input order).
    """

    candidates: tuple[H, ...]
    pairwise: np.ndarray
    strongest: np.ndarray
    wins: dict[H, int]
    order: tuple[H, ...]

    def beats(self, a: H, b: H) -> bool:
        i, j = self.candidates.index(a), self.candidates.index(b)
        return bool(self.strongest[i, j] > self.strongest[j, i])


def schulze_order(
    *, ballots: Iterable[Mapping[H, Any]], candidates: Sequence[H] | None = None
) -> SchulzeOutcome[H]:
    """Schulze order of ``candidates`` from ballots mapping candidate → score (higher is preferred).

    Equal scores on a ballot are ties on that ballot. A candidate missing from a
    ballot (a juror who did not score it, e.g. a recusal) gets no preference
    either way from that ballot: it is neither above nor below the others.
    Candidates default to the order of first appearance across the ballots.
    """
    ballots = list(ballots)
    if candidates is None:
        seen: dict[H, None] = {}
        for ballot in ballots:
            for candidate in ballot:
                seen.setdefault(candidate, None)
        candidates = list(seen)
    names = tuple(candidates)
    position = {name: i for i, name in enumerate(names)}
    if len(position) != len(names):
        raise ValueError("candidates must be distinct")
    encoded = []
    for number, ballot in enumerate(ballots, start=1):
        unknown = [c for c in ballot if c not in position]
        if unknown:
            raise ValueError(f"ballot {number} scores unknown candidates: {unknown!r}")
        encoded.append(([position[c] for c in ballot], dense_levels(list(ballot.values()))))
    pairwise, strongest = schulze_matrices(size=len(names), ballots=encoded)
    wins_array = schulze_wins(strongest)
    wins = {name: int(wins_array[i]) for i, name in enumerate(names)}
    order = tuple(names[i] for i in sorted(range(len(names)), key=lambda i: -wins_array[i]))
    return SchulzeOutcome(candidates=names, pairwise=pairwise, strongest=strongest, wins=wins, order=order)


def dense_levels(values: Sequence[Any]) -> list[int]:
    """Replace comparable values by dense integer levels (equal values share a level)."""
    levels = {value: level for level, value in enumerate(sorted(set(values)))}
    return [levels[value] for value in values]


def schulze_matrices(
    *, size: int, ballots: Iterable[tuple[Sequence[int], Sequence[int]]]
) -> tuple[np.ndarray, np.ndarray]:
    """Pairwise-preference and strongest-path matrices.

    ``ballots`` are (candidate indices, integer levels, higher preferred) pairs.
    Strongest paths use the Floyd–Warshall widest-path recurrence, one numpy
    pass per intermediate candidate: p[i, j] = max(p[i, j], min(p[i, k], p[k, j])).
    """
    if size > SCHULZE_MAX_CANDIDATES:
        raise ValueError(
            f"the Schulze method is limited to {SCHULZE_MAX_CANDIDATES} applications "
            f"(it compares every pair); this round has {size}: use it for final rounds"
        )
    pairwise = np.zeros((size, size), dtype=np.int32)
    for indices, levels in ballots:
        idx = np.asarray(indices, dtype=np.intp)
        lv = np.asarray(levels, dtype=np.int64)
        if idx.size < 2:
            continue
        pairwise[np.ix_(idx, idx)] += lv[:, None] > lv[None, :]
    strongest = np.where(pairwise > pairwise.T, pairwise, 0)
    scratch = np.empty_like(strongest)
    for k in range(size):
        # Row and column k cannot change during step k, so reading them while writing is safe.
        np.minimum(strongest[:, k : k + 1], strongest[k : k + 1, :], out=scratch)
        np.maximum(strongest, scratch, out=strongest)
    np.fill_diagonal(strongest, 0)
    return pairwise, strongest


def schulze_wins(strongest: np.ndarray) -> np.ndarray:
    """For each candidate, how many others it beats (strongest[i, j] > strongest[j, i])."""
    return (strongest > strongest.T).sum(axis=1)
