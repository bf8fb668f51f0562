"""The jury's reads: who is on a jury, what a round judges, conflicts, load and progress, page data.

Read-only selects used by the operations, the organizer's and the juror's pages and the
commands, each with a fixed number of SQL queries; nothing here writes. Conflicts are read in
every path through :func:`conflicted_pairs` (many pairs) and
:func:`judging.jury.rules.is_in_conflict` (one pair): an active row of ``conflicts``, or
"applying to a prize is always a conflict with judging it" (a juror who is the applicant or the
contact of a non-draft application of the prize is in conflict with every application of it).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import Session, aliased, joinedload, lazyload, load_only, raiseload, selectinload

from judging.accounts.models import Organization, User, UserRole
from judging.applications.models import Application
from judging.core.collation import sort_key, sorted_by_name
from judging.core.paging import Pager
from judging.editions.models import Round
from judging.jury.models import Assignment, Conflict, CriterionScore, JuryMembership
from judging.jury.rules import (
    COUNTING_STATUSES,
    IN_THE_RUNNING,
    OPEN_STATUSES,
    VISIBLE_PHASES,
)
from judging.results.models import Decision, PitchSlot


def order_key(juror_id: int, application_id: int) -> str:
    """A juror's own stable random order of applications (spreads order effects across jurors)."""
    return hashlib.sha256(f"{juror_id}:{application_id}".encode()).hexdigest()


def applicants_in_prize(db: Session, prize_id: int, users: Iterable[User]) -> set[int]:
    """Ids of ``users`` who applied to the prize (applicant or contact of a non-draft application)."""
    users = list(users)
    if not users:
        return set()
    by_email = {user.email.lower(): user.id for user in users}
    rows = db.execute(
        select(Application.applicant_id, func.lower(Application.contact_email)).where(
            Application.prize_id == prize_id,
            Application.status != "draft",
            or_(
                Application.applicant_id.in_([user.id for user in users]),
                func.lower(Application.contact_email).in_(list(by_email)),
            ),
        )
    ).all()
    ids = {user.id for user in users}
    found: set[int] = set()
    for applicant_id, contact in rows:
        if applicant_id in ids:
            found.add(applicant_id)
        if contact in by_email:
            found.add(by_email[contact])
    return found


def conflicted_pairs(
    db: Session,
    *,
    prize_id: int,
    jurors: Iterable[User],
    application_ids: Iterable[int],
    applicants: set[int] | None = None,
) -> set[tuple[int, int]]:
    """Every ``(juror_id, application_id)`` pair in conflict among these jurors and applications.

    Two queries: the active conflict rows, and who applies to the prize (one when ``applicants``,
    the result of :func:`applicants_in_prize` for these jurors, is given).
    """
    jurors = list(jurors)
    application_ids = list(application_ids)
    if not jurors or not application_ids:
        return set()
    juror_ids = [juror.id for juror in jurors]
    # The jurors' active conflicts (a few each), kept for these applications here: a round's ids
    # sent as parameters would pass PostgreSQL's limit of 65,535 at a round of 65,000 applications.
    wanted = set(application_ids)
    pairs: set[tuple[int, int]] = {
        (user_id, application_id)
        for user_id, application_id in db.execute(
            select(Conflict.user_id, Conflict.application_id).where(
                Conflict.user_id.in_(juror_ids), Conflict.lifted_at.is_(None)
            )
        )
        if application_id in wanted
    }
    if applicants is None:
        applicants = applicants_in_prize(db, prize_id, jurors)
    for juror_id in applicants:
        pairs.update((juror_id, application_id) for application_id in application_ids)
    return pairs


def juror_conflicts(db: Session, juror: User, prize_of: dict[int, int]) -> set[tuple[int, int]]:
    """The pairs in conflict between one juror and applications of several prizes (2 queries).

    ``prize_of`` maps each application id to its prize id.
    """
    if not prize_of:
        return set()
    # Every active conflict of the juror (a few), not an IN list of hundreds of application ids: a
    # statement that long is parsed again on every request (the driver caches short ones only).
    pairs = {
        (juror.id, application_id)
        for application_id in db.scalars(
            select(Conflict.application_id).where(Conflict.user_id == juror.id, Conflict.lifted_at.is_(None))
        )
        if application_id in prize_of
    }
    applied = set(
        db.scalars(
            select(Application.prize_id)
            .where(
                Application.prize_id.in_(set(prize_of.values())),
                Application.status != "draft",
                or_(
                    Application.applicant_id == juror.id,
                    func.lower(Application.contact_email) == juror.email.lower(),
                ),
            )
            .distinct()
        )
    )
    pairs.update((juror.id, app_id) for app_id, prize_id in prize_of.items() if prize_id in applied)
    return pairs


