"""SQL queries and response times of the pages jurors, candidates and organizers use, at two sizes.

A script, not a test (pytest does not collect ``bench_*.py``); ``tests/integration/core/test_query_counts.py``
reuses its page list to check the query counts in the suite. Run::

    .venv/bin/python tests/bench/bench_pages.py \\
        --small postgresql+psycopg://postgres@127.0.0.1/judging_bench_small=gen-1k \\
        --large postgresql+psycopg://postgres@127.0.0.1/judging_bench=gen-100k [--repeat 20]

Each ``URL=CODE`` names a database holding an edition made by ``judging generate``
(``tests/bench/run_all.sh`` makes them). For every page: the number of SQL statements one
request runs (a ``before_cursor_execute`` listener on the engine), then ``--repeat`` requests
through the Flask test client with a logged-in session: median and 95th percentile of the wall
time, and the median CPU time of this process (the app; PostgreSQL's own CPU is not in it).
The query counts must be the same at both sizes: a page whose count grows with the data has an
N+1 somewhere.

One database only (``--large URL=CODE`` without ``--small``) prints that size's table; ``--only
TEXT`` keeps the pages whose name contains it; ``--profile N`` runs N more requests of each page
under ``cProfile`` (CPU clock) and prints where the time goes. The table ends with the CPU per
request of the load test's browse mix (``tests/bench/locustfile.py``: jurors, candidates and
organizers weighted 3 : 2 : 1, each account reading its own pages in turn), estimated from the
pages' medians: the figure to compare with ``bench_load.py``'s CPU per request.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from flask import Flask, url_for  # noqa: E402
from sqlalchemy import event, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

QUERY_LIMIT = 20
#: Left out of the load test's browse mix, measured apart: the jury page of a 25,000-application round.
LEFT_OUT_OF_BROWSE = {"organizer: jury"}
#: Users of each role in the browse mix (locustfile.py's weights).
BROWSE_WEIGHTS = {"juror": 3, "candidate": 2, "organizer": 1}


@dataclass
class Page:
    role: str
    name: str
    endpoint: str
    values: dict[str, Any]
    user_id: int | None
    query_string: str = ""

    def url(self) -> str:
        return url_for(self.endpoint, **self.values) + self.query_string


def page_catalogue(db: Session, code: str) -> list[Page]:
    """The main pages of each role for the edition ``code`` (made by ``judging generate``)."""
    from judging.accounts.models import User
    from judging.applications.models import Application
    from judging.devdata.generate import juror_email, organizer_email
    from judging.editions.models import Edition, Prize, Round
    from judging.jury.models import Assignment
    from judging.jury.rules import IN_THE_RUNNING, OPEN_STATUSES

    edition = db.scalar(select(Edition).where(Edition.code == code))
    if edition is None:
        raise SystemExit(f"No edition {code!r}: run judging generate first.")
    prize = db.scalar(select(Prize).where(Prize.edition_id == edition.id).order_by(Prize.position).limit(1))
    rnd = db.scalar(select(Round).where(Round.prize_id == prize.id, Round.code == "preselection"))
    organizer = db.scalar(select(User.id).where(User.email == organizer_email(code)))
    juror = db.scalar(select(User.id).where(User.email == juror_email(code, 1)))
    card = db.scalar(
        select(Assignment)
        .join(Application, Application.id == Assignment.application_id)
        .where(
            Assignment.juror_id == juror,
            Assignment.round_id == rnd.id,
            Assignment.status != "recused",
            Application.status == IN_THE_RUNNING,  # a withdrawn one is a 404 for its juror
        )
        .order_by(Assignment.status.not_in(OPEN_STATUSES), Assignment.id)  # one to do first, else any
        .limit(1)
    )
    application = db.scalar(
        select(Application)
        .where(
            Application.edition_id == edition.id,
            Application.prize_id == prize.id,
            Application.status == "submitted",
        )
        .order_by(Application.id)
        .limit(1)
    )
    candidate = application.applicant_id
    # The form of a submitted application redirects once judging has opened (what the jury judged
    # stays): the form page is measured on a draft, the one kind a candidate can still edit then.
    draft = db.scalar(
        select(Application)
        .where(Application.edition_id == edition.id, Application.status == "draft")
        .order_by(Application.id)
        .limit(1)
    )
    form_of = draft or application
    # The second prize's preselection is blind (judging.devdata.generate.BLIND_PRIZE): its juror j00002.
    blind_juror = db.scalar(select(User.id).where(User.email == juror_email(code, 2)))
    blind_card = db.execute(
        select(Assignment.round_id, Assignment.application_id)
        .join(Round, Round.id == Assignment.round_id)
        .join(Application, Application.id == Assignment.application_id)
        .where(
            Assignment.juror_id == blind_juror,
            Round.blind.is_(True),
            Assignment.status != "recused",
            Application.status == IN_THE_RUNNING,
        )
        .order_by(Assignment.status.not_in(OPEN_STATUSES), Assignment.id)
        .limit(1)
    ).first()
    e, p, r = edition.id, prize.id, rnd.id
    pages = [
        Page("public", "home", "public.home", {}, None),
        Page("public", "open prizes", "candidate.prizes", {}, None),
        Page("juror", "dashboard", "jury.dashboard", {}, juror),
        Page(
            "juror",
            "scorecard",
            "jury.scorecard",
            {"round_id": r, "application_id": card.application_id},
            juror,
        ),
        Page("juror", "dashboard, blind round", "jury.dashboard", {}, blind_juror),
        Page(
            "juror",
            "scorecard, blind round",
            "jury.scorecard",
            {"round_id": blind_card.round_id, "application_id": blind_card.application_id}
            if blind_card
            else {},
            blind_juror,
        ),
        Page("candidate", "dashboard", "candidate.dashboard", {}, candidate),
        Page("candidate", "open prizes", "candidate.prizes", {}, candidate),
        Page(
            "candidate", "application", "candidate.application", {"application_id": application.id}, candidate
        ),
        Page(
            "candidate",
            "application form",
            "candidate.edit",
            {"application_id": form_of.id},
            form_of.applicant_id,
        ),
        Page("candidate", "my data", "candidate.my_data", {}, candidate),
        Page("organizer", "dashboard", "organizer.dashboard", {}, organizer),
        Page("organizer", "edition", "organizer.edition_view", {"edition_id": e}, organizer),
        Page("organizer", "prize", "organizer.prize_view", {"edition_id": e, "prize_id": p}, organizer),
        Page("organizer", "applications", "organizer.applications", {"edition_id": e}, organizer),
        Page(
            "organizer",
            "applications, search",
            "organizer.applications",
            {"edition_id": e},
            organizer,
            f"?prize={p}&status=submitted&q=a",
        ),
        Page(
            "organizer",
            "application",
            "organizer.application_view",
            {"edition_id": e, "application_id": application.id},
            organizer,
        ),
        Page(
            "organizer", "jury", "organizer.jury", {"edition_id": e, "prize_id": p, "round_id": r}, organizer
        ),
        Page("organizer", "results", "organizer.results_index", {"edition_id": e}, organizer),
        Page(
            "organizer",
            "round results",
            "organizer.round_results",
            {"edition_id": e, "prize_id": p, "round_id": r},
            organizer,
        ),
        Page(
            "organizer",
            "phase",
            "organizer.round_phase",
            {"edition_id": e, "prize_id": p, "round_id": r},
            organizer,
        ),
        Page("organizer", "audit trail", "organizer.audit_trail", {"edition_id": e}, organizer),
        Page("organizer", "people", "organizer.people", {}, organizer),
        Page("organizer", "edition report", "organizer.edition_report", {"edition_id": e}, organizer),
    ]
    return [page for page in pages if page.endpoint != "jury.scorecard" or page.values]


def bench_app(url: str, **config: Any) -> Flask:
    from judging import create_app

    return create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench-secret-key",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "MAIL_SERVER": "",
            "PUBLIC_URL": "http://localhost:5000",  # a production app refuses to start without one
            **config,
        }
    )


@contextmanager
def counting(app: Flask) -> Iterator[list[str]]:
    """Collect the SQL statements the app's engine runs inside the block."""
    from judging.db import get_engine

    statements: list[str] = []

    def listener(_conn, _cursor, statement, _parameters, _context, _executemany) -> None:
        statements.append(statement)

    engine = get_engine(app)
    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def login(client: Any, user_id: int | None) -> None:
    """Put the user's session id (``id:token``, see ``User.get_id``) in the client's session."""
    session_id = None
    if user_id is not None:
        from judging.accounts.models import User
        from judging.db import session

        with client.application.app_context():
            session_id = session.get(User, user_id).get_id()
            session.commit()  # the first call creates the user's session token
    with client.session_transaction() as flask_session:
        flask_session.clear()
        if session_id is not None:
            flask_session["_user_id"] = session_id
            flask_session["_fresh"] = True


