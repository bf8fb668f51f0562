"""The edition exchange format (``judging-edition/1``): validate, import, export.

The contract is ``spec/edition-format.md``; docs/exchange.md lists what we add.

- ``validate(doc)`` returns every error, each with the JSON path it is about.
- ``import_edition(db, doc)`` is all-or-nothing: it validates first and raises
  ``ImportFailed`` with all the errors, changing nothing. It flushes and
  writes one audit event; the caller commits.
- ``export_edition(db, edition)`` gives back the document in canonical form:
  ``export(import(doc)) == doc`` for a valid document in canonical form (keys
  with a default always written, optional keys without a value left out,
  times in the edition's time zone).
"""

from __future__ import annotations

import copy
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from judging.accounts.models import LANGUAGES, ROLES, EditionPerson, Organization, User
from judging.applications.models import (
    APPLICATION_STATUSES,
    ORGANIZATION_TYPES,
    REGIONS,
    Answer,
    Application,
    Attachment,
    Submission,
)
from judging.core.audit import record
from judging.core.forms import YEAR_MAX, YEAR_MIN
from judging.core.web_input import INT_MAX, UNWANTED_CHARACTERS
from judging.editions.models import (
    METHODS,
    PHASES,
    QUESTION_TYPES,
    TIE_BREAK_SIMPLE,
    Criterion,
    Edition,
    Prize,
    Question,
    Round,
)
from judging.jury.engine.names import normalize_org_name
from judging.jury.models import (
    CONFLICT_SOURCES,
    SCORECARD_STATUSES,
    Assignment,
    Conflict,
    CriterionScore,
    JuryMembership,
)
from judging.results.models import OUTCOMES, Decision, ResultSnapshot

FORMAT = "judging-edition/1"
TOP_LEVEL_LISTS = ("prizes", "people", "juries", "applications", "conflicts", "scorecards", "decisions")
DEFAULT_TIMEZONE = "America/Montreal"
DEFAULT_CONFLICT_SOURCE = "imported"
DEFAULT_PHASE = "setup"
# "assigned" (a scorecard not started yet) is our addition to the spec's four statuses.
SCORECARD_VALUES = ("submitted", "draft", "abstained", "recused", "assigned")
assert set(SCORECARD_VALUES) == set(SCORECARD_STATUSES)

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+$")
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
NUMERIC_LIMIT = Decimal(10) ** 8  # Numeric(12, 4)
#: the format nests 6 levels at most; anything deeper is refused before it is walked
MAX_DEPTH = 20
CHUNK = 500


# Errors -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExchangeError:
    """One problem in a document: where (JSON path), what (stable code), and a translatable message."""

    path: str
    code: str
    message: Any

    def __str__(self) -> str:
        return f"{self.path or '(document)'}: {self.message}"


class ImportFailed(Exception):
    """The document was refused; ``errors`` lists every problem. Nothing was changed."""

    def __init__(self, errors: list[ExchangeError]) -> None:
        super().__init__(f"{len(errors)} error(s) in the edition document")
        self.errors = errors


# Validation ---------------------------------------------------------------------------------------


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _show(value: Any) -> str:
    return repr(value) if not isinstance(value, str) else f'"{value}"'


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def to_decimal(value: int | float) -> Decimal:
    return Decimal(value) if isinstance(value, int) else Decimal(str(value))


def parse_time(value: Any) -> datetime | None:
    """An aware datetime from an ISO 8601 string with an offset, else None."""
    if not isinstance(value, str) or "T" not in value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None and parsed.utcoffset() is not None else None


def _consent_time(application: dict[str, Any]) -> datetime | None:
    """When the publication consent was answered: as given, else the submission time (None: no answer)."""
    if application.get("publication_consent") is None:
        return None
    given = parse_time(application.get("publication_consent_at"))
    return given or parse_time(application.get("submitted_at"))


@dataclass
class _PrizeIndex:
    path: str
    rounds: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # round → criterion → spec
    round_paths: dict[str, str] = field(default_factory=dict)
    questions: dict[str, dict[str, Any]] = field(default_factory=dict)


