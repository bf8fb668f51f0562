"""Declarative base, constraint naming convention, UTC timestamps and bilingual text."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, MetaData, TypeDecorator, func
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from judging.core import clock

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def one_of(column: str, values: tuple[str, ...]) -> str:
    """A check constraint's SQL: ``column`` holds one of ``values`` (``status IN ('draft', 'submitted')``)."""
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def utcnow() -> datetime:
    """The current time (aware UTC) from the one clock, ``judging.core.clock.now`` (tests patch that one)."""
    return clock.now()


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, on every backend.

    SQLite has no time zones: a naive value read back is UTC by construction.
    Naive values are refused on the way in so that no local time sneaks in.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store aware UTC datetimes")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class I18nText(TypeDecorator):
    """Text meant for people: a plain string or ``{"fr": ..., "en": ...}`` (kept as written)."""

    impl = JSON
    cache_ok = True


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, server_default=func.now()
    )


class Versioned:
    """Optimistic concurrency: every UPDATE of the row checks and bumps ``version``.

    SQLAlchemy's ``version_id_col`` turns each ORM update into ``UPDATE ... WHERE version = :seen``;
    two requests that loaded the same version cannot both write (the second gets
    ``StaleDataError``). Forms carry the version they showed, so a stale save is refused before
    it is even tried.
    """

    version: Mapped[int] = mapped_column(default=1, server_default="1")

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805 (declarative directive)
        return {"version_id_col": cls.version}


def localized(value: Any, locale: str, fallback: str = "fr") -> str:
    """Pick the text for ``locale`` from a plain string or a ``{"fr", "en"}`` mapping."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return value.get(locale) or value.get(fallback) or next((v for v in value.values() if v), "")
    return str(value)
