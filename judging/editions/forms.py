"""Organizer setup forms: editions, prizes, rounds, rubric criteria, questions and copying a setup.

Bilingual texts have two inputs (``…_fr`` and ``…_en``): French is required for names,
English is optional (French is shown when it is missing). Dates are typed in Montréal
time in ``datetime-local`` inputs and hold aware UTC datetimes once parsed.
"""

from __future__ import annotations

import decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, Field, FieldList, SelectField, StringField, TextAreaField
from wtforms.fields import DecimalField, IntegerField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp, ValidationError
from wtforms.widgets import TextInput

from judging.core.edits import VersionedForm
from judging.core.forms import MontrealDateTimeField
from judging.core.labels import METHOD_LABELS, QUESTION_TYPE_LABELS, TIE_BREAK_LABELS, tie_break_label
from judging.editions.brand import LOGO_ACCEPT, normalize_colour
from judging.editions.models import DEFAULT_CONSENT_TEXT, METHODS, QUESTION_TYPES, TIE_BREAK_SIMPLE
from judging.editions.operations import (
    BRAND_FIELDS,
    CODE_MAX,
    CODE_RE,
    COLOUR_MESSAGE,
    format_options,
    parse_options,
    split_bilingual,
)

METHOD_HELP = {
    "mean": _l("The average of the jurors' scorecard totals (0–100)."),
    "median": _l("The middle scorecard total: one very generous or very severe juror moves it little."),
    "trimmed": _l("The mean after dropping the single highest and the single lowest total (3 or more)."),
    "zscore": _l(
        "Each juror's totals are compared with that juror's own average and spread, then averaged: "
        "it evens out severe and generous jurors when each juror scores several applications."
    ),
    "additive": _l(
        "Estimates each application's score and each juror's severity together (least squares): "
        "useful when jurors score different subsets of the applications."
    ),
    "schulze": _l(
        "Each juror's totals become a ranking; the rankings are combined with the Schulze method. "
        "The score is the number of applications a row beats."
    ),
}

CODE_MESSAGE = _l("Use lowercase letters, digits and dashes only, for example “innovation-2026”.")
CODE_ATTRS = {"autocapitalize": "none", "autocomplete": "off", "spellcheck": "false"}
FR = {"lang": "fr"}
EN = {"lang": "en"}


def code_field(label: Any = None, **attrs: Any) -> StringField:
    return StringField(
        label or _l("Code"),
        validators=[
            InputRequired(message=_l("Enter a code.")),
            Length(max=CODE_MAX, message=_l("At most %(max)d characters.")),
            Regexp(CODE_RE, message=CODE_MESSAGE),
        ],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        render_kw=dict(CODE_ATTRS) | attrs,
    )


def text_fr(label: Any, *, required: bool, max_length: int, area: bool = False) -> Field:
    first = InputRequired(message=_l("Enter the French text.")) if required else Optional()
    kind = TextAreaField if area else StringField
    render_kw = dict(FR) | ({"rows": 4} if area else {})
    return kind(
        label,
        validators=[first, Length(max=max_length, message=_l("At most %(max)d characters."))],
        render_kw=render_kw,
    )


def text_en(label: Any, *, max_length: int, area: bool = False) -> Field:
    kind = TextAreaField if area else StringField
    render_kw = dict(EN) | ({"rows": 4} if area else {})
    return kind(
        label,
        validators=[Optional(), Length(max=max_length, message=_l("At most %(max)d characters."))],
        render_kw=render_kw,
    )


def plain_text(label: Any, max_length: int) -> StringField:
    return StringField(
        label, validators=[Optional(), Length(max=max_length, message=_l("At most %(max)d characters."))]
    )