class _Validator:
    def __init__(self) -> None:
        self.errors: list[ExchangeError] = []
        self.prizes: dict[str, _PrizeIndex] = {}
        self.people: dict[str, dict[str, Any]] = {}  # lower email → {"path", "roles"}
        self.applications: dict[str, dict[str, Any]] = {}  # ref → {"path", "prize", "status"}
        self.juries: dict[tuple[str, str], set[str]] = {}
        self.conflicts: dict[tuple[str, str], bool] = {}  # (email, ref) → active
        self.receipts: dict[str, str] = {}  # receipt number → path

    # primitive checks -------------------------------------------------------------------------

    def error(self, path: str, code: str, message: Any) -> None:
        self.errors.append(ExchangeError(path, code, message))

    def obj(self, value: Any, path: str) -> dict | None:
        if not isinstance(value, dict):
            self.error(path, "type", _l("Must be an object."))
            return None
        return value

    def present(self, d: dict, key: str, path: str, required: bool) -> bool:
        """Whether ``d[key]`` holds a value (null counts as absent); reports a missing required key."""
        if d.get(key) is None:
            if required:
                self.error(_join(path, key), "required", _l("This field is required."))
            return False
        return True

    def string(
        self,
        d: dict,
        key: str,
        path: str,
        *,
        required: bool = False,
        max_len: int | None = None,
        nonempty: bool = False,
    ) -> str | None:
        if not self.present(d, key, path, required):
            return None
        value, where = d[key], _join(path, key)
        if not isinstance(value, str):
            self.error(where, "type", _l("Must be a string."))
            return None
        if nonempty and not value.strip():
            self.error(where, "empty", _l("Must not be empty."))
            return None
        if max_len is not None and len(value) > max_len:
            self.error(where, "length", _l("At most %(max)d characters.", max=max_len))
            return None
        return value

    def code(self, d: dict, key: str, path: str, *, max_len: int = 60) -> str | None:
        value = self.string(d, key, path, required=True, max_len=max_len)
        if value is not None and not CODE_RE.match(value):
            self.error(
                _join(path, key),
                "code",
                _l(
                    "A code may contain only letters, digits, '-', '_' and '.', and starts with a "
                    "letter or digit."
                ),
            )
            return None
        return value

    def email(self, d: dict, key: str, path: str, *, required: bool = False) -> str | None:
        value = self.string(d, key, path, required=required, max_len=320)
        if value is not None and not EMAIL_RE.match(value):
            self.error(_join(path, key), "email", _l("Not an email address."))
            return None
        return value

    def text(self, d: dict, key: str, path: str, *, required: bool = False) -> None:
        """Text meant for people: a string or ``{"fr": str, "en": str}``."""
        if not self.present(d, key, path, required):
            return
        value = d[key]
        if isinstance(value, str):
            return
        if (
            isinstance(value, dict)
            and set(value) == {"fr", "en"}
            and all(isinstance(v, str) for v in value.values())
        ):
            return
        self.error(
            _join(path, key), "text", _l('Text must be a string or an object with "fr" and "en" strings.')
        )

    def enum(
        self, d: dict, key: str, path: str, allowed: tuple[str, ...], *, required: bool = False
    ) -> str | None:
        if not self.present(d, key, path, required):
            return None
        value = d[key]
        if not isinstance(value, str) or value not in allowed:
            self.error(
                _join(path, key),
                "enum",
                _l(
                    "Unknown value %(value)s; expected one of: %(allowed)s.",
                    value=_show(value),
                    allowed=", ".join(allowed),
                ),
            )
            return None
        return value

    def boolean(self, d: dict, key: str, path: str, *, required: bool = False) -> bool | None:
        if not self.present(d, key, path, required):
            return None
        if not isinstance(d[key], bool):
            self.error(_join(path, key), "type", _l("Must be true or false."))
            return None
        return d[key]

    def integer(
        self,
        d: dict,
        key: str,
        path: str,
        *,
        required: bool = False,
        minimum: int = 0,
        maximum: int = INT_MAX,
    ) -> int | None:
        if not self.present(d, key, path, required):
            return None
        value, where = d[key], _join(path, key)
        if not isinstance(value, int) or isinstance(value, bool):
            self.error(where, "type", _l("Must be a whole number."))
            return None
        if value < minimum:
            self.error(where, "range", _l("Must be at least %(min)d.", min=minimum))
            return None
        if value > maximum:
            self.error(where, "range", _l("Must be at most %(max)d.", max=maximum))
            return None
        return value

    def number(self, value: Any, where: str) -> Decimal | None:
        if not _is_number(value) or (isinstance(value, float) and not math.isfinite(value)):
            self.error(where, "type", _l("Must be a number."))
            return None
        try:
            number = to_decimal(value)
        except InvalidOperation:  # pragma: no cover (finite floats always convert)
            self.error(where, "type", _l("Must be a number."))
            return None
        if abs(number) >= NUMERIC_LIMIT:
            self.error(where, "range", _l("Must be smaller than 100,000,000 in absolute value."))
            return None
        if number != number.quantize(Decimal("0.0001"), rounding="ROUND_HALF_EVEN"):
            self.error(where, "precision", _l("At most 4 decimal places."))
            return None
        return number

    def time(self, d: dict, key: str, path: str, *, required: bool = False) -> datetime | None:
        if not self.present(d, key, path, required):
            return None
        parsed = parse_time(d[key])
        if parsed is None:
            self.error(
                _join(path, key),
                "time",
                _l("Not an ISO 8601 time with an offset (for example 2023-05-01T09:00:00-04:00)."),
            )
        elif not YEAR_MIN <= parsed.year <= YEAR_MAX:
            self.error(
                _join(path, key),
                "time-range",
                _l("Enter a year between %(min)d and %(max)d.", min=YEAR_MIN, max=YEAR_MAX),
            )
            return None
        return parsed

    def items(self, d: dict, key: str, path: str, *, required: bool = False) -> list[tuple[int, str, Any]]:
        """``(index, path, value)`` for each element of the list ``d[key]`` (none when absent or wrong)."""
        if not self.present(d, key, path, required):
            return []
        value, where = d[key], _join(path, key)
        if not isinstance(value, list):
            self.error(where, "type", _l("Must be a list."))
            return []
        return [(i, f"{where}[{i}]", item) for i, item in enumerate(value)]

    def mapping(self, d: dict, key: str, path: str) -> dict:
        if not self.present(d, key, path, False):
            return {}
        if not isinstance(d[key], dict):
            self.error(_join(path, key), "type", _l("Must be an object."))
            return {}
        return d[key]

    def unique(self, seen: dict[str, str], key: str, where: str, code: str = "duplicate") -> bool:
        if key in seen:
            self.error(
                where,
                code,
                _l("Duplicate %(value)s (already used at %(first)s).", value=_show(key), first=seen[key]),
            )
            return False
        seen[key] = where
        return True

    def person(self, value: Any, where: str) -> str | None:
        """The lower-cased email of a listed person, or None after reporting the error."""
        if not isinstance(value, str):
            self.error(where, "type", _l("Must be a string."))
            return None
        if value.lower() not in self.people:
            self.error(where, "unknown-person", _l("No person with email %(email)s in people.", email=value))
            return None
        return value.lower()

    def prize_ref(self, d: dict, key: str, path: str) -> _PrizeIndex | None:
        code = self.string(d, key, path, required=True)
        if code is None:
            return None
        if code not in self.prizes:
            self.error(_join(path, key), "unknown-prize", _l("Unknown prize %(code)s.", code=_show(code)))
            return None
        return self.prizes[code]

    def round_ref(
        self, d: dict, key: str, path: str, prize_code: str | None, prize: _PrizeIndex | None
    ) -> str | None:
        code = self.string(d, key, path, required=True)
        if code is None or prize is None:
            return None
        if code not in prize.rounds:
            self.error(
                _join(path, key),
                "unknown-round",
                _l("Unknown round %(code)s in prize %(prize)s.", code=_show(code), prize=_show(prize_code)),
            )
            return None
        return code

    def application_ref(self, d: dict, key: str, path: str) -> dict | None:
        ref = self.string(d, key, path, required=True)
        if ref is None:
            return None
        if ref not in self.applications:
            self.error(
                _join(path, key), "unknown-application", _l("Unknown application %(ref)s.", ref=_show(ref))
            )
            return None
        return self.applications[ref]

    # sections ---------------------------------------------------------------------------------

    def document(self, doc: Any) -> None:
        if not isinstance(doc, dict):
            self.error("", "type", _l("The document must be a JSON object."))
            return
        if doc.get("format") != FORMAT:
            if "format" not in doc:
                self.error("format", "required", _l("This field is required."))
            else:
                self.error(
                    "format",
                    "format",
                    _l(
                        "Unsupported format %(value)s; expected %(expected)s.",
                        value=_show(doc.get("format")),
                        expected=_show(FORMAT),
                    ),
                )
        if (
            self.present(doc, "edition", "", True)
            and (edition := self.obj(doc["edition"], "edition")) is not None
        ):
            self.edition(edition)
        sections = {name: self.items(doc, name, "") for name in TOP_LEVEL_LISTS}
        codes: dict[str, str] = {}
        for _i, path, prize in sections["prizes"]:
            self.prize(prize, path, codes)
        emails: dict[str, str] = {}
        for _i, path, person in sections["people"]:
            self.person_entry(person, path, emails)
        for _i, path, jury in sections["juries"]:
            self.jury(jury, path)
        refs: dict[str, str] = {}
        for _i, path, application in sections["applications"]:
            self.application(application, path, refs)
        for _i, path, conflict in sections["conflicts"]:
            self.conflict(conflict, path)
        scorecards: dict[tuple[str, str, str, str], str] = {}
        for _i, path, scorecard in sections["scorecards"]:
            self.scorecard(scorecard, path, scorecards)
        decisions: dict[tuple[str, str, str], str] = {}
        for _i, path, decision in sections["decisions"]:
            self.decision(decision, path, decisions)

    def edition(self, d: dict) -> None:
        path = "edition"
        self.code(d, "code", path)
        self.text(d, "name", path, required=True)
        zone = self.string(d, "timezone", path, max_len=60)
        if zone is not None:
            try:
                ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError):
                self.error(
                    _join(path, "timezone"), "timezone", _l("Unknown time zone %(value)s.", value=_show(zone))
                )
        opens = self.time(d, "applications_open", path, required=True)
        closes = self.time(d, "applications_close", path, required=True)
        if opens is not None and closes is not None and closes <= opens:
            self.error(
                _join(path, "applications_close"),
                "order",
                _l("Must be later than %(other)s.", other="applications_open"),
            )
        for key in ("ceremony_at", "finalists_public_at", "winners_public_at"):
            self.time(d, key, path)
        self.text(d, "publication_consent_text", path)

    def prize(self, value: Any, path: str, codes: dict[str, str]) -> None:
        d = self.obj(value, path)
        if d is None:
            return
        code = self.code(d, "code", path)
        index = _PrizeIndex(path)
        if code is not None and self.unique(codes, code, _join(path, "code")):
            self.prizes[code] = index
        self.text(d, "name", path, required=True)
        self.text(d, "description", path)
        self.text(d, "eligibility", path)
        self.string(d, "sponsor", path, max_len=300)
        if self.present(d, "presenter", path, False) and (
            presenter := self.obj(d["presenter"], _join(path, "presenter"))
        ):
            where = _join(path, "presenter")
            self.string(presenter, "name", where, required=True, max_len=200, nonempty=True)
            self.string(presenter, "title", where, max_len=200)
            self.string(presenter, "title_en", where, max_len=200)
            self.string(presenter, "organization", where, max_len=300)
        self.integer(d, "finalists", path, minimum=0)
        round_codes: dict[str, str] = {}
        for _i, rpath, rnd in self.items(d, "rounds", path):
            self.round(rnd, rpath, round_codes, index)
        question_codes: dict[str, str] = {}
        for _i, qpath, question in self.items(d, "questions", path):
            self.question(question, qpath, question_codes, index)

    def round(self, value: Any, path: str, codes: dict[str, str], prize: _PrizeIndex) -> None:
        d = self.obj(value, path)
        if d is None:
            return
        code = self.code(d, "code", path)
        criteria: dict[str, dict[str, Any]] = {}
        if code is not None and self.unique(codes, code, _join(path, "code")):
            prize.rounds[code] = criteria
            prize.round_paths[code] = path
        self.text(d, "name", path)
        self.enum(d, "method", path, METHODS, required=True)
        self.integer(d, "jurors_per_application", path, minimum=1)
        self.enum(d, "phase", path, PHASES)
        self.boolean(d, "blind", path)
        self.time(d, "judging_closes_at", path)
        criterion_codes: dict[str, str] = {}
        for _i, cpath, criterion in self.items(d, "criteria", path):
            self.criterion(criterion, cpath, criterion_codes, criteria)
        for _i, tpath, entry in self.items(d, "tie_break", path):
            if not isinstance(entry, str):
                self.error(tpath, "type", _l("Must be a string."))
            elif entry.startswith("criterion:"):
                wanted = entry.removeprefix("criterion:")
                if wanted not in criterion_codes:
                    self.error(
                        tpath,
                        "unknown-criterion",
                        _l("Unknown criterion %(code)s in this round.", code=_show(wanted)),
                    )
            elif entry not in TIE_BREAK_SIMPLE:
                self.error(
                    tpath,
                    "enum",
                    _l(
                        "Unknown value %(value)s; expected one of: %(allowed)s.",
                        value=_show(entry),
                        allowed=", ".join(("criterion:CODE", *TIE_BREAK_SIMPLE)),
                    ),
                )

    def criterion(
        self, value: Any, path: str, codes: dict[str, str], criteria: dict[str, dict[str, Any]]
    ) -> None:
        d = self.obj(value, path)
        if d is None:
            return
        code = self.code(d, "code", path)
        self.text(d, "name", path, required=True)
        self.text(d, "guidance", path)
        numbers: dict[str, Decimal | None] = {}
        for key in ("weight", "min", "max"):
            numbers[key] = self.number(d[key], _join(path, key)) if self.present(d, key, path, True) else None
        if numbers["weight"] is not None and numbers["weight"] <= 0:
            self.error(_join(path, "weight"), "range", _l("Must be greater than zero."))
        low, high = numbers["min"], numbers["max"]
        if low is not None and high is not None and high <= low:
            self.error(
                _join(path, "max"), "range", _l("Must be greater than min (%(min)s).", min=_number_out(low))
            )
            low = high = None
        required = self.boolean(d, "required", path)
        if code is not None and self.unique(codes, code, _join(path, "code")):
            criteria[code] = {"min": low, "max": high, "required": required is not False}

    def question(self, value: Any, path: str, codes: dict[str, str], prize: _PrizeIndex) -> None:
        d = self.obj(value, path)
        if d is None:
            return
        code = self.code(d, "code", path)
        self.text(d, "label", path, required=True)
        self.text(d, "help", path)
        kind = self.enum(d, "type", path, QUESTION_TYPES, required=True)
        self.boolean(d, "required", path)
        self.boolean(d, "identifying", path)
        max_words = self.integer(d, "max_words", path, minimum=1)
        if max_words is not None and kind is not None and kind not in ("text", "long-text"):
            self.error(_join(path, "max_words"), "not-allowed", _l("Only text questions have a word limit."))
        options: list[str] = []
        if kind == "choice" and not self.present(d, "options", path, False):
            self.error(_join(path, "options"), "required", _l("A choice question needs options."))
        elif kind is not None and kind != "choice" and self.present(d, "options", path, False):
            self.error(_join(path, "options"), "not-allowed", _l("Only choice questions have options."))
        else:
            option_codes: dict[str, str] = {}
            entries = self.items(d, "options", path)
            if kind == "choice" and isinstance(d.get("options"), list) and not entries:
                self.error(_join(path, "options"), "required", _l("A choice question needs options."))
            for _i, opath, option in entries:
                o = self.obj(option, opath)
                if o is None:
                    continue
                ocode = self.code(o, "code", opath)
                self.text(o, "label", opath, required=True)
                if ocode is not None and self.unique(option_codes, ocode, _join(opath, "code")):
                    options.append(ocode)
        if code is not None and self.unique(codes, code, _join(path, "code")):
            prize.questions[code] = {"type": kind, "options": options}

    def person_entry(self, value: Any, path: str, emails: dict[str, str]) -> None:
        d = self.obj(value, path)
        if d is None:
            return
        email = self.email(d, "email", path, required=True)
        self.string(d, "name", path, max_len=200)
        self.string(d, "organization", path, max_len=300)
        self.string(d, "title", path, max_len=200)
        self.enum(d, "language", path, LANGUAGES)
        roles: set[str] = set()
        seen_roles: dict[str, str] = {}
        for _i, rpath, role in self.items(d, "roles", path):
            if not isinstance(role, str) or role not in ROLES:
                self.error(
                    rpath,
                    "enum",
                    _l(
                        "Unknown value %(value)s; expected one of: %(allowed)s.",
                        value=_show(role),
                        allowed=", ".join(ROLES),
                    ),
                )
            elif self.unique(seen_roles, role, rpath):
                roles.add(role)
        if email is not None and self.unique(emails, email.lower(), _join(path, "email")):
            self.people[email.lower()] = {"path": path, "roles": roles}

    def application(self, value: Any, path: str, refs: dict[str, str]) -> None:
        d = self.obj(value, path)
        if d is None:
            return
        ref = self.string(d, "ref", path, required=True, max_len=40, nonempty=True)
        prize_code = d.get("prize") if isinstance(d.get("prize"), str) else None
        prize = self.prize_ref(d, "prize", path)
        status = self.enum(d, "status", path, APPLICATION_STATUSES, required=True)
        self.time(d, "submitted_at", path)
        self.string(d, "title", path, max_len=300)
        self.string(d, "summary", path)
        self.enum(d, "language", path, LANGUAGES)
        self.email(d, "contact", path)
        self.string(d, "contact_name", path, max_len=200)
        self.string(d, "website", path, max_len=500)
        self.boolean(d, "led_by_woman", path)
        self.boolean(d, "publication_consent", path)
        self.time(d, "publication_consent_at", path)
        if self.present(d, "organization", path, False):
            where = _join(path, "organization")
            org = self.obj(d["organization"], where)
            if org is not None:
                self.string(org, "name", where, max_len=300)
                self.enum(org, "type", where, ORGANIZATION_TYPES)
                self.enum(org, "region", where, REGIONS)
                country = self.string(org, "country", where)
                if country is not None and not COUNTRY_RE.match(country):
                    self.error(
                        _join(where, "country"),
                        "country",
                        _l("Must be a two-letter country code in capitals (ISO 3166-1), like CA."),
                    )
                self.string(org, "city", where, max_len=120)
                if not any(org.get(k) is not None for k in ("name", "type", "region", "country", "city")):
                    self.error(where, "empty", _l("Give at least one of name, type, region, country, city."))
        answers = self.mapping(d, "answers", path)
        if prize is not None:
            for key, answer in answers.items():
                self.answer(answer, f"{path}.answers.{key}", key, prize, prize_code)
        for _, where, item in self.items(d, "submissions", path):
            self.submission(item, where)
        if ref is not None and self.unique(refs, ref, _join(path, "ref")):
            self.applications[ref] = {"path": path, "prize": prize_code if prize else None, "status": status}

    def submission(self, value: Any, path: str) -> None:
        """One entry of ``applications[].submissions``: a submission as it was sent (its receipt)."""
        d = self.obj(value, path)
        if d is None:
            return
        self.time(d, "submitted_at", path, required=True)
        receipt = (
            self.code(d, "receipt_number", path, max_len=40) if d.get("receipt_number") is not None else None
        )
        if receipt is not None:
            self.unique(self.receipts, receipt, _join(path, "receipt_number"))
        self.string(d, "fingerprint", path, max_len=64)
        self.enum(d, "language", path, LANGUAGES)
        if d.get("content") is not None:
            self.mapping(d, "content", path)
        self.mapping(d, "context", path)

    def answer(self, value: Any, where: str, code: str, prize: _PrizeIndex, prize_code: str | None) -> None:
        question = prize.questions.get(code)
        if question is None:
            self.error(
                where,
                "unknown-question",
                _l(
                    "Unknown question %(code)s in prize %(prize)s.", code=_show(code), prize=_show(prize_code)
                ),
            )
            return
        kind = question["type"]
        if kind in (None, "file") or value is None:  # an unknown type is reported at the question
            return  # files are not carried in the document
        if kind == "yes-no":
            if not isinstance(value, bool):
                self.error(where, "type", _l("Must be true or false."))
        elif not isinstance(value, str):
            self.error(where, "type", _l("Must be a string."))
        elif kind == "choice" and value not in question["options"]:
            self.error(
                where,
                "enum",
                _l(
                    "Unknown value %(value)s; expected one of: %(allowed)s.",
                    value=_show(value),
                    allowed=", ".join(question["options"]),
                ),
            )

    def jury(self, value: Any, path: str) -> None:
        d = self.obj(value, path)
        if d is None:
            return
        prize_code = d.get("prize")
        prize = self.prize_ref(d, "prize", path)
        round_code = self.round_ref(d, "round", path, prize_code, prize)
        # "Any list may be empty or left out" (the spec): a jury not chosen yet has no juror
        entries = self.items(d, "jurors", path)
        members: set[str] = set()
        seen: dict[str, str] = {}
        for _i, jpath, juror in entries:
            email = self.person(juror, jpath)
            if email is None or not self.unique(seen, email, jpath):
                continue
            members.add(email)
            if "juror" not in self.people[email]["roles"]:
                self.error(jpath, "role", _l("%(email)s needs the juror role to sit on a jury.", email=juror))
        for _i, cpath, chair in self.items(d, "chairs", path):
            email = self.person(chair, cpath)
            if email is not None and email not in members:
                self.error(cpath, "not-juror", _l("%(email)s is not among this jury's jurors.", email=chair))
        if round_code is not None:
            key = (prize_code, round_code)
            if key in self.juries:
                self.error(
                    _join(path, "round"),
                    "duplicate",
                    _l(
                        "Another jury is already listed for prize %(prize)s, round %(round)s.",
                        prize=_show(prize_code),
                        round=_show(round_code),
                    ),
                )
            else:
                self.juries[key] = members

    def conflict(self, value: Any, path: str) -> None:
        d = self.obj(value, path)
        if d is None:
            return
        email = (
            self.person(d.get("juror"), _join(path, "juror"))
            if self.present(d, "juror", path, True)
            else None
        )
        application = self.application_ref(d, "application", path)
        self.string(d, "reason", path)
        self.enum(d, "source", path, CONFLICT_SOURCES)
        lifted = self.time(d, "lifted_at", path)
        reason = self.string(d, "lift_reason", path)
        if lifted is not None and reason is None:
            self.error(_join(path, "lift_reason"), "required", _l("Say why the conflict was lifted."))
        if email is not None and application is not None:
            key = (email, d["application"])
            if key in self.conflicts:
                self.error(path, "duplicate", _l("This conflict is already listed."))
            self.conflicts[key] = lifted is None

    def scores(self, scores: dict, path: str, criteria: dict | None, round_code: Any) -> None:
        """Each score a number of the round's criteria (when the round is known), within its scale."""
        for key, score in scores.items():
            where = f"{path}.scores.{key}"
            number = self.number(score, where)
            if criteria is None:
                continue
            spec = criteria.get(key)
            if spec is None:
                self.error(
                    where,
                    "unknown-criterion",
                    _l(
                        "Unknown criterion %(code)s in round %(round)s.",
                        code=_show(key),
                        round=_show(round_code),
                    ),
                )
            elif (
                number is not None
                and spec["min"] is not None
                and spec["max"] is not None
                and not spec["min"] <= number <= spec["max"]
            ):
                self.error(
                    where,
                    "range",
                    _l(
                        "Score %(value)s is outside [%(min)s, %(max)s].",
                        value=_number_out(number),
                        min=_number_out(spec["min"]),
                        max=_number_out(spec["max"]),
                    ),
                )

    def scorecard(self, value: Any, path: str, seen: dict[tuple[str, str, str, str], str]) -> None:
        d = self.obj(value, path)
        if d is None:
            return
        prize_code = d.get("prize")
        prize = self.prize_ref(d, "prize", path)
        round_code = self.round_ref(d, "round", path, prize_code, prize)
        email = (
            self.person(d.get("juror"), _join(path, "juror"))
            if self.present(d, "juror", path, True)
            else None
        )
        application = self.application_ref(d, "application", path)
        status = self.enum(d, "status", path, SCORECARD_VALUES, required=True)
        self.string(d, "comment", path)
        self.string(d, "abstain_reason", path)
        self.time(d, "submitted_at", path)
        scores = self.mapping(d, "scores", path)
        criteria = prize.rounds.get(round_code, {}) if prize is not None and round_code is not None else None
        self.scores(scores, path, criteria, round_code)
        # An abstained or recused scorecard may carry scores (scored, then stepped back, in another
        # tool): they are kept as a record and never count (only submitted scorecards do).
        if status == "submitted" and criteria is not None:
            for code, spec in criteria.items():
                if spec["required"] and scores.get(code) is None:
                    self.error(
                        _join(path, "scores"),
                        "missing-score",
                        _l(
                            "A submitted scorecard must score the required criterion %(code)s.",
                            code=_show(code),
                        ),
                    )
        if application is not None and prize is not None and application["prize"] not in (None, prize_code):
            self.error(
                _join(path, "application"),
                "wrong-prize",
                _l(
                    "Application %(ref)s belongs to prize %(other)s, not %(prize)s.",
                    ref=_show(d["application"]),
                    other=_show(application["prize"]),
                    prize=_show(prize_code),
                ),
            )
        if application is not None and application["status"] == "draft":
            self.error(_join(path, "application"), "draft", _l("A draft application cannot be scored."))
        if email is None or round_code is None or application is None:
            return
        members = self.juries.get((prize_code, round_code))
        if members is None or email not in members:
            self.error(
                _join(path, "juror"),
                "not-in-jury",
                _l(
                    "%(email)s is not in the jury of prize %(prize)s, round %(round)s.",
                    email=d["juror"],
                    prize=_show(prize_code),
                    round=_show(round_code),
                ),
            )
        if self.conflicts.get((email, d["application"])) and status not in ("recused", "abstained"):
            self.error(
                _join(path, "juror"),
                "conflict",
                _l(
                    "%(email)s has a conflict of interest with %(ref)s: only a recused or abstained "
                    "scorecard is possible.",
                    email=d["juror"],
                    ref=_show(d["application"]),
                ),
            )
        key = (prize_code, round_code, email, d["application"])
        if key in seen:
            self.error(path, "duplicate", _l("Duplicate scorecard (already at %(first)s).", first=seen[key]))
        else:
            seen[key] = path

    def decision(self, value: Any, path: str, seen: dict[tuple[str, str, str], str]) -> None:
        d = self.obj(value, path)
        if d is None:
            return
        prize_code = d.get("prize")
        prize = self.prize_ref(d, "prize", path)
        application = self.application_ref(d, "application", path)
        outcome = self.enum(d, "outcome", path, OUTCOMES, required=True)
        self.string(d, "reason", path)
        self.text(d, "citation", path)
        if self.present(d, "round", path, False):
            self.round_ref(d, "round", path, prize_code, prize)
        if prize is not None and application is not None and outcome is not None:
            key = (prize_code, d["application"], outcome)
            if key in seen:
                self.error(
                    path, "duplicate", _l("Duplicate decision (already at %(first)s).", first=seen[key])
                )
            else:
                seen[key] = path


