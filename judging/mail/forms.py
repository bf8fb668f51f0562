"""The organizer's mail-template editor forms (messages translated lazily)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from judging.core.edits import VersionedForm
from judging.mail import templates as mail_templates
from judging.mail.models import MailTemplate
from judging.mail.templates import BODY_MAX, SUBJECT_MAX


def at_most(limit: int) -> Length:
    return Length(max=limit, message=_l("At most %(max)d characters."))


def remember_template(form: VersionedForm, template: MailTemplate | None) -> VersionedForm:
    """Carry the version of the edition's text (0: the default text) unless the form was posted."""
    if not getattr(form.version, "raw_data", None):
        form.remember_values(*mail_templates.shown_of(template))
    return form


class ResetTemplateForm(VersionedForm, FlaskForm):
    """Goes back to the default text; refused when the text changed since the page showed it."""


class MailTemplateForm(VersionedForm, FlaskForm):
    """An edition's text of one mail of the registry (``mail_templates.KINDS``), in one language."""

    subject = StringField(
        _l("Subject"), validators=[InputRequired(message=_l("Write the subject.")), at_most(SUBJECT_MAX)]
    )
    body = TextAreaField(
        _l("Message"),
        validators=[InputRequired(message=_l("Write the message.")), at_most(BODY_MAX)],
        render_kw={"rows": 14},
    )