class LocalDecimalField(DecimalField):
    """A decimal number; a French decimal comma (``7,5``) is welcome; NaN and infinities are not."""

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist:
            return
        text = str(valuelist[0]).strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
        try:
            number = decimal.Decimal(text)
        except (decimal.InvalidOperation, ValueError):
            number = None
        if number is None or not number.is_finite():
            self.data = None
            raise ValueError(_l("Enter a number, such as 10 or 2.5."))
        self.data = number


class LocalIntegerField(IntegerField):
    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist:
            return
        try:
            self.data = int(str(valuelist[0]).strip())
        except ValueError:
            self.data = None
            raise ValueError(_l("Enter a whole number.")) from None


def whole_number(label: Any, *, minimum: int, maximum: int, required: bool = True, **kwargs: Any):
    first = InputRequired(message=_l("Enter a whole number.")) if required else Optional()
    return LocalIntegerField(
        label,
        validators=[
            first,
            NumberRange(
                min=minimum, max=maximum, message=_l("Enter a whole number between %(min)s and %(max)s.")
            ),
        ],
        render_kw={"inputmode": "numeric"},
        **kwargs,
    )


def decimal_number(label: Any, **kwargs: Any) -> LocalDecimalField:
    return LocalDecimalField(
        label,
        places=None,
        widget=TextInput(),
        validators=[
            InputRequired(message=_l("Enter a number.")),
            NumberRange(
                min=-99999999, max=99999999, message=_l("Enter a number between %(min)s and %(max)s.")
            ),
        ],
        render_kw={"inputmode": "decimal"},
        **kwargs,
    )


