"""Operator commands: ``judging check`` (before opening), ``judging backup`` and ``judging restore``.

Operator-facing text is English like the other commands. Every failure is one clear line and a
non-zero exit, never a traceback (see docs/deploy.md).
"""

from __future__ import annotations

import os
import re
import shlex
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from judging.cli.common import fail, one_line
from judging.config import LOCAL_HOSTS
from judging.core.backup import BackupError, restore_backup, write_backup
from judging.core.migrate import current_revision, head_revision
from judging.db import get_engine


def _secret_problem(app: Flask) -> str | None:
    key = app.config["SECRET_KEY"]
    key_file = Path(app.instance_path) / "secret_key"
    if key_file.exists() and key_file.read_text().strip() == key:
        return (
            f"SECRET_KEY is not set: sessions are signed with the development key generated in {key_file} "
            "(set SECRET_KEY to a long random value kept outside the code)."
        )
    if len(key) < 32:
        return (
            "SECRET_KEY is shorter than 32 characters "
            "(make one: python3 -c 'import secrets; print(secrets.token_hex(32))')."
        )
    return None


def _mail_problem(app: Flask) -> str | None:
    if not app.config["MAIL_SERVER"]:
        return (
            "MAIL_SERVER is not set: no mail leaves (confirmations, resets and notifications go to the log)."
        )
    return None


def _public_url_problems(app: Flask) -> list[str]:
    public_url = app.config["PUBLIC_URL"]
    if urlsplit(public_url).hostname in LOCAL_HOSTS:
        return [
            f"JUDGING_PUBLIC_URL is not set (mailed links would point at {public_url}); "
            "a server refuses to start without it."
        ]
    if not public_url.startswith("https://"):
        return [f"JUDGING_PUBLIC_URL is not an https address ({public_url}): passwords would cross in clear."]
    if not app.config["SESSION_COOKIE_SECURE"]:
        return ["JUDGING_SECURE_COOKIES is not 1 although the site is served over HTTPS."]
    return []


def planned_workers() -> int:
    """Worker processes gunicorn will start: ``WEB_CONCURRENCY``, or ``-w N`` in ``GUNICORN_CMD_ARGS``."""
    workers = os.environ.get("WEB_CONCURRENCY", "")
    try:
        arguments = shlex.split(os.environ.get("GUNICORN_CMD_ARGS", ""))
    except ValueError:  # an unbalanced quote: gunicorn itself will refuse it
        arguments = []
    for position, argument in enumerate(arguments):
        found = re.fullmatch(r"(?:-w|--workers)=?(\d*)", argument)
        if found:
            workers = found.group(1) or (arguments[position + 1] if position + 1 < len(arguments) else "")
    return int(workers) if workers.isdigit() else 1


def _process_problems(app: Flask) -> list[str]:
    workers = planned_workers()
    problems = []
    if app.config["DATABASE_URL"].startswith("sqlite") and workers > 1:
        problems.append(
            f"SQLite under {workers} workers: SQLite serves one process; use PostgreSQL "
            "(JUDGING_DATABASE_URL=postgresql+psycopg://…) or one worker."
        )
    if app.config["RATELIMIT_STORAGE_URI"].startswith("memory") and workers > 1:
        problems.append(
            f"RATELIMIT_STORAGE_URI is memory:// under {workers} workers: each keeps its own login limits "
            "(use redis://…)."
        )
    return problems


def upload_folder_problem(folder: str) -> str | None:
    """Write and remove a file in the upload folder (creating it if needed): the real test, even for root."""
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".check-"):
            pass
    except OSError as error:
        return f"The upload folder {folder} is not writable ({error.strerror or error})."
    return None


def _schema_problem(app: Flask) -> str | None:
    try:
        with get_engine(app).connect() as connection:
            current = current_revision(connection)
    except SQLAlchemyError as error:
        return f"The database does not answer: {one_line(error)}"
    head = head_revision()
    if current != head:
        return (
            f"The database schema is at {current or 'nothing'}, this code needs {head}: judging db upgrade."
        )
    return None


