"""A candidature to a prize, its answers and its attached files."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Timestamped
from .editions import Edition, Prize, Question, _in
from .people import Organization, User

APPLICATION_STATUSES = ("draft", "submitted", "withdrawn", "ineligible")
ORGANIZATION_TYPES = ("startup", "sme", "large", "nonprofit", "public", "academic")
REGIONS = ("montreal", "quebec", "canada", "international")


class Application(Timestamped, Base):
    __tablename__ = "applications"
    __table_args__ = (
        UniqueConstraint("edition_id", "ref"),
        CheckConstraint(_in("status", APPLICATION_STATUSES), name="status"),
        CheckConstraint(f"org_type IS NULL OR {_in('org_type', ORGANIZATION_TYPES)}", name="org_type"),
        CheckConstraint(f"region IS NULL OR {_in('region', REGIONS)}", name="region"),
        CheckConstraint("language IS NULL OR language IN ('fr', 'en')", name="language"),
        Index("ix_applications_prize_status", "prize_id", "status", "ref"),
        # "Applying to a prize is a conflict with judging it" checks lower(contact_email) on every
        # scorecard request (services.jury.is_in_conflict): without it, a scan of the applications.
        Index("ix_applications_contact_email_lower", func.lower(text("contact_email"))),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"), index=True)
    prize_id: Mapped[int] = mapped_column(ForeignKey("prizes.id", ondelete="CASCADE"))
    ref: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    submitted_at: Mapped[datetime | None]
    title: Mapped[str] = mapped_column(String(300), default="")
    summary: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(2))
    applicant_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    contact_email: Mapped[str | None] = mapped_column(String(320))
    contact_name: Mapped[str | None] = mapped_column(String(200))
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )
    org_name: Mapped[str | None] = mapped_column(String(300))
    org_type: Mapped[str | None] = mapped_column(String(20))
    region: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(2))
    city: Mapped[str | None] = mapped_column(String(120))
    website: Mapped[str | None] = mapped_column(String(500))
    led_by_woman: Mapped[bool | None]
    consent_at: Mapped[datetime | None]
    #: may the project be presented publicly (finalist pages, press)? None: not answered yet
    publication_consent: Mapped[bool | None]
    #: when that answer was last given or withdrawn
    publication_consent_at: Mapped[datetime | None]
    deadline_extended_to: Mapped[datetime | None]
    eligibility_reason: Mapped[str | None] = mapped_column(Text)
    receipt_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(default=1)

    edition: Mapped[Edition] = relationship()
    prize: Mapped[Prize] = relationship()
    applicant: Mapped[User | None] = relationship()
    organization: Mapped[Organization | None] = relationship()
    answers: Mapped[list[Answer]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="Answer.id"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="Attachment.id"
    )

    __mapper_args__ = {"version_id_col": version}


class Answer(Base):
    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("application_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    value: Mapped[Any] = mapped_column(JSON)

    application: Mapped[Application] = relationship(back_populates="answers")
    question: Mapped[Question] = relationship()


class Attachment(Timestamped, Base):
    """An uploaded file, stored outside ``static/`` under ``storage_key``; checked by content."""

    __tablename__ = "attachments"
    __table_args__ = (
        UniqueConstraint("application_id", "question_id"),
        CheckConstraint("size_bytes > 0", name="size"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(100), unique=True)
    identifying: Mapped[bool] = mapped_column(default=False)

    application: Mapped[Application] = relationship(back_populates="attachments")
