"""Account forms. Labels and messages are lazy so they follow the person's language."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import EqualTo, InputRequired, Length, StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from judging.accounts.operations import email_problem

LANGUAGE_CHOICES = [("fr", "Français"), ("en", "English")]


def _valid_email(_form, field) -> None:
    """The address rule every account path shares (``accounts.email_problem``)."""
    problem = email_problem(field.data)
    if problem:
        raise StopValidation(str(problem))


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _email_field(label=None):
    return EmailField(
        label or _l("Email address"),
        filters=[_strip],
        validators=[
            InputRequired(message=_l("Enter your email address.")),
            _valid_email,
            Length(max=320),
        ],
        render_kw={"autocomplete": "email"},
    )


class LoginForm(FlaskForm):
    email = _email_field()
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(message=_l("Enter your password."))],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Stay logged in on this device"))


class RegisterForm(FlaskForm):
    name = StringField(
        _l("Full name"),
        validators=[InputRequired(message=_l("Enter your name.")), Length(max=200)],
        render_kw={"autocomplete": "name"},
    )
    email = _email_field()
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(message=_l("Choose a password."))],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Password again"),
        validators=[
            InputRequired(message=_l("Type the password again.")),
            EqualTo("password", message=_l("The two passwords differ.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    language = SelectField(_l("Preferred language"), choices=LANGUAGE_CHOICES)


class EmailOnlyForm(FlaskForm):
    email = _email_field()


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[InputRequired(message=_l("Choose a password."))],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[
            InputRequired(message=_l("Type the password again.")),
            EqualTo("password", message=_l("The two passwords differ.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class ProfileForm(FlaskForm):
    name = StringField(
        _l("Full name"), validators=[InputRequired(message=_l("Enter your name.")), Length(max=200)]
    )
    language = SelectField(_l("Preferred language"), choices=LANGUAGE_CHOICES)


class ChangePasswordForm(SetPasswordForm):
    current = PasswordField(
        _l("Current password"),
        validators=[InputRequired(message=_l("Enter your password."))],
        render_kw={"autocomplete": "current-password"},
    )


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class InviteForm(FlaskForm):
    name = StringField(
        _l("Full name"), validators=[InputRequired(message=_l("Enter a name.")), Length(max=200)]
    )
    email = _email_field()
    roles = MultiCheckboxField(
        _l("Roles"),
        choices=[("juror", _l("Juror")), ("organizer", _l("Organizer"))],
        validators=[InputRequired(message=_l("Choose at least one role."))],
    )
    organization = StringField(_l("Organization"), validators=[Length(max=300)])
    reads = MultiCheckboxField(
        _l("Reads"), choices=[("fr", _l("French")), ("en", _l("English"))], default=["fr", "en"]
    )
    language = SelectField(_l("Language of the invitation"), choices=LANGUAGE_CHOICES)
