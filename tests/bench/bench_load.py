"""Load test: locust against gunicorn on PostgreSQL, then a SQL check that nothing was lost.

A script, not a test. Locust runs from its own virtualenv (``--locust``, default
``$BENCH_VENV/bin/locust``, ``BENCH_VENV`` defaulting to ``~/.cache/judging-bench-venv``; never
install it in the project's: it registers pytest fixtures that break the suite)::

    .venv/bin/python tests/bench/bench_load.py \\
        --url postgresql+psycopg://postgres@127.0.0.1/judging_bench --code gen-100k \\
        [--scenarios browse,jurors,rush] [--workers 2] [--compare-workers]

    # the browse figure alone, quickly (about 90 s): 50 readers for 60 s on 2 workers
    .venv/bin/python tests/bench/bench_load.py --url ... --code gen-100k --only browse --users 50 --time 60s

What it does, for each scenario of ``tests/bench/locustfile.py``:

1. starts ``gunicorn -w N 'judging:create_app()'`` on a free loopback port, with CSRF on (the
   users read the token from each form) and the login rate limit lifted
   (``JUDGING_LOGIN_RATE_LIMIT``), mail left in the outbox (no SMTP server);
2. writes the plan (accounts, pages) from the database and runs locust headless for a bounded
   time;
3. prints requests, failures, throughput, median and 95th percentile per request, the CPU
   seconds spent by gunicorn's workers, PostgreSQL and locust (the machine has 2 cores for all)
   and the workers' CPU per request (what does not depend on the machine's load), ``uptime``
   before and after, and each worker's resident memory after the run (RSS, PSS and private
   pages); then one summary line (p50, p95, errors, CPU per request, RSS);
4. checks in the database what the users were told succeeded: every submitted scorecard is
   submitted with exactly the scores sent, every submitted application is submitted with a
   receipt number.

Scenarios: ``browse`` (``--browse-users`` people reading their main pages), ``jurors``
(``--juror-users`` jurors scoring and submitting), ``rush`` (``--rush-users`` candidates each
submitting a draft within one minute). ``--compare-workers`` runs ``browse`` with 1 and 2
gunicorn workers. ``--only`` is ``--scenarios``; ``--users`` sets the users of every scenario run;
``--time`` (``60``, ``60s``, ``2m``) the run time of ``browse`` and ``jurors``. ``--steady`` counts
only the requests made once every user has started (the 50 logins of the first 10 s, about 60 ms
of scrypt each, queue the first pages behind them): the browse figure of a running site.

Before locust starts, each page of the browse plan is read once per worker (templates compiled,
catalogues loaded, connections opened): the figure is the steady state, not the first requests
of a fresh process.
"""

from __future__ import annotations

import argparse
import csv
import http.cookiejar
import json
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, select, text  # noqa: E402

from tests.bench.bench_pages import LEFT_OUT_OF_BROWSE  # noqa: E402

