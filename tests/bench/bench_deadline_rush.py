"""Benchmark of the deadline rush: every click made in time is submitted, every receipt leaves once.

A script that prints figures, not a test::

    .venv/bin/python tests/bench/bench_deadline_rush.py \\
        [--url postgresql+psycopg://postgres@127.0.0.1:5432/bench] [--candidates 500] [--workers 2] \\
        [--runs up,outage] [--proxy-stamp]

Each run:

1. empties the database, migrates it, and loads an open edition with ``--candidates`` candidates,
   each with a complete draft (cheap password hashes: the rush is measured, not the logins);
2. starts ``gunicorn -w N 'judging:create_app()'`` (sync workers, or ``--arrival-threads N``:
   ``judging.core.gunicorn_worker.ArrivalThreadWorker`` with N threads) and a real SMTP server
   (aiosmtpd) counting messages per recipient, and the mail sender, ``judging send-mail --watch``
   (or ``judging send-mail`` every second when ``--watch`` does not exist);
3. logs every candidate in through the login form and opens their form (CSRF token, version);
4. moves the deadline to 75 s from now and lets every candidate click "Submit" at a random moment
   between 60 and 30 s before it (``--window 60,30``) (one thread per candidate, plain ``http.client``);
5. prints: clicks, confirmed (302 to the application), stored as submitted in the database, refused
   as late (409), errors, p50/p95 latency, and, once the sender has run, the receipts delivered
   exactly once, twice or more, and missing (counted per recipient at the SMTP server).

Runs: ``up`` (the SMTP server up all along) and ``outage`` (the SMTP server down during the rush,
back ``--outage-after`` seconds after the last click: every receipt must still arrive, once).
``--proxy-stamp`` plays a reverse proxy on loopback: each click carries ``X-Request-Start:
t=<the click's time>`` and the app trusts it (``JUDGING_PROXY_HOPS=1``), as behind nginx with
``proxy_set_header X-Request-Start "t=${msec}"``.
"""

from __future__ import annotations

import argparse
import http.client
import logging
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from aiosmtpd.controller import Controller  # noqa: E402
from sqlalchemy import func, select, text, update  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench"
PASSWORD = "rush-password-2026"
SECRET = "deadline-rush-secret-key"
PUBLIC_URL = "https://awards.example.org"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# The database -------------------------------------------------------------------------------------


def prepare_database(url: str, candidates: int) -> tuple[int, dict[str, int]]:
    """A fresh schema, an open edition, one prize, ``candidates`` people with a complete draft each.

    Returns the edition's id and {email: application id}.
    """
    from werkzeug.security import generate_password_hash

    from judging import create_app
    from judging.core.migrate import upgrade
    from judging.core.models import utcnow
    from judging.db import make_engine, session
    from tests.factories import Factory

    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET, "MAIL_SERVER": "", "PUBLIC_URL": PUBLIC_URL})
    hashed = generate_password_hash(PASSWORD, "pbkdf2:sha256:1000")
    drafts: dict[str, int] = {}
    with app.app_context():
        make = Factory(session)
        edition = make.edition(code="rush-2026", applications_close=utcnow() + timedelta(days=1))
        prize = make.prize(edition, code="innovation", name={"fr": "Prix Innovation", "en": "Innovation"})
        for n in range(candidates):
            person = make.user(email=f"rush{n:04d}@example.org", language="fr", password=None)
            person.password_hash = hashed
            application = make.application(
                prize,
                applicant=person,
                status="draft",
                ref=f"INN-{n + 1:03d}",
                summary="Une serre urbaine qui nourrit le quartier.",
                contact_name=f"Personne {n}",
                consent_at=utcnow(),
                publication_consent=True,
            )
            session.flush()
            drafts[person.email] = application.id
        session.commit()
        edition_id = edition.id
    from judging.db import get_engine

    get_engine(app).dispose()
    return edition_id, drafts


def set_deadline(url: str, edition_id: int, deadline: datetime) -> None:
    from judging.db import make_engine
    from judging.editions.models import Edition

    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            update(Edition)
            .where(Edition.id == edition_id)
            .values(applications_close=deadline, version=Edition.version + 1)
        )
    engine.dispose()


