"""The one registry of the mails organizers may edit, per edition and language, and their editing.

:data:`KINDS` lists every editable mail: its key, its label, where it is sent and the variables
its text may use. The default text of each is ``templates/mail/<key>.txt`` (French and English
through the catalogs). An edition may replace it, per language, with its own subject and body
(a :class:`~judging.schema.MailTemplate` row): Jinja rendered in a sandbox with only the kind's
variables; anything else is refused when saving (:func:`template_problems`). :func:`preview`
shows a mail as it will leave, with sample values.

Every mail of a kind goes through :func:`queue`, whoever sends it: the finalist announcement
(``decisions``), the scheduled outcome mails and the jury's comments (``notifications``), so
one edited text changes them all. The one editor is ``judging/mail/editor.py``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import force_locale, lazy_pgettext
from flask_babel import lazy_gettext as _l
from jinja2 import TemplateSyntaxError, meta
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from judging.accounts.models import User
from judging.core import versions
from judging.core.audit import record
from judging.core.audit_event import AuditEvent
from judging.core.models import localized
from judging.core.templating import local_datetime
from judging.editions.models import Edition
from judging.mail import outbox as mail
from judging.mail.models import MailTemplate, OutgoingMail
from judging.mail.sandbox import BoundedSandbox, render_bounded

LANGUAGES = ("fr", "en")
SUBJECT_MAX = 300
BODY_MAX = 20000

#: An edition's text of a mail, as a stale save names it; version 0 is "the default text".
EDITED_TEMPLATE = versions.EditedKind(
    what=_l("this mail template"), labels={"subject": _l("subject"), "body": _l("message")}
)

_COMMON = ("name", "ref", "title", "prize", "edition", "ceremony_date", "link")


@dataclass(frozen=True)
class MailKind:
    """One editable mail: ``outcome`` is the decision it tells (None: not an outcome mail)."""

    key: str
    label: Any
    sent: Any
    variables: tuple[str, ...]
    outcome: str | None = None


#: Every mail an organizer may edit, in the editor's order (variables documented in docs/ceremony.md).
KINDS: dict[str, MailKind] = {
    kind.key: kind
    for kind in (
        MailKind(
            "outcome_finalist",
            _l("Finalists"),
            _l("When the finalists are announced, and by a scheduled sending to finalists not told yet."),
            _COMMON,
            "finalist",
        ),
        MailKind(
            "outcome_not_selected",
            # a plural among plurals (« Non retenu·e·s »), where an application's status is « Non retenue »
            lazy_pgettext("outcome mail kind", "Not selected"),
            _l("When the finalists are announced, and by a scheduled sending to candidates not told yet."),
            _COMMON,
            "not-selected",
        ),
        MailKind(
            "outcome_winner",
            _l("Winners"),
            _l("By a scheduled sending (Ceremony → Mail to candidates)."),
            (*_COMMON, "citation"),
            "winner",
        ),
        MailKind(
            "outcome_mention",
            _l("Honourable mentions"),
            _l("By a scheduled sending (Ceremony → Mail to candidates)."),
            (*_COMMON, "citation"),
            "mention",
        ),
        MailKind(
            "comments_released",
            _l("Comments of the jury"),
            _l("When an organizer releases the jury's comments after the ceremony."),
            (*_COMMON, "comments"),
        ),
    )
}
KEYS = tuple(KINDS)
#: Outcome mail key → the decision outcome it tells.
OUTCOME_KEYS = {kind.key: kind.outcome for kind in KINDS.values() if kind.outcome}
#: Keys of the announcement's own texts before one registry existed → the key that took their place.
RENAMED = {"finalist_selected": "outcome_finalist", "not_selected": "outcome_not_selected"}


class UnknownMail(LookupError):
    """A key or language that is not in the registry."""


def kind_of(key: str, language: str | None = None) -> MailKind:
    """The registry's entry of ``key`` (and ``language``, when given, must be one we write in)."""
    if key not in KINDS or (language is not None and language not in LANGUAGES):
        raise UnknownMail(key)
    return KINDS[key]


class TemplateRefused(Exception):
    """The edited text cannot be saved: ``errors`` maps the form fields to translated messages."""

    def __init__(self, errors: dict[str, list[Any]]) -> None:
        super().__init__("mail template refused")
        self.errors = errors


def _sandbox() -> Any:
    """A fresh sandbox for each rendering: its step budget and deadline are per rendering."""
    return BoundedSandbox()


