"""Benchmark of the results engine: 25,000 applications × 3 scorecards × 5 criteria.

Run it as a script (pytest does not collect ``bench_*.py``)::

    .venv/bin/python tests/bench/bench_results.py [--applications 25000] [--jurors 300]

For each method it prints the wall time of ``round_results`` (best of
``--repeat`` runs, without tracing) and the peak memory that call allocates
(a separate run under ``tracemalloc``), then the process's peak RSS. Both inputs are timed:
scorecards made one by one (``make_scorecard``, one Fraction each) and the same scorecards in
bulk (``scorecards_from_arrays``, what ``services/results.py`` uses), then ``round_rankings``
(the five other methods of the sensitivity panel, ranks only).
With ``--database URL=CODE`` it also times the DB-backed path (``services/results.py``:
loading the submitted scorecards, the fingerprint, computing the round, the results page's
report with every method, first with an empty cache, then from the cache) on the largest round
of an edition made by ``judging generate``; ``--database-only`` skips the engine's part.
Schulze compares every pair of applications, so it is refused above
``SCHULZE_MAX_CANDIDATES``; it is timed on a final (12 finalists × 15 jurors)
and on a round at that limit.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from judging.results.engine.ranking import SCHULZE_MAX_CANDIDATES  # noqa: E402
from judging.results.engine.scoring import (
    METHODS,
    CriterionSpec,
    Rubric,
    Scorecard,
    ScorecardBatch,
    make_scorecard,
    round_rankings,
    round_results,
    scorecards_from_arrays,
)

CRITERIA = (
    CriterionSpec(code="impact", weight=35, min=0, max=10),
    CriterionSpec(code="innovation", weight=25, min=0, max=10),
    CriterionSpec(code="market", weight=20, min=1, max=5),
    CriterionSpec(code="team", weight=15, min=0, max=10),
    CriterionSpec(code="clarity", weight=5, min=0, max=10, required=False),
)


def generate(*, applications: int, jurors: int, per_application: int, seed: int) -> list[dict[str, Any]]:
    """Raw scores: quality + juror leniency + noise, rounded to the scale; 5 % leave "clarity" out."""
    rng = random.Random(seed)
    leniency = [rng.gauss(0, 1.0) for _ in range(jurors)]
    raw = []
    for a in range(applications):
        quality = rng.gauss(5.5, 1.5)
        for j in rng.sample(range(jurors), per_application):
            scores: dict[str, int | None] = {}
            for spec in CRITERIA:
                low, high = int(spec.min), int(spec.max)
                x = low + (quality + leniency[j] + rng.gauss(0, 1.2)) * (high - low) / 10
                scores[spec.code] = min(high, max(low, round(x)))
            if rng.random() < 0.05:
                scores["clarity"] = None
            raw.append({"application": f"APP-{a:05d}", "juror": f"juror-{j:03d}", "scores": scores})
    return raw


def build(raw: list[dict[str, Any]]) -> list[Scorecard]:
    rubric = Rubric(CRITERIA)
    return [make_scorecard(criteria=rubric, **item) for item in raw]


def arrays(raw: list[dict[str, Any]]) -> dict[str, Any]:
    """The same raw scores as arrays (what a database query gives): codes, labels, values, answered."""
    import numpy as np

    apps = sorted({item["application"] for item in raw})
    jurors = sorted({item["juror"] for item in raw})
    app_code = {label: n for n, label in enumerate(apps)}
    juror_code = {label: n for n, label in enumerate(jurors)}
    codes = [spec.code for spec in CRITERIA]
    return {
        "application_codes": np.array([app_code[item["application"]] for item in raw]),
        "application_labels": apps,
        "juror_codes": np.array([juror_code[item["juror"]] for item in raw]),
        "juror_labels": jurors,
        "values": np.array([[item["scores"].get(c) or 0 for c in codes] for item in raw], dtype=np.int64),
        "answered": np.array([[item["scores"].get(c) is not None for c in codes] for item in raw]),
    }


def build_bulk(columns: dict[str, Any]) -> ScorecardBatch:
    return scorecards_from_arrays(criteria=Rubric(CRITERIA), **columns)


def measure(call: Callable[[], Any], *, repeat: int) -> tuple[float, float, float, Any]:
    """(best wall seconds, best CPU seconds, peak MiB allocated during one traced call, result).

    CPU seconds are the ones to read on a busy machine: wall time then includes waiting for a core.
    """
    best = best_cpu = float("inf")
    result = None
    for _ in range(repeat):
        result = None
        gc.collect()
        start, start_cpu = time.perf_counter(), time.process_time()
        result = call()
        best = min(best, time.perf_counter() - start)
        best_cpu = min(best_cpu, time.process_time() - start_cpu)
    gc.collect()
    tracemalloc.start()
    call()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return best, best_cpu, peak / 2**20, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=25_000)
    parser.add_argument("--jurors", type=int, default=300)
    parser.add_argument("--per-application", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument(
        "--database",
        metavar="URL=CODE",
        help="also time services/results.py on the largest round of a generated edition (PostgreSQL)",
    )
    parser.add_argument(
        "--database-only", action="store_true", help="with --database: skip the engine's part"
    )
    args = parser.parse_args()
    if args.database_only and args.database:
        bench_database(args.database, repeat=args.repeat)
        return

    raw = generate(
        applications=args.applications,
        jurors=args.jurors,
        per_application=args.per_application,
        seed=args.seed,
    )
    seconds, cpu, peak, cards = measure(lambda: build(raw), repeat=1)
    print(
        f"{args.applications:,} applications × {args.per_application} scorecards × {len(CRITERIA)} criteria, "
        f"{args.jurors} jurors: {len(cards):,} scorecards"
    )
    print(f"load average before the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'step':<34}{'wall s':>8}{'CPU s':>8}{'peak MiB':>10}")
    label = f"totals (make_scorecard ×{len(cards):,})"
    print(f"{label:<34}{seconds:>8.3f}{cpu:>8.3f}{peak:>10.1f}")
    columns = arrays(raw)
    seconds, cpu, peak, batch = measure(lambda: build_bulk(columns), repeat=args.repeat)
    label = f"totals (bulk, arrays ×{len(batch):,})"
    print(f"{label:<34}{seconds:>8.3f}{cpu:>8.3f}{peak:>10.1f}")
    assert [batch.total(i) for i in range(0, len(batch), 997)] == [c.total for c in cards[::997]]
    chain = ["criterion:impact", "median", "first-places"]
    codes = [c.code for c in CRITERIA]
    for name, scorecards in (("", cards), (", bulk", batch)):
        for method in METHODS:
            if method == "schulze" and args.applications > SCHULZE_MAX_CANDIDATES:
                if not name:
                    try:
                        round_results(method=method, scorecards=scorecards)
                    except ValueError as refused:
                        print(f"{'schulze (25,000 applications)':<34}{'refused':>8}  {str(refused)[:70]}...")
                continue
            seconds, cpu, peak, _ = measure(
                lambda method=method, scorecards=scorecards: round_results(
                    method=method, scorecards=scorecards, tie_break=chain, criteria_codes=codes
                ),
                repeat=args.repeat,
            )
            print(f"{method + name:<34}{seconds:>8.3f}{cpu:>8.3f}{peak:>10.1f}")
    others = [m for m in METHODS if m != "mean"]
    seconds, cpu, peak, _ = measure(
        lambda: round_rankings(methods=others, scorecards=batch, tie_break=chain, criteria_codes=codes),
        repeat=args.repeat,
    )
    print(f"{'round_rankings (5 others), bulk':<34}{seconds:>8.3f}{cpu:>8.3f}{peak:>10.1f}")

    for label, apps, jurors, per_app in (
        ("schulze, final 12 × 15 jurors", 12, 15, 15),
        (f"schulze, {SCHULZE_MAX_CANDIDATES:,} × 3 (the limit)", SCHULZE_MAX_CANDIDATES, 30, 3),
    ):
        small = build(generate(applications=apps, jurors=jurors, per_application=per_app, seed=args.seed))
        seconds, cpu, peak, _ = measure(
            lambda small=small: round_results(method="schulze", scorecards=small), repeat=args.repeat
        )
        print(f"{label:<34}{seconds:>8.3f}{cpu:>8.3f}{peak:>10.1f}")

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"process peak RSS: {rss:.0f} MiB (includes the generated input)")
    if args.database:
        bench_database(args.database, repeat=args.repeat)


def bench_database(spec: str, *, repeat: int) -> None:
    """The DB-backed path (``services/results.py``) on the largest preselection round of an edition.

    ``spec`` is ``URL=CODE``, an edition made by ``judging generate`` (4 prizes of about 24,000
    submitted applications each at 100,000 applications).
    """
    from sqlalchemy import func, select

    from judging import create_app
    from judging.db import session
    from judging.editions.models import Edition, Prize, Round
    from judging.jury.models import Assignment
    from judging.results import computation as service

    url, _, code = spec.rpartition("=")
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "MAIL_SERVER": ""})
    with app.app_context():
        counted = (
            select(Round, func.count(func.distinct(Assignment.application_id)))
            .join(Prize, Prize.id == Round.prize_id)
            .join(Edition, Edition.id == Prize.edition_id)
            .join(Assignment, Assignment.round_id == Round.id)
            .where(Edition.code == code, Assignment.status == "submitted")
            .group_by(Round.id)
            .order_by(func.count(func.distinct(Assignment.application_id)).desc())
            .limit(1)
        )
        rnd, applications = session.execute(counted).first()
        prize = rnd.prize
        prize_rounds = list(session.scalars(select(Round).where(Round.prize_id == prize.id)))
        cards = service.load_inputs(session, [rnd])[rnd.id].count
        print(
            f"\nservices/results.py on {url.rsplit('@', 1)[-1]}: round {prize.code}/{rnd.code}, "
            f"{applications:,} applications with a submitted scorecard, {cards:,} submitted scorecards"
        )
        print(f"{'step':<34}{'wall s':>8}{'CPU s':>8}{'peak MiB':>10}")
        loaded = service.load_inputs(session, [rnd])[rnd.id]

        def cold_report() -> Any:
            service.round_cache.clear()
            return service.round_report(session, rnd, prize, prize_rounds)

        steps = [
            ("load_inputs (5 queries)", lambda: service.load_inputs(session, [rnd])),
            ("fingerprint (from the arrays)", lambda: service.inputs_fingerprint(loaded)),
            ("scorecards (bulk, exact)", lambda: service.prepare(loaded)),
            (f"round_computation ({rnd.method})", lambda: service.round_computation(session, rnd)),
            ("round_report, every method, cold", cold_report),
            ("round_report, cached", lambda: service.round_report(session, rnd, prize, prize_rounds)),
        ]
        with app.test_request_context():  # the report translates the sensitivity sentences
            for label, call in steps:
                seconds, cpu, peak, _ = measure(call, repeat=repeat)
                print(f"{label:<34}{seconds:>8.3f}{cpu:>8.3f}{peak:>10.1f}")
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"process peak RSS: {rss:.0f} MiB")


if __name__ == "__main__":
    main()