def stored(url: str) -> dict[str, int]:
    """Applications by status, and receipts still waiting in the outbox."""
    from judging.applications.models import Application
    from judging.db import make_engine
    from judging.mail.models import OutgoingMail

    engine = make_engine(url)
    with engine.connect() as conn:
        counts = dict(
            conn.execute(select(Application.status, func.count()).group_by(Application.status)).all()
        )
        waiting = conn.scalar(
            select(func.count())
            .select_from(OutgoingMail)
            .where(OutgoingMail.template == "application_submitted", OutgoingMail.sent_at.is_(None))
        )
        submitted_ids = set(conn.scalars(select(Application.id).where(Application.status == "submitted")))
    engine.dispose()
    return {**counts, "receipts_waiting": waiting or 0, "submitted_ids": submitted_ids}


# The SMTP server ----------------------------------------------------------------------------------


class Sink:
    """aiosmtpd on a fixed port, counting messages per recipient; can be stopped and started again."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.received: Counter[str] = Counter()
        self.controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        for rcpt in envelope.rcpt_tos:
            self.received[rcpt.lower()] += 1
        return "250 OK"

    def start(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


# The application and the mail sender ---------------------------------------------------------------


def app_environment(url: str, smtp_port: int, proxy: bool) -> dict[str, str]:
    return {
        **os.environ,
        "JUDGING_DATABASE_URL": url,
        "SECRET_KEY": SECRET,
        "JUDGING_PUBLIC_URL": PUBLIC_URL,
        "JUDGING_LOGIN_RATE_LIMIT": "1000000 per minute",
        "JUDGING_UPLOAD_FOLDER": tempfile.mkdtemp(prefix="judging-rush-"),
        "JUDGING_PROXY_HOPS": "1" if proxy else "0",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_port),
    }


class Gunicorn:
    def __init__(self, env: dict[str, str], workers: int, log: Path, *, threads: int = 0) -> None:
        self.port = free_port()
        self.log = log.open("w")
        worker_class = (
            ["-k", "judging.core.gunicorn_worker.ArrivalThreadWorker", "--threads", str(threads)]
            if threads
            else []
        )
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "-w",
                str(workers),
                *worker_class,
                "-b",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "120",
                "--backlog",
                "2048",
                "--chdir",
                str(ROOT),
                "judging:create_app()",
            ],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        for _ in range(150):
            try:
                request(self.port, "GET", "/auth/login")
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit(f"gunicorn did not start: see {log}")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


class MailSender:
    """``judging send-mail --watch`` when it exists, else ``judging send-mail`` every second."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        judging = str(Path(sys.executable).with_name("judging"))
        helptext = subprocess.run([judging, "send-mail", "--help"], capture_output=True, text=True, env=env)
        self.watch = "--watch" in helptext.stdout
        self.log = log.open("w")
        self.stopping = threading.Event()
        if self.watch:
            self.process = subprocess.Popen(
                [judging, "send-mail", "--watch"], env=env, stdout=self.log, stderr=subprocess.STDOUT
            )
        else:
            self.thread = threading.Thread(target=self._loop, args=(judging, env), daemon=True)
            self.thread.start()

    def _loop(self, judging: str, env: dict[str, str]) -> None:
        while not self.stopping.is_set():
            subprocess.run([judging, "send-mail"], env=env, stdout=self.log, stderr=subprocess.STDOUT)
            self.stopping.wait(1)

    def stop(self) -> None:
        self.stopping.set()
        if self.watch:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        else:
            self.thread.join(timeout=60)
        self.log.close()


# The candidates ---------------------------------------------------------------------------------------


def request(port: int, method: str, path: str, *, body: str | None = None, headers: dict | None = None):
    """(status, headers, text) of one request on a new connection (as a browser's first one)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


class FormFields(HTMLParser):
    """The values a browser would send for the application form (no files, no buttons)."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("file", "submit", "button"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.data[name] = a.get("value") or "y"
            else:
                self.data[name] = a.get("value") or ""
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select] = a.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data


