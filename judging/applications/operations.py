"""Candidates' applications: start, save a draft, submit, edit, withdraw; their data and their account.

Every function that writes validates, mutates, flushes, records an audit event and queues mail; none
commits (the route or command commits once). Refusals raise :class:`ApplicationError` (or a subclass)
with translated messages, keyed by form field name where a field is to blame.

Time comes from :func:`judging.core.clock.now` (tests replace it) or from the ``now`` argument; the web
routes pass the time the request reached the server (``judging.core.clock.request_received_at``),
so a click made in time counts even when a worker reaches it after the deadline. The deadline of an
application is the edition's ``applications_close`` or its own ``deadline_extended_to`` when later,
compared in UTC; the closing instant itself is still in time.

Concurrency: every save that changes an application also bumps ``updated_at``, so the ORM issues an
``UPDATE ... WHERE version = :seen`` (``version`` is the mapper's ``version_id_col``). Two requests
that loaded the same version cannot both write: the loser gets ``StaleDataError``; the route rolls
back and replays, and the replay finds the work already done (submitting unchanged content to a
submitted application is a no-op that returns the same receipt).
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import re
import secrets
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from judging.accounts.models import User
from judging.accounts.operations import external_url
from judging.applications.choices import countries
from judging.applications.models import (
    LED_BY_WOMAN_ANSWERS,
    ORGANIZATION_TYPES,
    REGIONS,
    Answer,
    Application,
    Attachment,
    Submission,
)
from judging.applications.publication import apply_publication_consent, form_asks_consent
from judging.applications.queries import applications_of, decisions_for, existing_application
from judging.applications.rules import (
    IN_JURY_HANDS,
    can_withdraw,
    deadline_of,
    in_jury_hands,
    in_time,
    results_final,
    visible_outcomes,
    window_open,
    withdraw_refusal,
)
from judging.core import clock as clocks
from judging.core import uploads
from judging.core.audit import jsonable, record
from judging.core.templating import local_datetime
from judging.editions.models import Prize, Question
from judging.mail import outbox as mail
from judging.results.models import mark_stale

#: Profile fields of the form, with their maximum length (the columns' sizes).
TEXT_LIMITS: dict[str, int] = {
    "title": 300,
    "summary": 5000,
    "org_name": 300,
    "city": 120,
    "website": 500,
    "contact_name": 200,
    "contact_email": 320,
}
ANSWER_LIMITS = {"text": 1000, "long-text": 20000, "url": 500, "choice": 60}
PROFILE_FIELDS = (
    "title",
    "summary",
    "language",
    "org_name",
    "org_type",
    "region",
    "country",
    "city",
    "website",
    "contact_name",
    "contact_email",
)
REQUIRED_TO_SUBMIT = (
    "title",
    "summary",
    "language",
    "org_name",
    "org_type",
    "region",
    "country",
    "city",
    "contact_name",
    "contact_email",
)


# Errors -----------------------------------------------------------------------------------------


class ApplicationError(Exception):
    """A refusal to show the candidate. ``keep`` says whether the caller should commit what was saved."""

    def __init__(
        self,
        message: Any = None,
        *,
        errors: dict[str, list[Any]] | None = None,
        keep: bool = False,
        existing: Application | None = None,
    ) -> None:
        super().__init__(str(message or ""))
        self.message = message
        self.errors = errors or {}
        self.keep = keep
        self.existing = existing


class DeadlineError(ApplicationError):
    """The call has closed for this application (the draft may have been saved: see ``keep``)."""


class StaleFormError(ApplicationError):
    """The application changed since the form was loaded (another window saved it)."""


class InJuryHandsError(ApplicationError):
    """The jury has the submitted application: the candidate may not change it (:func:`in_jury_hands`)."""


# Input ------------------------------------------------------------------------------------------


@dataclass
class Upload:
    stream: IO[bytes]
    filename: str | None


@dataclass
class ApplicationData:
    """What a candidate sent: profile fields, consent, answers by question id, files, removals."""

    fields: dict[str, Any] = field(default_factory=dict)
    consent: bool = False
    #: the answer to the publication-consent question (None: not answered in this request)
    publication_consent: bool | None = None
    led_by_woman: str | None = None
    answers: dict[int, Any] = field(default_factory=dict)
    uploads: dict[int, Upload] = field(default_factory=dict)
    remove: set[int] = field(default_factory=set)


def qfield(question: Question | int) -> str:
    """The form field name of a question."""
    return f"q_{question if isinstance(question, int) else question.id}"


def count_words(text: str | None) -> int:
    return len(re.findall(r"\S+", text or ""))


def valid_url(value: str) -> bool:
    parts = urlsplit(value.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in value.strip()


def valid_email(value: str) -> bool:
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).replace("\r\n", "\n").strip()
    return text or None


def _option_codes(question: Question) -> list[str]:
    return [str(o.get("code")) for o in question.options or [] if isinstance(o, dict) and o.get("code")]


def _coerce_answer(question: Question, raw: Any) -> tuple[Any, Any]:
    """(value to store, error message or None) for a non-file question."""
    if question.type == "yes-no":
        if raw in (None, ""):
            return None, None
        if isinstance(raw, bool):
            return raw, None
        if raw in ("yes", "no"):
            return raw == "yes", None
        return None, _l("Choose yes or no.")
    value = _clean(raw)
    if value is None:
        return None, None
    if question.type == "choice" and value not in _option_codes(question):
        return None, _l("Choose one of the options.")
    limit = ANSWER_LIMITS.get(question.type, 1000)
    if len(value) > limit:
        return None, _l("Use at most %(n)d characters.", n=limit)
    return value, None


def type_problems(prize: Prize, data: ApplicationData, *, locale: str = "en") -> dict[str, list[Any]]:
    """What cannot even be saved as a draft: wrong types, unknown codes, too long. Field name → messages."""
    errors: dict[str, list[Any]] = {}
    for name, limit in TEXT_LIMITS.items():
        value = _clean(data.fields.get(name))
        if value is not None and len(value) > limit:
            errors.setdefault(name, []).append(_l("Use at most %(n)d characters.", n=limit))
    checks = {
        "language": ("fr", "en"),
        "org_type": ORGANIZATION_TYPES,
        "region": REGIONS,
    }
    for name, allowed in checks.items():
        value = _clean(data.fields.get(name))
        if value is not None and value not in allowed:
            errors.setdefault(name, []).append(_l("Choose one of the options."))
    country = _clean(data.fields.get("country"))
    if country is not None and country.upper() not in dict(countries("en")):
        errors.setdefault("country", []).append(_l("Choose one of the options."))
    if data.led_by_woman not in (None, "", *LED_BY_WOMAN_ANSWERS):
        errors.setdefault("led_by_woman", []).append(_l("Choose one of the options."))
    for question in prize.questions:
        if question.type == "file" or question.id not in data.answers:
            continue
        _value, error = _coerce_answer(question, data.answers[question.id])
        if error:
            errors.setdefault(qfield(question), []).append(error)
    return errors


# References and receipts --------------------------------------------------------------------------


def ref_prefix(prize: Prize) -> str:
    letters = re.sub(r"[^A-Za-z0-9]", "", prize.code or "")[:3].upper()
    return letters.ljust(3, "X")


def _next_sequence(db: Session, edition_id: int) -> int:
    """The next reference number: past the edition's count and the newest references' numbers.

    Two indexed queries whatever the edition's size (never every reference); a number
    another reference already holds is handled by the caller's retry on the unique constraint.
    """
    count = db.scalar(select(func.count()).where(Application.edition_id == edition_id)) or 0
    highest = count
    newest = db.scalars(
        select(Application.ref)
        .where(Application.edition_id == edition_id)
        .order_by(Application.id.desc())
        .limit(50)
    )
    for ref in newest:
        match = re.search(r"(\d+)$", ref or "")
        if match:
            highest = max(highest, int(match.group(1)))
    return highest + 1


def new_receipt_number(db: Session, application: Application) -> str:
    """``MTL-2026-INN-031-7F3A``: prefix, edition year, reference, random suffix; unique."""
    prefix = current_app.config.get("RECEIPT_PREFIX", "MTL")
    edition = application.edition
    year = edition.applications_close.astimezone(clocks.zone(edition.timezone)).year
    previous = application.receipt_number
    while True:
        number = f"{prefix}-{year}-{application.ref}-{secrets.token_hex(2).upper()}"
        if (
            number != previous
            and db.scalar(select(Application.id).where(Application.receipt_number == number)) is None
        ):
            return number


# Starting ---------------------------------------------------------------------------------------


def _lock_user(db: Session, user: User, now: datetime) -> None:
    """Serialise one person's writes: a row lock on PostgreSQL, the write lock on SQLite.

    Without a unique constraint on (applicant, prize), this keeps a double click on "Start" from
    creating two applications: the second request waits here, then sees the first one.
    """
    db.execute(update(User).where(User.id == user.id).values(updated_at=now))


def start_application(db: Session, *, user: User, prize: Prize, now: datetime | None = None) -> Application:
    now = now or clocks.now()
    edition = prize.edition
    if not window_open(edition, now):
        raise DeadlineError(_l("Applications to this prize are closed."))
    _lock_user(db, user, now)
    found = existing_application(db, user, prize)
    if found is not None:
        raise ApplicationError(_l("You already have an application for this prize."), existing=found)
    prefix = ref_prefix(prize)
    sequence = _next_sequence(db, edition.id)
    for _attempt in range(20):
        application = Application(
            edition_id=edition.id,
            prize=prize,
            ref=f"{prefix}-{sequence:03d}",
            status="draft",
            applicant=user,
            language=user.language if user.language in ("fr", "en") else "fr",
            contact_name=user.name or None,
            contact_email=user.email,
            org_name=user.organization_name,
        )
        try:
            with db.begin_nested():
                db.add(application)
                db.flush()
        except IntegrityError:
            sequence += 1
            continue
        break
    else:  # pragma: no cover (twenty collisions in a row)
        raise ApplicationError(_l("Please try again."))
    record(
        db,
        actor=user,
        action="application.created",
        obj=application,
        edition_id=edition.id,
        after={"ref": application.ref, "prize": prize.code, "status": "draft"},
    )
    return application


# Saving -----------------------------------------------------------------------------------------


def _short(value: Any) -> Any:
    if isinstance(value, str) and len(value) > 300:
        return value[:300] + "…"
    return value


def _set(application: Application, name: str, value: Any, changes: dict[str, tuple[Any, Any]]) -> None:
    before = getattr(application, name)
    if before != value:
        changes[name] = (before, value)
        setattr(application, name, value)


def _apply(
    db: Session, application: Application, data: ApplicationData, *, now: datetime
) -> tuple[dict[str, tuple[Any, Any]], dict[str, list[Any]]]:
    """Write ``data`` into ``application``. Returns (changes, file errors). Types are already checked."""
    # Load what is compared before changing anything, so that the row is written by one UPDATE.
    application.answers  # noqa: B018
    application.attachments  # noqa: B018
    application.prize.questions  # noqa: B018
    changes: dict[str, tuple[Any, Any]] = {}
    _apply_profile(application, data, changes)
    _apply_consents(application, data, now, changes)
    _apply_answers(application, data, changes)
    file_errors = _apply_files(db, application, data, changes)
    if changes:
        application.updated_at = now  # always an UPDATE of the row: the version check guards it
    db.flush()
    return changes, file_errors


def _apply_profile(
    application: Application, data: ApplicationData, changes: dict[str, tuple[Any, Any]]
) -> None:
    """The profile fields, normalized (country in upper case, email in lower case), and led by a woman."""
    for name in PROFILE_FIELDS:
        value = _clean(data.fields.get(name))
        if name == "country" and value:
            value = value.upper()
        if name == "contact_email" and value:
            value = value.lower()
        if name == "title":
            value = value or ""  # NOT NULL in the table
        _set(application, name, value, changes)
    choice = data.led_by_woman or None
    if application.led_by_woman_answer != choice:
        changes["led_by_woman"] = (application.led_by_woman_answer, choice)
        application.led_by_woman_answer = choice


def _apply_consents(
    application: Application, data: ApplicationData, now: datetime, changes: dict[str, tuple[Any, Any]]
) -> None:
    """The consent to the rules (given or withdrawn now) and, when the form asks it, to publication."""
    if data.consent and application.consent_at is None:
        changes["consent"] = (None, now)
        application.consent_at = now
    elif not data.consent and application.consent_at is not None:
        changes["consent"] = (application.consent_at, None)
        application.consent_at = None
    if form_asks_consent(application):
        apply_publication_consent(application, data.publication_consent, now=now, changes=changes)


def _apply_answers(
    application: Application, data: ApplicationData, changes: dict[str, tuple[Any, Any]]
) -> None:
    """The answers to the prize's questions (files apart): a blank removes the answer."""
    by_question = {answer.question_id: answer for answer in application.answers}
    for question in application.prize.questions:
        if question.type == "file" or question.id not in data.answers:
            continue
        value, _error = _coerce_answer(question, data.answers[question.id])
        answer = by_question.get(question.id)
        before = answer.value if answer is not None else None
        if before == value:
            continue
        changes[f"answer:{question.code}"] = (before, value)
        if value is None:
            application.answers.remove(answer)
        elif answer is None:
            application.answers.append(Answer(question_id=question.id, value=value))
        else:
            answer.value = value


