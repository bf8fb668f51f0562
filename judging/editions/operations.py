"""Edition setup: editions, prizes, rounds, rubric criteria and application questions.

Every function here validates, mutates, flushes and writes an audit event with the
values before and after. None of them commits: the caller (a route or a CLI
command) commits once. A rule that is broken raises :class:`SetupError`, which
maps field names to translated messages so that a form can show them in place.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, func, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session, selectinload

from judging.accounts.models import User
from judging.applications.models import Answer, Application
from judging.core import clock, versions
from judging.core.audit import record, snapshot
from judging.core.labels import tie_break_label
from judging.core.models import UTCDateTime
from judging.editions import brand
from judging.editions.brand import CheckedLogo
from judging.editions.models import (
    METHODS,
    PHASES,
    QUESTION_TYPES,
    TIE_BREAK_SIMPLE,
    Criterion,
    Edition,
    Prize,
    Question,
    Round,
)
from judging.jury.models import Assignment, CriterionScore

CODE_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CODE_MAX = 60
#: Phases in which judging has started: the method and the rubric's scale are locked.
JUDGING_STARTED = ("judging", "deliberation", "decided", "announced")
#: The largest magnitude a ``Numeric(12, 4)`` column holds.
DECIMAL_LIMIT = Decimal("100000000")
DECIMAL_PLACES = 4

EDITION_FIELDS = (
    "code",
    "name",
    "timezone",
    "applications_open",
    "applications_close",
    "ceremony_at",
    "publication_consent_text",
)
PRIZE_FIELDS = (
    "code",
    "name",
    "description",
    "eligibility",
    "sponsor",
    "presenter_name",
    "presenter_title",
    "presenter_title_en",
    "presenter_organization",
    "finalists",
    "position",
    "max_deck_mb",
    "max_logo_mb",
)
ROUND_FIELDS = (
    "code",
    "name",
    "method",
    "jurors_per_application",
    "tie_break",
    "phase",
    "blind",
    "judging_closes_at",
    "position",
)
CRITERION_FIELDS = ("code", "name", "guidance", "weight", "min_value", "max_value", "required", "position")
QUESTION_FIELDS = (
    "code",
    "label",
    "help",
    "type",
    "required",
    "max_words",
    "options",
    "identifying",
    "position",
)

# What a caller may change (``position`` moves through ``move_*``; ``phase`` through phase transitions).
_PRIZE_EDITABLE = frozenset(PRIZE_FIELDS)
_ROUND_EDITABLE = frozenset(ROUND_FIELDS) - {"phase", "position"}
_CRITERION_EDITABLE = frozenset(CRITERION_FIELDS) - {"position"}
_QUESTION_EDITABLE = frozenset(QUESTION_FIELDS) - {"position"}

# How a refused stale save names each field (see :mod:`.versions`): lowercase, as in a sentence.
versions.register(
    Edition,
    what=_l("this edition"),
    labels={
        "code": _l("code"),
        "name": _l("name"),
        "applications_open": _l("applications open"),
        "applications_close": _l("applications close"),
        "ceremony_at": _l("awards ceremony"),
        "publication_consent_text": _l("publication consent question"),
        "brand_primary": _l("primary colour"),
        "brand_accent": _l("accent colour"),
        "brand_logo_sha256": _l("logo"),
    },
)
versions.register(
    Prize,
    what=_l("this prize"),
    labels={
        "code": _l("code"),
        "name": _l("name"),
        "description": _l("description"),
        "eligibility": _l("eligibility"),
        "sponsor": _l("sponsor"),
        "presenter_name": _l("presenter's name"),
        "presenter_title": _l("presenter's title"),
        "presenter_title_en": _l("presenter's title in English"),
        "presenter_organization": _l("presenter's organization"),
        "finalists": _l("number of finalists"),
        "position": _l("display order"),
        "max_deck_mb": _l("largest pitch deck"),
        "max_logo_mb": _l("largest logo"),
    },
)
versions.register(
    Round,
    what=_l("this round"),
    labels={
        "code": _l("code"),
        "name": _l("name"),
        "method": _l("aggregation method"),
        "jurors_per_application": _l("jurors per application"),
        "tie_break": _l("tie-break chain"),
        "blind": _l("blind judging"),
        "judging_closes_at": _l("judging closes"),
        "phase": _l("phase"),
    },
)
versions.register(
    Criterion,
    what=_l("this criterion"),
    labels={
        "code": _l("code"),
        "name": _l("name"),
        "guidance": _l("guidance for jurors"),
        "weight": _l("weight"),
        "min_value": _l("lowest score"),
        "max_value": _l("highest score"),
        "required": _l("required"),
    },
)
versions.register(
    Question,
    what=_l("this question"),
    labels={
        "code": _l("code"),
        "label": _l("question"),
        "help": _l("help text"),
        "type": _l("type of answer"),
        "required": _l("answer required"),
        "max_words": _l("word limit"),
        "options": _l("options"),
        "identifying": _l("identifies the candidate"),
    },
)


class SetupError(ValueError):
    """One or more broken rules: ``errors`` maps a field name (or ``""`` for the whole form) to messages."""

    def __init__(self, errors: dict[str, list[Any]]) -> None:
        self.errors = errors
        super().__init__(errors)

    def __str__(self) -> str:
        return "; ".join(f"{k or '*'}: {', '.join(_plain(m) for m in v)}" for k, v in self.errors.items())

    @classmethod
    def one(cls, field: str, message: Any) -> SetupError:
        return cls({field: [message]})


def _plain(message: Any) -> str:
    """A (lazy) message as text; outside a request, the English source text."""
    try:
        return str(message)
    except RuntimeError:
        args, values = getattr(message, "_args", ()), getattr(message, "_kwargs", {})
        return (args[0] % values if values else args[0]) if args else repr(message)


class _Errors:
    def __init__(self) -> None:
        self.errors: dict[str, list[Any]] = {}

    def add(self, field: str, message: Any) -> None:
        self.errors.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise SetupError(self.errors)


# --- Montréal wall-clock time <-> aware UTC -------------------------------------------------------


# --- small helpers ---------------------------------------------------------------------------------


def bilingual(fr: str | None, en: str | None, *, optional: bool = False) -> dict[str, str] | None:
    """Two inputs as ``{"fr", "en"}`` (stripped); ``None`` for an optional text left empty in both."""
    fr = (fr or "").strip()
    en = (en or "").strip()
    if optional and not fr and not en:
        return None
    return {"fr": fr, "en": en}


def split_bilingual(value: Any) -> tuple[str, str]:
    """A stored text (plain string or ``{"fr", "en"}``) as the French and English inputs."""
    if value is None:
        return "", ""
    if isinstance(value, str):
        return value, ""
    if isinstance(value, dict):
        return str(value.get("fr") or ""), str(value.get("en") or "")
    return str(value), ""


def _french(value: Any) -> str:
    return split_bilingual(value)[0].strip()


def _check_code(errors: _Errors, code: Any, field: str = "code") -> None:
    if not isinstance(code, str) or not CODE_RE.match(code) or len(code) > CODE_MAX:
        errors.add(
            field,
            _l(
                "Use lowercase letters, digits and dashes only (at most %(max)d characters), "
                "for example “innovation-2026”.",
                max=CODE_MAX,
            ),
        )


def _taken(
    db: Session, model: type, parent_column: Any, parent_id: int | None, code: str, own_id: int | None
):
    query = select(func.count()).select_from(model).where(model.code == code)
    if parent_column is not None:
        query = query.where(parent_column == parent_id)
    if own_id is not None:
        query = query.where(model.id != own_id)
    return bool(db.scalar(query))


def _require_aware(errors: _Errors, field: str, value: Any, *, optional: bool) -> None:
    if value is None:
        if not optional:
            errors.add(field, _l("Enter a date and time."))
        return
    if not isinstance(value, datetime) or value.tzinfo is None:
        errors.add(field, _l("Enter a date and time."))


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (ArithmeticError, ValueError):
        return None
    return number if number.is_finite() else None


def _check_decimal(errors: _Errors, field: str, value: Any) -> Decimal | None:
    number = _decimal(value)
    if number is None:
        errors.add(field, _l("Enter a number."))
        return None
    if abs(number) >= DECIMAL_LIMIT:
        errors.add(field, _l("This number is too large."))
        return None
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -DECIMAL_PLACES:
        errors.add(field, _l("Use at most %(places)d decimal places.", places=DECIMAL_PLACES))
        return None
    return number


def _check_int(
    errors: _Errors, field: str, value: Any, *, minimum: int, maximum: int, optional: bool
) -> None:
    if value is None and optional:
        return
    if not isinstance(value, int) or isinstance(value, bool) or not minimum <= value <= maximum:
        errors.add(field, _l("Enter a whole number between %(min)d and %(max)d.", min=minimum, max=maximum))


def _check_bilingual_required(errors: _Errors, field: str, value: Any) -> None:
    if not _french(value):
        errors.add(field, _l("The French text is required."))


def _unknown_fields(fields: dict[str, Any], allowed: Iterable[str]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"unknown or read-only fields: {', '.join(sorted(unknown))}")


def _forget(db: Session, model: type, object_id: int, collection: str) -> None:
    """Expire a parent's loaded collection after one of its children was deleted."""
    parent = db.identity_map.get(sa_inspect(model).identity_key_from_primary_key((object_id,)))
    if parent is not None:
        db.expire(parent, [collection])


