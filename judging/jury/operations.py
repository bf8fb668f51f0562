"""The jury of a round, its writes: membership, conflicts of interest, assignment, reminders.

Writes validate, mutate, flush, ``record`` an audit event and queue mail; they never
commit (the route or the CLI command commits once). The reads (load, progress, the pages'
data) are in :mod:`judging.jury.queries`, the predicates in :mod:`judging.jury.rules`.

Conflicts are checked in every path through :func:`judging.jury.queries.conflicted_pairs`
(many pairs) and :func:`judging.jury.rules.is_in_conflict` (one pair). A conflict is an active
row of ``conflicts`` (not lifted), or "applying to a prize is always a conflict with judging it":
a juror who is the applicant or the contact of an application in the prize (not a draft) is in
conflict with every application of that prize. The second kind is computed, so no lifting can
ever remove it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from judging.accounts.models import User
from judging.accounts.operations import external_url
from judging.applications.models import Application
from judging.applications.presenters import application_label
from judging.core.audit import record
from judging.core.models import utcnow
from judging.editions.models import Round
from judging.jury.engine import assignment as solver
from judging.jury.engine import conflicts as detection
from judging.jury.models import Assignment, Conflict, JuryMembership
from judging.jury.queries import (
    Progress,
    applicants_in_prize,
    chair_of,
    conflicted_pairs,
    in_round,
    members,
    order_key,
    round_applications,
)
from judging.jury.rules import (
    CLOSED_PHASES,
    COUNTING_STATUSES,
    IN_THE_RUNNING,
    LIFTABLE_SOURCES,
    OPEN_STATUSES,
    is_in_conflict,
    judging_closed_reason,
)
from judging.jury.scorecards import scorecard_state
from judging.mail import outbox as mail
from judging.results.models import mark_stale


class JuryError(Exception):
    """A refusal to show the organizer or the juror: the message is translated (lazy)."""

    def __init__(self, message: Any, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NeedsConfirmation(JuryError):
    """The action destroys work (a submitted scorecard): ask first, then call again with ``confirmed``."""


# --- membership ------------------------------------------------------------------------------------------


def add_member(db: Session, rnd: Round, user: User, *, actor: User) -> JuryMembership:
    if not user.active or not user.has_role("juror"):
        raise JuryError(_l("Only people with the juror role can join a jury: invite them first."), "user")
    existing = db.scalar(
        select(JuryMembership).where(JuryMembership.round_id == rnd.id, JuryMembership.user_id == user.id)
    )
    if existing is not None:
        raise JuryError(_l("%(name)s is already on this jury.", name=user.display_name), "user")
    membership = JuryMembership(round_id=rnd.id, user_id=user.id)
    db.add(membership)
    db.flush()
    record(db, actor=actor, action="jury.member_added", obj=membership, after={"user_id": user.id})
    return membership


def name_chair(db: Session, rnd: Round, user_id: int | None, *, shown_chair: int | None, actor: User) -> bool:
    """Make ``user_id`` (a member; None: nobody) the jury chair; False when it already was.

    ``shown_chair`` is the chair the organizer's page showed: a chair named by someone else since
    is never silently replaced (refused with who it is now). One UPDATE sets every membership of
    the round, so a round never has two chairs, whoever writes at the same moment.
    """
    current = chair_of(db, rnd)
    if current != shown_chair:
        now = db.get(User, current) if current else None
        raise JuryError(
            _l(
                "Someone changed the jury chair meanwhile: it is now %(name)s. Nothing was changed.",
                name=now.display_name,
            )
            if now
            else _l("Someone changed the jury chair meanwhile: there is no chair now. Nothing was changed.")
        )
    if current == user_id:
        return False
    if (
        user_id is not None
        and db.scalar(
            select(JuryMembership.id).where(
                JuryMembership.round_id == rnd.id, JuryMembership.user_id == user_id
            )
        )
        is None
    ):
        raise JuryError(_l("The chair must be a member of this jury."), "user")
    db.execute(
        update(JuryMembership)
        .where(JuryMembership.round_id == rnd.id)
        .values(is_chair=(JuryMembership.user_id == user_id) if user_id is not None else False)
        .execution_options(synchronize_session="fetch")
    )
    record(
        db,
        actor=actor,
        action="jury.chair_named",
        obj=rnd,
        before={"chair": current},
        after={"chair": user_id},
    )
    return True


def remove_member(db: Session, membership: JuryMembership, *, actor: User) -> None:
    """Take a juror off the jury with their unstarted scorecards; refused while they hold scores."""
    scorecards = list(
        db.scalars(
            select(Assignment).where(
                Assignment.round_id == membership.round_id, Assignment.juror_id == membership.user_id
            )
        )
    )
    if any(card.status in ("draft", "submitted") for card in scorecards):
        raise JuryError(
            _l("This juror has scored applications in this round: remove those scorecards one by one first.")
        )
    before = {"user_id": membership.user_id, "scorecards": [card.application_id for card in scorecards]}
    record(db, actor=actor, action="jury.member_removed", obj=membership, before=before)
    for card in scorecards:
        db.delete(card)
    db.delete(membership)
    db.flush()


# --- conflicts -------------------------------------------------------------------------------------------


def detect(db: Session, rnd: Round, *, actor: User) -> list[Conflict]:
    """Run conflict detection between the round's jury and the prize's applications; store new conflicts.

    Pairs that already have a row (declared, detected before, or lifted by an organizer) are left as
    they are: a lifted conflict is not raised again. Applying to the prize is a conflict with every
    application of the prize (source ``applicant``).
    """
    jury = [membership.user for membership in members(db, rnd)]
    applications = list(
        db.scalars(
            select(Application)
            .where(Application.prize_id == rnd.prize_id, Application.status != "draft")
            .options(selectinload(Application.applicant))
        )
    )
    if not jury or not applications:
        return []
    found = detection.detect_conflicts(
        jurors=[
            detection.JurorProfile(
                id=user.id, email=user.email, organization_name=user.organization_name, name=user.name
            )
            for user in jury
        ],
        applications=[
            detection.ApplicantProfile(
                id=app.id,
                org_name=app.org_name,
                contact_email=app.contact_email,
                contact_name=app.contact_name,
                applicant_email=app.applicant.email if app.applicant else None,
            )
            for app in applications
        ],
    )
    pairs = {(item.juror_id, item.application_id): (item.source, item.reason) for item in found}
    by_id = {app.id: app for app in applications}
    for juror_id in applicants_in_prize(db, rnd.prize_id, jury):
        own = [app.ref for app in applications if _owned_by(app, juror_id, jury)]
        for app in applications:
            pairs.setdefault(
                (juror_id, app.id), ("applicant", f"applies to this prize ({', '.join(sorted(own))})")
            )
    known = {  # by juror, not by application: every id of a large prize would be too many parameters
        (user_id, application_id)
        for user_id, application_id in db.execute(
            select(Conflict.user_id, Conflict.application_id).where(
                Conflict.user_id.in_([user.id for user in jury])
            )
        )
        if application_id in by_id
    }
    created = []
    for (juror_id, application_id), (source, reason) in sorted(pairs.items()):
        if (juror_id, application_id) in known:
            continue
        conflict = Conflict(user_id=juror_id, application_id=application_id, source=source, reason=reason)
        db.add(conflict)
        created.append(conflict)
    db.flush()
    mark_stale(db, prize_id=rnd.prize_id)
    record(
        db,
        actor=actor,
        action="jury.conflicts_detected",
        obj=rnd,
        after={
            "created": [
                {"user_id": c.user_id, "application_id": c.application_id, "source": c.source}
                for c in created
            ]
        },
    )
    return created


def _owned_by(app: Application, juror_id: int, jury: list[User]) -> bool:
    email = next((user.email.lower() for user in jury if user.id == juror_id), "")
    return app.applicant_id == juror_id or (app.contact_email or "").lower() == email


def record_conflict(
    db: Session, *, user: User, application: Application, reason: str, actor: User, source: str = "organizer"
) -> Conflict:
    """An organizer (or the import) records a conflict by hand; a lifted one becomes active again."""
    reason = (reason or "").strip()
    if not reason:
        raise JuryError(_l("Write the reason for the conflict."), "reason")
    conflict = db.scalar(
        select(Conflict).where(Conflict.user_id == user.id, Conflict.application_id == application.id)
    )
    before = _conflict_state(conflict) if conflict else None
    if conflict is None:
        conflict = Conflict(user_id=user.id, application_id=application.id)
        db.add(conflict)
    elif conflict.lifted_at is None:
        raise JuryError(_l("This conflict is already recorded."), "application")
    conflict.source = source
    conflict.reason = reason
    conflict.lifted_at = None
    conflict.lifted_by_id = None
    conflict.lift_reason = None
    db.flush()
    mark_stale(db, application_ids=[application.id])
    record(
        db,
        actor=actor,
        action="conflict.recorded",
        obj=conflict,
        before=before,
        after=_conflict_state(conflict),
    )
    return conflict


def lift_conflict(db: Session, conflict: Conflict, *, reason: str, actor: User) -> None:
    """An organizer lifts a detected conflict, with a written reason (logged)."""
    reason = (reason or "").strip()
    if not reason:
        raise JuryError(
            _l("Write why this conflict does not apply: the reason is kept in the log."), "reason"
        )
    if conflict.lifted_at is not None:
        raise JuryError(_l("This conflict is already lifted."))
    if conflict.source not in LIFTABLE_SOURCES:
        raise JuryError(
            _l("A conflict declared by the juror, or with the applicant or the contact, cannot be lifted.")
        )
    if applicants_in_prize(db, conflict.application.prize_id, [conflict.user]):
        raise JuryError(_l("This juror applies to this prize: applying to a prize is always a conflict."))
    before = _conflict_state(conflict)
    conflict.lifted_at = utcnow()
    conflict.lifted_by_id = actor.id
    conflict.lift_reason = reason
    db.flush()
    mark_stale(db, application_ids=[conflict.application_id])
    record(
        db,
        actor=actor,
        action="conflict.lifted",
        obj=conflict,
        before=before,
        after=_conflict_state(conflict),
        reason=reason,
    )


def _conflict_state(conflict: Conflict) -> dict[str, Any]:
    return {
        "user_id": conflict.user_id,
        "application_id": conflict.application_id,
        "source": conflict.source,
        "reason": conflict.reason,
        "lifted_at": conflict.lifted_at,
        "lift_reason": conflict.lift_reason,
    }


# --- assignment ------------------------------------------------------------------------------------------


@dataclass
class AssignmentRun:
    """The outcome of an automatic assignment, kept in the audit event's ``after``."""

    created: int
    loads: dict[int, int]
    shortfalls: list[dict[str, Any]]
    event_id: int
    settings: dict[str, Any] = field(default_factory=dict)


