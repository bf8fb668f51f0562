"""Accounts: registration, email confirmation, passwords, invitations. Flush, audit, never commit."""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any
from urllib.parse import quote, urlsplit

import email_validator
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session, joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from judging.accounts import queries
from judging.accounts.models import ROLES, User
from judging.core.audit import record
from judging.core.models import utcnow
from judging.mail import outbox as mail
from judging.results.models import mark_stale

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


def email_problem(email: str | None) -> Any | None:
    """Why an address is refused (translated), or None: the one rule for every place that takes one.

    The login and registration forms, invitations and ``judging create-organizer`` all ask it, so an
    account can never be created with an address the login form would then refuse.
    """
    try:
        email_validator.validate_email(normalize_email(email or ""), check_deliverability=False)
    except email_validator.EmailNotValidError:
        return _l("Enter a valid email address.")
    return None


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


def _dummy_hash(method: str) -> str:
    """A stored-hash look-alike of ``method``: checking a password against it costs the same work."""
    return f"{method}$nosuchaccount000$" + "0" * 64


def password_matches(user: User | None, password: str) -> bool:
    """Whether ``password`` is the person's; the same hashing work when there is no such person.

    Without an account (or a password) a throwaway hash of the configured method is checked, so
    the answer takes as long for an unknown email as for a wrong password (no account probing).
    """
    if user is None or not user.password_hash:
        check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
        return False
    return check_password_hash(user.password_hash, password)


def authenticate(db: Session, email: str, password: str) -> User | None:
    """The user whose email and password match; constant work whether or not the email exists."""
    user = find_user(db, email)
    return user if password_matches(user, password) else None


# Sessions -----------------------------------------------------------------------------------------


def user_for_session(db: Session, session_id: str) -> User | None:
    """The active user of a session or remember cookie ``"<id>:<token>"`` whose token is current."""
    user_id, _, token = (session_id or "").partition(":")
    if not (user_id.isascii() and user_id.isdigit() and token):
        return None
    # Every request asks this: the roles joined in the same statement (their own selectin is one more)
    user = db.get(User, int(user_id), options=[joinedload(User.role_rows)])
    if user is None or not user.active or not user.session_token:
        return None
    return user if hmac.compare_digest(user.session_token, token) else None


def start_session(db: Session, user: User) -> None:
    """Record a login; the first one gives the person a session token (``User.get_id``)."""
    user.get_id()
    user.last_login_at = utcnow()
    db.flush()


def end_sessions(db: Session, user: User, *, actor: User | None = None) -> None:
    """End every session and remember cookie of ``user`` (at logout, or by an organizer)."""
    user.rotate_session_token()
    if actor is not None:
        record(db, actor=actor, action="user.sessions_ended", obj=user)
    db.flush()


# Signed links -------------------------------------------------------------------------------------


#: links that work once: signed with a key that changes when the password does
SINGLE_USE_PURPOSES = ("reset", "invite")


def _serializer(purpose: str, user: User | None = None) -> URLSafeTimedSerializer:
    """The signer of ``purpose`` links; for single-use ones, keyed on the person's password hash.

    The hash is part of the signing salt (never of the readable payload): once the password
    changes, the signature no longer verifies and the link is spent.
    """
    salt = f"judging.{purpose}"
    if purpose in SINGLE_USE_PURPOSES and user is not None:
        salt += "." + hashlib.sha256((user.password_hash or "none").encode()).hexdigest()
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def make_token(user: User, purpose: str) -> str:
    return _serializer(purpose, user).dumps({"uid": user.id, "email": user.email})


def _claimed_user(db: Session, token: str, purpose: str) -> User | None:
    """The user a token names, read before its signature is checked (that needs the user's key)."""
    _valid, payload = _serializer(purpose).loads_unsafe(token)
    uid = payload.get("uid") if isinstance(payload, dict) else None
    return db.get(User, uid) if isinstance(uid, int) and not isinstance(uid, bool) else None


def read_token(db: Session, token: str, purpose: str) -> User:
    max_age = current_app.config[f"TOKEN_MAX_AGE_{purpose.upper()}"]
    user = _claimed_user(db, token, purpose)
    if user is None:
        raise TokenError(expired=False)
    try:
        payload = _serializer(purpose, user).loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise TokenError(expired=True) from error
    except BadSignature as error:
        raise TokenError(expired=False) from error
    if payload.get("uid") != user.id or payload.get("email") != user.email:
        raise TokenError(expired=False)
    return user


#: characters left as they are in a link's fragment (as Flask's ``url_for`` does)
FRAGMENT_SAFE = "%!#$&'()*+,/:;=?@"


