"""What a frozen round's snapshot holds, and reading it back: one writer, one reader.

A :class:`~judging.schema.ResultSnapshot` is written when a round's results are frozen
(:func:`judging.results.operations.announce_finalists`, :func:`~judging.results.operations.freeze_final`).
Its ``payload`` is the round's part of the results document (``judging results --json``: the
ranking with ranks and tie flags, reliability, offsets, the fingerprint) plus, since format 2,
the round's **decisions** as they stood at the freeze: for each finalist, winner, mention and
not-selected application its reference, outcome, reason, rank and tie flag in the ranking,
and for those a ceremony names, the names, the citation and the form of address the outputs print
(the address was added later: an older snapshot without it reads as the inclusive form).

**Frozen means frozen**: the public finalists and winners pages, the reveal screen, the ceremony
PDFs and the edition report read the decisions of a frozen round from here
(:func:`frozen_decisions`, through :func:`judging.ceremony.plan.load_prizes`), never from the
live ``decisions`` rows or the live scores: a row changed after the announcement (by hand in the
database, or a bug) changes nothing public or printed. Only a reopening (with a reason) unfreezes a
round. Publication consent stays live (:mod:`judging.applications.publication`): a withdrawal after
the announcement still hides the name.

Snapshots written before format 2 carry no ``decisions``: :func:`frozen_decisions` returns None
for them and the reader falls back to the live rows of that round, with a logged warning.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from judging.accounts.models import Organization, User
from judging.applications.models import Application
from judging.core.models import localized
from judging.editions.models import Round
from judging.results import computation as results_service
from judging.results.models import Decision, ResultSnapshot

log = logging.getLogger(__name__)

#: 2: the payload carries the round's decisions (1: the results document only).
PAYLOAD_FORMAT = 2
#: Outcomes whose names and citation a ceremony output prints (not-selected keeps its reference only).
NAMED_OUTCOMES = ("finalist", "winner", "mention")
LANGUAGES = ("fr", "en")


@dataclass(frozen=True)
class FrozenDecision:
    """One decision as frozen in a snapshot: what every announced or printed output shows."""

    application_id: int
    ref: str
    outcome: str
    reason: str | None = None
    rank: int | None = None
    tied: bool = False
    person: str = ""
    organization: str = ""
    title: str = ""
    city: str = ""
    citation: dict[str, str] = field(default_factory=dict)
    #: the person's form of address (``Application.form_of_address``); None: the inclusive form,
    #: also for a snapshot frozen before the address was kept
    address: str | None = None


def person_name(application: Application, applicant: User | None) -> str:
    """The person a ceremony names: the application's contact, else the applicant's account name."""
    if application.contact_name:
        return application.contact_name
    if applicant is not None and applicant.name:
        return applicant.name
    return ""


def organization_name(application: Application, organization: Organization | None) -> str:
    """The organization as the application names it, else its organization record's name."""
    if application.org_name:
        return application.org_name
    return organization.name if organization is not None else ""


def citation_texts(citation: Any) -> dict[str, str]:
    """A citation in each language (French fills in for a missing English text); {} without one."""
    return {lang: localized(citation, lang) for lang in LANGUAGES} if citation else {}


def effective_round_id(decision: Decision, last_round_id: int | None) -> int | None:
    """The round a decision belongs to: its own, else the prize's last round (one rule for all)."""
    return decision.round_id or last_round_id