def auto_assign(
    db: Session,
    rnd: Round,
    *,
    actor: User,
    require_language: bool = False,
    max_load: int | None = None,
) -> AssignmentRun:
    """Give each application of the round its number of jurors with the most even workloads.

    Uses the domain's min-cost-flow solver. Existing scorecards are kept and count (recused and
    abstained ones do not count, and their pairs are never proposed again); conflicted pairs are
    never created; only the round's jury and the round's applications take part.
    """
    jury, applications = _auto_assign_inputs(db, rnd, max_load)
    per_application = rnd.jurors_per_application
    app_ids = {app.id for app in applications}
    blocked = conflicted_pairs(db, prize_id=rnd.prize_id, jurors=jury, application_ids=app_ids)
    existing, set_aside = _existing_pairs(db, rnd, {user.id for user in jury}, app_ids, blocked)
    result = solver.assign(
        applications=[solver.AppInfo(id=app.id, language=app.language) for app in applications],
        jurors=[
            solver.JurorInfo(id=user.id, languages=frozenset(user.reads_languages or ())) for user in jury
        ],
        per_application=per_application,
        conflicts=blocked,
        existing=existing,
        max_load=max_load,
        require_language=require_language,
    )
    for juror_id, application_id in result.new_pairs:
        db.add(
            Assignment(round_id=rnd.id, juror_id=juror_id, application_id=application_id, status="assigned")
        )
    db.flush()
    shortfalls = _shortfall_rows(result.shortfalls, applications, set_aside)
    settings = {
        "per_application": per_application,
        "max_load": max_load,
        "require_language": require_language,
    }
    event = record(
        db,
        actor=actor,
        action="jury.auto_assigned",
        obj=rnd,
        after={
            **settings,
            "created": len(result.new_pairs),
            "pairs": [list(pair) for pair in result.new_pairs],
            "loads": {str(k): v for k, v in result.loads.items()},
            "shortfalls": shortfalls,
        },
    )
    return AssignmentRun(
        created=len(result.new_pairs),
        loads=result.loads,
        shortfalls=shortfalls,
        event_id=event.id,
        settings=settings,
    )