def _apply_files(
    db: Session, application: Application, data: ApplicationData, changes: dict[str, tuple[Any, Any]]
) -> dict[str, list[Any]]:
    errors: dict[str, list[Any]] = {}
    by_question = {a.question_id: a for a in application.attachments}
    for question in application.prize.questions:
        if question.type != "file":
            continue
        current = by_question.get(question.id)
        upload = data.uploads.get(question.id)
        if upload is not None:
            try:
                checked = uploads.inspect(
                    upload.stream,
                    upload.filename,
                    formats=uploads.accepted_formats(question),
                    limit=uploads.max_bytes(question),
                )
            except uploads.UploadError as error:
                errors.setdefault(qfield(question), []).append(error.message)
                continue
            if (
                current is not None
                and current.sha256 == checked.sha256
                and current.filename == checked.filename
            ):
                continue  # the same file again (a double click, a replay): nothing to do
            if current is not None:
                uploads.remove_after_commit(db, current)
                application.attachments.remove(current)
                db.flush()
            key = uploads.store(db, checked)
            application.attachments.append(uploads.attachment_from(checked, key=key, question=question))
            changes[f"file:{question.code}"] = (current.filename if current else None, checked.filename)
        elif question.id in data.remove and current is not None:
            uploads.remove_after_commit(db, current)
            application.attachments.remove(current)
            changes[f"file:{question.code}"] = (current.filename, None)
    return errors


