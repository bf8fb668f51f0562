"""A juror's scorecard: save a draft, submit, change, abstain, declare a conflict (recuse).

Every change is validated first (nothing is saved when one value is wrong), then
applied, flushed and audited with the scorecard's state before and after. A
recusal or an abstention stores no score: it is a missing score, never a zero.
The total is the domain's exact formula (:func:`judging.results.engine.scoring.scorecard_total`).
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

from judging.accounts.models import User
from judging.accounts.operations import external_url
from judging.core.audit import record
from judging.core.audit_event import AuditEvent
from judging.core.clock import request_received_at
from judging.core.models import utcnow
from judging.editions.models import Criterion
from judging.jury import queries, rules
from judging.jury.models import Assignment, Conflict, CriterionScore
from judging.jury.operations import JuryError
from judging.jury.scorecards import card_values, plain, scorecard_state
from judging.mail import outbox as mail
from judging.results.engine.scoring import CriterionSpec, round_half_up, scorecard_total
from judging.results.models import mark_stale

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


class StaleScorecard(JuryError):
    """The scorecard changed since the page was loaded (another tab, another device): nothing is saved.

    ``current`` is what is stored now (:func:`scorecard_state`), ``changed_by``/``changed_at`` who
    changed it last and when; ``submitted`` says it was submitted meanwhile (an autosave's refusal).
    The route words it in the reader's language, next to what the juror typed.
    """

    def __init__(
        self,
        *,
        current: dict[str, Any],
        changed_by: User | None,
        changed_at: datetime | None,
        submitted: bool = False,
        differing: list[str] | None = None,
    ) -> None:
        super().__init__(_l("This scorecard changed since you opened this page: nothing was saved."))
        self.current = current
        self.differing = differing
        self.changed_by = changed_by
        self.changed_at = changed_at
        self.submitted = submitted


@dataclass
class Saved:
    changed: bool
    total: Fraction | None
    status: str


# --- numbers ---------------------------------------------------------------------------------------------


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
    """Two decimals, halves rounded up: the domain's :func:`round_half_up` (``static/js/scorecard.js``
    rounds its live preview the same way; ``tests/browser/test_score_preview.py`` compares them)."""
    if total is None:
        return "—"
    text = f"{round_half_up(total, places=2):.2f}"
    return text.replace(".", ",") if locale == "fr" else text


def card_total(card: Assignment) -> Fraction | None:
    return total_of(card.round.criteria, card_values(card))


# --- checks ----------------------------------------------------------------------------------------------


def ensure_can_change(db: Session, actor: User, card: Assignment, now: datetime | None = None) -> None:
    """Raise :class:`ScoringClosed` with the reason when ``actor`` may not change ``card`` now."""
    if actor is None or card.juror_id != actor.id:
        raise ScoringClosed(_l("This scorecard is not yours."))
    if card.status == "recused" or rules.is_in_conflict(db, actor.id, card.application_id):
        raise ScoringClosed(_l("You have a conflict of interest with this application: you cannot score it."))
    reason = rules.judging_closed_reason(card.round, now or request_received_at())
    if reason is not None:
        raise ScoringClosed(reason)


def _text(value: Any, limit: int) -> str | None:
    text = (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()
    return text[:limit] if text else None


# --- versions --------------------------------------------------------------------------------------------


def last_change(db: Session, card: Assignment) -> tuple[User | None, datetime | None]:
    """Who last changed ``card`` and when (its latest audit event; its ``updated_at`` otherwise)."""
    event = db.scalar(
        select(AuditEvent)
        .where(AuditEvent.object_type == "assignment", AuditEvent.object_id == card.id)
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    if event is None:
        return None, card.updated_at
    return event.actor, event.at


def check_version(
    db: Session,
    card: Assignment,
    expected_version: int | None,
    *,
    submitted_meanwhile: bool = False,
    differing: list[str] | None = None,
) -> None:
    """Raise :class:`StaleScorecard` when the page showed another version of ``card`` than the stored one.

    ``expected_version`` None means "not checked" (a caller without a page). ``submitted_meanwhile``
    refuses even a current version (an autosave never changes a submitted scorecard). ``differing``
    names the fields where the request and the stored scorecard disagree (None: all of them).
    """
    if not submitted_meanwhile and (expected_version is None or expected_version == card.version):
        return
    by, at = last_change(db, card)
    raise StaleScorecard(
        current=scorecard_state(card),
        changed_by=by,
        changed_at=at,
        submitted=submitted_meanwhile,
        differing=differing,
    )


def _parse_all(
    criteria: list[Criterion], scores: Mapping[str, Any], comments: Mapping[str, Any], submitting: bool
) -> dict[str, Decimal | None]:
    """The typed values by criterion code; :class:`ScoreError` when one is wrong or a required one missing."""
    values: dict[str, Decimal | None] = {}
    errors: dict[str, list[Any]] = {}
    for name, text in comments.items():
        if text and len(str(text)) > COMMENT_MAX:
            errors[name] = [_l("Keep it under %(n)s characters.", n=COMMENT_MAX)]
    for criterion in criteria:
        value, problem = parse_score(scores.get(criterion.code), criterion)
        if problem is not None:
            errors[criterion.code] = [problem]
        elif submitting and criterion.required and value is None:
            errors[criterion.code] = [_l("Required to submit: give a score.")]
        values[criterion.code] = value
    if errors:
        raise ScoreError(errors)
    return values


def differences(
    card: Assignment, values: Mapping[str, Decimal | None], comments: Mapping[str, str | None]
) -> list[str]:
    """The criterion codes and comment names whose stored value differs from ``values``/``comments``."""
    stored = card_values(card)
    changed = [code for code, value in values.items() if stored.get(code) != value]
    changed += [name for name, text in comments.items() if getattr(card, name) != text]
    return changed


def _apply_scores(card: Assignment, criteria: list[Criterion], values: Mapping[str, Decimal | None]) -> None:
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
    expected_version: int | None = None,
    autosave: bool = False,
) -> Saved:
    """Save the juror's scores and comments; ``submit`` also submits (required criteria answered).

    ``comment`` and ``comment_to_candidate`` left at None keep their text; "" clears it.
    A submitted scorecard stays submitted when it changes, so the same rules apply to every
    later change. Nothing is saved when one value is wrong (:class:`ScoreError`).
    An unchanged scorecard writes nothing (autosave may call this often).

    Versions: a page that showed ``expected_version`` while the scorecard has moved on is refused
    (:class:`StaleScorecard`) when it would change a score or a comment; when what it sends is what
    is stored (a replay, a double click, an autosave racing a click) it is the same save, so it
    goes through (a submit still submits). An ``autosave`` never changes a submitted scorecard.
    Every change touches the scorecard row, so its version moves and two writers of the same
    version cannot both commit (the loser gets ``StaleDataError``; the route replays).
    """
    now = now or request_received_at()  # a click made before judging closed counts, like a candidate's
    ensure_can_change(db, actor, card, now)
    if card.status == "abstained":
        raise ScoringClosed(_l("You abstained on this application: choose “Score it after all” first."))
    criteria = list(card.round.criteria)
    submitting = (submit or card.status == "submitted") and not autosave
    typed = {"comment": comment, "comment_to_candidate": comment_to_candidate}
    values = _parse_all(criteria, scores, typed, submitting)
    # None keeps the stored text (the live page has no comment box); "" clears it
    comments = {
        name: getattr(card, name) if text is None else _text(text, COMMENT_MAX)
        for name, text in typed.items()
    }
    differing = differences(card, values, comments)
    content_changed = bool(differing)
    if content_changed:
        check_version(
            db,
            card,
            expected_version,
            submitted_meanwhile=autosave and card.status == "submitted",
            differing=differing,
        )
    total = total_of(criteria, values)
    was = card.status
    status = "submitted" if submitting else ("draft" if content_changed else was)
    if status == was and not content_changed:
        return Saved(changed=False, total=total, status=was)
    before = scorecard_state(card)
    _apply_scores(card, criteria, values)
    card.comment, card.comment_to_candidate = comments["comment"], comments["comment_to_candidate"]
    card.status = status
    if status == "submitted":
        card.submitted_at = card.submitted_at or now
    card.updated_at = now  # the row is always written: its version moves (UPDATE ... WHERE version = :seen)
    db.flush()
    if "submitted" in (was, status):  # a draft saved again changes no ranking
        mark_stale(db, round_ids=[card.round_id])
    db.expire(card, ["scores"])
    if was == "submitted":
        action = "scorecard.changed"
    elif status == "submitted":
        action = "scorecard.submitted"
    else:
        action = "scorecard.draft_saved"
    record(db, actor=actor, action=action, obj=card, before=before, after=scorecard_state(card))
    return Saved(changed=True, total=total, status=status)


def abstain(
    db: Session,
    card: Assignment,
    *,
    actor: User,
    reason: str,
    now: datetime | None = None,
    expected_version: int | None = None,
) -> None:
    """The juror abstains with a reason: the scorecard keeps no score (a missing score, not a zero).

    Refused when the scorecard changed since the page was loaded (it would remove scores the
    juror has not seen)."""
    ensure_can_change(db, actor, card, now)
    reason_text = _text(reason, REASON_MAX)
    if not reason_text:
        raise ScoreError({"reason": [_l("Write the reason for abstaining.")]})
    if card.status == "abstained":
        raise ScoringClosed(_l("You already abstained on this application."))
    check_version(db, card, expected_version)
    before = scorecard_state(card)
    card.updated_at = now or utcnow()
    card.scores.clear()
    card.status = "abstained"
    card.abstain_reason = reason_text
    card.submitted_at = None
    card.comment_to_candidate = None
    db.flush()
    mark_stale(db, round_ids=[card.round_id])
    record(
        db,
        actor=actor,
        action="scorecard.abstained",
        obj=card,
        before=before,
        after=scorecard_state(card),
        reason=reason_text,
    )


def resume(
    db: Session,
    card: Assignment,
    *,
    actor: User,
    now: datetime | None = None,
    expected_version: int | None = None,
) -> None:
    """Undo an abstention: the scorecard is to score again (nothing to do when it is no longer abstained)."""
    ensure_can_change(db, actor, card, now)
    if card.status != "abstained":
        return
    check_version(db, card, expected_version)
    before = scorecard_state(card)
    card.updated_at = now or utcnow()
    card.status = "assigned"
    card.abstain_reason = None
    db.flush()
    record(db, actor=actor, action="scorecard.resumed", obj=card, before=before, after=scorecard_state(card))


def recuse(
    db: Session,
    card: Assignment,
    *,
    actor: User,
    reason: str,
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Conflict:
    """The juror declares a conflict: the scorecard becomes recused (no score) and the organizers are told.

    Refused, like a save, when the scorecard changed since the page was loaded: the juror sees
    what changed and declares again."""
    ensure_can_change(db, actor, card, now)
    reason_text = _text(reason, REASON_MAX)
    if not reason_text:
        raise ScoreError({"reason": [_l("Write the reason for the conflict of interest.")]})
    check_version(db, card, expected_version)
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
    card.updated_at = now or utcnow()
    card.scores.clear()
    card.status = "recused"
    card.submitted_at = None
    card.comment_to_candidate = None
    card.abstain_reason = None
    db.flush()
    mark_stale(db, application_ids=[card.application_id])
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
    for organizer in queries.organizers(db):
        mail.queue(
            db,
            to=organizer.email,
            template="conflict_declared",
            language=organizer.language,
            edition=card.round.prize.edition,
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
    rnd = card.round
    return external_url(
        "organizer.jury",
        edition_id=rnd.prize.edition_id,
        prize_id=rnd.prize_id,
        round_id=rnd.id,
        _anchor="conflicts",
    )
