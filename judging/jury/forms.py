"""Juror forms. Criterion scores are plain inputs named ``score-<code>``: the scoring service parses
and checks them (the same rules for the page, the autosave and the live final)."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from judging.jury.scoring import COMMENT_MAX, REASON_MAX


def score_field_name(code: str) -> str:
    return f"score-{code}"


def expected_version(raw: str | None) -> int | None:
    """The scorecard version a page carried: None when it carried none, 0 (never stored) when garbled.

    A garbled version is not an error page: the save is treated as coming from a stale page, which
    the juror sees as a clear refusal next to what they typed."""
    text = (raw or "").strip()
    if not text:
        return None
    return int(text) if re.fullmatch(r"[0-9]{1,18}", text) else 0


class VersionedForm(FlaskForm):
    """A form about one scorecard carries the version it showed (optimistic concurrency)."""

    version = HiddenField()


class ScorecardForm(VersionedForm):
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
    """The live final: scores only (the comments stay as they are). One form object renders every
    pitch: each pitch's version is a plain ``version`` input of its own."""


class AbstainForm(VersionedForm):
    reason = TextAreaField(
        _l("Why do you abstain?"),
        validators=[InputRequired(message=_l("Write the reason for abstaining.")), Length(max=REASON_MAX)],
        render_kw={"rows": 2},
    )


class RecuseForm(VersionedForm):
    reason = TextAreaField(
        _l("What is the conflict of interest?"),
        validators=[
            InputRequired(message=_l("Write the reason for the conflict of interest.")),
            Length(max=REASON_MAX),
        ],
        render_kw={"rows": 2},
    )


class ResumeForm(VersionedForm):
    """An empty form: its CSRF token guards undoing an abstention."""
