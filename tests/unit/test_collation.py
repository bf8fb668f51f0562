"""Names are sorted by the language's rules (issue 15, item 6): « États-Unis » after « Espagne »."""

from __future__ import annotations

from judging.collation import sort_key
from judging.services.applications import countries


def test_accented_capitals_sort_with_their_letter():
    names = ["Zimbabwe", "États-Unis", "Espagne", "Éthiopie", "Canada", "Égypte", "estonie"]
    assert sorted(names, key=sort_key("fr")) == [
        "Canada",
        "Égypte",
        "Espagne",
        "estonie",
        "États-Unis",
        "Éthiopie",
        "Zimbabwe",
    ]


def test_the_french_country_list_puts_the_united_states_after_spain():
    names = [name for _code, name in countries("fr")]
    assert names.index("Espagne") < names.index("États-Unis") < names.index("Éthiopie") < names.index("Fidji")
    assert names[-1] == "Zimbabwe"


def test_the_english_country_list_is_alphabetical_too():
    names = [name for _code, name in countries("en")]
    assert names.index("Åland Islands") < names.index("Albania")
    assert names[0] == "Afghanistan"