# --- what a round judges -------------------------------------------------------------------------------


def round_application_ids(db: Session, rnd: Round) -> list[int]:
    """The applications a round judges (the ones auto-assignment and manual assignment may use).

    The pitch order when the round has one (the live final); else, for a later round of a prize,
    its finalists when they are decided; else every submitted application of the prize.
    Withdrawn and ineligible applications are never judged.
    """
    chosen = _chosen_application_ids(db, rnd)
    if chosen is not None:
        return chosen
    return list(db.scalars(_submitted(rnd).order_by(Application.ref, Application.id)))


def _submitted(rnd: Round):
    return select(Application.id).where(
        Application.prize_id == rnd.prize_id, Application.status == "submitted"
    )


def _chosen_application_ids(db: Session, rnd: Round) -> list[int] | None:
    """The pitch order or the finalists when the round judges those (two queries); None: every submitted."""
    submitted = _submitted(rnd)
    in_slots = list(
        db.scalars(
            select(PitchSlot.application_id)
            .where(PitchSlot.round_id == rnd.id, PitchSlot.application_id.in_(submitted))
            .order_by(PitchSlot.position)
        )
    )
    if in_slots:
        return in_slots
    earlier = db.scalar(
        select(func.count())
        .select_from(Round)
        .where(
            Round.prize_id == rnd.prize_id,
            or_(Round.position < rnd.position, and_(Round.position == rnd.position, Round.id < rnd.id)),
        )
    )
    if earlier:
        finalists = list(
            db.scalars(
                select(Decision.application_id)
                .where(
                    Decision.prize_id == rnd.prize_id,
                    Decision.outcome == "finalist",
                    Decision.application_id.in_(submitted),
                )
                .distinct()
            )
        )
        if finalists:
            return sorted(finalists)
    return None


def round_applications(db: Session, rnd: Round) -> list[Application]:
    """The applications of :func:`round_application_ids`, by reference (three queries)."""
    chosen = _chosen_application_ids(db, rnd)
    query = select(Application).order_by(Application.ref, Application.id)
    if chosen is None:  # every submitted application: one query, no list of ids sent back
        query = query.where(Application.prize_id == rnd.prize_id, Application.status == "submitted")
    elif not chosen:
        return []
    else:
        query = query.where(Application.id.in_(chosen))
    return list(db.scalars(query))


def members(db: Session, rnd: Round) -> list[JuryMembership]:
    """The round's jurors by name as a dictionary orders them (« Émile » before « Zoé »)."""
    rows = db.scalars(
        select(JuryMembership)
        .join(User, JuryMembership.user_id == User.id)
        .where(JuryMembership.round_id == rnd.id)
        .options(joinedload(JuryMembership.user).lazyload(User.role_rows))
    )
    by_name = sort_key()
    return sorted(rows, key=lambda m: (by_name(m.user.name or m.user.email), m.user.email))


def _candidates_query(rnd: Round, *columns: Any):
    # From the juror roles to the users: "users whose id is in the jurors" reads every user first.
    return (
        select(*columns)
        .select_from(UserRole)
        .join(User, User.id == UserRole.user_id)
        .where(
            UserRole.role == "juror",
            User.active.is_(True),
            ~exists().where(JuryMembership.round_id == rnd.id, JuryMembership.user_id == User.id),
        )
        .order_by(User.email)
    )


def juror_candidates(db: Session, rnd: Round) -> list[User]:
    """Active users with the juror role who are not yet on this round's jury, by name as a dictionary
    orders them."""
    users = db.scalars(_candidates_query(rnd, User).options(lazyload(User.role_rows)))
    return sorted_by_name(users, lambda user: user.name or user.email)


@dataclass(frozen=True)
class Person:
    """Who a list of people shows: a plain row, not a ``User`` (hundreds of them on a page)."""

    id: int
    name: str
    email: str

    @property
    def display_name(self) -> str:
        return self.name or self.email


