"""The judging platform: ``create_app`` builds the Flask application."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask, g, has_request_context, request, session
from flask_babel import get_locale, refresh
from flask_login import current_user

from judging import db
from judging.config import load_config, settle_public_url
from judging.core import errors
from judging.core.paths import resource_folder
from judging.core.web_input import CleanRequest, escape_lazy_messages
from judging.extensions import babel, bootstrap, csrf, limiter, login_manager

SUPPORTED_LOCALES = ("fr", "en")

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'self'"
)


def select_locale() -> str:
    """The visit's choice first, then the profile's, then the browser's, then French.

    The browser's is its Accept-Language header's best match among fr/en (``en-US`` counts as
    ``en``); outside a request, French.
    """
    if not has_request_context():
        return "fr"
    chosen = session.get("lang")
    if chosen in SUPPORTED_LOCALES:
        return chosen
    if current_user and current_user.is_authenticated and current_user.language in SUPPORTED_LOCALES:
        return current_user.language
    return request.accept_languages.best_match(list(SUPPORTED_LOCALES), default="fr") or "fr"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(resource_folder("templates")),
        static_folder=str(resource_folder("static")),
    )
    app.request_class = CleanRequest  # control characters and lone surrogates never reach a route
    escape_lazy_messages()  # a message that quotes what someone typed is escaped in HTML
    app.config.update(load_config(Path(app.instance_path), config))
    settle_public_url(app.config)  # refuses to start without JUDGING_PUBLIC_URL in production
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    if app.config["PROXY_HOPS"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # behind N trusted proxies: the client's address and scheme come from X-Forwarded-*
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    from judging.core.clock import ArrivalStamp, timezone_name

    # outermost: the time a request reached the server, which deadlines are judged against
    trust_proxy = bool(app.config["PROXY_HOPS"])
    app.wsgi_app = ArrivalStamp(app.wsgi_app, trust_request_start=trust_proxy)  # type: ignore[method-assign]

    db.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=timezone_name,  # the edition's zone when a page is about one
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
    bootstrap.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "warning"

    from werkzeug.exceptions import SecurityError

    from judging.accounts.web import login_messages, untrusted_host

    login_messages(login_manager)
    app.register_error_handler(SecurityError, untrusted_host)  # a Host outside TRUSTED_HOSTS

    from judging.accounts.models import User
    from judging.accounts.operations import user_for_session

    @login_manager.user_loader
    def _load_user(session_id: str) -> User | None:
        """The session's user while its session token is the user's current one (see ``User.get_id``)."""
        return user_for_session(db.session, session_id)

    from judging.core import templating

    templating.init_app(app)
    _register_blueprints(app)
    _register_errors(app)
    _register_security_headers(app)

    from judging.cli import register_commands

    register_commands(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from judging.accounts import organizer_views as _people  # noqa: F401 (routes on the organizer blueprint)
    from judging.accounts.views import bp as auth_bp
    from judging.applications import organizer_views as _applications  # noqa: F401
    from judging.applications.views import bp as candidate_bp
    from judging.audience import views as _audience  # noqa: F401 (organizer's page, the public vote)
    from judging.audit import views as _audit  # noqa: F401
    from judging.ceremony import public_views as _public_results  # noqa: F401 (public finalists, winners)
    from judging.ceremony import views as _ceremony  # noqa: F401
    from judging.core.health import bp as health_bp
    from judging.editions.public_views import bp as public_bp
    from judging.editions.views import bp as organizer_bp
    from judging.jury import organizer_views as _jury  # noqa: F401
    from judging.jury.views import bp as jury_bp
    from judging.live import views as _live  # noqa: F401 (live final: control, board, projector, phones)
    from judging.mail import editor as _mail_editor  # noqa: F401
    from judging.mail import views as _outbox  # noqa: F401
    from judging.results import views as _results  # noqa: F401

    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(candidate_bp, url_prefix="/candidate")
    app.register_blueprint(jury_bp, url_prefix="/jury")
    app.register_blueprint(organizer_bp, url_prefix="/organizer")
    app.register_blueprint(health_bp)  # GET /healthz


def _register_errors(app: Flask) -> None:
    errors.init_app(app)  # a translated page or JSON for every error; 503 when the database is away


def _register_security_headers(app: Flask) -> None:
    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        response.headers["Content-Language"] = str(get_locale() or "fr")
        response.vary.add("Accept-Language")  # a first visit's language follows the browser's
        return response

    @app.before_request
    def _fresh_request_state() -> None:
        """Each request identifies its user anew, even inside an app context that outlives it (tests, CLI)."""
        g.pop("_login_user", None)
        refresh()  # and its language and time zone
        g.request_path = request.path
