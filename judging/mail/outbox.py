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

Every mail leaves as multipart/alternative: the stored text unchanged, then an HTML part made from
it when it leaves (:func:`html_body`, ``templates/mail/_layout.html``) in the brand of the mail's
edition *as it is then* (``edition_id``; the platform's look without one), its PNG or JPEG logo an
inline ``cid:`` image. The words are fixed when queued; only their dress is decided at sending.
"""

from __future__ import annotations

import logging
import re
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
from markupsafe import Markup, escape
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from judging.core.models import localized, utcnow
from judging.editions.models import Edition
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


def render_text(template: str, language: str, **context: Any) -> tuple[str, str]:
    """(subject, body) of ``templates/mail/<template>.txt`` in ``language`` (first line ``Subject: ...``)."""
    with force_locale(language):
        rendered = render_template(f"mail/{template}.txt", language=language, **context)
    first, _, body = rendered.lstrip().partition("\n")
    return first.removeprefix("Subject:").strip(), body.strip() + "\n"


def store(
    db: Session,
    *,
    to: str,
    template: str,
    language: str,
    subject: str,
    body: str,
    send_after=None,
    edition_id: int | None = None,
) -> OutgoingMail:
    """Put a rendered mail in the outbox (never sends). The row gets its Message-ID now, so every
    attempt to send it carries the same one; ``edition_id`` gives it that edition's brand."""
    mail = OutgoingMail(
        to_address=to,
        language=language,
        template=template,
        subject=subject,
        body_text=body,
        send_after=send_after or utcnow(),
        message_id=new_message_id(),
        edition_id=edition_id,
    )
    db.add(mail)
    db.flush()
    return mail


def queue(
    db: Session,
    *,
    to: str,
    template: str,
    language: str = "fr",
    send_after=None,
    edition: Edition | None = None,
    **context: Any,
) -> OutgoingMail:
    """Render ``mail/<template>.txt`` in ``language`` and store it in the outbox (never sends).

    ``edition``, the edition the mail is about, is also the template's ``edition`` variable and
    dresses the mail in its brand when it leaves; without it the mail has the platform's look.
    """
    language = language if language in ("fr", "en") else "fr"
    if edition is not None:
        context["edition"] = edition
    subject, body = render_text(template, language, **context)
    return store(
        db,
        to=to,
        template=template,
        language=language,
        subject=subject,
        body=body,
        send_after=send_after,
        edition_id=edition.id if edition is not None else None,
    )


# --- the HTML part ----------------------------------------------------------------------------------------

#: The platform's own colours (``static/css/app.css``), for mail about no edition or an edition without them.
PLATFORM_PRIMARY = "#0a4aa6"
PLATFORM_ACCENT = "#b0122f"
#: Logo types mail programs show inline; an SVG logo is left out (few mail programs draw SVG): the name stays.
MAIL_LOGO_TYPES = {"image/png": "png", "image/jpeg": "jpeg"}
#: A larger logo stays out of mail (the name stays): it would travel in every mail, a third larger in base64.
MAIL_LOGO_MAX_BYTES = 100 * 1024
#: an http(s) address in a text; what may close a sentence after it is not part of it
URL_IN_TEXT = re.compile(r"https?://[^\s<>\"'«»“”]+", re.IGNORECASE)
URL_TRAILING = ".,;:!?)]}’"


#: ``#rrggbb``, as the brand form stores it: checked again here because the value is written into CSS
CSS_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


def _colour(value: str | None, platform: str) -> str:
    return value if value and CSS_COLOUR.fullmatch(value) else platform


@dataclass(frozen=True)
class MailLogo:
    data: bytes
    subtype: str  # ``png`` or ``jpeg``


def mail_logo(edition: Edition | None) -> MailLogo | None:
    """The edition's logo when mail programs can show it (PNG or JPEG) and it is light enough, else None."""
    if edition is None or not edition.brand_logo_sha256 or edition.brand_logo_type not in MAIL_LOGO_TYPES:
        return None
    if not edition.brand_logo or len(edition.brand_logo) > MAIL_LOGO_MAX_BYTES:
        return None
    return MailLogo(edition.brand_logo, MAIL_LOGO_TYPES[edition.brand_logo_type])


def _address_end(found: str) -> str:
    """``found`` without the punctuation that closes the sentence (a ``)`` stays when it closes a ``(``)."""
    while found and found[-1] in URL_TRAILING:
        if found[-1] == ")" and found.count("(") >= found.count(")"):
            break
        found = found[:-1]
    return found


def _linked(line: str, link_style: str) -> Markup:
    """One line of text, escaped, its http(s) addresses made links (text and address escaped too)."""
    parts: list[Markup] = []
    position = 0
    for match in URL_IN_TEXT.finditer(line):
        address = _address_end(match.group())
        if not urlsplit(address).netloc:
            continue
        parts.append(escape(line[position : match.start()]))
        parts.append(Markup('<a href="{0}" style="{1}">{0}</a>').format(address, link_style))
        position = match.start() + len(address)
    parts.append(escape(line[position:]))
    return Markup("").join(parts)


def html_paragraphs(text: str, link_style: str) -> list[Markup]:
    """The paragraphs of a mail's text (split at blank lines), each line kept (``<br>``), links made."""
    blocks = re.split(r"\n[ \t]*\n", text.strip())
    return [
        Markup("<br>\n").join(_linked(line.rstrip(), link_style) for line in block.split("\n"))
        for block in blocks
        if block.strip()
    ]


def html_body(
    *, subject: str, body: str, language: str, edition: Edition | None, logo_src: str | None = None
) -> str:
    """The HTML version of a mail's text in ``edition``'s brand as it is now (else the platform's look).

    ``logo_src`` is where the logo is read from (``cid:`` in a mail, a ``data:`` URI in a preview);
    the footer's address is ``PUBLIC_URL``, never a request's Host.
    """
    primary = _colour(edition.brand_primary if edition else None, PLATFORM_PRIMARY)
    public_url = current_app.config.get("PUBLIC_URL") or ""
    layout = current_app.jinja_env.get_template("mail/_layout.html")
    with force_locale(language):  # no context processor: nothing of a request reaches the mail
        return layout.render(
            language=language,
            subject=subject,
            edition_name=localized(edition.name, language) if edition else None,
            primary=primary,
            accent=_colour(edition.brand_accent if edition else None, PLATFORM_ACCENT),
            logo_src=logo_src,
            paragraphs=html_paragraphs(body, f"color:{primary};text-decoration:underline;"),
            public_url=public_url,
            public_label=public_url.split("://", 1)[-1].rstrip("/"),
        )


def build_message(app: Flask, mail: OutgoingMail, edition: Edition | None) -> EmailMessage:
    """The mail as it leaves: multipart/alternative of the text and its HTML (with the logo inline)."""
    message = EmailMessage()
    message["From"] = app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Message-ID"] = mail.message_id
    message.set_content(mail.body_text)
    logo = mail_logo(edition)
    logo_id = make_msgid(domain=message_id_domain(app)) if logo else None
    html = html_body(
        subject=mail.subject,
        body=mail.body_text,
        language=mail.language,
        edition=edition,
        logo_src=f"cid:{logo_id[1:-1]}" if logo_id else None,
    )
    message.add_alternative(html, subtype="html")
    if logo and logo_id:
        html_part = message.get_payload()[1]
        html_part.add_related(logo.data, "image", logo.subtype, cid=logo_id, disposition="inline")
    message["Content-Language"] = mail.language  # last: set_content and add_alternative move content headers
    return message


def _smtp_send(app: Flask, message: EmailMessage) -> None:
    cfg = app.config
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
            edition = db.get(Edition, mail.edition_id) if mail.edition_id else None
            _smtp_send(app, build_message(app, mail, edition))
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
