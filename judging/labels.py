"""Translated labels for the coded values people see: statuses, regions, organization types, outcomes.

Defined once here (lazy, so the current language is chosen when shown) and reused by
pages, mail and exports. ``label(LABELS, code)`` falls back to the code itself for a value
that has no label (an old or unexpected value is shown, never hidden).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

STATUS_LABELS = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted"),
    "withdrawn": _l("Withdrawn"),
    "ineligible": _l("Ineligible"),
}

REGION_LABELS = {
    "montreal": _l("Montréal"),
    "quebec": _l("Québec (outside Montréal)"),
    "canada": _l("Canada (outside Québec)"),
    "international": _l("International"),
}

ORG_TYPE_LABELS = {
    "startup": _l("Startup"),
    "sme": _l("Small or medium business"),
    "large": _l("Large company"),
    "nonprofit": _l("Non-profit organization"),
    "public": _l("Public body"),
    "academic": _l("University, college or research centre"),
}

OUTCOME_LABELS = {
    "finalist": _l("Finalist"),
    "winner": _l("Winner"),
    "mention": _l("Honourable mention"),
    "not-selected": _l("Not selected"),
}

LANGUAGE_LABELS = {"fr": _l("French"), "en": _l("English")}


def label(labels: Mapping[str, Any], code: str | None) -> str:
    """The translated label of ``code``; the code itself when unknown; empty for None."""
    if code is None or code == "":
        return ""
    return str(labels.get(code, code))


#: Audit actions about an application, as its history shows them (unknown actions show their code).
APPLICATION_ACTION_LABELS = {
    "application.created": _l("Application started"),
    "application.submitted": _l("Application submitted"),
    "application.resubmitted": _l("Application submitted again"),
    "application.updated": _l("Application edited"),
    "application.withdrawn": _l("Application withdrawn"),
    "application.eligible": _l("Marked eligible"),
    "application.ineligible": _l("Marked ineligible"),
    "application.extended": _l("Deadline extended"),
    "application.reopened": _l("Reopened for edits"),
}