def _apply_changes(
    db: Session,
    obj: Any,
    changes: dict[str, Any],
    fields: Sequence[str],
    *,
    action: str,
    actor: User | None,
    edition_id: int | None,
    reason: str | None = None,
) -> None:
    """Set the validated ``changes`` on ``obj``, flush, and audit the fields before and after."""
    before = snapshot(obj, fields)
    for name, value in changes.items():
        setattr(obj, name, value)
    db.flush()
    record(
        db,
        actor=actor,
        action=action,
        obj=obj,
        edition_id=edition_id,
        before=before,
        after=snapshot(obj, fields),
        reason=reason,
    )


def _delete_audited(
    db: Session,
    obj: Any,
    fields: Sequence[str],
    *,
    action: str,
    actor: User | None,
    edition_id: int | None,
    parent: tuple[type, int, str] | None = None,
) -> None:
    """Delete ``obj`` (its checks done), forget it in its parent's loaded ``parent`` collection, audit it."""
    before = snapshot(obj, fields)
    object_id = obj.id
    db.delete(obj)
    db.flush()
    if parent is not None:
        _forget(db, *parent)
    record(db, actor=actor, action=action, obj=obj, object_id=object_id, edition_id=edition_id, before=before)


def _next_position(db: Session, column: Any, parent_column: Any, parent_id: int) -> int:
    highest = db.scalar(select(func.max(column)).where(parent_column == parent_id))
    return 0 if highest is None else highest + 1


