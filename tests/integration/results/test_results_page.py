"""The organizer's results page: agreement with the CLI, cut line, ties, sensitivity, exports, queries."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import event

from judging.db import get_engine
from judging.results.models import mark_stale
from tests.conftest import login
from tests.scenarios import five_by_four, page_rows, results_json, results_url, shape_edition


@pytest.fixture
def english(client):
    with client.session_transaction() as flask_session:
        flask_session["lang"] = "en"
    return client


def test_page_and_cli_agree_on_the_same_data(app, db, make, runner, organizer_client):
    edition, prize, rnd = shape_edition(make, db)
    doc = results_json(runner, edition.code)["prizes"][0]["rounds"][0]
    response = organizer_client.get(results_url(edition, prize, rnd))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert page_rows(html) == doc["ranking"]
    assert len(doc["ranking"]) == 3
    # the numbers people read, in French: 38,8909 and the negative alpha
    assert "38,8909" in html
    assert 'id="alpha">-0,4832<' in html or 'id="alpha">−0,4832<' in html


def test_page_and_cli_agree_under_zscore_with_ties(app, db, make, runner, organizer_client):
    # z-scores: J1 (mean 52.5) A, B +0.78, C −0.26, D −1.31; J2 A, B −0.58, C +1.15; J3 (2 cards) centred: 0
    matrix = {
        "J1": {"A": 60, "B": 60, "C": 50, "D": 40},
        "J2": {"A": 70, "B": 70, "C": 90},
        "J3": {"A": 20, "B": 20},
    }
    edition, prize, rnd, *_ = five_by_four(make, db, method="zscore", matrix=matrix, code="z-2026")
    doc = results_json(runner, "z-2026")["prizes"][0]["rounds"][0]
    rows = page_rows(organizer_client.get(results_url(edition, prize, rnd)).get_data(as_text=True))
    assert rows == doc["ranking"]
    assert [(r["application"], r["rank"], r["tied"]) for r in rows] == [
        ("C", 1, False),
        ("A", 2, True),
        ("B", 2, True),
        ("D", 4, False),
    ]


def test_cut_line_ties_and_drill_down(app, db, make, organizer_client):
    # B and C tie for the second and last finalist place
    matrix = {"J1": {"A": 90, "B": 70, "C": 70, "D": 10}, "J2": {"A": 80, "B": 60, "C": 60, "D": 20}}
    edition, prize, rnd, *_ = five_by_four(make, db, matrix=matrix, code="tie-2026")
    html = organizer_client.get(results_url(edition, prize, rnd)).get_data(as_text=True)
    rows = page_rows(html)
    assert [(r["application"], r["rank"], r["tied"]) for r in rows] == [
        ("A", 1, False),
        ("B", 2, True),
        ("C", 2, True),
        ("D", 4, False),
    ]
    # the cut line comes after the tie (both tied rows are above it), and the tie is called out
    assert (
        html.index('data-application="C"') < html.index('id="cut-line"') < html.index('data-application="D"')
    )
    assert 'id="tie-at-cut"' in html
    assert html.count("table-warning") >= 2
    # each juror's total on drill-down
    assert "Juror J1\u00a0: 90" in html and "Juror J2\u00a0: 80" in html  # French typography


def test_sensitivity_panel_shows_that_standardisation_changes_the_finalists(
    app, db, make, english, organizer
):
    edition, prize, rnd, *_ = five_by_four(make, db, method="mean", finalists=2)
    login(english, organizer)
    html = english.get(results_url(edition, prize, rnd)).get_data(as_text=True)
    assert [r["application"] for r in page_rows(html)][:2] == ["A", "B"]
    assert "With per-juror standardisation, C (Projet C) would be a finalist instead of B (Projet B)." in html
    assert 'data-method="zscore" data-same="false"' in html
    assert 'data-method="median" data-same="true"' in html
    assert "With the median, the same applications would be finalists." in html


def test_leniency_chart_is_svg_with_escaped_labels_and_no_inline_style(app, db, make, organizer_client):
    edition, prize, rnd, apps, jurors = five_by_four(make, db)
    jurors["H"].name = "<script>x()</script>&H"
    db.commit()
    html = organizer_client.get(results_url(edition, prize, rnd)).get_data(as_text=True)
    start = html.index('<svg xmlns="http://www.w3.org/2000/svg" class="leniency-chart')
    svg = html[start : html.index("</svg>", start)]
    assert "<script>" not in html
    assert "&lt;script&gt;x()&lt;/script&gt;&amp;H</text>" in svg
    assert "style=" not in svg
    assert svg.count("<rect") == 4  # one bar per juror
    assert 'fill="#a4262c"' in svg  # the harsh juror's bar, drawn to the left


def test_additive_on_a_disconnected_round_explains_the_groups(app, db, make, english, organizer):
    matrix = {"J1": {"A": 60, "B": 70}, "J2": {"A": 65, "B": 75}, "J3": {"C": 80, "D": 40}, "J4": {"C": 85}}
    edition, prize, rnd, *_ = five_by_four(make, db, method="additive", matrix=matrix, code="split-2026")
    login(english, organizer)
    response = english.get(results_url(edition, prize, rnd))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "this round splits into 2 separate groups" in html
    assert "group 1: applications A, B, jurors j1@jury.example, j2@jury.example" in html
    assert "group 2: applications C, D, jurors j3@jury.example, j4@jury.example" in html


def test_a_tie_break_naming_a_missing_criterion_is_explained(app, db, make, organizer_client):
    edition, prize, rnd, *_ = five_by_four(make, db, code="bad-chain")
    rnd.tie_break = ["criterion:nope"]
    db.commit()
    response = organizer_client.get(results_url(edition, prize, rnd))
    assert response.status_code == 200
    assert 'id="computation-error"' in response.get_data(as_text=True)


def test_exports_neutralise_formulas(app, db, make, organizer_client):
    from judging.jury.models import Assignment

    edition, prize, rnd, apps, jurors = five_by_four(make, db)
    apps["A"].title = '=HYPERLINK("http://evil.example")'
    card = db.query(Assignment).filter_by(juror_id=jurors["L"].id, application_id=apps["A"].id).one()
    card.comment = "+cmd|' /C calc'!A0"
    db.commit()
    response = organizer_client.get(results_url(edition, prize, rnd, "results/export.csv"))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    first = rows[1]
    assert first[2] == "A" and first[3] == '\'=HYPERLINK("http://evil.example")'
    response = organizer_client.get(results_url(edition, prize, rnd, "scorecards/export.csv"))
    text = response.get_data().decode("utf-8-sig")
    assert "'+cmd|' /C calc'!A0" in text
    scorecards = list(csv.DictReader(io.StringIO(text)))
    assert len(scorecards) == 20  # every scorecard, recused ones included
    response = organizer_client.get(results_url(edition, prize, rnd, "results/export.xlsx"))
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.get_data())).active
    assert sheet.cell(row=2, column=4).value == '\'=HYPERLINK("http://evil.example")'
    assert organizer_client.get(results_url(edition, prize, rnd, "results/export.pdf")).status_code == 404


def _count_queries(app, client, url) -> int:
    """SQL statements run by one request, from an empty identity map (nothing comes for free)."""
    from judging.db import session

    session.expunge_all()
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = get_engine(app)
    event.listen(engine, "before_cursor_execute", before)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", before)
    assert response.status_code == 200
    return len(statements)


def _sized_round(make, db, size: int, code: str, *, method="mean"):
    edition = make.edition(code=code)
    prize = make.prize(edition, code="innovation", finalists=3)
    rnd = make.round(
        prize, criteria=2, method=method, tie_break=["criterion:c1", "median"], phase="deliberation"
    )
    jurors = [make.user(roles=["juror"]) for _ in range(4)]
    make.jury(rnd, *jurors)
    for n in range(size):
        application = make.application(prize, ref=f"{code}-{n:03d}")
        for k, juror in enumerate(jurors):
            if (n + k) % 4 == 3:
                make.scorecard(rnd, juror, application, status="recused")
            else:
                make.scorecard(
                    rnd, juror, application, scores={"c1": (n * 3 + k) % 11, "c2": (n + 2 * k) % 11}
                )
    db.commit()
    return edition, prize, rnd


@pytest.mark.parametrize("method", ["mean", "schulze"])
def test_query_count_does_not_grow_with_the_data(app, db, make, organizer_client, method):
    small = _sized_round(make, db, 5, "small", method=method)
    large = _sized_round(make, db, 60, "large", method=method)
    # warm up (first request loads the user and the babel catalog; the rounds' results are stored)
    organizer_client.get(results_url(*small))
    organizer_client.get(results_url(*large))
    assert _count_queries(app, organizer_client, results_url(*small)) == _count_queries(
        app, organizer_client, results_url(*large)
    )
    # the first view after a change computes and stores the round: as many statements at any size
    for _edition, _prize, rnd in (small, large):
        mark_stale(db, round_ids=[rnd.id])
    db.commit()
    organizer_client.get(f"/organizer/editions/{small[0].id}/results")  # the test's commit settles first
    assert _count_queries(app, organizer_client, results_url(*small)) == _count_queries(
        app, organizer_client, results_url(*large)
    )
    for suffix in ("deliberation", "results/export.csv", "scorecards/export.csv"):
        assert _count_queries(app, organizer_client, results_url(*small, suffix)) == _count_queries(
            app, organizer_client, results_url(*large, suffix)
        )


def test_results_index_lists_every_round(app, db, make, organizer_client):
    edition, prize, rnd, *_ = five_by_four(make, db)
    html = organizer_client.get(f"/organizer/editions/{edition.id}/results").get_data(as_text=True)
    assert results_url(edition, prize, rnd) in html
