"""Import of an edition document (``judging-edition/1``): all or nothing.

``import_edition(db, doc)`` validates first and raises ``ImportFailed`` with all the errors, changing
nothing. It flushes and writes one audit event; the caller commits. People are looked up by email
and organizations by normalized name with one query per chunk, whatever the number of rows.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from judging.accounts.models import EditionPerson, Organization, User
from judging.applications.engine.names import normalize_org_name
from judging.applications.models import Answer, Application, Attachment, Submission
from judging.core.audit import record
from judging.editions.models import Criterion, Edition, Prize, Question, Round
from judging.exchange.common import (
    DEFAULT_CONFLICT_SOURCE,
    DEFAULT_PHASE,
    DEFAULT_TIMEZONE,
    FORMAT,
    TOP_LEVEL_LISTS,
    parse_time,
    show_value,
    to_decimal,
)
from judging.exchange.validate import ExchangeError, validate
from judging.jury.models import Assignment, Conflict, CriterionScore, JuryMembership
from judging.results.models import Decision, ResultSnapshot, mark_stale

#: rows looked up per query (``IN`` lists stay well under the databases' parameter limits)
CHUNK = 500


class ImportFailed(Exception):
    """The document was refused; ``errors`` lists every problem. Nothing was changed."""

    def __init__(self, errors: list[ExchangeError]) -> None:
        super().__init__(f"{len(errors)} error(s) in the edition document")
        self.errors = errors


@dataclass
class ImportReport:
    edition: Edition
    counts: dict[str, int]
    replaced: bool


def import_edition(db: Session, doc: Any, *, actor: User | None = None, replace: bool = False) -> Edition:
    """Create the edition described by ``doc``; all or nothing. Flushes, never commits.

    Raises ``ImportFailed`` listing every error (and changes nothing) when the
    document is invalid or when its edition code exists and ``replace`` is false.
    With ``replace`` the existing edition is deleted first, in the same transaction.
    """
    return import_edition_report(db, doc, actor=actor, replace=replace).edition


def import_edition_report(
    db: Session, doc: Any, *, actor: User | None = None, replace: bool = False
) -> ImportReport:
    """Import ``doc`` (see ``import_edition``) and say what was created."""
    errors = validate(doc)
    if errors:
        raise ImportFailed(errors)
    doc = copy.deepcopy(doc)  # the stored JSON values must not share objects with the caller's document
    existing_id = _edition_to_replace(db, doc["edition"]["code"], replace)
    if existing_id is not None:
        delete_edition(db, existing_id)
    _refuse_receipts_in_use(db, doc)

    lists = {name: doc.get(name) or [] for name in TOP_LEVEL_LISTS}
    edition = _new_edition(doc["edition"])
    db.add(edition)
    db.flush()  # EditionPerson has no relationship to Edition: it needs the id
    rows = _Rows(edition, _users_by_email(db, _emails(lists)), _organizations_by_key(db, _org_keys(lists)))
    rows.people(lists["people"])
    rows.prizes(lists["prizes"])
    rows.applications(lists["applications"])
    rows.juries(lists["juries"])
    rows.conflicts(lists["conflicts"])
    rows.scorecards(lists["scorecards"])
    rows.decisions(lists["decisions"])
    db.add_all(rows.pending)
    db.flush()
    mark_stale(db, edition_id=edition.id)
    counts = dict(rows.counts)
    record(
        db,
        actor=actor,
        action="edition.imported",
        obj=edition,
        edition_id=edition.id,
        after={"code": edition.code, "format": FORMAT, "replaced": existing_id is not None, **counts},
    )
    return ImportReport(edition=edition, counts=counts, replaced=existing_id is not None)


def _edition_to_replace(db: Session, code: str, replace: bool) -> int | None:
    """The id of the edition of that code already in the database (refused unless ``replace``)."""
    existing_id = db.scalar(select(Edition.id).where(Edition.code == code))
    if existing_id is not None and not replace:
        raise ImportFailed(
            [
                ExchangeError(
                    "edition.code",
                    "exists",
                    _l(
                        "Edition %(code)s already exists; import with --replace to replace it.",
                        code=show_value(code),
                    ),
                )
            ]
        )
    return existing_id


def _new_edition(e: dict[str, Any]) -> Edition:
    return Edition(
        code=e["code"],
        name=e["name"],
        timezone=e.get("timezone") or DEFAULT_TIMEZONE,
        applications_open=parse_time(e["applications_open"]),
        applications_close=parse_time(e["applications_close"]),
        ceremony_at=parse_time(e.get("ceremony_at")),
        finalists_public_at=parse_time(e.get("finalists_public_at")),
        winners_public_at=parse_time(e.get("winners_public_at")),
        publication_consent_text=e.get("publication_consent_text"),
    )


def _emails(lists: dict[str, list]) -> set[str]:
    """The lower-cased emails of the listed people and of the applications' contacts."""
    contacts = {a["contact"].lower() for a in lists["applications"] if a.get("contact")}
    return {p["email"].lower() for p in lists["people"]} | contacts


