"""A fictional edition of any size, loaded in bulk: ``judging generate`` (benchmarks, load tests).

``generate_edition(db, code=..., applications=N, jurors=M, seed=S)`` builds an edition shaped
on the demo (its four prizes, questions and fictional name generators, see :mod:`judging.devdata.demo`)
but with N applications, M jurors, conflicts of interest, three jurors per submitted application
(never one in conflict, loads balanced) and scorecards of five criteria, mostly submitted.

The setup (edition, prizes, rounds, criteria, questions, one organizer) goes through the edition
importer like any other edition. Everything that grows with N goes in with SQLAlchemy Core
``insert()`` over lists of dicts, in chunks (executemany; psycopg 3 pipelines it on PostgreSQL),
ids coming back in bulk through ``RETURNING`` in parameter order: no ORM object and no SELECT
per row. 100,000 applications with 300,000 scorecards and 1.4 million scores take a few minutes
on PostgreSQL (see docs/performance.md).

Same ``seed`` and same ``today`` give the same rows (the dates are relative to ``today``:
applications open 200 days before it and close 21 days after it, so candidates can still submit
and jurors score). Every account gets the password :data:`PASSWORD`; e-mail addresses follow a
pattern (``j00001@jury.<code>.example``, ``c000001@candidates.<code>.example``) so that load
tests can log in. Flushes, never commits: the command commits once.

The steps run in this order, one per table or group of tables: clear, import the setup, jurors
(accounts, roles, edition people, jury memberships), applications (drawn then written chunk by
chunk: organizations, candidates, applications, answers), declared conflicts, scorecards and
scores, then the conflicts and the audit event. Every step draws from the one ``random.Random(seed)``
in a fixed order: moving a draw from one step to another changes the rows a seed gives.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from typing import Any

from sqlalchemy import Table, delete, func, insert, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from judging.accounts.models import EditionPerson, Organization, User, UserRole
from judging.applications.engine.names import normalize_org_name
from judging.applications.models import Answer, Application
from judging.core.audit import record
from judging.devdata import demo
from judging.editions.models import Criterion, Edition, Prize, Question, Round
from judging.exchange.common import FORMAT
from judging.exchange.import_ import delete_edition, import_edition
from judging.jury.models import Assignment, Conflict, CriterionScore, JuryMembership
from judging.results.models import mark_stale

PASSWORD = "generated-awards"
CHUNK = 5_000
PER_APPLICATION = 3
CRITERIA_PER_ROUND = 5
FINAL_JURORS = 15
BLIND_PRIZE = 1
#: Application statuses, as shares of all applications (the rest is submitted).
STATUS_SHARES = {"draft": 0.03, "withdrawn": 0.007, "ineligible": 0.003}
#: Scorecard statuses, as shares of all scorecards (the rest is submitted).
CARD_SHARES = {"draft": 0.06, "assigned": 0.06, "abstained": 0.01, "recused": 0.003}
#: Conflicts per juror: declared ones, and applications from the juror's own organization.
DECLARED_PER_JUROR = 1.0
SAME_ORG_PER_JUROR = 0.5
#: Answers to the extra question "role" (fewer than the demo's).
ROLES = ["Fondatrice et PDG", "Directrice générale", "CTO"]
ABSTAIN_REASONS = ["Hors de mon domaine d’expertise.", "Outside my field of expertise."]
RECUSE_REASON = "Je viens d’apprendre que je connais l’équipe fondatrice."
#: The fifth criterion given to the demo rubrics that have four.
EXTRA_CRITERION = (
    "clarte",
    10,
    False,
    demo.bilingual("Clarté du dossier", "Clarity of the file"),
    demo.bilingual("Le dossier se lit-il facilement ?", "Is the file easy to read?"),
)


class GenerateError(Exception):
    """A refusal to explain to the person running the command."""


@dataclass
class GenerateReport:
    edition: Edition
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())


# --- names -------------------------------------------------------------------------------------------


class _ManyNames(demo.Names):
    """The demo's fictional names, with brands that do not run out (one or two invented words)."""

    def brand(self) -> str:
        first, middle, last = demo.SYLLABLES
        while True:
            word = self.rng.choice(first) + self.rng.choice(middle) + self.rng.choice(last)
            if word in self.brands or word in demo.NOT_FICTIONAL or not 5 <= len(word) <= 9:
                word += " " + self.rng.choice(first) + self.rng.choice(middle) + self.rng.choice(last)
                if word in self.brands:
                    continue
            self.brands.add(word)
            return " ".join(part.capitalize() for part in word.split())