def juror_candidate_rows(db: Session, rnd: Round) -> list[Person]:
    """:func:`juror_candidates` as plain rows (one query, no ORM object)."""
    rows = db.execute(_candidates_query(rnd, User.id, User.name, User.email))
    return sorted_by_name((Person(*row) for row in rows), lambda person: person.display_name)


def chair_of(db: Session, rnd: Round) -> int | None:
    """The user id of the round's jury chair, or None."""
    return db.scalar(
        select(JuryMembership.user_id).where(
            JuryMembership.round_id == rnd.id, JuryMembership.is_chair.is_(True)
        )
    )


def round_conflicts(db: Session, rnd: Round, juror_ids: Iterable[int]) -> list[Conflict]:
    """Conflict rows (active and lifted) between the round's jury and the prize's applications."""
    juror_ids = list(juror_ids)
    if not juror_ids:
        return []
    return list(
        db.scalars(
            select(Conflict)
            .join(Application, Conflict.application_id == Application.id)
            .where(Application.prize_id == rnd.prize_id, Conflict.user_id.in_(juror_ids))
            .options(
                joinedload(Conflict.user).lazyload(User.role_rows),
                joinedload(Conflict.application),
            )
            .order_by(Conflict.lifted_at.is_not(None), Application.ref, Conflict.user_id)
        )
    )


def round_conflicts_page(
    db: Session, rnd: Round, page: int, size: int = 50
) -> tuple[list[Conflict], int, int]:
    """One page of :func:`round_conflicts`, the number of rows and the page shown (one query).

    The total comes with the rows (``count(*) OVER ()``); a page past the end (an old link) is
    replaced by the first one, with a second query.
    """
    # From the jury's members to their conflicts (a few rows per juror, whatever the size of the
    # prize), the prize checked per conflict: given "prize_id = ?" on the joined applications, a
    # database without statistics (SQLite) would walk every application of the prize instead.
    owner = aliased(Application)
    of_prize = select(owner.prize_id).where(owner.id == Conflict.application_id).scalar_subquery()
    query = (
        select(Conflict, func.count().over())
        .join(
            JuryMembership,
            and_(JuryMembership.user_id == Conflict.user_id, JuryMembership.round_id == rnd.id),
        )
        .join(Application, Conflict.application_id == Application.id)
        .where(of_prize == rnd.prize_id)
        .options(
            joinedload(Conflict.user).lazyload(User.role_rows),
            joinedload(Conflict.application),
        )
        .order_by(Conflict.lifted_at.is_not(None), Application.ref, Conflict.user_id)
        .limit(size)
    )
    page = max(1, page)
    rows = db.execute(query.offset((page - 1) * size)).all()
    if not rows and page > 1:  # an old link past the end (conflicts went with a juror): the first page
        page = 1
        rows = db.execute(query).all()
    total = rows[0][1] if rows else 0
    return [conflict for conflict, _total in rows], total, page


# --- load, progress and the pages' data ----------------------------------------------------------------


@dataclass
class Progress:
    """A juror's work in a round. ``total`` excludes recused and abstained scorecards."""

    submitted: int = 0
    draft: int = 0
    assigned: int = 0
    abstained: int = 0
    recused: int = 0

    @property
    def total(self) -> int:
        return self.submitted + self.draft + self.assigned

    @property
    def open(self) -> int:
        return self.draft + self.assigned

    @property
    def percent(self) -> int:
        return round(100 * self.submitted / self.total) if self.total else 0

    def add(self, status: str, count: int = 1) -> None:
        setattr(self, status, getattr(self, status) + count)


def progress_by_juror(db: Session, rnd: Round) -> dict[int, Progress]:
    """Each juror's progress in the round (one query)."""
    progress: dict[int, Progress] = defaultdict(Progress)
    for juror_id, status, count in db.execute(
        select(Assignment.juror_id, Assignment.status, func.count())
        .where(Assignment.round_id == rnd.id)
        .group_by(Assignment.juror_id, Assignment.status)
    ):
        progress[juror_id].add(status, count)
    return progress


@dataclass(frozen=True)
class CardView:
    """A scorecard as the organizer's table shows it: a plain row, no ORM object, no scores loaded."""

    id: int
    juror_id: int
    application_id: int
    status: str
    has_scores: bool
    juror_name: str


