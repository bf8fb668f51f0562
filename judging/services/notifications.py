"""Outcome mails (finalists, not selected, winners, mentions) and the release of jurors' comments.

**Templates.** Each mail has a default text in ``templates/mail/<key>.txt`` (French and
English through the catalogs). Organizers may replace it, per edition and language, with
their own subject and body (a :class:`~judging.models.MailTemplate` row). Their text is a
Jinja template rendered in a sandbox (:class:`jinja2.sandbox.SandboxedEnvironment`) with
only the variables of :data:`VARIABLES`; anything else is refused when saving
(:func:`template_problems`). :func:`preview` shows a mail as it will leave, with sample values.

**Scheduling.** :func:`schedule` queues one mail per candidate in the outbox with
``send_after`` (``judging send-mail`` sends what is due). Only decisions of frozen rounds
are mailed (see :mod:`judging.services.ceremony`); each person gets the mail in their own
language; a candidate already mailed (or scheduled) for the same key is not mailed twice.
:func:`cancel_scheduled` takes back what has not left yet.

**Comments to candidates.** Jurors may write a comment meant for the candidate
(``Assignment.comment_to_candidate``; never ``Assignment.comment``, which is private).
After the ceremony an organizer reviews them (:func:`comments_for_review`, which flags a
comment that names its juror), may edit one (:func:`edit_comment`), and releases them
(:func:`release_comments`): ``comment_released_at`` is set and each candidate is mailed
their comments, without any juror's name. :func:`released_comments` is what the
candidate's status page shows.

Writes validate, mutate, flush, record an audit event and queue mail; they never commit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..models import (
    Application,
    Assignment,
    AuditEvent,
    Decision,
    Edition,
    MailTemplate,
    OutgoingMail,
    Prize,
    ResultSnapshot,
    Round,
    User,
    localized,
    utcnow,
)
from ..templating import local_datetime
from . import mail, mail_templates
from .audit import record

LANGUAGES = ("fr", "en")
OUTCOME_KEYS = {
    "outcome_finalist": "finalist",
    "outcome_not_selected": "not-selected",
    "outcome_winner": "winner",
    "outcome_mention": "mention",
}
COMMENTS_KEY = "comments_released"
KEYS = (*OUTCOME_KEYS, COMMENTS_KEY)

_COMMON = ("name", "ref", "title", "prize", "edition", "ceremony_date", "link")
#: The variables each organizer template may use (documented in docs/ceremony.md).
VARIABLES: dict[str, tuple[str, ...]] = {
    "outcome_finalist": _COMMON,
    "outcome_not_selected": _COMMON,
    "outcome_winner": (*_COMMON, "citation"),
    "outcome_mention": (*_COMMON, "citation"),
    COMMENTS_KEY: (*_COMMON, "comments"),
}

SUBJECT_MAX = mail_templates.SUBJECT_MAX
BODY_MAX = mail_templates.BODY_MAX
COMMENT_MAX = 5000
SCHEDULED = "notifications.scheduled"


def now() -> datetime:
    """The current time (tests replace this function to travel in time)."""
    return utcnow()


class NotificationError(Exception):
    """A refusal: ``message`` (translated, lazy) for the page, ``errors`` per form field."""

    def __init__(self, message: Any, errors: dict[str, list[Any]] | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.errors = errors or {}


def _check_key(key: str, language: str | None = None) -> None:
    if key not in KEYS or (language is not None and language not in LANGUAGES):
        raise NotificationError(_l("Unknown mail template."))


# --- organizer templates --------------------------------------------------------------------------------


def template_problems(key: str, subject: str, body: str) -> list[Any]:
    """Why an organizer's template cannot be used: a syntax error, or a variable not in :data:`VARIABLES`."""
    return mail_templates.template_problems(subject, body, allowed=VARIABLES[key])


def find_template(db: Session, edition: Edition, key: str, language: str) -> MailTemplate | None:
    return mail_templates.find(db, edition.id, key, language)