def juror_email(code: str, number: int) -> str:
    return f"j{number:05d}@jury.{code.lower()}.example"


def candidate_email(code: str, number: int) -> str:
    return f"c{number:06d}@candidates.{code.lower()}.example"


def organizer_email(code: str) -> str:
    return f"organizer@{code.lower()}.example"


def _generated_domains(code: str) -> list[str]:
    return [f"%@jury.{code.lower()}.example", f"%@candidates.{code.lower()}.example", organizer_email(code)]


# --- the setup document ------------------------------------------------------------------------------------


def _window(today: date) -> tuple[datetime, datetime, datetime]:
    opens = datetime.combine(today - timedelta(days=200), clock_time(9, 0), tzinfo=demo.ZONE)
    closes = datetime.combine(today + timedelta(days=21), clock_time(23, 59, 59), tzinfo=demo.ZONE)
    ceremony = datetime.combine(today + timedelta(days=57), clock_time(18, 0), tzinfo=demo.ZONE)
    return opens, closes, ceremony


def setup_document(code: str, prizes: Sequence[dict[str, Any]], today: date) -> dict[str, Any]:
    """The edition, its prizes (rubrics of five criteria), questions and one organizer (no applications)."""
    opens, closes, ceremony = _window(today)
    entries = []
    for index, prize in enumerate(prizes):
        criteria = list(prize["criteria"])[:CRITERIA_PER_ROUND]
        while len(criteria) < CRITERIA_PER_ROUND:
            criteria.append(EXTRA_CRITERION)
        entry = demo.prize_entry({**prize, "criteria": criteria})
        if index == BLIND_PRIZE:  # one blind preselection: jurors see no identity (masked labels)
            entry["rounds"][0]["blind"] = True
        entries.append(entry)
    return {
        "format": FORMAT,
        "edition": {
            "code": code,
            "name": demo.bilingual(f"Édition générée {code}", f"Generated edition {code}"),
            "timezone": demo.TIMEZONE,
            "applications_open": demo.iso(opens),
            "applications_close": demo.iso(closes),
            "ceremony_at": demo.iso(ceremony),
        },
        "prizes": entries,
        "people": [
            {
                "email": organizer_email(code),
                "name": "Odile Bernier-Sauvé",
                "organization": "MTL Tech Awards",
                "title": "Directrice de programme",
                "roles": ["organizer"],
                "language": "fr",
            }
        ],
        "juries": [],
        "applications": [],
        "conflicts": [],
        "scorecards": [],
        "decisions": [],
    }


# --- bulk writing ------------------------------------------------------------------------------------------


