"""The live final's tables: one live session per final round, and the score submissions received.

A :class:`LiveSession` says which pitch is on (``position`` in the round's pitch order), whether
its timer runs, and the pitch and questions lengths. A :class:`ReceivedSubmission` is one score
sent by a juror's phone under an id the phone chose (a UUID): the phone may send it again after a
lost answer, and the unique (juror, submission id) pair makes the server count it once and answer
the replay with the outcome it stored.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from judging.core.models import Base, Timestamped, Versioned, one_of
from judging.editions.models import Round

LIVE_STATES = ("waiting", "running", "paused", "ended")


class LiveSession(Timestamped, Versioned, Base):
    """The live mode of a final round: the current pitch and its timer."""

    __tablename__ = "live_sessions"
    __table_args__ = (CheckConstraint(one_of("state", LIVE_STATES), name="state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), unique=True)
    state: Mapped[str] = mapped_column(String(10), default="waiting")
    #: the current pitch's position in the round's pitch order (1-based); 0 before the first
    position: Mapped[int] = mapped_column(default=0)
    #: while running: when the timer (re)started; the elapsed time is ``elapsed_seconds`` plus since then
    timer_started_at: Mapped[datetime | None]
    elapsed_seconds: Mapped[int] = mapped_column(default=0)
    pitch_seconds: Mapped[int] = mapped_column(default=300)
    questions_seconds: Mapped[int] = mapped_column(default=180)

    round: Mapped[Round] = relationship()


class ReceivedSubmission(Base):
    """A score saved from a phone, under the id the phone gave it (a refusal is not kept: the phone
    may send the same submission again once the refusal no longer holds)."""

    __tablename__ = "received_submissions"
    __table_args__ = (UniqueConstraint("juror_id", "submission_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    juror_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    submission_id: Mapped[str] = mapped_column(String(36))
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"), index=True)
    #: the scorecard's version after the save (what the phone sends with its next change)
    version: Mapped[int | None]
    received_at: Mapped[datetime]
