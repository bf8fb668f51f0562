"""Organizer forms for screening applications: eligibility, deadline extension, reopening.

Dates are typed in Montréal time in ``datetime-local`` inputs and become aware UTC
datetimes once parsed. Rules that depend on the application (a reason required for
"ineligible", a deadline in the future) live in ``services.screening``: the forms only
check the shape of what was typed, the service has the last word.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, RadioField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import DateTimeLocalInput

from ..services.screening import REASON_MAX

MONTREAL = ZoneInfo("America/Montreal")


def montreal_to_utc(local: datetime) -> datetime | None:
    """A naive Montréal wall-clock time as aware UTC; None for a time the spring change skips."""
    aware = local.replace(tzinfo=MONTREAL, fold=0)
    utc = aware.astimezone(UTC)
    if utc.astimezone(MONTREAL).replace(tzinfo=None) != local:
        return None
    return utc


class MontrealDateTime(Field):
    """A ``datetime-local`` input read as Montréal time; ``data`` is an aware UTC datetime or None."""

    widget = DateTimeLocalInput()
    formats = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        if isinstance(self.data, datetime):
            return self.data.astimezone(MONTREAL).strftime("%Y-%m-%dT%H:%M")
        return ""

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist:
            return
        text = " ".join(valuelist).strip()[:40]
        self.data = None
        if not text:
            return
        for fmt in self.formats:
            try:
                local = datetime.strptime(text, fmt)
            except ValueError:
                continue
            utc = montreal_to_utc(local)
            if utc is None:
                raise ValueError(
                    _l("This time does not exist in Montréal (the clocks move forward). Choose another time.")
                )
            self.data = utc
            return
        raise ValueError(_l("Enter a date and time such as 2026-05-01 09:00."))


class VersionField(HiddenField):
    """The application's version when the page was shown (a stale decision is refused)."""

    def process_formdata(self, valuelist: list[str]) -> None:
        text = (valuelist[0] if valuelist else "").strip()
        self.data = int(text) if text.isdigit() and len(text) < 10 else None


def reason_field(label: Any, *, description: Any = None) -> TextAreaField:
    return TextAreaField(
        label,
        description=description,
        validators=[Optional(), Length(max=REASON_MAX, message=_l("At most %(max)d characters."))],
        render_kw={"rows": 4, "maxlength": REASON_MAX},
    )


class EligibilityForm(FlaskForm):
    decision = RadioField(
        _l("Decision"),
        choices=[("eligible", _l("Eligible")), ("ineligible", _l("Ineligible"))],
        validators=[InputRequired(message=_l("Choose eligible or ineligible."))],
        validate_choice=True,
    )
    reason = reason_field(
        _l("Reason sent to the candidate"),
        description=_l("Required for “ineligible” (at least 10 characters); optional note for “eligible”."),
    )
    version = VersionField()


class ExtensionForm(FlaskForm):
    until = MontrealDateTime(
        _l("New deadline (Montréal time)"), validators=[InputRequired(message=_l("Enter the new deadline."))]
    )
    reason = reason_field(_l("Note to the candidate (optional)"))
    version = VersionField()


class ReopenForm(FlaskForm):
    reason = reason_field(_l("Reason sent to the candidate"))
    extend_to = MontrealDateTime(
        _l("New deadline (Montréal time)"),
        validators=[Optional()],
        description=_l("Required when the deadline has passed, so that the candidate can submit again."),
    )
    version = VersionField()