class ChoiceField(SelectField):
    """A select whose "not a valid choice" message is ours (and goes through our catalog)."""

    def __init__(self, *args: Any, invalid_message: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.invalid_message = invalid_message or _l("Choose a value from the list.")

    def gettext(self, string: str) -> Any:
        return self.invalid_message


def plain_decimal(value: decimal.Decimal | None) -> decimal.Decimal | None:
    """``10.0000`` as ``10`` and ``2.5000`` as ``2.5`` (never ``1E+1``) for an input's value."""
    if value is None:
        return None
    return decimal.Decimal(format(value.normalize(), "f"))


class BilingualMixin:
    """Fill ``x_fr``/``x_en`` inputs from a stored bilingual value and read them back."""

    @staticmethod
    def bilingual_data(name: str, value: Any) -> dict[str, str]:
        fr, en = split_bilingual(value)
        return {f"{name}_fr": fr, f"{name}_en": en}

    def bilingual(self, name: str, *, optional: bool = False) -> dict[str, str] | None:
        fr = (getattr(self, f"{name}_fr").data or "").strip()
        en = (getattr(self, f"{name}_en").data or "").strip()
        if optional and not fr and not en:
            return None
        return {"fr": fr, "en": en}


# --- editions ---------------------------------------------------------------------------------------


class EditionForm(VersionedForm, BilingualMixin, FlaskForm):
    shows = (
        "code",
        "name",
        "applications_open",
        "applications_close",
        "ceremony_at",
        "publication_consent_text",
    )
    code = code_field()
    name_fr = text_fr(_l("Name (French)"), required=True, max_length=300)
    name_en = text_en(_l("Name (English)"), max_length=300)
    applications_open = MontrealDateTimeField(
        _l("Applications open"), validators=[InputRequired(message=_l("Enter a date and time."))]
    )
    applications_close = MontrealDateTimeField(
        _l("Applications close"), validators=[InputRequired(message=_l("Enter a date and time."))]
    )
    ceremony_at = MontrealDateTimeField(_l("Awards ceremony"), validators=[Optional()])
    #: shown beside the two fields: what candidates are asked when they are left empty
    default_consent_text = DEFAULT_CONSENT_TEXT
    publication_consent_text_fr = text_fr(
        _l("Publication consent question (French)"), required=False, max_length=1000, area=True
    )
    publication_consent_text_en = text_en(
        _l("Publication consent question (English)"), max_length=1000, area=True
    )

    def validate_applications_close(self, field: Field) -> None:
        opens = self.applications_open.data
        if opens is not None and field.data is not None and field.data <= opens:
            raise ValidationError(_l("Applications must close after they open."))

    @classmethod
    def data_of(cls, edition: Any) -> dict[str, Any]:
        """The inputs' values for a stored edition (or any object with its attributes)."""
        data = {
            "code": edition.code,
            "applications_open": edition.applications_open,
            "applications_close": edition.applications_close,
            "ceremony_at": edition.ceremony_at,
        } | BilingualMixin.bilingual_data("name", edition.name)
        data |= BilingualMixin.bilingual_data("publication_consent_text", edition.publication_consent_text)
        return data

    @classmethod
    def from_edition(cls, edition: Any) -> EditionForm:
        return cls(data=cls.data_of(edition)).remember(edition)

    def values(self) -> dict[str, Any]:
        return {
            "code": self.code.data,
            "name": self.bilingual("name"),
            "applications_open": self.applications_open.data,
            "applications_close": self.applications_close.data,
            "ceremony_at": self.ceremony_at.data,
            "publication_consent_text": self.bilingual("publication_consent_text", optional=True),
        }


class CopySetupForm(EditionForm):
    source = ChoiceField(
        _l("Copy the setup of"),
        coerce=int,
        choices=[],
        invalid_message=_l("Choose an edition from the list."),
    )


# --- prizes -----------------------------------------------------------------------------------------


class PrizeForm(VersionedForm, BilingualMixin, FlaskForm):
    code = code_field()
    name_fr = text_fr(_l("Name (French)"), required=True, max_length=300)
    name_en = text_en(_l("Name (English)"), max_length=300)
    description_fr = text_fr(_l("Description (French)"), required=False, max_length=10000, area=True)
    description_en = text_en(_l("Description (English)"), max_length=10000, area=True)
    eligibility_fr = text_fr(_l("Eligibility (French)"), required=False, max_length=10000, area=True)
    eligibility_en = text_en(_l("Eligibility (English)"), max_length=10000, area=True)
    sponsor = plain_text(_l("Sponsor (presented by)"), 300)
    presenter_name = plain_text(_l("Presenter's name"), 200)
    presenter_title = plain_text(_l("Presenter's title (French)"), 200)
    presenter_title_en = plain_text(_l("Presenter's title (English)"), 200)
    presenter_organization = plain_text(_l("Presenter's organization"), 300)
    finalists = whole_number(_l("Number of finalists"), minimum=0, maximum=1000, default=3)
    position = whole_number(_l("Display order"), minimum=0, maximum=100000, default=0)
    max_deck_mb = whole_number(_l("Largest pitch deck (MB)"), minimum=1, maximum=1000, default=10)
    max_logo_mb = whole_number(_l("Largest logo (MB)"), minimum=1, maximum=1000, default=2)

    @classmethod
    def data_of(cls, prize: Any) -> dict[str, Any]:
        """The inputs' values for a stored prize (or any object with its attributes)."""
        data: dict[str, Any] = {
            name: getattr(prize, name)
            for name in (
                "code",
                "sponsor",
                "presenter_name",
                "presenter_title",
                "presenter_title_en",
                "presenter_organization",
                "finalists",
                "position",
                "max_deck_mb",
                "max_logo_mb",
            )
        }
        for name in ("name", "description", "eligibility"):
            data |= BilingualMixin.bilingual_data(name, getattr(prize, name))
        return data

    @classmethod
    def from_prize(cls, prize: Any) -> PrizeForm:
        return cls(data=cls.data_of(prize)).remember(prize)

    def values(self) -> dict[str, Any]:
        def text(field: Field) -> str | None:
            return (field.data or "").strip() or None

        return {
            "code": self.code.data,
            "name": self.bilingual("name"),
            "description": self.bilingual("description", optional=True),
            "eligibility": self.bilingual("eligibility", optional=True),
            "sponsor": text(self.sponsor),
            "presenter_name": text(self.presenter_name),
            "presenter_title": text(self.presenter_title),
            "presenter_title_en": text(self.presenter_title_en),
            "presenter_organization": text(self.presenter_organization),
            "finalists": self.finalists.data,
            "position": self.position.data,
            "max_deck_mb": self.max_deck_mb.data,
            "max_logo_mb": self.max_logo_mb.data,
        }


# --- rounds -----------------------------------------------------------------------------------------


TIE_BREAK_STEPS = 5
#: the first step of the chain, and each next one
TIE_BREAK_STEP_LABELS = (_l("If still tied, first"), _l("Then"))


def tie_break_choices(criteria: Any, chosen: list[str]) -> list[tuple[str, str]]:
    """A step's options: none, each criterion of the round by its name, the other tie-breaks, then
    anything already chosen that is none of these (so that the page shows what is stored)."""
    options = [("", str(_l("— none —")))]
    for criterion in criteria:
        entry = f"criterion:{criterion.code}"
        options.append((entry, _first_upper(tie_break_label([entry], [criterion]))))
    options += [(code, _first_upper(str(TIE_BREAK_LABELS[code]))) for code in TIE_BREAK_SIMPLE]
    known = {value for value, _label in options}
    options += [(value, value) for value in chosen if value not in known]
    return options


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


class RoundForm(VersionedForm, BilingualMixin, FlaskForm):
    shows = ("code", "name", "method", "jurors_per_application", "tie_break", "blind", "judging_closes_at")
    code = code_field(list="round-code-suggestions")
    name_fr = text_fr(_l("Name (French)"), required=False, max_length=300)
    name_en = text_en(_l("Name (English)"), max_length=300)
    method = ChoiceField(
        _l("Aggregation method"),
        choices=[(method, METHOD_LABELS[method]) for method in METHODS],
        default="mean",
        invalid_message=_l("Choose a method from the list."),
    )
    jurors_per_application = whole_number(
        _l("Jurors per application"), minimum=1, maximum=100, required=False
    )
    _tie_break_choices: list[tuple[str, str]] = []
    #: the chain as ordered choices (a criterion by its name, never its code); see :meth:`offer_tie_breaks`
    tie_break = FieldList(
        label=_l("Tie-break chain"),
        unbound_field=ChoiceField(
            _l("Tie-break"), choices=[], invalid_message=_l("Choose a tie-break from the list.")
        ),
        min_entries=TIE_BREAK_STEPS,
        max_entries=10,
    )
    blind = BooleanField(_l("Blind judging (jurors do not see identifying answers)"))
    judging_closes_at = MontrealDateTimeField(_l("Judging closes"), validators=[Optional()])

    def offer_tie_breaks(self, criteria: Any, stored: list[str] | None = None) -> RoundForm:
        """Give each step of the chain its choices: the round's criteria by name, then the other
        tie-breaks; a ``stored`` entry that is none of these (an imported chain) stays offered."""
        self._tie_break_choices = tie_break_choices(criteria, list(stored or []))
        self._label_steps()
        return self

    def chain_errors(self) -> list[Any]:
        """The chain's own messages (a repeated entry, a locked chain), not those of one step."""
        return [error for error in self.tie_break.errors if not isinstance(error, list)]

    def _label_steps(self) -> None:
        for number, entry in enumerate(self.tie_break, start=1):
            entry.choices = self._tie_break_choices
            entry.label.text = TIE_BREAK_STEP_LABELS[0] if number == 1 else TIE_BREAK_STEP_LABELS[1]

    def _take_stored(self, names: list[str], current: dict[str, Any]) -> None:
        """A stale save: the chain shown again as stored (a list, not an input's text)."""
        super()._take_stored([name for name in names if name != "tie_break"], current)
        if "tie_break" in names:
            stored = list(current.get("tie_break") or [])
            self.tie_break.entries, self.tie_break.last_index = [], -1
            for value in stored + [""] * max(1, TIE_BREAK_STEPS - len(stored)):
                self.tie_break.append_entry(value)
            self._label_steps()

    @classmethod
    def data_of(cls, rnd: Any) -> dict[str, Any]:
        """The inputs' values for a stored round (or any object with its attributes)."""
        data = {
            "code": rnd.code,
            "method": rnd.method,
            "jurors_per_application": rnd.jurors_per_application,
            "tie_break": list(rnd.tie_break or []),
            "blind": rnd.blind,
            "judging_closes_at": rnd.judging_closes_at,
        } | BilingualMixin.bilingual_data("name", rnd.name)
        return data

    @classmethod
    def from_round(cls, rnd: Any) -> RoundForm:
        return cls(data=cls.data_of(rnd)).remember(rnd)

    def values(self) -> dict[str, Any]:
        return {
            "code": self.code.data,
            "name": self.bilingual("name", optional=True),
            "method": self.method.data,
            "jurors_per_application": self.jurors_per_application.data,
            "tie_break": [entry.data for entry in self.tie_break if entry.data],
            "blind": bool(self.blind.data),
            "judging_closes_at": self.judging_closes_at.data,
        }


# --- rubric criteria --------------------------------------------------------------------------------


class CriterionForm(VersionedForm, BilingualMixin, FlaskForm):
    code = code_field()
    name_fr = text_fr(_l("Name (French)"), required=True, max_length=300)
    name_en = text_en(_l("Name (English)"), max_length=300)
    guidance_fr = text_fr(_l("Guidance for jurors (French)"), required=False, max_length=5000, area=True)
    guidance_en = text_en(_l("Guidance for jurors (English)"), max_length=5000, area=True)
    weight = decimal_number(_l("Weight"), default=decimal.Decimal(1))
    min_value = decimal_number(_l("Lowest score"), default=decimal.Decimal(0))
    max_value = decimal_number(_l("Highest score"), default=decimal.Decimal(10))
    required = BooleanField(_l("Jurors must score this criterion"), default=True)

    def validate_weight(self, field: Field) -> None:
        if field.data is not None and field.data <= 0:
            raise ValidationError(_l("The weight must be greater than zero."))

    def validate_max_value(self, field: Field) -> None:
        low = self.min_value.data
        if low is not None and field.data is not None and field.data <= low:
            raise ValidationError(_l("The maximum must be greater than the minimum."))

    @classmethod
    def data_of(cls, criterion: Any) -> dict[str, Any]:
        """The inputs' values for a stored criterion (or any object with its attributes)."""
        data: dict[str, Any] = {
            "code": criterion.code,
            "weight": plain_decimal(criterion.weight),
            "min_value": plain_decimal(criterion.min_value),
            "max_value": plain_decimal(criterion.max_value),
            "required": criterion.required,
        }
        data |= BilingualMixin.bilingual_data("name", criterion.name)
        data |= BilingualMixin.bilingual_data("guidance", criterion.guidance)
        return data

    @classmethod
    def from_criterion(cls, criterion: Any) -> CriterionForm:
        return cls(data=cls.data_of(criterion)).remember(criterion)

    def values(self) -> dict[str, Any]:
        return {
            "code": self.code.data,
            "name": self.bilingual("name"),
            "guidance": self.bilingual("guidance", optional=True),
            "weight": self.weight.data,
            "min_value": self.min_value.data,
            "max_value": self.max_value.data,
            "required": bool(self.required.data),
        }


# --- questions --------------------------------------------------------------------------------------


class QuestionForm(VersionedForm, BilingualMixin, FlaskForm):
    code = code_field()
    label_fr = text_fr(_l("Question (French)"), required=True, max_length=1000)
    label_en = text_en(_l("Question (English)"), max_length=1000)
    help_fr = text_fr(_l("Help text (French)"), required=False, max_length=3000, area=True)
    help_en = text_en(_l("Help text (English)"), max_length=3000, area=True)
    type = ChoiceField(
        _l("Type of answer"),
        choices=[(kind, QUESTION_TYPE_LABELS[kind]) for kind in QUESTION_TYPES],
        default="text",
        invalid_message=_l("Choose a type from the list."),
    )
    max_words = whole_number(_l("Word limit (long text)"), minimum=1, maximum=100000, required=False)
    options = TextAreaField(
        _l("Options (single choice)"),
        validators=[Optional(), Length(max=10000, message=_l("At most %(max)d characters."))],
        render_kw={"rows": 4, "spellcheck": "false"},
    )
    required = BooleanField(_l("An answer is required"))
    identifying = BooleanField(_l("Identifies the candidate (hidden from jurors in blind rounds)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.parsed_options: list[dict[str, Any]] = []

    def validate_options(self, field: Field) -> None:
        if self.type.data != "choice":
            return
        options, errors = parse_options(field.data)
        if errors:
            raise ValidationError(" ".join(str(message) for message in errors))
        if len(options) < 2:
            raise ValidationError(_l("A choice question needs at least two options, one per line."))
        codes = [option["code"] for option in options]
        if len(set(codes)) != len(codes):
            raise ValidationError(_l("Two options have the same code."))
        self.parsed_options = options

    @classmethod
    def data_of(cls, question: Any) -> dict[str, Any]:
        """The inputs' values for a stored question (or any object with its attributes)."""
        data: dict[str, Any] = {
            "code": question.code,
            "type": question.type,
            "max_words": question.max_words,
            "options": format_options(question.options),
            "required": question.required,
            "identifying": question.identifying,
        }
        data |= BilingualMixin.bilingual_data("label", question.label)
        data |= BilingualMixin.bilingual_data("help", question.help)
        return data

    @classmethod
    def from_question(cls, question: Any) -> QuestionForm:
        return cls(data=cls.data_of(question)).remember(question)

    def values(self) -> dict[str, Any]:
        kind = self.type.data
        return {
            "code": self.code.data,
            "label": self.bilingual("label"),
            "help": self.bilingual("help", optional=True),
            "type": kind,
            "max_words": self.max_words.data if kind == "long-text" else None,
            "options": self.parsed_options if kind == "choice" else None,
            "required": bool(self.required.data),
            "identifying": bool(self.identifying.data),
        }


class ConfirmForm(FlaskForm):
    """An empty form: its CSRF token guards deletions and moves."""


class DeleteForm(VersionedForm, FlaskForm):
    """Confirms a deletion; refused when the record changed since the confirmation page showed it."""


def colour_field(label: Any) -> StringField:
    """A ``#rrggbb`` colour, optional (empty: today's colour); contrast is checked by the service."""
    return StringField(
        label,
        validators=[
            Optional(),
            Regexp(r"^#?[0-9a-fA-F]{6}$", message=COLOUR_MESSAGE),
        ],
        filters=[normalize_colour],
        render_kw={"placeholder": "#0a4aa6", "maxlength": 7, "spellcheck": "false", "autocomplete": "off"},
    )


class BrandForm(VersionedForm, FlaskForm):
    """The edition's brand: two colours and a logo (see :mod:`judging.editions.brand`)."""

    shows = BRAND_FIELDS
    brand_primary = colour_field(_l("Primary colour"))
    brand_accent = colour_field(_l("Accent colour"))
    logo = FileField(_l("Logo (PNG, JPEG or SVG, at most 512 KB)"), render_kw={"accept": LOGO_ACCEPT})
    remove_logo = BooleanField(_l("Remove the logo"))

    @classmethod
    def from_edition(cls, edition: Any) -> BrandForm:
        data = {"brand_primary": edition.brand_primary, "brand_accent": edition.brand_accent}
        return cls(data=data).remember(edition)
