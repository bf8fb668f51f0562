"""What the organizer reads on a round's results page (issue 15, items 5, 7, 8 of
docs/screenshots/README.md): the method sentences, the decided finalists, the leniency figures and
the fingerprint, in French."""

from __future__ import annotations

import html as html_lib
import re

from judging.results.models import RoundResult
from tests.scenarios import FIVE_BY_FOUR, five_by_four, results_url

NBSP = "\u00a0"


def text(html: str) -> str:
    """The page's text: tags dropped, entities decoded, runs of white space (not U+00A0) squashed."""
    return re.sub(r"[ \t\r\n]+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", html)))


def section(html: str, element_id: str, end: str, attribute: str = "id") -> str:
    start = html.index(f'{attribute}="{element_id}"')
    return html[start : html.index(end, start)]


def renamed(matrix: dict, names: dict[str, str]) -> dict:
    return {juror: {names[ref]: score for ref, score in row.items()} for juror, row in matrix.items()}


def test_method_sentences_name_the_swapped_applications_with_their_titles(app, db, make, organizer_client):
    # the mean puts A and B above the line; per-juror standardisation swaps C in for B, keeps A
    edition, prize, rnd, *_ = five_by_four(make, db, method="mean", finalists=2)
    page = text(organizer_client.get(results_url(edition, prize, rnd)).get_data(as_text=True))
    assert (
        f"Cote z par juré·e{NBSP}: Avec la standardisation par juré, "
        "C (Projet C) serait finaliste au lieu de B (Projet B)." in page
    )
    assert f"Médiane{NBSP}: Avec la médiane, les mêmes candidatures seraient finalistes." in page
    assert "Médiane:" not in page and " : Avec" not in page
    # the application kept under both methods is not repeated
    assert "A (Projet A) et" not in page and "au lieu de A" not in page


def test_method_sentences_elide_de_before_a_vowel(app, db, make, organizer_client):
    names = {"A": "ART-1", "B": "INN-2", "C": "TEC-3", "D": "WIT-4", "E": "ZOO-5"}
    matrix = renamed(FIVE_BY_FOUR, names)
    edition, prize, rnd, *_ = five_by_four(make, db, method="mean", finalists=2, matrix=matrix)
    page = text(organizer_client.get(results_url(edition, prize, rnd)).get_data(as_text=True))
    assert "TEC-3 (Projet TEC-3) serait finaliste au lieu d’INN-2 (Projet INN-2)." in page
    assert "au lieu de INN-2" not in page


def test_decided_finalists_are_named_with_their_titles(app, db, make, organizer_client):
    edition, prize, rnd, apps, _ = five_by_four(make, db)
    response = organizer_client.post(
        results_url(edition, prize, rnd, "results/finalists"),
        data={"finalist": [str(apps["A"].id), str(apps["B"].id)], "tie_reason": ""},
    )
    assert response.status_code == 302
    html = organizer_client.get(results_url(edition, prize, rnd)).get_data(as_text=True)
    summary = text(section(html, "decisions-summary", "</div>"))
    assert f"Décidé{NBSP}: 2 finalistes." in summary
    assert "A · Projet A" in summary and "B · Projet B" in summary
    assert "badge" not in section(html, "decisions-summary", "</div>")


def test_leniency_has_one_figure_per_juror_to_one_decimal_with_the_exact_value_on_demand(
    app, db, make, organizer_client
):
    edition, prize, rnd, *_ = five_by_four(make, db)
    html = organizer_client.get(results_url(edition, prize, rnd)).get_data(as_text=True)
    exact = db.query(RoundResult).filter_by(round_id=rnd.id).one().summary["juror_offsets"]
    assert round(exact["l@jury.example"], 4) == 23.75 and round(exact["h@jury.example"], 4) == -34.1667
    table = section(html, "jurors-table", "</table>")
    row_l = section(table, "l@jury.example", "</tr>", "data-juror")
    row_h = section(table, "h@jury.example", "</tr>", "data-juror")
    # the table, the chart and the flag say 23,8 (halves rounded up) and -34,2; the exact value on demand
    assert ">+23,8</td>" in row_l and 'title="Valeur exacte' in row_l and "23,75" in row_l
    assert ">-34,2</td>" in row_h and "-34,1667" in row_h
    assert "23,75<" not in table and "34,1667<" not in table
    chart = section(html, "leniency-chart", "</svg>")
    assert ">+23,8</text>" in chart and ">-34,2</text>" in chart
    explained = text(section(html, "offset-explained", "</p>"))
    assert (
        "+5,0 signifie que le ou la juré·e note 5 points au-dessus des autres jurés en moyenne" in explained
    )


def test_fingerprint_is_short_with_the_full_value_one_click_away(app, db, make, organizer_client):
    edition, prize, rnd, *_ = five_by_four(make, db)
    html = organizer_client.get(results_url(edition, prize, rnd)).get_data(as_text=True)
    full = db.query(RoundResult).filter_by(round_id=rnd.id).one().fingerprint
    assert re.fullmatch(r"[0-9a-f]{64}", full)
    summary = section(html, "live-fingerprint", "</details>")
    shown = re.search(r'<summary><span class="fingerprint-short" title="([0-9a-f]{64})">([^<]+)</span>', html)
    assert shown.group(1) == full
    assert shown.group(2) == f"{full[:4]}{NBSP}{full[4:8]}{NBSP}{full[8:12]}"
    # the full value stays on the page, inside the details element, for verification and copying
    assert re.search(r'<details class="fingerprint">.*?<code id="live-fingerprint"[^>]*>' + full, html, re.S)
    assert summary.startswith('id="live-fingerprint"')
