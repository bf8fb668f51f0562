"""Jinja filters and globals: bilingual text, dates in the edition's time zone, the language switch."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

from babel import Locale, dates, numbers
from flask import Flask, g, request
from flask_babel import force_locale, format_timedelta, get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import select

from judging.applications.models import Application
from judging.core import clock
from judging.core.labels import (
    ROLE_LABELS,
    code_label,
    country_name,
    round_name,
    tie_break_label,
    title_after_name,
)
from judging.core.models import localized
from judging.db import session
from judging.editions.models import Edition, Prize, Round


def current_locale() -> str:
    return str(get_locale() or "fr")


def tr(value: Any) -> str:
    """Organizer-written text (``{"fr", "en"}`` or a plain string) in the current language."""
    return localized(value, current_locale())


#: French is Montréal's French: « 23 h 59 » and « HNE »/« HAE » (Babel's plain "fr" writes "23:59 -0500").
BABEL_LOCALES = {"fr": "fr_CA"}
#: The short date of each language, where it differs: Canadian English's « 2026-12-06 », not "12/6/26"
#: (6 December or 12 June?), and the same as French's.
SHORT_DATE_LOCALES = {"en": "en_CA"}
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
    """``value`` in the zone of the edition in context (``clock.use_timezone``), Montréal otherwise."""
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(clock.zone())


def zone_name(local: datetime, locale: str) -> str:
    """The zone's short name (« HNE », "EST"); its long name where the language has no short one
    (« heure normale d’Europe centrale », not « +0100 »)."""
    short = dates.format_datetime(local, "zzz", tzinfo=local.tzinfo, locale=locale)
    if short[:1] in "+-" or short.startswith(("GMT", "UTC")) and short not in ("GMT", "UTC"):
        return dates.format_datetime(local, "zzzz", tzinfo=local.tzinfo, locale=locale)
    return short


def local_datetime(value: datetime | None, fmt: str = "medium", *, keep_together: bool = False) -> str:
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
    keep = keep_together and language == "fr"  # French typography: « 15 décembre », « 23 h 59 » unbroken
    if fmt == "time":
        return _unbroken(local_time(value), keep)
    if fmt in ("short", "medium", "long", "full"):
        date_locale = SHORT_DATE_LOCALES.get(language, locale) if fmt == "short" else locale
        day = french_ordinal(dates.format_date(local, fmt, locale=date_locale), local, language)
        return _(
            "%(date)s at %(time)s (%(zone)s)",
            date=_unbroken(day, keep),
            time=_unbroken(local_time(value), keep),
            zone=zone_name(local, locale),
        )
    written = dates.format_datetime(local, fmt, tzinfo=local.tzinfo, locale=locale)
    return french_ordinal(written, local, language) if "MMM" in fmt else written


#: the day of the month 1 as Québec French writes it: « 1er mai », never « 1 mai »
FIRST_OF_MONTH = re.compile(r"(?<![\d:])1(?=[ \u00a0][^\W\d])")


def french_ordinal(text: str, local: datetime, language: str) -> str:
    """« 1er mai 2026 »: the first day of a month is an ordinal in French (not in English)."""
    if language != "fr" or local.day != 1:
        return text
    return FIRST_OF_MONTH.sub("1er", text, count=1)


def _unbroken(text: str, keep: bool) -> str:
    """With ``keep``, no line break inside a date or a time (« 15 décembre », « 23 h 59 » on a phone)."""
    return unbroken(text) if keep else text


def unbroken(text: str) -> str:
    """``text`` held on one line (the Jinja filter ``unbroken``): its spaces made non-breaking."""
    return str(text).replace(" ", "\u00a0")


def page_datetime(value: datetime | None, fmt: str = "medium") -> str:
    """:func:`local_datetime` for a page (the Jinja filter ``datetime``): in French the date and the
    time are each held on one line by non-breaking spaces, so a phone never parts a day from its
    month or a number from its unit (« 15 décembre », « 23 h 59 »); mails and documents keep plain
    spaces."""
    return local_datetime(value, fmt, keep_together=True)


def recorded_moment(value: datetime | None, fmt: str = "medium") -> Markup:
    """A moment the app recorded (an audit event, a freeze, a phase change, a mail queued), to the minute.

    Seconds say nothing to a reader there; the exact time stays on demand: ``<time datetime title>``
    (hover, long press, a screen reader's description). Receipts and deadlines keep
    :func:`local_datetime`, which shows the seconds a moment has.
    """
    if value is None:
        return Markup("—")
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        aware.astimezone(UTC).isoformat(timespec="seconds"),
        local_datetime(aware, fmt),
        local_datetime(aware.replace(second=0, microsecond=0), fmt),
    )


def decimal_text(value: Any, places: int | None = None, *, grouping: bool = True) -> str:
    """A number as people write it in the current language: « 7,5 », « 1 234,5 » (fr), "7.5" (en).

    ``places`` fixes the decimals (halves rounded up, as scorecard totals are: 49,50); without it,
    up to four, trailing zeros dropped. ``grouping=False`` for a value put back in an input.
    Every decimal shown to people goes through here (the Jinja filter ``number``); exports keep
    the exact value.
    """
    if value is None or value == "":
        return "—"
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if places is not None:
        number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    pattern = ("#,##0" if grouping else "0") + ("." + "0" * places if places else ".####")
    language = current_locale()
    return number_text(str(number), pattern, BABEL_LOCALES.get(language, language))


def document_number(value: Any) -> str:
    """A results document's number (already rounded half-up to 4 decimals) in the reader's language
    (the Jinja global ``document_number``); — for None. Writes what ``results.views.num`` writes
    (Flask-Babel's locale: « 1 234,5 » with a narrow no-break space in French), through the
    remembered texts of :func:`number_text`.
    """
    if value is None:
        return "—"
    locale = str(get_locale())
    if isinstance(value, int) and not isinstance(value, bool):
        return number_text(str(value), "#,##0", locale)
    return number_text(str(Decimal(str(value))), "#,##0.####", locale)


#: Numbers kept with their text, per process (about 250 bytes each, 2 MiB when full).
NUMBERS_KEPT = 8192


@lru_cache(maxsize=NUMBERS_KEPT)
def number_text(number: str, pattern: str, babel_locale: str) -> str:
    """``numbers.format_decimal(Decimal(number), pattern, locale=babel_locale)``, remembered.

    A results page writes about 1,000 numbers, mostly the same ones from one view to the next,
    and Babel's formatting costs about 25 µs each (parsing the pattern and the locale, then
    quantizing). ``number`` is the exact decimal as text: equal texts are equal decimals, so a
    remembered text is the one Babel would write again.
    """
    parsed, locale = number_format(pattern, babel_locale)
    return parsed.apply(Decimal(number), locale)  # what numbers.format_decimal does with them


@lru_cache(maxsize=64)
def number_format(pattern: str, babel_locale: str) -> tuple[numbers.NumberPattern, Locale]:
    """Babel's parsed ``pattern`` and ``babel_locale``, made once each (``format_decimal`` parses
    both on every call)."""
    return numbers.parse_pattern(pattern), Locale.parse(babel_locale)


def rounded_number(value: Any, places: int = 2) -> Markup:
    """Two decimals for a table, the exact value in a ``title`` (shown on hover and read on demand)."""
    if value is None:
        return Markup("—")
    return Markup('<span title="{}">{}</span>').format(decimal_text(value), decimal_text(value, places))


PLACEHOLDER = "\uffff"


def with_colon(label: Any, language: str | None = None) -> str:
    """« Lauréat : » in French (a non-breaking space before the colon), "Winner:" in English.

    ``language`` for a document written in another language than the page's (the press release).
    A label in HTML (a :func:`recorded_moment`) stays HTML.
    """
    if isinstance(label, Markup):
        return escape(with_colon(PLACEHOLDER, language)).replace(PLACEHOLDER, label)
    if language is None:
        return _("%(label)s:", label=label)
    with force_locale(language):
        return _("%(label)s:", label=label)


def roles_label(roles: Any) -> str:
    return ", ".join(str(ROLE_LABELS.get(role, role)) for role in sorted(roles))


@dataclass(frozen=True)
class Brand:
    """What a page of an edition needs to wear its brand (see :mod:`judging.editions.brand`)."""

    edition_id: int
    primary: str | None
    accent: str | None
    logo_sha256: str | None

    @property
    def version(self) -> str:
        """Changes whenever the brand does: the cache-busting part of the stylesheet's URL."""
        key = f"{self.primary}|{self.accent}|{self.logo_sha256}"
        return hashlib.sha256(key.encode()).hexdigest()[:12]

    @property
    def has_colours(self) -> bool:
        return bool(self.primary or self.accent)

    @property
    def logo_version(self) -> str | None:
        return self.logo_sha256[:12] if self.logo_sha256 else None

    @classmethod
    def of(cls, edition_id: int, primary: str | None, accent: str | None, logo: str | None) -> Brand | None:
        """The brand, or None for an edition that has none (today's look)."""
        return cls(edition_id, primary, accent, logo) if (primary or accent or logo) else None