def _move(
    db: Session,
    obj: Any,
    siblings: Sequence[Any],
    direction: Literal["up", "down"],
    *,
    actor: User | None,
    action: str,
    edition_id: int,
) -> bool:
    """Swap ``obj`` with its neighbour and renumber the siblings 0..n-1. False at either end.

    A move bumps the versions of the rows it renumbers, but no edit form shows a criterion's or a
    question's position: a form open meanwhile is not refused (:func:`.versions.conflicts`).
    """
    if direction not in ("up", "down"):
        raise ValueError(f"direction must be 'up' or 'down', not {direction!r}")
    ordered = sorted(siblings, key=lambda item: (item.position, item.id))
    index = next(i for i, item in enumerate(ordered) if item.id == obj.id)
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(ordered):
        return False
    before = {"position": obj.position, "order": [item.code for item in ordered]}
    ordered[index], ordered[target] = ordered[target], ordered[index]
    for position, item in enumerate(ordered):
        item.position = position
    db.flush()
    record(
        db,
        actor=actor,
        action=action,
        obj=obj,
        edition_id=edition_id,
        before=before,
        after={"position": obj.position, "order": [item.code for item in ordered]},
    )
    return True


# --- tie-break chains ------------------------------------------------------------------------------


def parse_tie_break(text: str | None) -> list[str]:
    """``"criterion:impact, median"`` (commas or new lines) as ``["criterion:impact", "median"]``."""
    parts = re.split(r"[,;\n]", text or "")
    return [re.sub(r"\s*:\s*", ":", part.strip()) for part in parts if part.strip()]


def format_tie_break(entries: Sequence[str] | None) -> str:
    return ", ".join(entries or [])


def tie_break_errors(entries: Sequence[str], criterion_codes: Iterable[str]) -> list[Any]:
    """Messages for the entries of a tie-break chain that are unknown, repeated or name no criterion."""
    codes = set(criterion_codes)
    messages: list[Any] = []
    seen: set[str] = set()
    for entry in entries:
        if entry in seen:
            messages.append(_l("“%(entry)s” is listed twice.", entry=tie_break_label([entry])))
            continue
        seen.add(entry)
        if entry in TIE_BREAK_SIMPLE:
            continue
        if entry.startswith("criterion:"):
            code = entry.removeprefix("criterion:")
            if code not in codes:
                messages.append(
                    _l(
                        "“%(entry)s”: this round has no criterion with the code “%(code)s” "
                        "(add the criterion first, then the tie-break).",
                        entry=entry,
                        code=code,
                    )
                )
            continue
        messages.append(
            _l(
                "“%(entry)s” is not a tie-break. Use criterion:CODE, median, mean, count or first-places.",
                entry=entry,
            )
        )
    return messages


# --- editions --------------------------------------------------------------------------------------


def _validate_edition(db: Session, fields: dict[str, Any], own_id: int | None) -> None:
    errors = _Errors()
    _check_code(errors, fields.get("code"))
    if "code" not in errors.errors and _taken(db, Edition, None, None, fields["code"], own_id):
        errors.add("code", _l("An edition with this code already exists."))
    _check_bilingual_required(errors, "name", fields.get("name"))
    _require_aware(errors, "applications_open", fields.get("applications_open"), optional=False)
    _require_aware(errors, "applications_close", fields.get("applications_close"), optional=False)
    _require_aware(errors, "ceremony_at", fields.get("ceremony_at"), optional=True)
    opens, closes = fields.get("applications_open"), fields.get("applications_close")
    if not errors.errors.keys() & {"applications_open", "applications_close"} and closes <= opens:
        errors.add("applications_close", _l("Applications must close after they open."))
    errors.raise_if_any()


def create_edition(
    db: Session,
    *,
    actor: User | None,
    code: str,
    name: dict[str, str],
    applications_open: datetime,
    applications_close: datetime,
    ceremony_at: datetime | None = None,
    publication_consent_text: dict[str, str] | None = None,
) -> Edition:
    fields = {
        "code": code,
        "name": name,
        "applications_open": applications_open,
        "applications_close": applications_close,
        "ceremony_at": ceremony_at,
        "publication_consent_text": publication_consent_text,
    }
    _validate_edition(db, fields, None)
    edition = Edition(timezone=clock.DEFAULT_TIMEZONE, **fields)
    db.add(edition)
    db.flush()
    record(
        db,
        actor=actor,
        action="edition.created",
        obj=edition,
        edition_id=edition.id,
        after=snapshot(edition, EDITION_FIELDS),
    )
    return edition


