"""What the organizer's heavy pages cost at 100,000 applications, in what can be counted.

The indexes of migration 0016, the edition report's statistics in one statement, numbers written
with a kept Babel pattern (the round results page shows about 1,000), collation keys kept per name
(the people page sorts 1,000 staff). Timings are in ``tests/bench/bench_pages.py``, never asserted.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from babel import numbers
from flask_babel import force_locale
from sqlalchemy import inspect

from judging.ceremony.report import edition_stats
from judging.core.collation import collation_key, sorted_by_name
from judging.core.templating import decimal_text, document_number, number_format, number_text, rounded_number
from judging.db import make_engine
from judging.results.views import num
from tests.bench.bench_pages import counting

VALUES = [
    Decimal("7.5"),
    Decimal("0"),
    Decimal("-0.004"),
    Decimal("-3.25"),
    Decimal("-1234.5"),
    Decimal("1234567.891"),
    Decimal("49.495"),
    Decimal("99.99999"),
    Decimal("100"),
    Decimal("0.00005"),
    2.675,
    -7,
    12345678901234567890,
    "81.333333",
]


def _indexes(database_url: str, table: str) -> dict[str, list[str]]:
    engine = make_engine(database_url)
    try:
        return {index["name"]: index["column_names"] for index in inspect(engine).get_indexes(table)}
    finally:
        engine.dispose()


def test_migration_0016_indexes_the_open_scorecards_and_the_edition_counts(database_url):
    assert _indexes(database_url, "assignments")["ix_assignments_round_status_juror"] == [
        "round_id",
        "status",
        "juror_id",
    ]
    assert _indexes(database_url, "applications")["ix_applications_edition_status_counts"] == [
        "edition_id",
        "status",
        "prize_id",
        "region",
        "org_type",
        "led_by_woman_answer",
    ]


def test_the_edition_report_counts_the_applications_in_one_statement(app, db, make):
    edition = make.edition(code="counted")
    first, second = make.prize(edition), make.prize(edition)
    make.application(first, region="montreal", org_type="startup", led_by_woman=True)
    make.application(first, region="quebec", org_type="startup", led_by_woman=False)
    make.application(second, region="montreal", org_type="sme", led_by_woman=True, status="ineligible")
    make.application(second, region=None, org_type=None, led_by_woman=None)
    make.application(second, region="canada", status="withdrawn", led_by_woman=True)
    db.flush()

    with counting(app) as statements:
        stats = edition_stats(db, edition)

    applications = [statement for statement in statements if "FROM applications" in statement]
    assert len(applications) == 1  # five before: the total, per prize, region, type and women
    assert len(statements) == 4  # and the previous edition (none here), the prizes, the outcomes
    assert stats["applications"] == 4
    assert stats["by_prize"] == {first.code: 2, second.code: 2}
    assert stats["by_region"] == {"montreal": 2, "quebec": 1, "canada": 0, "international": 0, "unknown": 1}
    assert stats["by_type"]["startup"] == 2 and stats["by_type"]["sme"] == 1
    assert stats["by_type"]["unknown"] == 1
    assert stats["led_by_woman"] == {"count": 2, "share": 0.5}


def _babel_text(value, places, grouping, babel_locale) -> str:
    """What ``decimal_text`` wrote before: ``numbers.format_decimal`` parsing pattern and locale."""
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if places is not None:
        number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    pattern = ("#,##0" if grouping else "0") + ("." + "0" * places if places else ".####")
    return numbers.format_decimal(number, pattern, locale=babel_locale)


def test_numbers_are_written_as_babel_format_decimal_writes_them(app):
    with app.test_request_context():
        for language, babel_locale in (("fr", "fr_CA"), ("en", "en")):
            with force_locale(language):
                for value in VALUES:
                    for places in (None, 0, 1, 2):
                        for grouping in (True, False):
                            expected = _babel_text(value, places, grouping, babel_locale)
                            assert decimal_text(value, places, grouping=grouping) == expected


def test_numbers_in_french_and_english(app):
    with app.test_request_context():
        with force_locale("fr"):
            assert decimal_text(Decimal("7.5")) == "7,5"
            assert decimal_text(Decimal("-1234.5"), 2) == "-1\u00a0234,50"
            assert decimal_text(0, 2) == "0,00"
            assert str(rounded_number(Decimal("49.495"))) == '<span title="49,495">49,50</span>'
        with force_locale("en"):
            assert decimal_text(Decimal("7.5")) == "7.5"
            assert decimal_text(Decimal("1234567.891"), 1) == "1,234,567.9"
            assert decimal_text(Decimal("-1234.5"), grouping=False) == "-1234.5"


def test_document_numbers_are_written_as_the_results_view_writes_them(app):
    with app.test_request_context():
        for language in ("fr", "en"):
            with force_locale(language):
                for value in [*VALUES, None, 3, 1234567, 0.7051]:
                    assert document_number(value) == num(value)


def test_a_number_is_formatted_once_and_a_pattern_parsed_once_per_language(app):
    number_text.cache_clear()
    number_format.cache_clear()
    with app.test_request_context():
        for _view in range(2):
            for language in ("fr", "en"):
                with force_locale(language):
                    for value in range(300):
                        decimal_text(Decimal(value) / 7, 2)
                        decimal_text(Decimal(value) / 7)
    assert number_text.cache_info()[:2] == (1200, 1200)  # (hits, misses): the second view reads them
    info = number_format.cache_info()
    assert (info.misses, info.hits) == (4, 1196)  # two patterns, two languages


def test_collation_keys_are_computed_once_per_name():
    names = ["Zoé Zhang", "États-Unis", "Espagne", "émile Roy", "Eve Adam", "Zoé Zhang"]
    collation_key.cache_clear()
    first = sorted_by_name(names, str)
    second = sorted_by_name(reversed(names), str)
    assert first == ["émile Roy", "Espagne", "États-Unis", "Eve Adam", "Zoé Zhang", "Zoé Zhang"]
    assert second == first
    info = collation_key.cache_info()
    assert (info.misses, info.hits) == (5, 7)
