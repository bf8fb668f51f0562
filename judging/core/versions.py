"""Optimistic concurrency for records that organizers edit: one refusal, one message, for every kind.

A form carries the ``version`` of the record it showed and a short digest of each value it showed
(``shown``). A save whose version is no longer the record's is checked field by field:

- a field the form showed whose stored value has changed since is a *conflict*, unless the person
  typed exactly what is now stored (two identical saves do not conflict);
- with no conflict the save goes on (what the other person changed is not overwritten: the ORM
  writes only the fields that differ), otherwise :class:`StaleEditError` is raised: who changed
  the record (from its audit trail), which fields (by their labels) and their current values.

A true race (both requests passed the check) ends at the ``UPDATE ... WHERE version = :seen`` of
the mapper's ``version_id_col``: the loser gets ``StaleDataError``, rolls back and replays once
(:func:`judging.core.edits.commit_edit`), and the replay meets the check above.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from judging.accounts.models import User
from judging.core.audit import jsonable
from judging.core.audit_event import AuditEvent

DIGEST_LENGTH = 12


@dataclass(frozen=True)
class EditedKind:
    """How to talk about one kind of record: ``what`` (« ce prix ») and its fields' labels."""

    what: Any
    labels: Mapping[str, Any]


_KINDS: dict[type, EditedKind] = {}


def register(model: type, *, what: Any, labels: Mapping[str, Any]) -> None:
    """Declare the labels of ``model``'s editable fields (the services that own the model call it)."""
    _KINDS[model] = EditedKind(what=what, labels=labels)


def kind_of(model: type) -> EditedKind:
    return _KINDS[model]


# --- what a form showed -----------------------------------------------------------------------------


def digest(value: Any) -> str:
    """A short fingerprint of a stored value (equal values, equal digests, on every backend)."""
    text = json.dumps(jsonable(value), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:DIGEST_LENGTH]


def digests(values: Mapping[str, Any]) -> dict[str, str]:
    return {name: digest(value) for name, value in values.items()}


def encode_shown(values: Mapping[str, Any]) -> str:
    """What a hidden input carries: ``{"field": "digest", ...}`` as compact JSON."""
    return json.dumps(digests(values), separators=(",", ":"), sort_keys=True)


def decode_shown(text: str | None) -> dict[str, str] | None:
    """The digests a form sent back; None when missing or not what :func:`encode_shown` writes."""
    try:
        data = json.loads(text or "")
    except ValueError:
        return None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        return None
    return {str(k): v for k, v in data.items()}


def values_of(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in fields}


# --- the refusal ------------------------------------------------------------------------------------


@dataclass
class Change:
    """A field changed meanwhile: its name, its label, the value stored now, and whether the refused
    save left it as the page showed it (``untouched``: the page may then show the stored value)."""

    name: str
    label: Any
    value: Any
    untouched: bool = False


@dataclass(eq=False)
class StaleEditError(Exception):
    """The record changed since the form was shown, in a field the form showed.

    ``current_version`` and ``current_shown`` let the page carry the new version: saving again
    on purpose then goes through. ``current`` holds every stored value of the record's kind.
    """

    what: Any
    changes: list[Change]
    who: str | None = None
    mine: bool = False
    at: datetime | None = None
    current_version: int = 0
    current_shown: str = ""
    deleting: bool = False
    current: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        super().__init__(f"stale edit: {', '.join(change.name for change in self.changes)}")

    @property
    def fields(self) -> str:
        return ", ".join(str(change.label) for change in self.changes)

    @property
    def message(self) -> Any:
        if self.deleting:
            return self._delete_message()
        if self.mine:
            return _l(
                "You changed %(what)s in another window while you were editing it here (%(fields)s). "
                "Your changes are not saved: they are below; compare and save again.",
                what=self.what,
                fields=self.fields,
            )
        if self.who:
            return _l(
                "%(who)s changed %(what)s while you were editing it (%(fields)s). "
                "Your changes are not saved: they are below; compare and save again.",
                who=self.who,
                what=self.what,
                fields=self.fields,
            )
        return _l(
            "Someone else changed %(what)s while you were editing it (%(fields)s). "
            "Your changes are not saved: they are below; compare and save again.",
            what=self.what,
            fields=self.fields,
        )

    def _delete_message(self) -> Any:
        if self.mine:
            return _l(
                "You changed %(what)s in another window after this page was shown (%(fields)s): "
                "it was not deleted. Check it below, then delete it again if you still want to.",
                what=self.what,
                fields=self.fields,
            )
        if self.who:
            return _l(
                "%(who)s changed %(what)s after this page was shown (%(fields)s): it was not deleted. "
                "Check it below, then delete it again if you still want to.",
                who=self.who,
                what=self.what,
                fields=self.fields,
            )
        return _l(
            "Someone else changed %(what)s after this page was shown (%(fields)s): it was not deleted. "
            "Check it below, then delete it again if you still want to.",
            what=self.what,
            fields=self.fields,
        )


