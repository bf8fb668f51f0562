"""Outgoing mail: a row first, sent over SMTP after the commit, with retries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from judging.core.models import Base, UTCDateTime, Versioned, utcnow


class OutgoingMail(Base):
    __tablename__ = "outgoing_mail"
    __table_args__ = (Index("ix_outgoing_mail_pending", "sent_at", "send_after"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    send_after: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    to_address: Mapped[str] = mapped_column(String(320))
    language: Mapped[str] = mapped_column(String(2), default="fr")
    template: Mapped[str] = mapped_column(String(80))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    #: the Message-ID given to every attempt, so a resend is recognisable as the same mail
    message_id: Mapped[str | None] = mapped_column(String(255))
    #: when the sender stopped trying (attempts used up): shown to organizers, never silent
    gave_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: when an organizer cancelled it (never sent)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: the edition the mail is about: its brand dresses the HTML part when the mail leaves (None: the
    #: platform's look, e.g. a password reset); indexed for the ON DELETE SET NULL of an edition's deletion
    edition_id: Mapped[int | None] = mapped_column(ForeignKey("editions.id", ondelete="SET NULL"), index=True)


class MailTemplate(Versioned, Base):
    """An organizer's edited version of a notification mail, per edition and language.

    ``body`` is a Jinja template rendered in a sandbox with the documented variables.
    """

    __tablename__ = "mail_templates"
    __table_args__ = (UniqueConstraint("edition_id", "key", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int | None] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(80))
    language: Mapped[str] = mapped_column(String(2))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
