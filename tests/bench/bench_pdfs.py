"""Time the PDFs: the edition report and a receipt of the demo edition, and the five ceremony documents.

A script, not a test. Run::

    .venv/bin/python tests/bench/bench_pdfs.py [--repeat 3]

It works in a throw-away SQLite database (the PDFs read a few hundred rows: the database is not
what costs). The demo edition (``judging demo``) is still judging, so its results are not frozen
and the ceremony documents (made from frozen results only) would be empty for it: they are timed
on the edition the ceremony tests build (``tests/scenarios.py``, ``ceremony_edition``: four
prizes with frozen results, finalists, winners and mentions: the demo's shape). The first call of
each document includes WeasyPrint's start (import, fonts): "cold"; then the median of
``--repeat`` calls: "warm". CPU seconds beside wall time (the machine is shared).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def timed(call: Callable[[], bytes], repeat: int) -> tuple[float, float, float, int]:
    """(cold wall s, warm median wall s, warm median CPU s, KiB)."""
    start = time.perf_counter()
    data = call()
    cold = time.perf_counter() - start
    walls, cpus = [], []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        data = call()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return cold, statistics.median(walls), statistics.median(cpus), len(data) // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from flask_babel import force_locale
    from sqlalchemy import select

    from judging import create_app
    from judging.accounts.models import User
    from judging.applications.models import Application
    from judging.applications.receipt import receipt_pdf
    from judging.ceremony import documents
    from judging.ceremony import plan as ceremony
    from judging.ceremony.report_pdf import report_pdf
    from judging.core.migrate import upgrade
    from judging.db import session
    from judging.devdata import demo
    from tests import factories
    from tests.scenarios import ceremony_edition

    folder = Path(tempfile.mkdtemp(prefix="bench-pdfs-"))
    url = f"sqlite:///{folder / 'pdfs.sqlite'}"
    upgrade(url)
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "MAIL_SERVER": "",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "UPLOAD_FOLDER": str(folder / "uploads"),
        }
    )
    rows: list[tuple[str, tuple[float, float, float, int]]] = []
    with app.app_context(), app.test_request_context():
        edition = demo.load_demo(session)
        session.commit()
        for language in ("fr", "en"):
            rows.append(
                (
                    f"edition report, demo ({language})",
                    timed(
                        lambda language=language: report_pdf(session, edition, locale=language), args.repeat
                    ),
                )
            )
        application = session.scalar(
            select(Application)
            .join(User, User.id == Application.applicant_id)
            .where(User.email == demo.CANDIDATE_EMAIL, Application.status == "submitted")
        )
        if application is not None:
            with force_locale("fr"):
                rows.append(
                    (
                        "receipt, demo candidate (fr)",
                        timed(lambda: receipt_pdf(application, locale="fr"), args.repeat),
                    )
                )
        built = ceremony_edition(factories.Factory(session), session, secret=False, code="bench-ceremony")
        session.commit()
        for language in ("fr", "bilingual"):
            with force_locale("fr"):
                start = time.perf_counter()
                plan = ceremony.ceremony_plan(session, built.edition, language=language)
                plan_seconds = time.perf_counter() - start
                for kind in documents.KINDS:
                    rows.append(
                        (
                            f"ceremony {kind} ({language})",
                            timed(
                                lambda kind=kind, plan=plan: documents.ceremony_pdf(plan, kind), args.repeat
                            ),
                        )
                    )
            rows.append(
                (f"ceremony plan, 4 prizes ({language})", (plan_seconds, plan_seconds, plan_seconds, 0))
            )

    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'document':<40}{'cold s':>8}{'warm s':>8}{'CPU s':>8}{'KiB':>7}")
    for label, (cold, warm, cpu, kib) in rows:
        print(f"{label:<40}{cold:>8.2f}{warm:>8.2f}{cpu:>8.2f}{kib:>7}")
    total = sum(
        warm for label, (_c, warm, _cpu, _k) in rows if label.startswith("ceremony ") and "plan" not in label
    )
    print(f"all ten ceremony PDFs (five kinds, fr and bilingual), warm: {total:.2f} s")


if __name__ == "__main__":
    main()
