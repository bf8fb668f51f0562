"""The audience award's tables: the award, its finalists, its voters and their votes.

One award per edition. A voter is one person (an email address), whether they asked for a code or
came from the organizer's attendee list; a vote is one row per voter (``uq_audience_votes_voter_id``),
changed in place until the vote closes, so a person is counted once whatever the race. Secrets are
stored hashed: the personal link's token, the one-time code, the phone (device) a voter is bound to.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from judging.applications.models import Application
from judging.core.models import Base, Timestamped
from judging.editions.models import Edition

AWARD_STATES = ("setup", "open", "closed")
VOTER_SOURCES = ("code", "attendee")


class AudienceAward(Timestamped, Base):
    """The edition's audience award: its window, its state, who last looked at the tally."""

    __tablename__ = "audience_awards"
    __table_args__ = (CheckConstraint("state IN ('setup', 'open', 'closed')", name="state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"), unique=True)
    state: Mapped[str] = mapped_column(String(10), default="setup")
    #: the vote counts from ``opens_at`` until ``closes_at`` (None: until an organizer closes it)
    opens_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    tally_viewed_at: Mapped[datetime | None]
    tally_viewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    edition: Mapped[Edition] = relationship()
    candidates: Mapped[list[AudienceCandidate]] = relationship(
        back_populates="award", cascade="all, delete-orphan", order_by="AudienceCandidate.position"
    )


class AudienceCandidate(Base):
    """A finalist in the audience award."""

    __tablename__ = "audience_candidates"
    __table_args__ = (UniqueConstraint("award_id", "application_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("audience_awards.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)

    award: Mapped[AudienceAward] = relationship(back_populates="candidates")
    application: Mapped[Application] = relationship()


class AudienceVoter(Timestamped, Base):
    """One person who may vote: an email address, with their personal link and one-time code."""

    __tablename__ = "audience_voters"
    __table_args__ = (
        UniqueConstraint("award_id", "email"),
        CheckConstraint("source IN ('code', 'attendee')", name="source"),
        CheckConstraint("language IN ('fr', 'en')", name="language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("audience_awards.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(2), default="fr")
    source: Mapped[str] = mapped_column(String(10), default="code")
    #: sha256 of the personal link's token (attendees); the link itself is only in their mail
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    link_sent_at: Mapped[datetime | None]
    #: HMAC of the current one-time code; cleared when used or exhausted
    code_hash: Mapped[str | None] = mapped_column(String(64))
    code_expires_at: Mapped[datetime | None]
    code_attempts: Mapped[int] = mapped_column(default=0)
    codes_requested: Mapped[int] = mapped_column(default=0)
    code_requested_at: Mapped[datetime | None]
    code_used_at: Mapped[datetime | None]
    #: sha256 of the secret kept in the phone's session: the one device this voter votes from
    device_hash: Mapped[str | None] = mapped_column(String(64))
    #: the client's network (IPv4 /24, IPv6 /48) when the voter last asked for a code or opened a link
    network: Mapped[str | None] = mapped_column(String(64))


class AudienceVote(Timestamped, Base):
    """A person's vote: one row per voter, changed in place until closing; voided with a logged reason."""

    __tablename__ = "audience_votes"

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("audience_awards.id", ondelete="CASCADE"), index=True)
    voter_id: Mapped[int] = mapped_column(ForeignKey("audience_voters.id", ondelete="CASCADE"), unique=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    cast_at: Mapped[datetime]
    changed_at: Mapped[datetime | None]
    changes: Mapped[int] = mapped_column(default=0)
    network: Mapped[str | None] = mapped_column(String(64))
    voided_at: Mapped[datetime | None]
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    void_reason: Mapped[str | None] = mapped_column(Text)

    voter: Mapped[AudienceVoter] = relationship()
    application: Mapped[Application] = relationship()