@dataclass
class Candidate:
    email: str
    application_id: int
    cookie: str = ""
    form: dict[str, str] = field(default_factory=dict)
    clicked_at: float = 0.0
    status: int = 0
    location: str = ""
    latency: float = 0.0
    error: str = ""

    def _cookie_from(self, headers) -> None:
        for value in headers.get_all("Set-Cookie") or []:
            if value.startswith("session="):
                self.cookie = value.split(";", 1)[0]

    def log_in_and_open_the_form(self, port: int) -> None:
        _status, headers, page = request(port, "GET", "/auth/login")
        self._cookie_from(headers)
        body = urllib.parse.urlencode(
            {"email": self.email, "password": PASSWORD, "csrf_token": CSRF_RE.search(page).group(1)}
        )
        status, headers, _page = request(
            port,
            "POST",
            "/auth/login",
            body=body,
            headers={"Cookie": self.cookie, "Content-Type": "application/x-www-form-urlencoded"},
        )
        if status != 302:
            raise RuntimeError(f"login of {self.email}: {status}")
        self._cookie_from(headers)
        status, headers, page = request(
            port,
            "GET",
            f"/candidate/applications/{self.application_id}/edit",
            headers={"Cookie": self.cookie},
        )
        if status != 200:
            raise RuntimeError(f"form of {self.email}: {status}")
        self._cookie_from(headers)
        reader = FormFields()
        reader.feed(page)
        self.form = {**reader.data, "action": "submit"}

    def click_submit(self, port: int, proxy_stamp: bool) -> None:
        headers = {"Cookie": self.cookie, "Content-Type": "application/x-www-form-urlencoded"}
        self.clicked_at = time.time()
        if proxy_stamp:
            headers["X-Request-Start"] = f"t={self.clicked_at:.3f}"
        try:
            status, response_headers, _page = request(
                port,
                "POST",
                f"/candidate/applications/{self.application_id}/edit",
                body=urllib.parse.urlencode(self.form),
                headers=headers,
            )
        except OSError as error:
            self.error = repr(error)
            return
        finally:
            self.latency = time.time() - self.clicked_at
        self.status = status
        self.location = response_headers.get("Location", "")

    @property
    def confirmed(self) -> bool:
        return self.status == 302 and self.location.rstrip("/").endswith(
            f"/applications/{self.application_id}"
        )


