"""Words that depend on the person (``lazy_pgettext``) are extracted and translated like the others.

`judging translations` once dropped them (its extraction did not know the keyword): every French
certificate then said "Winner".
"""

from __future__ import annotations

from flask_babel import force_locale

from judging import create_app
from judging.ceremony.plan import INCLUSIVE, WINNER_OF, WINNER_TITLES
from judging.core import i18n


def test_the_forms_of_address_are_in_the_french_catalog(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}"})
    with app.test_request_context(), force_locale("fr"):
        titles = {key: str(word) for key, word in WINNER_TITLES.items()}
        prizes = {key: str(word) % {"prize": "Prix Femmes en Tech"} for key, word in WINNER_OF.items()}
    assert titles == {"feminine": "Lauréate", "masculine": "Lauréat", INCLUSIVE: "Lauréat·e"}
    assert prizes[INCLUSIVE] == "Lauréat·e du Prix Femmes en Tech"


def test_a_plural_entry_with_an_empty_form_counts_as_untranslated():
    assert i18n.is_complete(("une place", "")) is False
    assert i18n.is_complete(("une place", "%(num)d places")) is True
    assert i18n.is_complete("") is False
