"""Organizer forms of a round's jury page: members, conflicts, assignment, reminders."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from judging.core.forms import OwnIds
from judging.core.web_input import ascii_int

REASON_MAX = 2000
REF_MAX = 40


def optional_int(value: object) -> int | None:
    """A juror's id from the form; the empty first option ("choose") and anything else give None."""
    if isinstance(value, int):
        return value
    return ascii_int(str(value or ""), minimum=1)


def juror_field() -> SelectField:
    """The juror of a manual assignment: checked by the service (a member of the round), not here."""
    return SelectField(
        _l("Juror"),
        coerce=optional_int,
        validate_choice=False,
        validators=[InputRequired(message=_l("Choose a juror."))],
    )


def application_ref_field() -> StringField:
    """The reference of an application, typed (a round can have tens of thousands of them)."""
    return StringField(
        _l("Application reference"),
        validators=[
            DataRequired(message=_l("Type the reference of an application, for example INN-0042.")),
            Length(max=REF_MAX, message=_l("A reference has at most %(max)d characters.")),
        ],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        render_kw={"autocomplete": "off", "spellcheck": "false", "maxlength": REF_MAX},
    )


class AddMemberForm(OwnIds, FlaskForm):
    id_prefix = "member"

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


class RecordConflictForm(OwnIds, FlaskForm):
    id_prefix = "conflict"

    user_id = SelectField(_l("Juror"), coerce=int, validators=[InputRequired(message=_l("Choose a juror."))])
    application_ref = application_ref_field()
    reason = TextAreaField(
        _l("Reason"),
        validators=[InputRequired(message=_l("Write the reason for the conflict.")), Length(max=REASON_MAX)],
        render_kw={"rows": 2},
    )


class AutoAssignForm(OwnIds, FlaskForm):
    id_prefix = "auto"

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
    """A juror for one application of the table (the row's button posts the juror chosen above it)."""

    juror_id = juror_field()


class AssignByRefForm(OwnIds, FlaskForm):
    """A juror for the application whose reference is typed."""

    id_prefix = "by-ref"

    juror_id = juror_field()
    application_ref = application_ref_field()


class ConfirmRemovalForm(FlaskForm):
    confirm = BooleanField(_l("Yes, delete this scorecard and its scores"))


class EmptyForm(FlaskForm):
    """Its CSRF token guards the buttons that post without fields (detect, remind, remove)."""


class ChairForm(OwnIds, FlaskForm):
    """The jury chair (who sees every score in deliberation), among the members; empty: nobody."""

    id_prefix = "chair"

    user_id = SelectField(_l("Jury chair"), coerce=optional_int, validate_choice=False)
    shown_chair = HiddenField()
