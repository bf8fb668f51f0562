"""Named selects: the organizer's list of applications (filters, search, pagination, export), a candidate's.

The list costs a fixed number of queries whatever the number of applications:
the prizes of the edition, one grouped count (per prize, under the other filters:
it gives the tab counts and the total), and one page of rows selected as plain
columns (no ORM object, so no lazy load can sneak in from a template).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from judging.accounts.models import LANGUAGES, User
from judging.applications.models import APPLICATION_STATUSES, ORGANIZATION_TYPES, REGIONS, Application
from judging.core.audit_event import AuditEvent
from judging.core.web_input import ASCII_DIGITS, ascii_int
from judging.editions.models import Prize, Question
from judging.jury.models import Assignment
from judging.results.models import Decision

PER_PAGE = 50
SEARCH_MAX = 200
#: Filter name in the URL → (allowed values, column).
CHOICE_FILTERS = {
    "status": APPLICATION_STATUSES,
    "region": REGIONS,
    "type": ORGANIZATION_TYPES,
    "language": LANGUAGES,
}
_COLUMNS = {
    "status": Application.status,
    "region": Application.region,
    "type": Application.org_type,
    "language": Application.language,
}


@dataclass(frozen=True)
class ApplicationFilters:
    """What the organizer asked for in the URL, keeping only values that exist.

    ``ignored`` names the parameters whose value was not understood (they are left out,
    and the page says so) instead of failing.
    """

    prize_id: int | None = None
    status: str | None = None
    region: str | None = None
    type: str | None = None
    language: str | None = None
    q: str = ""
    ignored: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def from_args(cls, args: Mapping[str, Any], prize_ids: set[int] | frozenset[int]) -> ApplicationFilters:
        values: dict[str, Any] = {}
        ignored: list[str] = []
        raw_prize = str(args.get("prize") or "").strip()
        if raw_prize:
            if ascii_int(raw_prize) in prize_ids:
                values["prize_id"] = ascii_int(raw_prize)
            else:
                ignored.append("prize")
        for name, allowed in CHOICE_FILTERS.items():
            raw = str(args.get(name) or "").strip()
            if not raw:
                continue
            if raw in allowed:
                values[name] = raw
            else:
                ignored.append(name)
        values["q"] = " ".join(str(args.get("q") or "").split())[:SEARCH_MAX]
        return cls(**values, ignored=tuple(ignored))

    def as_args(self, **changes: Any) -> dict[str, Any]:
        """The filters as URL parameters (for links that keep them), with ``changes`` applied."""
        current = replace(self, **{k: v for k, v in changes.items() if k != "page"})
        args: dict[str, Any] = {
            "prize": current.prize_id,
            "status": current.status,
            "region": current.region,
            "type": current.type,
            "language": current.language,
            "q": current.q or None,
        }
        if changes.get("page"):
            args["page"] = changes["page"]
        return {key: value for key, value in args.items() if value not in (None, "")}

    @property
    def active(self) -> bool:
        return any((self.status, self.region, self.type, self.language, self.q))


def escape_like(text: str, escape: str = "\\") -> str:
    """``text`` with LIKE's wildcards (``%``, ``_``) and the escape character made literal."""
    return text.replace(escape, escape * 2).replace("%", escape + "%").replace("_", escape + "_")


def search_clause(q: str) -> ColumnElement[bool]:
    """Case-insensitive substring match on ref, title, organization name and contact email."""
    pattern = f"%{escape_like(q)}%"
    return or_(
        *(
            column.ilike(pattern, escape="\\")
            for column in (
                Application.ref,
                Application.title,
                Application.org_name,
                Application.contact_email,
            )
        )
    )


def _conditions(edition_id: int, filters: ApplicationFilters, *, with_prize: bool) -> list[ColumnElement]:
    conditions: list[ColumnElement] = [Application.edition_id == edition_id]
    if with_prize and filters.prize_id is not None:
        conditions.append(Application.prize_id == filters.prize_id)
    for name, column in _COLUMNS.items():
        value = getattr(filters, name)
        if value is not None:
            conditions.append(column == value)
    if filters.q:
        conditions.append(search_clause(filters.q))
    return conditions


def prizes_for_list(edition_id: int) -> Select:
    """The edition's prizes in display order (for the tabs and the prize column); nothing else loaded."""
    return select(Prize).where(Prize.edition_id == edition_id).order_by(Prize.position, Prize.id)


def counts_per_prize(edition_id: int, filters: ApplicationFilters) -> Select:
    """``(prize_id, count)`` under every filter except the prize: tab counts, and the total by summing."""
    return (
        select(Application.prize_id, func.count())  # count(*): an index-only scan of 0016's index
        .where(and_(*_conditions(edition_id, filters, with_prize=False)))
        .group_by(Application.prize_id)
    )


def total_from_counts(counts: Mapping[int, int], filters: ApplicationFilters) -> int:
    if filters.prize_id is not None:
        return counts.get(filters.prize_id, 0)
    return sum(counts.values())


