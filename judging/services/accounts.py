"""Accounts: registration, email confirmation, passwords, invitations. Flush, audit, never commit."""

from __future__ import annotations

import re
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from .. import queries
from ..models import ROLES, User, utcnow
from . import mail
from .audit import record

MIN_PASSWORD_LENGTH = 10
COMMON_PASSWORDS = {
    "password",
    "password1",
    "password123",
    "motdepasse",
    "azertyuiop",
    "qwertyuiop",
    "1234567890",
    "0123456789",
    "iloveyou12",
    "soleil1234",
    "montreal123",
    "baseball12",
    "football12",
    "letmein123",
}
DUMMY_HASH = "pbkdf2:sha256:1000$dummy$0000000000000000000000000000000000000000000000000000000000000000"


class AccountError(Exception):
    """A refusal to show the person: the message is translated."""

    def __init__(self, message: Any, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


class TokenError(Exception):
    def __init__(self, expired: bool) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def normalize_email(email: str) -> str:
    return email.strip().lower()


def password_problem(password: str, *, email: str = "") -> Any | None:
    """Why a password is too weak, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _l("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(password)) < 4:
        return _l("This password is too common or too easy to guess.")
    local_part = email.split("@")[0].lower() if email else ""
    if len(local_part) >= 4 and local_part in lowered:
        return _l("The password must not contain your email address.")
    if not (re.search(r"[A-Za-zÀ-ÿ]", password) and re.search(r"[^A-Za-zÀ-ÿ]", password)):
        return _l("Mix letters with digits or symbols.")
    return None


def hash_password(password: str) -> str:
    return generate_password_hash(password, current_app.config["PASSWORD_HASH_METHOD"])


def find_user(db: Session, email: str) -> User | None:
    return db.scalars(queries.user_by_email(email)).first()


def authenticate(db: Session, email: str, password: str) -> User | None:
    """The user whose email and password match; constant work whether or not the email exists."""
    user = find_user(db, email)
    if user is None or not user.password_hash:
        check_password_hash(DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    return user


# Signed links -------------------------------------------------------------------------------------


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"judging.{purpose}")


def _password_marker(user: User) -> str:
    """Changes when the password changes, so reset and invitation links work once."""
    return (user.password_hash or "none")[-12:]


def make_token(user: User, purpose: str) -> str:
    payload = {"uid": user.id, "email": user.email}
    if purpose in ("reset", "invite"):
        payload["pw"] = _password_marker(user)
    return _serializer(purpose).dumps(payload)


def read_token(db: Session, token: str, purpose: str) -> User:
    max_age = current_app.config[f"TOKEN_MAX_AGE_{purpose.upper()}"]
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise TokenError(expired=True) from error
    except BadSignature as error:
        raise TokenError(expired=False) from error
    user = db.get(User, payload.get("uid")) if isinstance(payload, dict) else None
    if user is None or user.email != payload.get("email"):
        raise TokenError(expired=False)
    if "pw" in payload and payload["pw"] != _password_marker(user):
        raise TokenError(expired=False)
    return user


def external_url(endpoint: str, **values: Any) -> str:
    from flask import url_for

    base = current_app.config.get("PUBLIC_URL")
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


# Use cases ----------------------------------------------------------------------------------------


def register_candidate(db: Session, *, email: str, name: str, password: str, language: str) -> User:
    email = normalize_email(email)
    if find_user(db, email) is not None:
        raise AccountError(
            _l("An account already exists for this email address. Log in or reset your password."),
            field="email",
        )
    problem = password_problem(password, email=email)
    if problem:
        raise AccountError(problem, field="password")
    user = User(email=email, name=name.strip(), language=language, password_hash=hash_password(password))
    user.add_role("candidate")
    db.add(user)
    db.flush()
    record(db, actor=user, action="user.registered", obj=user, after={"email": email, "roles": ["candidate"]})
    send_confirmation(db, user)
    return user


def send_confirmation(db: Session, user: User) -> None:
    link = external_url("auth.confirm", token=make_token(user, "confirm"))
    mail.queue(db, to=user.email, template="confirm", language=user.language, user=user, link=link)


def confirm_email(db: Session, token: str) -> User:
    user = read_token(db, token, "confirm")
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        record(db, actor=user, action="user.email_confirmed", obj=user)
    return user


def request_password_reset(db: Session, email: str) -> None:
    """Queue a reset link when the account exists; say nothing either way (no account probing)."""
    user = find_user(db, email)
    if user is None or not user.active:
        return
    link = external_url("auth.reset_password", token=make_token(user, "reset"))
    mail.queue(db, to=user.email, template="reset", language=user.language, user=user, link=link)
    record(db, actor=None, action="user.password_reset_requested", obj=user)


def set_password(db: Session, user: User, password: str, *, action: str = "user.password_changed") -> None:
    problem = password_problem(password, email=user.email)
    if problem:
        raise AccountError(problem, field="password")
    user.password_hash = hash_password(password)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    record(db, actor=user, action=action, obj=user)


def invite(
    db: Session,
    *,
    inviter: User,
    email: str,
    name: str,
    roles: list[str],
    language: str,
    organization: str | None = None,
    reads_languages: list[str] | None = None,
) -> User:
    """Invite a juror or organizer: create (or extend) the account and mail a signed set-password link."""
    unknown = [r for r in roles if r not in ROLES]
    if unknown or not roles:
        raise AccountError(_l("Choose at least one valid role."), field="roles")
    email = normalize_email(email)
    user = find_user(db, email)
    before = {"roles": sorted(user.roles)} if user else None
    if user is None:
        user = User(email=email, name=name.strip(), language=language)
        db.add(user)
    if organization:
        user.organization_name = organization.strip()
    if reads_languages:
        user.reads_languages = reads_languages
    for role in roles:
        user.add_role(role)
    db.flush()
    record(
        db,
        actor=inviter,
        action="user.invited",
        obj=user,
        before=before,
        after={"email": email, "roles": sorted(user.roles)},
    )
    if user.password_hash:
        link = external_url("auth.login")
    else:
        link = external_url("auth.accept_invitation", token=make_token(user, "invite"))
    mail.queue(
        db,
        to=user.email,
        template="invite",
        language=user.language,
        user=user,
        link=link,
        inviter=inviter,
        roles=roles,
        has_password=bool(user.password_hash),
    )
    return user


def create_organizer(db: Session, *, email: str, name: str, password: str, language: str = "fr") -> User:
    email = normalize_email(email)
    if "@" not in email or "." not in email.split("@")[-1]:
        raise AccountError(_l("Enter a valid email address."), field="email")
    problem = password_problem(password, email=email)
    if problem:
        raise AccountError(problem, field="password")
    user = find_user(db, email)
    if user is None:
        user = User(email=email, name=name, language=language)
        db.add(user)
    user.password_hash = hash_password(password)
    user.email_confirmed_at = user.email_confirmed_at or utcnow()
    user.add_role("organizer")
    db.flush()
    record(db, actor=None, action="user.organizer_created", obj=user, after={"email": email})
    return user


def update_profile(db: Session, user: User, *, name: str, language: str) -> None:
    before = {"name": user.name, "language": user.language}
    user.name = name.strip()
    user.language = language
    record(
        db,
        actor=user,
        action="user.profile_updated",
        obj=user,
        before=before,
        after={"name": user.name, "language": user.language},
    )
