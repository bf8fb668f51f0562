"""Juror forms. Criterion scores are plain inputs named ``score-<code>``: the scoring service parses
and checks them (the same rules for the page, the autosave and the live final)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from ..services.scoring import COMMENT_MAX, REASON_MAX


def score_field_name(code: str) -> str:
    return f"score-{code}"


class ScorecardForm(FlaskForm):
    comment = TextAreaField(
        _l("Private comment for the organizers"),
        validators=[Optional(), Length(max=COMMENT_MAX)],
        render_kw={"rows": 4},
    )
    comment_to_candidate = TextAreaField(
        _l("Comment for the candidate (optional)"),
        validators=[Optional(), Length(max=COMMENT_MAX)],
        render_kw={"rows": 3},
    )


class LiveScoreForm(FlaskForm):
    """The live final: scores only (the comments stay as they are)."""


class AbstainForm(FlaskForm):
    reason = TextAreaField(
        _l("Why do you abstain?"),
        validators=[InputRequired(message=_l("Write the reason for abstaining.")), Length(max=REASON_MAX)],
        render_kw={"rows": 2},
    )


class RecuseForm(FlaskForm):
    reason = TextAreaField(
        _l("What is the conflict of interest?"),
        validators=[
            InputRequired(message=_l("Write the reason for the conflict of interest.")),
            Length(max=REASON_MAX),
        ],
        render_kw={"rows": 2},
    )


class ResumeForm(FlaskForm):
    """An empty form: its CSRF token guards undoing an abstention."""
