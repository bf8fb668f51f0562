"""A candidature to a prize, its answers and its attached files."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ColumnElement,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    case,
    func,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from judging.accounts.models import Organization, User
from judging.core.models import Base, Timestamped, one_of
from judging.editions.models import Edition, Prize, Question

APPLICATION_STATUSES = ("draft", "submitted", "withdrawn", "ineligible")
ORGANIZATION_TYPES = ("startup", "sme", "large", "nonprofit", "public", "academic")
REGIONS = ("montreal", "quebec", "canada", "international")
#: the candidate's answer to "led by a woman?" (voluntary): NULL when not answered
LED_BY_WOMAN_ANSWERS = ("yes", "no", "unsaid")


class Application(Timestamped, Base):
    __tablename__ = "applications"
    __table_args__ = (
        UniqueConstraint("edition_id", "ref"),
        CheckConstraint(one_of("status", APPLICATION_STATUSES), name="status"),
        CheckConstraint(f"org_type IS NULL OR {one_of('org_type', ORGANIZATION_TYPES)}", name="org_type"),
        CheckConstraint(f"region IS NULL OR {one_of('region', REGIONS)}", name="region"),
        CheckConstraint("language IS NULL OR language IN ('fr', 'en')", name="language"),
        CheckConstraint(
            f"led_by_woman_answer IS NULL OR {one_of('led_by_woman_answer', LED_BY_WOMAN_ANSWERS)}",
            name="led_by_woman_answer",
        ),
        Index("ix_applications_prize_status", "prize_id", "status", "ref"),
        # An edition's counts by status and prize, region, type, led-by-a-woman answer (the edition
        # page, the edition report) read from this index alone, not from the wide table.
        Index(
            "ix_applications_edition_status_counts",
            "edition_id",
            "status",
            "prize_id",
            "region",
            "org_type",
            "led_by_woman_answer",
        ),
        # "Applying to a prize is a conflict with judging it" checks lower(contact_email) on every
        # scorecard request (judging.jury.rules.is_in_conflict): without it, a scan of the applications.
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
    #: how the ceremony outputs address the person if they win: "feminine" (« Lauréate »),
    #: "masculine" (« Lauréat »), or None: the inclusive form (« Lauréat·e »); set by organizers
    form_of_address: Mapped[str | None] = mapped_column(String(12))
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )
    org_name: Mapped[str | None] = mapped_column(String(300))
    org_type: Mapped[str | None] = mapped_column(String(20))
    region: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(2))
    city: Mapped[str | None] = mapped_column(String(120))
    website: Mapped[str | None] = mapped_column(String(500))
    #: "yes", "no", "unsaid" (I prefer not to say) or NULL (not answered); the one place it is stored:
    #: ``led_by_woman`` reads it as True/False/None for statistics and the exchange format
    led_by_woman_answer: Mapped[str | None] = mapped_column(String(6))
    consent_at: Mapped[datetime | None]
    #: may the project be presented publicly (finalist pages, press)? None: not answered yet
    publication_consent: Mapped[bool | None]
    #: when that answer was last given or withdrawn
    publication_consent_at: Mapped[datetime | None]
    deadline_extended_to: Mapped[datetime | None]
    eligibility_reason: Mapped[str | None] = mapped_column(Text)
    #: the receipt of the latest submission (``submissions`` keeps every one)
    receipt_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    withdrawn_at: Mapped[datetime | None]
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
    submissions: Mapped[list[Submission]] = relationship(
        back_populates="application",
        cascade="all, delete-orphan",
        order_by="Submission.submitted_at, Submission.id",
        passive_deletes=True,
    )

    __mapper_args__ = {"version_id_col": version}

    @hybrid_property
    def led_by_woman(self) -> bool | None:
        """True/False when the candidate said yes/no; None when not answered or declined to say."""
        return {"yes": True, "no": False}.get(self.led_by_woman_answer or "")

    @led_by_woman.inplace.setter
    def _led_by_woman_setter(self, value: bool | None) -> None:
        self.led_by_woman_answer = None if value is None else ("yes" if value else "no")

    @led_by_woman.inplace.expression
    @classmethod
    def _led_by_woman_expression(cls) -> ColumnElement[bool | None]:
        return case((cls.led_by_woman_answer == "yes", True), (cls.led_by_woman_answer == "no", False))

    @property
    def latest_submission(self) -> Submission | None:
        """The submission the current receipt number belongs to (None for a draft never submitted)."""
        kept = [s for s in self.submissions if s.receipt_number]
        return kept[-1] if kept else None

    @property
    def first_submitted_at(self) -> datetime | None:
        return self.submissions[0].submitted_at if self.submissions else None


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


class Submission(Base):
    """One submission of an application, as it was sent: what the receipt shows, then and when reprinted.

    A submission adds a row (a resubmission after an organizer reopened the application adds another);
    rows are never changed. ``content`` is the document the fingerprint covers (its shape is in
    ``docs/candidates.md``, "The submission record")::

        {"title", "summary", "language",
         "organization": {"name", "type", "region", "country", "city", "website"},
         "contact": {"name", "email"},
         "led_by_woman": "yes" | "no" | "unsaid" | null,
         "consent": {"rules_accepted_at": ISO time | null, "publication": true | false | null},
         "answers": [{"code", "label", "type", "value", "option_label"?,
                      "file"?: {"filename", "size_bytes", "sha256"} | null}]}

    ``fingerprint`` is the SHA-256 of ``content`` as canonical JSON (sorted keys, UTF-8); ``context``
    keeps the names printed around it: ``{"ref", "prize": {"code", "name"}, "edition": {"code", "name"}}``.
    Submissions recorded before 0007 have no ``consent`` key; a first submission overwritten before 0007
    keeps only its time (see ``receipt_number``).
    """

    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    submitted_at: Mapped[datetime]
    #: NULL only for a first submission made before 0007 and overwritten by a resubmission then:
    #: its time was kept, not its content (receipt number, fingerprint and content are NULL)
    receipt_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    language: Mapped[str | None] = mapped_column(String(2))
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    content: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    context: Mapped[dict[str, Any]] = mapped_column(JSON)

    application: Mapped[Application] = relationship(back_populates="submissions")
