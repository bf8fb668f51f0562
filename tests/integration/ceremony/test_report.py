"""The edition report on an edition shaped like the real 2023 one (30/42/25/50, 100 the year before)."""

from __future__ import annotations

import json
from datetime import timedelta

from tests.factories import aware
from tests.scenarios import SPLIT, build_2023


def test_stats_shaped_like_2023(runner, make, db):
    build_2023(make, db)
    result = runner.invoke(args=["stats", "mtl-2023", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["edition"] == "mtl-2023"
    assert report["applications"] == 147
    assert report["previous_edition"] == "mtl-2022"
    assert report["growth"] == 0.47
    assert report["by_prize"] == SPLIT
    assert report["by_region"] == {"montreal": 73, "quebec": 32, "canada": 3, "international": 39}
    assert report["by_type"] == {
        "startup": 60,
        "sme": 40,
        "large": 0,
        "nonprofit": 25,
        "public": 10,
        "academic": 12,
    }
    assert report["led_by_woman"] == {"count": 87, "share": 0.5918}
    assert (report["finalists"], report["winners"], report["mentions"]) == (12, 4, 1)


def test_first_edition_has_no_growth(runner, make, db):
    edition = make.edition(code="first")
    make.application(make.prize(edition), led_by_woman=None)
    db.commit()
    report = json.loads(runner.invoke(args=["stats", "first"]).output)
    assert report["previous_edition"] is None and report["growth"] is None
    assert report["led_by_woman"] == {"count": 0, "share": 0.0}


def test_previous_edition_is_the_one_that_opened_last_before(runner, make, db):
    base = aware(2020, 5, 1)
    for year in (0, 1, 2):
        make.edition(
            code=f"y{year}",
            applications_open=base + timedelta(days=365 * year),
            applications_close=base + timedelta(days=365 * year + 90),
        )
    db.commit()
    assert json.loads(runner.invoke(args=["stats", "y2"]).output)["previous_edition"] == "y1"


def test_unknown_edition_is_a_clear_error(runner):
    result = runner.invoke(args=["stats", "nope"])
    assert result.exit_code == 1
    assert "No edition with the code 'nope'" in result.output
