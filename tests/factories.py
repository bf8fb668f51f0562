"""Callable factories (Indico-style): each builds a valid object with overridable fields and flushes."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from werkzeug.security import generate_password_hash

from judging.accounts.models import User
from judging.applications.models import Application
from judging.core.models import utcnow
from judging.editions.models import Criterion, Edition, Prize, Question, Round
from judging.jury.models import Assignment, Conflict, CriterionScore, JuryMembership

PASSWORD = "Correct-horse-42"
_counter = itertools.count(1)


class Factory:
    def __init__(self, db) -> None:
        self.db = db

    def _add(self, obj):
        self.db.add(obj)
        self.db.flush()
        return obj

    def user(
        self,
        *,
        email: str | None = None,
        roles: list[str] | tuple[str, ...] = ("candidate",),
        password: str | None = PASSWORD,
        confirmed: bool = True,
        **fields: Any,
    ) -> User:
        n = next(_counter)
        user = User(
            email=email or f"person{n}@example.org",
            name=fields.pop("name", f"Person {n}"),
            password_hash=generate_password_hash(password, "pbkdf2:sha256:1000") if password else None,
            email_confirmed_at=utcnow() if confirmed else None,
            **fields,
        )
        for role in roles:
            user.add_role(role)
        return self._add(user)

    def edition(self, *, code: str | None = None, open_now: bool = True, **fields: Any) -> Edition:
        n = next(_counter)
        now = utcnow()
        edition = Edition(
            code=code or f"ed-{n}",
            name=fields.pop("name", {"fr": f"Édition {n}", "en": f"Edition {n}"}),
            timezone="America/Montreal",
            applications_open=fields.pop("applications_open", now - timedelta(days=10)),
            applications_close=fields.pop(
                "applications_close", now + timedelta(days=10) if open_now else now - timedelta(days=1)
            ),
            ceremony_at=fields.pop("ceremony_at", now + timedelta(days=40)),
            **fields,
        )
        return self._add(edition)

    def prize(self, edition: Edition | None = None, **fields: Any) -> Prize:
        n = next(_counter)
        edition = edition or self.edition()
        prize = Prize(
            edition=edition,
            code=fields.pop("code", f"prize-{n}"),
            name=fields.pop("name", {"fr": f"Prix {n}", "en": f"Award {n}"}),
            description=fields.pop("description", {"fr": "Description", "en": "Description"}),
            finalists=fields.pop("finalists", 3),
            position=fields.pop("position", n),
            **fields,
        )
        return self._add(prize)

    def round(self, prize: Prize | None = None, *, criteria: int = 2, **fields: Any) -> Round:
        prize = prize or self.prize()
        rnd = Round(
            prize=prize,
            code=fields.pop("code", "preselection"),
            method=fields.pop("method", "mean"),
            jurors_per_application=fields.pop("jurors_per_application", 3),
            tie_break=fields.pop("tie_break", ["median"]),
            phase=fields.pop("phase", "judging"),
            **fields,
        )
        self._add(rnd)
        for i in range(criteria):
            self.criterion(rnd, code=f"c{i + 1}", position=i)
        return rnd

    def criterion(self, rnd: Round, **fields: Any) -> Criterion:
        code = fields.pop("code", f"c{next(_counter)}")
        criterion = Criterion(
            round=rnd,
            code=code,
            name=fields.pop("name", {"fr": f"Critère {code}", "en": f"Criterion {code}"}),
            weight=Decimal(fields.pop("weight", 1)),
            min_value=Decimal(fields.pop("min_value", 0)),
            max_value=Decimal(fields.pop("max_value", 10)),
            required=fields.pop("required", True),
            **fields,
        )
        return self._add(criterion)

    def question(self, prize: Prize, **fields: Any) -> Question:
        n = next(_counter)
        question = Question(
            prize=prize,
            code=fields.pop("code", f"q{n}"),
            label=fields.pop("label", {"fr": f"Question {n}", "en": f"Question {n}"}),
            type=fields.pop("type", "text"),
            required=fields.pop("required", False),
            position=fields.pop("position", n),
            **fields,
        )
        return self._add(question)

    def application(
        self, prize: Prize | None = None, *, applicant: User | None = None, **fields: Any
    ) -> Application:
        n = next(_counter)
        prize = prize or self.prize()
        status = fields.pop("status", "submitted")
        application = Application(
            edition_id=prize.edition_id,
            prize=prize,
            ref=fields.pop("ref", f"APP-{n:04d}"),
            status=status,
            submitted_at=fields.pop("submitted_at", utcnow() if status != "draft" else None),
            title=fields.pop("title", f"Projet {n}"),
            language=fields.pop("language", "fr"),
            applicant=applicant,
            contact_email=fields.pop(
                "contact_email", applicant.email if applicant else f"contact{n}@example.com"
            ),
            org_name=fields.pop("org_name", f"Organisation {n} inc."),
            org_type=fields.pop("org_type", "startup"),
            region=fields.pop("region", "montreal"),
            country=fields.pop("country", "CA"),
            city=fields.pop("city", "Montréal"),
            # a submitted application has answered the form's publication question: yes unless told
            publication_consent=fields.pop("publication_consent", True if status != "draft" else None),
            **fields,
        )
        return self._add(application)

    def jury(self, rnd: Round, *jurors: User) -> list[JuryMembership]:
        return [self._add(JuryMembership(round=rnd, user=juror)) for juror in jurors]

    def conflict(self, juror: User, application: Application, **fields: Any) -> Conflict:
        return self._add(
            Conflict(user=juror, application=application, source=fields.pop("source", "declared"), **fields)
        )

    def scorecard(
        self,
        rnd: Round,
        juror: User,
        application: Application,
        *,
        scores: dict[str, Any] | None = None,
        status: str = "submitted",
        **fields: Any,
    ) -> Assignment:
        assignment = Assignment(
            round=rnd,
            juror=juror,
            application=application,
            status=status,
            submitted_at=utcnow() if status == "submitted" else None,
            **fields,
        )
        self._add(assignment)
        by_code = {c.code: c for c in rnd.criteria}
        for code, value in (scores or {}).items():
            self._add(
                CriterionScore(assignment=assignment, criterion=by_code[code], value=Decimal(str(value)))
            )
        return assignment


def aware(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
