"""Edits of records that two organizers may have open at once: the version a form carries, one commit.

Every organizer edit form that changes an existing record mixes in :class:`VersionedForm`: two
hidden inputs carry the record's ``version`` and a digest of each value the page showed
(``shown``). The service refuses a stale save with :class:`~judging.core.versions.StaleEditError`;
:func:`commit_edit` turns that refusal (or a lost race) into a message on the form, keeps what the
person typed and gives the form the new version, so that saving again on purpose goes through.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from types import SimpleNamespace
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError
from wtforms import HiddenField

from judging.core import versions
from judging.core.forms import VersionField
from judging.core.versions import StaleEditError
from judging.db import session as db

#: The HTTP status of a page that refuses a stale save.
CONFLICT = 409


class VersionedForm:
    """Mixin for a form that edits (or deletes) one stored record.

    ``shows`` names the record's fields the form shows (all the kind's labelled fields when empty).
    """

    shows: tuple[str, ...] = ()
    version = VersionField()
    shown = HiddenField()
    stale: StaleEditError | None = None

    def remember(self, obj: Any, fields: Iterable[str] | None = None) -> Any:
        """Carry ``obj``'s version and the digests of the values shown (unless posted); returns the form."""
        if getattr(self.version, "raw_data", None):  # a posted form carries what its own page showed
            return self
        names = tuple(fields or self.shows or versions.kind_of(type(obj)).labels)
        self.remember_values(obj.version, versions.values_of(obj, names))
        return self

    def remember_values(self, version: int, values: dict[str, Any]) -> None:
        self.version.data = version
        self.shown.data = versions.encode_shown(values)

    def seen(self) -> dict[str, Any]:
        """The service's ``expected_version`` and ``shown`` arguments."""
        return {"expected_version": self.version.data, "shown": self.shown.data}

    def show_stale(self, error: StaleEditError) -> None:
        """Show the refusal and carry the version now stored: a second save is a deliberate choice.

        What the person typed stays; a field they left as shown but someone else changed now shows
        the stored value, so that saving again keeps the other person's change.
        """
        self.stale = error
        self.version.data = error.current_version
        self.shown.data = error.current_shown
        self._take_stored([change.name for change in error.changes if change.untouched], error.current or {})

    def _take_stored(self, names: list[str], current: dict[str, Any]) -> None:
        if not names:
            return
        data_of = getattr(type(self), "data_of", None)
        if data_of is not None:
            data = data_of(SimpleNamespace(**current))
        else:  # inputs named as the record's fields, holding text (a mail template's subject and body)
            data = {name: value for name, value in current.items() if isinstance(value, str)}
        for name in names:
            for field_name in (name, f"{name}_fr", f"{name}_en"):
                field = self._fields.get(field_name)
                if field is not None and field_name in data:
                    field.data = data[field_name]
                    field.raw_data = []


def commit_edit(form: Any, action: Callable[[], Any]) -> Any:
    """Run one edit and commit; the result (True for None), or None when refused as stale.

    A lost race (``StaleDataError`` at the ``UPDATE ... WHERE version``) is rolled back and run once
    more: the replay reads what the other person saved and either finds no conflict or refuses
    with :class:`StaleEditError`. Any other error is rolled back and raised for the caller.
    """
    for _attempt in range(2):
        try:
            result = action()
            db.commit()
        except StaleEditError as error:
            db.rollback()
            form.show_stale(error)
            return None
        except StaleDataError:
            db.rollback()
            continue
        except Exception:
            db.rollback()
            raise
        return True if result is None else result
    form.form_errors.append(_("Someone else saved this at the same moment. Check it and save again."))
    return None


def status_of(form: Any) -> int:
    """409 for a page that refuses a stale save, else 200."""
    return CONFLICT if getattr(form, "stale", None) is not None else 200
