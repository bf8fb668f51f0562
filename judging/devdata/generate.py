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

from sqlalchemy import Table, delete, insert, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from judging.accounts.models import EditionPerson, Organization, User, UserRole
from judging.applications.models import Answer, Application
from judging.core.audit import record
from judging.devdata import demo
from judging.editions.models import Criterion, Edition, Prize, Question, Round
from judging.exchange.edition_format import FORMAT, _delete_edition, import_edition
from judging.jury.engine.names import normalize_org_name
from judging.jury.models import Assignment, Conflict, CriterionScore, JuryMembership

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
ABSTAIN_REASONS = ["Hors de mon domaine d'expertise.", "Outside my field of expertise."]
RECUSE_REASON = "Je viens d'apprendre que je connais l'équipe fondatrice."
#: The fifth criterion given to the demo rubrics that have four.
EXTRA_CRITERION = (
    "clarte",
    10,
    False,
    demo._t("Clarté du dossier", "Clarity of the file"),
    demo._t("Le dossier se lit-il facilement ?", "Is the file easy to read?"),
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


class _ManyNames(demo._Names):
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
        entry = demo._prize_entry({**prize, "criteria": criteria})
        if index == BLIND_PRIZE:  # one blind preselection: jurors see no identity (masked labels)
            entry["rounds"][0]["blind"] = True
        entries.append(entry)
    return {
        "format": FORMAT,
        "edition": {
            "code": code,
            "name": demo._t(f"Édition générée {code}", f"Generated edition {code}"),
            "timezone": demo.TIMEZONE,
            "applications_open": demo._iso(opens),
            "applications_close": demo._iso(closes),
            "ceremony_at": demo._iso(ceremony),
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


def _score(rng: random.Random, low: int, high: int, quality: float, leniency: float) -> int:
    middle, spread = (low + high) / 2, (high - low) / 4
    value = middle + spread * (0.9 * quality + leniency + rng.gauss(0, 0.6))
    return int(min(high, max(low, round(value))))


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
    if not 1 <= prizes <= len(demo.PRIZES):
        raise GenerateError(f"--prizes must be between 1 and {len(demo.PRIZES)}.")
    if applications < prizes:
        raise GenerateError(f"At least {prizes} applications are needed (one per prize).")
    if jurors < (PER_APPLICATION + 1) * prizes:
        raise GenerateError(
            f"At least {(PER_APPLICATION + 1) * prizes} jurors are needed "
            f"({PER_APPLICATION + 1} per prize, so that conflicts leave {PER_APPLICATION})."
        )
    say = log or (lambda _message: None)
    today = today or datetime.now(demo.ZONE).date()
    report = GenerateReport(edition=None)  # type: ignore[arg-type]
    counts: Counter[str] = Counter()
    started = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal started
        now = time.perf_counter()
        report.seconds[step] = now - started
        started = now
        say(f"  {step:<14} {report.seconds[step]:7.1f} s")

    # Replace: the edition (ON DELETE CASCADE) and the accounts generated for it.
    existing = db.scalar(select(Edition.id).where(Edition.code == code))
    if existing is not None and not replace:
        raise GenerateError(f"Edition {code!r} exists: use --replace to generate it again.")
    if existing is not None:
        _delete_edition(db, existing)
    if replace:
        patterns = _generated_domains(code)
        db.execute(
            delete(User).where(or_(*(User.email.like(p) for p in patterns))),
            execution_options={"synchronize_session": False},
        )
        db.expunge_all()
    lap("cleared")

    chosen = demo.PRIZES[:prizes]
    edition = import_edition(db, setup_document(code, chosen, today))
    report.edition = edition
    opens, closes, _ceremony = _window(today)
    now = datetime.combine(today, clock_time(12, 0), tzinfo=demo.ZONE).astimezone(UTC)
    prize_rows = db.scalars(
        select(Prize).where(Prize.edition_id == edition.id).order_by(Prize.position)
    ).all()
    rounds = {
        (r.prize_id, r.code): r
        for r in db.scalars(select(Round).where(Round.prize_id.in_([p.id for p in prize_rows])))
    }
    preselection = [rounds[(p.id, "preselection")] for p in prize_rows]
    finals = [rounds[(p.id, "final")] for p in prize_rows]
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
    lap("setup")

    conn = db.connection()
    rng = random.Random(seed)
    names = _ManyNames(rng)
    password_hash = generate_password_hash(PASSWORD, password_method or "scrypt")
    users_t, roles_t, people_t = User.__table__, UserRole.__table__, EditionPerson.__table__

    # Jurors: spread over the prizes in turn; each reads French, English or both.
    juror_orgs: list[tuple[str, str]] = []  # (name, type) per juror
    juror_rows = []
    juror_prize: list[int] = []
    for number in range(1, jurors + 1):
        woman = rng.random() < 0.5
        first, last = names.person(woman)
        org_type = rng.choice(["academic", "public", "large", "sme", "nonprofit", "startup"])
        org_name, _brand = names.organization(org_type, english=False)
        language = "en" if rng.random() < 0.2 else "fr"
        reads = ["fr", "en"] if rng.random() < 0.6 else [language]
        juror_orgs.append((org_name, org_type))
        juror_prize.append((number - 1) % prizes)
        juror_rows.append(
            {
                "email": juror_email(code, number),
                "name": f"{first} {last}",
                "password_hash": password_hash,
                "language": language,
                "email_confirmed_at": opens,
                "active": True,
                "organization_name": org_name,
                "title": rng.choice(
                    ["Chercheuse", "Directeur", "Investisseuse", "Conseiller", "Professeure"]
                ),
                "reads_languages": reads,
                "created_at": opens,
                "updated_at": opens,
            }
        )
    org_keys: set[str] = set()
    org_ids = _organization_ids(conn, {normalize_org_name(n): n for n, _t in juror_orgs}, now)
    org_keys.update(org_ids)
    for row, (org_name, _t) in zip(juror_rows, juror_orgs, strict=True):
        row["organization_id"] = org_ids[normalize_org_name(org_name)]
    juror_ids = _insert_returning(conn, users_t, juror_rows)
    _insert(conn, roles_t, [{"user_id": uid, "role": "juror"} for uid in juror_ids])
    _insert(
        conn,
        people_t,
        [
            {"edition_id": edition.id, "user_id": uid, "position": position}
            for position, uid in enumerate(juror_ids, start=1)
        ],
    )
    jury_of: dict[int, list[int]] = defaultdict(list)  # prize index -> juror ids
    for index, uid in enumerate(juror_ids):
        jury_of[juror_prize[index]].append(uid)
    membership_rows = []
    for p_index in range(prizes):
        members = jury_of[p_index]
        for position, uid in enumerate(members):
            membership_rows.append(
                {"round_id": preselection[p_index].id, "user_id": uid, "is_chair": position == 0}
            )
        for position, uid in enumerate(members[:FINAL_JURORS]):
            membership_rows.append(
                {"round_id": finals[p_index].id, "user_id": uid, "is_chair": position == 0}
            )
    _insert(
        conn, JuryMembership.__table__, [{**r, "created_at": now, "updated_at": now} for r in membership_rows]
    )
    counts.update(jurors=jurors, jury_memberships=len(membership_rows), edition_people=jurors + 1)
    lap("jurors")

    # Applications, their candidates (one account each) and answers, chunk by chunk.
    index_of_juror = {uid: i for i, uid in enumerate(juror_ids)}
    same_org_share = SAME_ORG_PER_JUROR * jurors / applications
    region_weights = list(demo.REGION_COUNTS.values())
    woman_weights = list(demo.WOMAN_LED_OUTSIDE_WIT.values())
    woman_values = list(demo.WOMAN_LED_OUTSIDE_WIT)
    year = closes.year
    apps: list[_App] = []
    conflict_rows: list[dict[str, Any]] = []
    taken: set[tuple[int, int]] = set()
    sequence = 0
    for start in range(0, applications, CHUNK):
        batch = []
        for number in range(start + 1, min(applications, start + CHUNK) + 1):
            p_index = rng.randrange(prizes)
            prize = chosen[p_index]
            status = _status(rng, STATUS_SHARES, "submitted")
            region = rng.choices(list(demo.REGION_COUNTS), weights=region_weights)[0]
            city, country = rng.choice(demo.CITIES[region])
            english = (
                region == "canada"
                or country in demo.ENGLISH_COUNTRIES
                or (region != "international" and rng.random() < 0.15)
            )
            if prize["code"] == "femmes-en-tech":
                woman = True
            else:
                woman = rng.choices(woman_values, weights=woman_weights)[0]
            org_type = rng.choices(list(prize["org_types"]), weights=list(prize["org_types"].values()))[0]
            org_name, brand = names.organization(org_type, english)
            same_org_juror = None
            if status == "submitted" and rng.random() < same_org_share:
                same_org_juror = rng.choice(jury_of[p_index])
                org_name, org_type = juror_orgs[index_of_juror[same_org_juror]]
            first, last = names.person(woman)
            kinds = prize["kinds"][1 if english else 0]
            domains = prize["domains"][1 if english else 0]
            project = f"{rng.choice(kinds)} {rng.choice(domains)}"
            title = f"{brand}: {project}" if english else f"{brand}\u00a0: {project}"
            created = _moment(rng, opens + timedelta(days=1), now - timedelta(days=10))
            submitted_at = _moment(rng, created, now - timedelta(days=6)) if status != "draft" else None
            sequence += 1
            ref = f"{prize['prefix']}-{sequence:06d}"
            language = "en" if english else "fr"
            quality = rng.gauss(0, 1)
            answers = {
                "website": f"https://{demo._slug(brand)}.example",
                "pitch": demo._pitch(rng, title, english),
                "stage": rng.choice(demo.STAGES),
                "lead": f"{first} {last}",
                "available": rng.random() < 0.9,
            }
            extra = prize["extra_question"]
            if extra["type"] == "yes-no":
                answers[extra["code"]] = rng.random() < 0.4
            elif extra["type"] == "choice":
                answers[extra["code"]] = rng.choice(extra["options"])["code"]
            elif extra["code"] == "role":
                answers[extra["code"]] = rng.choice(["Fondatrice et PDG", "Directrice générale", "CTO"])
            else:
                answers[extra["code"]] = demo._pitch(rng, title, english)[:400]
            if status == "draft":
                answers = dict(list(answers.items())[: rng.randint(1, 4)])
            by = "by" if english else "porté par"
            batch.append(
                (
                    {
                        "email": candidate_email(code, number),
                        "name": f"{first} {last}",
                        "password_hash": password_hash,
                        "language": language,
                        "email_confirmed_at": created,
                        "active": True,
                        "organization_name": org_name,
                        "reads_languages": [language],
                        "created_at": created,
                        "updated_at": created,
                    },
                    {
                        "edition_id": edition.id,
                        "prize_id": prize_rows[p_index].id,
                        "ref": ref,
                        "status": status,
                        "submitted_at": submitted_at,
                        "title": title,
                        "summary": f"{project[0].upper()}{project[1:]}, {by} {org_name}."
                        if submitted_at
                        else None,
                        "language": language,
                        "contact_email": candidate_email(code, number),
                        "contact_name": f"{first} {last}",
                        "org_name": org_name,
                        "org_type": org_type,
                        "region": region,
                        "country": country,
                        "city": city,
                        "website": answers.get("website"),
                        "led_by_woman": woman,
                        "consent_at": submitted_at,
                        # a submitted application has answered the form's publication question: yes
                        "publication_consent": True if submitted_at else None,
                        "publication_consent_at": submitted_at,
                        "eligibility_reason": "Hors du territoire admissible."
                        if status == "ineligible"
                        else None,
                        "receipt_number": (
                            f"MTL-{year}-{ref}-"
                            + hashlib.sha256(f"{code}:{ref}".encode()).hexdigest()[:8].upper()
                            if submitted_at
                            else None
                        ),
                        "version": 1,
                        "created_at": created,
                        "updated_at": submitted_at or created,
                    },
                    answers,
                    (p_index, status, submitted_at, quality, language, same_org_juror),
                )
            )
        org_ids = _organization_ids(
            conn, {normalize_org_name(b[1]["org_name"]): b[1]["org_name"] for b in batch}, now
        )
        org_keys.update(org_ids)
        user_ids = _insert_returning(conn, users_t, [b[0] for b in batch])
        _insert(conn, roles_t, [{"user_id": uid, "role": "candidate"} for uid in user_ids])
        app_rows = []
        for (_user, row, _answers, _info), uid in zip(batch, user_ids, strict=True):
            row["applicant_id"] = uid
            row["organization_id"] = org_ids[normalize_org_name(row["org_name"])]
            app_rows.append(row)
        app_ids = _insert_returning(conn, Application.__table__, app_rows)
        answer_rows = []
        for (_user, row, answers, info), app_id in zip(batch, app_ids, strict=True):
            p_index, status, submitted_at, quality, language, same_org_juror = info
            apps.append(_App(app_id, p_index, status, submitted_at, quality, language))
            questions = questions_of[row["prize_id"]]
            answer_rows.extend(
                {"application_id": app_id, "question_id": questions[q].id, "value": value}
                for q, value in answers.items()
            )
            if same_org_juror is not None:
                taken.add((same_org_juror, app_id))
                conflict_rows.append(
                    {
                        "user_id": same_org_juror,
                        "application_id": app_id,
                        "source": "organization",
                        "reason": "Même organisation.",
                        "created_at": now,
                        "updated_at": now,
                    }
                )
        _insert(conn, Answer.__table__, answer_rows)
        counts["answers"] += len(answer_rows)
    counts.update(candidates=applications, applications=applications, organizations=len(org_keys))
    counts.update(f"applications_{a.status}" for a in apps)
    lap("applications")

    # Conflicts declared by the jurors, on applications of their own prize.
    submitted_of: dict[int, list[_App]] = defaultdict(list)
    for app in apps:
        if app.status == "submitted":
            submitted_of[app.prize].append(app)
    for index, uid in enumerate(juror_ids):
        pool = submitted_of[juror_prize[index]]
        wanted = int(DECLARED_PER_JUROR) + (rng.random() < DECLARED_PER_JUROR % 1)
        for _ in range(wanted if pool else 0):
            app = rng.choice(pool)
            if (uid, app.id) in taken:
                continue
            taken.add((uid, app.id))
            conflict_rows.append(
                {
                    "user_id": uid,
                    "application_id": app.id,
                    "source": "declared",
                    "reason": rng.choice(demo.CONFLICT_REASONS),
                    "created_at": now,
                    "updated_at": now,
                }
            )

    # Assignments: PER_APPLICATION jurors of the prize per submitted application, the least loaded
    # first (ties in a shuffled order), never one in conflict.
    leniency = {uid: rng.gauss(0, 0.5) for uid in juror_ids}
    language_of = {uid: row["language"] for uid, row in zip(juror_ids, juror_rows, strict=True)}
    assignment_t, score_t = Assignment.__table__, CriterionScore.__table__
    pending_cards: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []

    def flush_cards() -> None:
        ids = _insert_returning(conn, assignment_t, [card for card, _scores in pending_cards])
        score_rows = []
        for (_card, scores), assignment_id in zip(pending_cards, ids, strict=True):
            for row in scores:
                row["assignment_id"] = assignment_id
            score_rows.extend(scores)
        _insert(conn, score_t, score_rows)
        counts["scores"] += len(score_rows)
        pending_cards.clear()

    for p_index in range(prizes):
        rnd = preselection[p_index]
        criteria = criteria_of[rnd.id]
        jury = list(jury_of[p_index])
        rng.shuffle(jury)
        load = dict.fromkeys(jury, 0)
        for app in submitted_of[p_index]:
            jury.sort(key=load.__getitem__)  # stable and nearly sorted already: linear, and a rotation
            chosen_jurors = []
            for uid in jury:
                if (uid, app.id) not in taken:
                    chosen_jurors.append(uid)
                    if len(chosen_jurors) == PER_APPLICATION:
                        break
            for uid in chosen_jurors:
                load[uid] += 1
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
                scores: list[dict[str, Any]] = []
                if status in ("submitted", "draft"):
                    answered = (
                        criteria if status == "submitted" else criteria[: rng.randint(1, len(criteria) - 1)]
                    )
                    for criterion in answered:
                        if status == "submitted" and not criterion.required and rng.random() < 0.2:
                            continue
                        low, high = int(criterion.min_value), int(criterion.max_value)
                        scores.append(
                            {
                                "criterion_id": criterion.id,
                                "value": _score(rng, low, high, app.quality, leniency[uid]),
                            }
                        )
                if status == "submitted":
                    card["submitted_at"] = _moment(rng, app.submitted_at + timedelta(days=1), now)
                    if rng.random() < 0.4:
                        card["comment"] = rng.choice(demo.COMMENTS[language_of[uid]])
                elif status == "abstained":
                    card["abstain_reason"] = ABSTAIN_REASONS[language_of[uid] == "en"]
                elif status == "recused":
                    taken.add((uid, app.id))
                    conflict_rows.append(
                        {
                            "user_id": uid,
                            "application_id": app.id,
                            "source": "declared",
                            "reason": RECUSE_REASON,
                            "created_at": now,
                            "updated_at": now,
                        }
                    )
                counts[f"scorecards_{status}"] += 1
                pending_cards.append((card, scores))
            if len(pending_cards) >= CHUNK:
                flush_cards()
    if pending_cards:
        flush_cards()
    counts["scorecards"] = sum(v for k, v in counts.items() if k.startswith("scorecards_"))
    _insert(conn, Conflict.__table__, conflict_rows)
    counts["conflicts"] = len(conflict_rows)
    lap("scorecards")

    counts = Counter({k: counts[k] for k in sorted(counts)})
    record(
        db,
        actor=None,
        action="edition.generated",
        obj=edition,
        edition_id=edition.id,
        after={"code": code, "seed": seed, "today": today.isoformat(), **dict(counts)},
    )
    db.flush()
    report.counts = dict(counts)
    return report


def table_counts(db: Session, edition: Edition) -> dict[str, int]:
    """Rows per table that belong to ``edition`` (one COUNT each)."""
    from sqlalchemy import func

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
