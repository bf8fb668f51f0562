"""The PDF receipt of a submission: exactly what was submitted, read from its :class:`Submission` row.

A receipt reprinted later shows that submission (its content, its time, its receipt number, the
consent given then), never the application as it is now.
The HTML template is autoescaped (it ends in ``.html``): text typed by candidates is shown as text.
"""

from __future__ import annotations

from datetime import datetime

from flask import render_template
from flask_babel import force_locale

from judging.applications.choices import countries, labels
from judging.applications.models import Application, Submission
from judging.applications.operations import build_snapshot
from judging.core.pdf import render_pdf


def _moment(value: object) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def _rules_accepted_at(application: Application, content: dict) -> datetime | None:
    """When the rules were accepted, as submitted (a submission recorded before 0007 did not keep it)."""
    if "consent" not in content:
        return application.consent_at
    return _moment(content["consent"].get("rules_accepted_at"))


def receipt_html(application: Application, *, locale: str, submission: Submission | None = None) -> str:
    """The receipt of ``submission`` (by default the latest one) of ``application``.

    A submission that came without its content (imported from a document that does not carry it, as
    the demo's does) reprints the application as it stands rather than failing.
    """
    submission = submission or application.latest_submission
    if submission is None:
        raise LookupError(f"application {application.id} has no submission with a receipt")
    kept = {"content": submission.content, "context": submission.context or {}}
    frozen = kept if submission.content is not None else build_snapshot(application)
    content = frozen["content"]
    with force_locale(locale):
        return render_template(
            "applications/receipt.html",
            application=application,
            submission=submission,
            context=frozen["context"],
            content=content,
            rules_accepted_at=_rules_accepted_at(application, content),
            submitted_at=submission.submitted_at,
            first_submitted_at=application.first_submitted_at,
            country_names=dict(countries(locale)),
            labels=labels(),
            locale=locale,
        )


def receipt_pdf(application: Application, *, locale: str, submission: Submission | None = None) -> bytes:
    return render_pdf(receipt_html(application, locale=locale, submission=submission))
