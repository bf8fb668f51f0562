"""Scheduled outcome mails (finalists, not selected, winners, mentions) and the jurors' comments.

**Texts.** Every mail here is a kind of the one registry, :mod:`judging.mail.templates`
(default texts, edited texts, variables, preview); the one editor is the organizer's mail page.

**Scheduling.** :func:`schedule` queues one mail per frozen decision in the outbox with
``send_after`` (``judging send-mail`` sends what is due), in each person's language, through
:func:`judging.results.outcome_mails.send`: a candidate already told that outcome (at the
finalist announcement, or by an earlier sending not cancelled) is not mailed twice; who was told
is read from the outbox (see :mod:`judging.results.outcome_mails`). :func:`summary` says, per
mail, who was told at the announcement, what waits and what left; :func:`cancel_scheduled` takes
back the scheduled mail that has not left yet.

**Comments to candidates.** Jurors may write a comment meant for the candidate
(``Assignment.comment_to_candidate``; never ``Assignment.comment``, which is private).
After the ceremony an organizer reviews them (:func:`comments_for_review`, which flags a
comment that names its juror), may edit one (:func:`edit_comment`), and releases them
(:func:`release_comments`): ``comment_released_at`` is set and each candidate is mailed
their comments, without any juror's name. :func:`judging.applications.queries.released_comments`
is what the candidate's status page shows.

Writes validate, mutate, flush, record an audit event and queue mail; they never commit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from judging.accounts.models import User
from judging.applications.models import Application
from judging.core import clock
from judging.core.audit import record
from judging.editions.models import Edition, Prize, Round
from judging.jury.models import Assignment
from judging.mail import templates as mail_templates
from judging.mail.models import OutgoingMail
from judging.results import outcome_mails
from judging.results.models import Decision, ResultSnapshot
from judging.results.outcome_mails import ANNOUNCED, SCHEDULED, Fact, Recipient, Told

OUTCOME_KEYS = mail_templates.OUTCOME_KEYS
COMMENTS_KEY = "comments_released"
COMMENT_MAX = 5000
SCHEDULED_ACTION = "notifications.scheduled"


class NotificationError(Exception):
    """A refusal: ``message`` (translated, lazy) for the page, ``errors`` per form field."""

    def __init__(self, message: Any, errors: dict[str, list[Any]] | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.errors = errors or {}


# --- who gets which mail -----------------------------------------------------------------------------


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
    link = outcome_mails.candidate_link()
    out = []
    for decision, application, applicant in rows:
        round_id = decision.round_id or last.get(decision.prize_id)
        if round_id not in frozen:
            continue
        person = outcome_mails.recipient(
            edition,
            by_id[decision.prize_id],
            application,
            decision,
            round_id=round_id,
            link=link,
            applicant=applicant,
        )
        if person is not None:
            out.append(person)
    return out


def _recipients_by_key(db: Session, edition: Edition) -> dict[str, list[Recipient]]:
    return {key: recipients(db, edition, key) for key in OUTCOME_KEYS}


def schedule(
    db: Session, edition: Edition, *, keys: Sequence[str], send_after: datetime, actor: User | None
) -> dict[str, int]:
    """Queue the outcome mails ``keys`` to leave at ``send_after`` (aware). Returns the count per key.

    Each candidate gets the mail in their language, from the edition's own text when there is
    one. Candidates already told that outcome (at the announcement, or by an earlier sending not
    cancelled) are skipped.
    """
    if not keys:
        raise NotificationError(
            _l("Choose at least one mail to send."), {"keys": [_l("Choose at least one mail.")]}
        )
    if any(key not in OUTCOME_KEYS for key in keys):
        raise NotificationError(_l("Unknown mail template."))
    if send_after.tzinfo is None:
        raise NotificationError(_l("Give the time with its time zone."))
    counts: dict[str, int] = {}
    for key in keys:
        queued = outcome_mails.send(
            db, edition, recipients(db, edition, key), source=SCHEDULED, send_after=send_after
        )
        counts[key] = len(queued)
        if queued:
            record(
                db,
                actor=actor,
                action=SCHEDULED_ACTION,
                obj=edition,
                after={
                    "key": key,
                    "send_after": send_after,
                    "applications": [person.application_id for person, _mail in queued],
                    "mails": [outgoing.id for _person, outgoing in queued],
                },
            )
    return counts


def cancel_scheduled(db: Session, edition: Edition, *, actor: User | None) -> int:
    """Take back the scheduled outcome mails that have not left yet (marked cancelled). Returns how many.

    Mail of the finalist announcement is left alone (the outbox page cancels any single mail).
    """
    told = outcome_mails.told(
        db, edition, [p for group in _recipients_by_key(db, edition).values() for p in group]
    )
    pending = sorted(t.mail_id for t in told.values() if t.source == SCHEDULED and t.sent_at is None)
    if not pending:
        return 0
    cancelled = db.execute(
        update(OutgoingMail)
        .where(
            OutgoingMail.id.in_(pending), OutgoingMail.sent_at.is_(None), OutgoingMail.cancelled_at.is_(None)
        )
        .values(cancelled_at=clock.now())
        .execution_options(synchronize_session=False)
    ).rowcount  # a mail that left meanwhile is not cancelled
    record(db, actor=actor, action="notifications.cancelled", obj=edition, after={"mails": pending})
    return cancelled


@dataclass
class KeySummary:
    """One outcome mail on the ceremony's mail page: its candidates, and how many were told how."""

    key: str
    recipients: int
    announced: int  # told at the finalist announcement (sent or on its way)
    scheduled: int  # scheduled here, not left yet
    sent: int  # scheduled here, left
    untold: int  # not mailed yet: what scheduling now would add
    next_at: datetime | None


def _key_summary(key: str, people: list[Recipient], told: Mapping[Fact, Told]) -> KeySummary:
    facts = [told.get(person.fact) for person in people]
    waiting = [t for t in facts if t is not None and t.source == SCHEDULED and t.sent_at is None]
    return KeySummary(
        key=key,
        recipients=len(people),
        announced=sum(1 for t in facts if t is not None and t.source == ANNOUNCED),
        scheduled=len(waiting),
        sent=sum(1 for t in facts if t is not None and t.source == SCHEDULED and t.sent_at is not None),
        untold=sum(1 for t in facts if t is None),
        next_at=min((t.send_after for t in waiting if not t.gave_up), default=None),
    )


def summary(db: Session, edition: Edition) -> list[KeySummary]:
    """Per outcome mail: its candidates, who was told at the announcement, what waits, what left."""
    people = _recipients_by_key(db, edition)
    told = outcome_mails.told(db, edition, [p for group in people.values() for p in group])
    return [_key_summary(key, group, told) for key, group in people.items()]


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
    moment = clock.now()
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
    edited = mail_templates.overrides(db, edition.id, [COMMENTS_KEY])
    link = outcome_mails.candidate_link()
    sent = 0
    for application, applicant, prize in rows:
        to, language, name = outcome_mails.address(application, applicant)
        if not to:
            continue
        language = language if language in mail_templates.LANGUAGES else "fr"
        context = outcome_mails.candidate_context(
            edition, prize, application, name=name, language=language, link=link
        )
        context["comments"] = list(comments[application.id])
        mail_templates.queue(
            db,
            edition.id,
            key=COMMENTS_KEY,
            to=to,
            language=language,
            context=context,
            send_after=send_after,
            edited=edited,
        )
        sent += 1
    return sent
