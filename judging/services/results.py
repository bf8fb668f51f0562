"""A round's results from its stored scorecards: loading, computing, the results document.

Reads only (nothing here writes). The maths is the pure engine in
:mod:`judging.domain.scoring`; this module loads what it needs in a fixed number of SQL
queries whatever the number of applications or jurors (one query over the submitted
scorecards joined with their scores, one over the criteria), builds the engine's inputs,
and shapes the outputs:

- :func:`results_document` is the document of ``judging results EDITION --json``
  (``spec/edition-format.md``, "Results"), extended only by added fields;
- :func:`round_report` is what the organizer's results page shows: the ranking with the
  jurors' totals, the finalist cut, the sensitivity to the method, leniency and flags.

What counts: submitted scorecards of applications that are still in the competition
(status ``submitted``: withdrawn and ineligible applications are left out). Applications
are identified by their reference, jurors by their email, as in the exchange format.

The **fingerprint** of a round is the SHA-256 of a canonical JSON of its settings
(method, tie-break chain, criteria with weights and scales) and of every counted
scorecard's (juror, application, scores), sorted: two computations with the same
fingerprint give the same results.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from ..domain import scoring
from ..domain.scoring import CriterionSpec, DisconnectedGraph, RoundResult, Rubric, round_half_up
from ..models import (
    Application,
    Assignment,
    Conflict,
    Criterion,
    CriterionScore,
    Decision,
    Edition,
    Prize,
    Round,
    User,
)

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


@dataclass
class RoundInputs:
    round: Round
    criteria: list[Criterion]
    cards: list[Card]


def _in_active_conflict():
    """A scorecard whose juror has an unlifted conflict with the application never counts,
    even when the conflict was recorded after the scorecard was submitted."""
    return exists().where(
        Conflict.user_id == Assignment.juror_id,
        Conflict.application_id == Assignment.application_id,
        Conflict.lifted_at.is_(None),
    )


def load_inputs(db: Session, rounds: Sequence[Round]) -> dict[int, RoundInputs]:
    """The criteria and submitted scorecards of ``rounds``: two queries, whatever their size."""
    ids = [r.id for r in rounds]
    inputs = {r.id: RoundInputs(round=r, criteria=[], cards=[]) for r in rounds}
    if not ids:
        return inputs
    criteria = db.scalars(
        select(Criterion).where(Criterion.round_id.in_(ids)).order_by(Criterion.position, Criterion.id)
    ).all()
    code_of: dict[int, str] = {}
    for criterion in criteria:
        inputs[criterion.round_id].criteria.append(criterion)
        code_of[criterion.id] = criterion.code
    rows = db.execute(
        select(
            Assignment.round_id,
            Assignment.id,
            Application.id,
            Application.ref,
            Application.title,
            User.id,
            User.email,
            User.name,
            CriterionScore.criterion_id,
            CriterionScore.value,
        )
        .join(Application, Application.id == Assignment.application_id)
        .join(User, User.id == Assignment.juror_id)
        .outerjoin(CriterionScore, CriterionScore.assignment_id == Assignment.id)
        .where(
            Assignment.round_id.in_(ids),
            Assignment.status == "submitted",
            Application.status.in_(COUNTED_APPLICATION_STATUSES),
            ~_in_active_conflict(),
        )
        .order_by(Assignment.round_id, Assignment.id, CriterionScore.id)
    ).all()
    current: Card | None = None
    for round_id, assignment_id, app_id, ref, title, juror_id, email, name, criterion_id, value in rows:
        if current is None or current.assignment_id != assignment_id:
            current = Card(
                assignment_id=assignment_id,
                application_id=app_id,
                ref=ref,
                title=title or "",
                juror_id=juror_id,
                email=email,
                name=name or email,
                scores={},
            )
            inputs[round_id].cards.append(current)
        if criterion_id is not None and criterion_id in code_of and value is not None:
            current.scores[code_of[criterion_id]] = value
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


def fingerprint(rnd: Round, criteria: Iterable[Criterion], cards: Iterable[Card]) -> str:
    """SHA-256 (hex) of the canonical JSON of :func:`canonical_inputs`."""
    text = json.dumps(
        canonical_inputs(rnd, criteria, cards), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- computing ----------------------------------------------------------------------------------------


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
    totals: dict[tuple[str, str], Fraction] = field(default_factory=dict)
    #: Reliability from the mean when the method itself could not be applied (alpha does not depend on it).
    fallback: RoundResult | None = None

    @property
    def ok(self) -> bool:
        return self.result is not None


def _scorecards(inputs: RoundInputs) -> tuple[list[scoring.Scorecard], list[tuple[Card, str]]]:
    rubric = Rubric(specs(inputs.criteria))
    cards: list[scoring.Scorecard] = []
    excluded: list[tuple[Card, str]] = []
    for card in inputs.cards:
        try:
            cards.append(
                scoring.make_scorecard(
                    application=card.ref, juror=card.email, criteria=rubric, scores=card.scores
                )
            )
        except ValueError as error:
            excluded.append((card, str(error)))
    return cards, excluded


def compute(inputs: RoundInputs, *, method: str | None = None, prepared: Any = None) -> Computation:
    """Rank the round with its own method (or ``method``); never raises for bad data.

    A disconnected round under ``additive`` sets ``disconnected`` (with the groups); another
    problem (a tie-break chain naming a missing criterion) sets ``error``.
    """
    rnd = inputs.round
    method = method or rnd.method
    cards, excluded = prepared if prepared is not None else _scorecards(inputs)
    comp = Computation(
        round=rnd,
        method=method,
        inputs=inputs,
        fingerprint=fingerprint(rnd, inputs.criteria, inputs.cards),
        excluded=excluded,
        totals={(c.juror, c.application): c.total for c in cards},
    )
    options = {"tie_break": list(rnd.tie_break or []), "criteria_codes": [c.code for c in inputs.criteria]}
    try:
        comp.result = scoring.round_results(method=method, scorecards=cards, **options)
    except DisconnectedGraph as error:
        comp.disconnected = error
    except ValueError as error:
        comp.error = str(error)
    if comp.result is None and comp.disconnected is not None:
        try:
            comp.fallback = scoring.round_results(method="mean", scorecards=cards, **options)
        except ValueError:  # pragma: no cover - the mean refuses only what additive refused first
            comp.fallback = None
    return comp


def compute_all_methods(inputs: RoundInputs) -> dict[str, Computation]:
    """The round under its own method and every other one (the sensitivity panel)."""
    prepared = _scorecards(inputs)
    methods = [inputs.round.method, *(m for m in COMPARED_METHODS if m != inputs.round.method)]
    return {m: compute(inputs, method=m, prepared=prepared) for m in methods}


# --- the document ---------------------------------------------------------------------------------------


def number(value: Any) -> int | float | None:
    """A JSON number rounded half-up to 4 decimals (ints, such as Schulze wins, stay ints)."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    rounded = round_half_up(value)
    return float(rounded) if rounded is not None else None


