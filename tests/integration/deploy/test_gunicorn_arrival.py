"""gunicorn alone: ``judging.core.gunicorn_worker.ArrivalThreadWorker`` stamps a request when it was queued,
not when a thread got to it. A real gunicorn serves a tiny WSGI app behind ``ArrivalStamp``: with its
only thread busy on a slow request, a second request is stamped before the slow one has finished."""

from __future__ import annotations

import http.client
import shutil
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from judging.core.clock import RECEIVED_AT, ArrivalStamp

ROOT = Path(__file__).resolve().parents[3]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def _echo_stamp(environ, start_response):
    if environ["PATH_INFO"] == "/slow":
        time.sleep(1.5)  # keeps the worker's only thread busy
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [environ[RECEIVED_AT].isoformat().encode()]


app = ArrivalStamp(_echo_stamp, trust_request_start=False)


def get(port: int, path: str) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        return connection.getresponse().read().decode()
    finally:
        connection.close()


@pytest.fixture
def gunicorn_port():
    from tests.conftest import free_port

    if not GUNICORN.exists() and not shutil.which("gunicorn"):
        pytest.skip("gunicorn is not installed (pip install -e '.[test]')")
    port = free_port()
    process = subprocess.Popen(
        [str(GUNICORN), "-w", "1", "-k", "judging.core.gunicorn_worker.ArrivalThreadWorker", "--threads", "1"]
        + [
            "-b",
            f"127.0.0.1:{port}",
            "--chdir",
            str(ROOT),
            "tests.integration.deploy.test_gunicorn_arrival:app",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                get(port, "/")
                break
            except OSError:
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_a_request_waiting_for_a_thread_is_stamped_when_it_arrived(gunicorn_port):
    slow_done: list[datetime] = []
    slow = threading.Thread(target=lambda: (get(gunicorn_port, "/slow"), slow_done.append(datetime.now(UTC))))
    slow.start()
    time.sleep(0.3)  # the slow request holds the only thread
    sent_at = datetime.now(UTC)
    stamp = datetime.fromisoformat(get(gunicorn_port, "/fast"))
    slow.join()
    assert sent_at <= stamp < slow_done[0]  # stamped while it waited, not when the thread got to it
