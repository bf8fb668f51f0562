"""``judging import``, ``judging export`` and ``judging demo``.

Each command runs in the app context, calls the exchange service (which
flushes and audits) and commits once; errors are printed with their JSON
path and the command exits with status 1.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_babel import force_locale

from judging.cli.common import fail, start_background_sender, upgrade_database
from judging.config import serve_locally
from judging.db import session
from judging.devdata import demo
from judging.exchange.export import export_edition, find_edition
from judging.exchange.import_ import ImportFailed, import_edition_report

LANGUAGE_OPTION = click.option(
    "--lang",
    type=click.Choice(["fr", "en"]),
    default=None,
    help="Language of the error messages (default: the platform's default language).",
)


def _language(lang: str | None) -> str:
    return lang or current_app.config.get("BABEL_DEFAULT_LOCALE", "fr")


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Replace the edition if its code exists (deletes it first).")
@LANGUAGE_OPTION
@with_appcontext
def import_command(file: Path, replace: bool, lang: str | None) -> None:
    """Import an edition from a judging-edition/1 JSON FILE (all or nothing)."""
    try:
        doc = json.loads(file.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        fail(f"{file}: not UTF-8 text.")
    except json.JSONDecodeError as error:
        fail(f"{file}: not valid JSON ({error.msg}, line {error.lineno}, column {error.colno}).")
    except RecursionError:
        fail(f"{file}: nested too deeply to be read (the format nests 6 levels).")
    except ValueError as error:  # json's own limits, e.g. an integer of more than 4,300 digits
        fail(f"{file}: not usable JSON ({error}).")
    try:
        report = import_edition_report(session, doc, replace=replace)
        session.commit()
    except ImportFailed as failure:
        session.rollback()
        with force_locale(_language(lang)):
            for error in failure.errors:
                click.echo(str(error), err=True)
        fail(f"{len(failure.errors)} error(s) in {file}; nothing was imported.")
    counts = report.counts
    verb = "replaced" if report.replaced else "imported"
    click.echo(f"Edition {report.edition.code} {verb}:")
    for key in (
        "prizes",
        "rounds",
        "criteria",
        "questions",
        "people",
        "people_created",
        "jury_memberships",
        "applications",
        "answers",
        "conflicts",
        "scorecards",
        "scores",
        "decisions",
    ):
        click.echo(f"  {counts.get(key, 0)} {key.replace('_', ' ')}")


@click.command("export")
@click.argument("edition_code")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write to this file instead of standard output.",
)
@with_appcontext
def export_command(edition_code: str, output: Path | None) -> None:
    """Export the edition EDITION_CODE as a judging-edition/1 JSON document."""
    edition = find_edition(session, edition_code)
    if edition is None:
        fail(f"No edition with code {edition_code!r}.")
    text = json.dumps(export_edition(session, edition), ensure_ascii=False, indent=2) + "\n"
    if output is None:
        sys.stdout.write(text)
        return
    output.write_text(text, encoding="utf-8")
    click.echo(f"Edition {edition_code} written to {output}.", err=True)


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Prepare the database and the demo edition, then stop.")
@click.option(
    "--reset", is_flag=True, help="Load the demo edition afresh, replacing the one in the database."
)
@click.option(
    "--at",
    "at",
    type=click.Choice(["open", "screening", "judging", "finalists", "final", "ceremony"]),
    default=None,
    help="Load the demo edition afresh as it stands at this point of the season (default: open, kept).",
)
@with_appcontext
def demo_command(host: str, port: int, no_serve: bool, reset: bool, at: str | None) -> None:
    """Create the database, load the demo edition (once) and serve the app."""
    serve_locally(current_app.config, host, port)  # mailed links point here unless JUDGING_PUBLIC_URL is set
    try:
        upgrade_database()
    except Exception as error:  # the command must explain, not dump a traceback
        fail(f"Database upgrade failed: {error}")
    existed = demo.find_demo(session) is not None
    demo.load_demo(session, replace=reset, at=at)
    session.commit()
    state = "reloaded" if existed and (reset or at) else "already loaded" if existed else "loaded"
    if at:
        state += f" at {at}"
    click.echo(f"Demo edition {demo.EDITION_CODE} {state} ({current_app.config['DATABASE_URL']}).")
    click.echo(f"Demo logins (password for all: {demo.DEMO_PASSWORD}):")
    for role, email in demo.DEMO_LOGINS.items():
        click.echo(f"  {role:<10} {email}")
    if no_serve:
        return
    click.echo(f"Serving on http://{host}:{port}/ (Ctrl+C to stop).")
    # Flask's dev server, started the way ``app.run`` does (``app.run`` itself refuses to run
    # inside a ``flask``/``judging`` CLI command).
    from werkzeug.serving import run_simple

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    start_background_sender(app)  # mail leaves from a thread of this process, never inside a request
    run_simple(host, port, app, use_reloader=False, use_debugger=False, threaded=True)


def register(app: Flask) -> None:
    for command in (import_command, export_command, demo_command):
        app.cli.add_command(command)
