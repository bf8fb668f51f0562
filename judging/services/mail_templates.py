"""Organizer-edited mail templates (one per edition, key and language), shared by every mail kind.

An edited template is Jinja rendered in a sandbox with a fixed list of variables per mail
kind; anything else is refused when saving. The file templates under ``templates/mail/`` are
the defaults. Services that send a kind of mail (announcements in ``decisions``, outcome and
comment mails in ``notifications``) call these functions with their own variables.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..models import AuditEvent, Edition, MailTemplate, User
from . import versions
from .audit import record

LANGUAGES = ("fr", "en")
SUBJECT_MAX = 300
BODY_MAX = 20000

#: An edition's text of a mail, as a stale save names it; version 0 is "the default text".
EDITED_TEMPLATE = versions.EditedKind(
    what=_l("this mail template"), labels={"subject": _l("subject"), "body": _l("message")}
)


class TemplateRefused(Exception):
    """The edited text cannot be saved: ``errors`` maps the form fields to translated messages."""

    def __init__(self, errors: dict[str, list[Any]]) -> None:
        super().__init__("mail template refused")
        self.errors = errors


def _sandbox() -> Any:
    """A fresh sandbox for each rendering: its step budget and deadline are per rendering."""
    from .mail_sandbox import BoundedSandbox

    return BoundedSandbox()


def template_problems(subject: str, body: str, *, allowed: Sequence[str]) -> list[Any]:
    """Why an edited template cannot be used: a syntax error, or a variable not in ``allowed``."""
    from jinja2 import TemplateSyntaxError, meta

    env = _sandbox()
    problems: list[Any] = []
    for text in (subject, body):
        try:
            parsed = env.parse(text or "")
        except TemplateSyntaxError as error:
            problems.append(
                _l(
                    "The template has an error on line %(line)s: %(error)s",
                    line=error.lineno,
                    error=error.message or "",
                )
            )
            continue
        unknown = sorted(meta.find_undeclared_variables(parsed) - set(allowed))
        if unknown:
            problems.append(
                _l(
                    "Unknown variable(s): %(names)s. Use only: %(allowed)s.",
                    names=", ".join(unknown),
                    allowed=", ".join(allowed),
                )
            )
    return problems


def render_override(subject: str, body: str, context: Mapping[str, Any]) -> str | None:
    """``Subject: ...`` and the body of an edited template, rendered in the sandbox (None on failure).

    Failure includes a template that does too much work or writes too much (``mail_sandbox``)
    and any error of the template's own making (``{{ 1 / 0 }}``): never a server error.
    """
    from .mail_sandbox import render_bounded

    env = _sandbox()
    try:
        rendered_subject = render_bounded(env, subject, context).replace("\n", " ").strip()
        rendered_body = render_bounded(env, body, context)
    except Exception:  # an organizer's template must never break the page or the sending
        logging.getLogger(__name__).info("mail template not rendered", exc_info=True)
        return None
    return f"Subject: {rendered_subject}\n{rendered_body}"


def find(db: Session, edition_id: int, key: str, language: str) -> MailTemplate | None:
    return db.scalar(
        select(MailTemplate).where(
            MailTemplate.edition_id == edition_id, MailTemplate.key == key, MailTemplate.language == language
        )
    )


def overrides(db: Session, edition_id: int, keys: Iterable[str]) -> dict[tuple[str, str], MailTemplate]:
    """The edition's edited templates of ``keys``, by (key, language): one query."""
    rows = db.scalars(
        select(MailTemplate).where(MailTemplate.edition_id == edition_id, MailTemplate.key.in_(list(keys)))
    ).all()
    return {(t.key, t.language): t for t in rows}


def shown_of(template: MailTemplate | None) -> tuple[int, dict[str, Any]]:
    """The version and values an editor page shows: version 0 and no text for the default text."""
    if template is None:
        return 0, {"subject": None, "body": None}
    return template.version, {"subject": template.subject, "body": template.body}


