"""Jinja filters and globals: bilingual text, Montréal dates, the language switch."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask, request
from flask_babel import format_date, format_datetime, format_time, get_locale
from flask_babel import lazy_gettext as _l

from .models.base import localized


def current_locale() -> str:
    return str(get_locale() or "fr")


def tr(value: Any) -> str:
    """Organizer-written text (``{"fr", "en"}`` or a plain string) in the current language."""
    return localized(value, current_locale())


def local_datetime(value: datetime | None, fmt: str = "medium") -> str:
    """A stored UTC datetime shown in America/Montreal time in the current language."""
    if value is None:
        return ""
    if fmt in ("short", "medium", "long", "full"):
        # the date in the requested style, seconds only when there are some, the zone:
        # "15 déc. 2026, 23:59 HNE"
        time_part = format_time(value, "medium" if value.second else "short")
        return f"{format_date(value, fmt)}, {time_part} {format_datetime(value, 'zzz')}"
    return format_datetime(value, fmt)


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
