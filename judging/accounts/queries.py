"""Named selects about people."""

from __future__ import annotations

from sqlalchemy import Select, func, select

from judging.accounts.models import User


def user_by_email(email: str) -> Select:
    """The account with this address, whatever its case and surrounding spaces."""
    return select(User).where(func.lower(User.email) == email.strip().lower())