def _audit_changes(
    db: Session,
    application: Application,
    actor: User | None,
    action: str,
    changes: dict[str, tuple[Any, Any]],
    **extra: Any,
) -> None:
    record(
        db,
        actor=actor,
        action=action,
        obj=application,
        edition_id=application.edition_id,
        before={name: _short(jsonable(pair[0])) for name, pair in changes.items()},
        after={**{name: _short(jsonable(pair[1])) for name, pair in changes.items()}, **extra},
    )


def check_version(application: Application, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != application.version:
        raise StaleFormError(
            _l(
                "This application was changed in another window since you opened this page. "
                "Your text is still here: check it, then save again."
            )
        )


@dataclass
class SaveResult:
    changed: list[str]
    file_errors: dict[str, list[Any]]


def save_draft(
    db: Session,
    application: Application,
    data: ApplicationData,
    *,
    actor: User | None,
    now: datetime | None = None,
    expected_version: int | None = None,
) -> SaveResult:
    """Save whatever was typed (only types and lengths are checked); refused files are reported."""
    now = now or clocks.now()
    if application.status != "draft":
        raise ApplicationError(_l("This application is no longer a draft: submit your changes instead."))
    check_version(application, expected_version)
    problems = type_problems(application.prize, data)
    if problems:
        raise ApplicationError(
            _l("Some answers could not be saved: see the fields marked below."), errors=problems
        )
    changes, file_errors = _apply(db, application, data, now=now)
    if changes:
        _audit_changes(db, application, actor, "application.draft_saved", changes)
    return SaveResult(changed=sorted(changes), file_errors=file_errors)


# Submitting -------------------------------------------------------------------------------------


def submission_problems(application: Application) -> dict[str, list[Any]]:
    """What keeps a saved application from being submitted. Field name → translated messages."""
    errors: dict[str, list[Any]] = {}
    for name, message in _profile_problems(application):
        errors.setdefault(name, []).append(message)
    answers = {answer.question_id: answer.value for answer in application.answers}
    files = {attachment.question_id for attachment in application.attachments}
    for question in application.prize.questions:
        if question.type == "file":
            missing = question.required and question.id not in files
            messages = [_l("Attach this file to submit.")] if missing else []
        else:
            messages = _answer_problems(question, answers.get(question.id))
        for message in messages:
            errors.setdefault(qfield(question), []).append(message)
    return errors


def _profile_problems(application: Application) -> Iterator[tuple[str, Any]]:
    """``(field name, message)`` for the profile fields and the consents."""
    for name in REQUIRED_TO_SUBMIT:
        if not getattr(application, name):
            yield name, _l("This field is required to submit.")
    if application.website and not valid_url(application.website):
        yield "website", _l("Enter a full web address starting with https://")
    if application.contact_email and not valid_email(application.contact_email):
        yield "contact_email", _l("Enter a valid email address.")
    if application.consent_at is None:
        yield "consent", _l("You must accept the rules and the privacy notice to submit.")
    if application.publication_consent is None:
        yield "publication_consent", _l("Answer the question on publication to submit (yes or no).")


def _answer_problems(question: Question, value: Any) -> list[Any]:
    """What is wrong with the answer to a (not file) question: missing, not a web address, too long."""
    if question.required and (value is None or value == ""):
        return [_l("This answer is required to submit.")]
    messages = []
    if question.type == "url" and isinstance(value, str) and not valid_url(value):
        messages.append(_l("Enter a full web address starting with https://"))
    if question.max_words and isinstance(value, str):
        words = count_words(value)
        if words > question.max_words:
            messages.append(
                _l(
                    "%(count)d words: the limit is %(max)d. Shorten your answer.",
                    count=words,
                    max=question.max_words,
                )
            )
    return messages


def build_snapshot(application: Application) -> dict[str, Any]:
    """Exactly what is submitted: the content of a :class:`Submission` row (shape in its docstring)."""
    answers = {answer.question_id: answer.value for answer in application.answers}
    files = {attachment.question_id: attachment for attachment in application.attachments}
    items = []
    for question in application.prize.questions:
        item: dict[str, Any] = {"code": question.code, "label": question.label, "type": question.type}
        if question.type == "file":
            attachment = files.get(question.id)
            item["file"] = (
                None
                if attachment is None
                else {
                    "filename": attachment.filename,
                    "content_type": attachment.content_type,
                    "size_bytes": attachment.size_bytes,
                    "sha256": attachment.sha256,
                }
            )
        else:
            value = answers.get(question.id)
            item["value"] = value
            if question.type == "choice":
                item["option_label"] = next(
                    (o.get("label") for o in question.options or [] if str(o.get("code")) == value), value
                )
        items.append(item)
    content = {
        "title": application.title,
        "summary": application.summary,
        "language": application.language,
        "organization": {
            "name": application.org_name,
            "type": application.org_type,
            "region": application.region,
            "country": application.country,
            "city": application.city,
            "website": application.website,
        },
        "contact": {"name": application.contact_name, "email": application.contact_email},
        "led_by_woman": application.led_by_woman_answer,
        "consent": {
            "rules_accepted_at": application.consent_at,
            "publication": application.publication_consent,
        },
        "answers": items,
    }
    canonical = json.dumps(jsonable(content), sort_keys=True, ensure_ascii=False)
    return {
        "content": jsonable(content),
        "fingerprint": hashlib.sha256(canonical.encode()).hexdigest(),
        "context": {
            "ref": application.ref,
            "prize": {"code": application.prize.code, "name": application.prize.name},
            "edition": {"code": application.edition.code, "name": application.edition.name},
        },
    }


@dataclass
class SubmitResult:
    application: Application
    submitted: bool  # False when nothing changed (a double click, a replay): no new receipt, no mail
    resubmitted: bool = False


def submit(
    db: Session,
    application: Application,
    data: ApplicationData | None,
    *,
    actor: User | None,
    now: datetime | None = None,
) -> SubmitResult:
    """Save ``data`` and submit (or re-submit an edited submitted application) before the deadline.

    A draft keeps what was typed even when the submission is refused (late, incomplete): the error's
    ``keep`` is True and the caller commits. A submitted application is only changed by a complete
    re-submission in time; otherwise nothing is kept.
    """
    now = now or clocks.now()
    _check_may_submit(application, data, now)
    was_draft = application.status == "draft"
    changes: dict[str, tuple[Any, Any]] = {}
    file_errors: dict[str, list[Any]] = {}
    if data is not None:
        changes, file_errors = _apply(db, application, data, now=now)
    if not was_draft and not changes and not file_errors:
        return SubmitResult(application=application, submitted=False)
    if was_draft and changes:
        _audit_changes(db, application, actor, "application.draft_saved", changes)
    if not in_time(application, now):
        raise DeadlineError(late_message(application, now, submitted=False), keep=was_draft)
    problems = submission_problems(application)
    for name, messages in file_errors.items():
        problems.setdefault(name, []).extend(messages)
    if problems:
        raise ApplicationError(
            _l("Your application is not submitted yet: see the fields marked below.")
            + (" " + str(_l("Your draft is saved.")) if was_draft else ""),
            errors=problems,
            keep=was_draft,
        )
    _record_submission(db, application, actor=actor, now=now, changed=sorted(changes), was_draft=was_draft)
    _mail_receipt(db, application, resubmitted=not was_draft)
    return SubmitResult(application=application, submitted=True, resubmitted=not was_draft)


def _check_may_submit(application: Application, data: ApplicationData | None, now: datetime) -> None:
    """The refusals that keep nothing: closed, in the jury's hands, mistyped, or a change too late."""
    if application.status not in ("draft", "submitted"):
        raise ApplicationError(_l("This application can no longer be submitted."))
    was_draft = application.status == "draft"
    if not was_draft and in_jury_hands(application):
        raise InJuryHandsError(IN_JURY_HANDS)
    if data is not None:
        problems = type_problems(application.prize, data)
        if problems:
            raise ApplicationError(
                _l("Some answers could not be saved: see the fields marked below."), errors=problems
            )
    if not was_draft and now > deadline_of(application):
        raise DeadlineError(late_message(application, now, submitted=True))


def _record_submission(
    db: Session,
    application: Application,
    *,
    actor: User | None,
    now: datetime,
    changed: list[str],
    was_draft: bool,
) -> None:
    """Freeze the answers in a new :class:`Submission` with its receipt number, and audit it."""
    before = {
        "status": application.status,
        "receipt_number": application.receipt_number,
        "submitted_at": application.submitted_at,
    }
    snapshot = build_snapshot(application)
    receipt = new_receipt_number(db, application)
    application.submissions.append(
        Submission(
            submitted_at=now,
            receipt_number=receipt,
            language=application.language,
            fingerprint=snapshot["fingerprint"],
            content=snapshot["content"],
            context=snapshot["context"],
        )
    )
    application.status = "submitted"
    application.submitted_at = now
    application.receipt_number = receipt
    application.updated_at = now
    db.flush()  # UPDATE ... WHERE version = :seen: a concurrent submission fails here
    mark_stale(db, application_ids=[application.id])  # a reopened application's scorecards count again
    record(
        db,
        actor=actor,
        action="application.resubmitted" if not was_draft else "application.submitted",
        obj=application,
        edition_id=application.edition_id,
        before=before,
        after={
            "status": "submitted",
            "receipt_number": receipt,
            "submitted_at": now,
            "fingerprint": snapshot["fingerprint"],
            "changed": changed,
        },
    )


def _montreal(moment: datetime) -> str:
    return local_datetime(moment, "long")


def late_message(application: Application, now: datetime, *, submitted: bool) -> Any:
    """Why a request outside the call was refused: the deadline and the request's arrival, Montréal time."""
    if now < application.edition.applications_open:
        return _l(
            "The call for applications opens on %(date)s: your application was not submitted. "
            "Your draft is saved.",
            date=_montreal(application.edition.applications_open),
        )
    times = {"deadline": _montreal(deadline_of(application)), "arrived": _montreal(now)}
    if submitted:
        return _l(
            "The call for applications closed on %(deadline)s and your request reached us on "
            "%(arrived)s: the submitted application can no longer be changed.",
            **times,
        )
    return _l(
        "The call for applications closed on %(deadline)s and your request reached us on %(arrived)s: "
        "your application was not submitted. Your draft is saved.",
        **times,
    )


def _mail_receipt(db: Session, application: Application, *, resubmitted: bool) -> None:
    person = application.applicant
    if person is None:
        return
    mail.queue(
        db,
        to=person.email,
        template="application_submitted",
        language=person.language,
        edition=application.edition,
        application=application,
        person=person,
        resubmitted=resubmitted,
        deadline=deadline_of(application),
        receipt_link=external_url("candidate.receipt", application_id=application.id),
        status_link=external_url("candidate.application", application_id=application.id),
    )


# Withdrawing and discarding ---------------------------------------------------------------------


def withdraw(
    db: Session,
    application: Application,
    *,
    actor: User | None,
    now: datetime | None = None,
    reason: str | None = None,
) -> None:
    now = now or clocks.now()
    if not can_withdraw(application, now):
        raise ApplicationError(withdraw_refusal(application))
    before = {"status": application.status}
    application.withdrawn_at = now
    application.status = "withdrawn"
    application.updated_at = now
    db.flush()
    mark_stale(db, application_ids=[application.id])
    record(
        db,
        actor=actor,
        action="application.withdrawn",
        obj=application,
        edition_id=application.edition_id,
        before=before,
        after={"status": "withdrawn"},
        reason=(reason or None) and reason[:2000],
    )
    person = application.applicant
    if person is not None:
        mail.queue(
            db,
            to=person.email,
            template="application_withdrawn",
            language=person.language,
            edition=application.edition,
            application=application,
            person=person,
            dashboard_link=external_url("candidate.dashboard"),
        )


def discard_draft(db: Session, application: Application, *, actor: User | None) -> None:
    if application.status != "draft":
        raise ApplicationError(_l("Only a draft can be deleted."))
    for attachment in application.attachments:
        uploads.remove_after_commit(db, attachment)
    record(
        db,
        actor=actor,
        action="application.draft_deleted",
        obj=application,
        edition_id=application.edition_id,
        before={"ref": application.ref, "title": _short(application.title)},
    )
    db.delete(application)
    db.flush()


# My data ----------------------------------------------------------------------------------------


def deletion_blockers(applications: Iterable[Application], now: datetime) -> list[Application]:
    """Submitted applications still in the contest: the account cannot be deleted before the results."""
    return [a for a in applications if a.status == "submitted" and not results_final(a.edition, now)]


def delete_account(db: Session, user: User, *, now: datetime | None = None) -> dict[str, int]:
    """Delete a candidate's account, their drafts and withdrawn applications and every file they sent.

    Applications already judged stay in the contest's archive (results and statistics depend on
    them) without the person's name, contact details or files.
    """
    now = now or clocks.now()
    if user.roles - {"candidate"}:
        raise ApplicationError(
            _l("Accounts of jurors and organizers are closed by the organizers: write to them.")
        )
    mine = applications_of(db, user)
    if deletion_blockers(mine, now):
        raise ApplicationError(_l("An application is still under review: the account cannot be deleted yet."))
    counts = {"applications_deleted": 0, "applications_anonymised": 0, "files_deleted": 0}
    for application in mine:
        for attachment in list(application.attachments):
            uploads.remove_after_commit(db, attachment)
            application.attachments.remove(attachment)
            counts["files_deleted"] += 1
        if application.status in ("draft", "withdrawn"):
            db.delete(application)
            counts["applications_deleted"] += 1
        else:
            application.contact_name = None
            application.contact_email = None
            application.applicant = None
            application.updated_at = now
            _anonymise_submissions(application)
            counts["applications_anonymised"] += 1
    db.flush()
    record(
        db,
        actor=None,
        action="user.deleted",
        object_type="user",
        object_id=user.id,
        before=None,
        after={"roles": sorted(user.roles), **counts},
    )
    db.delete(user)
    db.flush()
    return counts


def _anonymise_submissions(application: Application) -> None:
    """The kept submissions lose the contact person and the names of the deleted files.

    Their fingerprints stay as printed on the receipts the candidate holds; the content no longer
    matches them, on purpose: the person's details leave with the account.
    """
    for submission in application.submissions:
        if submission.content is None:
            continue
        content = copy.deepcopy(submission.content)
        content["contact"] = {"name": None, "email": None}
        for item in content.get("answers") or []:
            if isinstance(item.get("file"), dict):
                item["file"] = {**item["file"], "filename": None}
        submission.content = content


def _application_export(application: Application, outcomes: list[str]) -> tuple[dict[str, Any], list]:
    answers = {answer.question_id: answer.value for answer in application.answers}
    files = []
    exported_answers = {}
    for question in application.prize.questions:
        if question.type == "file":
            continue
        if question.id in answers:
            exported_answers[question.code] = {"question": question.label, "value": answers[question.id]}
    entries = []
    for attachment in application.attachments:
        question = next((q for q in application.prize.questions if q.id == attachment.question_id), None)
        path_in_zip = f"files/{application.ref}/{question.code if question else 'file'}-{attachment.filename}"
        entries.append(
            {
                "question": question.code if question else None,
                "filename": attachment.filename,
                "content_type": attachment.content_type,
                "size_bytes": attachment.size_bytes,
                "sha256": attachment.sha256,
                "path": path_in_zip,
            }
        )
        files.append((attachment, path_in_zip))
    data = {
        "ref": application.ref,
        "edition": application.edition.code,
        "prize": {"code": application.prize.code, "name": application.prize.name},
        "status": application.status,
        "created_at": application.created_at,
        "submitted_at": application.submitted_at,
        "receipt_number": application.receipt_number,
        "deadline_extended_to": application.deadline_extended_to,
        "title": application.title,
        "summary": application.summary,
        "language": application.language,
        "organization": {
            "name": application.org_name,
            "type": application.org_type,
            "region": application.region,
            "country": application.country,
            "city": application.city,
            "website": application.website,
        },
        "contact": {"name": application.contact_name, "email": application.contact_email},
        "led_by_woman": application.led_by_woman_answer,
        "consent_at": application.consent_at,
        "publication_consent": application.publication_consent,
        "publication_consent_at": application.publication_consent_at,
        "eligibility_reason": application.eligibility_reason if application.status == "ineligible" else None,
        "withdrawn_at": application.withdrawn_at,
        "answers": exported_answers,
        "submissions": [
            {
                "submitted_at": submission.submitted_at,
                "receipt_number": submission.receipt_number,
                "fingerprint": submission.fingerprint,
                "content": submission.content,
            }
            for submission in application.submissions
        ],
        "files": entries,
        "outcomes": outcomes,
    }
    return jsonable(data), files


def export_zip(db: Session, user: User, *, now: datetime | None = None) -> bytes:
    """A ZIP with ``my-data.json`` (the account and every application) and the files sent."""
    now = now or clocks.now()
    mine = applications_of(db, user)
    decisions = decisions_for(db, mine)
    exported = []
    files: list[tuple[Attachment, str]] = []
    for application in mine:
        data, application_files = _application_export(
            application, visible_outcomes(application, decisions, now)
        )
        exported.append(data)
        files += application_files
    document = {
        "format": "judging-candidate-data/1",
        "exported_at": now,
        "account": {
            "email": user.email,
            "name": user.name,
            "language": user.language,
            "roles": sorted(user.roles),
            "created_at": user.created_at,
            "email_confirmed_at": user.email_confirmed_at,
            "last_login_at": user.last_login_at,
        },
        "applications": exported,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("my-data.json", json.dumps(jsonable(document), ensure_ascii=False, indent=2))
        for attachment, path in files:
            try:
                archive.write(uploads.path_of(attachment), path)
            except FileNotFoundError:
                continue
    record(
        db,
        actor=user,
        action="user.data_exported",
        obj=user,
        after={"applications": len(exported), "files": len(files)},
    )
    return buffer.getvalue()
