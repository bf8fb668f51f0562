"""Register, confirm, log in and out, reset a password, accept an invitation, edit the profile."""

from __future__ import annotations

import math
import time

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from judging.accounts import operations as accounts
from judging.accounts.forms import (
    ChangePasswordForm,
    EmailOnlyForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    SetPasswordForm,
)
from judging.accounts.operations import AccountError, TokenError
from judging.core.blueprints import auth as bp
from judging.core.templating import current_locale
from judging.core.web_input import safe_next
from judging.db import session as db
from judging.extensions import limiter

# Throttling: each form is limited per address and per account (the email typed, or the user on the
# profile). Guesses and mail count; a typo in another field does not.


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _guess_limit() -> str:
    return current_app.config["ACCOUNT_GUESS_RATE_LIMIT"]


def _account_mail_limit() -> str:
    return current_app.config["ACCOUNT_MAIL_RATE_LIMIT"]


def _register_limit() -> str:
    return current_app.config["REGISTER_RATE_LIMIT"]


def _email_key() -> str:
    """The account a form is about: its normalized email, whichever address sends it."""
    return "account:" + (accounts.normalize_email(request.form.get("email", "")) or "-")


def _user_key() -> str:
    return f"user:{current_user.id}" if current_user.is_authenticated else get_remote_address()


def _count_attempt() -> None:
    """Count this request against the limits declared with ``deduct_when=_counted``."""
    g.throttle_count = True


def _counted(_response) -> bool:
    return bool(g.get("throttle_count"))


def _not_password_check() -> bool:
    return "pw-current" not in request.form


def _retry_message(seconds: float) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    if minutes > 90:
        hours = math.ceil(minutes / 60)
        return ngettext(
            "Too many attempts. Try again in %(num)d hour.",
            "Too many attempts. Try again in %(num)d hours.",
            hours,
        )
    return ngettext(
        "Too many attempts. Try again in %(num)d minute.",
        "Too many attempts. Try again in %(num)d minutes.",
        minutes,
    )


@bp.errorhandler(429)
def too_many_attempts(_error):
    """Say when to try again: the breached limit's reset time."""
    breached = limiter.current_limit
    wait = max(1.0, breached.window[0] - time.time()) if breached is not None else 60.0
    response = current_app.make_response(
        (render_template("accounts/too_many.html", message=_retry_message(wait)), 429)
    )
    response.headers["Retry-After"] = str(math.ceil(wait))
    return response


def home_for(user) -> str:
    if user.has_role("organizer"):
        return url_for("organizer.dashboard")
    if user.has_role("juror"):
        return url_for("jury.dashboard")
    if user.has_role("candidate"):
        return url_for("candidate.dashboard")
    return url_for("public.home")


def _apply_error(form, error: AccountError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, str(error.message)]
    else:
        flash(str(error.message), "error")


def _token_failure(error: TokenError):
    message = (
        _("This link has expired. Ask for a new one below.")
        if error.expired
        else _("This link is not valid. It may have been used already or copied incompletely.")
    )
    return render_template("accounts/bad_link.html", message=message), 400


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_guess_limit, key_func=_email_key, methods=["POST"], deduct_when=_counted)
def login():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(db, form.email.data, form.password.data)
        if user is None or not user.active:
            _count_attempt()
            form.password.errors.append(_("Wrong email or password."))
        elif user.email_confirmed_at is None:
            flash(
                _("Confirm your email address first: we sent you a link. You can ask for a new one below."),
                "warning",
            )
            return redirect(url_for("auth.resend_confirmation", email=user.email))
        else:
            lang = session.get("lang")
            session.clear()  # a fresh session on login (no fixation)
            if lang:
                session["lang"] = lang
            accounts.start_session(db, user)
            login_user(user, remember=form.remember.data)
            db.commit()
            return redirect(safe_next(request.args.get("next"), home_for(user)))
    return render_template("accounts/login.html", form=form, next=_next_path())


