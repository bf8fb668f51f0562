"""Builders shared by the results tests (this module holds no test of its own).

``five_by_four`` is the worked example of ``tests/unit/test_scoring.py``: 5 applications,
4 jurors, recusals; by the mean the top two are A and B, by per-juror standardisation
C and A. One criterion on 0–100 makes each total equal to the score given.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

FIVE_BY_FOUR = {
    "L": {"A": 95, "B": 75, "D": 75, "E": 75},
    "H": {"C": 50, "D": 40, "E": 30},
    "M1": {"A": 65, "B": 65, "C": 85, "D": 65},
    "M2": {"A": 75, "B": 80, "C": 70},
}


def five_by_four(
    make,
    db,
    *,
    method="mean",
    finalists=2,
    phase="deliberation",
    code="ed-5x4",
    language_of=None,
    matrix=None,
):
    """An edition with one prize, one round and the 5 × 4 matrix; missing cells are recused scorecards."""
    matrix = matrix or FIVE_BY_FOUR
    language_of = language_of or {}
    edition = make.edition(code=code)
    prize = make.prize(edition, code="innovation", finalists=finalists)
    rnd = make.round(prize, criteria=0, method=method, tie_break=[], phase=phase)
    make.criterion(rnd, code="overall", min_value=0, max_value=100, weight=1)
    refs = sorted({ref for row in matrix.values() for ref in row})
    apps = {
        ref: make.application(prize, ref=ref, title=f"Projet {ref}", language=language_of.get(ref, "fr"))
        for ref in refs
    }
    jurors = {
        name: make.user(email=f"{name.lower()}@jury.example", name=f"Juror {name}", roles=["juror"])
        for name in matrix
    }
    make.jury(rnd, *jurors.values())
    for name, row in matrix.items():
        for ref in refs:
            if ref in row:
                make.scorecard(rnd, jurors[name], apps[ref], scores={"overall": row[ref]})
            else:  # a recusal: its extreme score must not count
                make.scorecard(rnd, jurors[name], apps[ref], scores={"overall": 0}, status="recused")
    db.commit()
    return edition, prize, rnd, apps, jurors


def results_json(runner, edition_code: str) -> dict:
    outcome = runner.invoke(args=["results", edition_code, "--json"])
    assert outcome.exit_code == 0, outcome.output
    return json.loads(outcome.output)


class RowParser(HTMLParser):
    """Collects the ``data-*`` attributes of the ranking rows (``tr.result-row``) of a results page."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, str]] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "tr" and "result-row" in (values.get("class") or "").split():
            self.rows.append({k.removeprefix("data-"): v for k, v in values.items() if k.startswith("data-")})


def page_rows(html: str) -> list[dict]:
    """The ranking of a results page, typed like the JSON document."""
    parser = RowParser()
    parser.feed(html)

    def number(text):
        if text == "null":
            return None
        value = float(text)
        return int(value) if re.fullmatch(r"-?\d+", text) else value

    return [
        {
            "application": row["application"],
            "rank": int(row["rank"]),
            "tied": row["tied"] == "true",
            "score": number(row["score"]),
            "raw_mean": number(row["raw-mean"]),
            "median": number(row["median"]),
            "count": int(row["count"]),
            "stdev": number(row["stdev"]),
        }
        for row in parser.rows
    ]


def results_url(edition, prize, rnd, suffix: str = "results") -> str:
    return f"/organizer/editions/{edition.id}/prizes/{prize.id}/rounds/{rnd.id}/{suffix}"
