"""Who may do what in judging, and when: the jury's predicates and the statuses and phases they read.

Small named functions, each one rule, used by the routes (a 404 or a refusal), the operations and
the scoring. Conflicts are checked through :func:`is_in_conflict` here for one pair and
:func:`judging.jury.queries.conflicted_pairs` for many: a conflict is an active row of
``conflicts`` (not lifted), or "applying to a prize is always a conflict with judging it".
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from judging.accounts.models import User
from judging.applications.models import Application
from judging.core.models import utcnow
from judging.editions.models import Round
from judging.jury.models import Assignment, Conflict
from judging.results.engine.phases import AFTER_JUDGING, JUDGING_OPENED

OPEN_STATUSES = ("assigned", "draft")
"""Scorecards with work left to do."""
COUNTING_STATUSES = ("assigned", "draft", "submitted")
"""Scorecards that count toward an application's jurors (recused and abstained ones do not)."""
CLOSED_PHASES = AFTER_JUDGING
"""Phases in which scorecards are locked (the phase rules' own list)."""
VISIBLE_PHASES = JUDGING_OPENED
"""Phases in which a juror sees the applications assigned to them (the phase rules' own list)."""
IN_THE_RUNNING = "submitted"
"""The only status of an application a juror ever sees or scores: withdrawn and ineligible ones (and
one reopened to a draft by the organizers) leave every juror page, while their scorecards are kept."""
LIFTABLE_SOURCES = ("organization", "email-domain", "imported", "organizer")
"""Detected (or recorded) conflicts an organizer may lift; a juror's own declaration and being the
applicant or the contact never are."""


def judging_closed_reason(rnd: Round, now: datetime | None = None) -> Any | None:
    """Why scorecards of ``rnd`` cannot change now, or None when they can."""
    now = now or utcnow()
    if rnd.phase in CLOSED_PHASES or (rnd.judging_closes_at is not None and now >= rnd.judging_closes_at):
        return _l("Judging of this round is closed: scorecards can no longer change.")
    if rnd.phase != "judging":
        return _l("Judging of this round has not opened yet.")
    return None


def is_in_conflict(db: Session, user_id: int, application_id: int) -> bool:
    """True when the juror may neither be assigned nor score the application (one query)."""
    prize_of_application = select(Application.prize_id).where(Application.id == application_id)
    email_of_user = select(func.lower(User.email)).where(User.id == user_id)
    declared = exists().where(
        Conflict.user_id == user_id, Conflict.application_id == application_id, Conflict.lifted_at.is_(None)
    )
    applies = exists().where(
        Application.prize_id == prize_of_application.scalar_subquery(),
        Application.status != "draft",
        or_(
            Application.applicant_id == user_id,
            func.lower(Application.contact_email) == email_of_user.scalar_subquery(),
        ),
    )
    return bool(db.scalar(select(or_(declared, applies))))


def in_the_running(application: Application) -> bool:
    """Whether the jury may see the application at all (see :data:`IN_THE_RUNNING`)."""
    return application.status == IN_THE_RUNNING


def juror_may_open(db: Session, user: Any, assignment: Assignment) -> bool:
    """The one rule of every juror route: the juror's own scorecard, in a round whose judging has opened,
    not recused, not in conflict, of an application still in the running. Anything else is a 404."""
    return (
        bool(user and user.is_authenticated)
        and assignment.juror_id == user.id
        and assignment.round.phase in VISIBLE_PHASES
        and assignment.status != "recused"
        and in_the_running(assignment.application)
        and not is_in_conflict(db, user.id, assignment.application_id)
    )


def can_score(db: Session, user: Any, assignment: Assignment, now: datetime | None = None) -> bool:
    """A scorecard the juror may open (:func:`juror_may_open`) while the round's judging is open."""
    return judging_closed_reason(assignment.round, now) is None and juror_may_open(db, user, assignment)