def update_edition(
    db: Session,
    edition: Edition,
    *,
    actor: User | None,
    expected_version: int | None = None,
    shown: str | None = None,
    **changes: Any,
) -> Edition:
    """Change an edition; a form's stale version is refused (:mod:`.versions`) before anything else."""
    _unknown_fields(
        changes,
        (
            "code",
            "name",
            "applications_open",
            "applications_close",
            "ceremony_at",
            "publication_consent_text",
        ),
    )
    versions.check_version(db, edition, expected_version, shown=shown, changes=changes, actor=actor)
    merged = {name: getattr(edition, name) for name in EDITION_FIELDS} | changes
    _validate_edition(db, merged, edition.id)
    _apply_changes(
        db, edition, changes, EDITION_FIELDS, action="edition.updated", actor=actor, edition_id=edition.id
    )
    return edition


BRAND_FIELDS = ("brand_primary", "brand_accent", "brand_logo_sha256")
COLOUR_MESSAGE = _l("Enter a colour as #rrggbb, for example #0a4aa6.")


def set_brand(
    db: Session,
    edition: Edition,
    *,
    actor: User | None,
    primary: str | None,
    accent: str | None,
    logo: CheckedLogo | None = None,
    remove_logo: bool = False,
    expected_version: int | None = None,
    shown: str | None = None,
) -> Edition:
    """Set the edition's colours and logo (``logo`` replaces it, ``remove_logo`` drops it).

    Colours are refused (:class:`SetupError`) unless ``#rrggbb`` with enough contrast for white text
    (:func:`judging.editions.brand.contrast_problem`); the audit keeps the colours and the logo's digest.
    """
    changes: dict[str, Any] = {"brand_primary": primary, "brand_accent": accent}
    if logo is not None:
        changes["brand_logo_sha256"] = logo.sha256
    elif remove_logo:
        changes["brand_logo_sha256"] = None
    versions.check_version(db, edition, expected_version, shown=shown, changes=changes, actor=actor)
    errors: dict[str, list[Any]] = {}
    for name, colour in (("brand_primary", primary), ("brand_accent", accent)):
        if colour is None:
            continue
        problem = brand.contrast_problem(colour) if brand.COLOUR_RE.match(colour) else COLOUR_MESSAGE
        if problem is not None:
            errors[name] = [problem]
    if errors:
        raise SetupError(errors)
    if "brand_logo_sha256" in changes:
        edition.brand_logo = logo.data if logo is not None else None
        edition.brand_logo_type = logo.content_type if logo is not None else None
    _apply_changes(
        db, edition, changes, BRAND_FIELDS, action="edition.updated", actor=actor, edition_id=edition.id
    )
    return edition


def delete_edition(
    db: Session,
    edition: Edition,
    *,
    actor: User | None,
    expected_version: int | None = None,
    shown: str | None = None,
) -> None:
    """Delete an edition and its setup; refused once it has received applications, or changed since shown."""
    versions.check_version(db, edition, expected_version, shown=shown, actor=actor, deleting=True)
    if db.scalar(select(func.count()).select_from(Application).where(Application.edition_id == edition.id)):
        raise SetupError.one("", _l("This edition has applications: it cannot be deleted."))
    before = snapshot(edition, EDITION_FIELDS)
    edition_id = edition.id
    db.delete(edition)
    db.flush()
    # The event outlives the edition: its edition_id would be set to NULL by the foreign key anyway.
    record(db, actor=actor, action="edition.deleted", obj=edition, object_id=edition_id, before=before)


# --- prizes ----------------------------------------------------------------------------------------


def _validate_prize(db: Session, edition_id: int, fields: dict[str, Any], own_id: int | None) -> None:
    errors = _Errors()
    _check_code(errors, fields.get("code"))
    if "code" not in errors.errors and _taken(
        db, Prize, Prize.edition_id, edition_id, fields["code"], own_id
    ):
        errors.add("code", _l("Another prize of this edition already uses this code."))
    _check_bilingual_required(errors, "name", fields.get("name"))
    _check_int(errors, "finalists", fields.get("finalists"), minimum=0, maximum=1000, optional=False)
    _check_int(errors, "position", fields.get("position"), minimum=0, maximum=100000, optional=False)
    _check_int(errors, "max_deck_mb", fields.get("max_deck_mb"), minimum=1, maximum=1000, optional=False)
    _check_int(errors, "max_logo_mb", fields.get("max_logo_mb"), minimum=1, maximum=1000, optional=False)
    errors.raise_if_any()


def create_prize(db: Session, edition: Edition, *, actor: User | None, **fields: Any) -> Prize:
    _unknown_fields(fields, _PRIZE_EDITABLE)
    if fields.get("position") is None:
        fields["position"] = _next_position(db, Prize.position, Prize.edition_id, edition.id)
    fields.setdefault("finalists", 3)
    fields.setdefault("max_deck_mb", 10)
    fields.setdefault("max_logo_mb", 2)
    _validate_prize(db, edition.id, fields, None)
    prize = Prize(edition_id=edition.id, **fields)
    db.add(prize)
    db.flush()
    record(
        db,
        actor=actor,
        action="prize.created",
        obj=prize,
        edition_id=edition.id,
        after=snapshot(prize, PRIZE_FIELDS),
    )
    return prize