HERE = Path(__file__).resolve().parent
#: Locust's own virtualenv (run_all.sh makes it): $BENCH_VENV, else ~/.cache/judging-bench-venv.
BENCH_VENV = Path(
    os.environ.get("BENCH_VENV")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "judging-bench-venv"
)
TICKS = os.sysconf("SC_CLK_TCK")
#: Pages measured apart (bench_pages.py): the jury page lists one round's 25,000 applications. The round
#: results page reads stored results (issue 14): it is browsed, its results computed before the run.
HEAVY = LEFT_OUT_OF_BROWSE


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def memory_mib(pid: int) -> dict[str, float] | None:
    """A process's resident memory in MiB: ``Rss`` (every page it maps, shared libraries included),
    ``Pss`` (shared pages divided among their users) and ``Private`` (its own pages only);
    None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = {line.split(":")[0]: int(line.split()[1]) for line in text.splitlines()[1:] if ":" in line}
    private = fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0)
    return {"Rss": fields["Rss"] / 1024, "Pss": fields["Pss"] / 1024, "Private": private / 1024}


def children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "--ppid", str(pid), "-o", "pid="], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def postgres_pids() -> list[int]:
    out = subprocess.run(["ps", "-C", "postgres", "-o", "pid="], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


class Gunicorn:
    def __init__(self, url: str, workers: int, log: Path) -> None:
        self.port = free_port()
        env = {
            **os.environ,
            "JUDGING_DATABASE_URL": url,
            "SECRET_KEY": "load-test-secret-key",
            "JUDGING_LOGIN_RATE_LIMIT": "1000000 per minute",
            "JUDGING_UPLOAD_FOLDER": tempfile.mkdtemp(prefix="judging-load-"),
            "MAIL_SERVER": "",
            "JUDGING_PUBLIC_URL": f"http://127.0.0.1:{self.port}",
            "JUDGING_REGISTER_RATE_LIMIT": "1000000 per minute",
            "JUDGING_ACCOUNT_MAIL_RATE_LIMIT": "1000000 per minute",
        }
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "-w",
                str(workers),
                "-b",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "120",
                "--chdir",
                str(ROOT),
                "judging:create_app()",
            ],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        for _ in range(150):
            try:
                urllib.request.urlopen(self.url + "/", timeout=5).read()  # noqa: S310 (loopback)
                break
            except OSError:
                time.sleep(0.2)
        else:
            self.stop()
            raise SystemExit(f"gunicorn did not start: see {log}")
        urllib.request.urlopen(self.url + "/", timeout=5).read()  # noqa: S310

    def workers(self) -> list[int]:
        return children(self.process.pid)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def make_plan(url: str, code: str, scenario: str, users: int) -> dict[str, Any]:
    """Accounts and pages for the scenario, read from the database (judging.devdata.generate's accounts)."""
    from judging.accounts.models import User
    from judging.applications.models import Application
    from judging.db import session
    from judging.devdata.generate import PASSWORD, juror_email
    from judging.editions.models import Edition
    from judging.results import stored
    from tests.bench.bench_pages import bench_app, page_catalogue

    app = bench_app(url)
    with app.app_context():
        edition = session.scalar(select(Edition).where(Edition.code == code))
        accounts: dict[str, list[dict[str, Any]]] = {"juror": [], "candidate": [], "organizer": []}
        if scenario == "browse":
            stored.results_document(session, edition)  # every round's results stored and fresh
            session.commit()
            catalogue = page_catalogue(session, code)
            emails = dict(
                session.execute(
                    select(User.id, User.email).where(
                        User.id.in_([p.user_id for p in catalogue if p.user_id])
                    )
                ).all()
            )
            with app.test_request_context():
                for page in catalogue:
                    name = f"{page.role}: {page.name}"
                    if page.user_id is None or name in HEAVY or page.endpoint not in app.view_functions:
                        continue
                    email = emails[page.user_id]
                    account = next((a for a in accounts[page.role] if a["email"] == email), None)
                    if account is None:
                        account = {"email": email, "pages": []}
                        accounts[page.role].append(account)
                    account["pages"].append({"name": page.name, "url": page.url()})
        elif scenario == "jurors":
            accounts["juror"] = [{"email": juror_email(code, n)} for n in range(1, users + 1)]
        else:
            drafts = session.execute(
                select(Application.id, User.email)
                .join(User, User.id == Application.applicant_id)
                .where(Application.edition_id == edition.id, Application.status == "draft")
                .order_by(Application.id)
                .limit(users)
            ).all()
            if len(drafts) < users:
                print(
                    f"only {len(drafts)} drafts left for the rush (generate the edition again)",
                    file=sys.stderr,
                )
            accounts["candidate"] = [{"email": email, "application_id": app_id} for app_id, email in drafts]
    return {"password": PASSWORD, "accounts": accounts}


def run_locust(
    locust: str,
    host: str,
    scenario: str,
    *,
    users: int,
    spawn_rate: float,
    seconds: int,
    plan: dict,
    env: dict,
    probe: Callable[[], float],
    steady: bool = False,
) -> Run:
    """Run locust headless. ``probe()`` (the workers' CPU seconds) is read once every user has started
    and logged in, so that the CPU per request of the pages is known without the logins' hashing."""
    work = Path(tempfile.mkdtemp(prefix=f"locust-{scenario}-"))
    (work / "plan.json").write_text(json.dumps(plan))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(
        [
            locust,
            "-f",
            str(HERE / "locustfile.py"),
            "--headless",
            "--host",
            host,
            "-u",
            str(users),
            "-r",
            str(spawn_rate),
            "--run-time",
            f"{seconds}s",
            "--stop-timeout",
            "30",
            "--csv",
            str(work / "stats"),
            "--only-summary",
            "--loglevel",
            "WARNING",
            *(["--reset-stats"] if steady else []),
        ],
        env={
            **os.environ,
            **env,
            "LOAD_PLAN": str(work / "plan.json"),
            "LOAD_OUT": str(work / "done.json"),
            "LOAD_SCENARIO": scenario,
        },
        cwd=work,
        stdout=(work / "locust.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    mark: tuple[float, float] | None = None
    settled = time.time() + users / spawn_rate + 5  # every user spawned and logged in
    while process.poll() is None:
        time.sleep(0.5)
        if mark is None and time.time() >= settled and process.poll() is None:
            mark = (time.time(), probe())
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    with (work / "stats_stats.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    done = json.loads((work / "done.json").read_text()) if (work / "done.json").exists() else []
    failures = (work / "stats_failures.csv").read_text() if (work / "stats_failures.csv").exists() else ""
    if failures.count("\n") > 1:
        print(failures, file=sys.stderr)
    requests_at_mark = None
    if mark is not None and (work / "stats_stats_history.csv").exists():
        with (work / "stats_stats_history.csv").open() as handle:
            history = [
                row
                for row in csv.DictReader(handle)
                if row["Name"] == "Aggregated" and float(row["Timestamp"]) <= mark[0]
            ]
        requests_at_mark = int(history[-1]["Total Request Count"]) if history else None
    return Run(rows, done, wall, cpu, None if requests_at_mark is None else (requests_at_mark, mark[1]))


@dataclass
class Run:
    rows: list[dict[str, str]]
    done: list[dict[str, Any]]
    wall: float
    cpu_locust: float
    #: (requests served, workers' CPU seconds) once every user had logged in; None if not read
    mark: tuple[int, float] | None


def verify(url: str, code: str, scenario: str, done: list[dict[str, Any]], plan: dict) -> str:
    """What the users were told succeeded, checked in the database."""
    engine = create_engine(url)
    with engine.connect() as conn:
        if scenario == "jurors":
            lost_cards = lost_scores = 0
            sent = 0
            for item in done:
                parts = item["url"].strip("/").split("/")  # jury/rounds/R/applications/A
                round_id, application_id = int(parts[2]), int(parts[4])
                rows = conn.execute(
                    text(
                        "SELECT a.status, c.code, s.value FROM assignments a "
                        "JOIN users u ON u.id = a.juror_id "
                        "LEFT JOIN criterion_scores s ON s.assignment_id = a.id "
                        "LEFT JOIN criteria c ON c.id = s.criterion_id "
                        "WHERE u.email = :email AND a.round_id = :r AND a.application_id = :a"
                    ),
                    {"email": item["juror"], "r": round_id, "a": application_id},
                ).all()
                stored = {f"score-{code_}": value for _status, code_, value in rows if code_ is not None}
                sent += len(item["scores"])
                if not rows or rows[0][0] != "submitted":
                    lost_cards += 1
                lost_scores += sum(
                    1
                    for name, value in item["scores"].items()
                    if name not in stored or stored[name] != int(value)
                )
            return (
                f"{len(done)} scorecards reported submitted, {lost_cards} not submitted in the database; "
                f"{sent} scores sent, {lost_scores} missing or different"
            )
        if scenario == "rush":
            ids = [a["application_id"] for a in plan["accounts"]["candidate"]]
            reported = {item["application_id"] for item in done}
            stored = dict(
                conn.execute(
                    text(
                        "SELECT id, receipt_number FROM applications "
                        "WHERE status = 'submitted' AND id = ANY(:ids)"
                    ),
                    {"ids": ids},
                ).all()
            )
            lost = [i for i in reported if not stored.get(i)]
            in_minute = sorted(item["at"] for item in done)
            span = in_minute[-1] - in_minute[0] if in_minute else 0
            return (
                f"{len(reported)} submissions reported, {len(stored)} of the {len(ids)} drafts "
                f"submitted with a receipt in the database, {len(lost)} lost; "
                f"submissions spread over {span:.0f} s"
            )
    return "(nothing written)"


def table(rows: list[dict[str, str]], wall: float) -> None:
    print(f"  {'request':<32}{'count':>7}{'fail':>6}{'req/s':>8}{'median ms':>11}{'p95 ms':>9}{'max ms':>9}")
    for row in rows:
        name = row["Name"] if row["Name"] != "Aggregated" else "all requests"
        print(
            f"  {name:<32}{row['Request Count']:>7}{row['Failure Count']:>6}{float(row['Requests/s']):>8.1f}"
            f"{float(row['Median Response Time']):>11.0f}{float(row['95%']):>9.0f}"
            f"{float(row['Max Response Time']):>9.0f}"
        )


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def warm_up(url: str, plan: dict[str, Any], workers: int) -> None:
    """Each browsing account logs in and reads each of its pages ``2 × workers`` times, so that every
    worker has compiled its templates and opened its connections before the measurement."""
    for accounts in plan["accounts"].values():
        for account in accounts:
            if not account.get("pages"):
                continue
            opener = urllib.request.build_opener(
                urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
            )
            form = opener.open(url + "/auth/login", timeout=60).read().decode()  # noqa: S310 (loopback)
            match = CSRF_RE.search(form)
            token = (match.group(1) or match.group(2)) if match else ""
            data = {"email": account["email"], "password": plan["password"], "csrf_token": token}
            opener.open(url + "/auth/login", data=urllib.parse.urlencode(data).encode(), timeout=60).read()  # noqa: S310
            for _ in range(2 * workers):
                for page in account["pages"]:
                    opener.open(url + page["url"], timeout=120).read()  # noqa: S310


def scenario_run(args: argparse.Namespace, scenario: str, workers: int) -> None:
    users = (
        args.users
        or {"browse": args.browse_users, "jurors": args.juror_users, "rush": args.rush_users}[scenario]
    )
    plan = make_plan(args.url, args.code, scenario, users)
    if scenario == "rush":
        users = len(plan["accounts"]["candidate"])
    log = Path(tempfile.gettempdir()) / f"gunicorn-{scenario}-{workers}.log"
    server = Gunicorn(args.url, workers, log)
    env: dict[str, str] = {}
    if scenario == "rush":
        spawn_rate = max(1.0, users / 20)
        rush_at = time.time() + 20 + args.rush_login_seconds
        env = {"LOAD_RUSH_AT": str(rush_at), "LOAD_RUSH_SECONDS": str(args.rush_seconds)}
        seconds = int(rush_at - time.time()) + args.rush_seconds + 30
    else:
        spawn_rate = max(1.0, users / 10)
        seconds = args.seconds
    try:
        if scenario == "browse":
            warm_up(server.url, plan, workers)
        pids = server.workers()
        pg = postgres_pids()
        cpu_app, cpu_pg = cpu_seconds(pids), cpu_seconds(pg)
        load_before, uptime_before = os.getloadavg()[0], uptime()
        run = run_locust(
            args.locust,
            server.url,
            scenario,
            users=users,
            spawn_rate=spawn_rate,
            seconds=seconds,
            plan=plan,
            env=env,
            probe=lambda: cpu_seconds(pids),
            steady=args.steady,
        )
        cpu_end = cpu_seconds(pids)
        cpu_app, cpu_pg = cpu_end - cpu_app, cpu_seconds(pg) - cpu_pg
        memory = [memory_mib(pid) for pid in pids]
        load_after, uptime_after = os.getloadavg()[0], uptime()
    finally:
        server.stop()
    print(
        f"\n{scenario}: {users} users, gunicorn {workers} worker(s), {run.wall:.0f} s; "
        f"CPU s: gunicorn {cpu_app:.0f}, "
        f"PostgreSQL {cpu_pg:.0f}, locust {run.cpu_locust:.0f} (load average before {load_before:.1f}, "
        f"after {load_after:.1f})"
    )
    print(f"  uptime before: {uptime_before}\n  uptime after:  {uptime_after}")
    rss = ", ".join(
        "gone" if mib is None else f"{mib['Rss']:.0f} / {mib['Pss']:.0f} / {mib['Private']:.0f}"
        for mib in memory
    )
    print("  memory per gunicorn worker after the run (RSS / PSS / private, MiB): " + rss)
    table(run.rows, run.wall)
    total = next((row for row in run.rows if row["Name"] == "Aggregated"), None)
    if total is not None:
        count = int(total["Request Count"])
        # with --steady the count leaves the logins out but the CPU does not: no such figure
        per_request = f"{1000 * cpu_app / count:.1f} ms" if count and not args.steady else "-"
        if run.mark is not None and count > run.mark[0]:
            per_page = f"{1000 * (cpu_end - run.mark[1]) / (count - run.mark[0]):.1f} ms"
        else:
            per_page = "-"
        print(
            f"  summary: {scenario}, {workers} worker(s): {count} requests, "
            f"p50 {float(total['Median Response Time']):.0f} ms, "
            f"p95 {float(total['95%']):.0f} ms, errors {total['Failure Count']}; gunicorn CPU per request "
            f"{per_request} (logins included), {per_page} once logged in; RSS {rss.replace(' / ', '/')} MiB; "
            f"load {load_before:.1f} -> {load_after:.1f}"
        )
    print("  check: " + verify(args.url, args.code, scenario, run.done, plan))


def run_time(text: str) -> int:
    """``60``, ``60s``, ``2m`` → seconds."""
    text = text.strip().lower()
    if text.endswith("m"):
        return int(float(text[:-1]) * 60)
    return int(float(text.removesuffix("s")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--code", required=True)
    parser.add_argument(
        "--scenarios", "--only", default="browse,jurors,rush", help="some of browse,jurors,rush"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--compare-workers", action="store_true", help="browse with 1 and with 2 workers")
    parser.add_argument(
        "--users", type=int, default=0, help="users of every scenario run (else the next three)"
    )
    parser.add_argument(
        "--steady",
        action="store_true",
        help="count only the requests made once every user has started (locust --reset-stats): "
        "the logins of the first seconds left out",
    )
    parser.add_argument("--browse-users", type=int, default=50)
    parser.add_argument("--juror-users", type=int, default=200)
    parser.add_argument("--rush-users", type=int, default=500)
    parser.add_argument(
        "--seconds", "--time", type=run_time, default=60, help="run time of browse and jurors (60, 60s, 2m)"
    )
    parser.add_argument(
        "--rush-login-seconds", type=int, default=40, help="time given to the logins before the rush"
    )
    parser.add_argument("--rush-seconds", type=int, default=60, help="the rush: every submission within it")
    parser.add_argument("--locust", default=str(BENCH_VENV / "bin" / "locust"))
    args = parser.parse_args()
    if not Path(args.locust).exists():
        venv = Path(args.locust).parent.parent
        raise SystemExit(f"{args.locust} not found: python3 -m venv {venv} && {venv}/bin/pip install locust")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; edition {args.code}")
    print(f"uptime: {uptime()}")
    if args.compare_workers:
        for workers in (1, 2):
            scenario_run(args, "browse", workers)
    for scenario in args.scenarios.split(","):
        if scenario and not (args.compare_workers and scenario == "browse" and args.workers == 2):
            scenario_run(args, scenario, args.workers)


if __name__ == "__main__":
    main()
