"""normalize_org_name: the key that makes "Serre Inc." and "serre" one organization."""

import pytest

from judging.applications.engine.names import normalize_org_name, strip_accents


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Serre Inc.", "serre"),
        ("serre", "serre"),
        ("SERRE INC", "serre"),
        ("Groupe Éducatif Lumière ltée", "groupe educatif lumiere"),
        ("Groupe Educatif Lumiere Ltee.", "groupe educatif lumiere"),
        ("Atelier Nordet S.E.N.C.", "atelier nordet"),
        ("Atelier Nordet, senc", "atelier nordet"),
        ("Kovalo Labs LLC", "kovalo labs"),
        ("Kovalo Labs Ltd.", "kovalo labs"),
        ("Brumeval Corp.", "brumeval"),
        ("Brumeval & Co.", "brumeval"),
        ("Brumeval Co. Ltd", "brumeval"),
        ("L'Atelier des Rêves", "l atelier des reves"),
        ("  Ondine   Numérique  ", "ondine numerique"),
        ("Coopérative Co-op Boréale", "cooperative co op boreale"),
        ("Inc.", "inc"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalize_org_name(name, expected):
    assert normalize_org_name(name) == expected


def test_legal_suffix_is_only_removed_at_the_end():
    assert normalize_org_name("Co Lab Montréal") == "co lab montreal"
    assert normalize_org_name("Incubateur Inc") == "incubateur"


def test_different_names_stay_different():
    assert normalize_org_name("Serre Inc.") != normalize_org_name("Serres Inc.")


def test_strip_accents():
    assert strip_accents("Éèêëàçôœ") == "Eeeeacoœ"
