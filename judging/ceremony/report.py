"""The edition report organizers publish every year: counts computed in SQL, a fixed number of queries."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from judging.applications.models import ORGANIZATION_TYPES, REGIONS, Application
from judging.editions.models import Edition, Prize
from judging.results.models import Decision

RECEIVED_STATUSES = ("submitted", "ineligible")


def share(part: int, whole: int) -> float | None:
    """A share rounded half-up to 4 decimals (None when there is nothing to divide)."""
    if whole == 0:
        return None
    return float((Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def previous_edition(db: Session, edition: Edition) -> Edition | None:
    """The edition whose application window opened last before this one's."""
    return db.scalars(
        select(Edition)
        .where(Edition.applications_open < edition.applications_open)
        .order_by(Edition.applications_open.desc(), Edition.id.desc())
        .limit(1)
    ).first()


def received_count(db: Session, edition_id: int) -> int:
    return (
        db.scalar(
            select(func.count()).where(
                Application.edition_id == edition_id, Application.status.in_(RECEIVED_STATUSES)
            )
        )
        or 0
    )


def _grouped(db: Session, edition_id: int, column) -> dict[Any, int]:
    rows = db.execute(
        select(column, func.count())
        .where(Application.edition_id == edition_id, Application.status.in_(RECEIVED_STATUSES))
        .group_by(column)
    ).all()
    return {key: count for key, count in rows}


def _with_all_keys(counts: dict[Any, int], keys: tuple[str, ...]) -> dict[str, int]:
    result = {key: counts.get(key, 0) for key in keys}
    if counts.get(None):
        result["unknown"] = counts[None]
    return result


def edition_stats(db: Session, edition: Edition) -> dict[str, Any]:
    """The ``judging stats EDITION --json`` document (see docs/report.md)."""
    received = received_count(db, edition.id)
    previous = previous_edition(db, edition)
    previous_received = received_count(db, previous.id) if previous else 0
    growth = (
        share(received - previous_received, previous_received) if previous and previous_received else None
    )

    prize_codes = db.execute(
        select(Prize.id, Prize.code).where(Prize.edition_id == edition.id).order_by(Prize.position, Prize.id)
    ).all()
    by_prize_id = _grouped(db, edition.id, Application.prize_id)
    women = (
        db.scalar(
            select(func.count()).where(
                Application.edition_id == edition.id,
                Application.status.in_(RECEIVED_STATUSES),
                Application.led_by_woman.is_(True),
            )
        )
        or 0
    )
    outcomes = dict(
        db.execute(
            select(Decision.outcome, func.count())
            .join(Prize, Decision.prize_id == Prize.id)
            .where(Prize.edition_id == edition.id)
            .group_by(Decision.outcome)
        ).all()
    )
    return {
        "edition": edition.code,
        "applications": received,
        "previous_edition": previous.code if previous else None,
        "growth": growth,
        "by_prize": {code: by_prize_id.get(prize_id, 0) for prize_id, code in prize_codes},
        "by_region": _with_all_keys(_grouped(db, edition.id, Application.region), REGIONS),
        "by_type": _with_all_keys(_grouped(db, edition.id, Application.org_type), ORGANIZATION_TYPES),
        "led_by_woman": {"count": women, "share": share(women, received)},
        "finalists": outcomes.get("finalist", 0),
        "winners": outcomes.get("winner", 0),
        "mentions": outcomes.get("mention", 0),
    }
