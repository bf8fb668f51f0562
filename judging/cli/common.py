"""What every command group shares: how a command fails, one-line errors, the schema upgrade, the sender."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from sqlalchemy import select

from judging.core.migrate import upgrade
from judging.db import session
from judging.editions.models import Edition
from judging.mail.worker import start_in_thread


def fail(message: str) -> None:
    click.secho(message, fg="red", err=True)
    sys.exit(1)


def one_line(error: BaseException) -> str:
    """An exception as one line, without SQLAlchemy's SQL, parameters and background link."""
    lines = str(getattr(error, "orig", None) or error).strip().splitlines()
    return lines[0] if lines else error.__class__.__name__


def edition_or_fail(code: str) -> Edition:
    """The edition with this code, or the command fails saying there is none."""
    edition = session.scalars(select(Edition).where(Edition.code == code)).first()
    if edition is None:
        fail(f"No edition with the code {code!r}.")
    return edition  # type: ignore[return-value]


def upgrade_database() -> None:
    upgrade(current_app.config["DATABASE_URL"])


def start_background_sender(app: Flask) -> None:
    if start_in_thread(app) is not None:
        click.echo("Mail is sent by a background thread of this server (JUDGING_MAIL_WORKER=off to stop it).")
