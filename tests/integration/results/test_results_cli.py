"""``judging results EDITION --json``: the spec's document, exactly (spec/edition-format.md, "Results")."""

from __future__ import annotations

import json
import re

from judging.jury.models import CriterionScore
from judging.results import computation as results_service
from tests.scenarios import five_by_four, results_json, shape_edition

SPEC_ROUND_KEYS = {"code", "method", "ranking", "reliability", "juror_offsets"}
ADDED_ROUND_KEYS = {"fingerprint", "offsets_basis", "juror_flags"}
SPEC_ROW_KEYS = ["application", "rank", "tied", "score", "raw_mean", "median", "count", "stdev"]


def test_the_document_is_exactly_the_spec_shape(app, db, make, runner):
    edition, _prize, _rnd = shape_edition(make, db)
    doc = results_json(runner, "shape-2026")
    assert set(doc) == {"edition", "prizes"}
    assert doc["edition"] == "shape-2026"
    [prize] = doc["prizes"]
    assert set(prize) == {"code", "rounds", "finalists"}  # "finalists" is an added field
    assert (prize["code"], prize["finalists"]) == ("innovation", 2)
    [rnd] = prize["rounds"]
    assert set(rnd) == SPEC_ROUND_KEYS | ADDED_ROUND_KEYS
    for row in rnd["ranking"]:
        assert list(row) == SPEC_ROW_KEYS
    assert (rnd["code"], rnd["method"]) == ("preselection", "mean")
    assert rnd["ranking"] == [
        {
            "application": "INN-003",
            "rank": 1,
            "tied": False,
            "score": 100.0,
            "raw_mean": 100.0,
            "median": 100.0,
            "count": 1,
            "stdev": None,
        },
        {
            "application": "INN-001",
            "rank": 2,
            "tied": False,
            "score": 71.25,
            "raw_mean": 71.25,
            "median": 71.25,
            "count": 3,
            "stdev": 13.75,
        },
        # 37.5 and 92.5: sd = 55 / √2 = 38.890872965… → 38.8909
        {
            "application": "INN-002",
            "rank": 3,
            "tied": False,
            "score": 65.0,
            "raw_mean": 65.0,
            "median": 65.0,
            "count": 2,
            "stdev": 38.8909,
        },
    ]
    # D_o = (2268.75/2 + 6050/1) / 5 = 1436.875; D_e = 19375 / 20 = 968.75; α = 1 − D_o/D_e
    assert rnd["reliability"] == {"krippendorff_alpha": -0.4832}
    # leave-one-out: j1 (20.625 − 55)/2, j2 the opposite, j3 0 (INN-003 is alone); j4 counts nothing
    assert rnd["juror_offsets"] == {
        "j1@jury.example": -17.1875,
        "j2@jury.example": 17.1875,
        "j3@jury.example": 0.0,
    }
    assert re.fullmatch(r"[0-9a-f]{64}", rnd["fingerprint"])
    assert rnd["offsets_basis"] == "leave-one-out"
    assert rnd["juror_flags"] == []


def test_non_submitted_scorecards_move_nothing(app, db, make, runner):
    """Deleting every non-counting scorecard leaves the document (fingerprint included) unchanged."""
    from judging.applications.models import Application
    from judging.jury.models import Assignment

    shape_edition(make, db)
    before = results_json(runner, "shape-2026")
    for card in db.query(Assignment).all():
        if card.status != "submitted" or db.get(Application, card.application_id).status != "submitted":
            db.delete(card)
    db.commit()
    assert results_json(runner, "shape-2026") == before


def test_rounding_is_half_up_to_four_decimals(app, db, make, runner):
    edition = make.edition(code="round-2026")
    prize = make.prize(edition, code="rounding")
    rnd = make.round(prize, criteria=0, tie_break=[])
    make.criterion(rnd, code="overall", min_value=0, max_value=100)
    a = make.application(prize, ref="R-1")
    b = make.application(prize, ref="R-2")
    x, y, z = (make.user(email=f"{n}@jury.example", roles=["juror"]) for n in "xyz")
    make.scorecard(rnd, x, a, scores={"overall": "73.4501"})
    make.scorecard(rnd, y, a, scores={"overall": "73.4500"})
    for juror, value in ((x, 10), (y, 20), (z, 20)):
        make.scorecard(rnd, juror, b, scores={"overall": value})
    db.commit()
    [row_a, row_b] = results_json(runner, "round-2026")["prizes"][0]["rounds"][0]["ranking"]
    # 73.45005 exactly: half-up gives 73.4501 (a float round() would give 73.45)
    assert (row_a["application"], row_a["score"], row_a["raw_mean"], row_a["median"]) == (
        "R-1",
        73.4501,
        73.4501,
        73.4501,
    )
    assert row_a["stdev"] == 0.0001  # 0.0001/√2 = 0.0000707…
    # 50/3 = 16.6666… → 16.6667; sd of 10, 20, 20 = √(100/3) = 5.7735026… → 5.7735
    assert (row_b["score"], row_b["median"], row_b["stdev"]) == (16.6667, 20.0, 5.7735)


