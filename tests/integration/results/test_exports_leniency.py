"""The jurors' leniency in the results exports: a second sheet of the XLSX, its own CSV."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from judging.jury.models import Assignment
from tests.conftest import login
from tests.scenarios import five_by_four, results_json, results_url

HOSTILE = '=HYPERLINK("http://evil.example","Juror L")'
FRENCH_HEADERS = (
    "Juré·e",
    "Courriel",
    "Écart (points, valeur exacte)",
    "Grilles comptées",
    "Signalé·e pour examen",
    "Pourquoi",
)
ENGLISH_HEADERS = ["Juror", "Email", "Offset (points, exact value)", "Scorecards counted"]
ENGLISH_HEADERS += ["Flagged for review", "Why"]


def _jurors_by_email(runner, edition_code):
    document = results_json(runner, edition_code)["prizes"][0]["rounds"][0]
    return document["juror_offsets"]


def test_the_results_xlsx_has_a_leniency_sheet_with_exact_offsets_and_flags(
    app, db, make, runner, organizer_client
):
    edition, prize, rnd, _apps, jurors = five_by_four(make, db)
    offsets = _jurors_by_email(runner, edition.code)
    response = organizer_client.get(results_url(edition, prize, rnd, "results/export.xlsx"))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.get_data()))
    assert len(workbook.sheetnames) == 2
    sheet = workbook[workbook.sheetnames[1]]
    assert sheet.title == "Indulgence des jurés"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == FRENCH_HEADERS
    by_email = {row[1]: row for row in rows[1:]}
    assert set(by_email) == set(offsets) == {f"{n}@jury.example" for n in ("l", "h", "m1", "m2")}
    for email, offset in offsets.items():
        assert by_email[email][2] == offset  # a number, the exact value of the JSON document
    assert by_email["l@jury.example"][0] == "Juror L"  # a name, not the address
    assert by_email["l@jury.example"][3] == 4 and by_email["h@jury.example"][3] == 3  # recusals do not count
    flags = {row[1]: (row[4], row[5]) for row in rows[1:]}
    assert set(flag for flag, _why in flags.values()) <= {"Oui", "Non"}
    for email, (flag, why) in flags.items():
        assert (flag == "Oui") == bool(why)
    assert rnd.code not in sheet.title and "juror_offsets" not in str(rows)


def test_the_leniency_csv_holds_the_same_table_in_english(app, db, make, runner, client, organizer):
    edition, prize, rnd, _apps, _jurors = five_by_four(make, db)
    offsets = _jurors_by_email(runner, edition.code)
    with client.session_transaction() as flask_session:
        flask_session["lang"] = "en"
    login(client, organizer)
    response = client.get(results_url(edition, prize, rnd, "results/leniency.csv"))
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith('-leniency.csv"')
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0] == ENGLISH_HEADERS
    assert {row[1]: float(row[2]) for row in rows[1:]} == offsets
    assert client.get(results_url(edition, prize, rnd, "results/leniency.pdf")).status_code == 404
    # the ranking CSV stays one table: the ranking
    ranking = client.get(results_url(edition, prize, rnd, "results/export.csv")).get_data()
    assert b"Offset" not in ranking


def test_a_flagged_juror_has_the_reason_with_its_figure(app, db, make, organizer_client):
    matrix = {
        "J1": {"A": 60, "B": 70, "C": 80, "D": 50},
        "J2": {"A": 62, "B": 71, "C": 79, "D": 52},
        "J3": {"A": 61, "B": 69, "C": 81, "D": 49},
        "Harsh": {"A": 10, "B": 5, "C": 12, "D": 8},
    }
    edition, prize, rnd, *_ = five_by_four(make, db, matrix=matrix, code="flag-2026")
    sheet = load_workbook(
        io.BytesIO(organizer_client.get(results_url(edition, prize, rnd, "results/export.xlsx")).get_data())
    ).worksheets[1]
    rows = {row[1]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    harsh = rows["harsh@jury.example"]
    assert harsh[4] == "Oui"
    assert "points" in harsh[5] and "4 candidatures" in harsh[5]  # the figure behind the flag, in words
    assert rows["j1@jury.example"][4] == "Non" and rows["j1@jury.example"][5] is None


def test_a_hostile_juror_name_is_neutralised_in_both_formats(app, db, make, organizer_client):
    edition, prize, rnd, _apps, jurors = five_by_four(make, db)
    jurors["L"].name = HOSTILE
    db.commit()
    csv_text = organizer_client.get(results_url(edition, prize, rnd, "results/leniency.csv")).get_data()
    rows = list(csv.reader(io.StringIO(csv_text.decode("utf-8-sig"))))
    assert [row[0] for row in rows if row[1] == "l@jury.example"] == ["'" + HOSTILE]
    workbook = load_workbook(
        io.BytesIO(organizer_client.get(results_url(edition, prize, rnd, "results/export.xlsx")).get_data())
    )
    names = [row[0] for row in workbook.worksheets[1].iter_rows(min_row=2, values_only=True)]
    assert "'" + HOSTILE in names
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.value


def test_the_leniency_export_is_for_organizers_only(app, db, make, client, juror):
    edition, prize, rnd, *_ = five_by_four(make, db)
    login(client, juror)
    response = client.get(results_url(edition, prize, rnd, "results/leniency.csv"))
    assert response.status_code in (403, 404)
    assert b"jury.example" not in response.get_data()


def test_submitted_scorecards_only_are_counted(app, db, make, organizer_client):
    edition, prize, rnd, apps, jurors = five_by_four(make, db)
    card = db.query(Assignment).filter_by(juror_id=jurors["M1"].id, application_id=apps["A"].id).one()
    card.status = "abstained"
    db.commit()
    rows = list(
        csv.reader(
            io.StringIO(
                organizer_client.get(results_url(edition, prize, rnd, "results/leniency.csv"))
                .get_data()
                .decode("utf-8-sig")
            )
        )
    )
    assert {row[1]: row[3] for row in rows[1:]}["m1@jury.example"] == "3"


def test_sheets_and_criterion_columns_are_named_in_words_not_codes(app, db, make, organizer_client):
    edition, prize, rnd, *_ = five_by_four(make, db)
    results = load_workbook(
        io.BytesIO(organizer_client.get(results_url(edition, prize, rnd, "results/export.xlsx")).get_data())
    )
    assert results.sheetnames == ["Classement", "Indulgence des jurés"]
    url = results_url(edition, prize, rnd, "scorecards/export.xlsx")
    scorecards = load_workbook(io.BytesIO(organizer_client.get(url).get_data()))
    assert scorecards.sheetnames == ["Grilles"]
    headers = [cell.value for cell in scorecards.active[1]]
    assert "Critère overall" in headers and "overall" not in headers
    text = organizer_client.get(results_url(edition, prize, rnd, "scorecards/export.csv")).get_data()
    assert "Critère overall" in next(csv.reader(io.StringIO(text.decode("utf-8-sig"))))


def test_the_french_exports_say_yes_no_names_and_montreal_time_not_codes(app, db, make, organizer_client):
    from datetime import datetime

    from judging.core.clock import utc_to_local

    edition, prize, rnd, apps, jurors = five_by_four(make, db)
    text = organizer_client.get(results_url(edition, prize, rnd, "results/export.csv")).get_data()
    ranking = list(csv.DictReader(io.StringIO(text.decode("utf-8-sig"))))
    assert [row["Au-dessus de la ligne"] for row in ranking] == ["Oui", "Oui", "Non", "Non", "Non"]
    assert {row["Égalité"] for row in ranking} == {"Non"}
    assert ranking[0]["Totaux des jurés"] == "Juror L 95; Juror M1 65; Juror M2 75"
    text = organizer_client.get(results_url(edition, prize, rnd, "scorecards/export.csv")).get_data()
    cards = list(csv.DictReader(io.StringIO(text.decode("utf-8-sig"))))
    assert {row["Statut"] for row in cards} == {"Soumise", "Conflit déclaré"}
    assert {row["Compte"] for row in cards} == {"Oui", "Non"}
    assert "true" not in text.decode() and "submitted" not in text.decode() and "+00:00" not in text.decode()
    card = db.query(Assignment).filter_by(juror_id=jurors["L"].id, application_id=apps["A"].id).one()
    expected = utc_to_local(card.submitted_at).replace(microsecond=0)
    url = results_url(edition, prize, rnd, "scorecards/export.xlsx")
    sheet = load_workbook(io.BytesIO(organizer_client.get(url).get_data())).active
    headers = [cell.value for cell in sheet[1]]
    column = headers.index("Soumise le (heure de Montréal)")
    times = {row[3]: row[column] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0] == "A"}
    assert isinstance(times["l@jury.example"], datetime) and times["l@jury.example"] == expected


def test_a_round_without_scorecards_gives_the_headers_alone(app, db, make, organizer_client):
    edition = make.edition(code="empty-2026")
    prize = make.prize(edition, code="innovation")
    rnd = make.round(prize, criteria=1)
    db.commit()
    response = organizer_client.get(results_url(edition, prize, rnd, "results/leniency.csv"))
    assert response.status_code == 200
    assert list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig")))) == [list(FRENCH_HEADERS)]
    workbook = load_workbook(
        io.BytesIO(organizer_client.get(results_url(edition, prize, rnd, "results/export.xlsx")).get_data())
    )
    assert [list(row) for row in workbook.worksheets[1].iter_rows(values_only=True)] == [list(FRENCH_HEADERS)]


def test_the_results_page_links_to_the_leniency_csv(app, db, make, organizer_client):
    edition, prize, rnd, _apps, _jurors = five_by_four(make, db)
    page = organizer_client.get(results_url(edition, prize, rnd, "results")).get_data(as_text=True)
    link = results_url(edition, prize, rnd, "results/leniency.csv")
    assert f'href="{link}">Indulgence des jurés (CSV)</a>' in page
    rows = list(csv.reader(io.StringIO(organizer_client.get(link).get_data().decode("utf-8-sig"))))
    assert rows[0] == list(FRENCH_HEADERS) and len(rows) == 5
