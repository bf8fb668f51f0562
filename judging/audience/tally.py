"""The audience award's count: pure (plain values in, plain values out), and its export read back.

The count is plurality: each counted vote is one voice for one finalist; a voided vote counts for
nobody; a vote for someone who is not in the award counts for nobody either (it cannot happen
through the site, but an edited export must not smuggle one in). Ranks are shared on a tie
(1, 1, 3) and flagged, so a tie at the top is two winners, never one picked by accident.

:func:`ballots_from_csv` reads the export back (``EXPORT_COLUMNS``, by position whatever the
headers' language), so that anyone can recount: ``count_votes(ballots_from_csv(data), finalists)``
gives the tally the site shows.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: The export's columns, in order: (key, meaning). Readers go by position.
EXPORT_COLUMNS = (
    "vote",
    "voter",
    "finalist_ref",
    "finalist",
    "cast_at",
    "changed_at",
    "voided",
    "void_reason",
)
REF_COLUMN = EXPORT_COLUMNS.index("finalist_ref")
VOIDED_COLUMN = EXPORT_COLUMNS.index("voided")
TRUE_TEXT = "true"


@dataclass(frozen=True)
class Ballot:
    """One stored vote: the finalist's reference and whether it was voided."""

    ref: str
    voided: bool = False


@dataclass(frozen=True)
class Count:
    ref: str
    votes: int
    rank: int
    tied: bool


@dataclass(frozen=True)
class Tally:
    counts: tuple[Count, ...]
    counted: int
    voided: int
    ignored: int

    @property
    def winners(self) -> tuple[str, ...]:
        """The finalists ranked first with at least one vote (several on a tie; none without votes)."""
        return tuple(c.ref for c in self.counts if c.rank == 1 and c.votes > 0)


def count_votes(ballots: Iterable[Ballot], finalists: Sequence[str]) -> Tally:
    """Count ``ballots`` for ``finalists`` (in their presentation order, which orders equal counts)."""
    allowed = set(finalists)
    votes: Counter[str] = Counter()
    voided = ignored = 0
    for ballot in ballots:
        if ballot.voided:
            voided += 1
        elif ballot.ref in allowed:
            votes[ballot.ref] += 1
        else:
            ignored += 1
    order = sorted(range(len(finalists)), key=lambda i: (-votes[finalists[i]], i))
    counts: list[Count] = []
    for place, index in enumerate(order):
        ref = finalists[index]
        rank = counts[-1].rank if counts and counts[-1].votes == votes[ref] else place + 1
        counts.append(Count(ref=ref, votes=votes[ref], rank=rank, tied=False))
    shared = Counter(c.rank for c in counts)
    counts = [Count(c.ref, c.votes, c.rank, tied=shared[c.rank] > 1) for c in counts]
    return Tally(counts=tuple(counts), counted=sum(votes.values()), voided=voided, ignored=ignored)


def unneutralised(cell: str) -> str:
    """A cell as written before the export's formula guard (``'=x`` was ``=x``)."""
    return cell[1:] if cell.startswith("'") and cell[1:2] in ("=", "+", "-", "@", "\t", "\r") else cell


def ballots_from_csv(data: bytes) -> list[Ballot]:
    """The ballots of an exported CSV (UTF-8, with or without byte-order mark; header row skipped)."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    return [
        Ballot(ref=unneutralised(row[REF_COLUMN]), voided=row[VOIDED_COLUMN].strip().lower() == TRUE_TEXT)
        for row in rows[1:]
        if len(row) > VOIDED_COLUMN
    ]
