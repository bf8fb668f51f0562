"""Organizer forms of a round's jury page: members, conflicts, assignment, reminders."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

REASON_MAX = 2000


class AddMemberForm(FlaskForm):
    user_id = SelectField(_l("Juror"), coerce=int, validators=[InputRequired(message=_l("Choose a juror."))])


class LiftConflictForm(FlaskForm):
    reason = TextAreaField(
        _l("Why it does not apply"),
        validators=[
            InputRequired(
                message=_l("Write why this conflict does not apply: the reason is kept in the log.")
            ),
            Length(max=REASON_MAX),
        ],
        render_kw={"rows": 2},
    )


class RecordConflictForm(FlaskForm):
    user_id = SelectField(_l("Juror"), coerce=int, validators=[InputRequired(message=_l("Choose a juror."))])
    application_id = SelectField(
        _l("Application"), coerce=int, validators=[InputRequired(message=_l("Choose an application."))]
    )
    reason = TextAreaField(
        _l("Reason"),
        validators=[InputRequired(message=_l("Write the reason for the conflict.")), Length(max=REASON_MAX)],
        render_kw={"rows": 2},
    )


class AutoAssignForm(FlaskForm):
    require_language = BooleanField(_l("Only jurors who read the application's language"))
    max_load = IntegerField(
        _l("At most this many applications per juror (optional)"),
        validators=[
            Optional(),
            NumberRange(min=1, max=10000, message=_l("Enter a whole number of at least 1.")),
        ],
        render_kw={"inputmode": "numeric", "min": 1},
    )


class AddAssignmentForm(FlaskForm):
    juror_id = SelectField(_l("Juror"), coerce=int, validators=[InputRequired(message=_l("Choose a juror."))])


class ConfirmRemovalForm(FlaskForm):
    confirm = BooleanField(_l("Yes, delete this scorecard and its scores"))


class EmptyForm(FlaskForm):
    """Its CSRF token guards the buttons that post without fields (detect, remind, remove)."""
