"""One label registry: a code reads the same for the candidate and for the organizer.

Each case sets a stored code on one application, then reads the candidate's page of that
application and the organizer's page of it, and looks for the same words as a whole text on both
(once the candidate read « Non admissible » / « Jeune pousse (start-up) » / « Hors Canada » where
the organizer read « Non admissible » / « Jeune pousse » / « International » for the same codes,
and the organizer read the country's code « CA »).
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from flask_babel import force_locale, gettext

from judging.core.labels import code_label
from tests.conftest import login

# (field, code, the words both pages must show in French)
CASES = [
    ("org_type", "startup", "Jeune pousse (start-up)"),
    ("org_type", "sme", "Petite ou moyenne entreprise (PME)"),
    ("org_type", "public", "Organisme public ou parapublic"),
    ("org_type", "large", "Grande entreprise"),
    ("org_type", "nonprofit", "Organisme sans but lucratif"),
    ("org_type", "academic", "Université, cégep ou centre de recherche"),
    ("region", "montreal", "Montréal"),
    ("region", "quebec", "Québec, hors Montréal"),
    ("region", "canada", "Canada, hors Québec"),
    ("region", "international", "Hors Canada"),
    ("status", "ineligible", "Non admissible"),
    ("status", "withdrawn", "Retirée"),
    ("status", "submitted", "Soumise"),
]


def texts(html: str) -> set[str]:
    """Every text node of a page, whitespace collapsed: what a person reads, one piece at a time."""
    return {" ".join(unescape(piece).split()) for piece in re.findall(r">([^<>]+)<", html)} - {""}


@pytest.fixture
def scene(app, db, make, organizer):
    candidate = make.user(roles=["candidate"])
    prize = make.prize()
    application = make.application(prize, applicant=candidate, city="Toronto", country="CA")
    db.commit()
    candidate_client, organizer_client = app.test_client(), app.test_client()
    login(candidate_client, candidate)
    login(organizer_client, organizer)
    return application, candidate_client, organizer_client


def both_pages(scene) -> tuple[set[str], set[str]]:
    application, candidate_client, organizer_client = scene
    mine = candidate_client.get(f"/candidate/applications/{application.id}")
    theirs = organizer_client.get(
        f"/organizer/editions/{application.edition_id}/applications/{application.id}"
    )
    assert mine.status_code == 200 and theirs.status_code == 200
    return texts(mine.get_data(as_text=True)), texts(theirs.get_data(as_text=True))


@pytest.mark.parametrize(("field", "code", "words"), CASES, ids=[f"{f}-{c}" for f, c, _ in CASES])
def test_a_code_reads_the_same_for_the_candidate_and_the_organizer(db, scene, field, code, words):
    application = scene[0]
    setattr(application, field, code)
    db.commit()
    candidate_sees, organizer_sees = both_pages(scene)
    assert words in candidate_sees
    assert words in organizer_sees


def test_the_country_is_named_not_coded_on_both_pages(scene):
    candidate_sees, organizer_sees = both_pages(scene)
    assert "Canada, Toronto" in candidate_sees
    assert "Toronto, Canada" in organizer_sees
    assert not any(re.search(r"\bCA\b", text) for text in candidate_sees | organizer_sees)


SCORECARD_CASES = [("assigned", "À évaluer"), ("abstained", "Abstention"), ("recused", "Conflit déclaré")]


@pytest.mark.parametrize(("status", "words"), SCORECARD_CASES, ids=[s for s, _ in SCORECARD_CASES])
def test_a_scorecard_status_reads_the_same_for_the_juror_and_the_organizer(
    app, db, make, organizer, status, words
):
    juror = make.user(roles=["juror"])
    prize = make.prize()
    rnd = make.round(prize)
    make.jury(rnd, juror)
    make.scorecard(rnd, juror, make.application(prize), status=status)
    db.commit()
    juror_client, organizer_client = app.test_client(), app.test_client()
    login(juror_client, juror)
    login(organizer_client, organizer)
    dashboard = juror_client.get("/jury/")
    jury_page = organizer_client.get(
        f"/organizer/editions/{prize.edition_id}/prizes/{prize.id}/rounds/{rnd.id}/jury"
    )
    assert dashboard.status_code == 200 and jury_page.status_code == 200
    assert words in texts(dashboard.get_data(as_text=True))
    assert words in texts(jury_page.get_data(as_text=True))


def test_the_generic_winner_word_is_the_inclusive_one(app):
    """Where the person is unknown (an outcome badge, a section heading, the winner form's label) the
    word is the inclusive default « Lauréat·e » (issue 15 item 7), never the masculine « Lauréat »."""
    with app.test_request_context(), force_locale("fr"):
        assert code_label("outcome", "winner") == "Lauréat·e"
        assert gettext("Winner") == "Lauréat·e"
