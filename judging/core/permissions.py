"""Who may do what: small named predicates, and load-or-404/403 helpers used by every route.

Rule of thumb (from the Flask tutorial's ``get_post``): missing → 404; exists but
not yours → 404 as well when revealing its existence would leak (candidates,
jurors), 403 for a role mismatch.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user, login_required

from judging.accounts.models import User
from judging.applications.models import Application
from judging.core.loading import load_or_404
from judging.db import session

F = TypeVar("F", bound=Callable[..., Any])


def is_organizer(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.has_role("organizer"))


def is_juror(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.has_role("juror"))


def is_candidate(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.has_role("candidate"))


def may_apply(user: Any) -> bool:
    """Whom an "Apply" link is for: visitors (it leads them to log in or register) and candidates.

    A juror's or an organizer's account would be refused there (403), so they are shown no such link.
    """
    return not (user and user.is_authenticated) or is_candidate(user)


def can_manage_editions(user: Any) -> bool:
    return is_organizer(user)


def owns_application(user: Any, application: Application) -> bool:
    return bool(user and user.is_authenticated and application.applicant_id == user.id)


def role_required(predicate: Callable[[Any], bool]) -> Callable[[F], F]:
    """Route guard: logged in (else to the login page) and ``predicate(current_user)`` (else 403)."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not predicate(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


organizer_required = role_required(is_organizer)
juror_required = role_required(is_juror)
candidate_required = role_required(is_candidate)


#: The one loader (judging.core.loading), under its former name for the modules not yet moved to it.
get_or_404 = load_or_404


def get_own_application_or_404(application_id: int, user: User) -> Application:
    """A candidate's own application; someone else's is indistinguishable from a missing one."""
    application = session.get(Application, application_id)
    if application is None or not owns_application(user, application):
        abort(404)
    return application
