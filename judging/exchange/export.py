"""Export of an edition as a ``judging-edition/1`` document, in canonical form.

``export(import(doc)) == doc`` for a valid document in canonical form: keys with a default always
written, optional keys without a value left out, times in the edition's time zone. The export runs
a fixed number of queries whatever the size of the edition (one per kind of row).
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from judging.accounts.models import ROLES, EditionPerson, User
from judging.applications.models import Answer, Application, Submission
from judging.editions.models import Criterion, Edition, Prize, Question, Round
from judging.exchange.common import (
    DEFAULT_CONFLICT_SOURCE,
    DEFAULT_PHASE,
    DEFAULT_TIMEZONE,
    FORMAT,
    number_out,
)
from judging.jury.models import Assignment, Conflict, CriterionScore, JuryMembership
from judging.results.models import Decision

#: writes a stored time in the edition's time zone (None stays None)
TimeWriter = Callable[[datetime | None], str | None]

#: an application's organization: (key in the document, column of Application)
ORGANIZATION_FIELDS = (
    ("name", "org_name"),
    ("type", "org_type"),
    ("region", "region"),
    ("country", "country"),
    ("city", "city"),
)


def find_edition(db: Session, code: str) -> Edition | None:
    return db.scalar(select(Edition).where(Edition.code == code))


def export_edition(db: Session, edition: Edition) -> dict[str, Any]:
    """The edition as a ``judging-edition/1`` document, in canonical form, with a fixed number of queries."""
    when = _time_writer(edition.timezone or DEFAULT_TIMEZONE)
    setup = _load_setup(db, edition.id, when)
    judging = _load_judging(db, edition.id)
    people = _people_out(db, edition.id, judging)
    juries = _juries_out(judging.memberships, setup)
    applications, refs = _applications_out(db, edition.id, setup, when)
    document = {
        "format": FORMAT,
        "edition": _edition_out(edition, when),
        "prizes": setup.prizes,
        "people": people,
        "juries": juries,
        "applications": applications,
        "conflicts": _conflicts_out(judging.conflicts, when),
        "scorecards": _scorecards_out(judging, setup, when),
        "decisions": _decisions_out(db, setup, refs),
    }
    return copy.deepcopy(document)  # no shared objects with the loaded rows


def _put(out: dict[str, Any], key: str, value: Any) -> None:
    """An optional key is written only when it has a value."""
    if value is not None:
        out[key] = value


def _time_writer(timezone: str) -> TimeWriter:
    zone = ZoneInfo(timezone)

    def when(value: datetime | None) -> str | None:
        return value.astimezone(zone).isoformat() if value is not None else None

    return when


def _edition_out(edition: Edition, when: TimeWriter) -> dict[str, Any]:
    item: dict[str, Any] = {
        "code": edition.code,
        "name": edition.name,
        "timezone": edition.timezone,
        "applications_open": when(edition.applications_open),
        "applications_close": when(edition.applications_close),
    }
    for key in ("ceremony_at", "finalists_public_at", "winners_public_at"):
        _put(item, key, when(getattr(edition, key)))
    _put(item, "publication_consent_text", edition.publication_consent_text)
    return item


# Prizes, rounds, criteria, questions ------------------------------------------------------------------


@dataclass
class _Setup:
    """The edition's prizes as the document writes them, and how rows name each other there (codes)."""

    prizes: list[dict[str, Any]]
    prize_code: dict[int, str]  # prize id → code
    round_of: dict[int, Round]  # round id → round
    criterion_code: dict[int, str]  # criterion id → code
    question_type: dict[int, str]  # question id → type