#: what the page needs of the edition the URL names: its zone and its brand
_PAGE_EDITION = (
    Edition.timezone,
    Edition.id,
    Edition.brand_primary,
    Edition.brand_accent,
    Edition.brand_logo_sha256,
)


def _edition_timezone_query(view_args: dict[str, Any], blueprint: str | None) -> Any:
    """The query of the time zone and brand of the edition a URL is about (None when it names none)."""
    zone = select(*_PAGE_EDITION)
    if "edition_id" in view_args:
        return zone.where(Edition.id == view_args["edition_id"])
    if "application_id" in view_args:
        return zone.join(Application, Application.edition_id == Edition.id).where(
            Application.id == view_args["application_id"]
        )
    if "round_id" in view_args:
        return zone.join(Prize).join(Round).where(Round.id == view_args["round_id"])
    if "prize_id" in view_args:
        return zone.join(Prize).where(Prize.id == view_args["prize_id"])
    if "code" in view_args and blueprint == "public":
        return zone.where(Edition.code == view_args["code"])
    return None


def use_edition_timezone() -> None:
    """Before each request: dates are shown and read in the zone of the edition the URL names
    (``Edition.timezone``), Montréal for pages about no edition; the page wears that edition's brand."""
    query = _edition_timezone_query(request.view_args or {}, request.blueprint)
    row = session.execute(query).first() if query is not None else None
    clock.use_timezone(row[0] if row is not None else None)
    g.page_brand = Brand.of(*row[1:]) if row is not None else None
    g.page_names_edition = row is not None