def production_problems(app: Flask) -> list[str]:
    """Everything a production install gets wrong that can be seen from here."""
    problems = [_secret_problem(app), _mail_problem(app), *_public_url_problems(app)]
    problems += [*_process_problems(app), upload_folder_problem(app.config["UPLOAD_FOLDER"])]
    problems.append(_schema_problem(app))
    return [problem for problem in problems if problem]


def production_notes(app: Flask) -> list[str]:
    """What may be right or wrong depending on what this command cannot see (a proxy in front)."""
    notes = []
    if app.config["DATABASE_URL"].startswith("sqlite"):
        notes.append("SQLite serves one process; PostgreSQL is the production database (docs/deploy.md).")
    if not app.config["PROXY_HOPS"]:
        notes.append(
            "JUDGING_PROXY_HOPS is 0: right only if nothing stands in front of gunicorn; behind nginx or "
            "Caddy set it to 1 (client addresses for the limits, X-Request-Start for deadlines)."
        )
    return notes


@click.command("check")
@with_appcontext
def check_command() -> None:
    """Report what this install gets wrong for production (exit status 1 when anything is)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    problems = production_problems(app)
    for problem in problems:
        click.secho(f"problem: {problem}", fg="red", err=True)
    for note in production_notes(app):
        click.echo(f"note: {note}")
    if problems:
        fail(f"{len(problems)} problem(s); see docs/deploy.md.")
    click.echo("Ready: nothing to fix.")


@click.command("backup")
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Archive to write."
)
@with_appcontext
def backup_command(output: Path) -> None:
    """Write every table and every uploaded file into one archive with a manifest and checksums."""
    if not output.parent.is_dir():
        fail(f"{output.parent} is not a folder: nothing was written.")
    started = time.perf_counter()
    try:
        manifest = write_backup(get_engine(), Path(current_app.config["UPLOAD_FOLDER"]), output)
    except BackupError as error:
        fail(str(error))
    except SQLAlchemyError as error:
        fail(f"The database does not answer: {one_line(error)}")
    except OSError as error:
        fail(f"{output}: cannot be written ({error.strerror or error}); nothing was written.")
    rows = sum(manifest["tables"].values())
    click.echo(
        f"{output}: schema {manifest['schema_revision']}, {rows} rows in {len(manifest['tables'])} tables, "
        f"{manifest['uploads']} uploaded files, {output.stat().st_size} bytes, "
        f"{time.perf_counter() - started:.1f} s."
    )


@click.command("restore")
@click.argument("archive", type=click.Path(path_type=Path))
@with_appcontext
def restore_command(archive: Path) -> None:
    """Restore an archive made by judging backup into an empty database and an empty upload folder."""
    if not archive.is_file() or not os.access(archive, os.R_OK):
        fail(f"{archive}: no such readable file.")
    started = time.perf_counter()
    try:
        url, uploads = current_app.config["DATABASE_URL"], Path(current_app.config["UPLOAD_FOLDER"])
        manifest = restore_backup(url, get_engine(), uploads, archive)
    except BackupError as error:
        fail(str(error))
    except SQLAlchemyError as error:
        fail(f"The restore failed, nothing was kept: {one_line(error)}")
    except OSError as error:
        fail(f"The restore failed, nothing was kept: {error.strerror or error} ({error.filename or archive})")
    rows = sum(manifest["tables"].values())
    click.echo(
        f"Restored {rows} rows and {manifest['uploads']} uploaded files from {archive} "
        f"(made {manifest['created_at']}, schema {manifest['schema_revision']}) in "
        f"{time.perf_counter() - started:.1f} s."
    )


def register(app: Flask) -> None:
    for command in (check_command, backup_command, restore_command):
        app.cli.add_command(command)
