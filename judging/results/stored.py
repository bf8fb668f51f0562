"""Stored round results: computed once per change of what they depend on, read a page at a time.

Computing a round (loading every counted scorecard, hashing them into the fingerprint, ranking
them with the round's method and every compared method, reliability and flags) costs about a
second of CPU at 25,000 applications; the results page and ``judging results --json`` read what
was stored instead (:class:`~judging.results.models.RoundResult` and its
:class:`~judging.results.models.RoundResultRow`, one per ranked application, in ranking order).

When stored results are stale:

- every write that can change a round's ranking calls :func:`~judging.results.models.mark_stale`
  in its transaction (a scorecard saved, submitted, abstained, recused or removed; a conflict
  declared or lifted; an application withdrawn, found ineligible, put back or deleted;
  scorecards imported or generated).
  It is one ``INSERT … ON CONFLICT DO UPDATE`` (the rounds' rows marked, their generation
  incremented), whatever the number of rounds;
- the round's settings (method, tie-break chain, criteria with weights and scales, the cut and
  whether the round is the final) are stored with the results and compared on every read (one
  small query), so a changed setting needs no call.

A read that finds the results missing, stale or computed with other settings recomputes them in
a session of its own (:func:`_recompute`) and commits them, then reads them. That session first
updates the round's row, which locks it (PostgreSQL: the row; SQLite: the database) until it
commits: a second reader waits and then finds fresh results instead of computing them again,
and a write marking the round stale waits too and so commits after the results it makes stale.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import JSON, Integer, Text, bindparam, cast, func, or_, select, text, update
from sqlalchemy.orm import Session

from judging.applications.models import Application
from judging.core.models import utcnow
from judging.editions.models import Criterion, Edition, Prize, Round
from judging.jury.models import Assignment
from judging.results import computation
from judging.results.computation import COUNTED_APPLICATION_STATUSES, Line, Sensitivity, TieAtCut
from judging.results.engine.scoring import Component, DisconnectedGraph
from judging.results.models import Decision, RoundResult, RoundResultRow, dialect_insert

#: How long a recomputation waits for the round's row (another recomputation, or a write marking
#: it stale, holds it) before giving up, on PostgreSQL.
LOCK_TIMEOUT_SECONDS = 30


# --- settings ------------------------------------------------------------------------------------------


def round_settings(
    db: Session, rnd: Round, prize: Prize, prize_rounds: Sequence[Round]
) -> tuple[dict[str, Any], list[Criterion]]:
    """What the results depend on besides the scorecards, as stored with them (one query)."""
    criteria = list(
        db.scalars(
            select(Criterion).where(Criterion.round_id == rnd.id).order_by(Criterion.position, Criterion.id)
        )
    )
    settings = {
        "method": rnd.method,
        "tie_break": list(rnd.tie_break or []),
        "criteria": [
            [c.code, str(c.weight), str(c.min_value), str(c.max_value), bool(c.required)] for c in criteria
        ],
        "cut": computation.cut_size(rnd, prize, prize_rounds),
        "final": computation.is_final_round(rnd, prize_rounds),
    }
    return settings, criteria


def _is_fresh(stored: RoundResult | None, settings: dict[str, Any]) -> bool:
    return stored is not None and not stored.stale and stored.settings == settings


def _load(db: Session, round_id: int) -> RoundResult | None:
    return db.execute(
        select(RoundResult).where(RoundResult.round_id == round_id).execution_options(populate_existing=True)
    ).scalar_one_or_none()


def fresh_result(
    db: Session, rnd: Round, prize: Prize, prize_rounds: Sequence[Round]
) -> tuple[RoundResult, list[Criterion]]:
    """The round's stored results, recomputed first (in a transaction of their own) if needed."""
    settings, criteria = round_settings(db, rnd, prize, prize_rounds)
    stored = _load(db, rnd.id)
    if not _is_fresh(stored, settings):
        _recompute(db, rnd.id)
        stored = _load(db, rnd.id)
    assert stored is not None
    return stored, criteria


# --- computing and storing ------------------------------------------------------------------------------