def _chunks(rows: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _insert(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    for chunk in _chunks(rows):
        conn.execute(insert(table), list(chunk))


def _insert_returning(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert and return the new ids in the order of ``rows`` (INSERT ... RETURNING, batched)."""
    ids: list[int] = []
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    for chunk in _chunks(rows):
        ids.extend(conn.execute(statement, list(chunk)).scalars().all())
    return ids


def _organization_ids(conn: Connection, names: dict[str, str], now: datetime) -> dict[str, int]:
    """Ids of organizations by normalized name: found in bulk (chunked IN), the others inserted."""
    table = Organization.__table__
    found: dict[str, int] = {}
    keys = sorted(names)
    for chunk in _chunks(keys, 1_000):
        for org_id, key in conn.execute(
            select(table.c.id, table.c.normalized_name).where(table.c.normalized_name.in_(list(chunk)))
        ):
            found[key] = org_id
    missing = [k for k in keys if k not in found]
    rows = [{"name": names[k], "normalized_name": k, "created_at": now, "updated_at": now} for k in missing]
    found.update(zip(missing, _insert_returning(conn, table, rows), strict=True))
    return found


# --- the generator ----------------------------------------------------------------------------------------


@dataclass
class _App:
    """What later steps need to know about a generated application (kept small: N of them)."""

    id: int
    prize: int
    status: str
    submitted_at: datetime | None
    quality: float
    language: str


def _moment(rng: random.Random, start: datetime, end: datetime) -> datetime:
    seconds = max(int((end - start).total_seconds()), 0)
    return (start + timedelta(seconds=rng.randint(0, seconds))).replace(microsecond=0).astimezone(UTC)


def _status(rng: random.Random, shares: dict[str, float], default: str) -> str:
    roll = rng.random()
    for status, share in shares.items():
        if roll < share:
            return status
        roll -= share
    return default


@dataclass
class _Setup:
    """The imported edition and what the bulk steps need of it (ids of prizes, rounds, criteria...)."""

    edition: Edition
    prizes: list[dict[str, Any]]  # the demo prizes chosen, in order
    prize_rows: list[Prize]
    preselection: list[Round]  # per prize index
    finals: list[Round]
    criteria_of: dict[int, list[Criterion]]  # preselection round id -> its criteria, in order
    questions_of: dict[int, dict[str, Question]]  # prize id -> question code -> question
    opens: datetime
    closes: datetime
    now: datetime  # noon on ``today``: the moment generated rows are written "at"


@dataclass
class _Run:
    """The state shared by the bulk steps: the connection, the one random stream, what is counted."""

    conn: Connection
    code: str
    rng: random.Random
    names: _ManyNames
    password_hash: str
    counts: Counter[str] = field(default_factory=Counter)
    org_keys: set[str] = field(default_factory=set)
    #: (juror id, application id) pairs in conflict: never assigned.
    taken: set[tuple[int, int]] = field(default_factory=set)
    conflict_rows: list[dict[str, Any]] = field(default_factory=list)

    def add_conflict(
        self, user_id: int, application_id: int, source: str, reason: str, now: datetime
    ) -> None:
        self.taken.add((user_id, application_id))
        self.conflict_rows.append(
            {
                "user_id": user_id,
                "application_id": application_id,
                "source": source,
                "reason": reason,
                "created_at": now,
                "updated_at": now,
            }
        )


@dataclass
class _Jury:
    """The generated jurors, in the order of their numbers."""

    ids: list[int]
    rows: list[dict[str, Any]]
    orgs: list[tuple[str, str]]  # (organization name, type) per juror
    prize_of: list[int]  # prize index per juror
    members: dict[int, list[int]]  # prize index -> juror ids
    org_by_id: dict[int, tuple[str, str]] = field(init=False)

    def __post_init__(self) -> None:
        self.org_by_id = dict(zip(self.ids, self.orgs, strict=True))


class _Lap:
    """Seconds per step, in the report and (through ``say``) on the console."""

    def __init__(self, report: GenerateReport, say: Any) -> None:
        self.report, self.say, self.started = report, say, time.perf_counter()

    def __call__(self, step: str) -> None:
        now = time.perf_counter()
        self.report.seconds[step] = now - self.started
        self.started = now
        self.say(f"  {step:<14} {self.report.seconds[step]:7.1f} s")


def generate_edition(
    db: Session,
    *,
    code: str,
    applications: int,
    jurors: int,
    seed: int = 2026,
    prizes: int = 4,
    today: date | None = None,
    replace: bool = False,
    password_method: str | None = None,
    log: Any = None,
) -> GenerateReport:
    """Create the edition ``code`` with that many applications and jurors (see the module)."""
    _check_sizes(applications, jurors, prizes)
    today = today or datetime.now(demo.ZONE).date()
    report = GenerateReport(edition=None)  # type: ignore[arg-type]
    lap = _Lap(report, log or (lambda _message: None))
    _clear(db, code, replace)
    lap("cleared")
    setup = _import_setup(db, code, demo.PRIZES[:prizes], today, password_method)
    report.edition = setup.edition
    lap("setup")
    rng = random.Random(seed)
    run = _Run(
        conn=db.connection(),
        code=code,
        rng=rng,
        names=_ManyNames(rng),
        password_hash=generate_password_hash(PASSWORD, password_method or "scrypt"),
    )
    jury = _insert_jurors(run, setup, jurors)
    lap("jurors")
    apps = _insert_applications(run, setup, jury, applications)
    lap("applications")
    submitted_of = _submitted_by_prize(apps)
    _declare_conflicts(run, setup, jury, submitted_of)
    _insert_scorecards(run, setup, jury, submitted_of)
    mark_stale(db, edition_id=setup.edition.id)
    lap("scorecards")
    report.counts = _record_generated(db, run, setup.edition, seed, today)
    return report


def _check_sizes(applications: int, jurors: int, prizes: int) -> None:
    if not 1 <= prizes <= len(demo.PRIZES):
        raise GenerateError(f"--prizes must be between 1 and {len(demo.PRIZES)}.")
    if applications < prizes:
        raise GenerateError(f"At least {prizes} applications are needed (one per prize).")
    if jurors < (PER_APPLICATION + 1) * prizes:
        raise GenerateError(
            f"At least {(PER_APPLICATION + 1) * prizes} jurors are needed "
            f"({PER_APPLICATION + 1} per prize, so that conflicts leave {PER_APPLICATION})."
        )


def _clear(db: Session, code: str, replace: bool) -> None:
    """Refuse an existing edition unless ``replace``; then delete it (ON DELETE CASCADE) and the
    accounts generated for it."""
    existing = db.scalar(select(Edition.id).where(Edition.code == code))
    if existing is not None and not replace:
        raise GenerateError(f"Edition {code!r} exists: use --replace to generate it again.")
    if existing is not None:
        delete_edition(db, existing)
    if replace:
        patterns = _generated_domains(code)
        db.execute(
            delete(User).where(or_(*(User.email.like(p) for p in patterns))),
            execution_options={"synchronize_session": False},
        )
        db.expunge_all()


def _import_setup(
    db: Session, code: str, chosen: list[dict[str, Any]], today: date, password_method: str | None
) -> _Setup:
    """Import the setup document like any edition, read back its ids, and let the organizer log in."""
    edition = import_edition(db, setup_document(code, chosen, today))
    opens, closes, _ceremony = _window(today)
    prize_rows = list(
        db.scalars(select(Prize).where(Prize.edition_id == edition.id).order_by(Prize.position))
    )
    rounds = {
        (r.prize_id, r.code): r
        for r in db.scalars(select(Round).where(Round.prize_id.in_([p.id for p in prize_rows])))
    }
    preselection = [rounds[(p.id, "preselection")] for p in prize_rows]
    criteria_of = {
        rnd.id: list(
            db.scalars(select(Criterion).where(Criterion.round_id == rnd.id).order_by(Criterion.position))
        )
        for rnd in preselection
    }
    questions_of = {
        p.id: {q.code: q for q in db.scalars(select(Question).where(Question.prize_id == p.id))}
        for p in prize_rows
    }
    organizer = db.scalar(select(User).where(User.email == organizer_email(code)))
    organizer.password_hash = generate_password_hash(PASSWORD, password_method or "scrypt")
    organizer.email_confirmed_at = opens
    return _Setup(
        edition=edition,
        prizes=chosen,
        prize_rows=prize_rows,
        preselection=preselection,
        finals=[rounds[(p.id, "final")] for p in prize_rows],
        criteria_of=criteria_of,
        questions_of=questions_of,
        opens=opens,
        closes=closes,
        now=datetime.combine(today, clock_time(12, 0), tzinfo=demo.ZONE).astimezone(UTC),
    )


# --- jurors ----------------------------------------------------------------------------------------------


def _juror_row(run: _Run, number: int, opens: datetime) -> tuple[dict[str, Any], tuple[str, str]]:
    """One juror's account (reading French, English or both) and (organization name, type)."""
    rng = run.rng
    woman = rng.random() < 0.5
    first, last = run.names.person(woman)
    org_type = rng.choice(["academic", "public", "large", "sme", "nonprofit", "startup"])
    org_name, _brand = run.names.organization(org_type, english=False)
    language = "en" if rng.random() < 0.2 else "fr"
    reads = ["fr", "en"] if rng.random() < 0.6 else [language]
    row = {
        "email": juror_email(run.code, number),
        "name": f"{first} {last}",
        "password_hash": run.password_hash,
        "language": language,
        "email_confirmed_at": opens,
        "active": True,
        "organization_name": org_name,
        "title": rng.choice(["Chercheuse", "Directeur", "Investisseuse", "Conseiller", "Professeure"]),
        "reads_languages": reads,
        "created_at": opens,
        "updated_at": opens,
    }
    return row, (org_name, org_type)


def _insert_jurors(run: _Run, setup: _Setup, jurors: int) -> _Jury:
    """The jurors, spread over the prizes in turn: accounts, roles, edition people, jury memberships."""
    prizes = len(setup.prize_rows)
    rows, orgs = [], []
    for number in range(1, jurors + 1):
        row, org = _juror_row(run, number, setup.opens)
        rows.append(row)
        orgs.append(org)
    org_ids = _organization_ids(run.conn, {normalize_org_name(n): n for n, _t in orgs}, setup.now)
    run.org_keys.update(org_ids)
    for row, (org_name, _t) in zip(rows, orgs, strict=True):
        row["organization_id"] = org_ids[normalize_org_name(org_name)]
    ids = _insert_returning(run.conn, User.__table__, rows)
    _insert(run.conn, UserRole.__table__, [{"user_id": uid, "role": "juror"} for uid in ids])
    _insert(
        run.conn,
        EditionPerson.__table__,
        [
            {"edition_id": setup.edition.id, "user_id": uid, "position": position}
            for position, uid in enumerate(ids, start=1)
        ],
    )
    prize_of = [(number - 1) % prizes for number in range(1, jurors + 1)]
    members: dict[int, list[int]] = defaultdict(list)
    for index, uid in enumerate(ids):
        members[prize_of[index]].append(uid)
    jury = _Jury(ids=ids, rows=rows, orgs=orgs, prize_of=prize_of, members=members)
    memberships = _insert_memberships(run, setup, jury)
    run.counts.update(jurors=jurors, jury_memberships=memberships, edition_people=jurors + 1)
    return jury


def _insert_memberships(run: _Run, setup: _Setup, jury: _Jury) -> int:
    """Every juror of a prize on its preselection, the first FINAL_JURORS on its final (first is chair)."""
    rows = []
    for p_index in range(len(setup.prize_rows)):
        members = jury.members[p_index]
        for rnd, seated in (
            (setup.preselection[p_index], members),
            (setup.finals[p_index], members[:FINAL_JURORS]),
        ):
            rows.extend(
                {"round_id": rnd.id, "user_id": uid, "is_chair": position == 0}
                for position, uid in enumerate(seated)
            )
    now = setup.now
    _insert(run.conn, JuryMembership.__table__, [{**r, "created_at": now, "updated_at": now} for r in rows])
    return len(rows)


# --- applications ----------------------------------------------------------------------------------------


@dataclass
class _Drawn:
    """One application drawn but not yet written: its candidate's account, its row, its answers."""

    user: dict[str, Any]
    row: dict[str, Any]
    answers: dict[str, Any]
    prize: int
    quality: float
    same_org_juror: int | None


def _insert_applications(run: _Run, setup: _Setup, jury: _Jury, applications: int) -> list[_App]:
    """Applications, their candidates (one account each) and answers, chunk by chunk."""
    draw = _ApplicationDrawer(
        run, setup, jury, same_org_share=SAME_ORG_PER_JUROR * len(jury.ids) / applications
    )
    apps: list[_App] = []
    for start in range(0, applications, CHUNK):
        batch = [draw(number) for number in range(start + 1, min(applications, start + CHUNK) + 1)]
        apps.extend(_write_applications(run, setup, batch))
    run.counts.update(candidates=applications, applications=applications, organizations=len(run.org_keys))
    run.counts.update(f"applications_{a.status}" for a in apps)
    return apps


def _write_applications(run: _Run, setup: _Setup, batch: list[_Drawn]) -> list[_App]:
    """Write one chunk: organizations, candidates and their role, applications, answers; note the
    same-organization conflicts."""
    conn = run.conn
    org_ids = _organization_ids(
        conn, {normalize_org_name(d.row["org_name"]): d.row["org_name"] for d in batch}, setup.now
    )
    run.org_keys.update(org_ids)
    user_ids = _insert_returning(conn, User.__table__, [d.user for d in batch])
    _insert(conn, UserRole.__table__, [{"user_id": uid, "role": "candidate"} for uid in user_ids])
    for drawn, uid in zip(batch, user_ids, strict=True):
        drawn.row["applicant_id"] = uid
        drawn.row["organization_id"] = org_ids[normalize_org_name(drawn.row["org_name"])]
    app_ids = _insert_returning(conn, Application.__table__, [d.row for d in batch])
    apps, answer_rows = [], []
    for drawn, app_id in zip(batch, app_ids, strict=True):
        row = drawn.row
        apps.append(
            _App(app_id, drawn.prize, row["status"], row["submitted_at"], drawn.quality, row["language"])
        )
        questions = setup.questions_of[row["prize_id"]]
        answer_rows.extend(
            {"application_id": app_id, "question_id": questions[q].id, "value": value}
            for q, value in drawn.answers.items()
        )
        if drawn.same_org_juror is not None:
            run.add_conflict(drawn.same_org_juror, app_id, "organization", "Même organisation.", setup.now)
    _insert(conn, Answer.__table__, answer_rows)
    run.counts["answers"] += len(answer_rows)
    return apps


class _ApplicationDrawer:
    """Draws application number N: its prize, status, origin, organization, people, dates and answers.

    The draws come from ``run.rng`` in a fixed order (so the same seed gives the same rows).
    """

    def __init__(self, run: _Run, setup: _Setup, jury: _Jury, same_org_share: float) -> None:
        self.run, self.setup, self.jury, self.same_org_share = run, setup, jury, same_org_share
        self.region_weights = list(demo.REGION_COUNTS.values())
        self.woman_weights = list(demo.WOMAN_LED_OUTSIDE_WIT.values())
        self.woman_values = list(demo.WOMAN_LED_OUTSIDE_WIT)
        self.sequence = 0

    def __call__(self, number: int) -> _Drawn:
        rng, setup = self.run.rng, self.setup
        p_index = rng.randrange(len(setup.prizes))
        prize = setup.prizes[p_index]
        status = _status(rng, STATUS_SHARES, "submitted")
        region, city, country, english = self._origin()
        woman = True if prize["code"] == "femmes-en-tech" else self._woman_led()
        org_type = rng.choices(list(prize["org_types"]), weights=list(prize["org_types"].values()))[0]
        org_name, brand = self.run.names.organization(org_type, english)
        same_org_juror = None
        if status == "submitted" and rng.random() < self.same_org_share:
            same_org_juror = rng.choice(self.jury.members[p_index])
            org_name, org_type = self.jury.org_by_id[same_org_juror]
        first, last = self.run.names.person(woman)
        project = self._project(prize, english)
        title = f"{brand}: {project}" if english else f"{brand}\u00a0: {project}"
        created = _moment(rng, setup.opens + timedelta(days=1), setup.now - timedelta(days=10))
        submitted_at = _moment(rng, created, setup.now - timedelta(days=6)) if status != "draft" else None
        self.sequence += 1
        ref = f"{prize['prefix']}-{self.sequence:06d}"
        language = "en" if english else "fr"
        quality = rng.gauss(0, 1)
        answers = demo.answers(
            rng,
            prize,
            website=f"https://{demo.slug(brand)}.example",
            title=title,
            lead=f"{first} {last}",
            english=english,
            draft=status == "draft",
            roles=ROLES,
        )
        email, person = candidate_email(self.run.code, number), f"{first} {last}"
        row = {
            "edition_id": setup.edition.id,
            "prize_id": setup.prize_rows[p_index].id,
            "ref": ref,
            "status": status,
            "submitted_at": submitted_at,
            "title": title,
            "summary": demo.project_summary(project, org_name, english) if submitted_at else None,
            "language": language,
            "contact_email": email,
            "contact_name": person,
            "org_name": org_name,
            "org_type": org_type,
            "region": region,
            "country": country,
            "city": city,
            "website": answers.get("website"),
            "led_by_woman": woman,
            **_submission_columns(self.run.code, ref, self.setup.closes.year, status, submitted_at),
            "version": 1,
            "created_at": created,
            "updated_at": submitted_at or created,
        }
        user = _candidate_row(email, person, self.run.password_hash, language, created, org_name)
        return _Drawn(user, row, answers, p_index, quality, same_org_juror)

    def _origin(self) -> tuple[str, str, str, bool]:
        """(region, city, country, written in English)."""
        rng = self.run.rng
        region = rng.choices(list(demo.REGION_COUNTS), weights=self.region_weights)[0]
        city, country = rng.choice(demo.CITIES[region])
        english = (
            region == "canada"
            or country in demo.ENGLISH_COUNTRIES
            or (region != "international" and rng.random() < 0.15)
        )
        return region, city, country, english

    def _woman_led(self) -> bool | None:
        return self.run.rng.choices(self.woman_values, weights=self.woman_weights)[0]

    def _project(self, prize: dict[str, Any], english: bool) -> str:
        kinds = prize["kinds"][1 if english else 0]
        domains = prize["domains"][1 if english else 0]
        return f"{self.run.rng.choice(kinds)} {self.run.rng.choice(domains)}"


def _submission_columns(
    code: str, ref: str, year: int, status: str, submitted_at: datetime | None
) -> dict[str, Any]:
    """Consent, publication consent, eligibility reason and receipt number, as a submission leaves them.

    A submitted application has answered the form's publication question: yes.
    """
    receipt = None
    if submitted_at:
        receipt = f"MTL-{year}-{ref}-" + hashlib.sha256(f"{code}:{ref}".encode()).hexdigest()[:8].upper()
    return {
        "consent_at": submitted_at,
        "publication_consent": True if submitted_at else None,
        "publication_consent_at": submitted_at,
        "eligibility_reason": "Hors du territoire admissible." if status == "ineligible" else None,
        "receipt_number": receipt,
    }


def _candidate_row(
    email: str, name: str, password_hash: str, language: str, created: datetime, org_name: str
) -> dict[str, Any]:
    return {
        "email": email,
        "name": name,
        "password_hash": password_hash,
        "language": language,
        "email_confirmed_at": created,
        "active": True,
        "organization_name": org_name,
        "reads_languages": [language],
        "created_at": created,
        "updated_at": created,
    }


# --- conflicts and scorecards ----------------------------------------------------------------------------


def _submitted_by_prize(apps: list[_App]) -> dict[int, list[_App]]:
    submitted_of: dict[int, list[_App]] = defaultdict(list)
    for app in apps:
        if app.status == "submitted":
            submitted_of[app.prize].append(app)
    return submitted_of


def _declare_conflicts(run: _Run, setup: _Setup, jury: _Jury, submitted_of: dict[int, list[_App]]) -> None:
    """Conflicts declared by the jurors, on applications of their own prize."""
    rng = run.rng
    for index, uid in enumerate(jury.ids):
        pool = submitted_of[jury.prize_of[index]]
        wanted = int(DECLARED_PER_JUROR) + (rng.random() < DECLARED_PER_JUROR % 1)
        for _ in range(wanted if pool else 0):
            app = rng.choice(pool)
            if (uid, app.id) in run.taken:
                continue
            run.add_conflict(uid, app.id, "declared", rng.choice(demo.CONFLICT_REASONS), setup.now)


def _insert_scorecards(run: _Run, setup: _Setup, jury: _Jury, submitted_of: dict[int, list[_App]]) -> None:
    """PER_APPLICATION jurors of the prize per submitted application, the least loaded first (ties in a
    shuffled order), never one in conflict; then the conflicts (recusals add some)."""
    leniency = {uid: run.rng.gauss(0, 0.5) for uid in jury.ids}
    language_of = {uid: row["language"] for uid, row in zip(jury.ids, jury.rows, strict=True)}
    pending: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
    for p_index in range(len(setup.prize_rows)):
        rnd = setup.preselection[p_index]
        criteria = setup.criteria_of[rnd.id]
        members = list(jury.members[p_index])
        run.rng.shuffle(members)
        load = dict.fromkeys(members, 0)
        for app in submitted_of[p_index]:
            for uid in _least_loaded(run, members, load, app.id):
                load[uid] += 1
                card = _scorecard(run, setup, rnd, criteria, app, uid, leniency[uid], language_of[uid])
                pending.append(card)
            if len(pending) >= CHUNK:
                _write_scorecards(run, pending)
    if pending:
        _write_scorecards(run, pending)
    run.counts["scorecards"] = sum(v for k, v in run.counts.items() if k.startswith("scorecards_"))
    _insert(run.conn, Conflict.__table__, run.conflict_rows)
    run.counts["conflicts"] = len(run.conflict_rows)


def _least_loaded(run: _Run, members: list[int], load: dict[int, int], app_id: int) -> list[int]:
    """The PER_APPLICATION least loaded jurors not in conflict with the application.

    Sorts ``members`` in place: stable and nearly sorted already, so linear (and a rotation)."""
    members.sort(key=load.__getitem__)
    chosen: list[int] = []
    for uid in members:
        if (uid, app_id) not in run.taken:
            chosen.append(uid)
            if len(chosen) == PER_APPLICATION:
                break
    return chosen


def _scorecard(
    run: _Run,
    setup: _Setup,
    rnd: Round,
    criteria: list[Criterion],
    app: _App,
    uid: int,
    leniency: float,
    language: str,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One scorecard of a status drawn from CARD_SHARES, and its scores (a recusal is a conflict too)."""
    rng, now = run.rng, setup.now
    status = _status(rng, CARD_SHARES, "submitted")
    card: dict[str, Any] = {
        "round_id": rnd.id,
        "juror_id": uid,
        "application_id": app.id,
        "status": status,
        "comment": None,
        "abstain_reason": None,
        "submitted_at": None,
        "created_at": now,
        "updated_at": now,
    }
    scores = _scores(rng, criteria, status, app.quality, leniency) if status in ("submitted", "draft") else []
    if status == "submitted":
        card["submitted_at"] = _moment(rng, app.submitted_at + timedelta(days=1), now)
        if rng.random() < 0.4:
            card["comment"] = rng.choice(demo.COMMENTS[language])
    elif status == "abstained":
        card["abstain_reason"] = ABSTAIN_REASONS[language == "en"]
    elif status == "recused":
        run.add_conflict(uid, app.id, "declared", RECUSE_REASON, now)
    run.counts[f"scorecards_{status}"] += 1
    return card, scores


def _scores(
    rng: random.Random, criteria: list[Criterion], status: str, quality: float, leniency: float
) -> list[dict[str, Any]]:
    """A submitted card scores every criterion (an optional one left out one time in five); a draft,
    the first few."""
    submitted = status == "submitted"
    answered = criteria if submitted else criteria[: rng.randint(1, len(criteria) - 1)]
    scores = []
    for criterion in answered:
        if submitted and not criterion.required and rng.random() < 0.2:
            continue
        low, high = int(criterion.min_value), int(criterion.max_value)
        scores.append({"criterion_id": criterion.id, "value": demo.score(rng, low, high, quality, leniency)})
    return scores


def _write_scorecards(run: _Run, pending: list[tuple[dict[str, Any], list[dict[str, Any]]]]) -> None:
    """Insert the pending scorecards (ids back in order), then their scores; empties ``pending``."""
    ids = _insert_returning(run.conn, Assignment.__table__, [card for card, _scores in pending])
    score_rows = []
    for (_card, scores), assignment_id in zip(pending, ids, strict=True):
        for row in scores:
            row["assignment_id"] = assignment_id
        score_rows.extend(scores)
    _insert(run.conn, CriterionScore.__table__, score_rows)
    run.counts["scores"] += len(score_rows)
    pending.clear()


def _record_generated(db: Session, run: _Run, edition: Edition, seed: int, today: date) -> dict[str, int]:
    """Audit the generation (code, seed, day and counts) and flush; the counts, sorted by name."""
    counts = {k: run.counts[k] for k in sorted(run.counts)}
    record(
        db,
        actor=None,
        action="edition.generated",
        obj=edition,
        edition_id=edition.id,
        after={"code": edition.code, "seed": seed, "today": today.isoformat(), **counts},
    )
    db.flush()
    return counts


def table_counts(db: Session, edition: Edition) -> dict[str, int]:
    """Rows per table that belong to ``edition`` (one COUNT each)."""
    prize_ids = select(Prize.id).where(Prize.edition_id == edition.id)
    round_ids = select(Round.id).where(Round.prize_id.in_(prize_ids))
    app_ids = select(Application.id).where(Application.edition_id == edition.id)
    assignment_ids = select(Assignment.id).where(Assignment.round_id.in_(round_ids))
    queries = {
        "prizes": select(func.count()).select_from(Prize).where(Prize.edition_id == edition.id),
        "rounds": select(func.count()).select_from(Round).where(Round.id.in_(round_ids)),
        "criteria": select(func.count()).select_from(Criterion).where(Criterion.round_id.in_(round_ids)),
        "questions": select(func.count()).select_from(Question).where(Question.prize_id.in_(prize_ids)),
        "edition_people": select(func.count())
        .select_from(EditionPerson)
        .where(EditionPerson.edition_id == edition.id),
        "jury_memberships": select(func.count())
        .select_from(JuryMembership)
        .where(JuryMembership.round_id.in_(round_ids)),
        "applications": select(func.count())
        .select_from(Application)
        .where(Application.edition_id == edition.id),
        "answers": select(func.count()).select_from(Answer).where(Answer.application_id.in_(app_ids)),
        "conflicts": select(func.count()).select_from(Conflict).where(Conflict.application_id.in_(app_ids)),
        "assignments": select(func.count()).select_from(Assignment).where(Assignment.id.in_(assignment_ids)),
        "criterion_scores": select(func.count())
        .select_from(CriterionScore)
        .where(CriterionScore.assignment_id.in_(assignment_ids)),
    }
    return {name: db.scalar(query) for name, query in queries.items()}