def resolve(app: Flask, code: str) -> list[tuple[Page, str]]:
    """The catalogue with each page's URL, skipping endpoints the app does not have (yet)."""
    from judging.db import session

    with app.app_context():
        pages = page_catalogue(session, code)
        with app.test_request_context():
            return [(page, page.url()) for page in pages if page.endpoint in app.view_functions]


def query_counts(app: Flask, code: str) -> dict[str, tuple[int, int, list[str]]]:
    """``{"role: page": (status, statements, the statements)}`` for one request to each page."""
    client = app.test_client()
    out = {}
    for page, url in resolve(app, code):
        login(client, page.user_id)
        client.get(url)  # warm-up: templates compiled, translations loaded
        with counting(app) as statements:
            response = client.get(url)
        out[f"{page.role}: {page.name}"] = (response.status_code, len(statements), list(statements))
    return out


@dataclass
class Timing:
    status: int
    queries: int
    user_id: int | None = None
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.wall)

    @property
    def p95(self) -> float:
        ordered = sorted(self.wall)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)


def time_pages(
    app: Flask, code: str, *, repeat: int, budget: float, only: str = "", profile: int = 0
) -> dict[str, Timing]:
    client = app.test_client()
    out: dict[str, Timing] = {}
    for page, url in resolve(app, code):
        if only not in f"{page.role}: {page.name}":
            continue
        login(client, page.user_id)
        client.get(url)
        with counting(app) as statements:
            response = client.get(url)
        timing = Timing(status=response.status_code, queries=len(statements))
        spent = 0.0
        for _ in range(repeat):
            start, cpu = time.perf_counter(), time.process_time()
            client.get(url)
            wall = time.perf_counter() - start
            timing.wall.append(wall)
            timing.cpu.append(time.process_time() - cpu)
            spent += wall
            if spent > budget:  # a page slower than the budget is timed once or twice only
                break
        timing.user_id = page.user_id
        out[f"{page.role}: {page.name}"] = timing
        print(
            f"  {page.role}: {page.name:<22} {len(timing.wall):>3} requests, "
            f"median {timing.median * 1000:8.1f} ms",
            file=sys.stderr,
        )
        if profile:
            print_profile(client, url, profile, f"{page.role}: {page.name}")
    return out