def _recompute(db: Session, round_id: int) -> None:
    """Compute the round and store its results, in a session of its own, one at a time."""
    with Session(db.get_bind(), expire_on_commit=False) as own:
        own.execute(
            dialect_insert(own)(RoundResult.__table__)
            .values(round_id=round_id, stale=True, generation=0)
            .on_conflict_do_nothing(index_elements=["round_id"])
        )
        own.commit()
        if own.get_bind().dialect.name == "postgresql":
            # A request that marked this round stale and reads it before committing would wait
            # for itself: fail (the error page) rather than hang. SQLite's busy timeout does the same.
            own.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT_SECONDS}s'"))
        # Lock the row: another reader waits here, then finds the results fresh.
        own.execute(
            update(RoundResult)
            .where(RoundResult.round_id == round_id)
            .values(generation=RoundResult.generation)
            .execution_options(synchronize_session=False)
        )
        rnd = own.get(Round, round_id)
        prize = own.get(Prize, rnd.prize_id)
        prize_rounds = list(
            own.scalars(select(Round).where(Round.prize_id == prize.id).order_by(Round.position, Round.id))
        )
        settings, _criteria = round_settings(own, rnd, prize, prize_rounds)
        stored = _load(own, round_id)
        if not _is_fresh(stored, settings):
            with computation.without_cycle_collection():  # hundreds of thousands of rows and values
                outcome = computation.round_outcome(own, rnd, prize, prize_rounds)
                _store(own, stored, outcome, settings)
        own.commit()


def _groups(error: DisconnectedGraph | None) -> list[list[list[str]]] | None:
    if error is None:
        return None
    return [[[str(a) for a in g.applications], [str(j) for j in g.jurors]] for g in error.components]


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _report_json(outcome: computation.RoundOutcome) -> dict[str, Any]:
    """What the results page shows besides the rows, in stored form (numbers exact as floats)."""
    comp = outcome.computation
    tie = outcome.tie
    rows = outcome.result.rows if outcome.result else ()
    return {
        "rows": len(rows),
        "top": [
            [str(row.application), outcome.application_ids[str(row.application)]]
            for row in rows
            if row.rank <= outcome.cut
        ],
        "tie": None if tie is None else [tie.rank, list(tie.applications), tie.places],
        "methods": [
            {
                "method": method,
                "above": ranking.above_cut(outcome.cut) if ranking.ok else [],
                "groups": _groups(ranking.disconnected),
                "ok": ranking.ok,
                "error": ranking.error,
            }
            for method, ranking in outcome.other_rankings.items()
        ],
        "jurors": [[name, email, _float(offset)] for name, email, offset in outcome.jurors],
        "flags": [
            {
                "juror": str(flag.juror),
                "reasons": list(flag.reasons),
                "compared": flag.compared,
                "mean_abs_deviation": _float(flag.mean_abs_deviation),
                "correlation": _float(flag.correlation),
            }
            for flag in outcome.flags
        ],
        "juror_names": outcome.juror_names,
        "count": comp.inputs.count,
        "excluded": [[card.name, card.ref, card.email, bool(card.scores)] for card, _reason in comp.excluded],
        "error": comp.error,
        "disconnected": _groups(comp.disconnected),
        "other_methods": [m for m, r in outcome.other_rankings.items() if r.ok],
    }


# The rows' JSON columns are written as text encoded here, once per row, from pieces encoded once
# per juror, per distinct total and per method (what the JSON type would encode value by value).
_json = json.dumps


def _totals_texts(outcome: computation.RoundOutcome, application_ids: list[int]) -> list[str]:
    """Each ranked application's ``totals`` column: its counted scorecards' [juror name, email,
    total as a document number], jurors by name (:func:`computation.grouped_totals`)."""
    inputs = outcome.computation.inputs
    grouped = computation.grouped_totals(inputs, inputs.prepared)
    juror_text = {}
    for juror_id in np.unique(grouped.juror_ids).tolist():
        email, name = inputs.jurors[juror_id]
        juror_text[juror_id] = _json([name or email, email])[:-1] + ", "
    total_text = [_json(computation.number(total)) + "]" for total in grouped.totals]
    pieces = [
        juror_text[juror_id] + total_text[code]
        for juror_id, code in zip(grouped.juror_ids.tolist(), grouped.total_codes.tolist(), strict=True)
    ]
    starts, stops = grouped.entries(np.array(application_ids, dtype=np.int64))
    return [
        "[" + ", ".join(pieces[start:stop]) + "]"
        for start, stop in zip(starts.tolist(), stops.tolist(), strict=True)
    ]