def _load_setup(db: Session, eid: int, when: TimeWriter) -> _Setup:
    prize_rows = db.scalars(
        select(Prize).where(Prize.edition_id == eid).order_by(Prize.position, Prize.id)
    ).all()
    round_rows = db.scalars(
        select(Round).join(Prize).where(Prize.edition_id == eid).order_by(Round.position, Round.id)
    ).all()
    criterion_rows = db.scalars(
        select(Criterion)
        .join(Round)
        .join(Prize)
        .where(Prize.edition_id == eid)
        .order_by(Criterion.position, Criterion.id)
    ).all()
    question_rows = db.scalars(
        select(Question).join(Prize).where(Prize.edition_id == eid).order_by(Question.position, Question.id)
    ).all()
    criteria_by_round: dict[int, list[dict]] = defaultdict(list)
    for c in criterion_rows:
        criteria_by_round[c.round_id].append(_criterion_out(c))
    rounds_by_prize: dict[int, list[dict]] = defaultdict(list)
    for r in round_rows:
        rounds_by_prize[r.prize_id].append(_round_out(r, criteria_by_round[r.id], when))
    questions_by_prize: dict[int, list[dict]] = defaultdict(list)
    for q in question_rows:
        questions_by_prize[q.prize_id].append(_question_out(q))
    return _Setup(
        prizes=[_prize_out(p, rounds_by_prize[p.id], questions_by_prize[p.id]) for p in prize_rows],
        prize_code={p.id: p.code for p in prize_rows},
        round_of={r.id: r for r in round_rows},
        criterion_code={c.id: c.code for c in criterion_rows},
        question_type={q.id: q.type for q in question_rows},
    )


def _criterion_out(c: Criterion) -> dict[str, Any]:
    item: dict[str, Any] = {"code": c.code, "name": c.name}
    _put(item, "guidance", c.guidance)
    item.update(
        weight=number_out(c.weight),
        min=number_out(c.min_value),
        max=number_out(c.max_value),
        required=c.required,
    )
    return item


def _round_out(r: Round, criteria: list[dict[str, Any]], when: TimeWriter) -> dict[str, Any]:
    item: dict[str, Any] = {"code": r.code}
    _put(item, "name", r.name)
    item["method"] = r.method
    _put(item, "jurors_per_application", r.jurors_per_application)
    item["tie_break"] = list(r.tie_break or [])
    if r.phase != DEFAULT_PHASE:
        item["phase"] = r.phase
    if r.blind:
        item["blind"] = True
    _put(item, "judging_closes_at", when(r.judging_closes_at))
    item["criteria"] = criteria
    return item


def _question_out(q: Question) -> dict[str, Any]:
    item: dict[str, Any] = {"code": q.code, "label": q.label}
    _put(item, "help", q.help)
    item["type"] = q.type
    _put(item, "max_words", q.max_words)
    _put(item, "options", q.options)
    item["required"] = q.required
    if q.identifying:
        item["identifying"] = True
    return item


def _prize_out(p: Prize, rounds: list[dict[str, Any]], questions: list[dict[str, Any]]) -> dict[str, Any]:
    item: dict[str, Any] = {"code": p.code, "name": p.name}
    _put(item, "description", p.description)
    _put(item, "eligibility", p.eligibility)
    _put(item, "sponsor", p.sponsor)
    presenter: dict[str, Any] = {}
    _put(presenter, "name", p.presenter_name)
    _put(presenter, "title", p.presenter_title)
    _put(presenter, "title_en", p.presenter_title_en)
    _put(presenter, "organization", p.presenter_organization)
    if presenter:
        item["presenter"] = presenter
    item.update(finalists=p.finalists, rounds=rounds, questions=questions)
    return item


# Juries, conflicts, scorecards and the people they name --------------------------------------------


@dataclass
class _Judging:
    """The rows that name jurors (by email in the document), in the order they were made."""

    memberships: Sequence[Row]  # round_id, is_chair, user_id, email
    conflicts: Sequence[Row]  # Conflict, email, ref
    assignments: Sequence[Row]  # Assignment, email, ref
    scores: Sequence[Row]  # assignment_id, criterion_id, value


