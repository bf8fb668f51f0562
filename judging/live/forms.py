"""The live final's forms: a move of the control, and the pitch timing."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField
from wtforms.validators import InputRequired, NumberRange

from judging.live.rules import MAX_MINUTES


class ControlForm(FlaskForm):
    """One move: the button pressed (or the projector's key) says which."""

    action = HiddenField()


class TimingForm(FlaskForm):
    pitch_minutes = IntegerField(
        _l("Pitch (minutes)"),
        validators=[
            InputRequired(message=_l("Enter the length of a pitch in minutes.")),
            NumberRange(min=1, max=MAX_MINUTES, message=_l("A pitch lasts 1 to 60 minutes.")),
        ],
    )
    questions_minutes = IntegerField(
        _l("Questions (minutes)"),
        validators=[
            InputRequired(message=_l("Enter the length of the questions in minutes.")),
            NumberRange(min=0, max=MAX_MINUTES, message=_l("The questions last 0 to 60 minutes.")),
        ],
    )
