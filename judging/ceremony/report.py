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


def received_breakdown(db: Session, edition_id: int) -> list[tuple[Any, Any, Any, Any, int]]:
    """``(prize_id, region, org_type, led_by_woman_answer, count)`` of the received applications.

    One statement for every count of the report (an index-only scan of
    ``ix_applications_edition_status_counts``; a few dozen rows), summed in Python per figure:
    five scans of the whole table before.
    """
    columns = (
        Application.prize_id,
        Application.region,
        Application.org_type,
        Application.led_by_woman_answer,
    )
    query = (
        select(*columns, func.count())
        .where(Application.edition_id == edition_id, Application.status.in_(RECEIVED_STATUSES))
        .group_by(*columns)
    )
    return [tuple(row) for row in db.execute(query).all()]


def _summed(rows: list[tuple[Any, Any, Any, Any, int]], position: int) -> dict[Any, int]:
    """The counts of ``rows`` (see :func:`received_breakdown`) summed by the column at ``position``."""
    counts: dict[Any, int] = {}
    for row in rows:
        counts[row[position]] = counts.get(row[position], 0) + row[-1]
    return counts


def _with_all_keys(counts: dict[Any, int], keys: tuple[str, ...]) -> dict[str, int]:
    result = {key: counts.get(key, 0) for key in keys}
    if counts.get(None):
        result["unknown"] = counts[None]
    return result


def edition_stats(db: Session, edition: Edition) -> dict[str, Any]:
    """The ``judging stats EDITION --json`` document (see docs/report.md)."""
    breakdown = received_breakdown(db, edition.id)
    received = sum(row[-1] for row in breakdown)
    previous = previous_edition(db, edition)
    previous_received = received_count(db, previous.id) if previous else 0
    growth = (
        share(received - previous_received, previous_received) if previous and previous_received else None
    )

    prize_codes = db.execute(
        select(Prize.id, Prize.code).where(Prize.edition_id == edition.id).order_by(Prize.position, Prize.id)
    ).all()
    by_prize_id = _summed(breakdown, 0)
    women = _summed(breakdown, 3).get("yes", 0)  # Application.led_by_woman is True for "yes" only
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
        "by_region": _with_all_keys(_summed(breakdown, 1), REGIONS),
        "by_type": _with_all_keys(_summed(breakdown, 2), ORGANIZATION_TYPES),
        "led_by_woman": {"count": women, "share": share(women, received)},
        "finalists": outcomes.get("finalist", 0),
        "winners": outcomes.get("winner", 0),
        "mentions": outcomes.get("mention", 0),
    }