def _org_keys(lists: dict[str, list]) -> set[str]:
    """The normalized names of the people's and the applications' organizations."""
    names = [p.get("organization") for p in lists["people"]]
    names += [(a.get("organization") or {}).get("name") for a in lists["applications"]]
    keys = {normalize_org_name(name) for name in names if name}
    keys.discard("")
    return keys


def _chunks(values: list[Any]) -> list[list[Any]]:
    return [values[i : i + CHUNK] for i in range(0, len(values), CHUNK)]


def _users_by_email(db: Session, emails: set[str]) -> dict[str, User]:
    found: dict[str, User] = {}
    for chunk in _chunks(sorted(emails)):
        for user in db.scalars(select(User).where(func.lower(User.email).in_(chunk))):
            found[user.email.lower()] = user
    return found


def _organizations_by_key(db: Session, keys: set[str]) -> dict[str, Organization]:
    found: dict[str, Organization] = {}
    for chunk in _chunks(sorted(keys)):
        for org in db.scalars(select(Organization).where(Organization.normalized_name.in_(chunk))):
            found[org.normalized_name] = org
    return found


def _consent_time(application: dict[str, Any]) -> datetime | None:
    """When the publication consent was answered: as given, else the submission time (None: no answer)."""
    if application.get("publication_consent") is None:
        return None
    given = parse_time(application.get("publication_consent_at"))
    return given or parse_time(application.get("submitted_at"))