def _others_texts(outcome: computation.RoundOutcome, refs: list[str]) -> list[str]:
    """Each ranked application's ``others`` column: the rank each other method that could rank the
    round gives it (a method that left it out says nothing)."""
    columns = []
    for method, ranking in outcome.other_rankings.items():
        if ranking.ok:
            rank_of = dict(zip(ranking.applications, np.asarray(ranking.ranks).tolist(), strict=True))
            columns.append((_json(method) + ": ", [rank_of.get(ref) for ref in refs]))
    if columns and all(None not in ranks for _key, ranks in columns):  # each method ranks every one
        template = "{" + ", ".join(key + "%d" for key, _ranks in columns) + "}"
        return [template % ranks for ranks in zip(*(ranks for _key, ranks in columns), strict=True)]
    texts = []
    for n in range(len(refs)):
        parts = [key + str(ranks[n]) for key, ranks in columns if ranks[n] is not None]
        texts.append("{" + ", ".join(parts) + "}")
    return texts


_ENTRY_START = '{"application": '


def _entry_texts(entries: list[dict[str, Any]]) -> list[str]:
    """Each ranking entry as JSON: the whole ranking encoded in one call, cut where an entry starts.

    Outside a string a JSON text cannot contain ``}, {"application": `` but between two entries
    (inside a string the quote would be escaped), so as many pieces as entries means the cut is
    exact; anything else (an entry that would hold an object with that key) is encoded entry by
    entry. One call instead of 20,000 saves a third of the encoding."""
    whole = _json(entries)
    pieces = whole[1:-1].split(", " + _ENTRY_START)
    if len(pieces) != len(entries) or not whole.startswith("[" + _ENTRY_START):
        return [_json(entry) for entry in entries]
    return [pieces[0], *(_ENTRY_START + piece for piece in pieces[1:])]


#: The stored rows' columns, in the order of the tuples :func:`_row_values` makes.
_ROW_COLUMNS = ("round_id", "position", "application_id", "rank", "entry", "totals", "others")
_JSON_COLUMNS = ("entry", "totals", "others")


def _row_values(round_id: int, outcome: computation.RoundOutcome) -> list[tuple[Any, ...]]:
    """The stored rows of the ranking, in order (:data:`_ROW_COLUMNS`), their JSON columns encoded."""
    entries = outcome.document["ranking"]
    if not entries:
        return []
    refs = [str(entry["application"]) for entry in entries]
    application_ids = [outcome.application_ids[ref] for ref in refs]
    totals = _totals_texts(outcome, application_ids)
    others = _others_texts(outcome, refs)
    texts = _entry_texts(entries)
    return [
        (
            round_id,
            position,
            application_id,
            entry["rank"],
            texts[position],
            totals[position],
            others[position],
        )
        for position, (entry, application_id) in enumerate(zip(entries, application_ids, strict=True))
    ]


def _insert_rows(own: Session, rows: list[tuple[Any, ...]]) -> None:
    """One executemany of the rows (as many statements at every size), handed to the database driver
    as they are: the JSON columns come encoded (PostgreSQL casts the text to json) and SQLAlchemy
    takes no step per row (it took half the INSERT's time at 20,000 rows)."""
    connection = own.connection()
    dialect = connection.dialect

    def value(name: str) -> Any:
        if name not in _JSON_COLUMNS:
            return bindparam(f"v_{name}", type_=Integer())
        encoded = bindparam(f"v_{name}", type_=Text())
        return cast(encoded, JSON) if dialect.name == "postgresql" else encoded

    statement = RoundResultRow.__table__.insert().values({name: value(name) for name in _ROW_COLUMNS})
    compiled = statement.compile(dialect=dialect)
    names = [f"v_{name}" for name in _ROW_COLUMNS]
    if not compiled.positional:
        parameters: list[Any] = [dict(zip(names, row, strict=True)) for row in rows]
    elif list(compiled.positiontup) == names:
        parameters = rows
    else:
        picks = [names.index(name) for name in compiled.positiontup]
        parameters = [tuple(row[i] for i in picks) for row in rows]
    connection.exec_driver_sql(str(compiled), parameters)


def _store(
    own: Session, stored: RoundResult, outcome: computation.RoundOutcome, settings: dict[str, Any]
) -> None:
    document = outcome.document
    own.execute(RoundResultRow.__table__.delete().where(RoundResultRow.round_id == stored.round_id))
    rows = _row_values(stored.round_id, outcome)
    if rows:
        _insert_rows(own, rows)
    stored.summary = {key: value for key, value in document.items() if key != "ranking"}
    stored.report = _report_json(outcome)
    stored.settings = settings
    stored.fingerprint = outcome.computation.fingerprint
    stored.computed_at = utcnow()
    stored.stale = False
    own.flush()


