"""What the live final's pages read: the pitch order, the live state, the chair's board, the standings.

The standings are provisional (the round is still being scored): Schulze over the submitted
scorecards, with each finalist's mean beside it, computed by ``results.computation`` exactly as
the results page computes a round. Only the chair and organizers are shown them (the views check).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from judging.accounts.models import User
from judging.applications.models import Application
from judging.applications.presenters import ORGANIZER, application_label
from judging.core.templating import decimal_text
from judging.editions.models import Round
from judging.jury.models import Assignment
from judging.live import rules
from judging.live.models import LiveSession
from judging.results import computation
from judging.results.engine.scoring import round_half_up
from judging.results.models import PitchSlot


@dataclass(frozen=True)
class Pitch:
    position: int
    application: Application


def pitch_order(db: Session, rnd: Round) -> list[Pitch]:
    """The round's finalists in pitch order, numbered 1, 2, 3 … (whatever the stored positions)."""
    slots = db.scalars(
        select(PitchSlot)
        .where(PitchSlot.round_id == rnd.id)
        .order_by(PitchSlot.position)
        .options(selectinload(PitchSlot.application))
    ).all()
    return [Pitch(position=n, application=slot.application) for n, slot in enumerate(slots, start=1)]


def positions(db: Session, rnd: Round) -> dict[int, int]:
    """Application id → its place in the pitch order (1-based)."""
    return {p.application.id: p.position for p in pitch_order(db, rnd)}


def live_session(db: Session, rnd: Round) -> LiveSession | None:
    return db.scalar(select(LiveSession).where(LiveSession.round_id == rnd.id))


def state(db: Session, rnd: Round, now: datetime, *, label_for: Any) -> dict[str, Any]:
    """The live state as the phones, the projector and the control poll it (JSON-ready).

    ``label_for(application)`` names a finalist as the reader may see it (blind rounds mask it)."""
    session = live_session(db, rnd)
    order = pitch_order(db, rnd)
    document: dict[str, Any] = {"live": session is not None, "pitches": len(order)}
    if session is None:
        return document
    tick = rules.timer(session, now)
    current = order[session.position - 1] if 0 < session.position <= len(order) else None
    following = order[session.position] if session.position < len(order) else None
    document.update(
        state=session.state,
        position=session.position,
        current=_pitch_json(current, label_for),
        next=_pitch_json(following, label_for) if session.state != "ended" else None,
        timer={
            "phase": tick.phase,
            "remaining": tick.remaining,
            "elapsed": tick.elapsed,
            "running": tick.running,
            "pitch_seconds": session.pitch_seconds,
            "questions_seconds": session.questions_seconds,
        },
        open=[p.application.id for p in order if rules.pitch_open(session, p.position)],
    )
    return document


def _pitch_json(pitch: Pitch | None, label_for: Any) -> dict[str, Any] | None:
    if pitch is None:
        return None
    application = pitch.application
    return {"application_id": application.id, "position": pitch.position, "label": label_for(application)}


def board(db: Session, rnd: Round) -> list[dict[str, Any]]:
    """Per pitch, in order: the jurors who have submitted a score, those who have not yet, and
    those who abstained or declared a conflict (said as such: they are not waited for)."""
    order = pitch_order(db, rnd)
    cards = db.scalars(
        select(Assignment)
        .where(Assignment.round_id == rnd.id)
        .options(selectinload(Assignment.juror))
        .join(User, Assignment.juror_id == User.id)
        .order_by(User.name, User.email)
    ).all()
    by_application: dict[int, list[Assignment]] = {}
    for card in cards:
        by_application.setdefault(card.application_id, []).append(card)
    rows = []
    for pitch in order:
        mine = by_application.get(pitch.application.id, [])
        rows.append(
            {
                "application_id": pitch.application.id,
                "position": pitch.position,
                "label": application_label(pitch.application, viewer=ORGANIZER, round=rnd),
                "scored": [c.juror.display_name for c in mine if c.status == "submitted"],
                "waiting": [c.juror.display_name for c in mine if c.status in ("assigned", "draft")],
                "abstained": [c.juror.display_name for c in mine if c.status == "abstained"],
                "recused": [c.juror.display_name for c in mine if c.status == "recused"],
            }
        )
    return rows


def standings(db: Session, rnd: Round) -> list[dict[str, Any]]:
    """Provisional standings: Schulze rank, wins, the mean of the submitted scores, their count."""
    inputs = computation.load_inputs(db, [rnd])[rnd.id]
    result = computation.compute(inputs, method="schulze").result
    if result is None:
        return []
    titles = {ref: title for ref, title in inputs.applications.values()}
    return [
        {
            "rank": row.rank,
            "ref": row.application,
            "title": titles.get(row.application, ""),
            "wins": int(row.score),
            "mean": str(round_half_up(row.raw_mean, places=2)),
            "mean_text": decimal_text(round_half_up(row.raw_mean, places=2), 2),  # « 81,33 » in French
            "count": row.count,
        }
        for row in result.rows
    ]