def round_document(comp: Computation) -> dict[str, Any]:
    """The round's part of the results document (the spec's keys, then added fields)."""
    rnd = comp.round
    result = comp.result
    reliability_source = result or comp.fallback
    doc: dict[str, Any] = {
        "code": rnd.code,
        "method": comp.method,
        "ranking": [
            {
                "application": row.application,
                "rank": row.rank,
                "tied": row.tied,
                "score": number(row.score),
                "raw_mean": number(row.raw_mean),
                "median": number(row.median),
                "count": row.count,
                "stdev": number(row.stdev),
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
    """One round, live (two queries)."""
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
    from flask_babel import gettext as _

    if not items:
        return _("none")
    if len(items) == 1:
        return items[0]
    return _("%(first)s and %(last)s", first=", ".join(items[:-1]), last=items[-1])


def disconnected_message(error: DisconnectedGraph) -> str:
    """A translated explanation naming the separate groups of jurors and applications."""
    from flask_babel import gettext as _

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
        groups="; ".join(parts),
    )


def computation_problem(comp: Computation) -> str | None:
    """Why the round could not be ranked with its method, translated (None when it could)."""
    from flask_babel import gettext as _

    from .editions import tie_break_errors

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
    from flask_babel import gettext as _

    if not card.scores:
        return _("it answers no criterion")
    return _("a score is outside its criterion's scale (the rubric changed after scoring?)")


def sensitivity(
    computations: dict[str, Computation], *, current: str, cut: int, final: bool
) -> list[Sensitivity]:
    """For every other method: does it change who is above the cut? One translated sentence each."""
    from flask_babel import gettext as _

    base = above_cut(computations[current].result, cut)
    lines = []
    for method, comp in computations.items():
        if method == current:
            continue
        phrase = str(METHOD_PHRASES.get(method, method))
        if comp.disconnected is not None:
            lines.append(
                Sensitivity(
                    method=method,
                    same=False,
                    above=(),
                    message=_("With %(method)s: cannot be computed here.", method=phrase)
                    + " "
                    + disconnected_message(comp.disconnected),
                    disconnected=comp.disconnected,
                )
            )
            continue
        if comp.result is None:
            lines.append(
                Sensitivity(
                    method=method,
                    same=False,
                    above=(),
                    message=_(
                        "With %(method)s: cannot be computed (%(error)s).", method=phrase, error=comp.error
                    ),
                )
            )
            continue
        other = above_cut(comp.result, cut)
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
        lines.append(Sensitivity(method=method, same=same, above=tuple(other), message=message))
    return lines


@dataclass
class Line:
    """One row of the results page: the engine's row and the application's details."""

    ref: str
    application_id: int
    title: str
    row: Any  # scoring.ResultRow
    juror_totals: list[tuple[str, str, Fraction]]  # (juror name, email, total), by name
    above_cut: bool
    in_tie_at_cut: bool


@dataclass
class RoundReport:
    round: Round
    prize: Prize
    computation: Computation
    document: dict[str, Any]
    lines: list[Line]
    unscored: list[
        tuple[int, str, str]
    ]  # (application id, ref, title) of applications without a counted card
    cut: int
    final: bool
    tie: TieAtCut | None
    sensitivity: list[Sensitivity]
    jurors: list[tuple[str, str, float | None]]  # (name, email, offset), by name
    flags: list[Any]
    juror_names: dict[str, str]

    @property
    def result(self) -> RoundResult | None:
        return self.computation.result


def round_report(db: Session, rnd: Round, prize: Prize, prize_rounds: Sequence[Round]) -> RoundReport:
    """Everything the results page shows about ``rnd``, in a fixed number of queries (three)."""
    inputs = load_inputs(db, [rnd])[rnd.id]
    computations = compute_all_methods(inputs)
    comp = computations[rnd.method]
    final = is_final_round(rnd, prize_rounds)
    cut = cut_size(rnd, prize, prize_rounds)
    tie = tie_at_cut(comp.result, cut)
    names = {card.email: card.name for card in inputs.cards}
    by_ref: dict[str, Card] = {}
    per_app: dict[str, list[tuple[str, str, Fraction]]] = defaultdict(list)
    for card in inputs.cards:
        by_ref.setdefault(card.ref, card)
        total = comp.totals.get((card.email, card.ref))
        if total is not None:
            per_app[card.ref].append((card.name, card.email, total))
    lines = []
    for row in comp.result.rows if comp.result else ():
        ref = str(row.application)
        card = by_ref[ref]
        lines.append(
            Line(
                ref=ref,
                application_id=card.application_id,
                title=card.title,
                row=row,
                juror_totals=sorted(per_app[ref], key=lambda t: (t[0].lower(), t[1])),
                above_cut=row.rank <= cut,
                in_tie_at_cut=tie is not None and ref in tie.applications,
            )
        )
    ranked = {line.ref for line in lines}
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
    unscored_rows = db.execute(in_running.order_by(Application.ref)).all()
    unscored = [(i, ref, title or "") for i, ref, title in unscored_rows if ref not in ranked]
    offsets = comp.result.juror_offsets if comp.result else {}
    jurors = sorted(
        ((names.get(str(email), str(email)), str(email), offsets.get(email)) for email in offsets),
        key=lambda j: (j[0].lower(), j[1]),
    )
    return RoundReport(
        round=rnd,
        prize=prize,
        computation=comp,
        document=round_document(comp),
        lines=lines,
        unscored=unscored,
        cut=cut,
        final=final,
        tie=tie,
        sensitivity=sensitivity(computations, current=rnd.method, cut=cut, final=final),
        jurors=jurors,
        flags=list(comp.result.juror_flags) if comp.result else [],
        juror_names=names,
    )


# --- exports --------------------------------------------------------------------------------------------


def ranking_rows(report: RoundReport, decisions: dict[int, Any]) -> list[dict[str, Any]]:
    """The ranking as export rows (numbers as in the results document), with each decision."""
    by_ref = {row["application"]: row for row in report.document["ranking"]}
    rows = []
    for line in report.lines:
        doc = by_ref[line.ref]
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
    for application_id, ref, title in report.unscored:
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
