"""The live final's rules, pure: the timer, the moves of the control, and which pitch may be scored.

A session's timer counts the pitch, then the questions, from the moment the pitch started, less
the time spent paused (``elapsed_seconds`` holds what ran before the last start). Nothing here
reads the clock or the database: the moment is passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l

from judging.live.models import LiveSession

ACTIONS = ("start", "pause", "next", "back")
MAX_MINUTES = 60
NOT_STARTED = _l("This pitch has not started yet: its score cannot be sent before it begins.")


class LiveRefusal(Exception):
    """A move or a score the live final refuses; ``message`` is translated for the person."""

    def __init__(self, message: object) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class Timer:
    """Where the current pitch's timer stands: ``phase`` is pitch, questions or over."""

    elapsed: int
    phase: str
    remaining: int
    running: bool


def elapsed(session: LiveSession, now: datetime) -> int:
    """Seconds the current pitch's timer has run (paused time not counted)."""
    ran = session.elapsed_seconds or 0
    if session.state == "running" and session.timer_started_at is not None:
        ran += max(0, int((now - session.timer_started_at).total_seconds()))
    return ran


def timer(session: LiveSession, now: datetime) -> Timer:
    ran = elapsed(session, now)
    if ran < session.pitch_seconds:
        phase, remaining = "pitch", session.pitch_seconds - ran
    elif ran < session.pitch_seconds + session.questions_seconds:
        phase, remaining = "questions", session.pitch_seconds + session.questions_seconds - ran
    else:
        phase, remaining = "over", 0
    return Timer(elapsed=ran, phase=phase, remaining=remaining, running=session.state == "running")


def _restart(session: LiveSession, now: datetime, *, running: bool) -> None:
    session.elapsed_seconds = 0
    session.timer_started_at = now if running else None
    session.state = "running" if running else "paused"


def apply(session: LiveSession, action: str, *, pitches: int, now: datetime) -> None:
    """Move the session: ``start`` (the first pitch, or resume after a pause), ``pause``, ``next``
    (the next pitch with its timer running; after the last pitch the evening ends), ``back`` (the
    previous pitch, its timer reset and paused). What makes no sense now is refused."""
    if action not in ACTIONS:
        raise LiveRefusal(_l("Unknown action."))
    if pitches == 0:
        raise LiveRefusal(_l("This round has no pitch order yet."))
    if action == "start":
        if session.state == "running":
            raise LiveRefusal(_l("The timer is already running."))
        if session.state in ("waiting", "ended"):
            session.position = max(1, min(session.position, pitches)) if session.state == "ended" else 1
            _restart(session, now, running=True)
            return
        session.state, session.timer_started_at = "running", now
    elif action == "pause":
        if session.state != "running":
            raise LiveRefusal(_l("The timer is not running."))
        session.elapsed_seconds = elapsed(session, now)
        session.state, session.timer_started_at = "paused", None
    elif action == "next":
        if session.state in ("waiting", "ended"):
            raise LiveRefusal(_l("Start the live final first."))
        if session.position >= pitches:
            session.elapsed_seconds = elapsed(session, now)
            session.state, session.timer_started_at = "ended", None
            return
        session.position += 1
        _restart(session, now, running=True)
    else:
        if session.position <= 1:
            raise LiveRefusal(_l("This is the first pitch."))
        session.position -= 1
        _restart(session, now, running=False)


def pitch_open(session: LiveSession | None, pitch_position: int | None) -> bool:
    """May a juror score the pitch at ``pitch_position`` (1-based)? Without live mode, always (the
    live page works as before); in live mode, once that pitch has started (the current one or an
    earlier one), and every pitch once the evening has ended."""
    if session is None:
        return True
    if session.state == "ended":
        return True
    if session.state == "waiting" or pitch_position is None:
        return False
    return pitch_position <= session.position