def validate(doc: Any) -> list[ExchangeError]:
    """Every error in ``doc``, in document order; an empty list means the document can be imported.

    A document nested too deeply or holding unusable characters is refused on that alone: the
    detailed checks (time zones, codes, ...) are not run on such values.
    """
    unusable = unusable_parts(doc)
    if unusable:
        return unusable
    validator = _Validator()
    validator.document(doc)
    return validator.errors


def unusable_parts(doc: Any) -> list[ExchangeError]:
    """Strings (keys too) with control characters or lone surrogates, and nesting past ``MAX_DEPTH``.

    A NUL cannot be stored by PostgreSQL and a lone surrogate cannot be shown on a page: both are
    refused with their path. Walked with a stack, not recursion, whatever the depth.
    """
    errors: list[ExchangeError] = []
    stack: list[tuple[Any, str, int]] = [(doc, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, str):
            if (found := UNWANTED_CHARACTERS.search(value)) is not None:
                errors.append(_character_error(path, found.group()))
        elif isinstance(value, dict | list) and depth >= MAX_DEPTH:
            errors.append(
                ExchangeError(path, "depth", _l("Nested more than %(max)d levels deep.", max=MAX_DEPTH))
            )
        elif isinstance(value, dict):
            for key, item in reversed(list(value.items())):
                if (found := UNWANTED_CHARACTERS.search(key)) is not None:
                    errors.append(_character_error(_join(path, ascii(key)), found.group()))
                else:
                    stack.append((item, _join(path, key), depth + 1))
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{i}]", depth + 1) for i, item in reversed(list(enumerate(value))))
    return errors


