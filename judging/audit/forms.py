"""The audit trail's filters (messages translated lazily)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField
from wtforms.validators import NumberRange, Optional

from judging.core.forms import YearInRange


class AuditFilterForm(FlaskForm):
    """Filters of the audit trail, read from the query string (no CSRF: it only reads)."""

    class Meta:
        csrf = False

    prize = SelectField(_l("Prize"), coerce=int, validators=[Optional()])
    round = SelectField(_l("Round"), coerce=int, validators=[Optional()])
    person = SelectField(_l("Person (who acted)"), coerce=int, validators=[Optional()])
    action = SelectField(_l("Action"), validators=[Optional()])
    date_from = DateField(_l("From (date)"), validators=[Optional(), YearInRange()], format="%Y-%m-%d")
    date_to = DateField(_l("To (date, included)"), validators=[Optional(), YearInRange()], format="%Y-%m-%d")
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=100000)], default=1)
