"""Named reads of the audience award: one small function per question.

:func:`audience_result` is what the ceremony reads (run-of-show, envelope cards, certificates,
public winners page, report): the winners of a closed vote, or None.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from judging.applications.models import Application
from judging.audience import rules
from judging.audience.models import AudienceAward, AudienceCandidate, AudienceVote, AudienceVoter
from judging.audience.tally import EXPORT_COLUMNS, Ballot, Tally, count_votes
from judging.core import clock
from judging.editions.models import Edition, Prize
from judging.results.models import Decision

#: fraud signals: a network or a domain with at least this many voters is listed
CROWD_THRESHOLD = 10
#: a burst is this many votes from one network within one window
BURST_WINDOW = timedelta(minutes=1)


def award_of(db: Session, edition: Edition) -> AudienceAward | None:
    return db.scalar(
        select(AudienceAward)
        .where(AudienceAward.edition_id == edition.id)
        .options(selectinload(AudienceAward.candidates).selectinload(AudienceCandidate.application))
    )


def award_by_edition_code(db: Session, code: str) -> AudienceAward | None:
    return db.scalar(
        select(AudienceAward)
        .join(Edition, Edition.id == AudienceAward.edition_id)
        .where(Edition.code == code)
        .options(selectinload(AudienceAward.candidates).selectinload(AudienceCandidate.application))
    )


def eligible_finalists(db: Session, edition_id: int) -> list[Application]:
    """The edition's finalists (a ``finalist`` decision of any of its prizes), by reference."""
    finalists = (
        select(Decision.application_id)
        .join(Prize, Prize.id == Decision.prize_id)
        .where(Prize.edition_id == edition_id, Decision.outcome == "finalist")
    )
    return list(
        db.scalars(select(Application).where(Application.id.in_(finalists)).order_by(Application.ref))
    )


def finalists_in_award(award: AudienceAward) -> list[Application]:
    return [c.application for c in award.candidates]


def current_vote(db: Session, voter: AudienceVoter) -> AudienceVote | None:
    return db.scalar(select(AudienceVote).where(AudienceVote.voter_id == voter.id))


# --- turnout and fraud signals (no count per finalist) ------------------------------------------------------


@dataclass(frozen=True)
class Turnout:
    attendees: int
    links_sent: int
    voters: int
    codes_requested: int
    codes_never_used: int
    votes: int
    voided: int
    changed: int


def turnout(db: Session, award: AudienceAward) -> Turnout:
    voters = db.execute(
        select(
            func.count(),
            func.count().filter(AudienceVoter.source == "attendee"),
            func.count(AudienceVoter.link_sent_at),
            func.count(AudienceVoter.code_requested_at),
            func.count().filter(
                AudienceVoter.code_requested_at.is_not(None), AudienceVoter.code_used_at.is_(None)
            ),
        ).where(AudienceVoter.award_id == award.id)
    ).one()
    votes = db.execute(
        select(
            func.count(), func.count(AudienceVote.voided_at), func.count().filter(AudienceVote.changes > 0)
        ).where(AudienceVote.award_id == award.id)
    ).one()
    return Turnout(
        voters=voters[0],
        attendees=voters[1],
        links_sent=voters[2],
        codes_requested=voters[3],
        codes_never_used=voters[4],
        votes=votes[0] - votes[1],
        voided=votes[1],
        changed=votes[2],
    )


@dataclass(frozen=True)
class NetworkSignal:
    network: str
    voters: int
    votes: int
    busiest_minute: int


@dataclass(frozen=True)
class DomainSignal:
    domain: str
    voters: int
    votes: int


@dataclass(frozen=True)
class Signals:
    networks: list[NetworkSignal]
    domains: list[DomainSignal]
    unused_codes: list[AudienceVoter]


