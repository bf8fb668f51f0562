"""Public results pages: the finalists (from ``Edition.finalists_public_at``) and the winners
(from ``Edition.winners_public_at``, which an organizer's explicit reveal sets to now).

Before its time a page does not exist for anyone but organizers: the same 404 as an
unknown address, whatever the edition code, the visitor's role or the language. Organizers
see the page before its time under a "preview" banner. Only frozen results are shown
(:func:`judging.services.ceremony.public_results`): a prize whose results are not frozen
is absent. Each page runs a fixed number of SQL queries whatever the number of prizes.
"""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user
from sqlalchemy import select

from .. import clock
from ..db import session as db
from ..models import Edition
from ..permissions import is_organizer
from ..services.ceremony import is_public, public_results
from .routes import bp


def _page(code: str, stage: str):
    edition = db.scalars(select(Edition).where(Edition.code == code)).first()
    if edition is None:
        abort(404)
    opens_at = edition.finalists_public_at if stage == "finalists" else edition.winners_public_at
    public = is_public(opens_at, clock.now())
    preview = not public and is_organizer(current_user)
    if not public and not preview:
        abort(404)
    prizes = public_results(db, edition, stage=stage)
    response = render_template(
        f"public/{stage}.html",
        edition=edition,
        prizes=prizes,
        preview=preview,
        opens_at=opens_at,
        winners_public=is_public(edition.winners_public_at, clock.now()),
        finalists_public=is_public(edition.finalists_public_at, clock.now()),
    )
    headers = {"Cache-Control": "private, no-store"} if preview else {}
    return response, 200, headers


@bp.get("/editions/<code>/finalists")
def finalists(code: str):
    return _page(code, "finalists")


@bp.get("/editions/<code>/winners")
def winners(code: str):
    return _page(code, "winners")
