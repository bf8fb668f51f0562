"""Decisions (finalist, winner, mention, not selected), frozen result snapshots, stored round results."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    literal,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from judging.applications.models import Application
from judging.core.models import Base, I18nText, Timestamped, one_of
from judging.editions.models import Prize, Round
from judging.jury.models import Assignment

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
    change the ranking (:func:`mark_stale`); the next read recomputes, holding the row locked
    meanwhile (a write marking it stale waits, then commits after). ``settings`` are the
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

    ``entry`` is its row of the results document; ``totals`` the counted scorecards' (juror name,
    email, total as a document number), by name; ``others`` the rank each other method gives it.
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


# --- the stale mark ---------------------------------------------------------------------------------


def dialect_insert(db: Session | Connection) -> Any:
    """``insert`` of the database's dialect (PostgreSQL or SQLite), for ``ON CONFLICT`` clauses."""
    bind = db.get_bind() if isinstance(db, Session) else db
    return pg_insert if bind.dialect.name == "postgresql" else sqlite_insert


def mark_stale(
    db: Session | Connection,
    *,
    round_ids: Iterable[int] | None = None,
    prize_id: int | None = None,
    edition_id: int | None = None,
    application_ids: Iterable[int] | None = None,
    juror_id: int | None = None,
) -> None:
    """Mark the stored results of these rounds stale, in the caller's transaction (one statement).

    The rounds are ``round_ids``; or every round of ``prize_id``, of ``edition_id``, or of the
    prizes of ``application_ids`` (a withdrawal, a conflict: every round the application is in);
    or every round where ``juror_id`` has a scorecard (their name is shown with their totals).
    A round without stored results gets a stale row, so that a computation running meanwhile
    cannot store results from before this write as fresh. Every write that can change a ranking
    calls this; what the results depend on besides the scorecards is compared on read instead
    (:func:`round_settings`).
    """
    rounds = select(Round.id)
    if round_ids is not None:
        ids = sorted({int(i) for i in round_ids if i is not None})
        if not ids:
            return
        rounds = rounds.where(Round.id.in_(ids))
    elif prize_id is not None:
        rounds = rounds.where(Round.prize_id == prize_id)
    elif edition_id is not None:
        rounds = rounds.where(Round.prize_id.in_(select(Prize.id).where(Prize.edition_id == edition_id)))
    elif application_ids is not None:
        apps = sorted({int(i) for i in application_ids if i is not None})
        if not apps:
            return
        rounds = rounds.where(
            Round.prize_id.in_(select(Application.prize_id).where(Application.id.in_(apps)))
        )
    elif juror_id is not None:
        scored = select(Assignment.round_id).where(Assignment.juror_id == juror_id)
        rounds = rounds.where(Round.id.in_(scored))
    else:
        raise ValueError("mark_stale needs round_ids, prize_id, edition_id, application_ids or juror_id")
    table = RoundResult.__table__
    statement = (
        dialect_insert(db)(table)
        .from_select(
            ["round_id", "stale", "generation"],
            select(rounds.subquery().c.id, true(), literal(1)).where(true()),
        )
        .on_conflict_do_update(
            index_elements=["round_id"], set_={"stale": True, "generation": table.c.generation + 1}
        )
    )
    db.execute(statement)
