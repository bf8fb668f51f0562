"""An edition of the contest and its setup: prizes, rounds, rubric criteria and questions."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, LargeBinary, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from judging.core.models import Base, I18nText, Timestamped, Versioned, one_of

METHODS = ("mean", "median", "trimmed", "zscore", "additive", "schulze")
PHASES = ("setup", "open", "screening", "judging", "deliberation", "decided", "announced")
QUESTION_TYPES = ("text", "long-text", "choice", "yes-no", "url", "file")
TIE_BREAK_SIMPLE = ("median", "mean", "count", "first-places")
#: The publication-consent question candidates are asked while the edition words none of its own
#: (``Edition.publication_consent_text`` is None).
DEFAULT_CONSENT_TEXT = {
    "fr": (
        "J’accepte que le nom de mon organisation et de mon projet soient publiés si ma candidature "
        "est finaliste ou lauréate (page publique, dossier de presse, rapport)."
    ),
    "en": (
        "I agree that the names of my organization and of my project be published if my application "
        "is a finalist or a winner (public page, press kit, report)."
    ),
}


class Edition(Versioned, Timestamped, Base):
    __tablename__ = "editions"
    __table_args__ = (CheckConstraint("applications_close > applications_open", name="window"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[Any] = mapped_column(I18nText)
    timezone: Mapped[str] = mapped_column(String(60), default="America/Montreal")
    applications_open: Mapped[datetime]
    applications_close: Mapped[datetime]
    ceremony_at: Mapped[datetime | None]
    finalists_public_at: Mapped[datetime | None]
    winners_public_at: Mapped[datetime | None]
    pitch_attendance_in_person: Mapped[int | None]
    pitch_attendance_online: Mapped[int | None]
    ceremony_attendance_in_person: Mapped[int | None]
    ceremony_attendance_online: Mapped[int | None]
    #: the publication-consent question as the organizer worded it (``{"fr", "en"}``); None: the default
    publication_consent_text: Mapped[Any | None] = mapped_column(I18nText)
    #: the edition's brand (``editions.branding``): two ``#rrggbb`` colours whose contrast with white text
    #: was checked when chosen, and a logo (PNG, JPEG or a checked SVG) kept in the database so that a
    #: backup carries it; None everywhere: the platform's own look
    brand_primary: Mapped[str | None] = mapped_column(String(7))
    brand_accent: Mapped[str | None] = mapped_column(String(7))
    brand_logo: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    brand_logo_type: Mapped[str | None] = mapped_column(String(40))
    brand_logo_sha256: Mapped[str | None] = mapped_column(String(64))

    prizes: Mapped[list[Prize]] = relationship(
        back_populates="edition", cascade="all, delete-orphan", order_by="Prize.position"
    )


class Prize(Versioned, Timestamped, Base):
    __tablename__ = "prizes"
    __table_args__ = (
        UniqueConstraint("edition_id", "code"),
        CheckConstraint("finalists >= 0", name="finalists"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(60))
    name: Mapped[Any] = mapped_column(I18nText)
    description: Mapped[Any | None] = mapped_column(I18nText)
    eligibility: Mapped[Any | None] = mapped_column(I18nText)
    sponsor: Mapped[str | None] = mapped_column(String(300))
    presenter_name: Mapped[str | None] = mapped_column(String(200))
    #: the presenter's title in French (``presenter_title``) and in English (``presenter_title_en``,
    #: the French one when empty)
    presenter_title: Mapped[str | None] = mapped_column(String(200))
    presenter_title_en: Mapped[str | None] = mapped_column(String(200))
    presenter_organization: Mapped[str | None] = mapped_column(String(300))
    finalists: Mapped[int] = mapped_column(default=3)
    position: Mapped[int] = mapped_column(default=0)
    max_deck_mb: Mapped[int] = mapped_column(default=10)
    max_logo_mb: Mapped[int] = mapped_column(default=2)
    ceremony_script: Mapped[Any | None] = mapped_column(I18nText)
    ceremony_minutes: Mapped[int | None]

    edition: Mapped[Edition] = relationship(back_populates="prizes")
    rounds: Mapped[list[Round]] = relationship(
        back_populates="prize", cascade="all, delete-orphan", order_by="Round.position"
    )
    questions: Mapped[list[Question]] = relationship(
        back_populates="prize", cascade="all, delete-orphan", order_by="Question.position"
    )


class Round(Versioned, Timestamped, Base):
    """A judging round of a prize (``preselection``, ``final``): method, rubric, tie-break chain, phase."""

    __tablename__ = "rounds"
    __table_args__ = (
        UniqueConstraint("prize_id", "code"),
        CheckConstraint(one_of("method", METHODS), name="method"),
        CheckConstraint(one_of("phase", PHASES), name="phase"),
        CheckConstraint("jurors_per_application IS NULL OR jurors_per_application > 0", name="jurors"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    prize_id: Mapped[int] = mapped_column(ForeignKey("prizes.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(60))
    name: Mapped[Any | None] = mapped_column(I18nText)
    method: Mapped[str] = mapped_column(String(20), default="mean")
    jurors_per_application: Mapped[int | None]
    tie_break: Mapped[list[str]] = mapped_column(JSON, default=list)
    phase: Mapped[str] = mapped_column(String(20), default="setup")
    blind: Mapped[bool] = mapped_column(default=False)
    judging_closes_at: Mapped[datetime | None]
    position: Mapped[int] = mapped_column(default=0)

    prize: Mapped[Prize] = relationship(back_populates="rounds")
    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="round", cascade="all, delete-orphan", order_by="Criterion.position"
    )


class Criterion(Versioned, Base):
    __tablename__ = "criteria"
    __table_args__ = (
        UniqueConstraint("round_id", "code"),
        CheckConstraint("weight > 0", name="weight"),
        CheckConstraint("max_value > min_value", name="scale"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(60))
    name: Mapped[Any] = mapped_column(I18nText)
    guidance: Mapped[Any | None] = mapped_column(I18nText)
    weight: Mapped[Decimal] = mapped_column(Numeric(12, 4), default=Decimal(1))
    min_value: Mapped[Decimal] = mapped_column(Numeric(12, 4), default=Decimal(0))
    max_value: Mapped[Decimal] = mapped_column(Numeric(12, 4), default=Decimal(10))
    required: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)

    round: Mapped[Round] = relationship(back_populates="criteria")


class Question(Versioned, Base):
    __tablename__ = "questions"
    __table_args__ = (
        UniqueConstraint("prize_id", "code"),
        CheckConstraint(one_of("type", QUESTION_TYPES), name="type"),
        CheckConstraint("max_words IS NULL OR max_words > 0", name="max_words"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    prize_id: Mapped[int] = mapped_column(ForeignKey("prizes.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(60))
    label: Mapped[Any] = mapped_column(I18nText)
    help: Mapped[Any | None] = mapped_column(I18nText)
    type: Mapped[str] = mapped_column(String(20))
    required: Mapped[bool] = mapped_column(default=False)
    max_words: Mapped[int | None]
    options: Mapped[list[dict] | None] = mapped_column(JSON)
    identifying: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)

    prize: Mapped[Prize] = relationship(back_populates="questions")
