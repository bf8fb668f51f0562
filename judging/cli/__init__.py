"""The ``judging`` console command (Flask's CLI with the app factory built in).

Every command prints a clear error and exits non-zero on failure.
"""

from __future__ import annotations

import copy
import functools
import json
import sys
from datetime import datetime

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, ScriptInfo, get_debug_flag, run_command, with_appcontext
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from werkzeug.serving import is_running_from_reloader

from judging import create_app
from judging.accounts.operations import AccountError
from judging.accounts.operations import create_organizer as create
from judging.ceremony.report import edition_stats
from judging.cli import exchange as cli_exchange
from judging.cli import generate as cli_generate
from judging.cli import ops as cli_ops
from judging.cli import report as cli_report
from judging.cli import results as cli_results
from judging.cli.common import edition_or_fail, fail, one_line, start_background_sender, upgrade_database
from judging.config import COMMAND_LINE_PUBLIC_URL, ConfigError
from judging.core import i18n
from judging.core.models import utcnow
from judging.db import session
from judging.mail.outbox import SendReport, deliver_pending, outbox_state
from judging.mail.worker import MailSender, stop_on_signals


def _create_app() -> Flask:
    # a local command may run without JUDGING_PUBLIC_URL (a server under gunicorn may not)
    try:
        return create_app({"PUBLIC_URL_FALLBACK": COMMAND_LINE_PUBLIC_URL})
    except ConfigError as error:
        fail(str(error))
    except ArgumentError as error:  # e.g. JUDGING_DATABASE_URL=postgres://… (no such dialect, a typo)
        fail(f"JUDGING_DATABASE_URL is not a database address SQLAlchemy can use: {error}.")
    except OSError as error:  # e.g. no SECRET_KEY and an instance folder it may not write in
        fail(f"The app cannot start: {error.strerror or error} ({error.filename}); see docs/deploy.md.")
    raise AssertionError("unreachable")


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True)
def main() -> None:
    """Awards judging platform: setup, import/export, demo data, mail."""


def _run_with_mail_sender() -> click.Command:
    """Flask's ``run`` command, plus the background mail sender in the serving process.

    With the reloader on, the sender starts in the reloaded child (the one that serves), not in
    the parent that only watches files. ``JUDGING_MAIL_WORKER=off`` turns it off.
    """
    serve = run_command.callback

    @functools.wraps(serve)  # type: ignore[arg-type]
    def run_and_send(**options):
        reload = options.get("reload")
        if not (get_debug_flag() if reload is None else reload) or is_running_from_reloader():
            try:
                app = click.get_current_context().ensure_object(ScriptInfo).load_app()
            except Exception:  # an app that does not load: Flask's ``run`` below reports it
                app = None
            if app is not None:
                start_background_sender(app)
        return serve(**options)  # type: ignore[misc]

    command = copy.copy(run_command)
    command.callback = run_and_send
    return command


main.add_command(_run_with_mail_sender(), "run")


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
        fail(f"Database upgrade failed: {one_line(error)}")
    click.echo("Database is up to date.")


@click.command("create-organizer")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--language", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
@with_appcontext
def create_organizer(email: str, name: str, password: str, language: str) -> None:
    """Create an organizer account (or give the organizer role to an existing one)."""
    try:
        user = create(session, email=email, name=name, password=password, language=language)
        session.commit()
    except AccountError as error:
        session.rollback()
        fail(str(error))
    click.echo(f"Organizer {user.email} is ready.")


#: ``send-mail`` exit statuses: mail given up needs a person (1); a temporary failure will be retried (75,
#: EX_TEMPFAIL of sysexits.h).
EXIT_GAVE_UP = 1
EXIT_RETRY_LATER = 75


@click.command("send-mail")
@click.option(
    "--watch", is_flag=True, help="Keep running and send mail as it arrives (stop: SIGTERM/Ctrl+C)."
)
@with_appcontext
def send_mail(watch: bool) -> None:
    """Send the mail waiting in the outbox (retries failed mail whose time has come).

    Prints what was sent and failed, what still waits, and every mail given up (exit status 1;
    75 when some mail failed and will be retried, or the database is unavailable). See docs/mail.md.
    """
    try:
        if watch:
            sender = MailSender(current_app._get_current_object(), on_pass=_echo_pass)  # type: ignore[attr-defined]
            click.echo("Sending mail as it arrives (stop with Ctrl+C or SIGTERM).")
            with stop_on_signals(sender):
                report = sender.run()
            click.echo("Stopped.")
        else:
            report = deliver_pending(session)
        state = outbox_state(session)
    except SQLAlchemyError as error:
        unavailable = f"The database is unavailable ({type(error).__name__}): try again later."
        click.secho(unavailable, fg="red", err=True)
        sys.exit(EXIT_RETRY_LATER)
    gave_up = len(state.given_up)
    click.echo(f"{report.sent} sent, {report.failed} failed; {state.waiting} waiting, {gave_up} given up.")
    if state.given_up:
        click.secho("Given up (retry or cancel them on the organizer's outbox page):", fg="red", err=True)
        for mail in state.given_up:
            click.echo(
                f"  {mail.to_address} | {mail.subject} | {mail.last_error or ''} | "
                f"waiting since {_utc(mail.created_at)}, given up {_utc(mail.gave_up_at)}",
                err=True,
            )
        sys.exit(EXIT_GAVE_UP)
    if report.failed:
        sys.exit(EXIT_RETRY_LATER)


def _utc(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else ""


def _echo_pass(report: SendReport) -> None:
    gave_up = f", {report.gave_up} given up" if report.gave_up else ""
    click.echo(f"{_utc(utcnow())}: {report.sent} sent, {report.failed} failed{gave_up}.")


@click.command("stats")
@click.argument("edition_code")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON (the default).")
@with_appcontext
def stats(edition_code: str, as_json: bool) -> None:
    """Print the edition report: applications, growth, origins, types, women, finalists, winners."""
    edition = edition_or_fail(edition_code)
    click.echo(json.dumps(edition_stats(session, edition), ensure_ascii=False, indent=2))


@click.command("translations")
@click.option("--check", is_flag=True, help="Fail when a French message is missing.")
def translations(check: bool) -> None:
    """Extract messages, update the fr/en catalogs, fill English, compile."""
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
    for command in (db_group, create_organizer, send_mail, stats, translations):
        app.cli.add_command(command)
    for module in (cli_exchange, cli_results, cli_generate, cli_report, cli_ops):
        module.register(app)
