"""The edition report on an edition shaped like the real 2023 one (30/42/25/50, 100 the year before)."""

from __future__ import annotations

import json
from datetime import timedelta

from judging.models import Decision
from tests.factories import aware

SPLIT = {"innovation": 30, "femmes-tech": 42, "litteratie": 25, "decouvrabilite": 50}


def build_2023(make, db):
    previous = make.edition(
        code="mtl-2022", applications_open=aware(2022, 5, 1, 13), applications_close=aware(2022, 8, 15, 3)
    )
    old_prize = make.prize(previous, code="innovation")
    for i in range(100):
        make.application(old_prize, ref=f"OLD-{i:03d}")
    edition = make.edition(
        code="mtl-2023", applications_open=aware(2023, 5, 1, 13), applications_close=aware(2023, 8, 16, 3)
    )
    regions = ["montreal"] * 73 + ["international"] * 39 + ["quebec"] * 32 + ["canada"] * 3
    types = ["startup"] * 60 + ["sme"] * 40 + ["nonprofit"] * 25 + ["academic"] * 12 + ["public"] * 10
    n = 0
    prizes = {}
    for position, (code, count) in enumerate(SPLIT.items()):
        prize = prizes[code] = make.prize(edition, code=code, position=position)
        for _ in range(count):
            make.application(
                prize,
                ref=f"A-{n:03d}",
                region=regions[n],
                org_type=types[n],
                led_by_woman=n < 87,
                status="ineligible" if n % 50 == 7 else "submitted",
            )
            n += 1
    # not received: drafts and withdrawn applications
    make.application(prizes["innovation"], ref="DRAFT-1", status="draft", led_by_woman=True)
    make.application(prizes["innovation"], ref="GONE-1", status="withdrawn", region="montreal")
    apps = {a.ref: a for a in edition_apps(db, edition)}
    for i, prize in enumerate(prizes.values()):
        for k in range(3):
            db.add(Decision(prize=prize, application=apps[f"A-{i * 20 + k:03d}"], outcome="finalist"))
        db.add(Decision(prize=prize, application=apps[f"A-{i * 20:03d}"], outcome="winner"))
    db.add(Decision(prize=prizes["innovation"], application=apps["A-100"], outcome="mention"))
    db.commit()
    return edition


def edition_apps(db, edition):
    from sqlalchemy import select

    from judging.models import Application

    return db.scalars(select(Application).where(Application.edition_id == edition.id)).all()


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