def conflicts(
    current: Mapping[str, Any], shown: Mapping[str, str] | None, changes: Mapping[str, Any]
) -> list[str]:
    """Fields the form showed whose stored value changed since, and that the save would not set to it.

    Without (readable) digests every field counts as shown and changed.
    """
    names = [name for name in current if shown is None or name in shown]
    changed = [name for name in names if shown is None or shown[name] != digest(current[name])]
    return [name for name in changed if name not in changes or digest(changes[name]) != digest(current[name])]


def refuse_if_stale(
    *,
    kind: EditedKind,
    expected_version: int | None,
    current_version: int,
    current: Mapping[str, Any],
    shown: str | Mapping[str, str] | None,
    changes: Mapping[str, Any],
    events: Callable[[], Iterable[AuditEvent]],
    actor: User | None,
    deleting: bool = False,
) -> None:
    """Raise :class:`StaleEditError` when the save would overwrite a change the person did not see.

    ``expected_version`` None means the caller does not track versions (a command, an old page).
    ``events`` gives the record's audit events, newest first, to say who changed it.
    """
    if expected_version is None or expected_version == current_version:
        return
    digests_shown = decode_shown(shown) if isinstance(shown, str) or shown is None else dict(shown)
    names = conflicts(current, digests_shown, changes)
    if not names:
        return
    event = _event_changing(events(), names)
    author = event.actor if event is not None else None
    untouched = {
        name
        for name in names
        if digests_shown is not None and name in changes and digest(changes[name]) == digests_shown[name]
    }
    raise StaleEditError(
        what=kind.what,
        changes=[
            Change(name, kind.labels.get(name, name), current[name], name in untouched) for name in names
        ],
        current=dict(current),
        who=author.display_name if author is not None else None,
        mine=author is not None and actor is not None and author.id == getattr(actor, "id", None),
        at=event.at if event is not None else None,
        current_version=current_version,
        deleting=deleting,
        current_shown=encode_shown(
            {name: value for name, value in current.items() if digests_shown is None or name in digests_shown}
        ),
    )


def _event_changing(events: Iterable[AuditEvent], names: list[str]) -> AuditEvent | None:
    """The newest event that changed one of ``names`` (else the newest event)."""
    events = list(events)
    for event in events:
        before, after = event.before or {}, event.after or {}
        if any(name in after and before.get(name) != after.get(name) for name in names):
            return event
    return events[0] if events else None


def recent_events(db: Session, object_type: str, object_id: int, limit: int = 20) -> list[AuditEvent]:
    """The object's newest audit events (with their actors), newest first."""
    return list(
        db.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type == object_type, AuditEvent.object_id == object_id)
            .options(selectinload(AuditEvent.actor))
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    )


def check_version(
    db: Session,
    obj: Any,
    expected_version: int | None,
    *,
    shown: str | Mapping[str, str] | None,
    changes: Mapping[str, Any] | None = None,
    actor: User | None,
    deleting: bool = False,
) -> None:
    """:func:`refuse_if_stale` for a stored record of a registered kind (``deleting``: says so)."""
    kind = kind_of(type(obj))
    refuse_if_stale(
        kind=kind,
        expected_version=expected_version,
        current_version=obj.version,
        current=values_of(obj, kind.labels),
        shown=shown,
        changes=changes or {},
        events=lambda: recent_events(db, type(obj).__name__.lower(), obj.id),
        actor=actor,
        deleting=deleting,
    )