@dataclass
class CoverageRow:
    """One application of the page with all of its scorecards in the round."""

    application: Application
    scorecards: list[CardView]
    conflicted_juror_ids: set[int]
    needed: int

    @property
    def counting(self) -> list[CardView]:
        return [card for card in self.scorecards if card.status in COUNTING_STATUSES]

    @property
    def missing(self) -> int:
        return max(0, self.needed - len(self.counting))


COVERAGE_FILTERS = ("all", "short", "conflict", "unfinished")
"""The filters of the assignment table: every application, the ones short of jurors, the ones with a
scorecard in conflict, the ones with a scorecard still to finish."""
PAGE_SIZE = 50
"""Applications per page of the assignment table."""
CONFLICTS_PAGE_SIZE = 50
"""Conflict rows per page of the conflicts table."""
IN_CONFLICT_SHOWN = 20
"""Scorecards in conflict named in the warning above the table (the filter lists them all)."""
SEARCH_MAX = 40
"""A reference is at most 40 characters."""


@dataclass
class CoverageSummary:
    """Counts over every application of the round (one query), for the filters and the warnings."""

    applications: int = 0
    short: int = 0
    missing: int = 0
    conflict: int = 0
    unfinished: int = 0

    def count(self, show: str) -> int:
        return self.applications if show == "all" else getattr(self, show)


@dataclass
class JuryPage:
    memberships: list[JuryMembership]
    progress: dict[int, Progress]
    applicant_juror_ids: set[int]
    candidates: list[Person]
    summary: CoverageSummary
    coverage: list[CoverageRow]
    """One page of the assignment table."""
    total: int
    """Applications matching the filter and the search (all pages)."""
    page: int
    pages: int
    conflicts: list[Conflict]
    """One page of the conflicts table."""
    conflicts_total: int
    conflicts_page: int
    conflicts_pages: int
    in_conflict: list[tuple[int, str]] = field(default_factory=list)
    """``(juror_id, application ref)`` of the first scorecards in conflict (at most IN_CONFLICT_SHOWN)."""


