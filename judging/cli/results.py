"""``judging results EDITION [--json | --verify [--from FILE]]``: the edition's results.

The JSON document is the contract of ``spec/edition-format.md`` ("Results"); the
results page shows the same numbers (both come from :mod:`judging.results.computation`).
``--verify`` recomputes the fingerprint of every frozen round (from the database, or from an
export given with ``--from``) and compares it with the frozen one
(:mod:`judging.exchange.verification`); exit status 1 when any differs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext
from flask_babel import force_locale

from judging.cli.common import edition_or_fail, fail
from judging.db import session
from judging.exchange.import_ import ImportFailed
from judging.exchange.verification import verify_edition
from judging.results.computation import results_document


@click.command("results")
@click.argument("edition_code")
@click.option("--json", "as_json", is_flag=True, help="Print the results document as JSON.")
@click.option(
    "--verify",
    is_flag=True,
    help="Recompute each frozen round's fingerprint and say whether it is the same (exit 1 if any differs).",
)
@click.option(
    "--from",
    "source",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="With --verify: recompute from this export (judging-edition/1 JSON) instead of the database.",
)
@with_appcontext
def results_command(edition_code: str, as_json: bool, verify: bool, source: Path | None) -> None:
    """Print the rankings of every round of EDITION_CODE (a table, or the JSON document with --json)."""
    edition = edition_or_fail(edition_code)
    if source is not None and not verify:
        fail("--from goes with --verify.")
    if verify:
        verify_edition_fingerprints(edition, source)
        return
    with force_locale("en"):
        document = results_document(session, edition)
    if as_json:
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
        return
    for prize in document["prizes"]:
        for rnd in prize["rounds"]:
            click.echo(f"{prize['code']} / {rnd['code']} ({rnd['method']})")
            if "error" in rnd:
                click.echo(f"  {rnd['error']['message']}")
            if not rnd["ranking"]:
                click.echo("  no submitted scorecard")
            for row in rnd["ranking"]:
                tied = " (tied)" if row["tied"] else ""
                stdev = "-" if row["stdev"] is None else row["stdev"]
                click.echo(
                    f"  {row['rank']:>3}{tied:<8} {row['application']:<16} score {row['score']}  "
                    f"mean {row['raw_mean']}  median {row['median']}  sd {stdev}  n {row['count']}"
                )
            alpha = rnd["reliability"]["krippendorff_alpha"]
            click.echo(f"  Krippendorff's alpha: {'-' if alpha is None else alpha}")
            click.echo("")


def read_document(file: Path) -> object:
    """An edition document read from ``file`` (refused with the reason when it is not UTF-8 JSON)."""
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        fail(f"{file}: not UTF-8 text.")
    except RecursionError:
        fail(f"{file}: nested too deeply to be read.")
    except ValueError as error:  # JSONDecodeError included
        fail(f"{file}: not valid JSON ({error}).")


def verify_edition_fingerprints(edition: object, source: Path | None) -> None:
    """One line per frozen round: « same » or « differs », with both fingerprints; exit 1 if any differs."""
    document = read_document(source) if source is not None else None
    if isinstance(document, dict):
        code = (
            (document.get("edition") or {}).get("code") if isinstance(document.get("edition"), dict) else None
        )
        if code != edition.code:
            fail(f"{source}: this export is of the edition {code!r}, not {edition.code!r}.")
    try:
        with force_locale("en"):
            checks = verify_edition(session, edition, document=document)
    except ImportFailed as failure:
        with force_locale("en"):
            for error in failure.errors:
                click.echo(str(error), err=True)
        fail(f"{len(failure.errors)} error(s) in {source}: its fingerprints cannot be computed.")
    if not checks:
        click.echo(f"No frozen round in {edition.code}.")
        return
    origin = str(source) if source is not None else "the database"
    for check in checks:
        state = "same" if check.same else "differs"
        recomputed = check.recomputed or "(no such round)"
        click.echo(
            f"{check.prize} / {check.round}: {state}  frozen {check.frozen}  from {origin} {recomputed}"
        )
    if not all(check.same for check in checks):
        sys.exit(1)


def register(app: Flask) -> None:
    app.cli.add_command(results_command)
