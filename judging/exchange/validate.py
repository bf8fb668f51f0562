"""Validation of an edition document (``judging-edition/1``): ``validate(doc)`` gives every error.

Each error carries the JSON path it is about, a stable code and a translatable message, in document
order. A document nested too deeply or holding unusable characters is refused on that alone.
The contract is ``shared/spec/edition-format.md``; docs/exchange.md lists what we add.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import lazy_gettext as _l

from judging.accounts.models import LANGUAGES, ROLES
from judging.applications.models import APPLICATION_STATUSES, ORGANIZATION_TYPES, REGIONS
from judging.core.forms import YEAR_MAX, YEAR_MIN
from judging.core.web_input import INT_MAX, UNWANTED_CHARACTERS
from judging.editions.models import METHODS, PHASES, QUESTION_TYPES, TIE_BREAK_SIMPLE
from judging.exchange.common import FORMAT, TOP_LEVEL_LISTS, number_out, parse_time, show_value, to_decimal
from judging.jury.models import CONFLICT_SOURCES, SCORECARD_STATUSES
from judging.results.models import OUTCOMES

# "assigned" (a scorecard not started yet) is our addition to the spec's four statuses.
SCORECARD_VALUES = ("submitted", "draft", "abstained", "recused", "assigned")
assert set(SCORECARD_VALUES) == set(SCORECARD_STATUSES)

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+$")
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
NUMERIC_LIMIT = Decimal(10) ** 8  # Numeric(12, 4)
#: the format nests 6 levels at most; anything deeper is refused before it is walked
MAX_DEPTH = 20

# Errors -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExchangeError:
    """One problem in a document: where (JSON path), what (stable code), and a translatable message."""

    path: str
    code: str
    message: Any

    def __str__(self) -> str:
        return f"{self.path or '(document)'}: {self.message}"


# Validation ---------------------------------------------------------------------------------------


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


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
                    value=show_value(value),
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
                _l(
                    "Duplicate %(value)s (already used at %(first)s).", value=show_value(key), first=seen[key]
                ),
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
            self.error(
                _join(path, key), "unknown-prize", _l("Unknown prize %(code)s.", code=show_value(code))
            )
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
                _l(
                    "Unknown round %(code)s in prize %(prize)s.",
                    code=show_value(code),
                    prize=show_value(prize_code),
                ),
            )
            return None
        return code

    def application_ref(self, d: dict, key: str, path: str) -> dict | None:
        ref = self.string(d, key, path, required=True)
        if ref is None:
            return None
        if ref not in self.applications:
            self.error(
                _join(path, key),
                "unknown-application",
                _l("Unknown application %(ref)s.", ref=show_value(ref)),
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
                        value=show_value(doc.get("format")),
                        expected=show_value(FORMAT),
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
                    _join(path, "timezone"),
                    "timezone",
                    _l("Unknown time zone %(value)s.", value=show_value(zone)),
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
                        _l("Unknown criterion %(code)s in this round.", code=show_value(wanted)),
                    )
            elif entry not in TIE_BREAK_SIMPLE:
                self.error(
                    tpath,
                    "enum",
                    _l(
                        "Unknown value %(value)s; expected one of: %(allowed)s.",
                        value=show_value(entry),
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
                _join(path, "max"), "range", _l("Must be greater than min (%(min)s).", min=number_out(low))
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
        options = self.options(d, path, kind)
        if code is not None and self.unique(codes, code, _join(path, "code")):
            prize.questions[code] = {"type": kind, "options": options}

    def options(self, d: dict, path: str, kind: str | None) -> list[str]:
        """The option codes of a question: a choice question needs some, other questions have none."""
        options: list[str] = []
        if kind == "choice" and not self.present(d, "options", path, False):
            self.error(_join(path, "options"), "required", _l("A choice question needs options."))
            return options
        if kind is not None and kind != "choice" and self.present(d, "options", path, False):
            self.error(_join(path, "options"), "not-allowed", _l("Only choice questions have options."))
            return options
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
        return options

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
                        value=show_value(role),
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
            self.organization(d["organization"], _join(path, "organization"))
        answers = self.mapping(d, "answers", path)
        if prize is not None:
            for key, answer in answers.items():
                self.answer(answer, f"{path}.answers.{key}", key, prize, prize_code)
        for _, where, item in self.items(d, "submissions", path):
            self.submission(item, where)
        if ref is not None and self.unique(refs, ref, _join(path, "ref")):
            self.applications[ref] = {"path": path, "prize": prize_code if prize else None, "status": status}

    def organization(self, value: Any, where: str) -> None:
        """``applications[].organization``: at least one of its fields, each well formed."""
        org = self.obj(value, where)
        if org is None:
            return
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
                    "Unknown question %(code)s in prize %(prize)s.",
                    code=show_value(code),
                    prize=show_value(prize_code),
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
                    value=show_value(value),
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
                        prize=show_value(prize_code),
                        round=show_value(round_code),
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
                        code=show_value(key),
                        round=show_value(round_code),
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
                        value=number_out(number),
                        min=number_out(spec["min"]),
                        max=number_out(spec["max"]),
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
        if status == "submitted" and criteria is not None:
            self.required_scores(scores, path, criteria)
        if application is not None:
            self.scored_application(d, path, application, prize_code if prize is not None else None)
        if email is None or round_code is None or application is None:
            return
        self.scoring_juror(d, path, email, (prize_code, round_code), status)
        key = (prize_code, round_code, email, d["application"])
        if key in seen:
            self.error(path, "duplicate", _l("Duplicate scorecard (already at %(first)s).", first=seen[key]))
        else:
            seen[key] = path

    def required_scores(self, scores: dict, path: str, criteria: dict[str, dict[str, Any]]) -> None:
        """A submitted scorecard scores every required criterion of its round.

        An abstained or recused scorecard may carry scores (scored, then stepped back, in another
        tool): they are kept as a record and never count (only submitted scorecards do).
        """
        for code, spec in criteria.items():
            if spec["required"] and scores.get(code) is None:
                self.error(
                    _join(path, "scores"),
                    "missing-score",
                    _l(
                        "A submitted scorecard must score the required criterion %(code)s.",
                        code=show_value(code),
                    ),
                )

    def scored_application(self, d: dict, path: str, application: dict, prize_code: str | None) -> None:
        """The scored application is of the scorecard's prize (when known) and not a draft."""
        if prize_code is not None and application["prize"] not in (None, prize_code):
            self.error(
                _join(path, "application"),
                "wrong-prize",
                _l(
                    "Application %(ref)s belongs to prize %(other)s, not %(prize)s.",
                    ref=show_value(d["application"]),
                    other=show_value(application["prize"]),
                    prize=show_value(prize_code),
                ),
            )
        if application["status"] == "draft":
            self.error(_join(path, "application"), "draft", _l("A draft application cannot be scored."))

    def scoring_juror(
        self, d: dict, path: str, email: str, jury: tuple[str, str], status: str | None
    ) -> None:
        """The juror sits on the round's jury and, in conflict with the application, only steps back."""
        members = self.juries.get(jury)
        if members is None or email not in members:
            self.error(
                _join(path, "juror"),
                "not-in-jury",
                _l(
                    "%(email)s is not in the jury of prize %(prize)s, round %(round)s.",
                    email=d["juror"],
                    prize=show_value(jury[0]),
                    round=show_value(jury[1]),
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
                    ref=show_value(d["application"]),
                ),
            )

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
