"""Publication consent: may a candidate's names and project be published if they are a finalist or win?

The candidate answers on the application form (a required yes/no, asked in the edition's own words,
:func:`consent_question`) and may change the answer at any time from the application page
(:func:`set_publication_consent`), even after judging and after the announcement.

**One rule for every public output**: :func:`publishable`. The public finalists and winners pages,
the press sheet, the reveal screen and the edition report read the *current* answer through it
(via :meth:`judging.ceremony.plan.Laureate.for_public`), so a withdrawal takes effect on all of
them at once, frozen results included. Who is not publishable is still counted, shown as
"Finalist (name withheld)". Internal documents for the organizers and the host keep the names.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from judging.accounts.models import User
from judging.applications.models import Application
from judging.core.audit import record
from judging.core.models import localized, utcnow
from judging.editions.models import DEFAULT_CONSENT_TEXT, Edition


def publishable(application: Application) -> bool:
    """May this application's names and project appear in a public output? Only after an explicit yes."""
    return application.publication_consent is True


def consent_question(edition: Edition, language: str) -> str:
    """The consent question in ``language``: the organizer's wording, else the default one."""
    wording = edition.publication_consent_text
    text = localized(wording, language) if wording else ""
    return text or DEFAULT_CONSENT_TEXT.get(language, DEFAULT_CONSENT_TEXT["fr"])


def form_asks_consent(application: Application) -> bool:
    """Does the application form carry the question? For a draft, or while it has no answer.

    A submitted application changes its answer on its own page (:func:`set_publication_consent`), so
    that a consent change is never a resubmission (new receipt, new mail).
    """
    return application.status == "draft" or application.publication_consent is None


def apply_publication_consent(
    application: Application, consent: bool | None, *, now: datetime, changes: dict[str, tuple[Any, Any]]
) -> None:
    """Store a new answer with its time (``None``: no answer given, the stored one stays)."""
    if consent is None or consent == application.publication_consent:
        return
    changes["publication_consent"] = (application.publication_consent, consent)
    application.publication_consent = consent
    application.publication_consent_at = now


def set_publication_consent(
    db: Session, application: Application, consent: bool, *, actor: User | None, now: datetime | None = None
) -> bool:
    """Give or withdraw consent (any status, any phase). Returns False when the answer was already that.

    The latest explicit answer wins: it states the candidate's current will, so it is never refused as
    stale (a repeated answer is a no-op). The row's version is bumped, so a form opened earlier in
    another window cannot silently put the old answer back.
    """
    now = now or utcnow()
    changes: dict[str, tuple[Any, Any]] = {}
    before_at = application.publication_consent_at
    apply_publication_consent(application, consent, now=now, changes=changes)
    if not changes:
        return False
    application.updated_at = now
    db.flush()
    before, after = changes["publication_consent"]
    record(
        db,
        actor=actor,
        action="application.publication_consent",
        obj=application,
        edition_id=application.edition_id,
        before={"publication_consent": before, "publication_consent_at": before_at},
        after={"publication_consent": after, "publication_consent_at": now},
    )
    return True


def not_publishable(applications: list[Application]) -> list[Application]:
    """Those of ``applications`` whose names may not be published (answered no, or never answered)."""
    return [a for a in applications if not publishable(a)]
