"""``judging check`` says what a production install gets wrong; ``GET /healthz`` says if it can serve."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from judging import create_app
from judging.core.migrate import head_revision, upgrade
from judging.db import get_engine

PRODUCTION = {
    "TESTING": False,
    "SECRET_KEY": "k" * 64,
    "MAIL_SERVER": "smtp.mtl-tech-awards.example",
    "PUBLIC_URL": "https://prix.mtl-tech-awards.example",
    "SESSION_COOKIE_SECURE": True,
    "RATELIMIT_STORAGE_URI": "memory://",
}


@pytest.fixture
def make_app(app_config):
    made = []

    def build(**settings):
        application = create_app({**app_config, **settings})
        made.append(application)
        return application

    yield build
    for application in made:
        get_engine(application).dispose()


@pytest.fixture
def behind_head(tmp_path) -> str:
    """A SQLite database one migration behind the code."""
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    upgrade(url, "0005")
    return url


def test_healthz_is_ok_with_the_database_at_head(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_runs_one_query_and_is_never_rate_limited(make_app):
    from sqlalchemy import event

    application = make_app(RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT="5 per minute")  # as set by some
    client = application.test_client()
    client.get("/healthz")  # the first request may warm caches
    statements = []

    def count(*_args) -> None:
        statements.append(1)

    engine = get_engine(application)
    event.listen(engine, "before_cursor_execute", count)
    try:
        responses = [client.get("/healthz").status_code for _ in range(120)]
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert responses == [200] * 120
    assert len(statements) == 120


def test_healthz_is_503_when_migrations_are_behind(make_app, behind_head):
    response = make_app(DATABASE_URL=behind_head).test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable"}


def test_healthz_is_503_without_telling_what_the_database_is(make_app):
    url = "postgresql+psycopg://judging_admin:s3cret-pw@127.0.0.1:1/awards"
    response = make_app(DATABASE_URL=url).test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_data(as_text=True)
    for private in ("s3cret-pw", "judging_admin", "127.0.0.1", "awards", "refused", head_revision()):
        assert private not in body


def test_check_passes_a_production_configuration(make_app, tmp_path, monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.delenv("GUNICORN_CMD_ARGS", raising=False)
    result = make_app(**PRODUCTION).test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 0, result.output
    assert "Ready: nothing to fix." in result.output
    assert "note: JUDGING_PROXY_HOPS is 0: right only if nothing stands in front of gunicorn" in result.output
    behind_proxy = make_app(**PRODUCTION, PROXY_HOPS=1).test_cli_runner().invoke(args=["check"])
    assert behind_proxy.exit_code == 0 and "JUDGING_PROXY_HOPS" not in behind_proxy.output


def test_check_lists_every_problem_and_exits_1(make_app, behind_head, tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    application = make_app(
        **{**PRODUCTION, "SECRET_KEY": None, "MAIL_SERVER": "", "PUBLIC_URL": "http://127.0.0.1:5000"},
        DATABASE_URL=behind_head,
        UPLOAD_FOLDER=str(blocker / "uploads"),
    )
    result = application.test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 1
    problems = [line for line in result.output.splitlines() if line.startswith("problem: ")]
    expected = [
        "SECRET_KEY is not set",
        "MAIL_SERVER is not set",
        "JUDGING_PUBLIC_URL is not set",
        "SQLite under 4 workers",
        "RATELIMIT_STORAGE_URI is memory:// under 4 workers",
        f"The upload folder {blocker / 'uploads'} is not writable",
        f"The database schema is at 0005, this code needs {head_revision()}",
    ]
    assert len(problems) == len(expected)
    for problem, start in zip(problems, expected, strict=True):
        assert problem.startswith(f"problem: {start}")
    assert "7 problem(s)" in result.output


def test_check_wants_https_and_secure_cookies(make_app, monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    plain = make_app(**{**PRODUCTION, "PUBLIC_URL": "http://prix.mtl-tech-awards.example"})
    assert "is not an https address" in plain.test_cli_runner().invoke(args=["check"]).output
    insecure = make_app(**{**PRODUCTION, "SESSION_COOKIE_SECURE": False})
    result = insecure.test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 1
    assert "JUDGING_SECURE_COOKIES is not 1" in result.output


def test_gunicorn_workers_are_read_from_its_command_line_arguments(monkeypatch):
    from judging.cli.ops import planned_workers

    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.setenv("GUNICORN_CMD_ARGS", "--bind 127.0.0.1:8000 --workers 3")
    assert planned_workers() == 3
    monkeypatch.setenv("GUNICORN_CMD_ARGS", "-w=2")
    assert planned_workers() == 2
    monkeypatch.setenv("GUNICORN_CMD_ARGS", "--bind 127.0.0.1:8000")
    assert planned_workers() == 1
    monkeypatch.setenv("GUNICORN_CMD_ARGS", "--name 'unbalanced")
    assert planned_workers() == 1


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("nonsense:/x", "JUDGING_DATABASE_URL is not a database address SQLAlchemy can use"),
        ("postgres://awards@127.0.0.1/awards", "JUDGING_DATABASE_URL is not a database address"),
    ],
)
def test_a_wrong_database_url_is_one_line_without_traceback(tmp_path, url, message):
    env = {**os.environ, "JUDGING_DATABASE_URL": url, "SECRET_KEY": "x" * 40}
    judging = Path(sys.executable).with_name("judging")
    result = subprocess.run(
        [str(judging), "check"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert message in result.stderr


def test_db_upgrade_against_an_unreachable_database_is_one_line(tmp_path):
    env = {**os.environ, "JUDGING_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/awards"}
    judging = Path(sys.executable).with_name("judging")
    result = subprocess.run(
        [str(judging), "db", "upgrade"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().startswith("Database upgrade failed: connection failed")
    assert len(result.stderr.strip().splitlines()) == 1
