"""Juries, conflicts of interest, assignments (the scorecard shell) and criterion scores."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from judging.accounts.models import User
from judging.applications.models import Application
from judging.core.models import Base, Timestamped, Versioned, one_of
from judging.editions.models import Criterion, Round

SCORECARD_STATUSES = ("assigned", "draft", "submitted", "abstained", "recused")
CONFLICT_SOURCES = ("declared", "organization", "email-domain", "applicant", "imported", "organizer")


class JuryMembership(Timestamped, Base):
    __tablename__ = "jury_memberships"
    __table_args__ = (UniqueConstraint("round_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    is_chair: Mapped[bool] = mapped_column(default=False)

    round: Mapped[Round] = relationship()
    user: Mapped[User] = relationship()


class Conflict(Timestamped, Base):
    """A conflict of interest between a juror and an application; blocks assignment and scoring.

    A lifted conflict (``lifted_at`` set, with a reason) no longer blocks.
    """

    __tablename__ = "conflicts"
    __table_args__ = (
        UniqueConstraint("user_id", "application_id"),
        CheckConstraint(one_of("source", CONFLICT_SOURCES), name="source"),
        CheckConstraint("lifted_at IS NULL OR lift_reason IS NOT NULL", name="lift_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(20), default="declared")
    reason: Mapped[str | None] = mapped_column(Text)
    lifted_at: Mapped[datetime | None]
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    lift_reason: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    application: Mapped[Application] = relationship()


class Assignment(Versioned, Timestamped, Base):
    """One juror's scorecard for one application in one round."""

    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("round_id", "juror_id", "application_id"),
        CheckConstraint(one_of("status", SCORECARD_STATUSES), name="status"),
        Index("ix_assignments_juror_round", "juror_id", "round_id"),
        Index("ix_assignments_application", "application_id"),
        Index("ix_assignments_round_application_status", "round_id", "application_id", "status"),
        # The edition page's count of jurors with open work per round (editions.cockpit): index only.
        Index("ix_assignments_round_status_juror", "round_id", "status", "juror_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    juror_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default="assigned")
    comment: Mapped[str | None] = mapped_column(Text)
    comment_to_candidate: Mapped[str | None] = mapped_column(Text)
    abstain_reason: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None]
    comment_released_at: Mapped[datetime | None]

    round: Mapped[Round] = relationship()
    juror: Mapped[User] = relationship()
    application: Mapped[Application] = relationship()
    scores: Mapped[list[CriterionScore]] = relationship(
        back_populates="assignment", cascade="all, delete-orphan", order_by="CriterionScore.id"
    )


class CriterionScore(Base):
    __tablename__ = "criterion_scores"
    __table_args__ = (UniqueConstraint("assignment_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id", ondelete="CASCADE"), index=True)
    value: Mapped[Decimal] = mapped_column(Numeric(12, 4))

    assignment: Mapped[Assignment] = relationship(back_populates="scores")
    criterion: Mapped[Criterion] = relationship()
