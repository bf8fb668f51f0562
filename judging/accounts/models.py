"""People (accounts with roles) and the organizations they belong to."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from judging.core.models import Base, Timestamped

ROLES = ("candidate", "juror", "organizer")
LANGUAGES = ("fr", "en")


class Organization(Timestamped, Base):
    """An organization known to the platform, keyed by its normalised name for conflict checks."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    normalized_name: Mapped[str] = mapped_column(String(300), unique=True)


class User(Timestamped, Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("language IN ('fr', 'en')", name="language"),
        # Logins and invitations look people up by lower(email): without it, a scan of every account.
        Index("ix_users_email_lower", func.lower(text("email"))),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(String(300))
    language: Mapped[str] = mapped_column(String(2), default="fr")
    email_confirmed_at: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(default=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"))
    organization_name: Mapped[str | None] = mapped_column(String(300))
    title: Mapped[str | None] = mapped_column(String(200))
    reads_languages: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["fr", "en"])
    last_login_at: Mapped[datetime | None]
    #: changes at logout, password change and reset: every session and remember cookie carries it,
    #: so changing it ends them all
    session_token: Mapped[str | None] = mapped_column(String(64))

    organization: Mapped[Organization | None] = relationship()
    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """Flask-Login's id, kept in the session and the remember cookie: ``"<id>:<session token>"``.

        The user loader accepts it only while the token is current, so rotating the token ends
        every session and remember cookie at once. The first login creates the token (the
        caller commits).
        """
        if not self.session_token:
            self.rotate_session_token()
        return f"{self.id}:{self.session_token}"

    def rotate_session_token(self) -> None:
        """End every session of this person (logout, password change or reset, organizer's action)."""
        self.session_token = secrets.token_urlsafe(32)

    @property
    def roles(self) -> set[str]:
        return {row.role for row in self.role_rows}

    def has_role(self, role: str) -> bool:
        return role in self.roles

    def add_role(self, role: str) -> None:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        if role not in self.roles:
            self.role_rows.append(UserRole(role=role))

    @property
    def display_name(self) -> str:
        return self.name or self.email

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class UserRole(Base):
    __tablename__ = "user_roles"
    __table_args__ = (
        CheckConstraint("role IN ('candidate', 'juror', 'organizer')", name="role"),
        Index("ix_user_roles_role", "role"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_rows")


class EditionPerson(Base):
    """A person listed in an edition's ``people`` (keeps the exchange document's order)."""

    __tablename__ = "edition_people"
    __table_args__ = (UniqueConstraint("edition_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)

    user: Mapped[User] = relationship()
