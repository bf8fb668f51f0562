"""Public pages: home (the current edition's prizes) and the language switch."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, session, url_for
from flask_login import current_user

from judging.core import clock
from judging.core.blueprints import public as bp
from judging.core.forms import LanguageForm
from judging.core.templating import time_left
from judging.core.web_input import safe_next
from judging.db import session as db
from judging.editions import queries
from judging.editions.cockpit import season_timeline
from judging.editions.models import Edition


@bp.get("/")
def home():
    edition = db.scalars(queries.current_edition()).first()
    if edition is None:
        edition = db.scalars(queries.editions_newest_first()).first()
    prizes = db.scalars(queries.prizes_of_edition(edition.id)).all() if edition else []
    return _edition_page(edition, prizes)


@bp.get("/editions/<code>")
def edition(code: str):
    found = db.scalars(queries.editions_newest_first().where(Edition.code == code)).first()
    if found is None:
        abort(404)
    return _edition_page(found, db.scalars(queries.prizes_of_edition(found.id)).all())


def _edition_page(edition: Edition | None, prizes: list) -> str:
    """The contest presented: its window and countdown, its season's timeline, its prizes with their
    sponsors and presenters, links to apply and to the results that are public."""
    now = clock.now()
    clock.use_timezone(edition.timezone if edition else None)  # the home page names no edition
    is_open = bool(edition and edition.applications_open <= now < edition.applications_close)
    return render_template(
        "editions/home.html",
        edition=edition,
        prizes=prizes,
        now=now,
        is_open=is_open,
        not_yet_open=bool(edition and now < edition.applications_open),
        time_left=time_left(edition.applications_close, now) if is_open else "",
        timeline=season_timeline(edition, prizes, now) if edition else [],
        finalists_public=bool(edition and clock.is_public(edition.finalists_public_at, now)),
        winners_public=bool(edition and clock.is_public(edition.winners_public_at, now)),
    )


@bp.post("/language")
def set_language():
    """Switch language for the visit and, when logged in, on the profile."""
    form = LanguageForm()
    target = safe_next(request.form.get("next"), url_for("public.home"))
    if not form.validate_on_submit():
        return redirect(target)
    session["lang"] = form.language.data
    if current_user.is_authenticated and current_user.language != form.language.data:
        current_user.language = form.language.data
        db.commit()
    return redirect(target)