def print_profile(client: Any, url: str, requests: int, name: str, lines: int = 30) -> None:
    """``requests`` GETs of ``url`` under cProfile (CPU clock): the functions that take the most, with
    what they call."""
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(requests):
        client.get(url)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(lines)
    print(f"\n--- {name}: {requests} requests under cProfile (times include the profiler's own cost)")
    print(out.getvalue())


def browse_mix(timings: dict[str, Timing]) -> float | None:
    """The CPU per request (ms) of the load test's browse mix, from the pages' medians: each role's users
    share its accounts in turn and each account reads its own pages at random (locustfile.Reader)."""
    by_role: dict[str, dict[Any, list[float]]] = {}
    for name, timing in timings.items():
        role = name.split(":")[0]
        if role not in BROWSE_WEIGHTS or name in LEFT_OUT_OF_BROWSE or timing.user_id is None:
            continue
        by_role.setdefault(role, {}).setdefault(timing.user_id, []).append(timing.cpu_median)
    if set(by_role) != set(BROWSE_WEIGHTS):
        return None
    role_mean = {
        role: statistics.mean(statistics.mean(pages) for pages in accounts.values())
        for role, accounts in by_role.items()
    }
    weighted = sum(BROWSE_WEIGHTS[role] * role_mean[role] for role in role_mean)
    return 1000 * weighted / sum(BROWSE_WEIGHTS.values())