def update_prize(
    db: Session,
    prize: Prize,
    *,
    actor: User | None,
    expected_version: int | None = None,
    shown: str | None = None,
    **changes: Any,
) -> Prize:
    _unknown_fields(changes, _PRIZE_EDITABLE)
    versions.check_version(db, prize, expected_version, shown=shown, changes=changes, actor=actor)
    merged = {name: getattr(prize, name) for name in PRIZE_FIELDS} | changes
    _validate_prize(db, prize.edition_id, merged, prize.id)
    _apply_changes(
        db, prize, changes, PRIZE_FIELDS, action="prize.updated", actor=actor, edition_id=prize.edition_id
    )
    return prize


def delete_prize(
    db: Session,
    prize: Prize,
    *,
    actor: User | None,
    expected_version: int | None = None,
    shown: str | None = None,
) -> None:
    """Delete a prize with its rounds and questions; refused once it has received applications."""
    versions.check_version(db, prize, expected_version, shown=shown, actor=actor, deleting=True)
    if db.scalar(select(func.count()).select_from(Application).where(Application.prize_id == prize.id)):
        raise SetupError.one("", _l("This prize has applications: it cannot be deleted."))
    edition_id = prize.edition_id
    _delete_audited(
        db,
        prize,
        PRIZE_FIELDS,
        action="prize.deleted",
        actor=actor,
        edition_id=edition_id,
        parent=(Edition, edition_id, "prizes"),
    )


# --- rounds ----------------------------------------------------------------------------------------


def _validate_round(
    db: Session, prize: Prize, fields: dict[str, Any], rnd: Round | None, criterion_codes: Iterable[str]
) -> None:
    errors = _Errors()
    _check_code(errors, fields.get("code"))
    own_id = rnd.id if rnd is not None else None
    if "code" not in errors.errors and _taken(db, Round, Round.prize_id, prize.id, fields["code"], own_id):
        errors.add("code", _l("Another round of this prize already uses this code."))
    if fields.get("method") not in METHODS:
        errors.add("method", _l("Choose a method from the list."))
    elif rnd is not None and fields["method"] != rnd.method and rnd.phase in JUDGING_STARTED:
        errors.add("method", _l("Judging has started in this round: its method can no longer be changed."))
    _check_int(
        errors,
        "jurors_per_application",
        fields.get("jurors_per_application"),
        minimum=1,
        maximum=100,
        optional=True,
    )
    tie_break = fields.get("tie_break") or []
    if not isinstance(tie_break, list) or not all(isinstance(entry, str) for entry in tie_break):
        errors.add("tie_break", _l("Enter the tie-break chain as a list separated by commas."))
    else:
        for message in tie_break_errors(tie_break, criterion_codes):
            errors.add("tie_break", message)
        if rnd is not None and list(tie_break) != list(rnd.tie_break or []) and rnd.phase in JUDGING_STARTED:
            errors.add("tie_break", _l("Judging has started in this round: its tie-break chain is locked."))
    _require_aware(errors, "judging_closes_at", fields.get("judging_closes_at"), optional=True)
    if fields.get("phase", "setup") not in PHASES:
        errors.add("phase", _l("Unknown phase."))
    errors.raise_if_any()


def create_round(db: Session, prize: Prize, *, actor: User | None, **fields: Any) -> Round:
    """A new round in the ``setup`` phase (it has no criteria yet: its tie-break cannot name one)."""
    _unknown_fields(fields, _ROUND_EDITABLE)
    fields.setdefault("method", "mean")
    fields["tie_break"] = list(fields.get("tie_break") or [])
    fields["blind"] = bool(fields.get("blind", False))
    _validate_round(db, prize, fields, None, ())
    rnd = Round(
        prize_id=prize.id,
        phase="setup",
        position=_next_position(db, Round.position, Round.prize_id, prize.id),
        **fields,
    )
    db.add(rnd)
    db.flush()
    record(
        db,
        actor=actor,
        action="round.created",
        obj=rnd,
        edition_id=prize.edition_id,
        after=snapshot(rnd, ROUND_FIELDS),
    )
    return rnd


def _criterion_codes(db: Session, round_id: int) -> list[str]:
    return list(db.scalars(select(Criterion.code).where(Criterion.round_id == round_id)))


def update_round(
    db: Session,
    rnd: Round,
    *,
    actor: User | None,
    expected_version: int | None = None,
    shown: str | None = None,
    **changes: Any,
) -> Round:
    """Change a round's settings. Its method is locked once judging has started."""
    _unknown_fields(changes, _ROUND_EDITABLE)
    if "tie_break" in changes:
        changes["tie_break"] = list(changes["tie_break"] or [])
    versions.check_version(db, rnd, expected_version, shown=shown, changes=changes, actor=actor)
    merged = {name: getattr(rnd, name) for name in ROUND_FIELDS} | changes
    prize = db.get(Prize, rnd.prize_id)
    _validate_round(db, prize, merged, rnd, _criterion_codes(db, rnd.id))
    _apply_changes(
        db, rnd, changes, ROUND_FIELDS, action="round.updated", actor=actor, edition_id=prize.edition_id
    )
    return rnd


