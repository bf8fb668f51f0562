"""The one clock: ``now()``, the time zone of the edition in context, and when a request reached the server.

``now()`` is the only source of the current time (tests patch it here, and only here). Dates are
shown and read in the zone of the edition a page is about (``zone()``, ``local_to_utc``,
``utc_to_local``), Montréal when it is about none.

Deadlines are judged against the time a request reached the server, not the time a worker got to it.

A click made before the deadline counts even when the request waits in a queue (a busy worker, a
proxy's buffer) and a worker reaches it after the deadline. :class:`ArrivalStamp`, a WSGI
middleware installed outermost by ``create_app``, stamps ``environ["judging.received_at"]`` the
moment the application sees the request; :func:`request_received_at` reads it.

Behind trusted reverse proxies (``JUDGING_PROXY_HOPS`` > 0) the proxy's ``X-Request-Start`` header
is honoured, since the request may already have waited in front of the application: nginx's
``t=1733450000.123`` (seconds), and the millisecond, microsecond and nanosecond forms
(``t=1733450000123``, ``t=1733450000123456``). It is clamped: never later than the application's
own stamp, never more than :data:`MAX_QUEUE_WAIT` before it. Without a proxy the header is ignored:
a client could forge it.

A server that sees a request before the application does may say so with :func:`server_saw_it_at`
(``judging.core.gunicorn_worker.ArrivalThreadWorker`` does, from the moment gunicorn queued the request
for a free thread): the application's own stamp is then that earlier moment, clamped the same way.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app, g, has_app_context, has_request_context, request

RECEIVED_AT = "judging.received_at"
#: The longest a proxy's stamp may precede the application's own (a forged or broken header
#: cannot move a request further back than this).
MAX_QUEUE_WAIT = timedelta(minutes=10)
_NUMBER = re.compile(r"^\s*(?:t=)?(\d{1,20}(?:\.\d{1,9})?)\s*$")
_server_stamp = threading.local()


def now() -> datetime:
    """The current time (aware UTC): the one clock. Tests replace this function to control time
    (``monkeypatch.setattr("judging.core.clock.now", ...)``); every module calls ``clock.now()``."""
    return datetime.now(UTC)


#: The zone dates are read and shown in when no edition is in context.
DEFAULT_TIMEZONE = "America/Montreal"


def use_timezone(name: str | None) -> None:
    """Dates of the current request (pages, forms) are read and shown in ``name``: the zone of the
    edition the page is about (``Edition.timezone``). None goes back to the default."""
    if not has_app_context():
        return
    g.timezone_name = name
    babel_state = g.get("_flask_babel")
    if babel_state is not None:  # Flask-Babel caches the zone per request: forget it
        babel_state.babel_tzinfo = None


def timezone_name() -> str:
    """The zone of the edition in context, else the configured default (Montréal)."""
    if has_app_context():
        return g.get("timezone_name") or current_app.config.get("BABEL_DEFAULT_TIMEZONE") or DEFAULT_TIMEZONE
    return DEFAULT_TIMEZONE


def zone(name: str | None = None) -> ZoneInfo:
    """``name`` (or the zone in context) as a ZoneInfo; an unknown name falls back to Montréal."""
    try:
        return ZoneInfo(name or timezone_name())
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def local_to_utc(value: datetime, tz: ZoneInfo | None = None) -> datetime:
    """A wall-clock time in ``tz`` (default: the zone of the edition in context, else Montréal; naive,
    as a ``datetime-local`` input gives it) as aware UTC.

    An already aware value is only converted. In the autumn hour that happens twice,
    the first (daylight-saving) occurrence is meant.
    """
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    return value.replace(tzinfo=tz or zone(), fold=0).astimezone(UTC)


def utc_to_local(value: datetime, tz: ZoneInfo | None = None) -> datetime:
    """An aware datetime as naive wall-clock time in ``tz`` (default as :func:`local_to_utc`): what a
    ``datetime-local`` input shows."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(tz or zone()).replace(tzinfo=None)


def local_time_exists(value: datetime, tz: ZoneInfo | None = None) -> bool:
    """False for a wall-clock time skipped by the spring change to daylight-saving time."""
    return utc_to_local(local_to_utc(value, tz), tz) == value.replace(tzinfo=None)


def parse_request_start(value: str | None) -> datetime | None:
    """The instant of an ``X-Request-Start`` header, or None when it is missing or unreadable.

    Several values (the header repeated, joined by commas) keep the last one: the nearest proxy's.
    The unit follows the size of the number: seconds, milliseconds, microseconds or nanoseconds.
    """
    if not value:
        return None
    match = _NUMBER.match(value.split(",")[-1])
    if match is None:
        return None
    number = float(match.group(1))
    for divisor in (1, 1e3, 1e6, 1e9):
        seconds = number / divisor
        if seconds < 1e11:  # before the year 5138: this is the unit
            break
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def arrival_time(own_stamp: datetime, proxy_stamp: datetime | None) -> datetime:
    """The proxy's stamp clamped to [own stamp − MAX_QUEUE_WAIT, own stamp]; the own stamp without one."""
    if proxy_stamp is None:
        return own_stamp
    return min(own_stamp, max(proxy_stamp, own_stamp - MAX_QUEUE_WAIT))


def server_saw_it_at(moment: datetime | None) -> None:
    """For a server's worker thread: the request it is about to hand over arrived at ``moment``."""
    _server_stamp.moment = moment


class ArrivalStamp:
    """WSGI middleware: records when each request reached the application (see the module's docstring)."""

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]], *, trust_request_start: bool) -> None:
        self.app = wsgi_app
        self.trust_request_start = trust_request_start

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        own_stamp = arrival_time(now(), getattr(_server_stamp, "moment", None))
        header = environ.get("HTTP_X_REQUEST_START") if self.trust_request_start else None
        environ[RECEIVED_AT] = arrival_time(own_stamp, parse_request_start(header))
        return self.app(environ, start_response)


def request_received_at() -> datetime:
    """When the current request reached the server; the current time outside a request."""
    if has_request_context():
        stamp = request.environ.get(RECEIVED_AT)
        if isinstance(stamp, datetime):
            return stamp
    return now()


def is_public(moment: datetime | None, at: datetime) -> bool:
    """A page whose opening time is ``moment`` is public at ``at`` (never without a time)."""
    return moment is not None and moment <= at