def page_count(total: int, per_page: int = PER_PAGE) -> int:
    return max(1, -(-total // per_page))


def parse_page(raw: Any, pages: int) -> int:
    """A page number from the URL, within ``1..pages``; anything else is page 1 (or the last page)."""
    text = str(raw or "").strip()
    if ASCII_DIGITS.fullmatch(text) and len(text) > 9:
        return pages
    return min(ascii_int(text, minimum=1) or 1, pages)


LIST_COLUMNS = (
    Application.id,
    Application.ref,
    Application.prize_id,
    Application.status,
    Application.title,
    Application.org_name,
    Application.org_type,
    Application.region,
    Application.language,
    Application.contact_email,
    Application.submitted_at,
    Application.deadline_extended_to,
)


def application_page(
    edition_id: int, filters: ApplicationFilters, page: int, per_page: int = PER_PAGE
) -> Select:
    """One page of the list as plain rows (the columns of ``LIST_COLUMNS``), ordered by ref."""
    return (
        select(*LIST_COLUMNS)
        .where(and_(*_conditions(edition_id, filters, with_prize=True)))
        .order_by(Application.ref, Application.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )


def applications_for_export(edition_id: int, filters: ApplicationFilters) -> Select:
    """Every application under the filters, with answers and files loaded (two more queries, whatever N)."""
    return (
        select(Application)
        .where(and_(*_conditions(edition_id, filters, with_prize=True)))
        .order_by(Application.ref, Application.id)
        .options(selectinload(Application.answers), selectinload(Application.attachments))
    )


def questions_of_prizes(prize_ids: list[int]) -> Select:
    return (
        select(Question)
        .join(Prize, Prize.id == Question.prize_id)
        .where(Question.prize_id.in_(prize_ids))
        .order_by(Prize.position, Prize.id, Question.position, Question.id)
    )


def application_for_organizer(application_id: int) -> Select:
    """One application with what its organizer page shows, loaded up front."""
    return (
        select(Application)
        .where(Application.id == application_id)
        .options(
            selectinload(Application.answers),
            selectinload(Application.attachments),
            selectinload(Application.applicant),
            selectinload(Application.prize).selectinload(Prize.questions),
        )
    )


def application_history(application_id: int) -> Select:
    """The audit events about one application, oldest first, with their actors."""
    return (
        select(AuditEvent)
        .where(AuditEvent.object_type == "application", AuditEvent.object_id == application_id)
        .order_by(AuditEvent.at, AuditEvent.id)
        .options(selectinload(AuditEvent.actor))
    )


# A candidate's applications -----------------------------------------------------------------------


def existing_application(db: Session, user: User, prize: Prize) -> Application | None:
    return db.scalars(
        select(Application)
        .where(Application.applicant_id == user.id, Application.prize_id == prize.id)
        .order_by(Application.id)
    ).first()


def decisions_for(db: Session, applications: list[Application]) -> list[Decision]:
    """Decisions of these applications in one query (with their rounds)."""
    ids = [a.id for a in applications]
    if not ids:
        return []
    return list(
        db.scalars(
            select(Decision).where(Decision.application_id.in_(ids)).options(selectinload(Decision.round))
        )
    )


def applications_of(db: Session, user: User) -> list[Application]:
    """A person's applications with what their pages need, in a fixed number of queries."""
    return list(
        db.scalars(
            select(Application)
            .where(Application.applicant_id == user.id)
            .order_by(Application.created_at.desc(), Application.id.desc())
            .options(
                selectinload(Application.edition),
                selectinload(Application.prize).selectinload(Prize.rounds),
                selectinload(Application.attachments),
            )
        )
    )


def released_comments(db: Session, application: Application) -> list[str]:
    """The comments jurors wrote for this candidate that an organizer has released (one query).

    Only the text meant for the candidate: never the private comment, never who wrote it.
    """
    return [
        text
        for text in db.scalars(
            select(Assignment.comment_to_candidate)
            .where(
                Assignment.application_id == application.id,
                Assignment.comment_released_at.is_not(None),
                Assignment.status == "submitted",
            )
            .order_by(Assignment.comment_released_at, Assignment.id)
        )
        if text and text.strip()
    ]


def released_comments_by_application(
    db: Session, applications: Iterable[Application]
) -> dict[int, list[str]]:
    """:func:`released_comments` of several applications in one query (for a list of applications)."""
    ids = [a.id for a in applications]
    found: dict[int, list[str]] = {i: [] for i in ids}
    if not ids:
        return found
    rows = db.execute(
        select(Assignment.application_id, Assignment.comment_to_candidate)
        .where(
            Assignment.application_id.in_(ids),
            Assignment.comment_released_at.is_not(None),
            Assignment.status == "submitted",
        )
        .order_by(Assignment.comment_released_at, Assignment.id)
    ).all()
    for application_id, text in rows:
        if text and text.strip():
            found[application_id].append(text)
    return found
