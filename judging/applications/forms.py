"""Candidate forms: the application form (fixed profile fields plus the prize's own questions).

The form checks only what a draft needs (lengths); what a submission needs is checked by
``judging.applications.operations.submission_problems`` so that every path (web, autosave, command line)
applies the same rules. Labels are lazy so they follow the person's language.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from markupsafe import escape
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import InputRequired, Length
from wtforms.widgets import Select

from judging.applications.choices import countries
from judging.applications.models import Application
from judging.applications.operations import (
    ANSWER_LIMITS,
    PROFILE_FIELDS,
    TEXT_LIMITS,
    ApplicationData,
    Upload,
    qfield,
)
from judging.applications.publication import consent_question
from judging.core import uploads
from judging.core.forms import add_errors
from judging.core.labels import LED_BY_WOMAN_LABELS, ORG_TYPE_LABELS, REGION_LABELS
from judging.core.models import localized
from judging.editions.models import Prize, Question

LANGUAGE_CHOICES = [("fr", "Français"), ("en", "English")]
PUBLICATION_CHOICES = {"yes": _l("Yes, I agree"), "no": _l("No, I do not agree")}


def _blank(label: Any = "—") -> list[tuple[str, Any]]:
    return [("", label)]


class QuickSelect(Select):
    """WTForms' ``<select>`` with each plain option written as text: the same HTML (``html_params`` sorts
    ``selected`` before ``value``), without a ``Markup.format`` per attribute. The country list has about
    250 options: rendered by the stock widget, it was half the CPU of the candidate's form page."""

    @classmethod
    def render_option(cls, choice: Any, **kwargs: Any) -> Any:
        if kwargs or choice.render_kw:
            return super().render_option(choice, **kwargs)
        value = str(choice.value) if isinstance(choice.value, bool) else choice.value
        selected = "selected " if choice.selected else ""
        return f'<option {selected}value="{escape(value)}">{escape(choice.label or choice.value)}</option>'


class ApplicationForm(FlaskForm):
    version = HiddenField()
    title = StringField(_l("Project title"), validators=[Length(max=TEXT_LIMITS["title"])])
    summary = TextAreaField(
        _l("Summary of the project"),
        validators=[Length(max=TEXT_LIMITS["summary"])],
        render_kw={"rows": 5},
    )
    language = SelectField(
        _l("Language of the application"),
        choices=_blank() + LANGUAGE_CHOICES,
        validate_choice=False,
    )
    org_name = StringField(
        _l("Name of the organization"),
        validators=[Length(max=TEXT_LIMITS["org_name"])],
        render_kw={"autocomplete": "organization"},
    )
    org_type = SelectField(
        _l("Type of organization"), choices=_blank() + list(ORG_TYPE_LABELS.items()), validate_choice=False
    )
    region = SelectField(
        _l("Where the organization is based"),
        choices=_blank() + list(REGION_LABELS.items()),
        validate_choice=False,
    )
    country = SelectField(_l("Country"), choices=_blank(), validate_choice=False, widget=QuickSelect())
    city = StringField(_l("City"), validators=[Length(max=TEXT_LIMITS["city"])])
    website = URLField(
        _l("Website of the organization"),
        validators=[Length(max=TEXT_LIMITS["website"])],
        render_kw={"placeholder": "https://", "inputmode": "url"},
    )
    contact_name = StringField(
        _l("Contact person"),
        validators=[Length(max=TEXT_LIMITS["contact_name"])],
        render_kw={"autocomplete": "name"},
    )
    contact_email = EmailField(
        _l("Email of the contact person"),
        validators=[Length(max=TEXT_LIMITS["contact_email"])],
        render_kw={"autocomplete": "email"},
    )
    led_by_woman = RadioField(
        _l("Is the project or organization led by a woman?"),
        choices=list(LED_BY_WOMAN_LABELS.items()),
        validate_choice=False,
    )
    consent = BooleanField(_l("I accept the contest rules and the privacy notice."))
    #: labelled with the edition's own wording by :func:`application_form`; never pre-ticked
    publication_consent = RadioField(
        _l("Publication"), choices=list(PUBLICATION_CHOICES.items()), validate_choice=False
    )
    #: the answer the form showed: an untouched radio never puts back an answer changed elsewhere since
    publication_consent_shown = HiddenField()