def _auto_assign_inputs(
    db: Session, rnd: Round, max_load: int | None
) -> tuple[list[User], list[Application]]:
    """The round's jurors and applications, or the :class:`JuryError` that says why it cannot run."""
    if not rnd.jurors_per_application:
        raise JuryError(_l("Set the number of jurors per application on the round first."))
    if rnd.phase in CLOSED_PHASES:
        raise JuryError(_l("Judging of this round is over: the assignment can no longer change."))
    if max_load is not None and max_load < 1:
        raise JuryError(_l("The maximum load must be at least 1."), "max_load")
    jury = [membership.user for membership in members(db, rnd)]
    if not jury:
        raise JuryError(_l("Add jurors to the jury first."))
    applications = round_applications(db, rnd)
    if not applications:
        raise JuryError(_l("There is no submitted application to assign yet."))
    return jury, applications


def _existing_pairs(
    db: Session, rnd: Round, juror_ids: set[int], app_ids: set[int], blocked: set[tuple[int, int]]
) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
    """``(existing, set_aside)`` among the round's scorecards; every other scorecard's pair joins ``blocked``.

    ``existing``: the pairs that count (assigned, draft, submitted, not in conflict); ``set_aside``:
    the abstentions without a conflict (a place lost, told apart from a conflict in the shortfalls).
    A pair that has a scorecard row is never proposed again.
    """
    existing: set[tuple[int, int]] = set()
    set_aside: set[tuple[int, int]] = set()
    for juror_id, application_id, status in db.execute(
        select(Assignment.juror_id, Assignment.application_id, Assignment.status).where(
            Assignment.round_id == rnd.id
        )
    ):
        pair = (juror_id, application_id)
        if juror_id not in juror_ids or application_id not in app_ids:
            continue
        if status in COUNTING_STATUSES and pair not in blocked:
            existing.add(pair)
        else:
            if status == "abstained" and pair not in blocked:
                set_aside.add(pair)
            blocked.add(pair)
    return existing, set_aside


