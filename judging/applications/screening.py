"""Screening by organizers: eligibility decisions, deadline extensions, reopening a submission.

Every function validates, mutates, flushes, writes an audit event with the values
before and after, and queues a mail to the candidate in their language. None of
them commits: the route commits once. A refusal raises :class:`ScreeningError`
with a translated message (and the form field it belongs to).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from judging.accounts.models import User
from judging.accounts.operations import external_url
from judging.applications.models import Application
from judging.core.audit import record, snapshot
from judging.core.audit_event import AuditEvent
from judging.core.models import utcnow
from judging.mail import outbox as mail
from judging.results.models import mark_stale

REASON_MIN = 10
REASON_MAX = 2000
ELIGIBLE = "application.eligible"
INELIGIBLE = "application.ineligible"
EXTENDED = "application.extended"
REOPENED = "application.reopened"
AUDITED_FIELDS = ("status", "eligibility_reason", "deadline_extended_to")


class ScreeningError(Exception):
    """A refusal shown to the organizer; ``field`` names the form input it belongs to (or None)."""

    def __init__(self, message: Any, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Outcome:
    """What a screening action did: ``changed`` (False when it was already so) and who was told."""

    changed: bool
    mailed_to: str | None = None


# --- reading -----------------------------------------------------------------------------------------


def effective_deadline(application: Application) -> datetime:
    """The call's closing time, or this application's extension when it is later."""
    close = application.edition.applications_close
    extension = application.deadline_extended_to
    return max(close, extension) if extension is not None else close


def recipient(application: Application) -> tuple[str | None, str]:
    """Where and in which language to tell the candidate: the applicant's account, else the contact."""
    applicant = application.applicant
    email = (applicant.email if applicant is not None else None) or application.contact_email
    language = (applicant.language if applicant is not None else None) or application.language or "fr"
    return email or None, language if language in ("fr", "en") else "fr"


def last_decision(db: Session, application: Application) -> AuditEvent | None:
    """The latest eligibility decision recorded for this application, if any."""
    return db.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.object_type == "application",
            AuditEvent.object_id == application.id,
            AuditEvent.action.in_((ELIGIBLE, INELIGIBLE)),
        )
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(1)
    ).first()


# --- checks ------------------------------------------------------------------------------------------


