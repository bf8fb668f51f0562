"""What a candidate may do with an application, and when: the deadline, editing, withdrawing, what shows.

Small named predicates on a loaded application (no query), used by the candidate's pages and by
:mod:`judging.applications.operations`, which refuses with the same rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from judging.applications.models import Application
from judging.editions.models import Edition
from judging.results.engine import phases as phase_rules
from judging.results.models import Decision

REVIEW_PHASES = ("screening", "judging", "deliberation", "decided", "announced")
IN_JURY_HANDS = _l(
    "The jury is already judging your application: to change it, write to the organizing team."
)
JUDGED = _l("The jury has judged your application: to withdraw it, write to the organizing team.")
OUTCOME_ORDER = ("winner", "mention", "finalist", "not-selected")


def deadline_of(application: Application) -> datetime:
    close = application.edition.applications_close
    extended = application.deadline_extended_to
    return extended if extended is not None and extended > close else close


def in_time(application: Application, now: datetime) -> bool:
    return application.edition.applications_open <= now <= deadline_of(application)


def window_open(edition: Edition, now: datetime) -> bool:
    return edition.applications_open <= now <= edition.applications_close


def in_jury_hands(application: Application) -> bool:
    """A round of the application's prize has opened judging: what the jury judges is what stays.

    From then on the candidate can neither change nor resubmit the submitted application, even before
    its deadline; the organizers' reopening (logged) turns it back into a draft the candidate can edit.
    """
    return any(rnd.phase in phase_rules.JUDGING_OPENED for rnd in application.prize.rounds)


def judged(application: Application) -> bool:
    """Judging of the application's prize has closed (deliberation, decided, announced): too late to withdraw.

    Before that a candidate may withdraw, even while the jury scores: the application then leaves every
    juror page (``judging.jury.rules.IN_THE_RUNNING``) and the results.
    """
    return any(rnd.phase in phase_rules.AFTER_JUDGING for rnd in application.prize.rounds)


def can_edit(application: Application, now: datetime) -> bool:
    """Drafts can always be saved; a submitted one can change until its deadline, unless jurors have it."""
    if application.status == "draft":
        return True
    return (
        application.status == "submitted"
        and now <= deadline_of(application)
        and not in_jury_hands(application)
    )


def results_final(edition: Edition, now: datetime) -> bool:
    """The winners are public (or the ceremony has taken place): the contest is over for everyone."""
    return any(
        moment is not None and moment <= now for moment in (edition.winners_public_at, edition.ceremony_at)
    )


def can_withdraw(application: Application, now: datetime) -> bool:
    """A submitted application, until its prize's judging closes (:func:`judged`) or the results are out."""
    return (
        application.status == "submitted"
        and not results_final(application.edition, now)
        and not judged(application)
    )


def withdraw_refusal(application: Application) -> Any:
    """Why :func:`can_withdraw` said no, in the candidate's words."""
    if application.status == "submitted" and judged(application):
        return JUDGED
    return _l("This application cannot be withdrawn.")


def outcome_visible(decision: Decision, edition: Edition, now: datetime, *, finalist: bool) -> bool:
    """An outcome shows only once announced: its round announced, or the edition's public time passed."""
    if decision.round is not None and decision.round.phase == "announced":
        return True
    if decision.outcome == "finalist":
        moment = edition.finalists_public_at
    elif decision.outcome in ("winner", "mention"):
        moment = edition.winners_public_at
    else:  # not selected: at the finalists' announcement, or with the winners for a finalist
        moment = (
            edition.winners_public_at
            if finalist
            else (edition.finalists_public_at or edition.winners_public_at)
        )
    return moment is not None and moment <= now


def visible_outcomes(application: Application, decisions: Iterable[Decision], now: datetime) -> list[str]:
    mine = [d for d in decisions if d.application_id == application.id]
    finalist = any(d.outcome == "finalist" for d in mine)
    shown = {d.outcome for d in mine if outcome_visible(d, application.edition, now, finalist=finalist)}
    return [outcome for outcome in OUTCOME_ORDER if outcome in shown]


def status_key(application: Application, now: datetime, outcomes: Iterable[str] = ()) -> str:
    """draft, submitted, under-review, withdrawn or ineligible (outcomes come from visible_outcomes).

    An application told it is not among the finalists is no longer under review, even while the
    prize's final is judged (« Soumise · Non retenue », not « En évaluation · Non retenue »).
    """
    if (
        application.status == "submitted"
        and "not-selected" not in outcomes
        and any(r.phase in REVIEW_PHASES for r in application.prize.rounds)
    ):
        return "under-review"
    return application.status