def _shortfall_rows(
    shortfalls: list[solver.Shortfall], applications: list[Application], set_aside: set[tuple[int, int]]
) -> list[dict[str, Any]]:
    """The solver's shortfalls as the audit event keeps them, abstentions counted apart from conflicts."""
    by_id = {app.id: app for app in applications}
    abstained = Counter(application_id for _juror_id, application_id in set_aside)
    return [
        {
            "application_id": item.application_id,
            "ref": by_id[item.application_id].ref,
            "language": by_id[item.application_id].language,
            "missing": item.missing,
            "eligible": item.eligible,
            "conflicted": item.conflicted - abstained[item.application_id],
            "abstained": abstained[item.application_id],
            "wrong_language": item.wrong_language,
            "cap_reached": item.cap_reached,
        }
        for item in shortfalls
    ]


def add_assignment(db: Session, rnd: Round, *, juror_id: int, application_id: int, actor: User) -> Assignment:
    """Put one juror on one application by hand (refused on a conflict)."""
    if rnd.phase in CLOSED_PHASES:
        raise JuryError(_l("Judging of this round is over: the assignment can no longer change."))
    membership = db.scalar(
        select(JuryMembership)
        .where(JuryMembership.round_id == rnd.id, JuryMembership.user_id == juror_id)
        .options(selectinload(JuryMembership.user))
    )
    if membership is None:
        raise JuryError(_l("Choose a juror of this round."), "juror")
    if not in_round(db, rnd, application_id):
        raise JuryError(_l("Choose an application judged in this round."), "application")
    if is_in_conflict(db, juror_id, application_id):
        raise JuryError(
            _l(
                "%(name)s has a conflict of interest with this application: the assignment is refused.",
                name=membership.user.display_name,
            ),
            "juror",
        )
    existing = db.scalar(
        select(Assignment).where(
            Assignment.round_id == rnd.id,
            Assignment.juror_id == juror_id,
            Assignment.application_id == application_id,
        )
    )
    if existing is not None:
        raise JuryError(
            _l("%(name)s is already assigned to this application.", name=membership.user.display_name),
            "juror",
        )
    assignment = Assignment(
        round_id=rnd.id, juror_id=juror_id, application_id=application_id, status="assigned"
    )
    db.add(assignment)
    db.flush()
    record(
        db,
        actor=actor,
        action="scorecard.assigned",
        obj=assignment,
        after={"juror_id": juror_id, "application_id": application_id, "status": "assigned"},
    )
    return assignment


