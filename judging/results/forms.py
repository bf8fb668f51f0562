"""Forms of the organizer's results, decisions, phases, mail and audit pages.

Selections with one field per application (finalist boxes, reasons, pitch positions)
are read from ``request.form`` by name in the route; these forms carry the fixed fields
and the CSRF token. Messages are translated lazily.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from judging.core.edits import VersionedForm
from judging.core.forms import OwnIds
from judging.editions.operations import format_tie_break

REASON_MAX = 2000
CITATION_MAX = 2000


class EmptyForm(FlaskForm):
    """Its CSRF token guards buttons that post without fields (announce, freeze)."""


class SelectionForm(FlaskForm):
    tie_reason = TextAreaField(
        _l("How the tie at the cut was settled"),
        validators=[Optional(), Length(max=REASON_MAX, message=_l("At most %(max)d characters."))],
        render_kw={"rows": 2},
    )


class PhaseForm(VersionedForm, FlaskForm):
    shows = ("phase",)
    target = SelectField(_l("New phase"), validators=[InputRequired(message=_l("Choose a phase."))])
    reason = TextAreaField(
        _l("Reason (required to reopen; kept in the log)"),
        validators=[Optional(), Length(max=REASON_MAX, message=_l("At most %(max)d characters."))],
        render_kw={"rows": 2},
    )


class MethodForm(VersionedForm, FlaskForm):
    shows = ("method", "tie_break")
    method = SelectField(
        _l("Method"), validators=[InputRequired(message=_l("Choose a method from the list."))]
    )
    tie_break = StringField(
        _l("Tie-break chain"),
        validators=[Optional(), Length(max=1000, message=_l("At most %(max)d characters."))],
        render_kw={"autocapitalize": "none", "autocomplete": "off", "spellcheck": "false"},
    )

    @classmethod
    def data_of(cls, rnd: Any) -> dict[str, Any]:
        """The inputs' values for a stored round."""
        return {"method": rnd.method, "tie_break": format_tie_break(rnd.tie_break)}


class WinnerForm(OwnIds, FlaskForm):
    id_prefix = "winner"

    application_id = SelectField(
        _l("Winner"), coerce=int, validators=[InputRequired(message=_l("Choose the winner."))]
    )
    citation_fr = TextAreaField(
        _l("Citation in French"),
        validators=[Optional(), Length(max=CITATION_MAX, message=_l("At most %(max)d characters."))],
        render_kw={"rows": 2, "lang": "fr"},
    )
    citation_en = TextAreaField(
        _l("Citation in English"),
        validators=[Optional(), Length(max=CITATION_MAX, message=_l("At most %(max)d characters."))],
        render_kw={"rows": 2, "lang": "en"},
    )
    reason = TextAreaField(
        _l("Reason (required when the winner is not first, or to settle a tie)"),
        validators=[Optional(), Length(max=REASON_MAX, message=_l("At most %(max)d characters."))],
        render_kw={"rows": 2},
    )


class MentionForm(OwnIds, FlaskForm):
    """A mention, on the same page as the winner form: its labels point at its own fields."""

    id_prefix = "mention"

    application_id = SelectField(
        _l("Application"), coerce=int, validators=[InputRequired(message=_l("Choose an application."))]
    )
    citation_fr = TextAreaField(
        _l("Citation in French"),
        validators=[
            InputRequired(message=_l("Write the citation in French and in English.")),
            Length(max=CITATION_MAX, message=_l("At most %(max)d characters.")),
        ],
        render_kw={"rows": 2, "lang": "fr"},
    )
    citation_en = TextAreaField(
        _l("Citation in English"),
        validators=[
            InputRequired(message=_l("Write the citation in French and in English.")),
            Length(max=CITATION_MAX, message=_l("At most %(max)d characters.")),
        ],
        render_kw={"rows": 2, "lang": "en"},
    )
