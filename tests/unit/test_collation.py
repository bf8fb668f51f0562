"""Names are sorted by the language's rules (issue 15, item 6): « États-Unis » after « Espagne »."""

from __future__ import annotations

from judging.applications.choices import countries
from judging.core.collation import sort_key


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


def test_a_jury_is_listed_by_name_as_a_dictionary_orders_it(make, db, organizer_client):
    from judging.jury import queries as jury

    prize = make.prize()
    rnd = make.round(prize)
    people = [make.user(name=name, roles=["juror"]) for name in ("Zoé Zhang", "Émile Éthier", "Daniel Dion")]
    make.jury(rnd, *people)
    db.commit()
    assert [m.user.name for m in jury.members(db, rnd)] == ["Daniel Dion", "Émile Éthier", "Zoé Zhang"]
    page = organizer_client.get(
        f"/organizer/editions/{prize.edition_id}/prizes/{prize.id}/rounds/{rnd.id}/jury"
    ).get_data(as_text=True)
    assert page.index("Daniel Dion") < page.index("Émile Éthier") < page.index("Zoé Zhang")