def delete_round(
    db: Session,
    rnd: Round,
    *,
    actor: User | None,
    expected_version: int | None = None,
    shown: str | None = None,
) -> None:
    """Delete a round with its rubric; refused once scorecards exist in it."""
    versions.check_version(db, rnd, expected_version, shown=shown, actor=actor, deleting=True)
    if db.scalar(select(func.count()).select_from(Assignment).where(Assignment.round_id == rnd.id)):
        raise SetupError.one("", _l("This round has scorecards: it cannot be deleted."))
    prize = db.get(Prize, rnd.prize_id)
    _delete_audited(
        db,
        rnd,
        ROUND_FIELDS,
        action="round.deleted",
        actor=actor,
        edition_id=prize.edition_id,
        parent=(Prize, prize.id, "rounds"),
    )


# --- rubric criteria -------------------------------------------------------------------------------


def _validate_criterion(db: Session, rnd: Round, fields: dict[str, Any], crit: Criterion | None) -> None:
    errors = _Errors()
    _check_code(errors, fields.get("code"))
    own_id = crit.id if crit is not None else None
    if "code" not in errors.errors and _taken(
        db, Criterion, Criterion.round_id, rnd.id, fields["code"], own_id
    ):
        errors.add("code", _l("Another criterion of this round already uses this code."))
    _check_bilingual_required(errors, "name", fields.get("name"))
    weight = _check_decimal(errors, "weight", fields.get("weight"))
    if weight is not None and weight <= 0:
        errors.add("weight", _l("The weight must be greater than zero."))
    low = _check_decimal(errors, "min_value", fields.get("min_value"))
    high = _check_decimal(errors, "max_value", fields.get("max_value"))
    if low is not None and high is not None and high <= low:
        errors.add("max_value", _l("The maximum must be greater than the minimum."))
    if rnd.phase in JUDGING_STARTED:
        scale = ("weight", "min_value", "max_value")
        if crit is None:
            errors.add("", _l("Judging has started in this round: criteria can no longer be added."))
        elif any(_decimal(fields.get(name)) != getattr(crit, name) for name in scale):
            errors.add(
                "", _l("Judging has started in this round: weights and scales can no longer be changed.")
            )
    errors.raise_if_any()


def _normalise_criterion(fields: dict[str, Any]) -> dict[str, Any]:
    for name in ("weight", "min_value", "max_value"):
        if name in fields and _decimal(fields[name]) is not None:
            fields[name] = _decimal(fields[name])
    if "required" in fields:
        fields["required"] = bool(fields["required"])
    return fields


def create_criterion(db: Session, rnd: Round, *, actor: User | None, **fields: Any) -> Criterion:
    _unknown_fields(fields, _CRITERION_EDITABLE)
    fields.setdefault("weight", Decimal(1))
    fields.setdefault("min_value", Decimal(0))
    fields.setdefault("max_value", Decimal(10))
    fields.setdefault("required", True)
    _normalise_criterion(fields)
    _validate_criterion(db, rnd, fields, None)
    criterion = Criterion(
        round_id=rnd.id, position=_next_position(db, Criterion.position, Criterion.round_id, rnd.id), **fields
    )
    db.add(criterion)
    db.flush()
    record(
        db,
        actor=actor,
        action="criterion.created",
        obj=criterion,
        edition_id=_edition_of_round(db, rnd),
        after=snapshot(criterion, CRITERION_FIELDS),
    )
    return criterion


def _edition_of_round(db: Session, rnd: Round) -> int:
    return db.scalar(select(Prize.edition_id).where(Prize.id == rnd.prize_id))


def update_criterion(
    db: Session,
    criterion: Criterion,
    *,
    actor: User | None,
    expected_version: int | None = None,
    shown: str | None = None,
    **changes: Any,
) -> Criterion:
    """Change a criterion. A new code is carried into the round's tie-break chain."""
    _unknown_fields(changes, _CRITERION_EDITABLE)
    _normalise_criterion(changes)
    versions.check_version(db, criterion, expected_version, shown=shown, changes=changes, actor=actor)
    rnd = db.get(Round, criterion.round_id)
    merged = {name: getattr(criterion, name) for name in CRITERION_FIELDS} | changes
    _validate_criterion(db, rnd, merged, criterion)
    edition_id = _edition_of_round(db, rnd)
    old_code = criterion.code
    _apply_changes(
        db,
        criterion,
        changes,
        CRITERION_FIELDS,
        action="criterion.updated",
        actor=actor,
        edition_id=edition_id,
    )
    old_entry = f"criterion:{old_code}"
    if criterion.code != old_code and old_entry in (rnd.tie_break or []):
        chain = [f"criterion:{criterion.code}" if e == old_entry else e for e in rnd.tie_break]
        _apply_changes(
            db,
            rnd,
            {"tie_break": chain},
            ROUND_FIELDS,
            action="round.updated",
            actor=actor,
            edition_id=edition_id,
            reason=f"criterion {old_code} renamed {criterion.code}",
        )
    return criterion


