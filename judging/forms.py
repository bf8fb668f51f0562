"""Forms and form helpers shared by several blueprints."""

from collections.abc import Iterable, Mapping
from typing import Any

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField


class LanguageForm(FlaskForm):
    language = SelectField(choices=[("fr", "Français"), ("en", "English")])
    next = HiddenField()


def add_errors(form: Any, errors: Mapping[str, Iterable[Any]]) -> None:
    """Show a service's refusals (``{field name: [messages]}``) next to the form's fields."""
    for name, messages in errors.items():
        field = form._fields.get(name)
        if field is not None:
            field.errors = [*field.errors, *(str(m) for m in messages)]