def busiest_window(moments: list[datetime], window: timedelta = BURST_WINDOW) -> int:
    """The most moments found within any ``window`` (a sliding window over the sorted moments)."""
    ordered = sorted(moments)
    best = start = 0
    for end, moment in enumerate(ordered):
        while moment - ordered[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


def network_signals(voters: list[AudienceVoter], votes: list[Any]) -> list[NetworkSignal]:
    """Networks with many voters or votes, the burstiest first."""
    moments: dict[str, list[datetime]] = defaultdict(list)
    for row in votes:
        moments[row.network or "?"].append(row.cast_at)
    voters_per_network = Counter(v.network or "?" for v in voters)
    found = [
        NetworkSignal(net, voters_per_network[net], len(times), busiest_window(times))
        for net, times in moments.items()
        if len(times) >= CROWD_THRESHOLD or voters_per_network[net] >= CROWD_THRESHOLD
    ]
    return sorted(found, key=lambda s: (-s.busiest_minute, -s.votes, s.network))


def domain_signals(voters: list[AudienceVoter], voted: set[int]) -> list[DomainSignal]:
    """Email domains with many addresses, the most first."""
    addresses = Counter(v.email.rpartition("@")[2] for v in voters)
    with_votes = Counter(v.email.rpartition("@")[2] for v in voters if v.id in voted)
    return [
        DomainSignal(domain, count, with_votes[domain])
        for domain, count in addresses.most_common()
        if count >= CROWD_THRESHOLD
    ]


def signals(db: Session, award: AudienceAward) -> Signals:
    """Bursts from one network, many addresses at one domain, codes asked for and never used."""
    voters = list(db.scalars(select(AudienceVoter).where(AudienceVoter.award_id == award.id)))
    votes = list(
        db.execute(
            select(AudienceVote.voter_id, AudienceVote.network, AudienceVote.cast_at).where(
                AudienceVote.award_id == award.id, AudienceVote.voided_at.is_(None)
            )
        )
    )
    unused = [v for v in voters if v.code_requested_at is not None and v.code_used_at is None]
    unused.sort(key=lambda v: v.code_requested_at, reverse=True)
    return Signals(
        networks=network_signals(voters, votes),
        domains=domain_signals(voters, {row.voter_id for row in votes}),
        unused_codes=unused,
    )


def votes_for_review(db: Session, award: AudienceAward) -> list[tuple[AudienceVote, AudienceVoter]]:
    """Every vote with its voter, latest first, for voiding (the choice is not part of it)."""
    return [
        (vote, voter)
        for vote, voter in db.execute(
            select(AudienceVote, AudienceVoter)
            .join(AudienceVoter, AudienceVoter.id == AudienceVote.voter_id)
            .where(AudienceVote.award_id == award.id)
            .order_by(AudienceVote.cast_at.desc(), AudienceVote.id.desc())
        )
    ]


# --- the tally (hidden: callers are the audited look, the export, and the ceremony after the vote) ---------


def ballots(db: Session, award: AudienceAward) -> list[Ballot]:
    rows = db.execute(
        select(Application.ref, AudienceVote.voided_at)
        .join(Application, Application.id == AudienceVote.application_id)
        .where(AudienceVote.award_id == award.id)
    ).all()
    return [Ballot(ref=row.ref, voided=row.voided_at is not None) for row in rows]


def tally(db: Session, award: AudienceAward) -> Tally:
    return count_votes(ballots(db, award), [a.ref for a in finalists_in_award(award)])


def export_columns() -> list[tuple[str, Any]]:
    headers = {
        "vote": _l("Vote"),
        "voter": _l("Voter"),
        "finalist_ref": _l("Finalist reference"),
        "finalist": _l("Finalist"),
        "cast_at": _l("Cast at"),
        "changed_at": _l("Changed at"),
        "voided": _l("Voided"),
        "void_reason": _l("Reason voided"),
    }
    return [(key, headers[key]) for key in EXPORT_COLUMNS]


def export_rows(db: Session, award: AudienceAward) -> list[dict[str, Any]]:
    """One row per vote; the voter is a number (no address leaves in the export)."""
    rows = db.execute(
        select(AudienceVote, Application.ref, Application.title)
        .join(Application, Application.id == AudienceVote.application_id)
        .where(AudienceVote.award_id == award.id)
        .order_by(AudienceVote.id)
    ).all()
    return [
        {
            "vote": vote.id,
            "voter": vote.voter_id,
            "finalist_ref": ref,
            "finalist": title,
            "cast_at": vote.cast_at,
            "changed_at": vote.changed_at,
            "voided": vote.voided_at is not None,
            "void_reason": vote.void_reason,
        }
        for vote, ref, title in rows
    ]


@dataclass(frozen=True)
class AudienceResult:
    """A closed audience vote for the ceremony: winners (several on a tie) and every finalist's count."""

    award: AudienceAward
    winners: list[Application]
    finalists: list[tuple[Application, int, int]]  # (finalist, votes, rank)
    counted: int
    tied: bool
    public: bool  # the ceremony has revealed the winners: pages for everyone may show it


def audience_result(db: Session, edition: Edition, *, at: datetime | None = None) -> AudienceResult | None:
    """The edition's audience award once its vote has closed (None: no award, or the vote not closed).

    For the ceremony's documents and reveal, which organizers prepare before the reveal; pages for
    the public must show it only when ``public`` is true.
    """
    at = at or clock.now()
    award = award_of(db, edition)
    if award is None or not rules.vote_has_closed(award, at):
        return None
    counted = tally(db, award)
    by_ref = {a.ref: a for a in finalists_in_award(award)}
    return AudienceResult(
        award=award,
        winners=[by_ref[ref] for ref in counted.winners],
        finalists=[(by_ref[c.ref], c.votes, c.rank) for c in counted.counts],
        counted=counted.counted,
        tied=len(counted.winners) > 1,
        public=rules.tally_is_public(award, edition, at),
    )
