"""``judging results EDITION [--json]``: the edition's results, computed from the stored scorecards.

The JSON document is the contract of ``spec/edition-format.md`` ("Results"); the
results page shows the same numbers (both come from :mod:`judging.services.results`).
"""

from __future__ import annotations

import json

import click
from flask import Flask
from flask.cli import with_appcontext
from flask_babel import force_locale
from sqlalchemy import select

from .cli import fail
from .db import session


@click.command("results")
@click.argument("edition_code")
@click.option("--json", "as_json", is_flag=True, help="Print the results document as JSON.")
@with_appcontext
def results_command(edition_code: str, as_json: bool) -> None:
    """Print the rankings of every round of EDITION_CODE (a table, or the JSON document with --json)."""
    from .models import Edition
    from .services.results import results_document

    edition = session.scalars(select(Edition).where(Edition.code == edition_code)).first()
    if edition is None:
        fail(f"No edition with the code {edition_code!r}.")
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


def register(app: Flask) -> None:
    app.cli.add_command(results_command)