def print_one(timings: dict[str, Timing], label: str) -> None:
    print(
        f"\nload average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; {label}; times in ms "
        f"(wall median / 95th percentile, CPU median of the app process)"
    )
    print(f"{'page':<34}{'status':>7}{'SQL':>6}{'med':>9}{'p95':>9}{'cpu':>8}")
    for name, timing in timings.items():
        print(
            f"{name:<34}{timing.status:>7}{timing.queries:>6}{timing.median * 1000:>9.1f}"
            f"{timing.p95 * 1000:>9.1f}{timing.cpu_median * 1000:>8.1f}"
        )


def print_both(results: dict[str, Any], labels: list[str], show_queries: bool) -> None:
    small, large = results["small"], results["large"]
    print(
        f"\nload average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; times in ms "
        f"(wall median / 95th percentile, CPU median of the app process)"
    )
    head = (
        f"{'page':<34}{'status':>7}{'SQL ' + labels[0]:>14}{'SQL ' + labels[1]:>14}{'same':>6}"
        f"{'med':>8}{'p95':>8}{'cpu':>7}{'med':>9}{'p95':>9}{'cpu':>8}"
    )
    print(f"{'':<61}{'':>6}{labels[0]:>23}{labels[1]:>26}")
    print(head)
    problems = 0
    for name, t_small in small.items():
        t_large = large.get(name)
        if t_large is None:
            continue
        same = t_small.queries == t_large.queries
        ok = same and t_large.queries <= QUERY_LIMIT
        problems += not ok
        status = (
            f"{t_small.status}/{t_large.status}" if t_small.status != t_large.status else str(t_small.status)
        )
        print(
            f"{name:<34}{status:>7}{t_small.queries:>14}{t_large.queries:>14}{'yes' if same else 'NO':>6}"
            f"{t_small.median * 1000:>8.1f}{t_small.p95 * 1000:>8.1f}{t_small.cpu_median * 1000:>7.1f}"
            f"{t_large.median * 1000:>9.1f}{t_large.p95 * 1000:>9.1f}{t_large.cpu_median * 1000:>8.1f}"
        )
        if show_queries and not same:
            for label in ("small", "large"):
                print(f"    --- {label}")
                for statement in results[label + "_statements"][name][2]:
                    print("      " + " ".join(statement.split())[:200])
    print(f"\n{problems} page(s) over {QUERY_LIMIT} queries or with a count that grows with the data.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", help="URL=CODE of the small edition's database (optional)")
    parser.add_argument("--large", required=True, help="URL=CODE of the large edition's database")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument(
        "--budget",
        type=float,
        default=20.0,
        help="seconds of requests per page at most (a slower page is timed once)",
    )
    parser.add_argument(
        "--show-queries", action="store_true", help="print the statements of pages whose count differs"
    )
    parser.add_argument("--only", default="", help="the pages whose name contains this text")
    parser.add_argument("--profile", type=int, default=0, help="requests of each page under cProfile")
    args = parser.parse_args()

    results: dict[str, Any] = {}
    labels = []
    for label, spec in (("small", args.small), ("large", args.large)):
        if spec is None:
            continue
        url, _, code = spec.rpartition("=")
        app = bench_app(url)
        print(f"{label}: {code} on {url.rsplit('@', 1)[-1]}", file=sys.stderr)
        results[label] = time_pages(
            app, code, repeat=args.repeat, budget=args.budget, only=args.only, profile=args.profile
        )
        labels.append(code)
        if args.show_queries:
            results[label + "_statements"] = query_counts(app, code)
    if args.small is None:
        print_one(results["large"], labels[0])
    else:
        print_both(results, labels, args.show_queries)
    for label, code in zip([k for k in ("small", "large") if k in results], labels, strict=True):
        mix = browse_mix(results[label])
        if mix is not None:
            print(
                f"browse mix of the load test, {code}: {mix:.1f} ms of the app's CPU per request (estimated)"
            )


if __name__ == "__main__":
    main()