def _character_error(path: str, character: str) -> ExchangeError:
    return ExchangeError(
        path,
        "character",
        _l(
            "Contains a control character or a lone surrogate (U+%(code)s): remove it.",
            code=f"{ord(character):04X}",
        ),
    )


# Import -------------------------------------------------------------------------------------------


@dataclass
class ImportReport:
    edition: Edition
    counts: dict[str, int]
    replaced: bool


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


def _delete_edition(db: Session, edition_id: int) -> None:
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


def import_edition_report(
    db: Session, doc: Any, *, actor: User | None = None, replace: bool = False
) -> ImportReport:
    """Import ``doc`` (see ``import_edition``) and say what was created."""
    errors = validate(doc)
    if errors:
        raise ImportFailed(errors)
    doc = copy.deepcopy(doc)  # the stored JSON values must not share objects with the caller's document
    e = doc["edition"]
    existing_id = db.scalar(select(Edition.id).where(Edition.code == e["code"]))
    if existing_id is not None and not replace:
        raise ImportFailed(
            [
                ExchangeError(
                    "edition.code",
                    "exists",
                    _l(
                        "Edition %(code)s already exists; import with --replace to replace it.",
                        code=_show(e["code"]),
                    ),
                )
            ]
        )
    if existing_id is not None:
        _delete_edition(db, existing_id)
    _refuse_receipts_in_use(db, doc)

    counts: dict[str, int] = defaultdict(int)
    pending: list[Any] = []
    edition = Edition(
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
    db.add(edition)
    db.flush()  # EditionPerson has no relationship to Edition: it needs the id

    lists = {name: doc.get(name) or [] for name in TOP_LEVEL_LISTS}

    # People and organizations: one query each, whatever the number of rows.
    contacts = {a["contact"].lower() for a in lists["applications"] if a.get("contact")}
    users = _users_by_email(db, {p["email"].lower() for p in lists["people"]} | contacts)
    org_names = [p.get("organization") for p in lists["people"]]
    org_names += [(a.get("organization") or {}).get("name") for a in lists["applications"]]
    org_keys = {normalize_org_name(name) for name in org_names if name}
    org_keys.discard("")
    organizations = _organizations_by_key(db, org_keys)

    def organization(name: str | None) -> Organization | None:
        key = normalize_org_name(name)
        if not key:
            return None
        if key not in organizations:
            organizations[key] = Organization(name=name, normalized_name=key)
            pending.append(organizations[key])
            counts["organizations_created"] += 1
        return organizations[key]

    for position, p in enumerate(lists["people"]):
        user = users.get(p["email"].lower())
        if user is None:
            user = User(
                email=p["email"],
                name=p.get("name") or "",
                language=p.get("language") or "fr",
                organization_name=p.get("organization"),
                title=p.get("title"),
                organization=organization(p.get("organization")),
            )
            users[p["email"].lower()] = user
            pending.append(user)
            counts["people_created"] += 1
        else:  # an existing account keeps its profile; empty fields are filled, roles added
            user.name = user.name or p.get("name") or ""
            if user.organization_name is None and p.get("organization"):
                user.organization_name = p["organization"]
                user.organization = user.organization or organization(p["organization"])
            user.title = user.title or p.get("title")
        for role in p.get("roles") or []:
            user.add_role(role)
        pending.append(EditionPerson(edition_id=edition.id, user=user, position=position))
        counts["people"] += 1

    prizes: dict[str, Prize] = {}
    rounds: dict[tuple[str, str], Round] = {}
    criteria: dict[tuple[str, str, str], Criterion] = {}
    questions: dict[tuple[str, str], Question] = {}
    for position, p in enumerate(lists["prizes"]):
        presenter = p.get("presenter") or {}
        prize = Prize(
            edition=edition,
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
        prizes[p["code"]] = prize
        pending.append(prize)
        for rpos, r in enumerate(p.get("rounds") or []):
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
                position=rpos,
            )
            rounds[(p["code"], r["code"])] = rnd
            pending.append(rnd)
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
                criteria[(p["code"], r["code"], c["code"])] = criterion
                pending.append(criterion)
        for qpos, q in enumerate(p.get("questions") or []):
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
                position=qpos,
            )
            questions[(p["code"], q["code"])] = question
            pending.append(question)
    counts["prizes"], counts["rounds"] = len(prizes), len(rounds)
    counts["criteria"], counts["questions"] = len(criteria), len(questions)

    applications: dict[str, Application] = {}
    for a in lists["applications"]:
        org = a.get("organization") or {}
        contact = a.get("contact")
        application = Application(
            edition=edition,
            prize=prizes[a["prize"]],
            ref=a["ref"],
            status=a["status"],
            submitted_at=parse_time(a.get("submitted_at")),
            title=a.get("title") or "",
            summary=a.get("summary"),
            language=a.get("language"),
            contact_email=contact,
            contact_name=a.get("contact_name"),
            applicant=users.get(contact.lower()) if contact else None,
            organization=organization(org.get("name")),
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
        applications[a["ref"]] = application
        pending.append(application)
        _import_submissions(application, a.get("submissions") or [], pending)
        for code, value in (a.get("answers") or {}).items():
            question = questions[(a["prize"], code)]
            if question.type == "file" or value is None:
                continue
            pending.append(Answer(application=application, question=question, value=value))
            counts["answers"] += 1
    counts["applications"] = len(applications)

    for j in lists["juries"]:
        rnd = rounds[(j["prize"], j["round"])]
        chairs = {email.lower() for email in j.get("chairs") or []}
        for email in j.get("jurors") or []:
            pending.append(
                JuryMembership(round=rnd, user=users[email.lower()], is_chair=email.lower() in chairs)
            )
            counts["jury_memberships"] += 1

    for c in lists["conflicts"]:
        pending.append(
            Conflict(
                user=users[c["juror"].lower()],
                application=applications[c["application"]],
                source=c.get("source") or DEFAULT_CONFLICT_SOURCE,
                reason=c.get("reason"),
                lifted_at=parse_time(c.get("lifted_at")),
                lift_reason=c.get("lift_reason"),
            )
        )
        counts["conflicts"] += 1

    for s in lists["scorecards"]:
        assignment = Assignment(
            round=rounds[(s["prize"], s["round"])],
            juror=users[s["juror"].lower()],
            application=applications[s["application"]],
            status=s["status"],
            comment=s.get("comment"),
            abstain_reason=s.get("abstain_reason"),
            submitted_at=parse_time(s.get("submitted_at")),
        )
        pending.append(assignment)
        counts["scorecards"] += 1
        for code, value in (s.get("scores") or {}).items():
            pending.append(
                CriterionScore(
                    assignment=assignment,
                    criterion=criteria[(s["prize"], s["round"], code)],
                    value=to_decimal(value),
                )
            )
            counts["scores"] += 1

    for d in lists["decisions"]:
        pending.append(
            Decision(
                prize=prizes[d["prize"]],
                round=rounds[(d["prize"], d["round"])] if d.get("round") else None,
                application=applications[d["application"]],
                outcome=d["outcome"],
                reason=d.get("reason"),
                citation=d.get("citation"),
            )
        )
        counts["decisions"] += 1

    db.add_all(pending)
    db.flush()
    counts = dict(counts)
    record(
        db,
        actor=actor,
        action="edition.imported",
        obj=edition,
        edition_id=edition.id,
        after={"code": edition.code, "format": FORMAT, "replaced": existing_id is not None, **counts},
    )
    return ImportReport(edition=edition, counts=counts, replaced=existing_id is not None)


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
                    _l("Receipt number %(number)s is already used in this database.", number=_show(number)),
                )
                for number in sorted(taken)
            ]
        )


