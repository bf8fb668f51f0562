"""The ``judging`` console command (Flask's CLI with the app factory built in).

Every command prints a clear error and exits non-zero on failure.
"""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from .db import session


def _create_app() -> Flask:
    from . import create_app
    from .config import COMMAND_LINE_PUBLIC_URL

    # a local command may run without JUDGING_PUBLIC_URL (a server under gunicorn may not)
    return create_app({"PUBLIC_URL_FALLBACK": COMMAND_LINE_PUBLIC_URL})


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True)
def main() -> None:
    """Awards judging platform: setup, import/export, demo data, mail."""


def fail(message: str) -> None:
    click.secho(message, fg="red", err=True)
    sys.exit(1)


def upgrade_database() -> None:
    from .migrate import upgrade

    upgrade(current_app.config["DATABASE_URL"])


@click.group("db")
def db_group() -> None:
    """Database schema (Alembic migrations)."""


@db_group.command("upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Create or upgrade the schema to the latest migration."""
    try:
        upgrade_database()
    except Exception as error:  # the command must explain, not dump a traceback
        fail(f"Database upgrade failed: {error}")
    click.echo("Database is up to date.")


@click.command("create-organizer")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--language", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
@with_appcontext
def create_organizer(email: str, name: str, password: str, language: str) -> None:
    """Create an organizer account (or give the organizer role to an existing one)."""
    from .services.accounts import AccountError
    from .services.accounts import create_organizer as create

    try:
        user = create(session, email=email, name=name, password=password, language=language)
        session.commit()
    except AccountError as error:
        session.rollback()
        fail(str(error))
    click.echo(f"Organizer {user.email} is ready.")


@click.command("send-mail")
@with_appcontext
def send_mail() -> None:
    """Send the mail waiting in the outbox (retries failed mail whose time has come)."""
    from .services.mail import deliver_pending

    sent, failed = deliver_pending(session)
    click.echo(f"{sent} sent, {failed} failed.")
    if failed:
        sys.exit(1)


@click.command("stats")
@click.argument("edition_code")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON (the default).")
@with_appcontext
def stats(edition_code: str, as_json: bool) -> None:
    """Print the edition report: applications, growth, origins, types, women, finalists, winners."""
    import json

    from sqlalchemy import select

    from .models import Edition
    from .services.report import edition_stats

    edition = session.scalars(select(Edition).where(Edition.code == edition_code)).first()
    if edition is None:
        fail(f"No edition with the code {edition_code!r}.")
    click.echo(json.dumps(edition_stats(session, edition), ensure_ascii=False, indent=2))


@click.command("translations")
@click.option("--check", is_flag=True, help="Fail when a French message is missing.")
def translations(check: bool) -> None:
    """Extract messages, update the fr/en catalogs, fill English, compile."""
    from . import i18n

    i18n.extract()
    i18n.update()
    i18n.fill_english()
    i18n.compile_catalogs()
    missing = i18n.untranslated("fr")
    click.echo(f"{len(missing)} French message(s) to translate.")
    for message in missing:
        click.echo(f"  {message}")
    if check and missing:
        sys.exit(1)


def register_commands(app: Flask) -> None:
    """The core commands here, plus each feature's own (import/export/demo, results, generate, ceremony)."""
    from . import cli_exchange, cli_generate, cli_report, cli_results

    for command in (db_group, create_organizer, send_mail, stats, translations):
        app.cli.add_command(command)
    for module in (cli_exchange, cli_results, cli_generate, cli_report):
        module.register(app)
