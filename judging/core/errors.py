"""Errors people can act on: a translated page for browsers, JSON for scripts, never a bare error.

* Every HTTP error (400, 403, 404, 405, 413, 429, 500) renders ``errors/<code>.html``, or JSON
  ``{"ok": false, "error": <code>, "message": <text>}`` for JSON callers (an ``/autosave`` URL, or
  an ``Accept`` header that prefers JSON to HTML).
* A form sent after the session ended (the CSRF check fails and nobody is logged in) on a page that
  needs a login goes to the login page, which brings the person back to the form (the candidate's
  autosave restores what was typed from the browser); a script gets 401 with ``login_url``.
* The database briefly away (connection refused or lost, pool exhausted, SQLite busy): 503 « réessayez
  dans un instant » with ``Retry-After``. ``StaleDataError`` that escaped a route (someone saved the
  same record meanwhile): 409. Both after a rollback, and rendered without touching the database.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, flash, g, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_login.utils import login_url as make_login_url
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from judging import db
from judging.extensions import login_manager

log = logging.getLogger("judging.core.errors")

#: Seconds a client is asked to wait after a 503.
RETRY_AFTER = 10

#: Areas whose every page needs a login (plus the profile page).
LOGIN_BLUEPRINTS = frozenset({"candidate", "jury", "organizer"})
LOGIN_ENDPOINTS = frozenset({"auth.profile"})

#: Short machine-readable names of HTTP errors in JSON answers.
ERROR_CODES = {
    400: "bad-request",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "stale",
    413: "too-large",
    429: "too-many",
    500: "server-error",
    503: "unavailable",
}

SESSION_EXPIRED = _l("Your session has expired and nothing was saved. Log in again to continue.")

ERROR_TITLES = {
    400: _l("Bad request"),
    403: _l("Access denied"),
    404: _l("Page not found"),
    405: _l("Not allowed"),
    413: _l("File too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong"),
}


def wants_json() -> bool:
    """Scripts: the autosave endpoints, and callers whose ``Accept`` prefers JSON to HTML."""
    if request.path.endswith("/autosave"):
        return True
    accept = request.accept_mimetypes
    return accept.best_match(["text/html", "application/json"]) == "application/json" and (
        accept["application/json"] > accept["text/html"]
    )


def json_error(status: int, message: Any, *, error: str | None = None, **extra: Any):
    """The JSON answer of a refusal, in the autosave scripts' format."""
    name = error or ERROR_CODES.get(status, str(status))
    return jsonify({"ok": False, "error": name, "message": str(message), **extra}), status


def _needs_login() -> bool:
    return request.blueprint in LOGIN_BLUEPRINTS or request.endpoint in LOGIN_ENDPOINTS


def _form_page() -> str:
    """Where the form that was sent lives: the page it came from (same site), else the URL it was sent to."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/"):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return request.full_path.rstrip("?").removesuffix("/autosave")  # a page's autosave is its URL + /autosave


def _login_url(next_page: str) -> str:
    return url_for("auth.login", next=next_page)


def _rollback() -> None:
    """Forget the failed transaction; a connection that is gone may refuse even that."""
    with contextlib.suppress(sa_exc.SQLAlchemyError):
        db.session.rollback()


def _without_database() -> None:
    """Render the next page without asking the database who is logged in (it may be away)."""
    if "_login_user" not in g:
        g._login_user = login_manager.anonymous_user()


def database_away(error: BaseException) -> bool:
    """True for errors that say the database is unreachable or busy for now (not a bug in a query)."""
    if isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError | sa_exc.TimeoutError):
        return True
    return isinstance(error, sa_exc.DBAPIError) and bool(error.connection_invalidated)


def unavailable(error: BaseException | None = None):
    log.warning("database unavailable (%s %s): answered 503", request.method, request.path, exc_info=error)
    _rollback()
    _without_database()
    message = _("The service is temporarily unavailable. Please try again in a moment.")
    if wants_json():
        response, status = json_error(503, message)
    else:
        response, status = render_template("errors/503.html"), 503
    response = make_response(response, status)
    response.headers["Retry-After"] = str(RETRY_AFTER)
    return response


def http_error(error: HTTPException):
    code = error.code or 500
    if code == 500:
        original = getattr(error, "original_exception", None)
        if original is not None and database_away(original):
            return unavailable(original)
        _rollback()
        _without_database()
    if wants_json():
        return json_error(code, ERROR_TITLES.get(code, error.name))
    return render_template(f"errors/{code}.html", error=error), code


def csrf_error(error: CSRFError):
    """A form whose token does not check out. After the session ended: back through the login page."""
    anonymous = not current_user.is_authenticated
    if anonymous and (_needs_login() or wants_json()):
        next_page = _form_page()
        if wants_json():
            return json_error(401, SESSION_EXPIRED, login_url=_login_url(next_page))
        flash(SESSION_EXPIRED, "warning")
        return redirect(_login_url(next_page))
    if wants_json():
        message = _("This form has expired. Reload the page and send it again.")
        return json_error(400, message, error="csrf")
    return render_template("errors/csrf.html", error=error), 400


def stale(error: StaleDataError):
    """A save that lost a race with another one (the route did not handle it): nothing was saved."""
    log.warning("stale save (%s %s): answered 409: %s", request.method, request.path, error)
    _rollback()
    message = _(
        "Someone saved this record while you were editing it, so nothing was saved. "
        "Reload the page to see the current version, then make your change again."
    )
    if wants_json():
        return json_error(409, message)
    return render_template("errors/409.html", message=message), 409


def unauthorized():
    """Flask-Login's "log in first": JSON 401 for scripts, else its usual flash and redirect."""
    if wants_json():
        return json_error(401, SESSION_EXPIRED, login_url=_login_url(_form_page()))
    flash(str(login_manager.login_message), login_manager.login_message_category)
    return redirect(make_login_url(login_manager.login_view, next_url=request.url))


def init_app(app: Flask) -> None:
    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, http_error)
    app.register_error_handler(CSRFError, csrf_error)
    app.register_error_handler(StaleDataError, stale)
    # other database errors with ``connection_invalidated`` reach the 500 handler (logged), which answers 503
    for away in (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError):
        app.register_error_handler(away, unavailable)
    login_manager.unauthorized_handler(unauthorized)
