"""Forms of the ceremony, notification, comments and report pages (messages translated lazily)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from judging.ceremony.plan import MINUTES_MAX, NAME_MAX, SCRIPT_MAX
from judging.editions.forms import MontrealDateTimeField
from judging.results.notifications import COMMENT_MAX


def _max(limit: int) -> Length:
    return Length(max=limit, message=_l("At most %(max)d characters."))


class PrizeArrangementForm(Form):
    """One prize's line of the arrangement (a sub-form: the page's form carries the CSRF token)."""

    prize_id = HiddenField()
    order = IntegerField(
        _l("Order"),
        validators=[
            InputRequired(message=_l("Give the prize's place in the ceremony.")),
            NumberRange(min=1, max=999, message=_l("A number from 1.")),
        ],
    )
    minutes = IntegerField(
        _l("Minutes on stage"),
        validators=[
            Optional(),
            NumberRange(min=0, max=MINUTES_MAX, message=_l("Between %(min)d and %(max)d minutes.")),
        ],
    )
    sponsor = StringField(_l("Presented by (sponsor)"), validators=[Optional(), _max(NAME_MAX["sponsor"])])
    presenter_name = StringField(
        _l("Presenter's name"), validators=[Optional(), _max(NAME_MAX["presenter_name"])]
    )
    presenter_title = StringField(
        _l("Presenter's title (French)"), validators=[Optional(), _max(NAME_MAX["presenter_title"])]
    )
    presenter_title_en = StringField(
        _l("Presenter's title (English)"), validators=[Optional(), _max(NAME_MAX["presenter_title_en"])]
    )
    presenter_organization = StringField(
        _l("Presenter's organization"), validators=[Optional(), _max(NAME_MAX["presenter_organization"])]
    )
    script_fr = TextAreaField(
        _l("Host's lines in French"),
        validators=[Optional(), _max(SCRIPT_MAX)],
        render_kw={"rows": 3, "lang": "fr"},
    )
    script_en = TextAreaField(
        _l("Host's lines in English"),
        validators=[Optional(), _max(SCRIPT_MAX)],
        render_kw={"rows": 3, "lang": "en"},
    )


class ArrangementForm(FlaskForm):
    prizes = FieldList(FormField(PrizeArrangementForm))


class PublicTimesForm(FlaskForm):
    finalists_public_at = MontrealDateTimeField(_l("Finalists page public from"), validators=[Optional()])
    winners_public_at = MontrealDateTimeField(_l("Winners page public from"), validators=[Optional()])


class EmptyForm(FlaskForm):
    """Its CSRF token guards buttons that post without fields."""


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ScheduleForm(FlaskForm):
    keys = MultiCheckboxField(_l("Mails to send"))
    send_after = MontrealDateTimeField(
        _l("Send from"), validators=[InputRequired(message=_l("Give the time the mail leaves."))]
    )


class ReleaseForm(FlaskForm):
    send_after = MontrealDateTimeField(_l("Send the mail from (empty: now)"), validators=[Optional()])


class CommentForm(FlaskForm):
    text = TextAreaField(
        _l("Comment to the candidate"), validators=[Optional(), _max(COMMENT_MAX)], render_kw={"rows": 6}
    )


DOCUMENT_LANGUAGE_CHOICES = [("fr", _l("French")), ("en", _l("English")), ("bilingual", _l("Bilingual"))]
PAPER_CHOICES = [("letter", _l("Letter")), ("a4", _l("A4"))]


class DocumentOptionsForm(Form):
    """The options of a PDF download (read from the query string)."""

    language = SelectField(_l("Language"), choices=DOCUMENT_LANGUAGE_CHOICES, default="fr")
    paper = SelectField(_l("Paper"), choices=PAPER_CHOICES, default="letter")
