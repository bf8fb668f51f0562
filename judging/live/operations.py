"""The live final's writes: the control's moves and timing, and a score received from a phone.

Each flushes and audits; the route commits once (``core.concurrency.commit_with_replay``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from judging.accounts.models import User
from judging.core.audit import record
from judging.editions.models import Round
from judging.jury import scoring
from judging.jury.models import Assignment
from judging.live import queries, rules
from judging.live.models import LiveSession, ReceivedSubmission
from judging.live.rules import LiveRefusal

FIELDS = ("state", "position", "elapsed_seconds", "pitch_seconds", "questions_seconds")


def _snapshot(session: LiveSession) -> dict[str, Any]:
    return {name: getattr(session, name) for name in FIELDS}


def session_for(db: Session, rnd: Round) -> LiveSession:
    """The round's live session, made (waiting, 5 + 3 minutes) the first time the control is used."""
    session = queries.live_session(db, rnd)
    if session is None:
        session = LiveSession(round_id=rnd.id, state="waiting", position=0, elapsed_seconds=0)
        session.round = rnd
        db.add(session)
        db.flush()
    return session


def control(db: Session, rnd: Round, action: str, *, actor: User, now: datetime) -> LiveSession:
    """One move of the control (start, pause, next, back), audited with the state before and after."""
    session = session_for(db, rnd)
    before = _snapshot(session)
    rules.apply(session, action, pitches=len(queries.pitch_order(db, rnd)), now=now)
    db.flush()
    record(db, actor=actor, action="live.controlled", obj=session, before=before, after=_snapshot(session))
    return session


def set_timing(db: Session, rnd: Round, *, pitch_minutes: int, questions_minutes: int, actor: User) -> None:
    """The lengths of a pitch and of its questions (whole minutes, 1 to 60 and 0 to 60)."""
    if not (1 <= pitch_minutes <= rules.MAX_MINUTES and 0 <= questions_minutes <= rules.MAX_MINUTES):
        raise LiveRefusal(_l("A pitch lasts 1 to 60 minutes and its questions 0 to 60 minutes."))
    session = session_for(db, rnd)
    before = _snapshot(session)
    session.pitch_seconds, session.questions_seconds = pitch_minutes * 60, questions_minutes * 60
    db.flush()
    record(db, actor=actor, action="live.timing_set", obj=session, before=before, after=_snapshot(session))


def received(db: Session, juror: User, submission_id: str) -> ReceivedSubmission | None:
    return db.scalar(
        select(ReceivedSubmission).where(
            ReceivedSubmission.juror_id == juror.id, ReceivedSubmission.submission_id == submission_id
        )
    )


def receive_score(
    db: Session,
    card: Assignment,
    *,
    juror: User,
    submission_id: str,
    scores: dict[str, Any],
    version: int,
    now: datetime,
) -> ReceivedSubmission:
    """A score sent from the live page under the phone's ``submission_id``.

    The same id received again is the same submission: its stored outcome is returned and nothing
    is saved twice (two copies racing each other: the unique (juror, id) makes one fail, and its
    replay finds the other). A pitch not yet started in live mode is refused; otherwise the score is
    saved and submitted like the live form's (``jury.scoring.save``, stale versions refused)."""
    seen = received(db, juror, submission_id)
    if seen is not None:
        return seen
    session = queries.live_session(db, card.round)
    position = queries.positions(db, card.round).get(card.application_id)
    if not rules.pitch_open(session, position):
        raise LiveRefusal(rules.NOT_STARTED)
    scoring.save(db, card, actor=juror, scores=scores, submit=True, expected_version=version, now=now)
    db.flush()
    entry = ReceivedSubmission(
        juror_id=juror.id,
        submission_id=submission_id,
        assignment_id=card.id,
        version=card.version,
        received_at=now,
    )
    db.add(entry)
    db.flush()
    return entry
