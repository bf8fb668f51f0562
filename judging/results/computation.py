"""A round's results from its stored scorecards: loading, computing, the results document.

Reads only (nothing here writes). The maths is the pure engine in
:mod:`judging.results.engine.scoring`; this module loads what it needs in a fixed number of SQL
queries whatever the number of applications or jurors (the criteria; the counted scorecards;
their scores, one row per scorecard; the applications' and jurors' labels), builds the engine's
inputs as arrays (:func:`judging.results.engine.scoring.scorecards_from_arrays`: the one exact total, computed
once per distinct row of scores), and shapes the outputs:

- :func:`results_document` is the document of ``judging results EDITION --json``
  (``spec/edition-format.md``, "Results"), extended only by added fields;
- :func:`round_outcome` is what :mod:`judging.results.stored` stores for a round: the ranking,
  every compared method's ranking, the finalist cut, leniency and flags (nothing worded);
- :func:`round_report` is that and what a page computed live shows besides (the deliberation
  view, the exports): the ranking's lines with the jurors' totals, the applications without a
  counted scorecard, the sensitivity panel's sentences.

What counts: submitted scorecards of applications that are still in the competition
(status ``submitted``: withdrawn and ineligible applications are left out). Applications
are identified by their reference, jurors by their email, as in the exchange format.

The **fingerprint** of a round is the SHA-256 of a canonical JSON of its settings
(method, tie-break chain, criteria with weights and scales) and of every counted
scorecard's (juror, application, scores), sorted: two computations with the same
fingerprint give the same results. The results page keeps what it computed for a
fingerprint in a small in-process cache (:data:`round_cache`), so that computing the round
again with the same inputs, or its other methods, does not rank it again.
"""

from __future__ import annotations

import gc
import hashlib
import json
import math
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from decimal import Decimal
from fractions import Fraction
from functools import cached_property
from itertools import chain
from operator import itemgetter
from typing import Any

import numpy as np
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, or_, select, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.types import NullType

from judging.accounts.models import User
from judging.applications.models import Application
from judging.core.collation import sort_key
from judging.editions.models import Criterion, Edition, Prize, Round
from judging.editions.operations import tie_break_errors
from judging.jury.models import Assignment, Conflict, CriterionScore
from judging.results.engine import scoring
from judging.results.engine.scoring import (
    CriterionSpec,
    DisconnectedGraph,
    RoundResult,
    Rubric,
    ScorecardBatch,
    round_half_up,
    to_fraction,
)
from judging.results.models import Decision

#: Methods an organizer can compare in the sensitivity panel, in this order.
COMPARED_METHODS = ("mean", "median", "trimmed", "zscore", "additive", "schulze")
#: Application statuses whose scorecards count.
COUNTED_APPLICATION_STATUSES = ("submitted",)

#: Method names in sentences ("with per-juror standardisation, ...").
METHOD_PHRASES = {
    "mean": _l("the mean"),
    "median": _l("the median"),
    "trimmed": _l("the trimmed mean"),
    "zscore": _l("per-juror standardisation"),
    "additive": _l("the juror-offset model"),
    "schulze": _l("the Schulze method"),
}


# --- loading ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    """One submitted scorecard as loaded: who, what, and the raw criterion scores (by code)."""

    assignment_id: int
    application_id: int
    ref: str
    title: str
    juror_id: int
    email: str
    name: str
    scores: dict[str, Decimal]


def _ids(rows: int = 0) -> np.ndarray:
    return np.zeros(rows, dtype=np.int64)


@dataclass(eq=False)
class RoundInputs:
    """A round's criteria and counted scorecards, as arrays: one row per scorecard, by assignment id.

    ``value_codes[i, c]`` is scorecard ``i``'s raw score on ``criteria[c]`` as an index into
    ``values`` (0, whose value is None, when unanswered). ``applications`` and ``jurors`` give
    the labels: id → (reference, title) and id → (email, name). :attr:`cards` gives the same
    scorecards as :class:`Card` objects, built on first use.
    """

    round: Round
    criteria: list[Criterion]
    assignment_ids: np.ndarray = field(default_factory=_ids)
    application_ids: np.ndarray = field(default_factory=_ids)
    juror_ids: np.ndarray = field(default_factory=_ids)
    value_codes: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int32))
    values: list[Any] = field(default_factory=lambda: [None])
    applications: dict[int, tuple[str, str | None]] = field(default_factory=dict)
    jurors: dict[int, tuple[str, str | None]] = field(default_factory=dict)

    @property
    def count(self) -> int:
        """How many counted scorecards (excluded ones included)."""
        return len(self.assignment_ids)

    def card(self, i: int) -> Card:
        """Scorecard ``i`` as a :class:`Card`."""
        ref, title = self.applications[int(self.application_ids[i])]
        email, name = self.jurors[int(self.juror_ids[i])]
        return Card(
            assignment_id=int(self.assignment_ids[i]),
            application_id=int(self.application_ids[i]),
            ref=ref,
            title=title or "",
            juror_id=int(self.juror_ids[i]),
            email=email,
            name=name or email,
            scores={
                criterion.code: self.values[code]
                for criterion, code in zip(self.criteria, self.value_codes[i].tolist(), strict=True)
                if code
            },
        )

    @cached_property
    def cards(self) -> list[Card]:
        return [self.card(i) for i in range(self.count)]

    @cached_property
    def fingerprint(self) -> str:
        return inputs_fingerprint(self)

    @cached_property
    def prepared(self) -> Prepared:
        return prepare(self)

    @cached_property
    def cache_key(self) -> tuple[Any, ...]:
        """The fingerprint, and what it leaves out that the engine sees: the scorecards' order and
        the labels' exact spelling (the fingerprint lower-cases emails)."""
        digest = hashlib.sha256()
        for array in (self.assignment_ids, self.application_ids, self.juror_ids):
            digest.update(np.ascontiguousarray(array, dtype=np.int64).tobytes())
        for ids, labels in ((self.application_ids, self.applications), (self.juror_ids, self.jurors)):
            text = "\0".join(labels[i][0] for i in np.unique(ids).tolist())
            digest.update(text.encode("utf-8") + b"\1")
        return (self.round.id, self.fingerprint, digest.hexdigest())


def _in_active_conflict():
    """A scorecard whose juror has an unlifted conflict with the application never counts,
    even when the conflict was recorded after the scorecard was submitted."""
    return exists().where(
        Conflict.user_id == Assignment.juror_id,
        Conflict.application_id == Assignment.application_id,
        Conflict.lifted_at.is_(None),
    )


def _tuples(result: Any) -> list[tuple[Any, ...]]:
    """A result's rows as the database driver gives them: plain tuples, no SQLAlchemy ``Row`` per
    row (for the columns read here, integers, text and raw values, SQLAlchemy converts nothing;
    the rows cost a third of loading a round's 170,000 scores)."""
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


def _submitted_card_rows(connection: Any, ids: list[int]) -> list[Any]:
    """(round id, assignment id, application id, juror id) of every submitted scorecard whose juror
    has no active conflict with its application; whether the application is still in the running
    is checked on the arrays (:func:`_application_labels` reads the statuses: a join here cost a
    third of the query)."""
    return _tuples(
        connection.execute(
            select(Assignment.round_id, Assignment.id, Assignment.application_id, Assignment.juror_id)
            .where(Assignment.round_id.in_(ids), Assignment.status == "submitted", ~_in_active_conflict())
            .order_by(Assignment.round_id, Assignment.id)
        )
    )


