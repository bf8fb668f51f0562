"""The candidate form's country list is rendered by ``QuickSelect``: the same HTML as WTForms' own
``<select>`` (escaping, the chosen option, attributes), written without a ``Markup.format`` per option."""

from __future__ import annotations

import pytest
from wtforms import Form, SelectField

from judging.applications.forms import QuickSelect

CHOICES = [
    ("", "—"),
    ("CA", "Canada"),
    ("X\"<&'", "a<b & \"c\" 'd'"),
    (True, "bool"),
    ("FR", ""),
    ("CI", "Côte d’Ivoire"),
]


def rendered(widget, data, **attributes) -> str:
    class Stock(Form):
        country = SelectField(choices=CHOICES, validate_choice=False)

    class Quick(Form):
        country = SelectField(choices=CHOICES, validate_choice=False, widget=QuickSelect())

    form = (Quick if widget == "quick" else Stock)(data={"country": data})
    return str(form.country(**attributes))


@pytest.mark.parametrize("data", ["CA", "", "X\"<&'", None, "FR", "CI", "ZZ"])
def test_the_quick_select_writes_what_wtforms_writes(data):
    attributes = {"class_": "form-select is-invalid", "aria-describedby": "country-errors", "required": True}
    assert rendered("quick", data, **attributes) == rendered("stock", data, **attributes)


def test_the_chosen_country_is_selected_and_text_is_escaped():
    html = rendered("quick", "X\"<&'")
    chosen = '<option selected value="X&#34;&lt;&amp;&#39;">a&lt;b &amp; &#34;c&#34; &#39;d&#39;</option>'
    assert chosen in html
    assert '<option value="FR">FR</option>' in html  # no label: the value, as WTForms does
    assert html.count("selected") == 1


def test_an_option_with_its_own_attributes_goes_through_wtforms():
    class Quick(Form):
        country = SelectField(
            choices=[("CA", "Canada", {"disabled": True}), ("FR", "France")], widget=QuickSelect()
        )

    assert '<option disabled value="CA">Canada</option><option value="FR">France</option>' in str(
        Quick().country()
    )


def test_the_candidate_form_lists_countries_with_the_quick_select():
    from judging.applications.forms import ApplicationForm

    assert isinstance(ApplicationForm.country.kwargs["widget"], QuickSelect)
