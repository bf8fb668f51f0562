"""Decisions (finalist, winner, mention, not selected) and frozen result snapshots."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from judging.applications.models import Application
from judging.core.models import Base, I18nText, Timestamped, one_of
from judging.editions.models import Prize, Round

OUTCOMES = ("finalist", "winner", "mention", "not-selected")


class Decision(Timestamped, Base):
    __tablename__ = "decisions"
    __table_args__ = (
        UniqueConstraint("prize_id", "application_id", "outcome"),
        CheckConstraint(one_of("outcome", OUTCOMES), name="outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    prize_id: Mapped[int] = mapped_column(ForeignKey("prizes.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id", ondelete="SET NULL"))
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    outcome: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    citation: Mapped[Any | None] = mapped_column(I18nText)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    prize: Mapped[Prize] = relationship()
    round: Mapped[Round | None] = relationship()
    application: Mapped[Application] = relationship()


class ResultSnapshot(Timestamped, Base):
    """A round's ranking frozen at announcement, with a SHA-256 fingerprint of its inputs."""

    __tablename__ = "result_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    method: Mapped[str] = mapped_column(String(20))
    fingerprint: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    frozen_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    invalidated_at: Mapped[datetime | None]
    invalidated_reason: Mapped[str | None] = mapped_column(Text)

    round: Mapped[Round] = relationship()


class PitchSlot(Base):
    """A finalist's place in the live final's pitch order."""

    __tablename__ = "pitch_slots"
    __table_args__ = (
        UniqueConstraint("round_id", "application_id"),
        UniqueConstraint("round_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    position: Mapped[int]
    starts_at: Mapped[datetime | None]

    round: Mapped[Round] = relationship()
    application: Mapped[Application] = relationship()
