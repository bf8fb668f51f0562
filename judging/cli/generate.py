"""``judging generate``: a fictional edition of any size, loaded in bulk.

See :mod:`judging.devdata.generate`.

The command runs in the app context, calls the generator (which flushes) and commits once.
"""

from __future__ import annotations

import time

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from judging.cli.common import fail
from judging.db import session
from judging.devdata.generate import PASSWORD, GenerateError, generate_edition, table_counts
from judging.exchange.validate import CODE_RE


@click.command("generate")
@click.option("--applications", type=click.IntRange(min=1), required=True, help="Number of applications.")
@click.option("--jurors", type=click.IntRange(min=1), required=True, help="Number of jurors.")
@click.option("--edition", "code", required=True, help="Code of the edition to create.")
@click.option("--seed", type=int, default=2026, show_default=True, help="Same seed, same data.")
@click.option("--prizes", type=click.IntRange(1, 4), default=4, show_default=True)
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The day the dates are relative to (default: today, in Montréal).",
)
@click.option("--replace", is_flag=True, help="Delete the edition and its generated accounts first.")
@with_appcontext
def generate_command(
    applications: int, jurors: int, code: str, seed: int, prizes: int, today, replace: bool
) -> None:
    """Create a fictional edition with N applications and M jurors, loaded in bulk.

    Three jurors per submitted application (never one in conflict), scorecards of five
    criteria (mostly submitted), conflicts, four prizes. Every generated account has the
    password "generated-awards".
    """
    if not CODE_RE.match(code):
        fail(f"Invalid edition code {code!r}: letters, digits, '-', '_' and '.'.")
    started, cpu = time.perf_counter(), time.process_time()
    click.echo(f"Generating {code}: {applications:,} applications, {jurors:,} jurors (seed {seed})...")
    try:
        report = generate_edition(
            session,
            code=code,
            applications=applications,
            jurors=jurors,
            seed=seed,
            prizes=prizes,
            today=today.date() if today else None,
            replace=replace,
            password_method=current_app.config.get("PASSWORD_HASH_METHOD"),
            log=click.echo,
        )
        commit_started = time.perf_counter()
        session.commit()
        click.echo(f"  {'commit':<14} {time.perf_counter() - commit_started:7.1f} s")
    except GenerateError as error:
        session.rollback()
        fail(str(error))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    click.echo(f"Edition {code} generated in {elapsed:.1f} s ({cpu:.1f} s CPU in this process).")
    click.echo("Rows per table:")
    for table, count in table_counts(session, report.edition).items():
        click.echo(f"  {table:<18} {count:>10,}")
    click.echo(
        f"  {'users (generated)':<18} {report.counts['jurors'] + report.counts['candidates'] + 1:>10,}"
    )
    click.echo(
        "Statuses: "
        + ", ".join(
            f"{k.split('_', 1)[1]} {v:,}" for k, v in report.counts.items() if k.startswith("applications_")
        )
        + " | scorecards: "
        + ", ".join(
            f"{k.split('_', 1)[1]} {v:,}" for k, v in report.counts.items() if k.startswith("scorecards_")
        )
    )
    click.echo(
        f"Logins: organizer@{code.lower()}.example, j00001@jury.{code.lower()}.example, "
        f"c000001@candidates.{code.lower()}.example (password: {PASSWORD})."
    )


def register(app: Flask) -> None:
    app.cli.add_command(generate_command)
