"""Register, confirm, log in and out, reset a password, accept an invitation, edit the profile."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..db import session as db
from ..extensions import limiter
from ..models import utcnow
from ..public.routes import safe_next
from ..services import accounts
from ..services.accounts import AccountError, TokenError
from ..templating import current_locale
from .forms import ChangePasswordForm, EmailOnlyForm, LoginForm, ProfileForm, RegisterForm, SetPasswordForm

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


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
    return render_template("auth/bad_link.html", message=message), 400


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(db, form.email.data, form.password.data)
        if user is None or not user.active:
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
            login_user(user, remember=form.remember.data)
            user.last_login_at = utcnow()
            db.commit()
            return redirect(safe_next(request.args.get("next"), home_for(user)))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    lang = session.get("lang")
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You are logged out."), "info")
    return redirect(url_for("public.home"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = RegisterForm()
    if request.method == "GET":
        form.language.data = current_locale()
    if form.validate_on_submit():
        try:
            user = accounts.register_candidate(
                db,
                email=form.email.data,
                name=form.name.data,
                password=form.password.data,
                language=form.language.data,
            )
        except AccountError as error:
            db.rollback()
            _apply_error(form, error)
        else:
            db.commit()
            session["lang"] = user.language
            return render_template("auth/check_mail.html", email=user.email)
    return render_template("auth/register.html", form=form)


@bp.get("/confirm/<token>")
def confirm(token: str):
    try:
        accounts.confirm_email(db, token)
    except TokenError as error:
        return _token_failure(error)
    db.commit()
    flash(_("Your email address is confirmed. You can log in."), "success")
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    return redirect(url_for("auth.login"))


@bp.route("/confirm", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def resend_confirmation():
    form = EmailOnlyForm()
    if request.method == "GET" and request.args.get("email"):
        form.email.data = request.args["email"]
    if form.validate_on_submit():
        user = accounts.find_user(db, form.email.data)
        if user is not None and user.email_confirmed_at is None:
            accounts.send_confirmation(db, user)
            db.commit()
        return render_template("auth/check_mail.html", email=form.email.data)
    return render_template("auth/resend.html", form=form)


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def forgot_password():
    form = EmailOnlyForm()
    if form.validate_on_submit():
        accounts.request_password_reset(db, form.email.data)
        db.commit()
        return render_template("auth/check_mail.html", email=form.email.data, reset=True)
    return render_template("auth/forgot.html", form=form)


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
    return render_template("auth/set_password.html", form=form, title=_("Choose a new password"))


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
        "auth/set_password.html", form=form, title=_("Welcome: choose your password"), invited=user
    )


@bp.route("/profile", methods=["GET", "POST"])
@login_required
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
        from werkzeug.security import check_password_hash

        if not current_user.password_hash or not check_password_hash(
            current_user.password_hash, password_form.current.data
        ):
            password_form.current.errors.append(_("Wrong password."))
        else:
            try:
                accounts.set_password(db, current_user, password_form.password.data)
            except AccountError as error:
                db.rollback()
                _apply_error(password_form, error)
            else:
                db.commit()
                flash(_("Your password is changed."), "success")
                return redirect(url_for("auth.profile"))
    return render_template("auth/profile.html", form=form, password_form=password_form)