def _events(db: Session, edition_id: int, key: str, language: str) -> list[AuditEvent]:
    """The audit events of the edition's text of ``key`` in ``language``, newest first."""
    rows = db.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == "mailtemplate", AuditEvent.edition_id == edition_id)
        .options(selectinload(AuditEvent.actor))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(100)
    )
    return [
        event
        for event in rows
        if (event.after or event.before or {}).get("key") == key
        and (event.after or event.before or {}).get("language") == language
    ]


def _refuse_if_stale(
    db: Session,
    edition: Edition,
    template: MailTemplate | None,
    *,
    key: str,
    language: str,
    expected_version: int | None,
    shown: str | None,
    changes: Mapping[str, Any],
    actor: User | None,
    deleting: bool = False,
) -> None:
    version, current = shown_of(template)
    versions.refuse_if_stale(
        kind=EDITED_TEMPLATE,
        expected_version=expected_version,
        current_version=version,
        current=current,
        shown=shown,
        changes=changes,
        events=lambda: _events(db, edition.id, key, language),
        actor=actor,
        deleting=deleting,
    )


def save(
    db: Session,
    edition: Edition,
    *,
    key: str,
    language: str,
    subject: str,
    body: str,
    allowed: Sequence[str],
    actor: User | None,
    expected_version: int | None = None,
    shown: str | None = None,
) -> MailTemplate:
    """Store the edition's text of mail ``key`` in ``language``; checked first, nothing saved on error.

    ``expected_version`` is the version the editor showed (0: the default text): a text changed
    since is not overwritten (:class:`~judging.services.versions.StaleEditError`).
    """
    subject = (subject or "").strip()
    body = (body or "").strip()
    template = find(db, edition.id, key, language)
    _refuse_if_stale(
        db,
        edition,
        template,
        key=key,
        language=language,
        expected_version=expected_version,
        shown=shown,
        changes={"subject": subject, "body": body},
        actor=actor,
    )
    errors: dict[str, list[Any]] = {}
    if not subject:
        errors.setdefault("subject", []).append(_l("Write the subject."))
    elif len(subject) > SUBJECT_MAX:
        errors.setdefault("subject", []).append(_l("At most %(max)d characters.", max=SUBJECT_MAX))
    if not body:
        errors.setdefault("body", []).append(_l("Write the message."))
    elif len(body) > BODY_MAX:
        errors.setdefault("body", []).append(_l("At most %(max)d characters.", max=BODY_MAX))
    problems = template_problems(subject, body, allowed=allowed)
    if problems:
        errors.setdefault("body", []).extend(problems)
    if errors:
        raise TemplateRefused(errors)
    before = {"subject": template.subject, "body": template.body} if template else None
    if template is None:
        template = MailTemplate(edition_id=edition.id, key=key, language=language, subject=subject, body=body)
        db.add(template)
    else:
        template.subject, template.body = subject, body
    db.flush()
    record(
        db,
        actor=actor,
        action="mail_template.saved",
        obj=template,
        edition_id=edition.id,
        before=before,
        after={"key": key, "language": language, "subject": subject, "body": body},
    )
    return template


def reset(
    db: Session,
    edition: Edition,
    *,
    key: str,
    language: str,
    actor: User | None,
    expected_version: int | None = None,
    shown: str | None = None,
) -> bool:
    """Go back to the default text; True when the edition's own text was removed.

    Refused (:class:`~judging.services.versions.StaleEditError`) when the text changed since shown.
    """
    template = find(db, edition.id, key, language)
    if template is None:  # already the default text, whoever reset it
        return False
    _refuse_if_stale(
        db,
        edition,
        template,
        key=key,
        language=language,
        expected_version=expected_version,
        shown=shown,
        changes={},
        actor=actor,
        deleting=True,
    )
    before = {"key": key, "language": language, "subject": template.subject, "body": template.body}
    template_id = template.id
    db.delete(template)
    db.flush()
    record(
        db,
        actor=actor,
        action="mail_template.reset",
        object_type="mailtemplate",
        object_id=template_id,
        edition_id=edition.id,
        before=before,
    )
    return True