def delete_criterion(
    db: Session,
    criterion: Criterion,
    *,
    actor: User | None,
    expected_version: int | None = None,
    shown: str | None = None,
) -> None:
    """Delete a criterion; refused when scored, once judging started, or while the tie-break names it."""
    versions.check_version(db, criterion, expected_version, shown=shown, actor=actor, deleting=True)
    rnd = db.get(Round, criterion.round_id)
    if rnd.phase in JUDGING_STARTED or db.scalar(
        select(func.count()).select_from(CriterionScore).where(CriterionScore.criterion_id == criterion.id)
    ):
        raise SetupError.one(
            "", _l("Judging has started in this round: its criteria can no longer be deleted.")
        )
    if f"criterion:{criterion.code}" in (rnd.tie_break or []):
        raise SetupError.one(
            "",
            _l(
                "The round's tie-break chain uses this criterion: remove “criterion:%(code)s” "
                "from the chain first.",
                code=criterion.code,
            ),
        )
    _delete_audited(
        db,
        criterion,
        CRITERION_FIELDS,
        action="criterion.deleted",
        actor=actor,
        edition_id=_edition_of_round(db, rnd),
        parent=(Round, rnd.id, "criteria"),
    )


def move_criterion(
    db: Session, criterion: Criterion, direction: Literal["up", "down"], *, actor: User | None
) -> bool:
    rnd = db.get(Round, criterion.round_id)
    siblings = db.scalars(select(Criterion).where(Criterion.round_id == rnd.id)).all()
    return _move(
        db,
        criterion,
        siblings,
        direction,
        actor=actor,
        action="criterion.moved",
        edition_id=_edition_of_round(db, rnd),
    )


# --- application questions -------------------------------------------------------------------------


def parse_options(text: str | None) -> tuple[list[dict[str, Any]], list[Any]]:
    """``code | libellé FR | English label`` one per line → (options, error messages)."""
    options: list[dict[str, Any]] = []
    errors: list[Any] = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")]
        if len(parts) not in (2, 3) or not parts[1]:
            errors.append(_l("Line %(line)d: write “code | libellé FR | English label”.", line=number))
            continue
        code = parts[0]
        if not CODE_RE.match(code) or len(code) > CODE_MAX:
            errors.append(
                _l(
                    "Line %(line)d: the code “%(code)s” may only use lowercase letters, digits and dashes.",
                    line=number,
                    code=code,
                )
            )
            continue
        options.append({"code": code, "label": {"fr": parts[1], "en": parts[2] if len(parts) == 3 else ""}})
    return options, errors


def format_options(options: Sequence[dict[str, Any]] | None) -> str:
    lines = []
    for option in options or []:
        fr, en = split_bilingual(option.get("label"))
        lines.append(f"{option.get('code', '')} | {fr} | {en}" if en else f"{option.get('code', '')} | {fr}")
    return "\n".join(lines)


def _validate_question(db: Session, prize: Prize, fields: dict[str, Any], own_id: int | None) -> None:
    errors = _Errors()
    _check_code(errors, fields.get("code"))
    if "code" not in errors.errors and _taken(
        db, Question, Question.prize_id, prize.id, fields["code"], own_id
    ):
        errors.add("code", _l("Another question of this prize already uses this code."))
    _check_bilingual_required(errors, "label", fields.get("label"))
    kind = fields.get("type")
    if kind not in QUESTION_TYPES:
        errors.add("type", _l("Choose a type from the list."))
    if kind == "long-text":
        _check_int(errors, "max_words", fields.get("max_words"), minimum=1, maximum=100000, optional=True)
    if kind == "choice":
        options = fields.get("options") or []
        codes = [option.get("code") for option in options]
        if len(options) < 2:
            errors.add("options", _l("A choice question needs at least two options."))
        elif len(set(codes)) != len(codes):
            errors.add("options", _l("Two options have the same code."))
        elif not all(
            isinstance(c, str) and CODE_RE.match(c) and _french(o.get("label"))
            for c, o in zip(codes, options, strict=True)
        ):
            errors.add("options", _l("Each option needs a code and a French label."))
    errors.raise_if_any()


def _normalise_question(fields: dict[str, Any]) -> dict[str, Any]:
    kind = fields.get("type")
    if "type" in fields:
        if kind != "long-text":
            fields["max_words"] = None
        if kind != "choice":
            fields["options"] = None
    for name in ("required", "identifying"):
        if name in fields:
            fields[name] = bool(fields[name])
    return fields


def create_question(db: Session, prize: Prize, *, actor: User | None, **fields: Any) -> Question:
    _unknown_fields(fields, _QUESTION_EDITABLE)
    _normalise_question(fields)
    _validate_question(db, prize, fields, None)
    question = Question(
        prize_id=prize.id,
        position=_next_position(db, Question.position, Question.prize_id, prize.id),
        **fields,
    )
    db.add(question)
    db.flush()
    record(
        db,
        actor=actor,
        action="question.created",
        obj=question,
        edition_id=prize.edition_id,
        after=snapshot(question, QUESTION_FIELDS),
    )
    return question