def _score_rows(connection: Any, criteria: Sequence[Criterion]) -> tuple[list[Any], Callable[[Any], Any]]:
    """Every score of these criteria: (assignment id, criterion id, raw value) rows, and the function
    that turns a raw value into what the column's type gives (a Decimal).

    The values come raw (``NullType``: no conversion per row) and only the distinct ones, a
    handful, go through the column's own result processor (what SQLAlchemy would apply to each:
    a quarter of a second for the 250,000 scores of a 20,000-application edition on SQLite)."""
    if not criteria:
        return [], lambda value: value
    result = connection.execute(
        select(
            CriterionScore.assignment_id,
            CriterionScore.criterion_id,
            type_coerce(CriterionScore.value, NullType),
        ).where(CriterionScore.criterion_id.in_([c.id for c in criteria]))
    )
    dialect = connection.dialect
    type_code = result.context.cursor.description[2][1]
    process = CriterionScore.value.type.dialect_impl(dialect).result_processor(dialect, type_code)
    return _tuples(result), process or (lambda value: value)


def _application_labels(connection: Any, ids: list[int]) -> tuple[dict[int, tuple[str, str]], np.ndarray]:
    """References and titles of the applications with a submitted scorecard in rounds ``ids``, and
    the ids (sorted) of those whose scorecards count (:data:`COUNTED_APPLICATION_STATUSES`)."""
    submitted = select(Assignment.application_id).where(
        Assignment.round_id.in_(ids), Assignment.status == "submitted"
    )
    labels, counted = {}, []
    for i, ref, title, status in _tuples(
        connection.execute(
            select(Application.id, Application.ref, Application.title, Application.status).where(
                Application.id.in_(submitted)
            )
        )
    ):
        labels[i] = (ref, title)
        if status in COUNTED_APPLICATION_STATUSES:
            counted.append(i)
    return labels, np.sort(np.array(counted, dtype=np.int64))


#: Up to this many jurors, their names are read by id (a list of ids; a subquery over the round's
#: scorecards cost 35 ms at 57,000 scorecards on SQLite, the list 0.1 ms).
LISTED_JURORS = 2000


def _juror_labels(connection: Any, ids: list[int], juror_ids: list[int]) -> dict[int, tuple[str, str]]:
    """Emails and names of the jurors ``juror_ids`` (those of the counted scorecards of rounds ``ids``)."""
    if len(juror_ids) <= LISTED_JURORS:
        who = User.id.in_(juror_ids)
    else:
        who = User.id.in_(
            select(Assignment.juror_id).where(Assignment.round_id.in_(ids), Assignment.status == "submitted")
        )
    return {
        i: (email, name)
        for i, email, name in _tuples(connection.execute(select(User.id, User.email, User.name).where(who)))
    }


def _coded_scores(
    score_rows: list[Any], process: Callable[[Any], Any], column_of: Mapping[int, int]
) -> tuple[np.ndarray, np.ndarray, list[Any]]:
    """The scored assignment ids (sorted), their values as small codes (0 is "unanswered"), the values.

    ``codes[i, column_of[criterion id]]`` is the code of scorecard ``i``'s value for that criterion.
    A few distinct values cover many scorecards: each gets a code, its index in the list returned
    (``None`` first, then the values in order, each converted once by ``process``).
    """
    if not score_rows:
        return _ids(), np.zeros((0, len(column_of)), dtype=np.int32), [None]
    # three columns by itemgetter: zip(*rows) over 170,000 rows cost ten times as much
    assignment_ids, criterion_ids, raw = (list(map(itemgetter(i), score_rows)) for i in range(3))
    converted = {value: process(value) for value in set(raw) - {None}}
    distinct: Any = set(converted.values())
    try:
        distinct = sorted(distinct)
    except (TypeError, ArithmeticError):  # a NaN: any order will do
        distinct = list(distinct)
    index = {value: n for n, value in enumerate(distinct, start=1)}
    code_of = {value: index[as_type] for value, as_type in converted.items()} | {None: 0}
    scored, row = np.unique(np.array(assignment_ids, dtype=np.int64), return_inverse=True)
    codes = np.zeros((len(scored), len(column_of)), dtype=np.int32)
    column = np.fromiter(map(column_of.__getitem__, criterion_ids), dtype=np.int64, count=len(criterion_ids))
    codes[row, column] = np.fromiter(map(code_of.__getitem__, raw), dtype=np.int32, count=len(raw))
    return scored, codes, [None, *distinct]


def load_inputs(db: Session, rounds: Sequence[Round]) -> dict[int, RoundInputs]:
    """The criteria and counted scorecards of ``rounds``: five queries, whatever their size.

    The criteria; the submitted scorecards without an active conflict (ids only); their scores
    (assignment, criterion, raw value: each distinct value converted once), placed in one row per
    scorecard with one column per criterion, a score counting for a criterion of its own round
    only; the applications' references, titles and statuses (a withdrawn or ineligible
    application's scorecards are then left out); the jurors' emails and names. No ORM object per
    scorecard, and the rows are turned into arrays at once.
    """
    ids = [r.id for r in rounds]
    inputs = {r.id: RoundInputs(round=r, criteria=[]) for r in rounds}
    if not ids:
        return inputs
    criteria = db.scalars(
        select(Criterion).where(Criterion.round_id.in_(ids)).order_by(Criterion.position, Criterion.id)
    ).all()
    for criterion in criteria:
        inputs[criterion.round_id].criteria.append(criterion)
    connection = db.connection()  # Core rows: no ORM step per row
    card_rows = _submitted_card_rows(connection, ids)
    column_of = {criterion.id: n for n, criterion in enumerate(criteria)}
    score_rows, process = _score_rows(connection, criteria)
    cards = np.fromiter(chain.from_iterable(card_rows), dtype=np.int64, count=4 * len(card_rows)).reshape(
        -1, 4
    )
    applications, counted = _application_labels(connection, ids)
    cards = cards[np.isin(cards[:, 2], counted)]  # applications withdrawn or ineligible do not count
    jurors = _juror_labels(connection, ids, np.unique(cards[:, 3]).tolist())
    scored, codes, distinct = _coded_scores(score_rows, process, column_of)
    for rnd in rounds:
        here = cards[cards[:, 0] == rnd.id]
        own = [column_of[c.id] for c in inputs[rnd.id].criteria]
        at = np.searchsorted(scored, here[:, 1])
        found = at < len(scored)
        found[found] = scored[at[found]] == here[found, 1]
        value_codes = np.zeros((len(here), len(own)), dtype=np.int32)
        if len(own) and found.any():
            value_codes[found] = codes[at[found]][:, own]
        item = inputs[rnd.id]
        item.assignment_ids = here[:, 1].copy()
        item.application_ids = here[:, 2].copy()
        item.juror_ids = here[:, 3].copy()
        item.value_codes = value_codes
        item.values = distinct
        item.applications = applications
        item.jurors = jurors
    return inputs


def specs(criteria: Iterable[Criterion]) -> list[CriterionSpec]:
    return [
        CriterionSpec(code=c.code, weight=c.weight, min=c.min_value, max=c.max_value, required=c.required)
        for c in criteria
    ]


# --- fingerprint --------------------------------------------------------------------------------------