@dataclass
class _Rows:
    """The rows of one imported edition, built section by section in document order.

    Rows are collected in ``pending`` (added in one ``add_all``, in the order they were made, which
    fixes their ids) and found again by code: prizes by code, rounds by (prize, round), and so on.
    """

    edition: Edition
    users: dict[str, User]  # lower-cased email → account (found or new)
    organizations: dict[str, Organization]  # normalized name → organization (found or new)
    pending: list[Any] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    prize_rows: dict[str, Prize] = field(default_factory=dict)
    round_rows: dict[tuple[str, str], Round] = field(default_factory=dict)
    criterion_rows: dict[tuple[str, str, str], Criterion] = field(default_factory=dict)
    question_rows: dict[tuple[str, str], Question] = field(default_factory=dict)
    application_rows: dict[str, Application] = field(default_factory=dict)

    def organization(self, name: str | None) -> Organization | None:
        """The organization of that name (created once, on first use), None for an empty name."""
        key = normalize_org_name(name)
        if not key:
            return None
        if key not in self.organizations:
            self.organizations[key] = Organization(name=name, normalized_name=key)
            self.pending.append(self.organizations[key])
            self.counts["organizations_created"] += 1
        return self.organizations[key]

    def people(self, people: list[dict[str, Any]]) -> None:
        """Each listed person: an account found by email (its profile kept) or created, then listed."""
        for position, p in enumerate(people):
            user = self.users.get(p["email"].lower())
            if user is None:
                user = User(
                    email=p["email"],
                    name=p.get("name") or "",
                    language=p.get("language") or "fr",
                    organization_name=p.get("organization"),
                    title=p.get("title"),
                    organization=self.organization(p.get("organization")),
                )
                self.users[p["email"].lower()] = user
                self.pending.append(user)
                self.counts["people_created"] += 1
            else:
                self.fill_profile(user, p)
            for role in p.get("roles") or []:
                user.add_role(role)
            self.pending.append(EditionPerson(edition_id=self.edition.id, user=user, position=position))
            self.counts["people"] += 1

    def fill_profile(self, user: User, p: dict[str, Any]) -> None:
        """An existing account keeps its profile; only its empty fields are filled from the document."""
        user.name = user.name or p.get("name") or ""
        if user.organization_name is None and p.get("organization"):
            user.organization_name = p["organization"]
            user.organization = user.organization or self.organization(p["organization"])
        user.title = user.title or p.get("title")

    def prizes(self, prizes: list[dict[str, Any]]) -> None:
        for position, p in enumerate(prizes):
            presenter = p.get("presenter") or {}
            prize = Prize(
                edition=self.edition,
                code=p["code"],
                name=p["name"],
                description=p.get("description"),
                eligibility=p.get("eligibility"),
                sponsor=p.get("sponsor"),
                presenter_name=presenter.get("name"),
                presenter_title=presenter.get("title"),
                presenter_title_en=presenter.get("title_en"),
                presenter_organization=presenter.get("organization"),
                finalists=p["finalists"] if p.get("finalists") is not None else 3,
                position=position,
            )
            self.prize_rows[p["code"]] = prize
            self.pending.append(prize)
            for rpos, r in enumerate(p.get("rounds") or []):
                self.round(prize, rpos, r)
            for qpos, q in enumerate(p.get("questions") or []):
                self.question(prize, qpos, q)
        self.counts["prizes"], self.counts["rounds"] = len(self.prize_rows), len(self.round_rows)
        self.counts["criteria"], self.counts["questions"] = len(self.criterion_rows), len(self.question_rows)

    def round(self, prize: Prize, position: int, r: dict[str, Any]) -> None:
        rnd = Round(
            prize=prize,
            code=r["code"],
            name=r.get("name"),
            method=r["method"],
            jurors_per_application=r.get("jurors_per_application"),
            tie_break=list(r.get("tie_break") or []),
            phase=r.get("phase") or DEFAULT_PHASE,
            blind=bool(r.get("blind")),
            judging_closes_at=parse_time(r.get("judging_closes_at")),
            position=position,
        )
        self.round_rows[(prize.code, r["code"])] = rnd
        self.pending.append(rnd)
        for cpos, c in enumerate(r.get("criteria") or []):
            criterion = Criterion(
                round=rnd,
                code=c["code"],
                name=c["name"],
                guidance=c.get("guidance"),
                weight=to_decimal(c["weight"]),
                min_value=to_decimal(c["min"]),
                max_value=to_decimal(c["max"]),
                required=c.get("required") is not False,
                position=cpos,
            )
            self.criterion_rows[(prize.code, r["code"], c["code"])] = criterion
            self.pending.append(criterion)

    def question(self, prize: Prize, position: int, q: dict[str, Any]) -> None:
        question = Question(
            prize=prize,
            code=q["code"],
            label=q["label"],
            help=q.get("help"),
            type=q["type"],
            required=bool(q.get("required")),
            max_words=q.get("max_words"),
            options=q.get("options"),
            identifying=bool(q.get("identifying")),
            position=position,
        )
        self.question_rows[(prize.code, q["code"])] = question
        self.pending.append(question)

    def applications(self, applications: list[dict[str, Any]]) -> None:
        for a in applications:
            org = a.get("organization") or {}
            contact = a.get("contact")
            application = Application(
                edition=self.edition,
                prize=self.prize_rows[a["prize"]],
                ref=a["ref"],
                status=a["status"],
                submitted_at=parse_time(a.get("submitted_at")),
                title=a.get("title") or "",
                summary=a.get("summary"),
                language=a.get("language"),
                contact_email=contact,
                contact_name=a.get("contact_name"),
                applicant=self.users.get(contact.lower()) if contact else None,
                organization=self.organization(org.get("name")),
                org_name=org.get("name"),
                org_type=org.get("type"),
                region=org.get("region"),
                country=org.get("country"),
                city=org.get("city"),
                website=a.get("website"),
                led_by_woman=a.get("led_by_woman"),
                publication_consent=a.get("publication_consent"),
                publication_consent_at=_consent_time(a),
            )
            self.application_rows[a["ref"]] = application
            self.pending.append(application)
            self.submissions(application, a.get("submissions") or [])
            self.answers(application, a["prize"], a.get("answers") or {})
        self.counts["applications"] = len(self.application_rows)

    def submissions(self, application: Application, items: list[dict[str, Any]]) -> None:
        """The submission history of an application; the latest receipt becomes its receipt number."""
        for item in items:
            self.pending.append(
                Submission(
                    application=application,
                    submitted_at=parse_time(item["submitted_at"]),
                    receipt_number=item.get("receipt_number"),
                    language=item.get("language"),
                    fingerprint=item.get("fingerprint"),
                    content=item.get("content"),
                    context=item.get("context") or {},
                )
            )
        receipts = [item["receipt_number"] for item in items if item.get("receipt_number")]
        if receipts:
            application.receipt_number = receipts[-1]

    def answers(self, application: Application, prize_code: str, answers: dict[str, Any]) -> None:
        """The answers of an application (files are not carried in the document, nor empty answers)."""
        for code, value in answers.items():
            question = self.question_rows[(prize_code, code)]
            if question.type == "file" or value is None:
                continue
            self.pending.append(Answer(application=application, question=question, value=value))
            self.counts["answers"] += 1

    def juries(self, juries: list[dict[str, Any]]) -> None:
        for j in juries:
            rnd = self.round_rows[(j["prize"], j["round"])]
            chairs = {email.lower() for email in j.get("chairs") or []}
            for email in j.get("jurors") or []:
                self.pending.append(
                    JuryMembership(
                        round=rnd, user=self.users[email.lower()], is_chair=email.lower() in chairs
                    )
                )
                self.counts["jury_memberships"] += 1

    def conflicts(self, conflicts: list[dict[str, Any]]) -> None:
        for c in conflicts:
            self.pending.append(
                Conflict(
                    user=self.users[c["juror"].lower()],
                    application=self.application_rows[c["application"]],
                    source=c.get("source") or DEFAULT_CONFLICT_SOURCE,
                    reason=c.get("reason"),
                    lifted_at=parse_time(c.get("lifted_at")),
                    lift_reason=c.get("lift_reason"),
                )
            )
            self.counts["conflicts"] += 1

    def scorecards(self, scorecards: list[dict[str, Any]]) -> None:
        for s in scorecards:
            assignment = Assignment(
                round=self.round_rows[(s["prize"], s["round"])],
                juror=self.users[s["juror"].lower()],
                application=self.application_rows[s["application"]],
                status=s["status"],
                comment=s.get("comment"),
                abstain_reason=s.get("abstain_reason"),
                submitted_at=parse_time(s.get("submitted_at")),
            )
            self.pending.append(assignment)
            self.counts["scorecards"] += 1
            for code, value in (s.get("scores") or {}).items():
                self.pending.append(
                    CriterionScore(
                        assignment=assignment,
                        criterion=self.criterion_rows[(s["prize"], s["round"], code)],
                        value=to_decimal(value),
                    )
                )
                self.counts["scores"] += 1

    def decisions(self, decisions: list[dict[str, Any]]) -> None:
        for d in decisions:
            self.pending.append(
                Decision(
                    prize=self.prize_rows[d["prize"]],
                    round=self.round_rows[(d["prize"], d["round"])] if d.get("round") else None,
                    application=self.application_rows[d["application"]],
                    outcome=d["outcome"],
                    reason=d.get("reason"),
                    citation=d.get("citation"),
                )
            )
            self.counts["decisions"] += 1


