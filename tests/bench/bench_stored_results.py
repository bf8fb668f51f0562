"""Benchmark of the round results page with stored results (issue 14), at two sizes.

A script, not a test (pytest does not collect ``bench_*.py``). Run::

    .venv/bin/python tests/bench/bench_stored_results.py [--sizes 2000 20000] [--repeat 10]
        [--database sqlite:////tmp/bench-stored.sqlite]
    .venv/bin/python tests/bench/bench_stored_results.py --json-only URL=CODE   # an existing edition

For each size it makes an edition with ``judging generate`` (that many applications, 3 scorecards
each, in an empty database: SQLite file by default, or the PostgreSQL URL given), picks its largest
round, and measures through the Flask test client with a logged-in organizer:

- **before**: what every view of the page computed before results were stored
  (``computation.round_report``: loading every counted scorecard, the fingerprint, the round's
  method and the compared methods; the in-process cache warm, as on a second view), against
  **after**: what a view reads now (``stored.page_report`` and one page of 100 rows);
- **warm**: the results page, stored results fresh (median and worst of ``--repeat`` GETs, wall
  and CPU of this process, which is the server; the database's own CPU is not in it);
- **after a change**: a scorecard saved through the scoring service (which marks the round stale),
  then the page (it recomputes and stores the round): median of ``--changes`` rounds;
- the SQL statements of one warm view and of one view after a change;
- whether the edition's stored results document is the fresh ``judging results --json`` document,
  byte for byte;
- ``judging results EDITION --json`` (what the command runs, in this process: the document computed
  afresh and printed as JSON) against a bare numpy pass over the same scores (one SQL query of every
  counted score, weighted totals, a mean per application, ranks, the ranking as JSON): CPU seconds
  of each, best of ``--repeat-json``, and their ratio (the issue asks for at most 3×).

It prints the machine's load average before and after (the machine is shared: figures taken
under load are slower than on an idle machine). Keep runs short: ``--sizes 2000`` alone takes
about a minute, 20,000 about five.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import func, select  # noqa: E402

from judging.core.migrate import upgrade  # noqa: E402
from judging.editions.models import Prize, Round  # noqa: E402
from judging.jury.models import Assignment  # noqa: E402
from judging.results.computation import COUNTED_APPLICATION_STATUSES  # noqa: E402
from tests.bench.bench_pages import bench_app, counting, login  # noqa: E402


def _timed(action) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    action()
    return time.perf_counter() - wall, time.process_time() - cpu


def _largest_round(db, code: str):
    from judging.editions.models import Edition, Prize, Round
    from judging.jury.models import Assignment

    edition = db.scalar(select(Edition).where(Edition.code == code))
    counts = db.execute(
        select(Assignment.round_id, func.count())
        .join(Round, Round.id == Assignment.round_id)
        .join(Prize, Prize.id == Round.prize_id)
        .where(Prize.edition_id == edition.id, Assignment.status == "submitted")
        .group_by(Assignment.round_id)
    ).all()
    round_id, cards = max(counts, key=lambda row: row[1])
    rnd = db.get(Round, round_id)
    return edition, rnd.prize, rnd, cards


def _a_scorecard(db, rnd):
    """A submitted scorecard of the round and new scores for it (each value moved within its scale)."""
    from judging.editions.models import Criterion
    from judging.jury.models import Assignment

    card = db.scalars(
        select(Assignment).where(Assignment.round_id == rnd.id, Assignment.status == "submitted").limit(1)
    ).one()
    criteria = db.scalars(select(Criterion).where(Criterion.round_id == rnd.id)).all()
    values = {score.criterion_id: score.value for score in card.scores}
    scores = {}
    for c in criteria:
        value = values.get(c.id, c.min_value)
        scores[c.code] = str(c.max_value if value != c.max_value else c.min_value)
    return card, scores


def same_documents(app, code: str) -> tuple[bool, int]:
    """Is the stored results document of the edition the fresh one, byte for byte? (and its size)"""
    import json

    from judging.db import session
    from judging.editions.models import Edition
    from judging.results import computation, stored

    with app.app_context():
        edition = session.scalar(select(Edition).where(Edition.code == code))
        fresh = json.dumps(computation.results_document(session, edition), ensure_ascii=False)
        kept = json.dumps(stored.results_document(session, edition), ensure_ascii=False)
        return kept == fresh, len(fresh.encode())


NUMPY_SCORES = """
SELECT a.round_id, a.application_id, c.position, c.weight, c.min_value, c.max_value, s.value
FROM criterion_scores s
JOIN assignments a ON a.id = s.assignment_id
JOIN criteria c ON c.id = s.criterion_id
JOIN applications p ON p.id = a.application_id
JOIN rounds r ON r.id = a.round_id
JOIN prizes z ON z.id = r.prize_id
WHERE z.edition_id = :edition AND a.status = 'submitted' AND p.status IN ({statuses})
"""


def counted_scores(connection, edition_id: int) -> list[Any]:
    """Every counted score of the edition, in one query (what the numpy pass starts from)."""
    statuses = ", ".join(f"'{status}'" for status in COUNTED_APPLICATION_STATUSES)
    query = NUMPY_SCORES.replace(":edition", str(int(edition_id))).format(statuses=statuses)
    return connection.exec_driver_sql(query).fetchall()


def numpy_pass(rows: list[Any]) -> str:
    """The bare minimum of a ranking, in numpy: each scorecard's weighted total on 0–100, the mean
    per application and round, ranks (ties share the best), the ranking as JSON.

    The yardstick of ``judging results --json`` (no fingerprint, no exact fractions, no other
    statistic, no conflict rule beyond the application's status)."""
    import json

    import numpy as np

    if not rows:
        return "[]"
    rounds, apps, _pos, weight, low, high, value = (np.array(c, dtype=float) for c in zip(*rows, strict=True))
    share = weight * (value - low) / (high - low)
    key = rounds.astype(np.int64) * 10**9 + apps.astype(np.int64)
    cells, inverse = np.unique(key, return_inverse=True)
    weights = np.bincount(inverse, weights=weight)  # every card of a cell has the same criteria
    totals = np.bincount(inverse, weights=share) / weights * 100
    cell_round, cell_app = cells // 10**9, cells % 10**9
    order = np.lexsort((-totals, cell_round))
    ranked_total, ranked_round = totals[order], cell_round[order]
    new_group = np.r_[True, ranked_round[1:] != ranked_round[:-1]]
    new_value = new_group | np.r_[True, ranked_total[1:] != ranked_total[:-1]]
    place = np.arange(len(order)) - np.maximum.accumulate(np.where(new_group, np.arange(len(order)), 0))
    rank = np.maximum.accumulate(np.where(new_value, place, 0)) + 1
    return json.dumps(
        [
            {"round": int(r), "application": int(a), "rank": int(k), "score": round(float(t), 4)}
            for r, a, k, t in zip(ranked_round, cell_app[order], rank, ranked_total, strict=True)
        ],
        indent=2,
    )


def json_against_numpy(app, code: str, repeat: int) -> dict[str, float]:
    """CPU seconds of ``judging results CODE --json`` (in this process) and of the numpy pass."""
    import json

    from flask_babel import force_locale

    from judging.db import session
    from judging.editions.models import Edition
    from judging.results import computation

    def command() -> None:
        with force_locale("en"):
            document = computation.results_document(session, edition)
        json.dumps(document, ensure_ascii=False, indent=2)
        session.rollback()

    def bare() -> None:
        with session.get_bind().connect() as connection:
            numpy_pass(counted_scores(connection, edition.id))

    with app.app_context():
        edition = session.scalar(select(Edition).where(Edition.code == code))
        cards = session.scalar(
            select(func.count())
            .select_from(Assignment)
            .join(Round)
            .join(Prize)
            .where(Prize.edition_id == edition.id, Assignment.status == "submitted")
        )
        cli = min(_timed(command)[1] for _ in range(repeat))
        numpy_cpu = min(_timed(bare)[1] for _ in range(repeat))
        with session.get_bind().connect() as connection:
            rows = counted_scores(connection, edition.id)
        arrays_cpu = min(_timed(lambda: numpy_pass(rows))[1] for _ in range(repeat))
    return {"cli_cpu": cli, "numpy_cpu": numpy_cpu, "arrays_cpu": arrays_cpu, "scorecards": cards}


def print_json_against_numpy(figures: dict[str, float]) -> None:
    cli, bare = figures["cli_cpu"], figures["numpy_cpu"]
    print(
        f"  `judging results --json` ({figures['scorecards']:,} submitted scorecards): "
        f"CPU {cli * 1000:.0f} ms; "
        f"bare numpy pass {bare * 1000:.0f} ms "
        f"(of which {figures['arrays_cpu'] * 1000:.0f} ms after the query); "
        f"ratio {cli / bare:.2f}x (target <= 3x); "
        f"load average {os.getloadavg()[0]:.2f}"
    )


def bench_size(
    url: str, applications: int, *, repeat: int, changes: int, repeat_json: int
) -> dict[str, object]:
    from judging.accounts.models import User
    from judging.db import session
    from judging.devdata.generate import generate_edition, organizer_email
    from judging.jury import scoring
    from judging.results import computation, stored

    app = bench_app(url, PUBLIC_URL="http://localhost:5000")
    code = f"bench-{applications}"
    with app.app_context():
        started = time.perf_counter()
        generate_edition(session, code=code, applications=applications, jurors=max(20, applications // 100))
        session.commit()
        generated = time.perf_counter() - started
        edition, prize, rnd, cards = _largest_round(session, code)
        organizer = session.scalar(select(User).where(User.email == organizer_email(code)))
        ids = edition.id, prize.id, rnd.id, organizer.id
        rounds = list(prize.rounds)
        before = [_timed(lambda: computation.round_report(session, rnd, prize, rounds)) for _ in range(3)]
    page = f"/organizer/editions/{ids[0]}/prizes/{ids[1]}/rounds/{ids[2]}/results"
    client = app.test_client()
    login(client, ids[3])
    with counting(app) as statements:
        first = _timed(lambda: client.get(page))  # computes and stores the round
    cold_statements = len(statements)
    with app.app_context():
        rnd, prize = session.get(type(rnd), ids[2]), session.get(type(prize), ids[1])
        rounds = list(prize.rounds)
        read = [
            _timed(lambda: stored.page_report(session, rnd, prize, rounds).load_page(0, 100))
            for _ in range(repeat)
        ]
    warm = [_timed(lambda: client.get(page)) for _ in range(repeat)]
    with counting(app) as statements:
        assert client.get(page).status_code == 200
    warm_statements = len(statements)
    after_change, change_statements = [], 0
    for _ in range(changes):
        with app.app_context(), app.test_request_context():
            rnd_here = session.get(type(rnd), ids[2])
            card, scores = _a_scorecard(session, rnd_here)
            juror = session.get(User, card.juror_id)
            rnd_here.phase, rnd_here.judging_closes_at = "judging", None  # open, so that the juror may save
            scoring.save(session, card, actor=juror, scores=scores, submit=True)
            session.commit()
        with counting(app) as statements:
            after_change.append(_timed(lambda: client.get(page)))
        change_statements = len(statements)
    same, size = same_documents(app, code)
    json_figures = json_against_numpy(app, code, repeat_json)
    return {
        "json_against_numpy": json_figures,
        "same_document": same,
        "document_bytes": size,
        "applications": applications,
        "scorecards": cards,
        "generated_s": generated,
        "before": before,
        "read": read,
        "first": first,
        "warm": warm,
        "after_change": after_change,
        "warm_statements": warm_statements,
        "cold_statements": cold_statements,
        "change_statements": change_statements,
    }


def _ms(values: list[tuple[float, float]], index: int) -> str:
    numbers = [v[index] * 1000 for v in values]
    return f"{statistics.median(numbers):8.1f} ms (worst {max(numbers):.1f})"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--changes", type=int, default=3)
    parser.add_argument("--database", default=None, help="an empty database per size: URL (one size only)")
    parser.add_argument("--repeat-json", type=int, default=3)
    parser.add_argument("--json-only", metavar="URL=CODE", help="only --json against numpy, existing edition")
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")
    if args.json_only:
        url, code = args.json_only.rsplit("=", 1)
        app = bench_app(url, PUBLIC_URL="http://localhost:5000")
        print_json_against_numpy(json_against_numpy(app, code, args.repeat_json))
        return
    for size in args.sizes:
        url = args.database or f"sqlite:///{tempfile.mkdtemp()}/bench-{size}.sqlite"
        upgrade(url)
        figures = bench_size(
            url, size, repeat=args.repeat, changes=args.changes, repeat_json=args.repeat_json
        )
        cards = figures["scorecards"]
        print(f"\n{size:,} applications ({cards:,} submitted scorecards in the largest round)")
        print(f"  generated in {figures['generated_s']:.1f} s")
        rows = [
            ("before: computed per view (cache warm)", figures["before"]),
            ("after: stored results read (one page)", figures["read"]),
            ("first view (computes and stores)", [figures["first"]]),
            ("whole page, warm (stored results read)", figures["warm"]),
            ("first view after a scorecard change", figures["after_change"]),
        ]
        for label, values in rows:
            print(f"  {label:<40} wall {_ms(values, 0)}  cpu {_ms(values, 1)}")
        print(
            f"  statements: warm {figures['warm_statements']}, first view {figures['cold_statements']}, "
            f"after a change {figures['change_statements']}"
        )
        print(
            f"  stored results document = fresh `judging results --json` document: "
            f"{'yes' if figures['same_document'] else 'NO'} ({figures['document_bytes']:,} bytes)"
        )
        print_json_against_numpy(figures["json_against_numpy"])
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