def remove_assignment(db: Session, assignment: Assignment, *, actor: User, confirmed: bool = False) -> None:
    """Take a juror off an application. A scorecard holding scores goes only when ``confirmed``."""
    if assignment.round.phase in CLOSED_PHASES:
        raise JuryError(_l("Judging of this round is over: the assignment can no longer change."))
    if (assignment.status == "submitted" or assignment.scores) and not confirmed:
        raise NeedsConfirmation(_l("This scorecard holds scores: confirm to delete it."))
    before = {
        "juror_id": assignment.juror_id,
        "application_id": assignment.application_id,
        **scorecard_state(assignment),
    }
    record(db, actor=actor, action="scorecard.removed", obj=assignment, before=before)
    mark_stale(db, round_ids=[assignment.round_id])
    db.delete(assignment)
    db.flush()


# --- reminders -----------------------------------------------------------------------------------------


def send_reminders(db: Session, rnd: Round, *, actor: User, now: datetime | None = None) -> list[User]:
    """One mail per juror with unfinished work in the round (never one per application), in their language."""
    if judging_closed_reason(rnd, now) is not None:
        raise JuryError(_l("Reminders can only be sent while judging of this round is open."))
    jury = [membership.user for membership in members(db, rnd)]
    cards = list(
        db.scalars(
            select(Assignment)
            .join(Application, Assignment.application_id == Application.id)
            .where(
                Assignment.round_id == rnd.id,
                Assignment.juror_id.in_([user.id for user in jury]),
                Application.status == IN_THE_RUNNING,
            )
            .options(selectinload(Assignment.application))
        )
    )
    blocked = conflicted_pairs(
        db, prize_id=rnd.prize_id, jurors=jury, application_ids={card.application_id for card in cards}
    )
    progress: dict[int, Progress] = defaultdict(Progress)
    unfinished: dict[int, list[Assignment]] = defaultdict(list)
    for card in cards:
        if (card.juror_id, card.application_id) in blocked:
            continue
        progress[card.juror_id].add(card.status)
        if card.status in OPEN_STATUSES:
            unfinished[card.juror_id].append(card)
    reminded = []
    for user in jury:
        todo = sorted(unfinished.get(user.id, []), key=lambda card: order_key(user.id, card.application_id))
        if not todo or not user.active:
            continue
        mail.queue(
            db,
            to=user.email,
            template="jury_reminder",
            language=user.language,
            edition=rnd.prize.edition,
            juror=user,
            round=rnd,
            prize=rnd.prize,
            progress=progress[user.id],
            todo=[application_label(card.application, viewer="juror", round=rnd) for card in todo],
            link=_dashboard_link(),
        )
        reminded.append(user)
    record(
        db,
        actor=actor,
        action="jury.reminders_sent",
        obj=rnd,
        after={"jurors": [user.id for user in reminded]},
    )
    return reminded


def _dashboard_link() -> str:
    return external_url("jury.dashboard")
