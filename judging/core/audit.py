"""Write audit events. Every service that changes data calls ``record``."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

from judging.accounts.models import User
from judging.core.audit_event import AuditEvent
from judging.editions.models import Edition, Prize, Round


def jsonable(value: Any) -> Any:
    """Values as JSON can hold them (Decimal → int/float, datetimes → ISO 8601)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    return value


def snapshot(obj: Any, fields: list[str] | tuple[str, ...]) -> dict[str, Any]:
    return {name: jsonable(getattr(obj, name)) for name in fields}


def _context_of(obj: Any) -> tuple[int | None, int | None, int | None]:
    """(edition_id, prize_id, round_id) that an audited object belongs to, when it says."""
    if isinstance(obj, Edition | Prize | Round):
        return _setup_context(obj)
    round_id = getattr(obj, "round_id", None)
    prize_id = getattr(obj, "prize_id", None)
    edition_id = getattr(obj, "edition_id", None)
    rnd = getattr(obj, "round", None) if round_id else None
    if isinstance(rnd, Round):
        prize_id = prize_id or rnd.prize_id
        edition_id = edition_id or (rnd.prize.edition_id if rnd.prize else None)
    application = getattr(obj, "application", None)
    if application is not None and hasattr(application, "prize_id"):
        prize_id = prize_id or application.prize_id
        edition_id = edition_id or application.edition_id
    if edition_id is None and prize_id is not None:
        edition_id = getattr(getattr(obj, "prize", None), "edition_id", None)
    return edition_id, prize_id, round_id


def _setup_context(obj: Edition | Prize | Round) -> tuple[int | None, int | None, int | None]:
    """An edition, prize or round's own place; a deleted one points at its parents only."""
    state = sa_inspect(obj, raiseerr=False)
    if state is not None and (state.deleted or state.was_deleted):
        return (None, obj.prize_id, None) if isinstance(obj, Round) else (None, None, None)
    if isinstance(obj, Edition):
        return obj.id, None, None
    if isinstance(obj, Prize):
        return obj.edition_id, obj.id, None
    return (obj.prize.edition_id if obj.prize else None), obj.prize_id, obj.id


def record(
    db: Session,
    *,
    actor: User | None,
    action: str,
    obj: Any = None,
    object_type: str | None = None,
    object_id: int | None = None,
    edition_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> AuditEvent:
    prize_id = round_id = None
    if obj is not None:
        db.flush()
        object_type = object_type or type(obj).__name__.lower()
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
        derived_edition, prize_id, round_id = _context_of(obj)
        edition_id = edition_id or derived_edition
    event = AuditEvent(
        prize_id=prize_id,
        round_id=round_id,
        actor_id=actor.id if actor is not None and getattr(actor, "id", None) else None,
        action=action,
        object_type=object_type or "system",
        object_id=object_id,
        edition_id=edition_id,
        before=jsonable(before) if before is not None else None,
        after=jsonable(after) if after is not None else None,
        reason=reason,
    )
    db.add(event)
    db.flush()
    return event