def _check_version(application: Application, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != application.version:
        raise ScreeningError(
            _l(
                "This application changed while you were reading it (the candidate may have edited it). "
                "Check it again before deciding."
            )
        )


def _clean_reason(text: str | None, *, required: bool, field: str = "reason") -> str | None:
    cleaned = (text or "").strip()
    if not cleaned:
        if required:
            raise ScreeningError(_l("Give a reason: the candidate will read it."), field)
        return None
    if len(cleaned) < REASON_MIN:
        raise ScreeningError(
            _l("Write a reason of at least %(min)d characters: the candidate will read it.", min=REASON_MIN),
            field,
        )
    if len(cleaned) > REASON_MAX:
        raise ScreeningError(_l("At most %(max)d characters.", max=REASON_MAX), field)
    return cleaned


def _check_future(value: datetime | None, application: Application, now: datetime, field: str) -> datetime:
    if value is None:
        raise ScreeningError(_l("Enter the new deadline."), field)
    if value.tzinfo is None:
        raise ValueError("naive datetime: pass an aware datetime")
    if value <= now:
        raise ScreeningError(_l("The new deadline must be in the future."), field)
    if value <= application.edition.applications_close:
        raise ScreeningError(
            _l(
                "The new deadline must be later than the call's closing time: an earlier one changes nothing."
            ),
            field,
        )
    return value


def _notify(db: Session, application: Application, template: str, **context: Any) -> str | None:
    email, language = recipient(application)
    if not email:
        return None
    mail.queue(
        db,
        to=email,
        template=template,
        language=language,
        application=application,
        prize=application.prize,
        edition=application.edition,
        link=external_url("candidate.dashboard"),
        **context,
    )
    return email


def _record(
    db: Session, application: Application, *, actor: User, action: str, before: dict, reason: str | None
) -> None:
    record(
        db,
        actor=actor,
        action=action,
        obj=application,
        object_type="application",
        edition_id=application.edition_id,
        before=before,
        after=snapshot(application, AUDITED_FIELDS),
        reason=reason,
    )


# --- use cases ---------------------------------------------------------------------------------------


def mark_eligible(
    db: Session,
    application: Application,
    *,
    actor: User,
    note: str | None = None,
    expected_version: int | None = None,
) -> Outcome:
    """Eligible: a submitted application stays submitted, an ineligible one is submitted again.

    ``note`` (optional) is kept as ``eligibility_reason`` and sent to the candidate. Deciding
    the same thing twice (a double click) changes nothing and sends no second mail.
    """
    _check_version(application, expected_version)
    if application.status not in ("submitted", "ineligible"):
        raise ScreeningError(_l("Only a submitted application can be screened."))
    note = _clean_reason(note, required=False)
    if application.status == "submitted" and application.eligibility_reason == note:
        previous = last_decision(db, application)
        if previous is not None and previous.action == ELIGIBLE:
            return Outcome(changed=False)
    before = snapshot(application, AUDITED_FIELDS)
    application.status = "submitted"
    application.eligibility_reason = note
    db.flush()
    mark_stale(db, application_ids=[application.id])
    _record(db, application, actor=actor, action=ELIGIBLE, before=before, reason=note)
    return Outcome(
        changed=True, mailed_to=_notify(db, application, "eligibility_decided", eligible=True, reason=note)
    )


def mark_ineligible(
    db: Session,
    application: Application,
    *,
    actor: User,
    reason: str | None,
    expected_version: int | None = None,
) -> Outcome:
    """Ineligible, with a reason the candidate reads (required, at least ``REASON_MIN`` characters)."""
    _check_version(application, expected_version)
    if application.status not in ("submitted", "ineligible"):
        raise ScreeningError(_l("Only a submitted application can be screened."))
    cleaned = _clean_reason(reason, required=True)
    if application.status == "ineligible" and application.eligibility_reason == cleaned:
        return Outcome(changed=False)
    before = snapshot(application, AUDITED_FIELDS)
    application.status = "ineligible"
    application.eligibility_reason = cleaned
    db.flush()
    mark_stale(db, application_ids=[application.id])
    _record(db, application, actor=actor, action=INELIGIBLE, before=before, reason=cleaned)
    return Outcome(
        changed=True,
        mailed_to=_notify(db, application, "eligibility_decided", eligible=False, reason=cleaned),
    )


def grant_extension(
    db: Session,
    application: Application,
    *,
    actor: User,
    until: datetime | None,
    reason: str | None = None,
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Outcome:
    """Let this one application be submitted or edited until ``until`` (aware; stored in UTC)."""
    _check_version(application, expected_version)
    if application.status not in ("draft", "submitted"):
        raise ScreeningError(_l("Only a draft or a submitted application can get an extension."))
    now = now or utcnow()
    until = _check_future(until, application, now, "until")
    note = _clean_reason(reason, required=False)
    if application.deadline_extended_to == until:
        return Outcome(changed=False)
    before = snapshot(application, AUDITED_FIELDS)
    application.deadline_extended_to = until
    db.flush()
    _record(db, application, actor=actor, action=EXTENDED, before=before, reason=note)
    return Outcome(
        changed=True, mailed_to=_notify(db, application, "deadline_extended", until=until, reason=note)
    )


def reopen(
    db: Session,
    application: Application,
    *,
    actor: User,
    reason: str | None,
    extend_to: datetime | None = None,
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Outcome:
    """A submitted application goes back to draft so that the candidate can edit and submit it again.

    When its deadline has passed, a new deadline (``extend_to``) is required, else the
    candidate could not submit again. A reason is required: the candidate reads it.
    """
    _check_version(application, expected_version)
    if application.status != "submitted":
        raise ScreeningError(_l("Only a submitted application can be reopened."))
    now = now or utcnow()
    if extend_to is None and effective_deadline(application) <= now:
        raise ScreeningError(
            _l("The deadline has passed: give a new deadline so that the candidate can submit again."),
            "extend_to",
        )
    if extend_to is not None:
        extend_to = _check_future(extend_to, application, now, "extend_to")
    cleaned = _clean_reason(reason, required=True)
    before = snapshot(application, AUDITED_FIELDS)
    application.status = "draft"
    if extend_to is not None:
        application.deadline_extended_to = extend_to
    db.flush()
    mark_stale(db, application_ids=[application.id])
    _record(db, application, actor=actor, action=REOPENED, before=before, reason=cleaned)
    return Outcome(
        changed=True,
        mailed_to=_notify(
            db, application, "application_reopened", reason=cleaned, until=effective_deadline(application)
        ),
    )