def _number_text(value: Decimal | int | float) -> str:
    """A canonical decimal text: 7.5000 → "7.5", 10.0000 → "10"."""
    text = format(Decimal(value).normalize(), "f")
    return "0" if text in ("-0", "") else text


def canonical_inputs(rnd: Round, criteria: Iterable[Criterion], cards: Iterable[Card]) -> dict[str, Any]:
    """What the fingerprint covers: the round's settings and every counted scorecard, sorted."""
    return {
        "method": rnd.method,
        "tie_break": list(rnd.tie_break or []),
        "criteria": sorted(
            (
                {
                    "code": c.code,
                    "weight": _number_text(c.weight),
                    "min": _number_text(c.min_value),
                    "max": _number_text(c.max_value),
                }
                for c in criteria
            ),
            key=lambda c: c["code"],
        ),
        "scorecards": sorted(
            [card.email.lower(), card.ref, {code: _number_text(v) for code, v in sorted(card.scores.items())}]
            for card in cards
        ),
    }


def _canonical_json(document: Any) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


#: :func:`_canonical_json` of a string, without an encoder per call (the function ``json.dumps``
#: itself applies to a ``str`` when ``ensure_ascii`` is off): once per application of a round.
_canonical_string = json.encoder.encode_basestring


def fingerprint(rnd: Round, criteria: Iterable[Criterion], cards: Iterable[Card]) -> str:
    """SHA-256 (hex) of the canonical JSON of :func:`canonical_inputs`."""
    return hashlib.sha256(_canonical_json(canonical_inputs(rnd, criteria, cards)).encode("utf-8")).hexdigest()


def _sort_ranks(texts: list[str]) -> np.ndarray:
    """Each text's place in sorted order (equal texts share it)."""
    place = {text: n for n, text in enumerate(sorted(set(texts)))}
    return np.array([place[text] for text in texts], dtype=np.int64)


def inputs_fingerprint(inputs: RoundInputs) -> str:
    """:func:`fingerprint` of ``inputs``, the same text hashed, built from the arrays.

    Each juror, application and (criterion, score) pair is written once, each scorecard's line
    is assembled from those pieces and the lines are sorted with numpy on the (email, reference)
    ranks. Two scorecards of the same email and reference would be ordered by their scores:
    those few rounds go through :func:`fingerprint` itself.
    """
    rnd = inputs.round
    settings = canonical_inputs(rnd, inputs.criteria, [])
    head = _canonical_json({"criteria": settings["criteria"], "method": settings["method"]})[:-1]
    tail = _canonical_json({"tie_break": settings["tie_break"]})[1:]
    count = inputs.count
    if count == 0:
        text = f'{head},"scorecards":[],{tail}'
        return hashlib.sha256(text.encode("utf-8")).hexdigest()
    app_ids, app_of = np.unique(inputs.application_ids, return_inverse=True)
    juror_ids, juror_of = np.unique(inputs.juror_ids, return_inverse=True)
    refs = [inputs.applications[i][0] for i in app_ids.tolist()]
    emails = [inputs.jurors[i][0].lower() for i in juror_ids.tolist()]
    app_of, juror_of = app_of.reshape(-1), juror_of.reshape(-1)
    email_rank, ref_rank = _sort_ranks(emails)[juror_of], _sort_ranks(refs)[app_of]
    order = np.lexsort((ref_rank, email_rank))
    same = (email_rank[order][1:] == email_rank[order][:-1]) & (ref_rank[order][1:] == ref_rank[order][:-1])
    if same.any():
        return fingerprint(rnd, inputs.criteria, inputs.cards)
    texts = [None, *(_number_text(v) for v in inputs.values[1:])]
    scores = np.full(count, "", dtype=object)
    for c in sorted(range(len(inputs.criteria)), key=lambda c: inputs.criteria[c].code):
        key = _canonical_json(inputs.criteria[c].code)
        pieces = np.array(["", *(f",{key}:{_canonical_json(t)}" for t in texts[1:])], dtype=object)
        scores = scores + pieces[inputs.value_codes[:, c]]
    juror_part = np.array([f"[{_canonical_string(e)}," for e in emails], dtype=object)[juror_of]
    app_part = np.array([f"{_canonical_string(r)},{{" for r in refs], dtype=object)[app_of]
    lines = [
        f"{j}{a}{s[1:]}}}]"
        for j, a, s in zip(
            juror_part[order].tolist(), app_part[order].tolist(), scores[order].tolist(), strict=True
        )
    ]
    digest = hashlib.sha256()
    digest.update(f'{head},"scorecards":['.encode())
    digest.update(",".join(lines).encode("utf-8"))
    digest.update(f"],{tail}".encode())
    return digest.hexdigest()


# --- computing ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prepared:
    """A round's scorecards ready for the engine.

    ``scorecards`` is a :class:`~judging.results.engine.scoring.ScorecardBatch` (or, if the arrays
    could not be used, the list :func:`judging.results.engine.scoring.make_scorecard` makes);
    ``excluded`` lists the inputs' rows that cannot count with the reason; ``positions[i]``
    is the place of the inputs' row ``i`` among ``scorecards`` (−1 when excluded).
    """

    scorecards: ScorecardBatch | list[scoring.Scorecard]
    excluded: tuple[tuple[int, str], ...]
    positions: np.ndarray

    def total(self, row: int) -> Fraction | None:
        """The exact total of the inputs' row ``row`` (None when it is excluded)."""
        position = int(self.positions[row])
        if position < 0:
            return None
        if isinstance(self.scorecards, ScorecardBatch):
            return self.scorecards.total(position)
        return self.scorecards[position].total

    def total_codes(self) -> tuple[np.ndarray, list[Fraction]]:
        """Every inputs' row's exact total as an index into the distinct totals returned with them
        (−1 when the row is excluded): a few hundred Fractions for 60,000 rows."""
        if isinstance(self.scorecards, ScorecardBatch):
            distinct_scaled, code = np.unique(np.asarray(self.scorecards.scaled), return_inverse=True)
            scale = self.scorecards.scale
            distinct = [Fraction(int(value), scale) for value in distinct_scaled.tolist()]
        else:
            shared: dict[Fraction, int] = {}
            code = [shared.setdefault(card.total, len(shared)) for card in self.scorecards]
            distinct = list(shared)
        code = np.asarray(code, dtype=np.int64).reshape(-1)
        codes = np.full(len(self.positions), -1, dtype=np.int64)
        kept = self.positions >= 0
        codes[kept] = code[self.positions[kept]]
        return codes, distinct


def _prepare_one_by_one(inputs: RoundInputs) -> Prepared:
    """The scorecards one by one (:func:`judging.results.engine.scoring.make_scorecard`): the reference."""
    rubric = Rubric(specs(inputs.criteria))
    cards: list[scoring.Scorecard] = []
    excluded: list[tuple[int, str]] = []
    positions = np.full(inputs.count, -1, dtype=np.int64)
    for i, card in enumerate(inputs.cards):
        try:
            cards.append(
                scoring.make_scorecard(
                    application=card.ref, juror=card.email, criteria=rubric, scores=card.scores
                )
            )
            positions[i] = len(cards) - 1
        except ValueError as error:
            excluded.append((i, str(error)))
    return Prepared(scorecards=cards, excluded=tuple(excluded), positions=positions)


