"""The table of issue 14, against the current code (ours only: the peer is not installed here).

A script, not a test. Run::

    .venv/bin/python tests/bench/bench_issue_table.py [--sizes 2000 20000] [--gets 10]

The issue measured the organizer's round results page with gunicorn (2 sync workers) on SQLite,
medians of 10 GETs, on one data shape: one prize, 3 submitted scorecards per application, 3
criteria weighted 2 / 1.5 / 1 on 0–5, 20 jurors. For each size this script makes that shape (an
edition of ``judging generate`` with one prize and 20 jurors, its first round cut down to three
criteria of those weights on 0–5, every assigned scorecard submitted and answered), starts
gunicorn on it, logs in as the organizer through the login form, requests the page once (the first
view: it computes and stores the round's results), four times more (both workers warm), then
``--gets`` times, and prints the median and range of the wall time, and the CPU per request of the
two workers (``/proc``, utime + stime: the app's CPU, SQLite's included, since it runs in the
worker); the same for the first view. The machine's load average is printed before and after
each size: the machine is shared.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import delete, insert, select, update  # noqa: E402

from judging.core.migrate import upgrade  # noqa: E402
from tests.bench.bench_load import Gunicorn, cpu_seconds  # noqa: E402
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

    code = f"issue-{applications}"
    app = bench_app(url)
    with app.app_context():
        report = generate_edition(session, code=code, applications=applications, jurors=20, prizes=1)
        prize_id, round_id, cards = _issue_shape(session, report.edition.id)
        session.commit()
        return {
            "edition": report.edition.id,
            "prize": prize_id,
            "round": round_id,
            "cards": cards,
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


def measure(url: str, shape: dict[str, int | str], gets: int) -> dict[str, object]:
    server = Gunicorn(url, 2, Path(tempfile.gettempdir()) / "gunicorn-issue-table.log")
    try:
        opener = login(server.url, str(shape["email"]))
        page = (
            f"{server.url}/organizer/editions/{shape['edition']}/prizes/{shape['prize']}"
            f"/rounds/{shape['round']}/results"
        )
        workers = server.workers()
        started, cpu = time.perf_counter(), cpu_seconds(workers)
        first = opener.open(page).read()
        first_wall, first_cpu = time.perf_counter() - started, cpu_seconds(workers) - cpu
        assert b"<table" in first, "the results page shows no ranking"
        for _ in range(4):  # both workers have served the page (templates compiled) before measuring
            opener.open(page).read()
        cpu, walls = cpu_seconds(workers), []
        for _ in range(gets):
            started = time.perf_counter()
            opener.open(page).read()
            walls.append(time.perf_counter() - started)
        cpu_per_request = (cpu_seconds(workers) - cpu) / gets
    finally:
        server.stop()
    return {"first": first_wall, "first_cpu": first_cpu, "walls": walls, "cpu": cpu_per_request}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument("--gets", type=int, default=10)
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs")
    print(
        "| applications | scorecards | wall per GET: median (range) | CPU per request | first view | load |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | --- |")
    for size in args.sizes:
        url = f"sqlite:///{tempfile.mkdtemp()}/issue-{size}.sqlite"
        upgrade(url)
        shape = make_edition(url, size)
        load_before = os.getloadavg()[0]
        figures = measure(url, shape, args.gets)
        walls = [w * 1000 for w in figures["walls"]]
        print(
            f"| {size:,} | {shape['cards']:,} "
            f"| {statistics.median(walls):.0f} ms ({min(walls):.0f}–{max(walls):.0f}) "
            f"| {figures['cpu'] * 1000:.0f} ms "
            f"| {figures['first'] * 1000:.0f} ms wall, {figures['first_cpu'] * 1000:.0f} ms CPU "
            f"| {load_before:.1f} → {os.getloadavg()[0]:.1f} |"
        )


if __name__ == "__main__":
    main()
