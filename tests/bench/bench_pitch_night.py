"""Benchmark of pitch night: jurors scoring the live final through a network that drops requests.

A script that prints figures, not a test::

    .venv/bin/python tests/bench/bench_pitch_night.py \\
        [--url postgresql+psycopg://postgres@127.0.0.1:5432/bench] [--jurors 15] [--pitches 12] \\
        [--drop 0.2] [--pitch-seconds 2] [--workers 2]

1. empties the database, migrates it, and loads a final round: ``--pitches`` finalists in pitch
   order, ``--jurors`` jurors each with a scorecard for every finalist, one organizer;
2. starts ``gunicorn -w N 'judging:create_app()'``; the organizer starts the live final and moves
   to the next pitch every ``--pitch-seconds`` (through the control's URL, as the projector's keys do);
3. each juror is a thread: it polls ``state.json`` and, as each pitch opens, sends its score with a
   submission id of its own (a UUID), as ``static/js/live.js`` does. ``--drop`` of the requests are
   lost: half of them before reaching the server (the connection never opens), half after it (the
   server received and answered, the phone never saw the answer). A lost request is sent again,
   with the same submission id, until the server confirms it;
4. prints: scores confirmed, scorecards submitted, submissions stored, scorecards with more than one
   stored submission or one audit event of submission (must be 0), stored scores that differ from
   the confirmed ones (must be 0), requests sent and dropped by kind, statuses, p50/p95/max latency
   of the answered sends; the load average before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, text  # noqa: E402

from tests.bench.bench_deadline_rush import Gunicorn, percentile, request  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench"
SECRET = "pitch-night-secret-key"
PUBLIC_URL = "https://awards.example.org"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def prepare_database(url: str, jurors: int, pitches: int) -> tuple[int, list[int], dict[str, str]]:
    """A fresh schema and the final round; (round id, finalists' ids in pitch order, {who: cookie})."""
    from judging import create_app
    from judging.core.migrate import upgrade
    from judging.core.models import utcnow
    from judging.db import get_engine, make_engine, session
    from judging.results.models import PitchSlot
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
        prize = make.prize()
        rnd = make.round(prize, code="final", criteria=0, judging_closes_at=utcnow().replace(year=2099))
        make.criterion(rnd, code="pitch", weight=1, min_value=0, max_value=10)
        finalists = [make.application(prize, ref=f"FIN-{n:02d}") for n in range(1, pitches + 1)]
        people = [make.user(email=f"juror{n:02d}@example.org", roles=["juror"]) for n in range(jurors)]
        organizer = make.user(email="orga@example.org", roles=["organizer"])
        make.jury(rnd, *people)
        for person in people:
            for application in finalists:
                make.scorecard(rnd, person, application, status="assigned")
        for position, application in enumerate(finalists):
            session.add(PitchSlot(round_id=rnd.id, application_id=application.id, position=position))
        session.commit()
        signer = app.session_interface.get_signing_serializer(app)
        cookies = {
            user.email: "session=" + signer.dumps({"_user_id": user.get_id(), "_fresh": True, "lang": "fr"})
            for user in [*people, organizer]
        }
        session.commit()  # the session tokens made by get_id
        ids = [a.id for a in finalists]
        round_id = rnd.id
    get_engine(app).dispose()
    return round_id, ids, cookies


class Phone:
    """One juror's phone: its cookie, its CSRF token, what the server confirmed and how fast."""

    def __init__(self, port: int, cookie: str, rng: random.Random, drop: float) -> None:
        self.port, self.cookie, self.rng, self.drop = port, cookie, rng, drop
        self.token = ""
        self.confirmed: dict[int, str] = {}
        self.latencies: list[float] = []
        self.sent = Counter()

    def call(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode({"csrf_token": self.token, **form}) if form is not None else None
        headers = {"Cookie": self.cookie, "Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        status, response_headers, page = request(self.port, method, path, body=body, headers=headers)
        for value in response_headers.get_all("Set-Cookie") or []:
            if value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        found = CSRF_RE.search(page)
        if found:
            self.token = found.group(1)
        return status, page

    def send(self, round_id: int, application_id: int, score: str) -> None:
        """Send one score until the server confirms it, the same submission id every time."""
        form = {"score-pitch": score, "submission_id": str(uuid.uuid4()), "version": ""}
        path = f"/jury/rounds/{round_id}/live/{application_id}/send"
        while True:
            self.sent["requests"] += 1
            if self.rng.random() < self.drop / 2:
                self.sent["dropped before the server"] += 1
                time.sleep(0.2)
                continue
            started = time.perf_counter()
            status, page = self.call("POST", path, form)
            elapsed = time.perf_counter() - started
            self.sent[f"status {status}"] += 1
            if self.rng.random() < self.drop / 2:
                self.sent["answer lost"] += 1
                time.sleep(0.2)
                continue
            self.latencies.append(elapsed)
            if status == 200 and json.loads(page).get("ok"):
                self.confirmed[application_id] = score
                return
            time.sleep(0.2)  # refused (a pitch not open yet in a stale view) or busy: try again


def juror_thread(phone: Phone, round_id: int, finalists: list[int], done: threading.Event) -> None:
    phone.call("GET", f"/jury/rounds/{round_id}/live")
    while len(phone.confirmed) < len(finalists) and not done.is_set():
        status, page = phone.call("GET", f"/jury/rounds/{round_id}/live/state.json")
        open_now = json.loads(page).get("open", []) if status == 200 else []
        for application_id in open_now:
            if application_id not in phone.confirmed:
                phone.send(round_id, application_id, str(phone.rng.randint(0, 20) / 2).replace(".", ","))
        time.sleep(0.5)


def stored(url: str, round_id: int) -> dict[str, object]:
    from judging.core.audit_event import AuditEvent
    from judging.db import make_engine
    from judging.jury.models import Assignment
    from judging.live.models import ReceivedSubmission

    engine = make_engine(url)
    with engine.connect() as conn:
        submitted = conn.scalar(
            select(func.count()).where(Assignment.round_id == round_id, Assignment.status == "submitted")
        )
        per_card = Counter(conn.scalars(select(ReceivedSubmission.assignment_id)).all())
        events = Counter(
            conn.scalars(select(AuditEvent.object_id).where(AuditEvent.action == "scorecard.submitted"))
        )
        scores = {
            (email, application_id): value
            for email, application_id, value in conn.execute(
                text(
                    "SELECT u.email, a.application_id, s.value FROM assignments a"
                    " JOIN users u ON u.id = a.juror_id"
                    " JOIN criterion_scores s ON s.assignment_id = a.id WHERE a.round_id = :r"
                ),
                {"r": round_id},
            )
        }
    engine.dispose()
    return {"submitted": submitted, "per_card": per_card, "events": events, "scores": scores}


def run(args: argparse.Namespace) -> None:
    print(
        f"== pitch night: {args.jurors} jurors, {args.pitches} pitches, {args.drop:.0%} of requests lost, "
        f"gunicorn {args.workers} workers"
    )
    print(f"load average before: {os.getloadavg()}")
    round_id, finalists, cookies = prepare_database(args.url, args.jurors, args.pitches)
    env = {
        **os.environ,
        "JUDGING_DATABASE_URL": args.url,
        "SECRET_KEY": SECRET,
        "JUDGING_PUBLIC_URL": PUBLIC_URL,
        "JUDGING_UPLOAD_FOLDER": tempfile.mkdtemp(prefix="judging-pitch-night-"),
        "MAIL_SERVER": "",
    }
    server = Gunicorn(env, args.workers, Path(tempfile.mkdtemp(prefix="bench-pitch-night-")) / "gunicorn.log")
    rng = random.Random(2026)
    organizer = Phone(server.port, cookies.pop("orga@example.org"), random.Random(1), 0.0)
    organizer.call("GET", f"/organizer/rounds/{round_id}/live/control")
    phones = {
        email: Phone(server.port, cookie, random.Random(rng.random()), args.drop)
        for email, cookie in cookies.items()
    }
    done = threading.Event()
    threads = [
        threading.Thread(target=juror_thread, args=(p, round_id, finalists, done)) for p in phones.values()
    ]
    start = time.monotonic()
    for thread in threads:
        thread.start()
    for action in ["start"] + ["next"] * (len(finalists) - 1):
        organizer.call("POST", f"/organizer/rounds/{round_id}/live/control", {"action": action})
        time.sleep(args.pitch_seconds)
    for thread in threads:
        thread.join(timeout=300)
    done.set()
    elapsed = time.monotonic() - start
    print(f"load average after:  {os.getloadavg()}")
    server.stop()
    report(phones, stored(args.url, round_id), elapsed)


def report(phones: dict[str, Phone], db: dict[str, object], elapsed: float) -> None:
    confirmed = {(email, a): score for email, p in phones.items() for a, score in p.confirmed.items()}
    sent = sum((p.sent for p in phones.values()), Counter())
    latencies = [x for p in phones.values() for x in p.latencies]
    differing = [
        key for key, score in confirmed.items() if db["scores"].get(key) != Decimal(score.replace(",", "."))
    ]
    print(f"elapsed: {elapsed:.1f} s")
    print(f"scores confirmed: {len(confirmed)}; scorecards submitted: {db['submitted']}")
    print(f"submissions stored: {sum(db['per_card'].values())}")
    print(
        f"scorecards with more than one stored submission: {sum(1 for n in db['per_card'].values() if n > 1)}"
    )
    print(f"scorecards submitted more than once (audit): {sum(1 for n in db['events'].values() if n > 1)}")
    print(f"confirmed scores not stored as confirmed: {len(differing)}")
    print("requests: " + ", ".join(f"{k} {v}" for k, v in sorted(sent.items())))
    print(
        f"send latency (answered): p50 {percentile(latencies, 0.5) * 1000:.0f} ms, "
        f"p95 {percentile(latencies, 0.95) * 1000:.0f} ms, max {max(latencies, default=0) * 1000:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--jurors", type=int, default=15)
    parser.add_argument("--pitches", type=int, default=12)
    parser.add_argument("--drop", type=float, default=0.2)
    parser.add_argument("--pitch-seconds", type=float, default=2.0)
    parser.add_argument("--workers", type=int, default=2)
    run(parser.parse_args())


if __name__ == "__main__":
    main()
