"""A juror's scorecard: save a draft, submit, change, abstain, declare a conflict (recuse).

Every change is validated first (nothing is saved when one value is wrong), then
applied, flushed and audited with the scorecard's state before and after. A
recusal or an abstention stores no score: it is a missing score, never a zero.
The total is the domain's exact formula (:func:`judging.domain.scoring.scorecard_total`).
Never commits: the route does, once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.scoring import CriterionSpec, scorecard_total
from ..models import Assignment, Conflict, Criterion, CriterionScore, User, utcnow
from . import jury, mail
from .audit import record
from .jury import JuryError

COMMENT_MAX = 10_000
REASON_MAX = 2_000
DECIMALS = 4
NUMBER_RE = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")


class ScoreError(JuryError):
    """Some values are wrong: ``errors`` maps a criterion code (or ``comment`` ...) to its messages."""

    def __init__(self, errors: dict[str, list[Any]]) -> None:
        super().__init__(_l("Please correct the scores marked below: nothing was saved."))
        self.errors = errors


class ScoringClosed(JuryError):
    """The scorecard cannot change (deadline passed, phase, conflict, recusal)."""


@dataclass
class Saved:
    changed: bool
    total: Fraction | None
    status: str


# --- numbers ---------------------------------------------------------------------------------------------


def plain(value: Decimal | int) -> str:
    """``Decimal("7.5000")`` → ``7.5``; ``Decimal("10.0000")`` → ``10``."""
    value = Decimal(value)
    text = format(value.normalize(), "f")
    return text


def parse_score(raw: Any, criterion: Criterion) -> tuple[Decimal | None, Any | None]:
    """(value, None) or (None, message). A blank is (None, None): the criterion is unanswered."""
    text = "" if raw is None else str(raw).strip().replace("\u00a0", "").replace(" ", "")
    if text == "":
        return None, None
    if not NUMBER_RE.match(text):
        return None, _l(
            "“%(value)s” is not a number: type a number such as 7 or 7.5.", value=str(raw).strip()
        )
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern already refused it
        return None, _l(
            "“%(value)s” is not a number: type a number such as 7 or 7.5.", value=str(raw).strip()
        )
    if value < criterion.min_value or value > criterion.max_value:
        return None, _l(
            "Enter a score between %(min)s and %(max)s.",
            min=plain(criterion.min_value),
            max=plain(criterion.max_value),
        )
    if value != value.quantize(Decimal(1).scaleb(-DECIMALS)):
        return None, _l("Use at most %(n)s decimal places.", n=DECIMALS)
    return value, None


def specs(criteria: Iterable[Criterion]) -> list[CriterionSpec]:
    return [
        CriterionSpec(code=c.code, weight=c.weight, min=c.min_value, max=c.max_value, required=c.required)
        for c in criteria
    ]


def total_of(criteria: Iterable[Criterion], values: Mapping[str, Decimal | None]) -> Fraction | None:
    """The scorecard total on 0–100, exactly (None when nothing is answered)."""
    return scorecard_total(criteria=specs(criteria), scores=dict(values))


def format_total(total: Fraction | None, locale: str = "en") -> str:
    """Two decimals, halves rounded up (the same rounding as ``static/js/scorecard.js``)."""
    if total is None:
        return "—"
    hundredths = (total.numerator * 200 + total.denominator) // (2 * total.denominator)
    text = f"{hundredths // 100}.{hundredths % 100:02d}"
    return text.replace(".", ",") if locale == "fr" else text


def card_values(card: Assignment) -> dict[str, Decimal]:
    codes = {c.id: c.code for c in card.round.criteria}
    return {codes[s.criterion_id]: s.value for s in card.scores if s.criterion_id in codes}


def card_total(card: Assignment) -> Fraction | None:
    return total_of(card.round.criteria, card_values(card))


def scorecard_state(card: Assignment) -> dict[str, Any]:
    """What the audit log keeps of a scorecard, before and after a change."""
    return {
        "status": card.status,
        "scores": {code: plain(value) for code, value in sorted(card_values(card).items())},
        "comment": card.comment,
        "comment_to_candidate": card.comment_to_candidate,
        "abstain_reason": card.abstain_reason,
    }


# --- checks ----------------------------------------------------------------------------------------------


def ensure_can_change(db: Session, actor: User, card: Assignment, now: datetime | None = None) -> None:
    """Raise :class:`ScoringClosed` with the reason when ``actor`` may not change ``card`` now."""
    if actor is None or card.juror_id != actor.id:
        raise ScoringClosed(_l("This scorecard is not yours."))
    if card.status == "recused" or jury.is_in_conflict(db, actor.id, card.application_id):
        raise ScoringClosed(_l("You have a conflict of interest with this application: you cannot score it."))
    reason = jury.judging_closed_reason(card.round, now)
    if reason is not None:
        raise ScoringClosed(reason)


def _text(value: Any, limit: int) -> str | None:
    text = (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()
    return text[:limit] if text else None


# --- use cases -------------------------------------------------------------------------------------------


def save(
    db: Session,
    card: Assignment,
    *,
    actor: User,
    scores: Mapping[str, Any],
    comment: Any = None,
    comment_to_candidate: Any = None,
    submit: bool = False,
    now: datetime | None = None,
) -> Saved:
    """Save the juror's scores and comments; ``submit`` also submits (required criteria answered).

    ``comment`` and ``comment_to_candidate`` left at None keep their text; "" clears it.
    A submitted scorecard stays submitted when it changes, so the same rules apply to every
    later change. Nothing is saved when one value is wrong (:class:`ScoreError`).
    An unchanged scorecard writes nothing (autosave may call this often).
    """
    now = now or utcnow()
    ensure_can_change(db, actor, card, now)
    if card.status == "abstained":
        raise ScoringClosed(_l("You abstained on this application: choose “Score it after all” first."))
    criteria = list(card.round.criteria)
    values: dict[str, Decimal | None] = {}
    errors: dict[str, list[Any]] = {}
    for criterion in criteria:
        value, problem = parse_score(scores.get(criterion.code), criterion)
        if problem is not None:
            errors[criterion.code] = [problem]
        values[criterion.code] = value
    submitting = submit or card.status == "submitted"
    if submitting:
        for criterion in criteria:
            if criterion.required and values[criterion.code] is None and criterion.code not in errors:
                errors[criterion.code] = [_l("Required to submit: give a score.")]
    for name, text in (("comment", comment), ("comment_to_candidate", comment_to_candidate)):
        if text and len(str(text)) > COMMENT_MAX:
            errors[name] = [_l("Keep it under %(n)s characters.", n=COMMENT_MAX)]
    if errors:
        raise ScoreError(errors)

    before = scorecard_state(card)
    by_criterion = {s.criterion_id: s for s in card.scores}
    for criterion in criteria:
        value = values[criterion.code]
        existing = by_criterion.get(criterion.id)
        if value is None:
            if existing is not None:
                card.scores.remove(existing)
        elif existing is None:
            card.scores.append(CriterionScore(criterion_id=criterion.id, value=value))
        elif existing.value != value:
            existing.value = value
    if comment is not None:  # None keeps the comment (the live page has no comment box); "" clears it
        card.comment = _text(comment, COMMENT_MAX)
    if comment_to_candidate is not None:
        card.comment_to_candidate = _text(comment_to_candidate, COMMENT_MAX)
    was = card.status
    if submitting:
        card.status = "submitted"
        card.submitted_at = card.submitted_at or now
    after_values = {code: plain(v) for code, v in sorted(values.items()) if v is not None}
    content_changed = (
        before["scores"] != after_values
        or before["comment"] != card.comment
        or before["comment_to_candidate"] != card.comment_to_candidate
    )
    if not submitting and content_changed:
        card.status = "draft"
    total = total_of(criteria, values)
    if was == card.status and not content_changed:
        return Saved(changed=False, total=total, status=card.status)
    db.flush()
    db.expire(card, ["scores"])
    after = scorecard_state(card)
    if was == "submitted":
        action = "scorecard.changed"
    elif card.status == "submitted":
        action = "scorecard.submitted"
    else:
        action = "scorecard.draft_saved"
    record(db, actor=actor, action=action, obj=card, before=before, after=after)
    return Saved(changed=True, total=total, status=card.status)


def abstain(db: Session, card: Assignment, *, actor: User, reason: str, now: datetime | None = None) -> None:
    """The juror abstains with a reason: the scorecard keeps no score (a missing score, not a zero)."""
    ensure_can_change(db, actor, card, now)
    reason_text = _text(reason, REASON_MAX)
    if not reason_text:
        raise ScoreError({"reason": [_l("Write the reason for abstaining.")]})
    if card.status == "abstained":
        raise ScoringClosed(_l("You already abstained on this application."))
    before = scorecard_state(card)
    card.scores.clear()
    card.status = "abstained"
    card.abstain_reason = reason_text
    card.submitted_at = None
    card.comment_to_candidate = None
    db.flush()
    record(
        db,
        actor=actor,
        action="scorecard.abstained",
        obj=card,
        before=before,
        after=scorecard_state(card),
        reason=reason_text,
    )


def resume(db: Session, card: Assignment, *, actor: User, now: datetime | None = None) -> None:
    """Undo an abstention: the scorecard is to score again."""
    ensure_can_change(db, actor, card, now)
    if card.status != "abstained":
        return
    before = scorecard_state(card)
    card.status = "assigned"
    card.abstain_reason = None
    db.flush()
    record(db, actor=actor, action="scorecard.resumed", obj=card, before=before, after=scorecard_state(card))


def recuse(
    db: Session, card: Assignment, *, actor: User, reason: str, now: datetime | None = None
) -> Conflict:
    """The juror declares a conflict: the scorecard becomes recused (no score) and the organizers are told."""
    ensure_can_change(db, actor, card, now)
    reason_text = _text(reason, REASON_MAX)
    if not reason_text:
        raise ScoreError({"reason": [_l("Write the reason for the conflict of interest.")]})
    conflict = db.scalar(
        select(Conflict).where(Conflict.user_id == actor.id, Conflict.application_id == card.application_id)
    )
    if conflict is None:
        conflict = Conflict(user_id=actor.id, application_id=card.application_id)
        db.add(conflict)
    conflict.source = "declared"
    conflict.reason = reason_text
    conflict.lifted_at = None
    conflict.lifted_by_id = None
    conflict.lift_reason = None
    before = scorecard_state(card)
    card.scores.clear()
    card.status = "recused"
    card.submitted_at = None
    card.comment_to_candidate = None
    card.abstain_reason = None
    db.flush()
    record(
        db,
        actor=actor,
        action="conflict.declared",
        obj=conflict,
        after={"user_id": actor.id, "application_id": card.application_id, "source": "declared"},
        reason=reason_text,
    )
    record(
        db,
        actor=actor,
        action="scorecard.recused",
        obj=card,
        before=before,
        after=scorecard_state(card),
        reason=reason_text,
    )
    link = _organizer_link(card)
    for organizer in jury.organizers(db):
        mail.queue(
            db,
            to=organizer.email,
            template="conflict_declared",
            language=organizer.language,
            organizer=organizer,
            juror=actor,
            application=card.application,
            round=card.round,
            prize=card.round.prize,
            reason=reason_text,
            link=link,
        )
    return conflict


def _organizer_link(card: Assignment) -> str:
    from .accounts import external_url

    rnd = card.round
    return external_url(
        "organizer.jury",
        edition_id=rnd.prize.edition_id,
        prize_id=rnd.prize_id,
        round_id=rnd.id,
        _anchor="conflicts",
    )