def _decision_entry(
    decision: Decision,
    application: Application,
    applicant: User | None,
    organization: Organization | None,
    ranking: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    row = ranking.get(application.ref, {})
    entry: dict[str, Any] = {
        "application": application.ref,
        "application_id": application.id,
        "outcome": decision.outcome,
        "reason": decision.reason,
        "rank": row.get("rank"),
        "tied": bool(row.get("tied", False)),
    }
    if decision.outcome in NAMED_OUTCOMES:
        entry |= {
            "person": person_name(application, applicant),
            "organization": organization_name(application, organization),
            "title": application.title or "",
            "city": application.city or "",
            "citation": citation_texts(decision.citation) if decision.outcome != "finalist" else {},
            "address": application.form_of_address,
        }
    return entry


def round_decisions(db: Session, rnd: Round, ranking: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The decisions of ``rnd`` (its prize's decisions whose round is ``rnd``), as the payload keeps them."""
    last = db.scalar(
        select(Round.id)
        .where(Round.prize_id == rnd.prize_id)
        .order_by(Round.position.desc(), Round.id.desc())
    )
    rows = db.execute(
        select(Decision, Application, User, Organization)
        .join(Application, Application.id == Decision.application_id)
        .outerjoin(User, User.id == Application.applicant_id)
        .outerjoin(Organization, Organization.id == Application.organization_id)
        .where(Decision.prize_id == rnd.prize_id)
        .order_by(Decision.id)
    ).all()
    by_ref = {str(row["application"]): row for row in ranking}
    return [
        _decision_entry(decision, application, applicant, organization, by_ref)
        for decision, application, applicant, organization in rows
        if effective_round_id(decision, last) == rnd.id
    ]


def build_payload(db: Session, rnd: Round, comp: results_service.Computation) -> dict[str, Any]:
    """The payload a round's snapshot keeps: the results document, the format and the decisions."""
    payload = results_service.round_document(comp)
    payload["snapshot_format"] = PAYLOAD_FORMAT
    payload["decisions"] = round_decisions(db, rnd, payload["ranking"])
    return payload


def _frozen_decision(entry: dict[str, Any]) -> FrozenDecision:
    return FrozenDecision(
        application_id=int(entry["application_id"]),
        ref=str(entry["application"]),
        outcome=str(entry["outcome"]),
        reason=entry.get("reason"),
        rank=entry.get("rank"),
        tied=bool(entry.get("tied", False)),
        person=entry.get("person") or "",
        organization=entry.get("organization") or "",
        title=entry.get("title") or "",
        city=entry.get("city") or "",
        citation=dict(entry.get("citation") or {}),
        address=entry.get("address"),  # absent from snapshots frozen before forms of address
    )


def frozen_decisions(entries: Any) -> list[FrozenDecision] | None:
    """The decisions a snapshot's payload froze (``payload["decisions"]``); None for an older payload."""
    if not isinstance(entries, list):
        return None
    return [_frozen_decision(entry) for entry in entries]


def frozen_rounds(
    db: Session, round_ids: Sequence[int]
) -> tuple[dict[int, str], dict[int, list[FrozenDecision]]]:
    """For the frozen rounds among ``round_ids`` (one query): each one's fingerprint, and its frozen
    decisions when its payload has them (an older payload is logged and left out: read live rows)."""
    fingerprints: dict[int, str] = {}
    decisions: dict[int, list[FrozenDecision]] = {}
    if not round_ids:
        return fingerprints, decisions
    rows = db.execute(
        select(
            ResultSnapshot.id,
            ResultSnapshot.round_id,
            ResultSnapshot.fingerprint,
            ResultSnapshot.payload["decisions"],  # not the ranking: it may hold thousands of rows
        )
        .where(ResultSnapshot.round_id.in_(round_ids), ResultSnapshot.invalidated_at.is_(None))
        .order_by(ResultSnapshot.id)
    ).all()
    for snapshot_id, round_id, fingerprint, entries in rows:
        fingerprints[round_id] = fingerprint
        frozen = frozen_decisions(entries)
        if frozen is None:
            decisions.pop(round_id, None)
            log.warning(
                "Snapshot %s of round %s was frozen before decisions were kept in snapshots: "
                "its decisions are read from the live rows.",
                snapshot_id,
                round_id,
            )
        else:
            decisions[round_id] = frozen
    return fingerprints, decisions