def test_the_fingerprint_follows_the_inputs(app, db, make, runner):
    edition, _prize, rnd, apps, jurors = five_by_four(make, db)
    first = results_json(runner, edition.code)["prizes"][0]["rounds"][0]["fingerprint"]
    assert first == results_service.round_computation(db, rnd).fingerprint
    assert results_json(runner, edition.code)["prizes"][0]["rounds"][0]["fingerprint"] == first
    score = db.query(CriterionScore).filter_by(value=95).one()
    score.value = 94
    db.commit()
    assert results_json(runner, edition.code)["prizes"][0]["rounds"][0]["fingerprint"] != first


def test_additive_on_a_disconnected_round_names_the_groups(app, db, make, runner):
    matrix = {"J1": {"A": 60, "B": 70}, "J2": {"A": 65, "B": 75}, "J3": {"C": 80, "D": 40}, "J4": {"C": 85}}
    edition, *_ = five_by_four(make, db, method="additive", matrix=matrix, code="split-2026")
    outcome = runner.invoke(args=["results", "split-2026", "--json"])
    assert outcome.exit_code == 0, outcome.output
    rnd = json.loads(outcome.output)["prizes"][0]["rounds"][0]
    assert rnd["ranking"] == []
    assert rnd["error"]["code"] == "disconnected"
    assert rnd["error"]["groups"] == [
        {"applications": ["A", "B"], "jurors": ["j1@jury.example", "j2@jury.example"]},
        {"applications": ["C", "D"], "jurors": ["j3@jury.example", "j4@jury.example"]},
    ]
    assert rnd["reliability"]["krippendorff_alpha"] is not None


def test_unknown_edition_fails_clearly(app, runner):
    outcome = runner.invoke(args=["results", "nope", "--json"])
    assert outcome.exit_code == 1
    assert "No edition with the code 'nope'" in outcome.output


def test_the_table_without_json(app, db, make, runner):
    shape_edition(make, db)
    outcome = runner.invoke(args=["results", "shape-2026"])
    assert outcome.exit_code == 0
    assert "innovation / preselection (mean)" in outcome.output
    assert "INN-003" in outcome.output.splitlines()[1]


def test_a_conflict_recorded_after_scoring_removes_the_scorecard(runner, make, db):
    """Conflicts are checked in every path: a scorecard in conflict never counts, even if it came first."""
    import json as _json

    from judging.core.models import utcnow
    from judging.jury.models import Conflict

    rnd = make.round(criteria=1)
    a = make.application(rnd.prize, ref="A")
    b = make.application(rnd.prize, ref="B")
    honest, partial = make.user(roles=["juror"]), make.user(roles=["juror"])
    make.scorecard(rnd, honest, a, scores={"c1": 5})
    make.scorecard(rnd, honest, b, scores={"c1": 6})
    make.scorecard(rnd, partial, a, scores={"c1": 10})  # would lift A above B
    db.commit()

    def ranking():
        document = _json.loads(runner.invoke(args=["results", rnd.prize.edition.code, "--json"]).output)
        rows = document["prizes"][0]["rounds"][0]["ranking"]
        return [(r["application"], r["count"]) for r in rows]

    assert ranking() == [("A", 2), ("B", 1)]
    conflict = Conflict(user=partial, application=a, source="declared", reason="co-founder")
    db.add(conflict)
    db.commit()
    assert ranking() == [("B", 1), ("A", 1)]
    conflict.lifted_at, conflict.lift_reason = utcnow(), "left the company in 2019"
    db.commit()
    assert ranking() == [("A", 2), ("B", 1)]
