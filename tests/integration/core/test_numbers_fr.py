"""Numbers as people write them (issue 15, item 5): « 7,5 » stays « 7,5 » in French after saving, the
scorecard removal page says « total 49,50 / 100 », ranking tables show two decimals with the exact
value on demand, and the French results spreadsheet has no English header."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.integration.jury.test_jury_scoring import scene, url  # noqa: F401 (scene is a fixture)
from tests.scenarios import results_url, shape_edition


def set_language(client, language: str) -> None:
    with client.session_transaction() as flask_session:
        flask_session["lang"] = language


def value_of(html: str, field: str) -> str:
    tag = html.split(f'name="{field}"', 1)[1].split(">", 1)[0]
    return tag.split('value="', 1)[1].split('"', 1)[0]


def test_a_decimal_comma_comes_back_as_typed_in_french(juror_client, scene):  # noqa: F811
    card = scene["card"]
    juror_client.post(url(card), data={"score-impact": "7,5", "score-team": "2", "action": "draft"})
    html = juror_client.get(url(card)).get_data(as_text=True)
    assert value_of(html, "score-impact") == "7,5"
    assert "De 0 à 10 · poids 2" in html


def test_the_same_score_reads_with_a_point_in_english(juror_client, scene):  # noqa: F811
    card = scene["card"]
    juror_client.post(url(card), data={"score-impact": "7,5", "score-team": "2", "action": "draft"})
    set_language(juror_client, "en")
    assert value_of(juror_client.get(url(card)).get_data(as_text=True), "score-impact") == "7.5"


def test_the_removal_page_shows_the_total_with_a_comma_in_french(organizer_client, make, db):
    prize = make.prize()
    rnd = make.round(prize, jurors_per_application=2)  # two criteria c1, c2 from 0 to 10, weight 1
    juror = make.user(name="Pia Paquette", roles=["juror"])
    make.jury(rnd, juror)
    application = make.application(prize, ref="INN-012")
    card = make.scorecard(rnd, juror, application, scores={"c1": "4.95", "c2": 5})
    db.commit()
    jury = f"/organizer/editions/{prize.edition_id}/prizes/{prize.id}/rounds/{rnd.id}/jury"
    page = organizer_client.get(f"{jury}/scorecards/{card.id}/remove").get_data(as_text=True)
    assert "(total 49,75 / 100)" in page


def test_ranking_tables_show_two_decimals_and_the_exact_value_on_demand(make, db, organizer_client):
    edition, prize, rnd = shape_edition(make, db)
    html = organizer_client.get(results_url(edition, prize, rnd)).get_data(as_text=True)
    assert '<span title="38,8909">38,89</span>' in html
    set_language(organizer_client, "en")
    html = organizer_client.get(results_url(edition, prize, rnd)).get_data(as_text=True)
    assert '<span title="38.8909">38.89</span>' in html


def test_the_french_results_spreadsheet_has_french_headers_and_exact_numbers(make, db, organizer_client):
    edition, prize, rnd = shape_edition(make, db)
    response = organizer_client.get(results_url(edition, prize, rnd, "results/export.xlsx"))
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    headers = [cell.value for cell in sheet[1]]
    assert headers[4] == "Note (Moyenne)"
    assert not any("mean" in str(header) for header in headers)
    spreads = [row[7] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert 38.8909 in spreads  # the exact value, a number, not text rounded for the eye