def _import_submissions(application: Application, items: list[dict[str, Any]], pending: list[Any]) -> None:
    """The submission history of an imported application; the latest receipt becomes its receipt number."""
    for item in items:
        pending.append(
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


def _submission_out(submission: Submission, when: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"submitted_at": when(submission.submitted_at)}
    _put(item, "receipt_number", submission.receipt_number)
    _put(item, "fingerprint", submission.fingerprint)
    _put(item, "language", submission.language)
    _put(item, "content", submission.content)
    item["context"] = submission.context or {}
    return item


def import_edition(db: Session, doc: Any, *, actor: User | None = None, replace: bool = False) -> Edition:
    """Create the edition described by ``doc``; all or nothing. Flushes, never commits.

    Raises ``ImportFailed`` listing every error (and changes nothing) when the
    document is invalid or when its edition code exists and ``replace`` is false.
    With ``replace`` the existing edition is deleted first, in the same transaction.
    """
    return import_edition_report(db, doc, actor=actor, replace=replace).edition


# Export -------------------------------------------------------------------------------------------


def _number_out(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _put(out: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        out[key] = value


def export_edition(db: Session, edition: Edition) -> dict[str, Any]:
    """The edition as a ``judging-edition/1`` document, in canonical form, with a fixed number of queries."""
    eid = edition.id
    zone = ZoneInfo(edition.timezone or DEFAULT_TIMEZONE)

    def when(value: datetime | None) -> str | None:
        return value.astimezone(zone).isoformat() if value is not None else None

    doc_edition: dict[str, Any] = {
        "code": edition.code,
        "name": edition.name,
        "timezone": edition.timezone,
        "applications_open": when(edition.applications_open),
        "applications_close": when(edition.applications_close),
    }
    for key in ("ceremony_at", "finalists_public_at", "winners_public_at"):
        _put(doc_edition, key, when(getattr(edition, key)))
    _put(doc_edition, "publication_consent_text", edition.publication_consent_text)

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

    prize_code = {p.id: p.code for p in prize_rows}
    round_of = {r.id: r for r in round_rows}
    criterion_code = {c.id: c.code for c in criterion_rows}
    criteria_by_round: dict[int, list[dict]] = defaultdict(list)
    for c in criterion_rows:
        item: dict[str, Any] = {"code": c.code, "name": c.name}
        _put(item, "guidance", c.guidance)
        item.update(
            weight=_number_out(c.weight),
            min=_number_out(c.min_value),
            max=_number_out(c.max_value),
            required=c.required,
        )
        criteria_by_round[c.round_id].append(item)
    rounds_by_prize: dict[int, list[dict]] = defaultdict(list)
    for r in round_rows:
        item = {"code": r.code}
        _put(item, "name", r.name)
        item["method"] = r.method
        _put(item, "jurors_per_application", r.jurors_per_application)
        item["tie_break"] = list(r.tie_break or [])
        if r.phase != DEFAULT_PHASE:
            item["phase"] = r.phase
        if r.blind:
            item["blind"] = True
        _put(item, "judging_closes_at", when(r.judging_closes_at))
        item["criteria"] = criteria_by_round[r.id]
        rounds_by_prize[r.prize_id].append(item)
    questions_by_prize: dict[int, list[dict]] = defaultdict(list)
    question_type = {q.id: q.type for q in question_rows}
    for q in question_rows:
        item = {"code": q.code, "label": q.label}
        _put(item, "help", q.help)
        item["type"] = q.type
        _put(item, "max_words", q.max_words)
        _put(item, "options", q.options)
        item["required"] = q.required
        if q.identifying:
            item["identifying"] = True
        questions_by_prize[q.prize_id].append(item)
    prizes = []
    for p in prize_rows:
        item = {"code": p.code, "name": p.name}
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
        item.update(finalists=p.finalists, rounds=rounds_by_prize[p.id], questions=questions_by_prize[p.id])
        prizes.append(item)

    # Jurors, conflicts and scorecards name people by email.
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
    referenced: list[int] = []  # people the document needs but the edition did not list (made in the app)
    for user_id in (
        [m.user_id for m in memberships]
        + [c.Conflict.user_id for c in conflicts]
        + [a.Assignment.juror_id for a in assignments]
    ):
        if user_id not in listed_ids and user_id not in referenced:
            referenced.append(user_id)
    extra = (
        db.scalars(select(User).where(User.id.in_(referenced)).order_by(User.id)).all() if referenced else []
    )
    people = []
    for user in [*listed, *sorted(extra, key=lambda u: referenced.index(u.id))]:
        item = {"email": user.email, "name": user.name}
        _put(item, "organization", user.organization_name)
        _put(item, "title", user.title)
        item.update(roles=[role for role in ROLES if role in user.roles], language=user.language)
        people.append(item)

    juries: dict[int, dict[str, Any]] = {}
    for m in memberships:
        rnd = round_of[m.round_id]
        jury = juries.setdefault(
            m.round_id, {"prize": prize_code[rnd.prize_id], "round": rnd.code, "jurors": []}
        )
        jury["jurors"].append(m.email)
        if m.is_chair:
            jury.setdefault("chairs", []).append(m.email)

    application_rows = db.scalars(
        select(Application).where(Application.edition_id == eid).order_by(Application.id)
    ).all()
    answers_by_app: dict[int, dict[str, Any]] = defaultdict(dict)
    for row in db.execute(
        select(Answer.application_id, Answer.question_id, Answer.value, Question.code)
        .join(Question, Answer.question_id == Question.id)
        .join(Application, Answer.application_id == Application.id)
        .where(Application.edition_id == eid)
        .order_by(Answer.id)
    ):
        if question_type.get(row.question_id) != "file" and row.value is not None:
            answers_by_app[row.application_id][row.code] = row.value
    submissions_by_app: dict[int, list[Submission]] = defaultdict(list)
    for submission in db.scalars(
        select(Submission)
        .join(Application, Submission.application_id == Application.id)
        .where(Application.edition_id == eid)
        .order_by(Submission.submitted_at, Submission.id)
    ):
        submissions_by_app[submission.application_id].append(submission)
    applications = []
    for a in application_rows:
        item = {"ref": a.ref, "prize": prize_code[a.prize_id], "status": a.status}
        _put(item, "submitted_at", when(a.submitted_at))
        item["title"] = a.title
        _put(item, "summary", a.summary)
        _put(item, "language", a.language)
        _put(item, "contact", a.contact_email)
        _put(item, "contact_name", a.contact_name)
        _put(item, "website", a.website)
        org: dict[str, Any] = {}
        for key, column in (
            ("name", "org_name"),
            ("type", "org_type"),
            ("region", "region"),
            ("country", "country"),
            ("city", "city"),
        ):
            _put(org, key, getattr(a, column))
        if org:
            item["organization"] = org
        _put(item, "led_by_woman", a.led_by_woman)
        _put(item, "publication_consent", a.publication_consent)
        _put(item, "publication_consent_at", when(a.publication_consent_at))
        item["answers"] = answers_by_app[a.id]
        if submissions_by_app[a.id]:
            item["submissions"] = [_submission_out(s, when) for s in submissions_by_app[a.id]]
        applications.append(item)

    conflict_items = []
    for row in conflicts:
        c = row.Conflict
        item = {"juror": row.email, "application": row.ref}
        _put(item, "reason", c.reason)
        if c.source != DEFAULT_CONFLICT_SOURCE:
            item["source"] = c.source
        _put(item, "lifted_at", when(c.lifted_at))
        _put(item, "lift_reason", c.lift_reason)
        conflict_items.append(item)

    scores_by_assignment: dict[int, dict[str, Any]] = defaultdict(dict)
    for row in scores:
        scores_by_assignment[row.assignment_id][criterion_code[row.criterion_id]] = _number_out(row.value)
    scorecards = []
    for row in assignments:
        s = row.Assignment
        rnd = round_of[s.round_id]
        item = {
            "prize": prize_code[rnd.prize_id],
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

    refs = {a.id: a.ref for a in application_rows}
    decisions = []
    for d in db.scalars(
        select(Decision).where(Decision.prize_id.in_(list(prize_code) or [-1])).order_by(Decision.id)
    ):
        item = {
            "prize": prize_code[d.prize_id],
            "application": refs.get(d.application_id),
            "outcome": d.outcome,
        }
        _put(item, "reason", d.reason)
        if d.round_id is not None and d.round_id in round_of:
            item["round"] = round_of[d.round_id].code
        _put(item, "citation", d.citation)
        decisions.append(item)

    document = {
        "format": FORMAT,
        "edition": doc_edition,
        "prizes": prizes,
        "people": people,
        "juries": list(juries.values()),
        "applications": applications,
        "conflicts": conflict_items,
        "scorecards": scorecards,
        "decisions": decisions,
    }
    return copy.deepcopy(document)  # no shared objects with the loaded rows


def find_edition(db: Session, code: str) -> Edition | None:
    return db.scalar(select(Edition).where(Edition.code == code))
