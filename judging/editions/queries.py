"""Named, reusable selects: the only place where listing filters live."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from judging.core.models import utcnow
from judging.editions.models import Edition, Prize


def editions_newest_first() -> Select:
    return select(Edition).order_by(Edition.applications_open.desc(), Edition.id.desc())


def current_edition() -> Select:
    """The edition whose window is open now, else the one that opened last."""
    now = utcnow()
    return (
        select(Edition)
        .where(Edition.applications_open <= now)
        .order_by(Edition.applications_open.desc(), Edition.id.desc())
        .limit(1)
    )


def prizes_of_edition(edition_id: int) -> Select:
    return (
        select(Prize)
        .where(Prize.edition_id == edition_id)
        .order_by(Prize.position, Prize.id)
        .options(selectinload(Prize.rounds), selectinload(Prize.questions))
    )
