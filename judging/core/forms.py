"""Forms and form helpers shared by several blueprints.

``MontrealDateTimeField`` is the one ``datetime-local`` input of the project (edition dates,
judging close, public times, mail scheduling, deadline extensions): typed in Montréal time,
held as an aware UTC datetime, years outside ``YEAR_MIN``..``YEAR_MAX`` refused.
"""

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, SelectField
from wtforms.validators import ValidationError
from wtforms.widgets import DateTimeLocalInput

from judging.core.clock import local_time_exists, local_to_utc, utc_to_local
from judging.core.web_input import ascii_int

#: dates typed in a form or imported must fall in these years (no overflow, no typo in year 20026)
YEAR_MIN, YEAR_MAX = 2000, 2200
LOCAL_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")


class LanguageForm(FlaskForm):
    language = SelectField(choices=[("fr", "Français"), ("en", "English")])
    next = HiddenField()


def add_errors(form: Any, errors: Mapping[str, Iterable[Any]]) -> None:
    """Show a service's refusals (``{field name: [messages]}``) next to the form's fields."""
    for name, messages in errors.items():
        field = form._fields.get(name)
        if field is not None:
            field.errors = [*field.errors, *(str(m) for m in messages)]


def year_out_of_range_message() -> Any:
    return _l("Enter a year between %(min)d and %(max)d.", min=YEAR_MIN, max=YEAR_MAX)


class YearInRange:
    """A date field's validator: a year outside ``YEAR_MIN``..``YEAR_MAX`` is refused (no overflow)."""

    def __call__(self, form: Any, field: Field) -> None:
        value = field.data
        if value is not None and not YEAR_MIN <= value.year <= YEAR_MAX:
            raise ValidationError(year_out_of_range_message())


def parse_montreal_time(text: str) -> datetime:
    """A ``datetime-local`` value (Montréal wall-clock time) as aware UTC.

    Raises ``ValueError`` with a translated message for a shape it does not know, a year
    outside ``YEAR_MIN``..``YEAR_MAX`` or a time the spring change to daylight-saving skips.
    """
    for fmt in LOCAL_FORMATS:
        try:
            local = datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
        if not YEAR_MIN <= local.year <= YEAR_MAX:
            raise ValueError(year_out_of_range_message())
        if not local_time_exists(local):
            raise ValueError(
                _l("This time does not exist in Montréal (the clocks move forward). Choose another time.")
            )
        return local_to_utc(local)
    raise ValueError(_l("Enter a date and time such as 2026-05-01 09:00."))


def same_minute(typed: datetime, stored: Any) -> bool:
    """True when ``typed`` (whole minutes, as the input shows them) is ``stored`` cut to the minute."""
    if not isinstance(stored, datetime):
        return False
    if stored.tzinfo is None:
        stored = stored.replace(tzinfo=UTC)
    return stored.replace(second=0, microsecond=0) == typed


class MontrealDateTimeField(Field):
    """A ``datetime-local`` input read as Montréal time; ``data`` is an aware UTC datetime (or None).

    The input shows minutes only: a stored 23:59:59 is shown as 23:59, and when 23:59 comes back
    the stored 23:59:59 is kept (a form never changes a value the person did not touch). For this
    the form must be built with the stored values on POST too (``obj=`` or ``data=``).
    """

    widget = DateTimeLocalInput()

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        if isinstance(self.data, datetime):
            try:
                return utc_to_local(self.data).strftime("%Y-%m-%dT%H:%M")
            except OverflowError:  # a stored date at the very edge of the calendar: shown as UTC
                return self.data.strftime("%Y-%m-%dT%H:%M")
        return ""

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist:
            return
        text = " ".join(valuelist).strip()[:40]
        self.data = None
        if not text:
            return
        typed = parse_montreal_time(text)
        self.data = self.object_data if same_minute(typed, self.object_data) else typed


class OwnIds:
    """A form shown beside others on one page: every field's id starts with ``id_prefix``.

    Two forms on a page often have a field of the same name (``reason``, ``application_ref``); with
    the default ids both get ``id="reason"`` and the second label points at the first form's field.
    Only the ids change: the names posted stay as they are.
    """

    id_prefix = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for form_field in self:  # type: ignore[attr-defined]
            form_field.id = f"{self.id_prefix}-{form_field.name}"
            form_field.label.field_id = form_field.id


class VersionField(HiddenField):
    """The record's version when the page was shown (a stale save is refused: ``core.edits``)."""

    def process_formdata(self, valuelist: list[str]) -> None:
        text = (valuelist[0] if valuelist else "").strip()
        self.data = ascii_int(text)
