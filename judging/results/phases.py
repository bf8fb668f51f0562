"""Phase changes of a round, and its method and tie-break chain, as logged organizer actions.

The rules are pure (:mod:`judging.results.engine.phases`); this module applies them: it
validates, mutates, flushes and records an audit event, and never commits (the route
or the CLI command commits once). Reopening a round (going back out of deliberation,
decided or announced) needs a reason and invalidates its frozen snapshot
(:func:`reopen_round`, which :mod:`judging.results.operations` uses too, as it uses
:class:`DecisionError`: both live here so that decisions import phases, never the reverse).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from judging.accounts.models import User
from judging.core import versions
from judging.core.audit import record
from judging.core.models import utcnow
from judging.editions.models import METHODS, Criterion, Round
from judging.editions.operations import tie_break_errors
from judging.results.engine import phases as rules
from judging.results.models import ResultSnapshot

REASON_MAX = 2000


class DecisionError(Exception):
    """A refused decision: ``message`` (translated, lazy) for the page, ``errors`` per field."""

    def __init__(self, message: Any, errors: dict[str, list[Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class PhaseError(Exception):
    """A refused phase or settings change: ``message`` is translated (lazy); nothing changed."""

    def __init__(self, message: Any, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def clean_reason(reason: Any) -> str | None:
    text = (reason or "").strip() if isinstance(reason, str) or reason is None else str(reason).strip()
    return text[:REASON_MAX] if text else None


def set_phase(
    db: Session,
    rnd: Round,
    target: str,
    *,
    actor: User | None,
    reason: str | None = None,
    action: str = "round.phase_changed",
    extra: dict[str, Any] | None = None,
) -> None:
    """Move ``rnd`` to ``target`` and log it (callers have checked the rules)."""
    before = {"phase": rnd.phase}
    rnd.phase = target
    db.flush()
    record(
        db,
        actor=actor,
        action=action,
        obj=rnd,
        before=before,
        after={"phase": target, **(extra or {})},
        reason=reason,
    )


def _criterion_count(db: Session, rnd: Round) -> int:
    return db.scalar(select(func.count()).select_from(Criterion).where(Criterion.round_id == rnd.id)) or 0


def transition(
    db: Session,
    rnd: Round,
    target: str,
    *,
    actor: User | None,
    reason: str | None = None,
    expected_version: int | None = None,
    shown: str | None = None,
) -> None:
    """An organizer moves a round to ``target``; refused (``PhaseError``) when the rules say no.

    A page that showed another phase than the round's (someone moved it meanwhile) is refused
    with :class:`~judging.core.versions.StaleEditError`.

    ``decided`` and ``announced`` are reached through decisions only (finalist selection,
    winner, announcement). Going back after judging closed is a reopening: a reason is
    required and the frozen snapshot is invalidated.
    """
    if target not in rules.PHASES:
        raise PhaseError(_l("Unknown phase."), "target")
    versions.check_version(db, rnd, expected_version, shown=shown, changes={"phase": target}, actor=actor)
    current = rnd.phase
    if target == current:
        raise PhaseError(_l("The round is already in this phase."), "target")
    forward = rules.PHASES.index(target) > rules.PHASES.index(current)
    if (
        forward
        and target in rules.DECISION_PHASES
        and rules.transition_allowed(current, target, through_decision=True)
    ):
        if target == "decided":
            raise PhaseError(
                _l("A round becomes “decided” when its finalists are selected or its winner is recorded."),
                "target",
            )
        raise PhaseError(_l("Use “Announce” on the results page: it freezes the results first."), "target")
    if not rules.transition_allowed(current, target):
        raise PhaseError(_l("This phase change is not allowed from the current phase."), "target")
    if rules.is_reopening(current, target):
        reopen_round(db, rnd, actor=actor, reason=reason, target=target)
        return
    if target == "judging":
        if not _criterion_count(db, rnd):
            raise PhaseError(_l("Add the rubric's criteria before opening judging."), "target")
        codes = list(db.scalars(select(Criterion.code).where(Criterion.round_id == rnd.id)))
        problems = tie_break_problems(rnd.tie_break or [], codes)
        if problems:
            raise PhaseError(problems[0], "target")
    set_phase(db, rnd, target, actor=actor, reason=clean_reason(reason))


def tie_break_problems(chain: Sequence[str], criterion_codes: Sequence[str]) -> list[Any]:
    """Translated messages for a tie-break chain (unknown entries, criteria that do not exist)."""
    return list(tie_break_errors(list(chain), criterion_codes))


def change_method(
    db: Session,
    rnd: Round,
    *,
    method: str,
    tie_break: Sequence[str],
    actor: User | None,
    expected_version: int | None = None,
    shown: str | None = None,
) -> bool:
    """Set the round's aggregation method and tie-break chain; refused once judging has opened.

    Returns True when something changed. A chain naming a criterion the round does not
    have is refused with a message naming it.
    """
    chain = [entry.strip() for entry in tie_break if entry and entry.strip()]
    if method not in METHODS:
        raise PhaseError(_l("Choose a method from the list."), "method")
    changes = {"method": method, "tie_break": chain}
    versions.check_version(db, rnd, expected_version, shown=shown, changes=changes, actor=actor)
    changed_method = method != rnd.method
    changed_chain = chain != list(rnd.tie_break or [])
    if changed_method and not rules.can_change_method(rnd.phase):
        raise PhaseError(
            _l("Judging has started in this round: its method can no longer be changed."), "method"
        )
    if changed_chain and not rules.can_change_tie_break(rnd.phase):
        raise PhaseError(
            _l("Judging has started in this round: its tie-break chain can no longer be changed."),
            "tie_break",
        )
    codes = list(db.scalars(select(Criterion.code).where(Criterion.round_id == rnd.id)))
    problems = tie_break_problems(chain, codes)
    if problems:
        raise PhaseError(problems[0], "tie_break")
    if not (changed_method or changed_chain):
        return False
    before = {"method": rnd.method, "tie_break": list(rnd.tie_break or [])}
    rnd.method = method
    rnd.tie_break = chain
    db.flush()
    record(
        db,
        actor=actor,
        action="round.method_changed",
        obj=rnd,
        before=before,
        after={"method": method, "tie_break": chain},
    )
    return True


# --- reopening ------------------------------------------------------------------------------------------


def reopen_round(
    db: Session, rnd: Round, *, actor: User | None, reason: str | None, target: str = "judging"
) -> list[ResultSnapshot]:
    """Reopen a round after judging closed (logged, reason required); invalidates its snapshot.

    ``target`` is ``judging`` (scorecards may change again), ``deliberation`` or ``decided``.
    The decisions stay; announcing again checks them against the new results.
    """
    reason_text = clean_reason(reason)
    if not reason_text:
        raise DecisionError(
            _l("Write the reason for reopening the round: it is kept in the log."),
            {"reason": [_l("Write the reason for reopening the round.")]},
        )
    if len(reason or "") > REASON_MAX:
        raise DecisionError(_l("At most %(max)d characters.", max=REASON_MAX))
    if not rules.is_reopening(rnd.phase, target) or not rules.transition_allowed(rnd.phase, target):
        raise DecisionError(_l("This round cannot be reopened to that phase."))
    snapshots = list(
        db.scalars(
            select(ResultSnapshot).where(
                ResultSnapshot.round_id == rnd.id, ResultSnapshot.invalidated_at.is_(None)
            )
        )
    )
    now = utcnow()
    for snapshot in snapshots:
        snapshot.invalidated_at = now
        snapshot.invalidated_reason = reason_text
    db.flush()
    set_phase(
        db,
        rnd,
        target,
        actor=actor,
        reason=reason_text,
        action="round.reopened",
        extra={"invalidated_snapshots": [s.id for s in snapshots]},
    )
    return snapshots
