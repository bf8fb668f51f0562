"""Decisions (finalist, winner, mention, not selected) and frozen result snapshots."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
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


class RoundResult(Base):
    """A round's results as last computed and stored (:mod:`judging.results.stored`).

    ``stale`` is set, and ``generation`` incremented, in the transaction of every write that can
    change the ranking (:func:`judging.results.stored.mark_stale`); the next read recomputes, and
    stores its results only if ``generation`` did not move meanwhile. ``settings`` are the
    round's method, tie-break chain, criteria, cut and finality the results were computed with:
    a read whose round no longer matches them recomputes too. ``summary`` is the round's part
    of the results document without its ranking (which is in :class:`RoundResultRow`), and
    ``report`` what the results page shows besides the rows (the other methods, flags, jurors).
    """

    __tablename__ = "round_results"

    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True)
    stale: Mapped[bool] = mapped_column(default=True)
    generation: Mapped[int] = mapped_column(default=0)
    settings: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    computed_at: Mapped[datetime | None]
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class RoundResultRow(Base):
    """One ranked application of a stored round result, at ``position`` (0-based) in the ranking.

    ``entry`` is its row of the results document; ``totals`` the counted scorecards' (juror id,
    exact total as a document number); ``others`` the rank each other method gives it.
    """

    __tablename__ = "round_result_rows"
    __table_args__ = (Index("ix_round_result_rows_round_rank", "round_id", "rank"),)

    round_id: Mapped[int] = mapped_column(
        ForeignKey("round_results.round_id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    rank: Mapped[int]
    entry: Mapped[dict[str, Any]] = mapped_column(JSON)
    totals: Mapped[list[Any]] = mapped_column(JSON)
    others: Mapped[dict[str, Any]] = mapped_column(JSON)
