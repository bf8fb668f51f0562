"""Benchmark of the audience vote: every vote the server confirmed is stored exactly once.

A script that prints figures, not a test::

    .venv/bin/python tests/bench/bench_audience_vote.py \\
        [--url postgresql+psycopg://postgres@127.0.0.1:5432/bench] [--voters 500] [--workers 2] \\
        [--window 120] [--venue-share 0.3] [--changers 0.1]

1. empties the database, migrates it, and loads an edition with 12 finalists in an open audience
   award;
2. starts ``gunicorn -w N 'judging:create_app()'`` behind one trusted proxy hop
   (``JUDGING_PROXY_HOPS=1``: each voter's ``X-Forwarded-For`` is its phone's address), a real SMTP
   server (aiosmtpd) that reads the codes out of the mail it receives, and the mail sender
   (``judging send-mail --watch``); the rate limits are the defaults;
3. lets ``--voters`` people arrive at random moments within ``--window`` seconds, each on its own
   thread: open the vote page (CSRF token, session cookie), ask for a code, wait for the mail, type
   the code, vote; ``--changers`` of them change their vote afterwards. ``--venue-share`` of them are
   in the room, behind the venue's one network; the others are online, each on their own network;
4. prints: voters, confirmed votes (the ballot answered by the redirect to the vote page), votes
   stored, voters stored with more than one vote or with a vote that was never confirmed (must be
   0), refusals by status, errors, p50/p95 latency per step and the time from asking for a code to
   receiving it; the load average before and after.
"""

from __future__ import annotations

import argparse
import email
import logging
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from email import policy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, text  # noqa: E402

from tests.bench.bench_deadline_rush import (  # noqa: E402
    Gunicorn,
    MailSender,
    Sink,
    free_port,
    percentile,
    request,
)

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench"
SECRET = "audience-vote-secret-key"
PUBLIC_URL = "https://awards.example.org"
CODE = "vote-2026"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
MAIL_CODE_RE = re.compile(r"^\s{4}([0-9]{6})\s*$", re.M)
FINALISTS = 12


def prepare_database(url: str) -> list[int]:
    """A fresh schema and an edition whose audience award is open with 12 finalists; their ids."""
    from judging import create_app
    from judging.audience.models import AudienceAward, AudienceCandidate
    from judging.core.migrate import upgrade
    from judging.core.models import utcnow
    from judging.db import get_engine, make_engine, session
    from judging.results.models import Decision
    from tests.factories import Factory

    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET, "MAIL_SERVER": "", "PUBLIC_URL": PUBLIC_URL})
    with app.app_context():
        make = Factory(session)
        edition = make.edition(code=CODE, open_now=False)
        prize = make.prize(edition)
        finalists = [make.application(prize, ref=f"FIN-{n:02d}") for n in range(1, FINALISTS + 1)]
        award = AudienceAward(edition_id=edition.id, state="open", opens_at=utcnow())
        session.add(award)
        session.flush()
        for position, application in enumerate(finalists):
            session.add(Decision(prize_id=prize.id, application_id=application.id, outcome="finalist"))
            session.add(
                AudienceCandidate(award_id=award.id, application_id=application.id, position=position)
            )
        session.commit()
        ids = [a.id for a in finalists]
    get_engine(app).dispose()
    return ids


class CodeSink(Sink):
    """The SMTP server: keeps the latest code mailed to each address, and when it arrived."""

    def __init__(self, port: int) -> None:
        super().__init__(port)
        self.codes: dict[str, tuple[str, float]] = {}
        self.arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        body = message.get_body(preferencelist=("plain",)).get_content()
        found = MAIL_CODE_RE.search(body)
        with self.arrived:
            for rcpt in envelope.rcpt_tos:
                self.received[rcpt.lower()] += 1
                if found:
                    self.codes[rcpt.lower()] = (found.group(1), time.monotonic())
            self.arrived.notify_all()
        return "250 OK"

    def wait_for_code(self, address: str, after: float, timeout: float = 90.0) -> str | None:
        deadline = time.monotonic() + timeout
        with self.arrived:
            while True:
                entry = self.codes.get(address)
                if entry is not None and entry[1] >= after:
                    return entry[0]
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.arrived.wait(left)