def external_url(endpoint: str, **values: Any) -> str:
    """The absolute address of a page, for mail: always from ``PUBLIC_URL``, never the request's Host.

    The one place that builds a mailed link; it works inside and outside a request (CLI).
    ``_anchor`` adds a fragment, as with ``url_for``.
    """
    anchor = values.pop("_anchor", None)
    base = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path.rstrip("/") or "/", url_scheme=base.scheme
    )
    url = adapter.build(endpoint, values, force_external=True)
    return f"{url}#{quote(anchor, safe=FRAGMENT_SAFE)}" if anchor else url


# Use cases ----------------------------------------------------------------------------------------


def register_candidate(
    db: Session, *, email: str, name: str, password: str, language: str, next_path: str | None = None
) -> User | None:
    """Create a candidate account and mail a confirmation link; None when the email is taken.

    A taken email gets the same answer as a new one (no account probing) and the same hashing
    work; its owner is told by mail that someone tried to register with it. ``next_path`` (a
    same-site path, already checked by the route) rides on the confirmation link, so the person
    lands where they were going (a prize's application page) once confirmed and logged in.
    """
    email = normalize_email(email)
    problem = password_problem(password, email=email)
    if problem:
        raise AccountError(problem, field="password")
    password_hash = hash_password(password)
    existing = find_user(db, email)
    if existing is not None:
        _warn_owner_of_taken_email(db, existing)
        return None
    user = User(email=email, name=name.strip(), language=language, password_hash=password_hash)
    user.add_role("candidate")
    db.add(user)
    db.flush()
    record(db, actor=user, action="user.registered", obj=user, after={"email": email, "roles": ["candidate"]})
    send_confirmation(db, user, next_path=next_path)
    return user


def _warn_owner_of_taken_email(db: Session, owner: User) -> None:
    mail.queue(
        db,
        to=owner.email,
        template="account_exists",
        language=owner.language,
        user=owner,
        login_link=external_url("auth.login"),
        reset_link=external_url("auth.forgot_password"),
    )
    record(db, actor=None, action="user.registration_with_taken_email", obj=owner)


def send_confirmation(db: Session, user: User, *, next_path: str | None = None) -> None:
    extra = {"next": next_path} if next_path else {}
    link = external_url("auth.confirm", token=make_token(user, "confirm"), **extra)
    mail.queue(db, to=user.email, template="confirm", language=user.language, user=user, link=link)


def confirm_email(db: Session, token: str) -> User:
    user = read_token(db, token, "confirm")
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        record(db, actor=user, action="user.email_confirmed", obj=user)
    return user


def request_password_reset(db: Session, email: str, *, language: str | None = None) -> None:
    """Queue a reset link when the account exists; say nothing either way (no account probing).

    ``language`` is the interface's the request came from: the person reads that one right now,
    whatever the profile says (without it, the profile's).
    """
    user = find_user(db, email)
    if user is None or not user.active:
        return
    link = external_url("auth.reset_password", token=make_token(user, "reset"))
    mail_language = language or user.language
    mail.queue(db, to=user.email, template="reset", language=mail_language, user=user, link=link)
    record(db, actor=None, action="user.password_reset_requested", obj=user)


def _store_password(user: User, password: str) -> None:
    """A new password ends every session of the person (another browser, a remember cookie)."""
    user.password_hash = hash_password(password)
    user.rotate_session_token()


def set_password(db: Session, user: User, password: str, *, action: str = "user.password_changed") -> None:
    problem = password_problem(password, email=user.email)
    if problem:
        raise AccountError(problem, field="password")
    _store_password(user, password)
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
    problem = email_problem(email)
    if problem:
        raise AccountError(problem, field="email")
    email = normalize_email(email)
    problem = password_problem(password, email=email)
    if problem:
        raise AccountError(problem, field="password")
    user = find_user(db, email)
    if user is None:
        user = User(email=email, name=name, language=language)
        db.add(user)
    _store_password(user, password)
    user.email_confirmed_at = user.email_confirmed_at or utcnow()
    user.add_role("organizer")
    db.flush()
    record(db, actor=None, action="user.organizer_created", obj=user, after={"email": email})
    return user


def update_profile(db: Session, user: User, *, name: str, language: str) -> None:
    before = {"name": user.name, "language": user.language}
    user.name = name.strip()
    user.language = language
    mark_stale(db, juror_id=user.id)
    record(
        db,
        actor=user,
        action="user.profile_updated",
        obj=user,
        before=before,
        after={"name": user.name, "language": user.language},
    )