def delete_edition(db: Session, edition_id: int) -> None:
    """Delete an edition and everything in it with the database's ON DELETE CASCADE (a few statements).

    Objects of that edition already in the session are expunged first so that
    ids reused by the database (SQLite) cannot collide with stale ones.
    """
    db.flush()
    prize_ids = set(db.scalars(select(Prize.id).where(Prize.edition_id == edition_id)))
    round_ids = set(db.scalars(select(Round.id).join(Prize).where(Prize.edition_id == edition_id)))
    app_ids = set(db.scalars(select(Application.id).where(Application.edition_id == edition_id)))
    assignment_ids = (
        set(db.scalars(select(Assignment.id).where(Assignment.round_id.in_(round_ids))))
        if round_ids
        else set()
    )
    owner = {
        Edition: ("id", {edition_id}),
        Prize: ("edition_id", {edition_id}),
        Application: ("edition_id", {edition_id}),
        EditionPerson: ("edition_id", {edition_id}),
        Round: ("prize_id", prize_ids),
        Question: ("prize_id", prize_ids),
        Decision: ("prize_id", prize_ids),
        Criterion: ("round_id", round_ids),
        JuryMembership: ("round_id", round_ids),
        Assignment: ("round_id", round_ids),
        ResultSnapshot: ("round_id", round_ids),
        Answer: ("application_id", app_ids),
        Attachment: ("application_id", app_ids),
        Conflict: ("application_id", app_ids),
        Submission: ("application_id", app_ids),
        CriterionScore: ("assignment_id", assignment_ids),
    }
    for obj in list(db.identity_map.values()):
        rule = owner.get(type(obj))
        if rule is not None and obj.__dict__.get(rule[0]) in rule[1] and obj in db:  # (expunge cascades)
            db.expunge(obj)
    db.execute(delete(Edition).where(Edition.id == edition_id))


def _refuse_receipts_in_use(db: Session, doc: dict[str, Any]) -> None:
    """A receipt number names one submission in the whole database (another edition may hold it)."""
    where = {
        s["receipt_number"]: f"applications[{i}].submissions[{j}].receipt_number"
        for i, a in enumerate(doc.get("applications") or [])
        for j, s in enumerate(a.get("submissions") or [])
        if s.get("receipt_number")
    }
    taken = set()
    for chunk in _chunks(list(where)):
        taken |= set(
            db.scalars(select(Submission.receipt_number).where(Submission.receipt_number.in_(chunk)))
        )
        taken |= set(
            db.scalars(select(Application.receipt_number).where(Application.receipt_number.in_(chunk)))
        )
    if taken:
        raise ImportFailed(
            [
                ExchangeError(
                    where[number],
                    "exists",
                    _l(
                        "Receipt number %(number)s is already used in this database.",
                        number=show_value(number),
                    ),
                )
                for number in sorted(taken)
            ]
        )