def save_template(
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
    """Store the edition's text of mail ``key`` in ``language`` (checked first; nothing saved on error).

    A text changed since the editor showed it (``expected_version``, ``shown``) is not overwritten.
    """
    _check_key(key, language)
    try:
        return mail_templates.save(
            db,
            edition,
            key=key,
            language=language,
            subject=subject,
            body=body,
            allowed=VARIABLES[key],
            actor=actor,
            expected_version=expected_version,
            shown=shown,
        )
    except mail_templates.TemplateRefused as refused:
        raise NotificationError(_l("The template was not saved."), refused.errors) from refused


def reset_template(
    db: Session,
    edition: Edition,
    *,
    key: str,
    language: str,
    actor: User | None,
    expected_version: int | None = None,
    shown: str | None = None,
) -> bool:
    """Go back to the default text; True when the edition's own text was removed."""
    _check_key(key, language)
    return mail_templates.reset(
        db, edition, key=key, language=language, actor=actor, expected_version=expected_version, shown=shown
    )


render_override = mail_templates.render_override


def render_mail(
    key: str, language: str, context: Mapping[str, Any], override: str | None = None
) -> tuple[str, str]:
    """(subject, body) of mail ``key`` exactly as :func:`judging.services.mail.queue` renders it."""
    with force_locale(language):
        rendered = render_template(f"mail/{key}.txt", language=language, override=override, **context)
    first, _, body = rendered.lstrip().partition("\n")
    return first.removeprefix("Subject:").strip(), body.strip() + "\n"


def sample_context(edition: Edition, key: str, language: str) -> dict[str, Any]:
    """Fictional values to preview a template with."""
    with force_locale(language):
        ceremony = local_datetime(edition.ceremony_at, "long")
    values: dict[str, Any] = {
        "name": "Camille Exemple",
        "ref": "INN-001",
        "title": "Projet Exemple" if language == "fr" else "Sample Project",
        "prize": "Prix de l'innovation" if language == "fr" else "Innovation Award",
        "edition": localized(edition.name, language),
        "ceremony_date": ceremony,
        "link": "https://example.org/candidate/",
    }
    if key in ("outcome_winner", "outcome_mention"):
        values["citation"] = (
            "Pour un projet audacieux et utile." if language == "fr" else "For a bold and useful project."
        )
    if key == COMMENTS_KEY:
        values["comments"] = (
            ["Un dossier clair et convaincant.", "Précisez le modèle d'affaires."]
            if language == "fr"
            else ["A clear and convincing application.", "Say more about the business model."]
        )
    return {k: v for k, v in values.items() if k in VARIABLES[key]}


def preview(
    edition: Edition, *, key: str, language: str, subject: str | None = None, body: str | None = None
) -> tuple[str, str, list[Any]]:
    """(subject, body, problems) of a mail with sample values: the organizer's draft, else the default."""
    _check_key(key, language)
    context = sample_context(edition, key, language)
    override = None
    problems: list[Any] = []
    if subject is not None and body is not None and (subject.strip() or body.strip()):
        problems = template_problems(key, subject, body)
        if problems:
            return "", "", problems
        override = render_override(subject, body, context)
        if override is None:
            return "", "", [_l("The template cannot be rendered with the sample values.")]
    rendered_subject, rendered_body = render_mail(key, language, context, override)
    return rendered_subject, rendered_body, problems


# --- who gets which mail -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    application_id: int
    to: str
    language: str
    context: dict[str, Any]


def _frozen_effective_rounds(db: Session, prize_ids: Sequence[int]) -> tuple[dict[int, int | None], set[int]]:
    """(last round id per prize, ids of the frozen rounds): two queries."""
    rounds = (
        db.execute(
            select(Round.id, Round.prize_id)
            .where(Round.prize_id.in_(prize_ids))
            .order_by(Round.position, Round.id)
        ).all()
        if prize_ids
        else []
    )
    last: dict[int, int | None] = {}
    for round_id, prize_id in rounds:
        last[prize_id] = round_id
    ids = [r for r, _ in rounds]
    frozen = (
        set(
            db.scalars(
                select(ResultSnapshot.round_id).where(
                    ResultSnapshot.round_id.in_(ids), ResultSnapshot.invalidated_at.is_(None)
                )
            )
        )
        if ids
        else set()
    )
    return last, frozen


def _address(application: Application, applicant: User | None) -> tuple[str | None, str, str]:
    """(email, language, name): the applicant's account first, else the application's contact."""
    if applicant is not None:
        return (
            applicant.email,
            applicant.language or application.language or "fr",
            (application.contact_name or applicant.display_name),
        )
    return application.contact_email, application.language or "fr", application.contact_name or ""


def _link() -> str:
    from .accounts import external_url

    try:
        return external_url("candidate.dashboard")
    except RuntimeError:  # outside a request without SERVER_NAME or PUBLIC_URL
        return ""


def _ceremony_date(edition: Edition, language: str) -> str:
    if edition.ceremony_at is None:
        return ""
    with force_locale(language):
        return local_datetime(edition.ceremony_at, "long")  # « 16 octobre 2025 à 19 h 00 (HAE) »


def recipients(db: Session, edition: Edition, key: str) -> list[Recipient]:
    """Who gets mail ``key``: one per frozen decision of that outcome (four queries)."""
    if key not in OUTCOME_KEYS:
        raise NotificationError(_l("Unknown mail template."))
    prizes = db.scalars(select(Prize).where(Prize.edition_id == edition.id)).all()
    by_id = {p.id: p for p in prizes}
    last, frozen = _frozen_effective_rounds(db, list(by_id))
    rows = (
        db.execute(
            select(Decision, Application, User)
            .join(Application, Application.id == Decision.application_id)
            .outerjoin(User, User.id == Application.applicant_id)
            .where(Decision.prize_id.in_(list(by_id)), Decision.outcome == OUTCOME_KEYS[key])
            .order_by(Decision.prize_id, Application.ref)
        ).all()
        if by_id
        else []
    )
    link = _link()
    out = []
    for decision, application, applicant in rows:
        if (decision.round_id or last.get(decision.prize_id)) not in frozen:
            continue
        to, language, name = _address(application, applicant)
        if not to:
            continue
        language = language if language in LANGUAGES else "fr"
        prize = by_id[decision.prize_id]
        context = {
            "name": name,
            "ref": application.ref,
            "title": application.title or "",
            "prize": localized(prize.name, language),
            "edition": localized(edition.name, language),
            "ceremony_date": _ceremony_date(edition, language),
            "link": link,
        }
        if "citation" in VARIABLES[key]:
            context["citation"] = localized(decision.citation, language) if decision.citation else ""
        out.append(Recipient(application_id=application.id, to=to, language=language, context=context))
    return out


def _scheduled_events(db: Session, edition: Edition) -> list[AuditEvent]:
    return list(
        db.scalars(
            select(AuditEvent)
            .where(AuditEvent.edition_id == edition.id, AuditEvent.action == SCHEDULED)
            .order_by(AuditEvent.id)
        )
    )


def _already_mailed(db: Session, edition: Edition) -> dict[str, set[int]]:
    """Applications per key whose mail is scheduled or sent (a cancelled mail no longer counts)."""
    events = _scheduled_events(db, edition)
    mail_ids = [m for e in events for m in (e.after or {}).get("mails", [])]
    # a mail cancelled on the outbox page (``cancelled_at``) no longer counts either
    live = select(OutgoingMail.id).where(OutgoingMail.id.in_(mail_ids), OutgoingMail.cancelled_at.is_(None))
    existing = set(db.scalars(live)) if mail_ids else set()
    done: dict[str, set[int]] = defaultdict(set)
    for event in events:
        after = event.after or {}
        for application_id, mail_id in zip(
            after.get("applications", []), after.get("mails", []), strict=False
        ):
            if mail_id in existing:
                done[after.get("key", "")].add(application_id)
    for key, application_id in _mailed_at_announcement(db, edition):
        done[key].add(application_id)
    return done


def _mailed_at_announcement(db: Session, edition: Edition) -> list[tuple[str, int]]:
    """(key, application) pairs already told their finalist / not-selected outcome when the
    finalists were announced (``decisions.announce_finalists`` mails them): two queries."""
    announced_rounds = list(
        db.scalars(
            select(AuditEvent.round_id).where(
                AuditEvent.edition_id == edition.id,
                AuditEvent.action == "finalists.announced",
                AuditEvent.round_id.is_not(None),
            )
        )
    )
    if not announced_rounds:
        return []
    key_of = {outcome: key for key, outcome in OUTCOME_KEYS.items()}
    rows = db.execute(
        select(Decision.outcome, Decision.application_id).where(
            Decision.round_id.in_(announced_rounds), Decision.outcome.in_(("finalist", "not-selected"))
        )
    ).all()
    return [(key_of[outcome], application_id) for outcome, application_id in rows]


def _queue(
    db: Session,
    *,
    to: str,
    key: str,
    language: str,
    send_after: datetime,
    override: str | None,
    context: Mapping[str, Any],
) -> OutgoingMail:
    # a scheduled mail waits in the outbox: the sender takes it when ``send_after`` has come
    return mail.queue(
        db, to=to, template=key, language=language, send_after=send_after, override=override, **context
    )


def edition_overrides(
    db: Session, edition: Edition, keys: Iterable[str]
) -> dict[tuple[str, str], MailTemplate]:
    rows = db.scalars(
        select(MailTemplate).where(MailTemplate.edition_id == edition.id, MailTemplate.key.in_(list(keys)))
    ).all()
    return {(t.key, t.language): t for t in rows}


def schedule(
    db: Session, edition: Edition, *, keys: Sequence[str], send_after: datetime, actor: User | None
) -> dict[str, int]:
    """Queue the outcome mails ``keys`` to leave at ``send_after`` (aware). Returns the count per key.

    Each candidate gets the mail in their language, from the edition's own text when there is
    one. Candidates already mailed for a key (scheduled or sent, not cancelled) are skipped.
    """
    if not keys:
        raise NotificationError(
            _l("Choose at least one mail to send."), {"keys": [_l("Choose at least one mail.")]}
        )
    for key in keys:
        if key not in OUTCOME_KEYS:
            raise NotificationError(_l("Unknown mail template."))
    if send_after.tzinfo is None:
        raise NotificationError(_l("Give the time with its time zone."))
    done = _already_mailed(db, edition)
    overrides = edition_overrides(db, edition, keys)
    counts: dict[str, int] = {}
    for key in keys:
        applications: list[int] = []
        mails: list[int] = []
        for person in recipients(db, edition, key):
            if person.application_id in done[key]:
                continue
            template = overrides.get((key, person.language))
            override = render_override(template.subject, template.body, person.context) if template else None
            queued = _queue(
                db,
                to=person.to,
                key=key,
                language=person.language,
                send_after=send_after,
                override=override,
                context=person.context,
            )
            applications.append(person.application_id)
            mails.append(queued.id)
            done[key].add(person.application_id)
        counts[key] = len(mails)
        if mails:
            record(
                db,
                actor=actor,
                action=SCHEDULED,
                obj=edition,
                after={"key": key, "send_after": send_after, "applications": applications, "mails": mails},
            )
    return counts


def cancel_scheduled(db: Session, edition: Edition, *, actor: User | None) -> int:
    """Take back the scheduled outcome mails that have not left yet. Returns how many."""
    events = _scheduled_events(db, edition)
    mail_ids = [m for e in events for m in (e.after or {}).get("mails", [])]
    if not mail_ids:
        return 0
    pending = list(
        db.scalars(
            select(OutgoingMail.id).where(OutgoingMail.id.in_(mail_ids), OutgoingMail.sent_at.is_(None))
        )
    )
    if not pending:
        return 0
    db.execute(delete(OutgoingMail).where(OutgoingMail.id.in_(pending)))
    db.flush()
    record(db, actor=actor, action="notifications.cancelled", obj=edition, after={"mails": pending})
    return len(pending)


@dataclass
class KeySummary:
    key: str
    recipients: int
    scheduled: int
    sent: int
    next_at: datetime | None


def summary(db: Session, edition: Edition) -> list[KeySummary]:
    """Per outcome mail: how many candidates it concerns, how many mails wait, how many left."""
    events = _scheduled_events(db, edition)
    mail_ids = [m for e in events for m in (e.after or {}).get("mails", [])]
    rows = (
        db.execute(
            select(
                OutgoingMail.id, OutgoingMail.template, OutgoingMail.sent_at, OutgoingMail.send_after
            ).where(OutgoingMail.id.in_(mail_ids), OutgoingMail.cancelled_at.is_(None))
        ).all()
        if mail_ids
        else []
    )
    out = []
    for key in OUTCOME_KEYS:
        mine = [r for r in rows if r.template == key]
        waiting = [r for r in mine if r.sent_at is None]
        out.append(
            KeySummary(
                key=key,
                recipients=len(recipients(db, edition, key)),
                scheduled=len(waiting),
                sent=len(mine) - len(waiting),
                next_at=min((r.send_after for r in waiting), default=None),
            )
        )
    return out


# --- comments to candidates -----------------------------------------------------------------------------


def results_final(edition: Edition, at: datetime) -> bool:
    """The ceremony has taken place (or the winners are public): comments may be released."""
    return any(
        moment is not None and moment <= at for moment in (edition.ceremony_at, edition.winners_public_at)
    )


@dataclass
class CommentRow:
    assignment_id: int
    application_id: int
    ref: str
    title: str
    prize: Any
    text: str
    released_at: datetime | None
    frozen: bool
    names_juror: bool


def _names_juror(text: str, juror: User) -> bool:
    lowered = text.lower()
    candidates = [juror.email, juror.email.split("@")[0], juror.name, *(juror.name or "").split()]
    return any(c and len(c) >= 3 and c.lower() in lowered for c in candidates)


def comments_for_review(db: Session, edition: Edition) -> list[CommentRow]:
    """Every comment to a candidate of the edition (submitted scorecards), for review: three queries."""
    prizes = {p.id: p for p in db.scalars(select(Prize).where(Prize.edition_id == edition.id))}
    if not prizes:
        return []
    _last, frozen = _frozen_effective_rounds(db, list(prizes))
    rows = db.execute(
        select(Assignment, Application, User)
        .join(Application, Application.id == Assignment.application_id)
        .join(User, User.id == Assignment.juror_id)
        .where(
            Application.edition_id == edition.id,
            Assignment.status == "submitted",
            Assignment.comment_to_candidate.is_not(None),
            Assignment.comment_to_candidate != "",
        )
        .order_by(Application.ref, Assignment.id)
    ).all()
    return [
        CommentRow(
            assignment_id=card.id,
            application_id=application.id,
            ref=application.ref,
            title=application.title or "",
            prize=prizes[application.prize_id].name if application.prize_id in prizes else "",
            text=card.comment_to_candidate or "",
            released_at=card.comment_released_at,
            frozen=card.round_id in frozen,
            names_juror=_names_juror(card.comment_to_candidate or "", juror),
        )
        for card, application, juror in rows
        if (card.comment_to_candidate or "").strip()
    ]


def _edition_card(db: Session, edition: Edition, assignment_id: int) -> Assignment:
    card = db.get(Assignment, assignment_id)
    if card is None or card.application.edition_id != edition.id:
        raise NotificationError(_l("This comment is not part of this edition."))
    return card


def edit_comment(
    db: Session, edition: Edition, *, assignment_id: int, text: str, actor: User | None
) -> Assignment:
    """An organizer's correction of a comment before it is released (for instance to take out a name)."""
    card = _edition_card(db, edition, assignment_id)
    if card.comment_released_at is not None:
        raise NotificationError(_l("This comment has already been released: it can no longer change."))
    cleaned = (text or "").strip()
    if len(cleaned) > COMMENT_MAX:
        raise NotificationError(
            _l("At most %(max)d characters.", max=COMMENT_MAX),
            {"text": [_l("At most %(max)d characters.", max=COMMENT_MAX)]},
        )
    before = card.comment_to_candidate
    card.comment_to_candidate = cleaned or None
    db.flush()
    record(
        db,
        actor=actor,
        action="comment.edited",
        obj=card,
        before={"comment_to_candidate": before},
        after={"comment_to_candidate": card.comment_to_candidate},
    )
    return card


def release_comments(
    db: Session,
    edition: Edition,
    *,
    assignment_ids: Iterable[int],
    actor: User | None,
    send_after: datetime | None = None,
) -> tuple[int, int]:
    """Release reviewed comments to their candidates and mail them. Returns (comments, mails).

    Refused before the ceremony, for a comment whose round is not frozen, and for one that
    is not part of the edition. Comments already released are left as they are.
    """
    moment = now()
    if not results_final(edition, moment):
        raise NotificationError(_l("Comments are released after the ceremony."))
    wanted = set(assignment_ids)
    if not wanted:
        raise NotificationError(_l("Choose the comments to release."))
    rows = {row.assignment_id: row for row in comments_for_review(db, edition)}
    unknown = wanted - set(rows)
    if unknown:
        raise NotificationError(_l("This comment is not part of this edition."))
    not_frozen = [rows[i].ref for i in sorted(wanted) if not rows[i].frozen]
    if not_frozen:
        raise NotificationError(
            _l(
                "The results of the round of %(refs)s are not frozen: their comments cannot be released yet.",
                refs=", ".join(sorted(set(not_frozen))),
            )
        )
    fresh = [i for i in sorted(wanted) if rows[i].released_at is None]
    if not fresh:
        return 0, 0
    cards = db.scalars(select(Assignment).where(Assignment.id.in_(fresh))).all()
    for card in cards:
        card.comment_released_at = moment
    db.flush()
    by_application: dict[int, list[str]] = defaultdict(list)
    for i in fresh:
        by_application[rows[i].application_id].append(rows[i].text)
    mails = _mail_comments(db, edition, by_application, send_after=send_after or moment)
    record(
        db,
        actor=actor,
        action="comments.released",
        obj=edition,
        after={"assignments": fresh, "applications": sorted(by_application), "mails": mails},
    )
    return len(fresh), mails


def _mail_comments(
    db: Session, edition: Edition, comments: Mapping[int, list[str]], *, send_after: datetime
) -> int:
    if not comments:
        return 0
    rows = db.execute(
        select(Application, User, Prize)
        .join(Prize, Prize.id == Application.prize_id)
        .outerjoin(User, User.id == Application.applicant_id)
        .where(Application.id.in_(list(comments)))
        .order_by(Application.ref)
    ).all()
    overrides = edition_overrides(db, edition, [COMMENTS_KEY])
    link = _link()
    sent = 0
    for application, applicant, prize in rows:
        to, language, name = _address(application, applicant)
        if not to:
            continue
        language = language if language in LANGUAGES else "fr"
        context = {
            "name": name,
            "ref": application.ref,
            "title": application.title or "",
            "prize": localized(prize.name, language),
            "edition": localized(edition.name, language),
            "ceremony_date": _ceremony_date(edition, language),
            "link": link,
            "comments": list(comments[application.id]),
        }
        template = overrides.get((COMMENTS_KEY, language))
        override = render_override(template.subject, template.body, context) if template else None
        _queue(
            db,
            to=to,
            key=COMMENTS_KEY,
            language=language,
            send_after=send_after,
            override=override,
            context=context,
        )
        sent += 1
    return sent


def released_comments(db: Session, application: Application) -> list[str]:
    """The comments jurors wrote for this candidate that an organizer has released (one query).

    Only the text meant for the candidate: never the private comment, never who wrote it.
    """
    return [
        text
        for text in db.scalars(
            select(Assignment.comment_to_candidate)
            .where(
                Assignment.application_id == application.id,
                Assignment.comment_released_at.is_not(None),
                Assignment.status == "submitted",
            )
            .order_by(Assignment.comment_released_at, Assignment.id)
        )
        if text and text.strip()
    ]


def released_comments_by_application(
    db: Session, applications: Iterable[Application]
) -> dict[int, list[str]]:
    """:func:`released_comments` of several applications in one query (for a list of applications)."""
    ids = [a.id for a in applications]
    found: dict[int, list[str]] = {i: [] for i in ids}
    if not ids:
        return found
    rows = db.execute(
        select(Assignment.application_id, Assignment.comment_to_candidate)
        .where(
            Assignment.application_id.in_(ids),
            Assignment.comment_released_at.is_not(None),
            Assignment.status == "submitted",
        )
        .order_by(Assignment.comment_released_at, Assignment.id)
    ).all()
    for application_id, text in rows:
        if text and text.strip():
            found[application_id].append(text)
    return found
