"""Public pages: home (the current edition's prizes) and the language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from flask_login import current_user

from .. import queries
from ..db import session as db
from ..forms import LanguageForm
from ..models import Edition, utcnow

bp = Blueprint("public", __name__)


def safe_next(target: str | None, default: str) -> str:
    """Only same-site relative paths are followed after a form (no open redirects)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


@bp.get("/")
def home():
    edition = db.scalars(queries.current_edition()).first()
    if edition is None:
        edition = db.scalars(queries.editions_newest_first()).first()
    prizes = db.scalars(queries.prizes_of_edition(edition.id)).all() if edition else []
    now = utcnow()
    is_open = bool(edition and edition.applications_open <= now < edition.applications_close)
    return render_template("public/home.html", edition=edition, prizes=prizes, is_open=is_open)


@bp.get("/editions/<code>")
def edition(code: str):
    found = db.scalars(queries.editions_newest_first().where(Edition.code == code)).first()
    if found is None:
        abort(404)
    prizes = db.scalars(queries.prizes_of_edition(found.id)).all()
    now = utcnow()
    is_open = found.applications_open <= now < found.applications_close
    return render_template("public/home.html", edition=found, prizes=prizes, is_open=is_open)


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