class Voter:
    """One phone: its address, its network, its cookies, what the server answered and how fast."""

    def __init__(self, n: int, network: str) -> None:
        self.email = f"voter{n:04d}@example.org"
        self.address = network
        self.cookie = ""
        self.token = ""
        self.confirmed: int | None = None  # the finalist the server confirmed last
        self.statuses: list[tuple[str, int]] = []
        self.timings: dict[str, float] = {}

    def _headers(self, extra: dict | None = None) -> dict:
        headers = {"X-Forwarded-For": self.address, "Accept-Language": "fr-CA"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        return {**headers, **(extra or {})}

    def _keep_cookie(self, headers) -> None:
        for value in headers.get_all("Set-Cookie") or []:
            if value.startswith("session="):
                self.cookie = value.split(";", 1)[0]

    def call(self, step: str, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode({"csrf_token": self.token, **form}) if form is not None else None
        extra = {"Content-Type": "application/x-www-form-urlencoded"} if body is not None else None
        started = time.perf_counter()
        status, headers, page = request(self.port, method, path, body=body, headers=self._headers(extra))
        self.timings[step] = time.perf_counter() - started
        self.statuses.append((step, status))
        self._keep_cookie(headers)
        found = CSRF_RE.search(page)
        if found:
            self.token = found.group(1)
        return status, page

    def vote_once(
        self, port: int, sink: CodeSink, finalists: list[int], change: bool, waits: list[float]
    ) -> None:
        self.port = port
        base = f"/audience/{CODE}"
        self.call("open", "GET", base)
        asked = time.monotonic()
        status, _ = self.call("code", "POST", base + "/code", {"email": self.email})
        if status != 302:
            return
        code = sink.wait_for_code(self.email, asked)
        if code is None:
            self.statuses.append(("mail", 0))
            return
        waits.append(time.monotonic() - asked)
        self.call("page", "GET", base)
        status, _ = self.call("verify", "POST", base + "/verify", {"code": code})
        if status != 302:
            return
        self.call("ballot-page", "GET", base)
        for step, choice in [("vote", random.choice(finalists))] + (
            [("change", random.choice(finalists))] if change else []
        ):
            status, _ = self.call(step, "POST", base + "/ballot", {"choice": str(choice)})
            if status == 302:
                self.confirmed = choice
            self.call(step + "-page", "GET", base)


def stored_votes(url: str) -> dict[str, tuple[int, int]]:
    """{voter's email: (number of vote rows, the finalist voted for)}."""
    from judging.audience.models import AudienceVote, AudienceVoter
    from judging.db import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            select(AudienceVoter.email, func.count(AudienceVote.id), func.max(AudienceVote.application_id))
            .join(AudienceVote, AudienceVote.voter_id == AudienceVoter.id)
            .group_by(AudienceVoter.email)
        ).all()
    engine.dispose()
    return {email: (count, choice) for email, count, choice in rows}


def run(args: argparse.Namespace) -> None:
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's line per SMTP command
    print(
        f"== audience vote: {args.voters} voters within {args.window:.0f} s, gunicorn {args.workers} workers"
    )
    print(f"load average before: {os.getloadavg()}")
    finalists = prepare_database(args.url)
    sink = CodeSink(free_port())
    sink.start()
    env = {
        **os.environ,
        "JUDGING_DATABASE_URL": args.url,
        "SECRET_KEY": SECRET,
        "JUDGING_PUBLIC_URL": PUBLIC_URL,
        "JUDGING_UPLOAD_FOLDER": tempfile.mkdtemp(prefix="judging-audience-"),
        "JUDGING_PROXY_HOPS": "1",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(sink.port),
    }
    logs = Path(tempfile.mkdtemp(prefix="bench-audience-"))
    server = Gunicorn(env, args.workers, logs / "gunicorn.log")
    sender = MailSender(env, logs / "sender.log")
    rng = random.Random(2026)
    venue = "203.0.113.7"
    voters = [
        Voter(n, venue if rng.random() < args.venue_share else f"198.{n // 250}.{n % 250}.10")
        for n in range(args.voters)
    ]
    waits: list[float] = []
    start = time.monotonic()

    def arrive(voter: Voter, moment: float, change: bool) -> None:
        time.sleep(max(0.0, start + moment - time.monotonic()))
        try:
            voter.vote_once(server.port, sink, finalists, change, waits)
        except OSError as error:
            voter.statuses.append((f"error {error.__class__.__name__}", 0))

    threads = [
        threading.Thread(target=arrive, args=(v, rng.uniform(0, args.window), rng.random() < args.changers))
        for v in voters
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - start
    print(f"load average after:  {os.getloadavg()}")
    sender.stop()
    server.stop()
    sink.stop()
    report(args, voters, stored_votes(args.url), waits, elapsed)


def report(
    args, voters: list[Voter], stored: dict[str, tuple[int, int]], waits: list[float], elapsed: float
) -> None:
    confirmed = {v.email: v.confirmed for v in voters if v.confirmed is not None}
    twice = sum(1 for count, _choice in stored.values() if count > 1)
    unconfirmed = sorted(set(stored) - set(confirmed))
    wrong = sum(1 for email, choice in confirmed.items() if stored.get(email, (0, None))[1] != choice)
    statuses = Counter(
        f"{step} {status}" for v in voters for step, status in v.statuses if status not in (200, 302)
    )
    timings: dict[str, list[float]] = defaultdict(list)
    for v in voters:
        for step, seconds in v.timings.items():
            timings[step].append(seconds)
    print(f"finished in {elapsed:.1f} s")
    print(
        f"voters: {len(voters)}  confirmed votes: {len(confirmed)}  voters with a stored vote: {len(stored)}"
    )
    print(
        f"stored more than once: {twice}  stored but never confirmed: {len(unconfirmed)}  "
        f"stored choice differs from the last confirmed: {wrong}  confirmed but missing: "
        f"{sum(1 for e in confirmed if e not in stored)}"
    )
    print(f"refusals and errors: {dict(statuses) or 'none'}")
    for step in ("open", "code", "verify", "vote", "change"):
        values = timings.get(step) or []
        if values:
            print(
                f"  {step:7s} n={len(values):4d}  p50 {statistics.median(values) * 1000:7.1f} ms  "
                f"p95 {percentile(values, 0.95) * 1000:7.1f} ms  max {max(values) * 1000:7.1f} ms"
            )
    if waits:
        print(f"  code mail: p50 {statistics.median(waits):.2f} s  p95 {percentile(waits, 0.95):.2f} s")
    every = [s for values in timings.values() for s in values]
    print(f"all requests: n={len(every)}  p95 {percentile(every, 0.95) * 1000:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--voters", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--window", type=float, default=120.0, help="seconds over which voters arrive")
    parser.add_argument(
        "--venue-share", type=float, default=0.3, help="share of voters on the venue's network"
    )
    parser.add_argument("--changers", type=float, default=0.1, help="share of voters who change their vote")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
