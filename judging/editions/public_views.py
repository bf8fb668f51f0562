"""Public pages: home (the current edition's prizes) and the language switch."""

from __future__ import annotations

from flask import Response, abort, redirect, render_template, request, session, url_for
from flask_login import current_user

from judging.core import clock
from judging.core.blueprints import public as bp
from judging.core.forms import LanguageForm
from judging.core.permissions import may_apply
from judging.core.templating import (
    Brand,
    page_names_edition,
    time_left,
    use_brand_by_default,
    use_page_edition,
)
from judging.core.web_input import safe_next
from judging.db import session as db
from judging.editions import brand, queries
from judging.editions.cockpit import first_pitch_at, season_timeline
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
    use_page_edition(edition)  # the home page names no edition: its zone and brand come from here
    is_open = bool(edition and edition.applications_open <= now < edition.applications_close)
    return render_template(
        "editions/home.html",
        edition=edition,
        prizes=prizes,
        now=now,
        is_open=is_open,
        may_apply=is_open and may_apply(current_user),
        not_yet_open=bool(edition and now < edition.applications_open),
        time_left=time_left(edition.applications_close, now) if is_open else "",
        timeline=season_timeline(edition, prizes, now, first_pitch_at(db, prizes)) if edition else [],
        finalists_public=bool(edition and clock.is_public(edition.finalists_public_at, now)),
        winners_public=bool(edition and clock.is_public(edition.winners_public_at, now)),
    )


@bp.get("/editions/<int:edition_id>/brand.css")
def edition_brand_css(edition_id: int) -> Response:
    """The edition's colours as CSS custom properties for its pages (the CSP allows no inline style)."""
    edition = db.get(Edition, edition_id)
    if edition is None or not (edition.brand_primary or edition.brand_accent):
        abort(404)  # no colours of its own: its pages link no stylesheet
    response = Response(brand.stylesheet(edition.brand_primary, edition.brand_accent), mimetype="text/css")
    return _cached(response, request.args.get("v"), brand.brand_of(edition))


@bp.get("/editions/<int:edition_id>/logo")
def edition_logo(edition_id: int) -> Response:
    """The edition's logo (public, like the edition's home page), served as :mod:`.brand` says."""
    edition = db.get(Edition, edition_id)
    if edition is None or not edition.brand_logo_sha256 or edition.brand_logo is None:
        abort(404)
    response = Response(edition.brand_logo, mimetype=edition.brand_logo_type)
    response.headers.update(brand.LOGO_HEADERS)
    fresh = request.args.get("v") == edition.brand_logo_sha256[:12]
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable" if fresh else "no-cache"
    return response


def _cached(response: Response, asked: str | None, current: Brand | None) -> Response:
    """Kept for a year when the URL names the current brand (its URL changes with it), else revalidated."""
    fresh = current is not None and asked == current.version
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable" if fresh else "no-cache"
    return response


#: requests that need no brand by default: static files and the health check (one query, and it must
#: answer JSON even when the schema is behind) show no page; the home page chooses its edition itself
UNBRANDED = ("static", "bootstrap.static", "health.healthz", "public.home")


@bp.before_app_request
def brand_by_default() -> None:
    """Every page about no edition wears the current edition's brand."""
    if request.endpoint not in UNBRANDED and not page_names_edition():
        use_brand_by_default(brand.current_brand(db))


@bp.app_template_global()
def document_brand(edition: Edition | None) -> dict | None:
    """For the ceremony PDFs' header (:func:`judging.editions.brand.document_brand`)."""
    return brand.document_brand(edition)


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