def question_field(question: Question, locale: str) -> Any:
    label = localized(question.label, locale)
    help_text = localized(question.help, locale) if question.help else ""
    kwargs: dict[str, Any] = {"description": help_text}
    if question.type == "long-text":
        render = {"rows": 8}
        if question.max_words:
            render["data-max-words"] = question.max_words
        return TextAreaField(
            label, validators=[Length(max=ANSWER_LIMITS["long-text"])], render_kw=render, **kwargs
        )
    if question.type == "choice":
        options = [
            (str(o.get("code")), localized(o.get("label") or o.get("code"), locale))
            for o in question.options or []
            if isinstance(o, dict) and o.get("code")
        ]
        return SelectField(label, choices=_blank() + options, validate_choice=False, **kwargs)
    if question.type == "yes-no":
        return RadioField(
            label, choices=[("yes", _l("Yes")), ("no", _l("No"))], validate_choice=False, **kwargs
        )
    if question.type == "url":
        return URLField(
            label,
            validators=[Length(max=ANSWER_LIMITS["url"])],
            render_kw={"placeholder": "https://", "inputmode": "url"},
            **kwargs,
        )
    if question.type == "file":
        return FileField(label, render_kw={"accept": uploads.accept_attribute(question)}, **kwargs)
    return StringField(label, validators=[Length(max=ANSWER_LIMITS["text"])], **kwargs)


def application_form(prize: Prize, locale: str, **kwargs: Any) -> ApplicationForm:
    """The form of ``prize``: the fixed fields, then one field per question (``q_<id>``)."""

    class Form(ApplicationForm):
        pass

    for question in prize.questions:
        setattr(Form, qfield(question), question_field(question, locale))
        if question.type == "file":
            setattr(Form, qfield(question) + "_remove", BooleanField(_l("Remove this file")))
    form = Form(**kwargs)
    form.country.choices = _blank() + countries(locale)
    form.publication_consent.label.text = consent_question(prize.edition, locale)
    return form


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else ("yes" if value else "no")


def _from_yes_no(value: Any) -> bool | None:
    """ "yes" → True, "no" → False, anything else (nothing ticked, a forged value) → no answer."""
    return {"yes": True, "no": False}.get(value) if isinstance(value, str) else None


def _changed_consent(form: ApplicationForm) -> bool | None:
    """The publication answer when the person changed it in this form, else None (the stored one stays).

    The application page changes the answer too, at any time: a form opened before must not revert it.
    """
    if form.publication_consent.data == (form.publication_consent_shown.data or None):
        return None
    return _from_yes_no(form.publication_consent.data)


def initial_data(application: Application) -> dict[str, Any]:
    """The stored application as form data (for GET)."""
    data: dict[str, Any] = {name: getattr(application, name) or "" for name in PROFILE_FIELDS}
    data["version"] = application.version
    data["consent"] = application.consent_at is not None
    data["publication_consent"] = data["publication_consent_shown"] = _yes_no(application.publication_consent)
    data["led_by_woman"] = application.led_by_woman_answer
    answers = {answer.question_id: answer.value for answer in application.answers}
    for question in application.prize.questions:
        if question.type == "file":
            continue
        value = answers.get(question.id)
        if question.type == "yes-no":
            value = None if value is None else ("yes" if value else "no")
        data[qfield(question)] = value
    return data


def data_from_form(form: ApplicationForm, prize: Prize, *, with_files: bool = True) -> ApplicationData:
    data = ApplicationData(
        fields={name: form[name].data for name in PROFILE_FIELDS},
        consent=bool(form.consent.data),
        publication_consent=_changed_consent(form),
        led_by_woman=form.led_by_woman.data or None,
    )
    for question in prize.questions:
        name = qfield(question)
        if question.type != "file":
            data.answers[question.id] = form[name].data
            continue
        if not with_files:
            continue
        storage = form[name].data
        if storage is not None and getattr(storage, "filename", None):
            data.uploads[question.id] = Upload(stream=storage.stream, filename=storage.filename)
        elif form[name + "_remove"].data:
            data.remove.add(question.id)
    return data


def apply_errors(form: ApplicationForm, errors: dict[str, list[Any]]) -> None:
    add_errors(form, errors)


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        _l("Why are you withdrawing? (optional, for the organizers)"), validators=[Length(max=2000)]
    )
    confirm = BooleanField(
        _l("I withdraw this application."),
        validators=[InputRequired(message=_l("Tick the box to confirm."))],
    )


class DeleteAccountForm(FlaskForm):
    password = PasswordField(
        _l("Your password"),
        validators=[InputRequired(message=_l("Enter your password."))],
        render_kw={"autocomplete": "current-password"},
    )
    confirm = BooleanField(
        _l("I understand that my account and my files will be deleted for good."),
        validators=[InputRequired(message=_l("Tick the box to confirm."))],
    )


class PublicationConsentForm(FlaskForm):
    """The consent answer changed from the application page (labelled with the edition's wording)."""

    publication_consent = RadioField(
        _l("Publication"),
        choices=list(PUBLICATION_CHOICES.items()),
        validators=[InputRequired(message=_l("Choose yes or no."))],
    )

    def answer(self) -> bool:
        return self.publication_consent.data == "yes"


def publication_consent_form(application: Application, locale: str, **kwargs: Any) -> PublicationConsentForm:
    form = PublicationConsentForm(**kwargs)
    form.publication_consent.label.text = consent_question(application.edition, locale)
    return form
