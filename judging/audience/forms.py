"""Forms of the audience award: the organizer's setup and actions, the voter's email, code and ballot."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from judging.audience.operations import VOID_REASON_MAX
from judging.audience.rules import CODE_DIGITS
from judging.core.forms import MontrealDateTimeField


class ActionForm(FlaskForm):
    """Its CSRF token guards buttons that post without fields (open, close, send links, look)."""


class FinalistsForm(FlaskForm):
    finalists = SelectMultipleField(
        _l("Finalists in the audience award"),
        coerce=int,
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
        validate_choice=False,  # the operation refuses a non-finalist with its own message
    )


class OpenForm(FlaskForm):
    closes_at = MontrealDateTimeField(_l("Closes at (optional)"), validators=[Optional()])


class ImportForm(FlaskForm):
    attendees = FileField(_l("Attendee list (CSV: name, email, language)"), validators=[FileRequired()])


class VoidForm(FlaskForm):
    reason = TextAreaField(
        _l("Why is this vote voided?"),
        validators=[
            InputRequired(message=_l("Say why the vote is voided.")),
            Length(max=VOID_REASON_MAX, message=_l("At most %(max)d characters.")),
        ],
    )


class EmailForm(FlaskForm):
    email = StringField(
        _l("Your email address"),
        validators=[
            InputRequired(message=_l("Enter your email address.")),
            Length(max=320, message=_l("At most %(max)d characters.")),
        ],
        render_kw={"autocomplete": "email", "inputmode": "email"},
    )


class CodeForm(FlaskForm):
    code = StringField(
        _l("The 6-digit code we sent you"),
        validators=[
            InputRequired(message=_l("Enter the code we sent you.")),
            Regexp(rf"^\s*[0-9]{{{CODE_DIGITS}}}\s*$", message=_l("The code has 6 digits.")),
        ],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": CODE_DIGITS},
    )


class BallotForm(FlaskForm):
    choice = RadioField(_l("Your favourite finalist"), coerce=str, validate_choice=False)
