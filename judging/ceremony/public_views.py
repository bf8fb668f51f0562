"""Public results pages: the finalists (from ``Edition.finalists_public_at``) and the winners
(from ``Edition.winners_public_at``, which an organizer's explicit reveal sets to now).

Before its time a page does not exist for anyone but organizers: the same 404 as an
unknown address, whatever the edition code, the visitor's role or the language. Organizers
see the page before its time under a "preview" banner. Only frozen results are shown
(:func:`judging.ceremony.plan.public_results`): a prize whose results are not frozen
is absent. Each page runs a fixed number of SQL queries whatever the number of prizes.
"""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user
from sqlalchemy import select

from judging.ceremony.audience import public_audience
from judging.ceremony.plan import public_results
from judging.core import clock
from judging.core.blueprints import public as bp
from judging.core.clock import is_public
from judging.core.permissions import is_organizer
from judging.db import session as db
from judging.editions.models import Edition


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
        f"results/public_{stage}.html",
        edition=edition,
        prizes=prizes,
        preview=preview,
        opens_at=opens_at,
        winners_public=is_public(edition.winners_public_at, clock.now()),
        finalists_public=is_public(edition.finalists_public_at, clock.now()),
        # the audience award only once revealed (never in an organizer's preview before it)
        audience=public_audience(db, edition, at=clock.now()) if stage == "winners" else None,
    )
    headers = {"Cache-Control": "private, no-store"} if preview else {}
    return response, 200, headers


@bp.get("/editions/<code>/finalists")
def finalists(code: str):
    return _page(code, "finalists")


@bp.get("/editions/<code>/winners")
def winners(code: str):
    return _page(code, "winners")


@bp.app_template_global()
def public_winners(edition: Edition) -> dict:
    """Prize id → its winner, for the home page's prize cards once the winners are public; read
    like the winners page (:func:`judging.ceremony.plan.public_results`: frozen results only, names
    withheld without consent). Empty before the reveal. Defined here because the home page
    (editions) sits below the ceremony and may not import it."""
    if not is_public(edition.winners_public_at, clock.now()):
        return {}
    return {prize.id: prize.winner for prize in public_results(db, edition, stage="winners") if prize.winner}