def prepare(inputs: RoundInputs) -> Prepared:
    """The engine's input from the arrays: every raw score as an integer over one common
    denominator, then :func:`judging.results.engine.scoring.scorecards_from_arrays` (exact, identical
    to making the scorecards one by one, which explains the few that cannot count)."""
    rubric = Rubric(specs(inputs.criteria))
    ratios: list[tuple[int, int] | None] = [(0, 1)]
    for value in inputs.values[1:]:
        try:
            exact = to_fraction(value)
            ratios.append((exact.numerator, exact.denominator))
        except (TypeError, ValueError):  # not a finite number: make_scorecard says why
            ratios.append(None)
    denominator = math.lcm(*(r[1] for r in ratios if r is not None))
    scaled = [r[0] * (denominator // r[1]) if r is not None else 0 for r in ratios]
    big = max(abs(v) for v in scaled) >= 2**62
    lookup = np.array(scaled, dtype=object if big else np.int64)
    usable = np.array([r is not None for r in ratios], dtype=bool)
    codes = inputs.value_codes
    fast = usable[codes].all(axis=1) if codes.shape[1] else np.ones(inputs.count, dtype=bool)
    rows = np.flatnonzero(fast)
    app_ids, app_codes = np.unique(inputs.application_ids[rows], return_inverse=True)
    juror_ids, juror_codes = np.unique(inputs.juror_ids[rows], return_inverse=True)
    try:
        batch = scoring.scorecards_from_arrays(
            criteria=rubric,
            application_codes=app_codes.reshape(-1),
            application_labels=[inputs.applications[i][0] for i in app_ids.tolist()],
            juror_codes=juror_codes.reshape(-1),
            juror_labels=[inputs.jurors[i][0] for i in juror_ids.tolist()],
            values=lookup[codes[rows]],
            answered=codes[rows] > 0,
            denominator=denominator,
        )
    except ValueError:  # two applications or jurors with one label: as the engine always did
        return _prepare_one_by_one(inputs)
    refused = sorted([*rows[list(batch.rejected)].tolist(), *np.flatnonzero(~fast).tolist()])
    excluded: list[tuple[int, str]] = []
    for i in refused:
        card = inputs.card(i)
        try:
            scoring.make_scorecard(
                application=card.ref, juror=card.email, criteria=rubric, scores=card.scores
            )
        except ValueError as error:
            excluded.append((i, str(error)))
        else:  # pragma: no cover - the arrays refused what one by one accepts: trust the reference
            return _prepare_one_by_one(inputs)
    positions = np.full(inputs.count, -1, dtype=np.int64)
    positions[rows[batch.rows]] = np.arange(len(batch), dtype=np.int64)
    return Prepared(scorecards=batch, excluded=tuple(excluded), positions=positions)


class _Totals(Mapping):
    """Exact totals by (juror email, application ref), computed when asked."""

    def __init__(self, inputs: RoundInputs, prepared: Prepared) -> None:
        self._inputs = inputs
        self._prepared = prepared

    @cached_property
    def _rows(self) -> dict[tuple[str, str], int]:
        inputs = self._inputs
        refs = {i: ref for i, (ref, _title) in inputs.applications.items()}
        emails = {i: email for i, (email, _name) in inputs.jurors.items()}
        kept = np.flatnonzero(self._prepared.positions >= 0).tolist()
        return {
            (emails[j], refs[a]): i
            for i, j, a in zip(
                kept,
                inputs.juror_ids[kept].tolist(),
                inputs.application_ids[kept].tolist(),
                strict=True,
            )
        }

    def __getitem__(self, key: tuple[str, str]) -> Fraction:
        total = self._prepared.total(self._rows[key])
        assert total is not None
        return total

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)


@dataclass
class Computation:
    """A round computed with one method. ``result`` is None when the method could not be applied."""

    round: Round
    method: str
    inputs: RoundInputs
    fingerprint: str
    result: RoundResult | None = None
    disconnected: DisconnectedGraph | None = None
    error: str | None = None
    #: Scorecards that could not count (no criterion answered, or a score outside the scale).
    excluded: list[tuple[Card, str]] = field(default_factory=list)
    #: Exact totals by (juror email, application ref).
    totals: Mapping[tuple[str, str], Fraction] = field(default_factory=dict)
    #: Reliability from the mean when the method itself could not be applied (alpha does not depend on it).
    fallback: RoundResult | None = None

    @property
    def ok(self) -> bool:
        return self.result is not None


def _scorecards(inputs: RoundInputs) -> tuple[list[scoring.Scorecard], list[tuple[Card, str]]]:
    """The scorecards made one by one, with the excluded ones (the reference path)."""
    prepared = _prepare_one_by_one(inputs)
    assert isinstance(prepared.scorecards, list)
    return prepared.scorecards, [(inputs.card(i), reason) for i, reason in prepared.excluded]


@dataclass(frozen=True)
class _Outcome:
    result: RoundResult | None
    disconnected: DisconnectedGraph | None
    error: str | None
    fallback: RoundResult | None


def _rank(inputs: RoundInputs, scorecards: Any, method: str) -> _Outcome:
    rnd = inputs.round
    options = {"tie_break": list(rnd.tie_break or []), "criteria_codes": [c.code for c in inputs.criteria]}
    result = disconnected = error = fallback = None
    try:
        result = scoring.round_results(method=method, scorecards=scorecards, **options)
    except DisconnectedGraph as problem:
        disconnected = problem
    except ValueError as problem:
        error = str(problem)
    if result is None and disconnected is not None:
        try:
            fallback = scoring.round_results(method="mean", scorecards=scorecards, **options)
        except ValueError:  # pragma: no cover - the mean refuses only what additive refused first
            fallback = None
    return _Outcome(result=result, disconnected=disconnected, error=error, fallback=fallback)


def _computation(inputs: RoundInputs, method: str, prepared: Prepared, outcome: _Outcome) -> Computation:
    return Computation(
        round=inputs.round,
        method=method,
        inputs=inputs,
        fingerprint=inputs.fingerprint,
        result=outcome.result,
        disconnected=outcome.disconnected,
        error=outcome.error,
        excluded=[(inputs.card(i), reason) for i, reason in prepared.excluded],
        totals=_Totals(inputs, prepared),
        fallback=outcome.fallback,
    )


def compute(inputs: RoundInputs, *, method: str | None = None, prepared: Any = None) -> Computation:
    """Rank the round with its own method (or ``method``); never raises for bad data.

    A disconnected round under ``additive`` sets ``disconnected`` (with the groups); another
    problem (a tie-break chain naming a missing criterion) sets ``error``. ``prepared`` is a
    :class:`Prepared` (by default the inputs' own, made once).
    """
    method = method or inputs.round.method
    if prepared is None:
        prepared = inputs.prepared
    elif not isinstance(prepared, Prepared):  # (scorecards, excluded) as _scorecards returns them
        return _compute_from_list(inputs, method, *prepared)
    return _computation(inputs, method, prepared, _rank(inputs, prepared.scorecards, method))


def _compute_from_list(
    inputs: RoundInputs, method: str, cards: list[scoring.Scorecard], excluded: list[tuple[Card, str]]
) -> Computation:
    outcome = _rank(inputs, cards, method)
    return Computation(
        round=inputs.round,
        method=method,
        inputs=inputs,
        fingerprint=inputs.fingerprint,
        result=outcome.result,
        disconnected=outcome.disconnected,
        error=outcome.error,
        excluded=list(excluded),
        totals={(c.juror, c.application): c.total for c in cards},  # type: ignore[misc]
        fallback=outcome.fallback,
    )


def compute_all_methods(inputs: RoundInputs) -> dict[str, Computation]:
    """The round under its own method and every other one (the sensitivity panel)."""
    methods = [inputs.round.method, *(m for m in COMPARED_METHODS if m != inputs.round.method)]
    return {m: compute(inputs, method=m) for m in methods}


# --- what a fingerprint already computed ------------------------------------------------------------------


@dataclass(frozen=True)
class MethodRanking:
    """What the sensitivity panel needs of a method: its ranking (references in rank order with
    their ranks), or why it could not rank the round. Small enough to keep for every method."""

    method: str
    applications: tuple[str, ...] = ()
    ranks: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    disconnected: DisconnectedGraph | None = None
    error: str | None = None

    @classmethod
    def of(cls, method: str, ranked: scoring.Ranking | ValueError) -> MethodRanking:
        """From what :func:`judging.results.engine.scoring.round_rankings` gives for ``method``."""
        if isinstance(ranked, DisconnectedGraph):
            return cls(method=method, disconnected=ranked)
        if isinstance(ranked, ValueError):
            return cls(method=method, error=str(ranked))
        return cls(
            method=method,
            applications=tuple(map(str, ranked.applications)),
            ranks=np.array(ranked.ranks, dtype=np.int64),
        )

    @property
    def ok(self) -> bool:
        return self.disconnected is None and self.error is None

    def above_cut(self, cut: int) -> list[str]:
        """As :func:`above_cut` on the method's result."""
        if not self.ok or cut <= 0:
            return []
        return list(self.applications[: int(np.searchsorted(self.ranks, cut, side="right"))])


#: Rounds kept with their prepared scorecards and the full result of their own method (a few MB
#: each at 25,000 applications), and rankings of the other methods (a few hundred KB each).
CACHED_ROUNDS = 4
CACHED_RANKINGS = 48


class _RoundCache:
    """What was computed for a round's inputs (:attr:`RoundInputs.cache_key`), least recently used
    first out. Per process; the key changes whenever the results could."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rounds: OrderedDict[tuple[Any, ...], tuple[Prepared, dict[str, _Outcome]]] = OrderedDict()
        self._rankings: OrderedDict[tuple[Any, ...], MethodRanking] = OrderedDict()

    def clear(self) -> None:
        with self._lock:
            self._rounds.clear()
            self._rankings.clear()

    def _round(self, inputs: RoundInputs) -> tuple[Prepared, dict[str, _Outcome]]:
        key = inputs.cache_key
        with self._lock:
            entry = self._rounds.get(key)
            if entry is not None:
                self._rounds.move_to_end(key)
                inputs.__dict__.setdefault("prepared", entry[0])
                return entry
        entry = (inputs.prepared, {})
        with self._lock:
            entry = self._rounds.setdefault(key, entry)
            while len(self._rounds) > CACHED_ROUNDS:
                self._rounds.popitem(last=False)
        return entry

    def computation(self, inputs: RoundInputs, method: str) -> Computation:
        prepared, outcomes = self._round(inputs)
        outcome = outcomes.get(method)
        if outcome is None:
            outcome = outcomes.setdefault(method, _rank(inputs, prepared.scorecards, method))
        return _computation(inputs, method, prepared, outcome)

    def rankings(self, inputs: RoundInputs, methods: Iterable[str]) -> dict[str, MethodRanking]:
        """Each method's :class:`MethodRanking`, the missing ones computed together."""
        methods = list(methods)
        found: dict[str, MethodRanking] = {}
        with self._lock:
            for method in methods:
                ranking = self._rankings.get((*inputs.cache_key, method))
                if ranking is not None:
                    self._rankings.move_to_end((*inputs.cache_key, method))
                    found[method] = ranking
        missing = [m for m in methods if m not in found]
        if missing:
            prepared, _outcomes = self._round(inputs)
            rnd = inputs.round
            computed = scoring.round_rankings(
                methods=missing,
                scorecards=prepared.scorecards,
                tie_break=list(rnd.tie_break or []),
                criteria_codes=[c.code for c in inputs.criteria],
            )
            with self._lock:
                for method, ranked in computed.items():
                    found[method] = self._rankings[(*inputs.cache_key, method)] = MethodRanking.of(
                        method, ranked
                    )
                while len(self._rankings) > CACHED_RANKINGS:
                    self._rankings.popitem(last=False)
        return {m: found[m] for m in methods}


#: The results page's cache (:func:`round_report`); ``clear()`` empties it.
round_cache = _RoundCache()


# --- the document ---------------------------------------------------------------------------------------


def number(value: Any) -> int | float | None:
    """A JSON number rounded half-up to 4 decimals (ints, such as Schulze wins, stay ints).

    Exactly ``float(round_half_up(value))``; Fractions and finite floats (every number of a
    ranking) take a shorter road to the same float: the rounded value is units / 10⁴, and an
    integer division in Python is correctly rounded, as the Decimal's conversion is.
    """
    if value is None:
        return None
    kind = type(value)
    if kind is Fraction:
        numerator, denominator = value.numerator, value.denominator
    elif kind is float and math.isfinite(value):
        numerator, denominator = Decimal(repr(value)).as_integer_ratio()  # floats as they print
    elif isinstance(value, int) and not isinstance(value, bool):
        return value
    else:
        rounded = round_half_up(value)
        return float(rounded) if rounded is not None else None
    units = (2 * abs(numerator) * 10_000 + denominator) // (2 * denominator)
    return (-units if numerator < 0 else units) / 10_000


def remembered_number() -> Callable[[Any], int | float | None]:
    """:func:`number`, each distinct value converted once: a ranking's 20,000 rows repeat a few
    thousand means, medians and deviations (a Decimal per float cost half the results document).

    Values are told apart by type as well (``2``, ``2.0`` and ``Fraction(2)`` are equal keys of a
    dict but print differently); a Fraction is keyed by its numerator and denominator (hashing a
    Fraction costs more than converting it)."""
    seen: dict[tuple[Any, ...], int | float | None] = {}

    def of(value: Any) -> int | float | None:
        kind = type(value)
        key = (kind, value.numerator, value.denominator) if kind is Fraction else (kind, value)
        found = seen.get(key, seen)
        if found is seen:
            found = seen[key] = number(value)
        return found  # type: ignore[return-value]

    return of


def round_document(comp: Computation) -> dict[str, Any]:
    """The round's part of the results document (the spec's keys, then added fields)."""
    rnd = comp.round
    result = comp.result
    reliability_source = result or comp.fallback
    row_number = remembered_number()
    doc: dict[str, Any] = {
        "code": rnd.code,
        "method": comp.method,
        "ranking": [
            {
                "application": row.application,
                "rank": row.rank,
                "tied": row.tied,
                "score": row_number(row.score),
                "raw_mean": row_number(row.raw_mean),
                "median": row_number(row.median),
                "count": row.count,
                "stdev": row_number(row.stdev),
            }
            for row in (result.rows if result else ())
        ],
        "reliability": {
            "krippendorff_alpha": number(reliability_source.reliability.krippendorff_alpha)
            if reliability_source
            else None
        },
        "juror_offsets": {
            str(juror): number(offset)
            for juror, offset in sorted((result.juror_offsets if result else {}).items())
        },
        # Added fields (the spec allows additions):
        "fingerprint": comp.fingerprint,
        "offsets_basis": result.offsets_basis if result else None,
        "juror_flags": [
            {
                "juror": str(flag.juror),
                "reasons": list(flag.reasons),
                "compared": flag.compared,
                "offset": number(flag.offset),
                "mean_abs_deviation": number(flag.mean_abs_deviation),
                "correlation": number(flag.correlation),
            }
            for flag in (result.juror_flags if result else ())
        ],
    }
    if comp.disconnected is not None:
        doc["error"] = {
            "code": "disconnected",
            "message": str(comp.disconnected),
            "groups": [
                {"applications": [str(a) for a in g.applications], "jurors": [str(j) for j in g.jurors]}
                for g in comp.disconnected.components
            ],
        }
    elif comp.error is not None:
        doc["error"] = {"code": "invalid", "message": comp.error}
    if comp.excluded:
        doc["excluded"] = [
            {"juror": card.email, "application": card.ref, "reason": reason} for card, reason in comp.excluded
        ]
    return doc


def edition_rounds(db: Session, edition: Edition) -> list[tuple[Prize, list[Round]]]:
    """The edition's prizes with their rounds, in display order (two queries)."""
    prizes = db.scalars(
        select(Prize).where(Prize.edition_id == edition.id).order_by(Prize.position, Prize.id)
    ).all()
    rounds = (
        db.scalars(
            select(Round).where(Round.prize_id.in_([p.id for p in prizes])).order_by(Round.position, Round.id)
        ).all()
        if prizes
        else []
    )
    by_prize: dict[int, list[Round]] = defaultdict(list)
    for rnd in rounds:
        by_prize[rnd.prize_id].append(rnd)
    return [(prize, by_prize[prize.id]) for prize in prizes]


def results_document(db: Session, edition: Edition) -> dict[str, Any]:
    """The document of ``judging results EDITION --json``, computed from the stored scorecards."""
    structure = edition_rounds(db, edition)
    inputs = load_inputs(db, [rnd for _prize, rounds in structure for rnd in rounds])
    return {
        "edition": edition.code,
        "prizes": [
            {
                "code": prize.code,
                "rounds": [round_document(compute(inputs[rnd.id])) for rnd in rounds],
                "finalists": prize.finalists,
            }
            for prize, rounds in structure
        ],
    }


def round_computation(db: Session, rnd: Round) -> Computation:
    """One round, live (the queries of :func:`load_inputs`), computed afresh."""
    return compute(load_inputs(db, [rnd])[rnd.id])


# --- what the results page shows ------------------------------------------------------------------------


def is_final_round(rnd: Round, prize_rounds: Sequence[Round]) -> bool:
    """The final of a prize: coded ``final``, ranked by Schulze, or the last of several rounds.

    A final decides the winner (cut 1); any other round selects the prize's finalists.
    """
    if rnd.code == "final" or rnd.method == "schulze":
        return True
    ordered = sorted(prize_rounds, key=lambda r: (r.position, r.id))
    return len(ordered) > 1 and ordered[-1].id == rnd.id


def cut_size(rnd: Round, prize: Prize, prize_rounds: Sequence[Round]) -> int:
    """How many rows are "above the cut": the prize's finalists, or 1 (the winner) in a final."""
    return 1 if is_final_round(rnd, prize_rounds) else max(0, prize.finalists or 0)


def above_cut(result: RoundResult | None, cut: int) -> list[str]:
    """Applications ranked within the cut, in rank order (a tie straddling the cut is all in)."""
    if result is None or cut <= 0:
        return []
    return [str(row.application) for row in result.rows if row.rank <= cut]


@dataclass(frozen=True)
class TieAtCut:
    """Rows sharing a rank across the cut: ``places`` of them can go through."""

    rank: int
    applications: tuple[str, ...]
    places: int


def tie_at_cut(result: RoundResult | None, cut: int) -> TieAtCut | None:
    """The tie straddling the cut, if any (rank ≤ cut < rank + size − 1)."""
    if result is None or cut <= 0:
        return None
    groups: dict[int, list[str]] = defaultdict(list)
    for row in result.rows:
        groups[row.rank].append(str(row.application))
    for rank, members in groups.items():
        if len(members) > 1 and rank <= cut < rank + len(members) - 1:
            return TieAtCut(rank=rank, applications=tuple(members), places=cut - rank + 1)
    return None


@dataclass(frozen=True)
class Sensitivity:
    method: str
    same: bool
    above: tuple[str, ...]
    message: str
    disconnected: DisconnectedGraph | None = None


def _list_text(items: Sequence[str]) -> str:
    if not items:
        return _("none")
    if len(items) == 1:
        return items[0]
    return _("%(first)s and %(last)s", first=", ".join(items[:-1]), last=items[-1])


def disconnected_message(error: DisconnectedGraph) -> str:
    """A translated explanation naming the separate groups of jurors and applications."""
    parts = [
        _(
            "group %(n)s: applications %(applications)s, jurors %(jurors)s",
            n=i,
            applications=", ".join(map(str, g.applications)),
            jurors=", ".join(map(str, g.jurors)),
        )
        for i, g in enumerate(error.components, start=1)
    ]
    return _(
        "The juror-offset model needs every juror linked to every other through shared applications, "
        "but this round splits into %(count)s separate groups (%(groups)s). Have a juror score "
        "applications of several groups, or choose another method.",
        count=len(error.components),
        groups=_("; ").join(parts),
    )


def computation_problem(comp: Computation) -> str | None:
    """Why the round could not be ranked with its method, translated (None when it could)."""
    if comp.disconnected is not None:
        return disconnected_message(comp.disconnected)
    if comp.error is None:
        return None
    problems = tie_break_errors(list(comp.round.tie_break or []), [c.code for c in comp.inputs.criteria])
    if problems:
        return _(
            "The tie-break chain of this round is not valid: %(problems)s",
            problems=" ".join(str(p) for p in problems),
        )
    return _("The results cannot be computed: %(error)s", error=comp.error)


def excluded_reason(card: Card) -> str:
    """Why a submitted scorecard cannot count, translated."""
    if not card.scores:
        return _("it answers no criterion")
    return _("a score is outside its criterion's scale (the rubric changed after scoring?)")


def _above(item: Computation | MethodRanking, cut: int) -> list[str]:
    return item.above_cut(cut) if isinstance(item, MethodRanking) else above_cut(item.result, cut)


def sensitivity(
    computations: Mapping[str, Computation | MethodRanking], *, current: str, cut: int, final: bool
) -> list[Sensitivity]:
    """For every other method: does it change who is above the cut? One translated sentence each.

    Each method comes as its :class:`Computation` or as its :class:`MethodRanking` (all this needs).
    """
    base = _above(computations[current], cut)
    return [
        sensitivity_line(
            method,
            base=base,
            above=_above(comp, cut) if comp.ok else [],
            disconnected=comp.disconnected,
            ok=comp.ok,
            error=comp.error,
            final=final,
        )
        for method, comp in computations.items()
        if method != current
    ]


def sensitivity_line(
    method: str,
    *,
    base: Sequence[str],
    above: Sequence[str],
    disconnected: DisconnectedGraph | None,
    ok: bool,
    error: str | None,
    final: bool,
) -> Sensitivity:
    """One method's line of the sensitivity panel: ``above`` are who it puts above the cut (``base``
    who the round's method does); ``disconnected``, or not ``ok`` with ``error``, when it could
    not rank the round."""
    phrase = str(METHOD_PHRASES.get(method, method))
    if disconnected is not None:
        return Sensitivity(
            method=method,
            same=False,
            above=(),
            message=_("With %(method)s: cannot be computed here.", method=phrase)
            + " "
            + disconnected_message(disconnected),
            disconnected=disconnected,
        )
    if not ok:
        return Sensitivity(
            method=method,
            same=False,
            above=(),
            message=_("With %(method)s: cannot be computed (%(error)s).", method=phrase, error=error),
        )
    other = list(above)
    same = set(other) == set(base)
    if same:
        message = (
            _("With %(method)s, the winner would be the same.", method=phrase)
            if final
            else _("With %(method)s, the same applications would be finalists.", method=phrase)
        )
    elif final:
        message = _(
            "With %(method)s, %(new)s would win instead of %(old)s.",
            method=phrase,
            new=_list_text(other),
            old=_list_text(base),
        )
    else:
        message = _(
            "With %(method)s, %(new)s would be finalists instead of %(old)s.",
            method=phrase,
            new=_list_text(other),
            old=_list_text(base),
        )
    return Sensitivity(method=method, same=same, above=tuple(other), message=message)


class Line:
    """One row of the results page: the engine's row and the application's details.

    ``juror_totals`` ((juror name, email, total), by name) is computed when first read: a page
    showing a hundred rows of 25,000 reads a hundred of them.
    """

    __slots__ = ("ref", "application_id", "title", "row", "above_cut", "in_tie_at_cut", "_juror_totals")

    def __init__(
        self,
        *,
        ref: str,
        application_id: int,
        title: str,
        row: Any,  # scoring.ResultRow
        juror_totals: list[tuple[str, str, Fraction]] | Callable[[], list[tuple[str, str, Fraction]]],
        above_cut: bool,
        in_tie_at_cut: bool,
    ) -> None:
        self.ref = ref
        self.application_id = application_id
        self.title = title
        self.row = row
        self.above_cut = above_cut
        self.in_tie_at_cut = in_tie_at_cut
        self._juror_totals = juror_totals

    @property
    def juror_totals(self) -> list[tuple[str, str, Fraction]]:
        if callable(self._juror_totals):
            self._juror_totals = self._juror_totals()
        return self._juror_totals

    def __repr__(self) -> str:
        return (
            f"Line(ref={self.ref!r}, rank={getattr(self.row, 'rank', None)!r}, above_cut={self.above_cut!r})"
        )


@dataclass
class RoundOutcome:
    """A round's results as stored (:mod:`judging.results.stored`): the round's method, the other
    compared methods' rankings, the cut, leniency and flags; nothing said in a reader's language."""

    round: Round
    prize: Prize
    computation: Computation
    document: dict[str, Any]
    cut: int
    final: bool
    tie: TieAtCut | None
    jurors: list[tuple[str, str, float | None]]  # (name, email, offset), by name
    flags: list[Any]
    juror_names: dict[str, str]
    #: every other compared method's ranking (the side-by-side table of the results page)
    other_rankings: dict[str, Any] = field(default_factory=dict)

    @property
    def result(self) -> RoundResult | None:
        return self.computation.result

    @cached_property
    def application_ids(self) -> dict[str, int]:
        """The scored applications' ids by reference."""
        inputs = self.computation.inputs
        return {inputs.applications[i][0]: i for i in np.unique(inputs.application_ids).tolist()}


@dataclass
class RoundReport(RoundOutcome):
    """Everything the results page shows about a round computed live: its outcome, the ranking's
    lines, the applications without a counted scorecard, the sensitivity panel's sentences."""

    lines: list[Line] = field(default_factory=list)
    #: (application id, ref, title) of applications without a counted card
    unscored: list[tuple[int, str, str]] = field(default_factory=list)
    sensitivity: list[Sensitivity] = field(default_factory=list)


def juror_places(inputs: RoundInputs) -> dict[int, int]:
    """Each juror's place when jurors are listed by name (as the reader's collation orders them),
    then email: the order of an application's juror totals. One collation key per juror."""
    key = sort_key()

    def by_name(juror_id: int) -> tuple[Any, str]:
        email, name = inputs.jurors[juror_id]
        return (key(name or email), email)

    ordered = sorted(np.unique(inputs.juror_ids).tolist(), key=by_name)
    return {juror_id: place for place, juror_id in enumerate(ordered)}


@dataclass(frozen=True)
class GroupedTotals:
    """Every counted scorecard's juror and exact total, grouped by application, jurors by name.

    Application ``applications[k]`` has the entries ``starts[k]`` to ``starts[k + 1]``: juror
    ``juror_ids[e]``, total ``totals[total_codes[e]]`` (the distinct totals, shared)."""

    applications: np.ndarray
    starts: np.ndarray
    juror_ids: np.ndarray
    total_codes: np.ndarray
    totals: list[Fraction]

    def entries(self, application_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where each application's entries start and stop (equal when it has none)."""
        ids = np.asarray(application_ids, dtype=np.int64)
        at = np.searchsorted(self.applications, ids)
        found = at < len(self.applications)
        found[found] = self.applications[at[found]] == ids[found]
        starts = np.where(found, self.starts[np.minimum(at, len(self.applications))], 0)
        stops = np.where(found, self.starts[np.minimum(at + 1, len(self.applications))], 0)
        return starts, stops


def grouped_totals(inputs: RoundInputs, prepared: Prepared) -> GroupedTotals:
    """The counted scorecards' totals grouped by application, each group's jurors in name order
    (:func:`juror_places`, then the inputs' order): one sort of every scorecard, no Fraction per
    scorecard (storing a round reads every application's totals)."""
    codes, distinct = prepared.total_codes()
    rows = np.flatnonzero(codes >= 0)
    juror_ids = inputs.juror_ids[rows]
    places = juror_places(inputs)
    present, inverse = np.unique(juror_ids, return_inverse=True)
    place = np.array([places[j] for j in present.tolist()], dtype=np.int64)[inverse.reshape(-1)]
    application_ids = inputs.application_ids[rows]
    order = np.lexsort((rows, place, application_ids))
    applications, starts = np.unique(application_ids[order], return_index=True)
    return GroupedTotals(
        applications=applications,
        starts=np.append(starts, len(order)).astype(np.int64),
        juror_ids=juror_ids[order],
        total_codes=codes[rows][order],
        totals=distinct,
    )


def _juror_totals(
    inputs: RoundInputs, prepared: Prepared
) -> Callable[[int], list[tuple[str, str, Fraction]]]:
    """For an application id: its counted scorecards' (juror name, email, exact total), by name
    (:func:`grouped_totals`, made once for the whole round)."""
    grouped = grouped_totals(inputs, prepared)
    group_of = {application_id: k for k, application_id in enumerate(grouped.applications.tolist())}
    starts = grouped.starts.tolist()

    def of(application_id: int) -> list[tuple[str, str, Fraction]]:
        k = group_of.get(application_id)
        if k is None:
            return []
        out = []
        for juror_id, code in zip(
            grouped.juror_ids[starts[k] : starts[k + 1]].tolist(),
            grouped.total_codes[starts[k] : starts[k + 1]].tolist(),
            strict=True,
        ):
            email, name = inputs.jurors[juror_id]
            out.append((name or email, email, grouped.totals[code]))
        return out

    return of


@contextmanager
def without_cycle_collection() -> Iterator[None]:
    """Python's cycle collector paused for the block (reference counting still frees everything).

    Ranking a round makes a few hundred thousand small objects (exact fractions, tuples, lists per
    application) that form no cycle, yet each of them counts towards the collector's next pass over
    every live object: at 57,000 scorecards those passes were 90 ms of the 250 ms the methods took.
    Left as it was found, so that a caller who paused it keeps it paused; a cycle made meanwhile
    is collected by the next pass after the block.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def round_outcome(db: Session, rnd: Round, prize: Prize, prize_rounds: Sequence[Round]) -> RoundOutcome:
    """The round's results with every compared method, as stored: five queries (:func:`load_inputs`).

    The round's own method and the other methods come from :data:`round_cache` when the inputs'
    fingerprint was already computed in this process.
    """
    inputs = load_inputs(db, [rnd])[rnd.id]
    with without_cycle_collection():
        comp = round_cache.computation(inputs, rnd.method)
        others = round_cache.rankings(inputs, [m for m in COMPARED_METHODS if m != rnd.method])
    final = is_final_round(rnd, prize_rounds)
    cut = cut_size(rnd, prize, prize_rounds)
    names = {}
    for juror_id in np.unique(inputs.juror_ids).tolist():
        email, name = inputs.jurors[juror_id]
        names[email] = name or email
    offsets = comp.result.juror_offsets if comp.result else {}
    jurors = sorted(
        ((names.get(str(email), str(email)), str(email), offsets.get(email)) for email in offsets),
        key=lambda j: (sort_key()(j[0]), j[1]),
    )
    return RoundOutcome(
        round=rnd,
        prize=prize,
        computation=comp,
        document=round_document(comp),
        cut=cut,
        final=final,
        tie=tie_at_cut(comp.result, cut),
        jurors=jurors,
        flags=list(comp.result.juror_flags) if comp.result else [],
        juror_names=names,
        other_rankings=dict(others),
    )


def _unscored(db: Session, rnd: Round, final: bool, ranked: set[str]) -> list[tuple[int, str, str]]:
    """The prize's applications in the running without a ranked row (a final: its own ones only)."""
    in_running = select(Application.id, Application.ref, Application.title).where(
        Application.prize_id == rnd.prize_id, Application.status.in_(COUNTED_APPLICATION_STATUSES)
    )
    if final:  # a final decides among its own applications: the finalists and those assigned to it
        in_running = in_running.where(
            or_(
                Application.id.in_(select(Assignment.application_id).where(Assignment.round_id == rnd.id)),
                Application.id.in_(
                    select(Decision.application_id).where(
                        Decision.prize_id == rnd.prize_id, Decision.outcome == "finalist"
                    )
                ),
            )
        )
    rows = db.execute(in_running.order_by(Application.ref)).all()
    return [(i, ref, title or "") for i, ref, title in rows if ref not in ranked]


def round_report(db: Session, rnd: Round, prize: Prize, prize_rounds: Sequence[Round]) -> RoundReport:
    """Everything the results page shows about ``rnd``, computed live, in a fixed number of queries
    (six): :func:`round_outcome`, the ranking's lines, the unscored applications, the sensitivity."""
    outcome = round_outcome(db, rnd, prize, prize_rounds)
    comp, cut, tie = outcome.computation, outcome.cut, outcome.tie
    inputs = comp.inputs
    titles = {
        inputs.applications[i][0]: inputs.applications[i][1] or "" for i in outcome.application_ids.values()
    }
    totals_of = _juror_totals(inputs, inputs.prepared)
    lines = []
    for row in comp.result.rows if comp.result else ():
        ref = str(row.application)
        application_id = outcome.application_ids[ref]
        lines.append(
            Line(
                ref=ref,
                application_id=application_id,
                title=titles[ref],
                row=row,
                juror_totals=lambda application_id=application_id: totals_of(application_id),
                above_cut=row.rank <= cut,
                in_tie_at_cut=tie is not None and ref in tie.applications,
            )
        )
    methods = {rnd.method: comp, **outcome.other_rankings}
    return RoundReport(
        **{f.name: getattr(outcome, f.name) for f in fields(RoundOutcome)},
        lines=lines,
        unscored=_unscored(db, rnd, outcome.final, {line.ref for line in lines}),
        sensitivity=sensitivity(methods, current=rnd.method, cut=cut, final=outcome.final),
    )


# --- exports --------------------------------------------------------------------------------------------


def ranking_rows(
    lines: Sequence[Line],
    entries: Sequence[dict[str, Any]],
    unscored: Sequence[tuple[int, str, str]],
    decisions: dict[int, Any],
) -> list[dict[str, Any]]:
    """The ranking as export rows, with each decision: ``lines`` with their rows of the results
    document (``entries``, in the same order), then the ``unscored`` applications."""
    rows = []
    for line, doc in zip(lines, entries, strict=True):
        decision = decisions.get(line.application_id)
        rows.append(
            {
                **doc,
                "title": line.title,
                "above_cut": line.above_cut,
                "jurors": "; ".join(f"{name} {number(total)}" for name, _email, total in line.juror_totals),
                "decision": decision.outcome if decision is not None else None,
                "reason": decision.reason if decision is not None else None,
            }
        )
    for application_id, ref, title in unscored:
        decision = decisions.get(application_id)
        rows.append(
            {
                "application": ref,
                "title": title,
                "count": 0,
                "decision": decision.outcome if decision is not None else None,
                "reason": decision.reason if decision is not None else None,
            }
        )
    return rows


def scorecard_rows(db: Session, rnd: Round) -> tuple[list[Criterion], list[dict[str, Any]]]:
    """Every scorecard of the round (any status) with its scores and total: two queries."""
    criteria = list(
        db.scalars(
            select(Criterion).where(Criterion.round_id == rnd.id).order_by(Criterion.position, Criterion.id)
        )
    )
    code_of = {c.id: c.code for c in criteria}
    rubric = Rubric(specs(criteria))
    rows = db.execute(
        select(
            Assignment.id,
            Assignment.status,
            Assignment.comment,
            Assignment.submitted_at,
            Application.ref,
            Application.title,
            User.name,
            User.email,
            CriterionScore.criterion_id,
            CriterionScore.value,
        )
        .join(Application, Application.id == Assignment.application_id)
        .join(User, User.id == Assignment.juror_id)
        .outerjoin(CriterionScore, CriterionScore.assignment_id == Assignment.id)
        .where(Assignment.round_id == rnd.id)
        .order_by(Application.ref, User.email, Assignment.id, CriterionScore.id)
    ).all()
    cards: dict[int, dict[str, Any]] = {}
    scores: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for assignment_id, status, comment, submitted_at, ref, title, name, email, criterion_id, value in rows:
        cards.setdefault(
            assignment_id,
            {
                "juror": name or email,
                "email": email,
                "application": ref,
                "title": title,
                "status": status,
                "comment": comment,
                "submitted_at": submitted_at,
            },
        )
        if criterion_id in code_of and value is not None:
            scores[assignment_id][code_of[criterion_id]] = value
    out = []
    for assignment_id, card in cards.items():
        values = scores.get(assignment_id, {})
        try:
            total = rubric.total(values) if values else None
        except ValueError:
            total = None
        out.append(
            {
                **card,
                **{f"score:{code}": values.get(code) for code in code_of.values()},
                "total": number(total),
                "counts": card["status"] == "submitted",
            }
        )
    return criteria, out
