"""Mail through the outbox: ``queue`` writes a row in the request; a sender outside requests sends it.

Each person gets mail in their own language: ``queue`` renders the template
``templates/mail/<name>.txt`` under that locale. A web request never talks to the mail
server: ``deliver_pending`` runs in ``judging send-mail`` (cron), ``judging send-mail --watch``
or the development server's background sender (``judging.mail.worker``). Without
``MAIL_SERVER`` the mail is written to the log (development) and marked sent. A failing server
delays mail (exponential backoff) and loses none; after ``MAIL_MAX_ATTEMPTS`` a mail is marked
``gave_up_at`` and waits for an organizer (retry or cancel), never dropped silently.

Delivery is at least once: every attempt of a row carries the row's own Message-ID, so a
resend after a lost reply is recognisable as the same mail (see ``docs/mail.md``).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, render_template
from flask_babel import force_locale
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from judging.core.models import utcnow
from judging.mail.models import OutgoingMail

log = logging.getLogger("judging.mail")

#: How long a sender holds a mail it is sending before another may try it.
CLAIM_LEASE = timedelta(minutes=10)

#: Refusals of one mail (its sender, recipients or content). Any other error (connection refused,
#: timeout, connection dropped, login refused) concerns the server as a whole: the pass stops there
#: instead of spending every waiting mail's attempts on a server that is down.
MAIL_REFUSALS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)


def server_unreachable(error: Exception) -> bool:
    """A connection-level failure (not a refusal of one mail, nor a malformed mail)."""
    return isinstance(error, OSError) and not isinstance(error, MAIL_REFUSALS)


def message_id_domain(app: Flask) -> str:
    """The right-hand side of our Message-IDs: the public URL's host, else the sender's domain."""
    host = urlsplit(app.config.get("PUBLIC_URL") or "").hostname
    if host:
        return host
    _name, address = parseaddr(app.config.get("MAIL_DEFAULT_SENDER") or "")
    return address.rpartition("@")[2] or "localhost"


def new_message_id(app: Flask | None = None) -> str:
    return make_msgid(domain=message_id_domain(app or current_app))


def queue(
    db: Session,
    *,
    to: str,
    template: str,
    language: str = "fr",
    send_after=None,
    **context: Any,
) -> OutgoingMail:
    """Render ``mail/<template>.txt`` in ``language`` and store it in the outbox (never sends).

    The template's first line is ``Subject: ...``; the rest is the body. The row gets its
    Message-ID now, so every attempt to send it carries the same one.
    """
    language = language if language in ("fr", "en") else "fr"
    with force_locale(language):
        rendered = render_template(f"mail/{template}.txt", language=language, **context)
    first, _, body = rendered.lstrip().partition("\n")
    subject = first.removeprefix("Subject:").strip()
    mail = OutgoingMail(
        to_address=to,
        language=language,
        template=template,
        subject=subject,
        body_text=body.strip() + "\n",
        send_after=send_after or utcnow(),
        message_id=new_message_id(),
    )
    db.add(mail)
    db.flush()
    return mail


def _smtp_send(app: Flask, mail: OutgoingMail) -> None:
    cfg = app.config
    message = EmailMessage()
    message["From"] = cfg["MAIL_DEFAULT_SENDER"]
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Message-ID"] = mail.message_id
    message.set_content(mail.body_text)
    message["Content-Language"] = mail.language  # after set_content, which resets content headers
    smtp_class = smtplib.SMTP_SSL if cfg["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_class(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=cfg["MAIL_TIMEOUT"]) as smtp:
        if cfg["MAIL_USE_TLS"] and not cfg["MAIL_USE_SSL"]:
            smtp.starttls(context=ssl.create_default_context())
        if cfg["MAIL_USERNAME"]:
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
        smtp.send_message(message)


def deliver(db: Session, mail: OutgoingMail, app: Flask | None = None) -> Exception | None:
    """Try to send one claimed mail; on failure schedule a retry or give up. Returns the error (None: sent).

    Raises nothing for mail errors: the error is kept in ``last_error``. The caller commits.
    """
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        if app.config["MAIL_SERVER"]:
            _smtp_send(app, mail)
        else:
            log.info("mail to %s [%s] %s\n%s", mail.to_address, mail.language, mail.subject, mail.body_text)
    except (OSError, smtplib.SMTPException) as error:
        _record_failure(app, mail, error)
        return error
    except (ValueError, TypeError, UnicodeError) as error:  # a malformed mail (a bad header): its own problem
        log.exception("mail %s to %s cannot be built", mail.id, mail.to_address)
        _record_failure(app, mail, error)
        return error
    mail.sent_at = utcnow()
    mail.last_error = None
    return None


def _record_failure(app: Flask, mail: OutgoingMail, error: Exception) -> None:
    mail.last_error = f"{type(error).__name__}: {error}"[:2000]
    if mail.attempts >= app.config["MAIL_MAX_ATTEMPTS"]:
        mail.gave_up_at = utcnow()
        mail.send_after = mail.gave_up_at
        log.error(
            "mail %s to %s given up after %s attempts: %s", mail.id, mail.to_address, mail.attempts, error
        )
        return
    mail.send_after = utcnow() + timedelta(seconds=min(3600, 30 * 2 ** (mail.attempts - 1)))
    log.warning("mail %s to %s not sent (attempt %s): %s", mail.id, mail.to_address, mail.attempts, error)


def waiting_conditions():
    """Conditions of a mail still to send: not sent, not given up, not cancelled."""
    return (
        OutgoingMail.sent_at.is_(None),
        OutgoingMail.gave_up_at.is_(None),
        OutgoingMail.cancelled_at.is_(None),
    )


def given_up_conditions():
    """Conditions of a mail the sender gave up on and nobody retried or cancelled yet."""
    return (
        OutgoingMail.sent_at.is_(None),
        OutgoingMail.cancelled_at.is_(None),
        OutgoingMail.gave_up_at.is_not(None),
    )


def _claim(db: Session, mail: OutgoingMail) -> bool:
    """Count the attempt and lease the mail with a conditional UPDATE: only one sender wins it."""
    claimed = db.execute(
        update(OutgoingMail)
        .where(OutgoingMail.id == mail.id, OutgoingMail.attempts == mail.attempts, *waiting_conditions())
        # the lease keeps other senders away while this one talks to the SMTP server
        .values(
            attempts=OutgoingMail.attempts + 1,
            send_after=utcnow() + CLAIM_LEASE,
            # rows queued before Message-IDs existed get theirs now, stored before the first attempt
            message_id=func.coalesce(OutgoingMail.message_id, new_message_id()),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.commit()
    if claimed != 1:
        return False
    db.refresh(mail)
    return True


def _give_up_exhausted(db: Session, max_attempts: int) -> int:
    """Mark mail whose attempts are used up (e.g. a sender died during the last one) as given up."""
    now = utcnow()
    exhausted = (*waiting_conditions(), OutgoingMail.attempts >= max_attempts, OutgoingMail.send_after <= now)
    # read first: an idle sender (every second under --watch) takes no write lock
    if db.scalar(select(OutgoingMail.id).where(*exhausted).limit(1)) is None:
        db.rollback()
        return 0
    count = db.execute(
        update(OutgoingMail)
        .where(*exhausted)
        .values(gave_up_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.commit()
    return count


@dataclass
class SendReport:
    """What one pass of the sender did."""

    sent: int = 0
    failed: int = 0
    gave_up: int = 0
    #: the pass stopped early because the mail server is unreachable (the sender should back off)
    server_down: bool = False


def _next_due(db: Session, max_attempts: int) -> OutgoingMail | None:
    query = (
        select(OutgoingMail)
        .where(
            *waiting_conditions(),
            OutgoingMail.attempts < max_attempts,
            OutgoingMail.send_after <= utcnow(),  # scheduled mail waits for its time; failures back off
        )
        .order_by(OutgoingMail.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    return db.scalars(query).first()


def deliver_pending(
    db: Session, *, limit: int = 500, should_stop: Callable[[], bool] = lambda: False
) -> SendReport:
    """Send due mail, one row at a time, until none is due, ``limit`` is reached or ``should_stop()``.

    Each mail is claimed by a conditional UPDATE of its attempt count (after ``FOR UPDATE SKIP
    LOCKED`` on PostgreSQL) and committed before it is sent, so senders may run in several
    processes or servers at once without sending a mail twice. When the server is unreachable
    the pass stops after that mail (``report.server_down``): the others keep their attempts.
    """
    max_attempts = current_app.config["MAIL_MAX_ATTEMPTS"]
    report = SendReport(gave_up=_give_up_exhausted(db, max_attempts))
    for _ in range(limit):
        if should_stop():
            break
        mail = _next_due(db, max_attempts)
        if mail is None:
            break
        if not _claim(db, mail):
            continue  # another sender took it
        error = deliver(db, mail)
        db.commit()
        if error is None:
            report.sent += 1
            continue
        report.failed += 1
        report.gave_up += mail.gave_up_at is not None
        if server_unreachable(error):
            report.server_down = True
            break
    return report


@dataclass
class OutboxState:
    """What the outbox holds now: mail still to send, and mail given up (waiting for an organizer)."""

    waiting: int
    given_up: list[OutgoingMail]


def outbox_state(db: Session) -> OutboxState:
    waiting = db.scalar(select(func.count()).select_from(OutgoingMail).where(*waiting_conditions())) or 0
    given_up = db.scalars(
        select(OutgoingMail).where(*given_up_conditions()).order_by(OutgoingMail.gave_up_at, OutgoingMail.id)
    ).all()
    return OutboxState(waiting=waiting, given_up=list(given_up))