def page_count(total: int, size: int) -> int:
    return max(1, -(-total // size))


def clamp_page(page: int, pages: int) -> int:
    return min(max(1, page), pages)


def round_scope(db: Session, rnd: Round) -> list[Any]:
    """Conditions on ``Application`` selecting the applications the round judges (one query).

    The same set as :func:`round_application_ids` (the pitch order, else the finalists of a later
    round, else every submitted application of the prize) as SQL to filter, count and page with,
    never a list of ids sent back and forth.
    """
    submitted = _submitted(rnd)
    slots = select(PitchSlot.application_id).where(
        PitchSlot.round_id == rnd.id, PitchSlot.application_id.in_(submitted)
    )
    finalists = select(Decision.application_id).where(
        Decision.prize_id == rnd.prize_id,
        Decision.outcome == "finalist",
        Decision.application_id.in_(submitted),
    )
    earlier = (
        select(Round.id)
        .where(
            Round.prize_id == rnd.prize_id,
            or_(Round.position < rnd.position, and_(Round.position == rnd.position, Round.id < rnd.id)),
        )
        .exists()
    )
    has_slots, has_earlier, has_finalists = db.execute(
        select(slots.exists(), earlier, finalists.exists())
    ).one()
    conditions = [Application.prize_id == rnd.prize_id, Application.status == "submitted"]
    if has_slots:
        conditions.append(Application.id.in_(slots))
    elif has_earlier and has_finalists:
        conditions.append(Application.id.in_(finalists))
    return conditions


def in_round(db: Session, rnd: Round, application_id: int) -> bool:
    """True when the round judges this application (two queries)."""
    scope = round_scope(db, rnd)
    return bool(db.scalar(select(exists().where(Application.id == application_id, *scope))))


def find_round_application(db: Session, rnd: Round, ref: str) -> Application | None:
    """The application the round judges with this reference (as typed: case and spaces do not matter)."""
    ref = (ref or "").strip()
    if not ref or len(ref) > SEARCH_MAX:
        return None
    scope = round_scope(db, rnd)
    edition = Application.edition_id == rnd.prize.edition_id  # the (edition_id, ref) index
    found = db.scalar(select(Application).where(edition, Application.ref == ref, *scope))
    if found is None:  # typed in another case: a scan of the round's references, rare
        found = db.scalar(
            select(Application).where(edition, func.upper(Application.ref) == ref.upper(), *scope)
        )
    return found


def _member_ids(rnd: Round):
    return select(JuryMembership.user_id).where(JuryMembership.round_id == rnd.id)


def _conflicted_cards(rnd: Round, applicant_ids: set[int]):
    """``(application_id, juror_id)`` of the round's counting scorecards in conflict (a subquery).

    Driven by the conflict rows of the jury's members (a few per juror), each checked against its
    scorecard, never by the scorecards of the round; plus the scorecards of the jurors who apply to
    the prize (``applicant_ids``, from :func:`applicants_in_prize`).
    """
    scored = exists().where(
        Assignment.round_id == rnd.id,
        Assignment.juror_id == Conflict.user_id,
        Assignment.application_id == Conflict.application_id,
        Assignment.status.in_(COUNTING_STATUSES),
    )
    declared = (
        select(Conflict.application_id.label("application_id"), Conflict.user_id.label("juror_id"))
        .join(
            JuryMembership,
            and_(JuryMembership.user_id == Conflict.user_id, JuryMembership.round_id == rnd.id),
        )
        .where(Conflict.lifted_at.is_(None), scored)
    )
    if not applicant_ids:
        return declared
    applying = select(Assignment.application_id, Assignment.juror_id).where(
        Assignment.round_id == rnd.id,
        Assignment.status.in_(COUNTING_STATUSES),
        Assignment.juror_id.in_(sorted(applicant_ids)),
    )
    return declared.union(applying)


def _full(rnd: Round, needed: int):
    """Ids of the round's applications with at least ``needed`` counting scorecards (a subquery)."""
    return (
        select(Assignment.application_id)
        .where(Assignment.round_id == rnd.id, Assignment.status.in_(COUNTING_STATUSES))
        .group_by(Assignment.application_id)
        .having(func.count() >= needed)
    )


def coverage_condition(rnd: Round, show: str, applicant_ids: set[int]) -> Any | None:
    """The condition on ``Application`` of a filter of the assignment table (None: every application)."""
    needed = rnd.jurors_per_application or 0
    if show == "short":
        return Application.id.not_in(_full(rnd, needed)) if needed else Application.id.is_(None)
    if show == "conflict":
        return Application.id.in_(select(_conflicted_cards(rnd, applicant_ids).subquery().c.application_id))
    if show == "unfinished":
        return Application.id.in_(
            select(Assignment.application_id).where(
                Assignment.round_id == rnd.id, Assignment.status.in_(OPEN_STATUSES)
            )
        )
    return None


def _search_condition(search: str) -> Any | None:
    search = (search or "").strip()[:SEARCH_MAX]
    return func.upper(Application.ref).contains(search.upper(), autoescape=True) if search else None


def coverage_summary(db: Session, rnd: Round, scope: list[Any], applicant_ids: set[int]) -> CoverageSummary:
    """The counts of the filters and the places missing over every application of the round (one query).

    One pass over the round's scorecards grouped by application gives, for the applications that
    have scorecards, how many are full, how many counting scorecards the others hold, and how many
    have one to finish; the applications without any scorecard are short of every place.
    """
    needed = rnd.jurors_per_application or 0
    in_scope = select(Application.id).where(*scope)
    per_application = (
        select(
            func.sum(case((Assignment.status.in_(COUNTING_STATUSES), 1), else_=0)).label("counting"),
            func.max(case((Assignment.status.in_(OPEN_STATUSES), 1), else_=0)).label("open"),
        )
        .where(Assignment.round_id == rnd.id, Assignment.application_id.in_(in_scope))
        .group_by(Assignment.application_id)
        .subquery()
    )
    counting = per_application.c.counting
    applications = select(func.count()).select_from(Application).where(*scope).scalar_subquery()
    conflict = (
        select(func.count())
        .select_from(Application)
        .where(*scope, coverage_condition(rnd, "conflict", applicant_ids))
        .scalar_subquery()
    )
    row = db.execute(
        select(
            applications,
            func.sum(case((counting >= needed, 1), else_=0)),
            func.sum(case((counting < needed, counting), else_=0)),
            func.sum(per_application.c.open),
            conflict,
        ).select_from(per_application)
    ).one()
    total, full, held, unfinished, conflict_n = (int(value or 0) for value in row)
    short = total - full if needed else 0
    return CoverageSummary(
        applications=total,
        short=short,
        missing=needed * short - held if needed else 0,
        conflict=conflict_n,
        unfinished=unfinished,
    )


def coverage_rows(
    db: Session,
    rnd: Round,
    *,
    jury: list[User],
    scope: list[Any],
    applicant_ids: set[int],
    show: str,
    search: str,
    page: int,
) -> list[CoverageRow]:
    """One page of the assignment table, by reference (three queries; none when the page is empty)."""
    conditions = [
        c for c in (coverage_condition(rnd, show, applicant_ids), _search_condition(search)) if c is not None
    ]
    applications = list(
        db.scalars(
            select(Application)
            # the edition too: the database walks its (edition_id, ref) index in the order of the pages
            .where(Application.edition_id == rnd.prize.edition_id, *scope, *conditions)
            .options(load_only(*LABEL_COLUMNS, Application.language), raiseload("*"))
            .order_by(Application.ref)
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
    )
    if not applications:
        return []
    ids = [app.id for app in applications]
    has_scores = exists().where(CriterionScore.assignment_id == Assignment.id)
    cards: dict[int, list[CardView]] = defaultdict(list)
    for card_id, juror_id, application_id, status, scored, name, email in db.execute(
        select(
            Assignment.id,
            Assignment.juror_id,
            Assignment.application_id,
            Assignment.status,
            has_scores,
            User.name,
            User.email,
        )
        .join(User, User.id == Assignment.juror_id)
        .where(Assignment.round_id == rnd.id, Assignment.application_id.in_(ids))
        .order_by(func.lower(User.name), Assignment.juror_id)
    ):
        cards[application_id].append(
            CardView(card_id, juror_id, application_id, status, bool(scored), name or email)
        )
    by_name = sort_key()
    for row in cards.values():
        row.sort(key=lambda card: by_name(card.juror_name))  # stable: same names keep the juror order
    conflicted_of: dict[int, set[int]] = defaultdict(set)
    for juror_id, application_id in conflicted_pairs(
        db, prize_id=rnd.prize_id, jurors=jury, application_ids=ids, applicants=applicant_ids
    ):
        conflicted_of[application_id].add(juror_id)
    needed = rnd.jurors_per_application or 0
    return [
        CoverageRow(
            application=app,
            scorecards=cards.get(app.id, []),
            conflicted_juror_ids=conflicted_of.get(app.id, set()),
            needed=needed,
        )
        for app in applications
    ]


def count_coverage(
    db: Session, rnd: Round, *, scope: list[Any], applicant_ids: set[int], show: str, search: str
) -> int:
    """Applications matching a filter and a search (one query)."""
    conditions = [
        c for c in (coverage_condition(rnd, show, applicant_ids), _search_condition(search)) if c is not None
    ]
    return db.scalar(select(func.count()).select_from(Application).where(*scope, *conditions)) or 0


def in_conflict_sample(
    db: Session, rnd: Round, scope: list[Any], applicant_ids: set[int], limit: int = IN_CONFLICT_SHOWN
) -> list[tuple[int, str]]:
    """``(juror_id, ref)`` of the first scorecards in conflict, by reference (one query)."""
    cards = _conflicted_cards(rnd, applicant_ids).subquery()
    return [
        (juror_id, ref)
        for juror_id, ref in db.execute(
            select(cards.c.juror_id, Application.ref)
            .join(Application, Application.id == cards.c.application_id)
            .where(*scope)
            .order_by(Application.ref, cards.c.juror_id)
            .limit(limit)
        )
    ]


def jury_page(
    db: Session,
    rnd: Round,
    *,
    show: str = "all",
    search: str = "",
    page: int = 1,
    conflicts_page: int = 1,
) -> JuryPage:
    """What the organizer's jury page shows: the jury with loads and progress, one page of the
    conflicts, counts over every application and one page of the assignment table.

    A fixed number of queries whatever the size of the round; every count is an aggregate in
    SQL, and only the rows shown are loaded (never every scorecard or application).
    """
    show = show if show in COVERAGE_FILTERS else "all"
    memberships = members(db, rnd)
    jury = [membership.user for membership in memberships]
    applicants = applicants_in_prize(db, rnd.prize_id, jury)
    scope = round_scope(db, rnd)
    summary = coverage_summary(db, rnd, scope, applicants)
    search = (search or "").strip()[:SEARCH_MAX]
    total = (
        count_coverage(db, rnd, scope=scope, applicant_ids=applicants, show=show, search=search)
        if search
        else summary.count(show)
    )
    pages = page_count(total, PAGE_SIZE)
    page = clamp_page(page, pages)
    rows = (
        coverage_rows(
            db, rnd, jury=jury, scope=scope, applicant_ids=applicants, show=show, search=search, page=page
        )
        if total
        else []
    )
    conflicts, conflicts_total, conflicts_page = round_conflicts_page(
        db, rnd, conflicts_page, CONFLICTS_PAGE_SIZE
    )
    return JuryPage(
        memberships=memberships,
        progress=progress_by_juror(db, rnd),
        applicant_juror_ids=applicants,
        candidates=juror_candidate_rows(db, rnd),
        summary=summary,
        coverage=rows,
        total=total,
        page=page,
        pages=pages,
        conflicts=conflicts,
        conflicts_total=conflicts_total,
        conflicts_page=conflicts_page,
        conflicts_pages=page_count(conflicts_total, CONFLICTS_PAGE_SIZE),
        in_conflict=in_conflict_sample(db, rnd, scope, applicants) if summary.conflict else [],
    )


LABEL_COLUMNS = (
    Application.ref,
    Application.title,
    Application.prize_id,
    Application.status,
    Application.org_name,
    Application.contact_name,
    Application.contact_email,
    Application.website,
    Application.applicant_id,
    Application.organization_id,
)
"""What :func:`judging.applications.presenters.application_label` reads of an application."""


@dataclass(frozen=True)
class CardRow:
    """A scorecard as a plain row: enough for positions, counts and the next one (no ORM object)."""

    id: int
    round_id: int
    juror_id: int
    application_id: int
    status: str


def _card_rows(db: Session, juror_id: int, round_ids: Any) -> list[CardRow]:
    """The juror's scorecards of the rounds ``round_ids`` (ids or a subquery), applications still in
    the running only, as plain rows in no particular order (one query)."""
    return [
        CardRow(*row)
        for row in db.execute(
            select(
                Assignment.id,
                Assignment.round_id,
                Assignment.juror_id,
                Assignment.application_id,
                Assignment.status,
            )
            .join(Application, Assignment.application_id == Application.id)
            .where(
                Assignment.juror_id == juror_id,
                Assignment.round_id.in_(round_ids),
                Application.status == IN_THE_RUNNING,
            )
        )
    ]


def juror_round_cards(db: Session, juror: User, rnd: Round) -> list[CardRow]:
    """The juror's scorecards of ``rnd`` not in conflict, in the juror's own order (three queries).

    The same list as the dashboard's (:func:`juror_rounds`) for one round, without loading an
    application: the scoring page needs only ids and statuses.
    """
    juror_id = juror.id  # once: ``juror`` may be Flask-Login's proxy, slow to read in a loop
    rows = _card_rows(db, juror_id, [rnd.id])
    blocked = juror_conflicts(db, juror, {row.application_id: rnd.prize_id for row in rows})
    rows = [row for row in rows if (juror_id, row.application_id) not in blocked]
    rows.sort(key=lambda row: order_key(juror_id, row.application_id))
    return rows


JUROR_PAGE_SIZE = 50
"""Scorecards listed per round and page on the juror's dashboard (a juror of a large edition has hundreds)."""


def _juror_visible_rounds(db: Session, juror_id: int) -> dict[int, Round]:
    """The rounds a juror may see: those they sit on or hold a scorecard of an application still in the
    running in, in a phase open to jurors (two queries: the rounds and their prizes)."""
    sits_on = select(JuryMembership.round_id).where(JuryMembership.user_id == juror_id)
    holds = (
        select(Assignment.round_id)
        .join(Application, Assignment.application_id == Application.id)
        .where(Assignment.juror_id == juror_id, Application.status == IN_THE_RUNNING)
    )
    rounds = db.scalars(
        select(Round)
        .where(Round.phase.in_(VISIBLE_PHASES), or_(Round.id.in_(sits_on), Round.id.in_(holds)))
        .options(selectinload(Round.prize))
    )
    return {rnd.id: rnd for rnd in rounds}


def _labelled_applications(db: Session, ids: list[int]) -> dict[int, Application]:
    """The applications ``ids`` with only what their labels read (the reference, the title, and what
    masks a blind round's title: names, e-mails, organization, website), the applicant and the
    organization joined (one query whatever their number)."""
    applications = db.scalars(
        select(Application)
        .where(Application.id.in_(ids))
        .options(
            load_only(*LABEL_COLUMNS),
            joinedload(Application.applicant).load_only(User.name, User.email).lazyload(User.role_rows),
            joinedload(Application.organization).load_only(Organization.name),
        )
    )
    return {application.id: application for application in applications}


def _round_entry(rnd: Round, rows: list[CardRow], blocked: set[tuple[int, int]], asked: int | None) -> dict:
    """One round of the dashboard from the juror's rows in their order: progress, the next one to score,
    the page of rows to list, the declared conflicts (listed apart) and the rows in conflict (counted)."""
    entry: dict[str, Any] = {"round": rnd, "progress": Progress(), "conflicted": [], "declared": []}
    listed = []
    for row in rows:
        if (row.juror_id, row.application_id) in blocked and row.status != "recused":
            entry["conflicted"].append(row)
            continue
        entry["progress"].add(row.status)
        (entry["declared"] if row.status == "recused" else listed).append(row)
    entry["next"] = next((row for row in listed if row.status in OPEN_STATUSES), None)
    pager = Pager.of(len(listed), JUROR_PAGE_SIZE, asked)
    entry["pager"] = pager
    entry["cards"] = listed[pager.offset : pager.offset + pager.per_page]
    return entry


def juror_rounds(db: Session, juror: User, pages: dict[int, int] | None = None) -> list[dict[str, Any]]:
    """The juror's rounds, each with its progress, its next scorecard to score and one page of its
    scorecards in the juror's order (``pages``: round id → page asked, else the first), in a fixed
    number of queries whatever the number of scorecards.

    ``cards`` (the page) and ``declared`` (the declared conflicts, listed apart) are plain rows
    (:class:`CardRow`); ``applications`` holds their applications by id, loaded with what their labels
    read. Scorecards in conflict (a conflict found after assignment) are only counted
    (``conflicted``) and cannot be opened.
    """
    juror_id = juror.id  # once: ``juror`` may be Flask-Login's proxy, slow to read in a loop
    rounds = _juror_visible_rounds(db, juror_id)
    rows = _card_rows(db, juror_id, list(rounds))
    blocked = juror_conflicts(db, juror, {row.application_id: rounds[row.round_id].prize_id for row in rows})
    rows.sort(key=lambda row: order_key(juror_id, row.application_id))
    by_round: dict[int, list[CardRow]] = {round_id: [] for round_id in rounds}
    for row in rows:
        by_round[row.round_id].append(row)
    entries = [
        _round_entry(rnd, by_round[rnd.id], blocked, (pages or {}).get(rnd.id))
        for rnd in sorted(rounds.values(), key=lambda r: (r.prize.position, r.position, r.id))
    ]
    applications = _labelled_applications(
        db, [row.application_id for entry in entries for row in entry["cards"] + entry["declared"]]
    )
    slots = set(db.scalars(select(PitchSlot.round_id).where(PitchSlot.round_id.in_(list(rounds))).distinct()))
    for entry in entries:
        entry["applications"] = applications
        entry["live"] = entry["round"].id in slots
    return entries


def next_open(cards: list[Assignment], current: Assignment) -> Assignment | None:
    """The next scorecard with work left after ``current`` in the juror's order (wrapping), or None."""
    same_round = [card for card in cards if card.round_id == current.round_id]
    ids = [card.id for card in same_round]
    start = ids.index(current.id) + 1 if current.id in ids else 0
    for card in same_round[start:] + same_round[:start]:
        if card.id != current.id and card.status in OPEN_STATUSES:
            return card
    return None


def organizers(db: Session) -> list[User]:
    return list(
        db.scalars(
            select(User)
            .where(
                User.active.is_(True),
                User.id.in_(select(UserRole.user_id).where(UserRole.role == "organizer")),
            )
            .order_by(User.id)
        )
    )