def use_page_edition(edition: Edition | None) -> None:
    """For a page about an edition its URL does not name (the home page): its zone and its brand."""
    clock.use_timezone(edition.timezone if edition is not None else None)
    g.page_brand = (
        Brand.of(edition.id, edition.brand_primary, edition.brand_accent, edition.brand_logo_sha256)
        if edition is not None
        else None
    )
    g.page_names_edition = edition is not None


def page_names_edition() -> bool:
    """Whether the page is about an edition (its URL names one, or its view said which)."""
    return bool(g.get("page_names_edition"))


def use_brand_by_default(brand: Brand | None) -> None:
    """The brand a page about no edition wears (the current edition's, which
    :mod:`judging.editions.public_views` chooses: core cannot name it), so that the header keeps its
    colours as one goes from an edition's pages to « Mes candidatures » or an error page."""
    if not page_names_edition():
        g.page_brand = brand


def page_brand() -> Brand | None:
    """The brand of the edition the page is about, else the current edition's (None: the platform's own
    look)."""
    return g.get("page_brand")


def zone_hint() -> str:
    """The help under a date field: « Heure de Montréal. », or the edition's zone when it has another."""
    name = clock.timezone_name()
    if name == clock.DEFAULT_TIMEZONE:
        return _("Montréal time.")
    return _("Time in the %(zone)s time zone.", zone=name)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["tr"] = tr
    app.jinja_env.filters["datetime"] = page_datetime
    app.jinja_env.filters["moment"] = recorded_moment
    app.jinja_env.globals["roles_label"] = roles_label
    app.jinja_env.globals["code_label"] = code_label
    app.jinja_env.globals["country_name"] = country_name
    app.jinja_env.globals["tie_break_label"] = tie_break_label
    app.jinja_env.globals["round_name"] = round_name
    app.jinja_env.globals["zone_hint"] = zone_hint
    app.jinja_env.globals["page_timezone"] = clock.timezone_name
    app.jinja_env.globals["page_brand"] = page_brand
    app.jinja_env.filters["number"] = decimal_text
    app.jinja_env.globals["document_number"] = document_number
    app.jinja_env.filters["unbroken"] = unbroken
    app.jinja_env.filters["colon"] = with_colon
    app.jinja_env.filters["after_name"] = lambda title: title_after_name(title, current_locale())
    app.jinja_env.globals["rounded_number"] = rounded_number

    app.before_request(use_edition_timezone)

    @app.context_processor
    def _globals() -> dict[str, Any]:
        return {"current_locale": current_locale(), "current_path": request.full_path.rstrip("?")}


def time_left(deadline, now) -> str:
    """Server-rendered countdown text (the script refines it every second)."""
    seconds = (deadline - now).total_seconds()
    if seconds <= 0:
        return _("The call for applications has closed.")
    return format_timedelta(deadline - now, granularity="minute", threshold=1.5, add_direction=False)
