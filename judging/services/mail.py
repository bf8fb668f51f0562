"""Mail through the outbox: ``queue`` writes a row; ``deliver_pending`` sends after the commit.

Each person gets mail in their own language: ``queue`` renders the template
``templates/mail/<name>.txt`` under that locale. Without ``MAIL_SERVER`` the
mail is written to the log (development) and marked sent. A failing server
delays mail (exponential backoff) and loses none.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from flask import Flask, current_app, g, render_template
from flask_babel import force_locale
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..models import OutgoingMail, utcnow

log = logging.getLogger("judging.mail")

#: How long a sender holds a mail it is sending before another may try it.
CLAIM_LEASE = timedelta(minutes=10)


def queue(
    db: Session,
    *,
    to: str,
    template: str,
    language: str = "fr",
    send_after=None,
    **context: Any,
) -> OutgoingMail:
    """Render ``mail/<template>.txt`` in ``language`` and store it in the outbox.

    The template's first line is ``Subject: ...``; the rest is the body.
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
    )
    db.add(mail)
    db.flush()
    g.setdefault("_queued_mail_ids", []).append(mail.id)
    return mail


def _smtp_send(app: Flask, mail: OutgoingMail) -> None:
    cfg = app.config
    message = EmailMessage()
    message["From"] = cfg["MAIL_DEFAULT_SENDER"]
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Message-ID"] = make_msgid(domain="judging.local")
    message.set_content(mail.body_text)
    message["Content-Language"] = mail.language  # after set_content, which resets content headers
    smtp_class = smtplib.SMTP_SSL if cfg["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_class(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=15) as smtp:
        if cfg["MAIL_USE_TLS"] and not cfg["MAIL_USE_SSL"]:
            smtp.starttls(context=ssl.create_default_context())
        if cfg["MAIL_USERNAME"]:
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
        smtp.send_message(message)


def deliver(db: Session, mail: OutgoingMail, app: Flask | None = None) -> bool:
    """Try to send one claimed mail; on failure schedule a retry. Returns True when sent."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        if app.config["MAIL_SERVER"]:
            _smtp_send(app, mail)
        else:
            log.info("mail to %s [%s] %s\n%s", mail.to_address, mail.language, mail.subject, mail.body_text)
    except (OSError, smtplib.SMTPException) as error:
        mail.last_error = f"{type(error).__name__}: {error}"[:2000]
        mail.send_after = utcnow() + timedelta(seconds=min(3600, 30 * 2 ** (mail.attempts - 1)))
        log.warning("mail %s to %s not sent (attempt %s): %s", mail.id, mail.to_address, mail.attempts, error)
        return False
    mail.sent_at = utcnow()
    mail.last_error = None
    return True


def _claim(db: Session, mail: OutgoingMail) -> bool:
    """Count the attempt and lease the mail with a conditional UPDATE: only one sender wins it."""
    claimed = db.execute(
        update(OutgoingMail)
        .where(
            OutgoingMail.id == mail.id, OutgoingMail.attempts == mail.attempts, OutgoingMail.sent_at.is_(None)
        )
        # the lease keeps other senders away while this one talks to the SMTP server
        .values(attempts=OutgoingMail.attempts + 1, send_after=utcnow() + CLAIM_LEASE)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.commit()
    if claimed != 1:
        return False
    db.refresh(mail)
    return True


def deliver_pending(db: Session, *, limit: int = 500, ids: list[int] | None = None) -> tuple[int, int]:
    """Send due mail (all of it, or only ``ids``), one row at a time. Returns (sent, failed).

    Each mail is claimed by a conditional UPDATE of its attempt count (after ``FOR UPDATE SKIP
    LOCKED`` on PostgreSQL) and committed before it is sent, so ``judging send-mail`` may run in
    several processes or servers at once without sending a mail twice.
    """
    max_attempts = current_app.config["MAIL_MAX_ATTEMPTS"]
    sent = failed = 0
    for _ in range(limit):
        query = (
            select(OutgoingMail)
            .where(
                OutgoingMail.sent_at.is_(None),
                OutgoingMail.attempts < max_attempts,
                OutgoingMail.send_after <= utcnow(),  # scheduled mail waits for its time; failures back off
            )
            .order_by(OutgoingMail.id)
            .limit(1)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
        if ids is not None:
            query = query.where(OutgoingMail.id.in_(ids))
        mail = db.scalars(query).first()
        if mail is None:
            break
        if not _claim(db, mail):
            continue  # another sender took it
        if deliver(db, mail):
            sent += 1
        else:
            failed += 1
        db.commit()
    return sent, failed


def init_app(app: Flask) -> None:
    """After a request that queued mail and committed, try to send that mail at once."""

    @app.after_request
    def _send_queued(response):
        ids = g.pop("_queued_mail_ids", None)
        if ids and app.config["MAIL_SEND_AFTER_COMMIT"]:
            from ..db import session

            session.rollback()  # anything not committed by the route is not sent
            try:
                deliver_pending(session, ids=ids)
            except Exception:  # a mail problem must never break the page; the outbox keeps it
                log.exception("sending queued mail failed")
                session.rollback()
        return response
