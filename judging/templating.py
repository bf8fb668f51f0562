"""Jinja filters and globals: bilingual text, Montréal dates, the language switch."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from babel import dates
from flask import Flask, request
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .models.base import localized


def current_locale() -> str:
    return str(get_locale() or "fr")


def tr(value: Any) -> str:
    """Organizer-written text (``{"fr", "en"}`` or a plain string) in the current language."""
    return localized(value, current_locale())


#: French is Montréal's French: « 23 h 59 » and « HNE »/« HAE » (Babel's plain "fr" writes "23:59 -0500").
BABEL_LOCALES = {"fr": "fr_CA"}
#: Hours without a leading zero, as the Office québécois de la langue française writes them.
TIME_PATTERNS = {"fr": ("H 'h' mm", "H 'h' mm 'min' ss 's'")}


def local_time(value: datetime) -> str:
    """The Montréal time of day, seconds only when there are some: « 23 h 59 », "11:59:30 PM"."""
    language = current_locale()
    local = _montreal(value)
    patterns = TIME_PATTERNS.get(language, ("short", "medium"))
    return dates.format_time(
        local, patterns[1 if local.second else 0], locale=BABEL_LOCALES.get(language, language)
    )


def _montreal(value: datetime) -> datetime:
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(get_timezone())


def local_datetime(value: datetime | None, fmt: str = "medium") -> str:
    """A stored UTC datetime in Montréal time and the current language, with its zone.

    ``short``/``medium``/``long``/``full`` give the date in that style, the time and the zone:
    « 15 décembre 2026 à 23 h 59 (HNE) », "December 15, 2026 at 11:59 PM (EST)"; ``time`` the time
    alone; anything else is a Babel pattern. Every date shown to people goes through here.
    """
    if value is None:
        return ""
    language = current_locale()
    locale = BABEL_LOCALES.get(language, language)
    local = _montreal(value)
    if fmt == "time":
        return local_time(value)
    if fmt in ("short", "medium", "long", "full"):
        return _(
            "%(date)s at %(time)s (%(zone)s)",
            date=dates.format_date(local, fmt, locale=locale),
            time=local_time(value),
            zone=dates.format_datetime(local, "zzz", tzinfo=local.tzinfo, locale=locale),
        )
    return dates.format_datetime(local, fmt, tzinfo=local.tzinfo, locale=locale)


ROLE_LABELS = {"candidate": _l("candidate"), "juror": _l("juror"), "organizer": _l("organizer")}


def roles_label(roles: Any) -> str:
    return ", ".join(str(ROLE_LABELS.get(role, role)) for role in sorted(roles))


def init_app(app: Flask) -> None:
    app.jinja_env.filters["tr"] = tr
    app.jinja_env.filters["datetime"] = local_datetime
    app.jinja_env.globals["roles_label"] = roles_label

    @app.context_processor
    def _globals() -> dict[str, Any]:
        return {"current_locale": current_locale(), "current_path": request.full_path.rstrip("?")}