def template_problems(subject: str, body: str, *, allowed: Sequence[str]) -> list[Any]:
    """Why an edited template cannot be used: a syntax error, or a variable not in ``allowed``."""
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


# --- rendering and sending ------------------------------------------------------------------------------


def render_mail(
    key: str, language: str, context: Mapping[str, Any], override: str | None = None
) -> tuple[str, str]:
    """(subject, body) of mail ``key`` exactly as :func:`judging.mail.outbox.queue` renders it."""
    return mail.render_text(key, language, override=override, **context)


def queue(
    db: Session,
    edition_id: int,
    *,
    key: str,
    to: str,
    language: str,
    context: Mapping[str, Any],
    send_after: datetime | None = None,
    edited: Mapping[tuple[str, str], MailTemplate] | None = None,
    message_id: str | None = None,
) -> OutgoingMail:
    """Queue mail ``key`` to ``to``: the edition's own text in ``language`` when it has one, else the default.

    ``edited`` is :func:`overrides` read once for many mails; ``message_id`` replaces the outbox's
    random Message-ID (outcome mails carry a marker in theirs: see ``outcome_mails``). An edited
    text that cannot be rendered leaves with the default text (:func:`render_override`). The mail
    wears the edition's brand (here ``edition`` in ``context`` is the edition's name, a text).
    """
    kind_of(key)
    language = language if language in LANGUAGES else "fr"
    if edited is None:
        edited = overrides(db, edition_id, [key])
    template = edited.get((key, language))
    override = render_override(template.subject, template.body, context) if template else None
    subject, body = render_mail(key, language, context, override)
    queued = mail.store(
        db,
        to=to,
        template=key,
        language=language,
        subject=subject,
        body=body,
        send_after=send_after,
        edition_id=edition_id,
    )
    if message_id is not None:
        queued.message_id = message_id  # written with the next flush, before anything is sent
    return queued


_SAMPLES: dict[str, dict[str, Any]] = {
    "name": {"fr": "Camille Exemple", "en": "Camille Exemple"},
    "ref": {"fr": "INN-001", "en": "INN-001"},
    "title": {"fr": "Projet Exemple", "en": "Sample Project"},
    "prize": {"fr": "Prix de l’innovation", "en": "Innovation Award"},
    "link": {"fr": "https://example.org/candidate/", "en": "https://example.org/candidate/"},
    "citation": {"fr": "Pour un projet audacieux et utile.", "en": "For a bold and useful project."},
    "comments": {
        "fr": ["Un dossier clair et convaincant.", "Précisez le modèle d’affaires."],
        "en": ["A clear and convincing application.", "Say more about the business model."],
    },
}


def sample_context(edition: Edition, key: str, language: str) -> dict[str, Any]:
    """Fictional values of the kind's variables to preview a text with (the edition's own name and date)."""
    with force_locale(language):
        ceremony = local_datetime(edition.ceremony_at, "long")
    values = {name: by_language[language] for name, by_language in _SAMPLES.items()}
    values |= {"edition": localized(edition.name, language), "ceremony_date": ceremony}
    return {name: values[name] for name in kind_of(key).variables}


def preview(
    edition: Edition, *, key: str, language: str, subject: str | None = None, body: str | None = None
) -> tuple[str, str, list[Any]]:
    """(subject, body, problems) of a mail with sample values: the organizer's draft, else the default."""
    kind = kind_of(key, language)
    context = sample_context(edition, key, language)
    override = None
    problems: list[Any] = []
    if subject is not None and body is not None and (subject.strip() or body.strip()):
        problems = template_problems(subject, body, allowed=kind.variables)
        if problems:
            return "", "", problems
        override = render_override(subject, body, context)
        if override is None:
            return "", "", [_l("The template cannot be rendered with the sample values.")]
    rendered_subject, rendered_body = render_mail(key, language, context, override)
    return rendered_subject, rendered_body, problems


# --- editing ---------------------------------------------------------------------------------------------


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
    actor: User | None,
    expected_version: int | None = None,
    shown: str | None = None,
) -> MailTemplate:
    """Store the edition's text of mail ``key`` in ``language``; checked first, nothing saved on error.

    ``expected_version`` is the version the editor showed (0: the default text): a text changed
    since is not overwritten (:class:`~judging.core.versions.StaleEditError`). An unknown key
    or language raises :class:`UnknownMail`.
    """
    allowed = kind_of(key, language).variables
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

    Refused (:class:`~judging.core.versions.StaleEditError`) when the text changed since shown.
    """
    kind_of(key, language)
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
