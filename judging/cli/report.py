"""The ceremony PDFs and the edition report from the shell.

``judging ceremony EDITION --pdf KIND -o FILE`` and ``judging report EDITION -o FILE``.

Same code path as the organizer's pages: the ceremony documents are made only from frozen
results (the command explains which prizes are not ready and exits 1).
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_babel import force_locale

from judging.ceremony import documents
from judging.ceremony.plan import CeremonyError, ceremony_plan
from judging.ceremony.report_pdf import report_pdf
from judging.cli.common import edition_or_fail, fail
from judging.core import clock
from judging.db import session


@click.command("ceremony")
@click.argument("edition_code")
@click.option(
    "--pdf",
    "kind",
    required=True,
    type=click.Choice(["run-of-show", "envelopes", "presenters", "certificates", "press"]),
    help="Which document.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--language", type=click.Choice(["fr", "en", "bilingual"]), default="fr", show_default=True)
@click.option("--paper", type=click.Choice(["letter", "a4"]), default="letter", show_default=True)
@click.option("--only-ready", is_flag=True, help="Leave out the prizes whose results are not frozen.")
@with_appcontext
def ceremony(edition_code: str, kind: str, output: Path, language: str, paper: str, only_ready: bool) -> None:
    """Write a ceremony PDF (frozen results only)."""
    edition = edition_or_fail(edition_code)
    with current_app.test_request_context(), force_locale(language if language != "bilingual" else "fr"):
        try:
            plan = ceremony_plan(session, edition, language=language, only_ready=only_ready)
            plan.audience = _document_audience(edition, kind, only_ready=only_ready)
        except CeremonyError as error:
            fail(str(error.message))
        data = documents.ceremony_pdf(plan, kind, paper=paper)
    session.commit()  # a look at the audience tally (envelopes, certificates before the reveal) is logged
    output.write_bytes(data)
    click.echo(f"{output} written ({len(plan.prizes)} prize(s)).")


def _document_audience(edition, kind: str, *, only_ready: bool):
    """The audience award as the organizer's page puts it in document ``kind``; the look is the platform's.

    With ``--only-ready`` it is left out until its vote has closed, as the prizes not yet frozen are.
    """
    try:
        return documents.document_audience(session, edition, kind, actor=None, at=clock.now())
    except CeremonyError:
        if only_ready:
            return None
        raise


@click.command("report")
@click.argument("edition_code")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--language", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
@click.option("--paper", type=click.Choice(["letter", "a4"]), default="letter", show_default=True)
@with_appcontext
def report(edition_code: str, output: Path, language: str, paper: str) -> None:
    """Write the edition report as a PDF (the figures of ``judging stats``)."""
    edition = edition_or_fail(edition_code)
    with current_app.test_request_context():
        data = report_pdf(session, edition, locale=language, paper=paper)
    output.write_bytes(data)
    click.echo(f"{output} written.")


def register(app: Flask) -> None:
    app.cli.add_command(ceremony)
    app.cli.add_command(report)