@bp.post("/logout")
def logout():
    """Log out everywhere: the session token changes, so every session and remember cookie ends."""
    lang = session.get("lang")
    if current_user.is_authenticated:
        accounts.end_sessions(db, current_user._get_current_object())
        db.commit()
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You are logged out."), "info")
    return redirect(url_for("public.home"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_register_limit, methods=["POST"], deduct_when=_counted)
@limiter.limit(_account_mail_limit, key_func=_email_key, methods=["POST"], deduct_when=_counted)
def register():
    """Create an account; a taken email gets the very same answer (its owner is told by mail)."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = RegisterForm()
    if request.method == "GET":
        form.language.data = current_locale()
    if form.validate_on_submit():
        try:
            accounts.register_candidate(
                db,
                email=form.email.data,
                name=form.name.data,
                password=form.password.data,
                language=form.language.data,
                next_path=_next_path(),
            )
        except AccountError as error:
            db.rollback()
            _apply_error(form, error)
        else:
            db.commit()
            _count_attempt()
            session["lang"] = form.language.data
            return render_template(
                "accounts/check_mail.html", email=accounts.normalize_email(form.email.data), next=_next_path()
            )
    return render_template("accounts/register.html", form=form, next=_next_path())


def _next_path() -> str | None:
    """Where the person was going (``?next=``), when it is a same-site path; else None."""
    return safe_next(request.args.get("next"), "") or None


@bp.get("/confirm/<token>")
def confirm(token: str):
    try:
        accounts.confirm_email(db, token)
    except TokenError as error:
        return _token_failure(error)
    db.commit()
    flash(_("Your email address is confirmed. You can log in."), "success")
    going_to = _next_path()
    if current_user.is_authenticated:
        return redirect(going_to or home_for(current_user))
    return redirect(url_for("auth.login", next=going_to))


@bp.route("/confirm", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_account_mail_limit, key_func=_email_key, methods=["POST"], deduct_when=_counted)
def resend_confirmation():
    form = EmailOnlyForm()
    if request.method == "GET" and request.args.get("email"):
        form.email.data = request.args["email"]
    if form.validate_on_submit():
        _count_attempt()
        user = accounts.find_user(db, form.email.data)
        if user is not None and user.email_confirmed_at is None:
            accounts.send_confirmation(db, user)
            db.commit()
        return render_template("accounts/check_mail.html", email=form.email.data)
    return render_template("accounts/resend.html", form=form)


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_account_mail_limit, key_func=_email_key, methods=["POST"], deduct_when=_counted)
def forgot_password():
    form = EmailOnlyForm()
    if form.validate_on_submit():
        _count_attempt()
        accounts.request_password_reset(db, form.email.data, language=current_locale())
        db.commit()
        return render_template("accounts/check_mail.html", email=form.email.data, reset=True)
    return render_template("accounts/forgot.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        user = accounts.read_token(db, token, "reset")
    except TokenError as error:
        return _token_failure(error)
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.set_password(db, user, form.password.data, action="user.password_reset")
        except AccountError as error:
            db.rollback()
            _apply_error(form, error)
        else:
            db.commit()
            flash(_("Your password is changed. You can log in."), "success")
            return redirect(url_for("auth.login"))
    return render_template("accounts/set_password.html", form=form, title=_("Choose a new password"))


@bp.route("/accept/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    try:
        user = accounts.read_token(db, token, "invite")
    except TokenError as error:
        return _token_failure(error)
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.set_password(db, user, form.password.data, action="user.invitation_accepted")
        except AccountError as error:
            db.rollback()
            _apply_error(form, error)
        else:
            db.commit()
            session.clear()
            session["lang"] = user.language
            login_user(user)
            flash(_("Welcome! Your account is ready."), "success")
            return redirect(home_for(user))
    return render_template(
        "accounts/set_password.html", form=form, title=_("Welcome: choose your password"), invited=user
    )


@bp.route("/profile", methods=["GET", "POST"])
@login_required
@limiter.limit(_login_limit, methods=["POST"], exempt_when=_not_password_check, deduct_when=_counted)
@limiter.limit(
    _guess_limit, key_func=_user_key, methods=["POST"], exempt_when=_not_password_check, deduct_when=_counted
)
def profile():
    form = ProfileForm(prefix="profile", obj=current_user)
    password_form = ChangePasswordForm(prefix="pw")
    if request.method == "POST" and "profile-name" in request.form and form.validate_on_submit():
        accounts.update_profile(db, current_user, name=form.name.data, language=form.language.data)
        db.commit()
        session["lang"] = current_user.language
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("auth.profile"))
    if request.method == "POST" and "pw-current" in request.form and password_form.validate_on_submit():
        if not accounts.password_matches(current_user, password_form.current.data):
            _count_attempt()
            password_form.current.errors.append(_("Wrong password."))
        else:
            return _change_password(password_form)
    return render_template("accounts/profile.html", form=form, password_form=password_form)


def _change_password(password_form: ChangePasswordForm):
    """Set the new password: every other session ends; this browser stays logged in (new token)."""
    user = current_user._get_current_object()
    try:
        accounts.set_password(db, user, password_form.password.data)
    except AccountError as error:
        db.rollback()
        _apply_error(password_form, error)
        return render_template(
            "accounts/profile.html", form=ProfileForm(prefix="profile", obj=user), password_form=password_form
        )
    db.commit()
    had_remember_cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
    login_user(user, remember=had_remember_cookie)
    flash(_("Your password is changed."), "success")
    return redirect(url_for("auth.profile"))