# --- the results document ----------------------------------------------------------------------------------


def stored_round_document(db: Session, stored: RoundResult) -> dict[str, Any]:
    """The round's part of the results document, from what is stored (the same JSON, key for key)."""
    summary = dict(stored.summary or {})
    ranking = list(
        db.scalars(
            select(RoundResultRow.entry)
            .where(RoundResultRow.round_id == stored.round_id)
            .order_by(RoundResultRow.position)
        )
    )
    head = {"code": summary.pop("code"), "method": summary.pop("method"), "ranking": ranking}
    return head | summary


def results_document(db: Session, edition: Edition) -> dict[str, Any]:
    """The document of ``judging results EDITION --json``, from the stored results (fresh first)."""
    prizes = []
    for prize, rounds in computation.edition_rounds(db, edition):
        documents = []
        for rnd in rounds:
            stored, _criteria = fresh_result(db, rnd, prize, rounds)
            documents.append(stored_round_document(db, stored))
        prizes.append({"code": prize.code, "rounds": documents, "finalists": prize.finalists})
    return {"edition": edition.code, "prizes": prizes}


# --- what the results page reads ------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredCard:
    """An excluded scorecard as the page names it (``scores`` only says whether any was answered)."""

    name: str
    ref: str
    email: str
    scores: bool


@dataclass(frozen=True)
class StoredFlag:
    juror: str
    reasons: tuple[str, ...]
    compared: int
    mean_abs_deviation: float | None
    correlation: float | None


@dataclass
class StoredInputs:
    count: int
    criteria: list[Criterion]


@dataclass
class StoredComputation:
    """What the page asks of a computation, from the stored results."""

    round: Round
    method: str
    fingerprint: str | None
    inputs: StoredInputs
    error: str | None
    disconnected: DisconnectedGraph | None
    excluded: list[tuple[StoredCard, str]] = field(default_factory=list)


class StoredLine(Line):
    """A row of the results page read from the stored rows (its document entry, the other methods' ranks)."""

    __slots__ = ("entry", "others")


class PageLines(list):
    """The lines of the page shown; true whenever the round has ranked rows, as the whole
    ranking was (the template asks ``report.lines`` whether there is a ranking to show)."""

    def __init__(self, lines: Iterable[StoredLine], ranked_count: int) -> None:
        super().__init__(lines)
        self.ranked_count = ranked_count

    def __bool__(self) -> bool:
        return self.ranked_count > 0


@dataclass(frozen=True)
class _Rank:
    rank: int


def _disconnected(groups: list[list[list[str]]] | None) -> DisconnectedGraph | None:
    if groups is None:
        return None
    return DisconnectedGraph([Component(applications=tuple(a), jurors=tuple(j)) for a, j in groups])


@dataclass
class StoredReport:
    """A round's results page from the stored results: the summary, and one page of rows on demand."""

    db: Session
    round: Round
    prize: Prize
    stored: RoundResult
    computation: StoredComputation
    document: dict[str, Any]
    cut: int
    final: bool
    tie: TieAtCut | None
    sensitivity: list[Sensitivity]
    jurors: list[tuple[str, str, float | None]]
    flags: list[StoredFlag]
    juror_names: dict[str, str]
    ranked_count: int
    top: list[tuple[str, int]]  # (ref, application id) of the rows above the cut, in ranking order
    other_methods: list[str]
    unscored: list[tuple[int, str, str]]
    lines: PageLines = field(default_factory=lambda: PageLines([], 0))

    def __post_init__(self) -> None:
        self.lines = PageLines([], self.ranked_count)

    def load_page(self, start: int, stop: int) -> list[StoredLine]:
        """Rows ``start`` to ``stop`` of the ranking (positions), with the applications' titles."""
        tied = set(self.tie.applications) if self.tie else set()
        rows = self.db.execute(
            select(RoundResultRow, Application.title)
            .join(Application, Application.id == RoundResultRow.application_id)
            .where(
                RoundResultRow.round_id == self.round.id,
                RoundResultRow.position >= start,
                RoundResultRow.position < stop,
            )
            .order_by(RoundResultRow.position)
        ).all()
        lines = []
        for row, title in rows:
            ref = row.entry["application"]
            line = StoredLine(
                ref=ref,
                application_id=row.application_id,
                title=title or "",
                row=_Rank(row.rank),
                juror_totals=[tuple(t) for t in row.totals],
                above_cut=row.rank <= self.cut,
                in_tie_at_cut=ref in tied,
            )
            line.entry = row.entry
            line.others = row.others
            lines.append(line)
        self.lines = PageLines(lines, self.ranked_count)
        return lines

    def ranked_ids(self) -> list[int]:
        """Every ranked application's id, in ranking order (a final's few; one query)."""
        return list(
            self.db.scalars(
                select(RoundResultRow.application_id)
                .where(RoundResultRow.round_id == self.round.id)
                .order_by(RoundResultRow.position)
            )
        )

    def positions_of(self, application_ids: Iterable[int]) -> dict[int, tuple[int, str]]:
        """Where these applications are in the ranking, with their references (absent: not ranked)."""
        ids = list(application_ids)
        if not ids:
            return {}
        rows = self.db.execute(
            select(RoundResultRow.application_id, RoundResultRow.position, RoundResultRow.entry).where(
                RoundResultRow.round_id == self.round.id, RoundResultRow.application_id.in_(ids)
            )
        ).all()
        return {i: (position, entry["application"]) for i, position, entry in rows}


