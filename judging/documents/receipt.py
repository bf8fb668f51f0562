"""The PDF receipt of a submission: exactly what was submitted, as kept in ``extra["submission"]``.

The HTML template is autoescaped (it ends in ``.html``): text typed by candidates is shown as text.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import render_template
from flask_babel import force_locale

from ..models import Application
from .pdf import render_pdf


def _moment(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def receipt_html(application: Application, *, locale: str) -> str:
    from ..candidate.forms import labels
    from ..services.applications import countries

    submission: dict[str, Any] = (application.extra or {}).get("submission") or {}
    with force_locale(locale):
        return render_template(
            "documents/receipt.html",
            application=application,
            submission=submission,
            content=submission.get("content") or {},
            submitted_at=_moment(submission.get("submitted_at")),
            first_submitted_at=_moment(submission.get("first_submitted_at")),
            country_names=dict(countries(locale)),
            labels=labels(),
            locale=locale,
        )


def receipt_pdf(application: Application, *, locale: str) -> bytes:
    return render_pdf(receipt_html(application, locale=locale))