def _load_judging(db: Session, eid: int) -> _Judging:
    memberships = db.execute(
        select(JuryMembership.round_id, JuryMembership.is_chair, JuryMembership.user_id, User.email)
        .join(User, JuryMembership.user_id == User.id)
        .join(Round, JuryMembership.round_id == Round.id)
        .join(Prize, Round.prize_id == Prize.id)
        .where(Prize.edition_id == eid)
        .order_by(JuryMembership.id)
    ).all()
    conflicts = db.execute(
        select(Conflict, User.email, Application.ref)
        .join(User, Conflict.user_id == User.id)
        .join(Application, Conflict.application_id == Application.id)
        .where(Application.edition_id == eid)
        .order_by(Conflict.id)
    ).all()
    assignments = db.execute(
        select(Assignment, User.email, Application.ref)
        .join(User, Assignment.juror_id == User.id)
        .join(Application, Assignment.application_id == Application.id)
        .where(Application.edition_id == eid)
        .order_by(Assignment.id)
    ).all()
    scores = db.execute(
        select(CriterionScore.assignment_id, CriterionScore.criterion_id, CriterionScore.value)
        .join(Assignment, CriterionScore.assignment_id == Assignment.id)
        .join(Application, Assignment.application_id == Application.id)
        .where(Application.edition_id == eid)
        .order_by(CriterionScore.id)
    ).all()
    return _Judging(memberships, conflicts, assignments, scores)


def _people_out(db: Session, eid: int, judging: _Judging) -> list[dict[str, Any]]:
    """The edition's listed people, then those the document names but the edition did not list.

    People made in the app (a juror added to a jury, say) are not in the edition's list; the
    document lists them after the others, in the order the juries, conflicts and scorecards name them.
    """
    listed = (
        db.execute(
            select(User)
            .join(EditionPerson, EditionPerson.user_id == User.id)
            .where(EditionPerson.edition_id == eid)
            .order_by(EditionPerson.position, EditionPerson.id)
        )
        .scalars()
        .all()
    )
    listed_ids = {u.id for u in listed}
    referenced: list[int] = []
    for user_id in (
        [m.user_id for m in judging.memberships]
        + [c.Conflict.user_id for c in judging.conflicts]
        + [a.Assignment.juror_id for a in judging.assignments]
    ):
        if user_id not in listed_ids and user_id not in referenced:
            referenced.append(user_id)
    extra = (
        db.scalars(select(User).where(User.id.in_(referenced)).order_by(User.id)).all() if referenced else []
    )
    return [_person_out(user) for user in [*listed, *sorted(extra, key=lambda u: referenced.index(u.id))]]


def _person_out(user: User) -> dict[str, Any]:
    item: dict[str, Any] = {"email": user.email, "name": user.name}
    _put(item, "organization", user.organization_name)
    _put(item, "title", user.title)
    item.update(roles=[role for role in ROLES if role in user.roles], language=user.language)
    return item


def _juries_out(memberships: Sequence[Row], setup: _Setup) -> list[dict[str, Any]]:
    juries: dict[int, dict[str, Any]] = {}
    for m in memberships:
        rnd = setup.round_of[m.round_id]
        jury = juries.setdefault(
            m.round_id, {"prize": setup.prize_code[rnd.prize_id], "round": rnd.code, "jurors": []}
        )
        jury["jurors"].append(m.email)
        if m.is_chair:
            jury.setdefault("chairs", []).append(m.email)
    return list(juries.values())


def _conflicts_out(conflicts: Sequence[Row], when: TimeWriter) -> list[dict[str, Any]]:
    items = []
    for row in conflicts:
        c = row.Conflict
        item: dict[str, Any] = {"juror": row.email, "application": row.ref}
        _put(item, "reason", c.reason)
        if c.source != DEFAULT_CONFLICT_SOURCE:
            item["source"] = c.source
        _put(item, "lifted_at", when(c.lifted_at))
        _put(item, "lift_reason", c.lift_reason)
        items.append(item)
    return items


def _scorecards_out(judging: _Judging, setup: _Setup, when: TimeWriter) -> list[dict[str, Any]]:
    scores_by_assignment: dict[int, dict[str, Any]] = defaultdict(dict)
    for row in judging.scores:
        scores_by_assignment[row.assignment_id][setup.criterion_code[row.criterion_id]] = number_out(
            row.value
        )
    scorecards = []
    for row in judging.assignments:
        s = row.Assignment
        rnd = setup.round_of[s.round_id]
        item = {
            "prize": setup.prize_code[rnd.prize_id],
            "round": rnd.code,
            "juror": row.email,
            "application": row.ref,
            "status": s.status,
            "scores": scores_by_assignment[s.id],
        }
        _put(item, "comment", s.comment)
        _put(item, "abstain_reason", s.abstain_reason)
        _put(item, "submitted_at", when(s.submitted_at))
        scorecards.append(item)
    return scorecards