def update_question(
    db: Session,
    question: Question,
    *,
    actor: User | None,
    expected_version: int | None = None,
    shown: str | None = None,
    **changes: Any,
) -> Question:
    _unknown_fields(changes, _QUESTION_EDITABLE)
    _normalise_question(changes)
    versions.check_version(db, question, expected_version, shown=shown, changes=changes, actor=actor)
    prize = db.get(Prize, question.prize_id)
    merged = {name: getattr(question, name) for name in QUESTION_FIELDS} | changes
    _validate_question(db, prize, merged, question.id)
    _apply_changes(
        db,
        question,
        changes,
        QUESTION_FIELDS,
        action="question.updated",
        actor=actor,
        edition_id=prize.edition_id,
    )
    return question


def delete_question(
    db: Session,
    question: Question,
    *,
    actor: User | None,
    expected_version: int | None = None,
    shown: str | None = None,
) -> None:
    """Delete a question; refused once candidates have answered it, or when changed since shown."""
    versions.check_version(db, question, expected_version, shown=shown, actor=actor, deleting=True)
    if db.scalar(select(func.count()).select_from(Answer).where(Answer.question_id == question.id)):
        raise SetupError.one("", _l("Candidates have answered this question: it cannot be deleted."))
    prize = db.get(Prize, question.prize_id)
    _delete_audited(
        db,
        question,
        QUESTION_FIELDS,
        action="question.deleted",
        actor=actor,
        edition_id=prize.edition_id,
        parent=(Prize, prize.id, "questions"),
    )


def move_question(
    db: Session, question: Question, direction: Literal["up", "down"], *, actor: User | None
) -> bool:
    prize = db.get(Prize, question.prize_id)
    siblings = db.scalars(select(Question).where(Question.prize_id == prize.id)).all()
    return _move(
        db, question, siblings, direction, actor=actor, action="question.moved", edition_id=prize.edition_id
    )


# --- copying a whole setup -------------------------------------------------------------------------


def copy_setup(
    db: Session,
    *,
    source: Edition,
    code: str,
    name: dict[str, str],
    applications_open: datetime,
    applications_close: datetime,
    ceremony_at: datetime | None,
    actor: User | None,
    publication_consent_text: dict[str, str] | None = None,
) -> Edition:
    """A new edition with ``source``'s prizes, rounds (back in ``setup``), criteria and questions,
    and its brand (colours and logo: next year's contest usually looks like this year's).

    Applications, juries, conflicts, scorecards and decisions are not copied; nor are dates
    such as the rounds' judging deadlines, which belong to the source's calendar.
    """
    fields = {
        "code": code,
        "name": name,
        "applications_open": applications_open,
        "applications_close": applications_close,
        "ceremony_at": ceremony_at,
        "publication_consent_text": publication_consent_text,
    }
    _validate_edition(db, fields, None)
    edition = Edition(timezone=source.timezone or clock.DEFAULT_TIMEZONE, **fields)
    for column in (*BRAND_FIELDS, "brand_logo", "brand_logo_type"):
        setattr(edition, column, getattr(source, column))
    db.add(edition)
    counts = {"prizes": 0, "rounds": 0, "criteria": 0, "questions": 0}
    for prize in setup_of_edition(db, source.id):
        new_prize = Prize(**_copied_columns(prize))
        edition.prizes.append(new_prize)
        counts["prizes"] += 1
        for rnd in prize.rounds:
            new_round = Round(**_copied_columns(rnd), phase="setup")
            new_prize.rounds.append(new_round)
            counts["rounds"] += 1
            for criterion in rnd.criteria:
                new_round.criteria.append(Criterion(**_copied_columns(criterion)))
                counts["criteria"] += 1
        for question in prize.questions:
            new_prize.questions.append(Question(**_copied_columns(question)))
            counts["questions"] += 1
    db.flush()
    record(
        db,
        actor=actor,
        action="edition.copied",
        obj=edition,
        edition_id=edition.id,
        after=snapshot(edition, EDITION_FIELDS) | {"source": source.code, **counts},
        reason=f"setup copied from {source.code}",
    )
    return edition


_NOT_COPIED = frozenset({"id", "phase", "version", "created_at", "updated_at"})


def _copied_columns(obj: Any) -> dict[str, Any]:
    """The setup values of ``obj`` for a copy: every column but keys, the phase and dates.

    Dates (a round's judging deadline, ...) belong to the source's calendar; a column
    added later is copied unless it is a key or a date.
    """
    values = {}
    for attr in sa_inspect(type(obj)).column_attrs:
        column = attr.columns[0]
        if attr.key in _NOT_COPIED or column.primary_key or column.foreign_keys:
            continue
        if isinstance(column.type, UTCDateTime | DateTime):
            continue
        values[attr.key] = copy.deepcopy(getattr(obj, attr.key))
    return values


def setup_of_edition(db: Session, edition_id: int) -> list[Prize]:
    """The edition's prizes in display order with rounds, criteria and questions loaded (4 queries)."""
    return list(
        db.scalars(
            select(Prize)
            .where(Prize.edition_id == edition_id)
            .order_by(Prize.position, Prize.id)
            .options(
                selectinload(Prize.rounds).selectinload(Round.criteria),
                selectinload(Prize.questions),
            )
        )
    )
