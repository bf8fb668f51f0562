"""The organizer's hold on the outbox: mail still waiting, mail given up; retry or cancel (audited).

Only the sender (``services.mail``) sends. Retrying gives a given-up mail its attempts back and
makes it due now; cancelling marks an unsent mail ``cancelled_at`` so no sender takes it. Both are
conditional UPDATEs, so a mail sent or cancelled meanwhile is reported, never changed twice. A mail
that a sender holds at that very moment may still leave (delivery is at least once, see
``docs/mail.md``). Flush and audit; the route commits.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from judging.accounts.models import User
from judging.core.audit import record
from judging.core.models import utcnow
from judging.mail.models import OutgoingMail
from judging.mail.outbox import given_up_conditions, waiting_conditions

#: Rows shown per list on the outbox page (the counts are always complete).
PAGE_SIZE = 100


class OutboxError(Exception):
    """A retry or cancellation that cannot apply; ``str(error)`` is the translated reason."""


@dataclass
class OutboxView:
    given_up: list[OutgoingMail]
    given_up_total: int
    waiting: list[OutgoingMail]
    waiting_total: int


def given_up_count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(OutgoingMail).where(*given_up_conditions())) or 0


def outbox_view(db: Session, *, limit: int = PAGE_SIZE) -> OutboxView:
    """Given-up mail (latest first), then waiting mail: failing first (most attempts), then by next try."""
    given_up = db.scalars(
        select(OutgoingMail)
        .where(*given_up_conditions())
        .order_by(OutgoingMail.gave_up_at.desc(), OutgoingMail.id.desc())
        .limit(limit)
    ).all()
    waiting = db.scalars(
        select(OutgoingMail)
        .where(*waiting_conditions())
        .order_by(OutgoingMail.attempts.desc(), OutgoingMail.send_after, OutgoingMail.id)
        .limit(limit)
    ).all()
    waiting_total = db.scalar(select(func.count()).select_from(OutgoingMail).where(*waiting_conditions()))
    return OutboxView(list(given_up), given_up_count(db), list(waiting), waiting_total or 0)


def _summary(mail: OutgoingMail) -> dict:
    return {
        "to": mail.to_address,
        "subject": mail.subject,
        "attempts": mail.attempts,
        "last_error": mail.last_error,
        "gave_up_at": mail.gave_up_at,
        "cancelled_at": mail.cancelled_at,
    }


def _apply(db: Session, mail: OutgoingMail, conditions, values: dict, refusal) -> None:
    """A conditional UPDATE of one row; ``refusal`` is raised when the row no longer qualifies."""
    changed = db.execute(
        update(OutgoingMail)
        .where(OutgoingMail.id == mail.id, *conditions)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.refresh(mail)
    if changed != 1:
        raise OutboxError(_refusal_reason(mail, refusal))


def _refusal_reason(mail: OutgoingMail, fallback) -> str:
    if mail.sent_at is not None:
        return str(_l("This mail has been sent meanwhile: nothing was changed."))
    if mail.cancelled_at is not None:
        return str(_l("This mail was already cancelled: nothing was changed."))
    return str(fallback)


def retry(db: Session, mail: OutgoingMail, *, actor: User | None) -> None:
    """Give a given-up mail its attempts back; the sender takes it at its next pass."""
    before = _summary(mail)
    _apply(
        db,
        mail,
        given_up_conditions(),
        {"attempts": 0, "gave_up_at": None, "send_after": utcnow()},
        _l("Only a mail the sender gave up on can be retried: this one is still being tried."),
    )
    record(
        db,
        actor=actor,
        action="mail.retried",
        object_type="outgoing_mail",
        object_id=mail.id,
        before=before,
        after=_summary(mail),
    )


def retry_all_given_up(db: Session, *, actor: User | None) -> int:
    """Retry every given-up mail (after an outage, say); returns how many."""
    mails = db.scalars(select(OutgoingMail).where(*given_up_conditions()).order_by(OutgoingMail.id)).all()
    count = 0
    for mail in mails:
        try:
            retry(db, mail, actor=actor)
        except OutboxError:
            continue  # sent or cancelled meanwhile
        count += 1
    return count


def cancel(db: Session, mail: OutgoingMail, *, actor: User | None) -> None:
    """Never send this mail (waiting or given up)."""
    before = _summary(mail)
    _apply(
        db,
        mail,
        (OutgoingMail.sent_at.is_(None), OutgoingMail.cancelled_at.is_(None)),
        {"cancelled_at": utcnow()},
        _l("This mail can no longer be cancelled."),
    )
    record(
        db,
        actor=actor,
        action="mail.cancelled",
        object_type="outgoing_mail",
        object_id=mail.id,
        before=before,
        after=_summary(mail),
    )