# Applications and decisions -------------------------------------------------------------------------


def _applications_out(
    db: Session, eid: int, setup: _Setup, when: TimeWriter
) -> tuple[list[dict[str, Any]], dict[int, str]]:
    """The applications as the document writes them, and their refs by id."""
    application_rows = db.scalars(
        select(Application).where(Application.edition_id == eid).order_by(Application.id)
    ).all()
    answers = _answers_by_application(db, eid, setup.question_type)
    submissions = _submissions_by_application(db, eid)
    items = [
        _application_out(a, setup.prize_code[a.prize_id], answers[a.id], submissions[a.id], when)
        for a in application_rows
    ]
    return items, {a.id: a.ref for a in application_rows}


def _answers_by_application(
    db: Session, eid: int, question_type: dict[int, str]
) -> dict[int, dict[str, Any]]:
    """application id → {question code: value}; files are not carried in the document, nor empty answers."""
    answers: dict[int, dict[str, Any]] = defaultdict(dict)
    for row in db.execute(
        select(Answer.application_id, Answer.question_id, Answer.value, Question.code)
        .join(Question, Answer.question_id == Question.id)
        .join(Application, Answer.application_id == Application.id)
        .where(Application.edition_id == eid)
        .order_by(Answer.id)
    ):
        if question_type.get(row.question_id) != "file" and row.value is not None:
            answers[row.application_id][row.code] = row.value
    return answers


def _submissions_by_application(db: Session, eid: int) -> dict[int, list[Submission]]:
    submissions: dict[int, list[Submission]] = defaultdict(list)
    for submission in db.scalars(
        select(Submission)
        .join(Application, Submission.application_id == Application.id)
        .where(Application.edition_id == eid)
        .order_by(Submission.submitted_at, Submission.id)
    ):
        submissions[submission.application_id].append(submission)
    return submissions


def _application_out(
    a: Application,
    prize_code: str,
    answers: dict[str, Any],
    submissions: list[Submission],
    when: TimeWriter,
) -> dict[str, Any]:
    item: dict[str, Any] = {"ref": a.ref, "prize": prize_code, "status": a.status}
    _put(item, "submitted_at", when(a.submitted_at))
    item["title"] = a.title
    _put(item, "summary", a.summary)
    _put(item, "language", a.language)
    _put(item, "contact", a.contact_email)
    _put(item, "contact_name", a.contact_name)
    _put(item, "website", a.website)
    org: dict[str, Any] = {}
    for key, column in ORGANIZATION_FIELDS:
        _put(org, key, getattr(a, column))
    if org:
        item["organization"] = org
    _put(item, "led_by_woman", a.led_by_woman)
    _put(item, "publication_consent", a.publication_consent)
    _put(item, "publication_consent_at", when(a.publication_consent_at))
    item["answers"] = answers
    if submissions:
        item["submissions"] = [_submission_out(s, when) for s in submissions]
    return item


def _submission_out(submission: Submission, when: TimeWriter) -> dict[str, Any]:
    item: dict[str, Any] = {"submitted_at": when(submission.submitted_at)}
    _put(item, "receipt_number", submission.receipt_number)
    _put(item, "fingerprint", submission.fingerprint)
    _put(item, "language", submission.language)
    _put(item, "content", submission.content)
    item["context"] = submission.context or {}
    return item


def _decisions_out(db: Session, setup: _Setup, refs: dict[int, str]) -> list[dict[str, Any]]:
    decisions = []
    for d in db.scalars(
        select(Decision).where(Decision.prize_id.in_(list(setup.prize_code) or [-1])).order_by(Decision.id)
    ):
        item = {
            "prize": setup.prize_code[d.prize_id],
            "application": refs.get(d.application_id),
            "outcome": d.outcome,
        }
        _put(item, "reason", d.reason)
        if d.round_id is not None and d.round_id in setup.round_of:
            item["round"] = setup.round_of[d.round_id].code
        _put(item, "citation", d.citation)
        decisions.append(item)
    return decisions