def in_parallel(work, items, threads: int = 16) -> None:
    queue = list(items)
    lock = threading.Lock()
    failures: list[str] = []

    def run() -> None:
        while True:
            with lock:
                if not queue:
                    return
                item = queue.pop()
            try:
                work(item)
            except Exception as error:  # noqa: BLE001 (reported below)
                failures.append(repr(error))

    pool = [threading.Thread(target=run) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    if failures:
        raise SystemExit(f"{len(failures)} candidates could not log in: {failures[:3]}")


# One run ------------------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def rush(args: argparse.Namespace, name: str) -> dict[str, object]:
    outage = name == "outage"
    kind = f"ArrivalThreadWorker, {args.arrival_threads} threads" if args.arrival_threads else "sync"
    print(
        f"\n== run '{name}': {args.candidates} candidates, gunicorn {args.workers} workers ({kind})"
        f"{', X-Request-Start from a proxy' if args.proxy_stamp else ''}, clicks {args.window[0]:g} to "
        f"{args.window[1]:g} s before the deadline",
        flush=True,
    )
    edition_id, drafts = prepare_database(args.url, args.candidates)
    sink = Sink(free_port())
    if not outage:
        sink.start()
    env = app_environment(args.url, sink.port, args.proxy_stamp)
    logs = Path(tempfile.gettempdir())
    server = Gunicorn(env, args.workers, logs / f"rush-gunicorn-{name}.log", threads=args.arrival_threads)
    sender = MailSender(env, logs / f"rush-sender-{name}.log")
    try:
        people = [Candidate(email, application_id) for email, application_id in drafts.items()]
        started = time.time()
        in_parallel(lambda person: person.log_in_and_open_the_form(server.port), people)
        print(f"   {len(people)} logged in with their form open in {time.time() - started:.0f} s", flush=True)

        earliest, latest = args.window
        deadline = datetime.now(UTC) + timedelta(seconds=earliest + 15)
        set_deadline(args.url, edition_id, deadline)
        end = deadline.timestamp()
        random.seed(2026)
        moments = [random.uniform(end - earliest, end - latest) for _ in people]

        def click(person: Candidate, moment: float) -> None:
            time.sleep(max(0.0, moment - time.time()))
            person.click_submit(server.port, args.proxy_stamp)

        threads = [threading.Thread(target=click, args=pair) for pair in zip(people, moments, strict=True)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        last_answer = time.time()
        after_deadline = sum(1 for p in people if p.clicked_at + p.latency > end)

        if outage:
            time.sleep(max(0.0, args.outage_after - (time.time() - last_answer)))
            sink.start()
            back = time.time()
        waited_from = time.time()
        while time.time() - waited_from < args.mail_wait:
            state = stored(args.url)
            if state["receipts_waiting"] == 0 and sum(sink.received.values()) >= state.get("submitted", 0):
                break
            time.sleep(1)
        time.sleep(2)  # a duplicate would show up now
        mail_done = time.time()
        state = stored(args.url)
    finally:
        sender.stop()
        server.stop()
        sink.stop()

    confirmed = [p for p in people if p.confirmed]
    late = [p for p in people if p.status == 409]
    errors = [p for p in people if not p.confirmed and p.status != 409]
    latencies = [p.latency for p in people if not p.error]
    submitted_ids = state["submitted_ids"]
    confirmed_not_stored = [p for p in confirmed if p.application_id not in submitted_ids]
    in_time = [p for p in people if p.clicked_at <= end]
    in_time_not_submitted = [p for p in in_time if p.application_id not in submitted_ids]
    per_recipient = Counter({p.email: sink.received.get(p.email, 0) for p in confirmed})
    figures = {
        "clicks": len(people),
        "clicked in time": len(in_time),
        "answered after the deadline": after_deadline,
        "confirmed (302 to the application)": len(confirmed),
        "stored as submitted": state.get("submitted", 0),
        "confirmed but not stored": len(confirmed_not_stored),
        "clicked in time but not submitted": len(in_time_not_submitted),
        "refused as late (409)": len(late),
        "errors": len(errors),
        "latency p50 (s)": round(statistics.median(latencies), 2) if latencies else 0,
        "latency p95 (s)": round(percentile(latencies, 0.95), 2),
        "latency max (s)": round(max(latencies), 2) if latencies else 0,
        "receipts delivered exactly once": sum(1 for n in per_recipient.values() if n == 1),
        "receipts delivered more than once": sum(1 for n in per_recipient.values() if n > 1),
        "receipts missing": sum(1 for n in per_recipient.values() if n == 0),
        "receipts still waiting in the outbox": state["receipts_waiting"],
        "mail sender": "send-mail --watch" if sender.watch else "send-mail every second",
    }
    if outage:
        figures["SMTP back after the last answer (s)"] = round(back - last_answer)
        figures["all receipts delivered, after SMTP came back (s)"] = round(mail_done - back - 2)
    else:
        figures["all receipts delivered, after the last answer (s)"] = round(mail_done - last_answer - 2)
    if in_time_not_submitted:
        margins = sorted(round(end - p.clicked_at, 3) for p in in_time_not_submitted)
        figures["... clicked this many s before the deadline"] = margins[:5] + (
            ["…"] if len(margins) > 5 else []
        )
    if errors:
        figures["first errors"] = [(p.status, p.error or p.location) for p in errors[:3]]
    for label, value in figures.items():
        print(f"   {label:<52} {value}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default=os.environ.get("JUDGING_BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--candidates", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", default="up,outage", help="comma-separated: up, outage")
    parser.add_argument("--proxy-stamp", action="store_true", help="clicks carry X-Request-Start (a proxy)")
    parser.add_argument(
        "--arrival-threads",
        type=int,
        default=0,
        help="N > 0: judging.core.gunicorn_worker.ArrivalThreadWorker with N threads (default: sync workers)",
    )
    parser.add_argument(
        "--window",
        type=lambda value: tuple(float(v) for v in value.split(",")),
        default=(60.0, 30.0),
        help="clicks between A and B seconds before the deadline (default 60,30)",
    )
    parser.add_argument("--outage-after", type=float, default=20, help="SMTP back N s after the last answer")
    parser.add_argument("--mail-wait", type=float, default=600, help="give the sender at most N s")
    args = parser.parse_args()
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's line per SMTP command
    if not shutil.which(str(Path(sys.executable).with_name("gunicorn"))):
        raise SystemExit("gunicorn is missing: pip install -e '.[test]'")
    for name in args.runs.split(","):
        rush(args, name.strip())


if __name__ == "__main__":
    main()
