"""Organizer forms for screening applications: eligibility, deadline extension, reopening.

Dates are typed in Montréal time in ``datetime-local`` inputs and become aware UTC
datetimes once parsed. Rules that depend on the application (a reason required for
"ineligible", a deadline in the future) live in ``services.screening``: the forms only
check the shape of what was typed, the service has the last word.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from judging.applications.screening import REASON_MAX
from judging.core.forms import MontrealDateTimeField, OwnIds, VersionField


def reason_field(label: Any, *, description: Any = None) -> TextAreaField:
    return TextAreaField(
        label,
        description=description,
        validators=[Optional(), Length(max=REASON_MAX, message=_l("At most %(max)d characters."))],
        render_kw={"rows": 4, "maxlength": REASON_MAX},
    )


class EligibilityForm(OwnIds, FlaskForm):
    id_prefix = "decide"
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


class ExtensionForm(OwnIds, FlaskForm):
    id_prefix = "extend"
    until = MontrealDateTimeField(
        _l("New deadline (Montréal time)"), validators=[InputRequired(message=_l("Enter the new deadline."))]
    )
    reason = reason_field(_l("Note to the candidate (optional)"))
    version = VersionField()


class ReopenForm(OwnIds, FlaskForm):
    id_prefix = "reopen"
    reason = reason_field(_l("Reason sent to the candidate"))
    extend_to = MontrealDateTimeField(
        _l("New deadline (Montréal time)"),
        validators=[Optional()],
        description=_l("Required when the deadline has passed, so that the candidate can submit again."),
    )
    version = VersionField()


ADDRESS_CHOICES = [
    ("", _l("Inclusive (French: « Lauréat·e »)")),
    ("feminine", _l("Feminine (French: « Lauréate »)")),
    ("masculine", _l("Masculine (French: « Lauréat »)")),
]


class AddressForm(OwnIds, FlaskForm):
    """How the certificates, envelopes and the public winners page title the person if they win.

    ``shown`` is the form of address the page showed: one set meanwhile by someone else is never
    silently replaced.
    """

    id_prefix = "address"

    address = SelectField(_l("Form of address"), choices=ADDRESS_CHOICES, validate_choice=True)
    shown = HiddenField()