def _sensitivity(methods: list[dict[str, Any]], base: list[str], final: bool) -> list[Sensitivity]:
    """The sensitivity panel's sentences in the reader's language, from the stored outcomes."""
    return [
        computation.sensitivity_line(
            item["method"],
            base=base,
            above=item["above"],
            disconnected=_disconnected(item["groups"]),
            ok=item["ok"],
            error=item["error"],
            final=final,
        )
        for item in methods
    ]


def _unscored(db: Session, rnd: Round, final: bool) -> list[tuple[int, str, str]]:
    """The prize's applications in the running without a ranked row (a final: its own ones only)."""
    ranked = select(RoundResultRow.application_id).where(RoundResultRow.round_id == rnd.id)
    query = select(Application.id, Application.ref, Application.title).where(
        Application.prize_id == rnd.prize_id,
        Application.status.in_(COUNTED_APPLICATION_STATUSES),
        Application.id.not_in(ranked),
    )
    if final:
        query = query.where(
            or_(
                Application.id.in_(select(Assignment.application_id).where(Assignment.round_id == rnd.id)),
                Application.id.in_(
                    select(Decision.application_id).where(
                        Decision.prize_id == rnd.prize_id, Decision.outcome == "finalist"
                    )
                ),
            )
        )
    return [(i, ref, title or "") for i, ref, title in db.execute(query.order_by(Application.ref)).all()]


def page_report(db: Session, rnd: Round, prize: Prize, prize_rounds: Sequence[Round]) -> StoredReport:
    """The results page's report from the stored results (fresh first); rows come with :meth:`load_page`."""
    stored, criteria = fresh_result(db, rnd, prize, prize_rounds)
    data = stored.report or {}
    settings = stored.settings or {}
    comp = StoredComputation(
        round=rnd,
        method=rnd.method,
        fingerprint=stored.fingerprint,
        inputs=StoredInputs(count=data.get("count", 0), criteria=criteria),
        error=data.get("error"),
        disconnected=_disconnected(data.get("disconnected")),
        excluded=[(StoredCard(*card), "") for card in data.get("excluded", [])],
    )
    tie = data.get("tie")
    final = bool(settings.get("final"))
    return StoredReport(
        db=db,
        round=rnd,
        prize=prize,
        stored=stored,
        computation=comp,
        document=dict(stored.summary or {}),
        cut=int(settings.get("cut", 0)),
        final=final,
        tie=TieAtCut(rank=tie[0], applications=tuple(tie[1]), places=tie[2]) if tie else None,
        sensitivity=_sensitivity(data.get("methods", []), [ref for ref, _i in data.get("top", [])], final),
        jurors=[tuple(j) for j in data.get("jurors", [])],
        flags=[StoredFlag(**{**f, "reasons": tuple(f["reasons"])}) for f in data.get("flags", [])],
        juror_names=data.get("juror_names", {}),
        ranked_count=int(data.get("rows", 0)),
        top=[(ref, i) for ref, i in data.get("top", [])],
        other_methods=data.get("other_methods", []),
        unscored=_unscored(db, rnd, final),
    )


def stored_count(db: Session, round_id: int) -> int:
    """How many rows are stored for a round (tests and the benchmark)."""
    return db.scalar(select(func.count()).where(RoundResultRow.round_id == round_id)) or 0
