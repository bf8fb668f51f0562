"""The table of issue 14, against the current code (ours only: the peer is not installed here).

A script, not a test. Run::

    .venv/bin/python tests/bench/bench_issue_table.py [--sizes 2000 20000] [--gets 10] [--changes 5]
        [--code /path/to/an/older/checkout --code .] [--alternations 2]

The issue measured the organizer's round results page with gunicorn (2 sync workers) on SQLite,
medians of 10 GETs, on one data shape: one prize, 3 submitted scorecards per application, 3
criteria weighted 2 / 1.5 / 1 on 0–5, 20 jurors. For each size this script makes that shape (an
edition of ``judging generate`` with one prize and 20 jurors, its first round cut down to three
criteria of those weights on 0–5, every assigned scorecard submitted and answered), starts
gunicorn on a copy of it, logs in as the organizer through the login form and requests the page:

- **first view**: once, on workers that have served only the login (the round's results are not
  stored yet: it computes and stores them, and the worker pays its first use of the page);
- **warm**: four times more (both workers warm), then ``--gets`` times: median and range of the
  wall time, and the CPU per request of the two workers (``/proc``, utime + stime: the app's CPU,
  SQLite's included, since it runs in the worker);
- **after a change**: ``--changes`` times, one score of the round moved and the round marked stale
  in one transaction (what every write path does, :func:`judging.results.models.mark_stale`),
  then the page (it recomputes and stores the round): median and range of wall and CPU.

``--code DIR`` (repeatable) runs gunicorn on the code of another checkout (``gunicorn --chdir``:
its ``judging`` package is imported first), on the same data; with several, the runs alternate
(``--alternations`` rounds), so that a before/after comparison shares the machine's load. The
machine's load average is printed beside each run: the machine is shared.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import delete, func, insert, select, update  # noqa: E402

from judging.core.migrate import upgrade  # noqa: E402
from tests.bench import bench_load  # noqa: E402
from tests.bench.bench_load import ROOT, Gunicorn, cpu_seconds  # noqa: E402
from tests.bench.bench_pages import bench_app  # noqa: E402

WEIGHTS = ("2", "1.5", "1")  # the issue's three criteria, each on 0–5
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _issue_shape(db, edition_id: int) -> tuple[int, int, int]:
    """Cut the first round of the edition's prize down to the issue's shape; (prize, round, cards)."""
    from judging.editions.models import Criterion, Prize, Round
    from judging.jury.models import Assignment, CriterionScore
    from judging.results.models import RoundResult

    prize = db.scalar(select(Prize).where(Prize.edition_id == edition_id))
    rnd = db.scalar(select(Round).where(Round.prize_id == prize.id).order_by(Round.position, Round.id))
    criteria = list(
        db.scalars(select(Criterion).where(Criterion.round_id == rnd.id).order_by(Criterion.position))
    )
    kept, dropped = criteria[:3], [c.id for c in criteria[3:]]
    db.execute(delete(CriterionScore).where(CriterionScore.criterion_id.in_(dropped)))
    db.execute(delete(Criterion).where(Criterion.id.in_(dropped)))
    cards = list(db.scalars(select(Assignment.id).where(Assignment.round_id == rnd.id)))
    for criterion, weight in zip(kept, WEIGHTS, strict=True):
        db.execute(delete(CriterionScore).where(CriterionScore.criterion_id == criterion.id))
        db.execute(
            update(Criterion)
            .where(Criterion.id == criterion.id)
            .values(weight=weight, min_value=0, max_value=5)
        )
        db.execute(
            insert(CriterionScore),
            [
                # a score per scorecard and criterion, spread over 0–5 as the generated ones are
                {"assignment_id": card, "criterion_id": criterion.id, "value": (card * 7 + criterion.id) % 6}
                for card in cards
            ],
        )
    db.execute(update(Assignment).where(Assignment.round_id == rnd.id).values(status="submitted"))
    db.execute(delete(RoundResult).where(RoundResult.round_id == rnd.id))
    return prize.id, rnd.id, len(cards)


def make_edition(url: str, applications: int) -> dict[str, int | str]:
    from judging.db import session
    from judging.devdata.generate import generate_edition, organizer_email
    from judging.jury.models import Assignment

    code = f"issue-{applications}"
    app = bench_app(url)
    with app.app_context():
        report = generate_edition(session, code=code, applications=applications, jurors=20, prizes=1)
        prize_id, round_id, cards = _issue_shape(session, report.edition.id)
        session.commit()
        first_card = session.scalar(select(func.min(Assignment.id)).where(Assignment.round_id == round_id))
        return {
            "edition": report.edition.id,
            "prize": prize_id,
            "round": round_id,
            "cards": cards,
            "first_card": first_card,
            "email": organizer_email(code),
        }


def login(base: str, email: str) -> urllib.request.OpenerDirector:
    from judging.devdata.generate import PASSWORD

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    form = opener.open(base + "/auth/login").read().decode()
    data = urllib.parse.urlencode(
        {"email": email, "password": PASSWORD, "csrf_token": CSRF.search(form).group(1)}
    )
    opener.open(base + "/auth/login", data=data.encode()).read()
    return opener


def _change_a_score(url: str, round_id: int, assignment_id: int, value: int) -> None:
    """Move one score of the round and mark its stored results stale, in one transaction."""
    from sqlalchemy import create_engine

    from judging.jury.models import CriterionScore
    from judging.results.models import mark_stale

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            update(CriterionScore).where(CriterionScore.assignment_id == assignment_id).values(value=value)
        )
        mark_stale(connection, round_ids=[round_id])
    engine.dispose()


def _timed_get(opener, page: str, workers: list[int]) -> tuple[float, float]:
    started, cpu = time.perf_counter(), cpu_seconds(workers)
    body = opener.open(page).read()
    assert b"<table" in body, "the results page shows no ranking"
    return time.perf_counter() - started, cpu_seconds(workers) - cpu


def measure(url: str, shape: dict[str, int | str], gets: int, changes: int, code: Path) -> dict[str, object]:
    """The first view, ``gets`` warm views and ``changes`` views after a change, on gunicorn running
    the code of the checkout ``code``."""
    bench_load.ROOT = code  # gunicorn --chdir: that checkout's judging package is imported first
    server = Gunicorn(url, 2, Path(tempfile.gettempdir()) / "gunicorn-issue-table.log")
    try:
        opener = login(server.url, str(shape["email"]))
        page = (
            f"{server.url}/organizer/editions/{shape['edition']}/prizes/{shape['prize']}"
            f"/rounds/{shape['round']}/results"
        )
        workers = server.workers()
        first = _timed_get(opener, page, workers)  # computes and stores the round
        for _ in range(4):  # both workers have served the page (templates compiled) before measuring
            opener.open(page).read()
        cpu, walls = cpu_seconds(workers), []
        for _ in range(gets):
            walls.append(_timed_get(opener, page, workers)[0])
        cpu_per_request = (cpu_seconds(workers) - cpu) / gets
        after_change = []
        for n in range(changes):
            _change_a_score(url, int(shape["round"]), int(shape["first_card"]) + n, n % 6)
            after_change.append(_timed_get(opener, page, workers))
    finally:
        server.stop()
        bench_load.ROOT = ROOT
    return {"first": first, "walls": walls, "cpu": cpu_per_request, "after_change": after_change}


def _range(values: list[float]) -> str:
    values = [v * 1000 for v in values]
    return f"{statistics.median(values):.0f} ms ({min(values):.0f}–{max(values):.0f})"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument("--gets", type=int, default=10)
    parser.add_argument("--changes", type=int, default=5)
    parser.add_argument("--code", type=Path, action="append", help="a checkout to run (default: this one)")
    parser.add_argument("--alternations", type=int, default=1)
    args = parser.parse_args()
    codes = [c.resolve() for c in args.code or [ROOT]]
    print(f"{os.cpu_count()} CPUs")
    print(
        "| code | applications | scorecards | warm: wall per GET, median (range) | warm: CPU per request "
        "| first view: wall, CPU | after a change: wall | after a change: CPU | load |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for size in args.sizes:
        folder = tempfile.mkdtemp()
        made = f"sqlite:///{folder}/issue-{size}.sqlite"
        upgrade(made)
        shape = make_edition(made, size)
        for _ in range(args.alternations):
            for code in codes:
                copy = f"{folder}/run.sqlite"
                shutil.copyfile(f"{folder}/issue-{size}.sqlite", copy)  # every run starts from the same data
                load_before = os.getloadavg()[0]
                figures = measure(f"sqlite:///{copy}", shape, args.gets, args.changes, code)
                first_wall, first_cpu = figures["first"]
                changed = figures["after_change"] or [(0.0, 0.0)]
                print(
                    f"| {code.name} | {size:,} | {shape['cards']:,} "
                    f"| {_range(figures['walls'])} | {figures['cpu'] * 1000:.0f} ms "
                    f"| {first_wall * 1000:.0f} ms, {first_cpu * 1000:.0f} ms CPU "
                    f"| {_range([w for w, _c in changed])} | {_range([c for _w, c in changed])} "
                    f"| {load_before:.1f} → {os.getloadavg()[0]:.1f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
