"""The CSV/XLSX writers: formula neutralisation, encoding, values, sheet titles."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import openpyxl
import pytest

from judging.core.exports import neutralise_cell, safe_sheet_title, write_csv, write_xlsx


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+33 1 23", "'+33 1 23"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("plain text", "plain text"),
        ("a=b", "a=b"),
        (" =1", " =1"),
        ("", ""),
        ("'already", "'already"),
        (42, 42),
        (-3, -3),
        (Decimal("-1.5"), Decimal("-1.5")),
        (None, None),
        (True, True),
    ],
)
def test_neutralise_cell(value, expected):
    assert neutralise_cell(value) == expected


COLUMNS = [("ref", "Référence"), ("title", "=Title"), ("n", "Count"), ("when", "When"), ("flag", "Flag")]
ROWS = [
    {
        "ref": "INN-001",
        "title": '=HYPERLINK("http://evil")',
        "n": 3,
        "when": datetime(2026, 3, 2, 15, 4, tzinfo=UTC),
        "flag": True,
    },
    {"ref": "INN-002", "title": "Café\x01 -ligne\nsuivante", "n": None},
]


def test_csv_has_a_bom_crlf_and_neutralised_cells():
    data = write_csv(ROWS, COLUMNS)
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows == [
        ["Référence", "'=Title", "Count", "When", "Flag"],
        ["INN-001", '\'=HYPERLINK("http://evil")', "3", "2026-03-02T15:04:00+00:00", "true"],
        ["INN-002", "Café -ligne\nsuivante", "", "", ""],
    ]


def test_a_control_character_cannot_hide_a_leading_equals_sign():
    rows = list(csv.reader(io.StringIO(write_csv([{"a": "\x01=1+1"}], [("a", "A")]).decode("utf-8-sig"))))
    assert rows[1] == ["'=1+1"]


def test_xlsx_cells_are_strings_never_formulas():
    data = write_xlsx(ROWS, COLUMNS, sheet_title="Candidatures: 2026/1")
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook.active
    assert sheet.title == "Candidatures  2026 1"
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values == [
        ["Référence", "'=Title", "Count", "When", "Flag"],
        ["INN-001", '\'=HYPERLINK("http://evil")', 3, "2026-03-02T15:04:00+00:00", "true"],
        ["INN-002", "Café -ligne\nsuivante", None, None, None],
    ]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold


def test_xlsx_with_no_rows_has_the_header_only():
    sheet = openpyxl.load_workbook(io.BytesIO(write_xlsx([], [("a", "A")]))).active
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [["A"]]


@pytest.mark.parametrize(
    ("title", "expected"),
    [("Applications", "Applications"), ("", "Sheet1"), ("a" * 40, "a" * 31), ("[x]*?", "x")],
)
def test_sheet_titles_are_ones_excel_accepts(title, expected):
    assert safe_sheet_title(title) == expected
