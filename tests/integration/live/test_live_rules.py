"""The live final's pure rules: the timer through pauses, the moves, which pitch may be scored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from judging.live import rules
from judging.live.models import LiveSession
from judging.live.rules import LiveRefusal

T0 = datetime(2026, 12, 10, 23, 0, tzinfo=UTC)


def fresh() -> LiveSession:
    return LiveSession(
        state="waiting", position=0, elapsed_seconds=0, pitch_seconds=300, questions_seconds=180
    )


def at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_the_timer_counts_the_pitch_then_the_questions_and_not_the_pauses():
    session = fresh()
    rules.apply(session, "start", pitches=3, now=at(0))
    assert rules.timer(session, at(100)) == rules.Timer(
        elapsed=100, phase="pitch", remaining=200, running=True
    )
    rules.apply(session, "pause", pitches=3, now=at(100))
    assert rules.timer(session, at(1000)).elapsed == 100  # paused: time stands still
    rules.apply(session, "start", pitches=3, now=at(1000))
    assert rules.timer(session, at(1250)) == rules.Timer(
        elapsed=350, phase="questions", remaining=130, running=True
    )
    assert rules.timer(session, at(1500)).phase == "over"


def test_moves_through_the_pitches_and_the_end():
    session = fresh()
    with pytest.raises(LiveRefusal):
        rules.apply(session, "next", pitches=2, now=at(0))
    rules.apply(session, "start", pitches=2, now=at(0))
    rules.apply(session, "next", pitches=2, now=at(10))
    assert (session.position, session.state, rules.timer(session, at(15)).elapsed) == (2, "running", 5)
    rules.apply(session, "back", pitches=2, now=at(20))
    assert (session.position, session.state, rules.timer(session, at(99)).elapsed) == (1, "paused", 0)
    with pytest.raises(LiveRefusal):
        rules.apply(session, "back", pitches=2, now=at(30))
    rules.apply(session, "start", pitches=2, now=at(30))
    rules.apply(session, "next", pitches=2, now=at(40))
    rules.apply(session, "next", pitches=2, now=at(50))
    assert (session.position, session.state) == (2, "ended")
    with pytest.raises(LiveRefusal):
        rules.apply(session, "pause", pitches=2, now=at(60))


def test_which_pitch_may_be_scored():
    assert rules.pitch_open(None, 5)  # no live mode: the live page works as before
    session = fresh()
    assert not rules.pitch_open(session, 1)  # live mode set up, not started
    rules.apply(session, "start", pitches=3, now=at(0))
    rules.apply(session, "next", pitches=3, now=at(1))
    assert [rules.pitch_open(session, p) for p in (1, 2, 3, None)] == [True, True, False, False]
    session.state = "ended"
    assert rules.pitch_open(session, 3)
