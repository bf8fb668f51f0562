"""Decisions on a round's results: finalists, announcement, the final, freezing and reopening.

Every write validates first (nothing changes when a rule is broken: :class:`DecisionError`
with a translated message), then mutates, flushes, records an audit event and queues mail.
Nothing here commits: the route or the CLI command commits once.

- **Finalists** (:func:`select_finalists`): the top N of the live ranking are proposed;
  the organizer confirms them or overrides any of them with a written reason; a tie
  straddling the cut must be settled explicitly, with a reason. The result is a
  Decision per candidate (``finalist`` or ``not-selected``) and the phase ``decided``.
- **Announcement** (:func:`announce_finalists`): the selection is checked again against the
  live results, the round is frozen in a :class:`~judging.schema.ResultSnapshot` (the
  round's part of the results document and its SHA-256 fingerprint), the phase becomes
  ``announced`` and every candidate is mailed in their language.
- **The final**: the pitch order (:func:`set_pitch_order`), the winner
  (:func:`record_winner`) and honourable mentions (:func:`add_mention`) with bilingual
  citations, then :func:`freeze_final` and :func:`announce_final`.
- **Reopening** (:func:`judging.results.phases.reopen_round`): a reason is required; the snapshot
  is invalidated.

Scorecards of a frozen round cannot change: :func:`round_is_frozen` is what the jury's
scoring service asks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from judging.accounts.models import User
from judging.applications.models import Application
from judging.applications.publication import not_publishable
from judging.core.audit import record
from judging.editions.models import Edition, Prize, Round
from judging.results import computation as results_service
from judging.results import outcome_mails, snapshots
from judging.results.engine import phases as rules
from judging.results.models import Decision, PitchSlot, ResultSnapshot
from judging.results.phases import DecisionError, clean_reason, set_phase

CITATION_MAX = 2000
SELECTION_OUTCOMES = ("finalist", "not-selected")


# --- frozen or not ------------------------------------------------------------------------------------


def active_snapshot(db: Session, rnd: Round) -> ResultSnapshot | None:
    """The round's snapshot that has not been invalidated (the newest), if any. One query."""
    return db.scalars(
        select(ResultSnapshot)
        .where(ResultSnapshot.round_id == rnd.id, ResultSnapshot.invalidated_at.is_(None))
        .order_by(ResultSnapshot.id.desc())
        .limit(1)
    ).first()


def round_is_frozen(db: Session, rnd: Round) -> bool:
    """True while the round's results are frozen: its scorecards must not change (one query).

    Only an organizer reopening the round (:func:`~judging.results.phases.reopen_round`, with a
    reason) unfreezes it.
    """
    return (
        db.scalar(
            select(ResultSnapshot.id)
            .where(ResultSnapshot.round_id == rnd.id, ResultSnapshot.invalidated_at.is_(None))
            .limit(1)
        )
        is not None
    )


def _ensure_not_frozen(db: Session, rnd: Round) -> None:
    if round_is_frozen(db, rnd):
        raise DecisionError(
            _l("The results of this round are frozen: reopen the round first (with a reason).")
        )


def _freeze(
    db: Session, rnd: Round, comp: results_service.Computation, *, actor: User | None
) -> ResultSnapshot:
    snapshot = ResultSnapshot(
        round_id=rnd.id,
        method=comp.method,
        fingerprint=comp.fingerprint,
        payload=snapshots.build_payload(db, rnd, comp),
        frozen_by_id=actor.id if actor is not None else None,
    )
    db.add(snapshot)
    db.flush()
    record(
        db,
        actor=actor,
        action="results.frozen",
        obj=rnd,
        after={"snapshot_id": snapshot.id, "fingerprint": snapshot.fingerprint, "method": snapshot.method},
    )
    return snapshot


# --- loading helpers ----------------------------------------------------------------------------------


def _prize_rounds(db: Session, rnd: Round) -> list[Round]:
    return list(
        db.scalars(select(Round).where(Round.prize_id == rnd.prize_id).order_by(Round.position, Round.id))
    )


def _live(db: Session, rnd: Round) -> tuple[results_service.Computation, int, bool]:
    prize = db.get(Prize, rnd.prize_id)
    rounds = _prize_rounds(db, rnd)
    comp = results_service.round_computation(db, rnd)
    return comp, results_service.cut_size(rnd, prize, rounds), results_service.is_final_round(rnd, rounds)


def _require_result(comp: results_service.Computation) -> None:
    if comp.result is None:
        raise DecisionError(results_service.computation_problem(comp))


def candidates_of_round(db: Session, rnd: Round, comp: results_service.Computation) -> list[Application]:
    """Applications the selection decides on: those ranked, then the prize's others still in the running."""
    ranked = [str(row.application) for row in comp.result.rows] if comp.result else []
    applications = db.scalars(
        select(Application)
        .where(
            Application.prize_id == rnd.prize_id,
            Application.status.in_(results_service.COUNTED_APPLICATION_STATUSES),
        )
        .options(selectinload(Application.applicant))
        .order_by(Application.ref)
    ).all()
    by_ref = {a.ref: a for a in applications}
    ordered = [by_ref[ref] for ref in ranked if ref in by_ref]
    return ordered + [a for a in applications if a.ref not in set(ranked)]


# --- finalist selection ---------------------------------------------------------------------------------


@dataclass
class Proposal:
    """What the software proposes at the cut, from the live ranking."""

    cut: int
    sure_in: list[str]  # refs entirely within the cut
    tie: results_service.TieAtCut | None
    ranked: list[str]
    unscored: list[str]


def propose(result: Any, cut: int, all_refs: Sequence[str]) -> Proposal:
    """The top ``cut`` applications, except a tie straddling the cut, which is left to the organizer."""
    tie = results_service.tie_at_cut(result, cut)
    ranked = [str(row.application) for row in result.rows] if result else []
    tied = set(tie.applications) if tie else set()
    sure_in = [str(row.application) for row in (result.rows if result else ()) if row.rank <= cut]
    sure_in = [ref for ref in sure_in if ref not in tied]
    ranked_set = set(ranked)
    unscored = [ref for ref in all_refs if ref not in ranked_set]
    return Proposal(cut=cut, sure_in=sure_in, tie=tie, ranked=ranked, unscored=unscored)


@dataclass
class SelectionCheck:
    errors: dict[str, list[Any]] = field(default_factory=dict)
    overrides: dict[str, str] = field(default_factory=dict)  # ref → "in" / "out"

    def add(self, key: str, message: Any) -> None:
        self.errors.setdefault(key, []).append(message)


def check_selection(
    proposal: Proposal, *, chosen: Iterable[str], reasons: Mapping[str, str | None], tie_reason: str | None
) -> SelectionCheck:
    """Which choices are overrides, and which reasons are missing (``errors`` keyed by ref or ``tie``)."""
    chosen = set(chosen)
    check = SelectionCheck()
    known = set(proposal.ranked) | set(proposal.unscored)
    for ref in sorted(chosen - known):
        check.add("", _l("%(ref)s is not a candidate of this round.", ref=ref))
    tied = set(proposal.tie.applications) if proposal.tie else set()
    for ref in proposal.ranked + proposal.unscored:
        if ref in tied:
            continue
        if ref in chosen and ref not in proposal.sure_in:
            check.overrides[ref] = "in"
        elif ref not in chosen and ref in proposal.sure_in:
            check.overrides[ref] = "out"
    for ref, direction in check.overrides.items():
        if not clean_reason(reasons.get(ref)):
            message = (
                _l("%(ref)s is below the cut: write why it should be a finalist.", ref=ref)
                if direction == "in"
                else _l("%(ref)s is above the cut: write why it should not be a finalist.", ref=ref)
            )
            check.add(ref, message)
    if proposal.tie is not None and not clean_reason(tie_reason):
        check.add(
            "tie",
            lazy_ngettext(
                "%(refs)s are tied at rank %(rank)s across the cut (%(num)d place left): choose "
                "among them and write how the tie was settled.",
                "%(refs)s are tied at rank %(rank)s across the cut (%(num)d places left): choose "
                "among them and write how the tie was settled.",
                proposal.tie.places,
                refs=", ".join(proposal.tie.applications),
                rank=proposal.tie.rank,
            ),
        )
    return check


def current_selection(db: Session, rnd: Round) -> dict[int, Decision]:
    """The round's finalist / not-selected decisions by application id (one query)."""
    rows = db.scalars(
        select(Decision).where(
            Decision.prize_id == rnd.prize_id,
            Decision.round_id == rnd.id,
            Decision.outcome.in_(SELECTION_OUTCOMES),
        )
    ).all()
    return {d.application_id: d for d in rows}


@dataclass
class _Selection:
    """A selection that passed every check, ready to be written."""

    applications: list[Application]
    chosen_ids: set[int]
    ref_reasons: dict[str, str | None]
    proposal: Proposal
    check: SelectionCheck
    cut: int
    fingerprint: str | None


def _checked_selection(
    db: Session,
    rnd: Round,
    chosen: Iterable[int],
    reasons: Mapping[int, str | None],
    tie_reason: str | None,
) -> _Selection:
    """Validate a selection against the live results; DecisionError (nothing changed) when refused."""
    if not rules.can_select_finalists(rnd.phase):
        raise DecisionError(_l("Finalists are selected once judging is closed (phase “Deliberation”)."))
    _ensure_not_frozen(db, rnd)
    comp, cut, final = _live(db, rnd)
    if final:
        raise DecisionError(_l("This is the final round: record the winner instead."))
    _require_result(comp)
    applications = candidates_of_round(db, rnd, comp)
    by_id = {a.id: a for a in applications}
    chosen_ids = set(chosen)
    if chosen_ids - set(by_id):
        raise DecisionError(_l("Some chosen applications are not candidates of this round."))
    ref_reasons = {by_id[i].ref: reasons.get(i) for i in by_id}
    proposal = propose(comp.result, cut, [a.ref for a in applications])
    check = check_selection(
        proposal, chosen={by_id[i].ref for i in chosen_ids}, reasons=ref_reasons, tie_reason=tie_reason
    )
    if check.errors:
        raise DecisionError(_l("The selection is not complete: nothing was saved."), check.errors)
    return _Selection(applications, chosen_ids, ref_reasons, proposal, check, cut, comp.fingerprint)


def _replace_selection_decisions(
    db: Session, rnd: Round, selection: _Selection, settled: str | None, actor: User | None
) -> tuple[list[Decision], dict[int, dict[str, Any]]]:
    """Delete the candidates' previous selection decisions and write one per candidate.

    Returns the new decisions (in candidate order) and what each candidate had before.
    """
    ids = [a.id for a in selection.applications]
    tied = set(selection.proposal.tie.applications) if selection.proposal.tie else set()
    stored = (
        Decision.prize_id == rnd.prize_id,
        Decision.application_id.in_(ids),
        Decision.outcome.in_(SELECTION_OUTCOMES),
    )
    previous = {
        d.application_id: {"outcome": d.outcome, "reason": d.reason}
        for d in db.scalars(select(Decision).where(*stored))
    }
    db.execute(delete(Decision).where(*stored))
    db.flush()
    decisions = []
    for application in selection.applications:
        if application.ref in tied and application.ref not in selection.check.overrides:
            reason = settled
        else:
            reason = clean_reason(selection.ref_reasons.get(application.ref))
        decision = Decision(
            prize_id=rnd.prize_id,
            round_id=rnd.id,
            application_id=application.id,
            outcome="finalist" if application.id in selection.chosen_ids else "not-selected",
            reason=reason,
            decided_by_id=actor.id if actor is not None else None,
        )
        db.add(decision)
        decisions.append(decision)
    db.flush()
    return decisions, previous


def select_finalists(
    db: Session,
    rnd: Round,
    *,
    actor: User,
    chosen: Iterable[int],
    reasons: Mapping[int, str | None] | None = None,
    tie_reason: str | None = None,
) -> list[Decision]:
    """Record the organizer's selection: one Decision per candidate; the round becomes ``decided``.

    ``chosen`` are the application ids selected as finalists; ``reasons`` explain overrides
    (required for each one); ``tie_reason`` settles a tie across the cut (required then).
    Refused when judging is not closed, when the round is frozen, or a reason is missing.
    """
    selection = _checked_selection(db, rnd, chosen, reasons or {}, tie_reason)
    settled = clean_reason(tie_reason)
    decisions, previous = _replace_selection_decisions(db, rnd, selection, settled, actor)
    overrides = selection.check.overrides
    for decision, application in zip(decisions, selection.applications, strict=True):
        if application.ref in overrides:
            record(
                db,
                actor=actor,
                action="finalist.overridden",
                obj=decision,
                before=previous.get(application.id),
                after={
                    "ref": application.ref,
                    "outcome": decision.outcome,
                    "proposed": "finalist" if overrides[application.ref] == "out" else "not-selected",
                },
                reason=decision.reason,
            )
    tie = selection.proposal.tie
    record(
        db,
        actor=actor,
        action="finalists.selected",
        obj=rnd,
        after={
            "finalists": [a.ref for a in selection.applications if a.id in selection.chosen_ids],
            "cut": selection.cut,
            "fingerprint": selection.fingerprint,
            "tie": list(tie.applications) if tie else [],
        },
        reason=settled,
    )
    if rnd.phase != "decided":
        set_phase(db, rnd, "decided", actor=actor)
    return decisions


def _stored_selection_problems(
    db: Session, rnd: Round, comp: results_service.Computation, cut: int
) -> tuple[list[Application], dict[int, Decision], SelectionCheck]:
    applications = candidates_of_round(db, rnd, comp)
    decisions = current_selection(db, rnd)
    proposal = propose(comp.result, cut, [a.ref for a in applications])
    check = SelectionCheck()
    missing = [a.ref for a in applications if a.id not in decisions]
    if not decisions:
        check.add("", _l("Select the finalists first."))
        return applications, decisions, check
    if missing:
        check.add(
            "",
            _l(
                "The selection does not cover %(refs)s: review it again before announcing.",
                refs=", ".join(missing),
            ),
        )
    ref_of = {a.id: a.ref for a in applications}
    chosen = {ref_of[i] for i, d in decisions.items() if d.outcome == "finalist" and i in ref_of}
    reasons = {ref_of[i]: d.reason for i, d in decisions.items() if i in ref_of}
    tie_reasons = [reasons.get(ref) for ref in (proposal.tie.applications if proposal.tie else ())]
    tie_reason = tie_reasons[0] if tie_reasons and all(tie_reasons) else None
    stored = check_selection(proposal, chosen=chosen, reasons=reasons, tie_reason=tie_reason)
    for key, messages in stored.errors.items():
        for message in messages:
            check.add(key, message)
    return applications, decisions, check


def announce_finalists(db: Session, rnd: Round, *, actor: User) -> ResultSnapshot:
    """Freeze the round's results, make the round ``announced`` and mail every candidate.

    Refused when the round is not ``decided``, is already frozen, or when the stored
    selection no longer settles the live results (a tie at the cut without a reason, an
    application left out, a changed ranking that turns a choice into an unexplained override).
    """
    if not rules.can_announce(rnd.phase):
        raise DecisionError(_l("Select the finalists first: the round must be “decided” to be announced."))
    _ensure_not_frozen(db, rnd)
    comp, cut, final = _live(db, rnd)
    if final:
        raise DecisionError(_l("This is the final round: freeze it, then mark it announced."))
    _require_result(comp)
    applications, decisions, check = _stored_selection_problems(db, rnd, comp, cut)
    if check.errors:
        first = next(iter(check.errors.values()))[0]
        raise DecisionError(_l("The finalists cannot be announced: %(problem)s", problem=first), check.errors)
    snapshot = _freeze(db, rnd, comp, actor=actor)
    set_phase(db, rnd, "announced", actor=actor, extra={"snapshot_id": snapshot.id})
    queued = _mail_candidates(db, rnd, applications, decisions)
    record(
        db,
        actor=actor,
        action="finalists.announced",
        obj=rnd,
        after={
            "snapshot_id": snapshot.id,
            "fingerprint": snapshot.fingerprint,
            "finalists": [a.ref for a in applications if decisions[a.id].outcome == "finalist"],
            "mails": queued,
        },
    )
    return snapshot


# --- mail ---------------------------------------------------------------------------------------------


def _mail_candidates(
    db: Session, rnd: Round, applications: Sequence[Application], decisions: Mapping[int, Decision]
) -> int:
    """Tell each candidate of the round their outcome, in their language; returns how many were mailed.

    The finalist and not-selected mails are those of the ceremony's scheduled sending (one text per
    edition, :mod:`judging.results.outcome_mails`): nobody already told this outcome of this round
    is mailed again, whichever moment told them.
    """
    prize = db.get(Prize, rnd.prize_id)
    edition = db.get(Edition, prize.edition_id)
    link = outcome_mails.candidate_link()
    people = [
        outcome_mails.recipient(
            edition,
            prize,
            application,
            decisions[application.id],
            round_id=rnd.id,
            link=link,
            applicant=application.applicant,
        )
        for application in applications
    ]
    sent = outcome_mails.send(
        db, edition, [p for p in people if p is not None], source=outcome_mails.ANNOUNCED
    )
    return len(sent)


# --- publication consent before announcing --------------------------------------------------------------


PUBLISHED_OUTCOMES = ("finalist", "winner", "mention")


def without_publication_consent(db: Session, prize_ids: Iterable[int]) -> list[Application]:
    """Finalists, winners and mentions of these prizes who have not agreed to publication (one query).

    What the organizer sees before announcing: the public outputs will show them as "Finalist (name
    withheld)" (:func:`judging.applications.publication.publishable` decides).
    """
    ids = list(prize_ids)
    if not ids:
        return []
    published = select(Decision.application_id).where(
        Decision.prize_id.in_(ids), Decision.outcome.in_(PUBLISHED_OUTCOMES)
    )
    laureates = db.scalars(
        select(Application).where(Application.id.in_(published)).order_by(Application.ref)
    ).all()
    return not_publishable(list(laureates))


# --- the final ------------------------------------------------------------------------------------------


def finalists_of_prize(db: Session, prize_id: int) -> list[Application]:
    """The prize's finalists (decisions), by reference (one query)."""
    return list(
        db.scalars(
            select(Application)
            .join(Decision, Decision.application_id == Application.id)
            .where(Decision.prize_id == prize_id, Decision.outcome == "finalist")
            .order_by(Application.ref)
        )
    )


def pitch_candidates(db: Session, rnd: Round) -> list[Application]:
    """Who pitches in the final: the prize's finalists, else the applications still in the running."""
    finalists = finalists_of_prize(db, rnd.prize_id)
    if finalists:
        return finalists
    return list(
        db.scalars(
            select(Application)
            .where(
                Application.prize_id == rnd.prize_id,
                Application.status.in_(results_service.COUNTED_APPLICATION_STATUSES),
            )
            .order_by(Application.ref)
        )
    )


def set_pitch_order(
    db: Session, rnd: Round, *, actor: User, entries: Sequence[tuple[int, datetime | None]]
) -> list[PitchSlot]:
    """Replace the final's pitch order: ``entries`` are (application id, start time or None), in order.

    Each application must be a candidate of the final, listed once; times must be aware and
    follow the order. Refused once judging is closed or the round frozen.
    """
    if not rules.can_set_pitch_order(rnd.phase):
        raise DecisionError(_l("The pitch order can no longer change: judging of this round is closed."))
    _ensure_not_frozen(db, rnd)
    allowed = {a.id: a for a in pitch_candidates(db, rnd)}
    ids = [application_id for application_id, _ in entries]
    if len(set(ids)) != len(ids):
        raise DecisionError(_l("An application is listed twice in the pitch order."))
    if any(i not in allowed for i in ids):
        raise DecisionError(_l("Only the finalists of this prize can pitch in its final."))
    times = [t for _, t in entries if t is not None]
    if any(t.tzinfo is None for t in times):
        raise DecisionError(_l("Give the pitch times with their time zone."))
    if any(later <= earlier for earlier, later in zip(times, times[1:], strict=False)):
        raise DecisionError(
            _l("The pitch times must follow the pitch order, each later than the one before.")
        )
    existing = db.scalars(
        select(PitchSlot).where(PitchSlot.round_id == rnd.id).order_by(PitchSlot.position)
    ).all()
    before = [
        {"application_id": s.application_id, "position": s.position, "starts_at": s.starts_at}
        for s in existing
    ]
    db.execute(delete(PitchSlot).where(PitchSlot.round_id == rnd.id))
    db.flush()
    slots = []
    for position, (application_id, starts_at) in enumerate(entries, start=1):
        slot = PitchSlot(
            round_id=rnd.id, application_id=application_id, position=position, starts_at=starts_at
        )
        db.add(slot)
        slots.append(slot)
    db.flush()
    record(
        db,
        actor=actor,
        action="pitch_order.set",
        obj=rnd,
        before={"slots": before},
        after={
            "slots": [
                {"ref": allowed[s.application_id].ref, "position": s.position, "starts_at": s.starts_at}
                for s in slots
            ]
        },
    )
    return slots


def _citation(fr: str | None, en: str | None, *, required: bool) -> dict[str, str] | None:
    fr, en = (fr or "").strip(), (en or "").strip()
    errors: dict[str, list[Any]] = {}
    for name, text in (("citation_fr", fr), ("citation_en", en)):
        if len(text) > CITATION_MAX:
            errors.setdefault(name, []).append(_l("At most %(max)d characters.", max=CITATION_MAX))
        elif required and not text:
            errors.setdefault(name, []).append(_l("Write the citation in French and in English."))
    if errors:
        raise DecisionError(_l("The citation is not complete: nothing was saved."), errors)
    if not fr and not en:
        return None
    return {"fr": fr, "en": en}


def winner_decision(db: Session, rnd: Round) -> Decision | None:
    return db.scalars(
        select(Decision).where(Decision.prize_id == rnd.prize_id, Decision.outcome == "winner").limit(1)
    ).first()


def _winner_problem(comp: results_service.Computation, ref: str, reason: str | None) -> Any | None:
    """Why recording ``ref`` as the winner needs a reason that is missing (None when fine)."""
    rows = comp.result.rows if comp.result else ()
    top = [str(r.application) for r in rows if r.rank == 1]
    if len(top) > 1 and not reason:
        return _l("%(refs)s are tied first: write how the tie was settled.", refs=", ".join(top))
    if ref not in top and not reason:
        return _l("%(ref)s is not first in the results: write why it wins.", ref=ref)
    return None


def record_winner(
    db: Session,
    rnd: Round,
    *,
    actor: User,
    application: Application,
    citation_fr: str | None = None,
    citation_en: str | None = None,
    reason: str | None = None,
) -> Decision:
    """Record the prize's winner from its final; the round becomes ``decided``.

    Choosing an application that is not first, or settling a tie for first, needs a reason.
    """
    if not rules.can_record_winner(rnd.phase):
        raise DecisionError(_l("The winner is recorded once judging of the final is closed."))
    _ensure_not_frozen(db, rnd)
    if (
        application.prize_id != rnd.prize_id
        or application.status not in results_service.COUNTED_APPLICATION_STATUSES
    ):
        raise DecisionError(_l("The winner must be an application of this prize still in the running."))
    comp = results_service.round_computation(db, rnd)
    _require_result(comp)
    reason_text = clean_reason(reason)
    problem = _winner_problem(comp, application.ref, reason_text)
    if problem is not None:
        raise DecisionError(problem, {"reason": [problem]})
    citation = _citation(citation_fr, citation_en, required=False)
    existing = winner_decision(db, rnd)
    before = None
    if existing is not None:
        before = {
            "application_id": existing.application_id,
            "reason": existing.reason,
            "citation": existing.citation,
        }
        db.delete(existing)
        db.flush()
    decision = Decision(
        prize_id=rnd.prize_id,
        round_id=rnd.id,
        application_id=application.id,
        outcome="winner",
        reason=reason_text,
        citation=citation,
        decided_by_id=actor.id,
    )
    db.add(decision)
    db.flush()
    record(
        db,
        actor=actor,
        action="winner.recorded",
        obj=decision,
        before=before,
        after={"ref": application.ref, "citation": citation, "fingerprint": comp.fingerprint},
        reason=reason_text,
    )
    if rnd.phase != "decided":
        set_phase(db, rnd, "decided", actor=actor)
    return decision


def add_mention(
    db: Session,
    rnd: Round,
    *,
    actor: User,
    application: Application,
    citation_fr: str | None,
    citation_en: str | None,
) -> Decision:
    """An honourable mention of the prize (through its final) to any application of the edition."""
    if not rules.can_record_winner(rnd.phase):
        raise DecisionError(_l("Mentions are recorded once judging of the final is closed."))
    _ensure_not_frozen(db, rnd)
    prize = db.get(Prize, rnd.prize_id)
    if application.edition_id != prize.edition_id or application.status != "submitted":
        raise DecisionError(_l("A mention goes to a submitted application of this edition."))
    citation = _citation(citation_fr, citation_en, required=True)
    exists = db.scalar(
        select(Decision.id).where(
            Decision.prize_id == prize.id,
            Decision.application_id == application.id,
            Decision.outcome == "mention",
        )
    )
    if exists is not None:
        raise DecisionError(_l("This application already has a mention for this prize."))
    decision = Decision(
        prize_id=prize.id,
        round_id=rnd.id,
        application_id=application.id,
        outcome="mention",
        citation=citation,
        decided_by_id=actor.id,
    )
    db.add(decision)
    db.flush()
    record(
        db,
        actor=actor,
        action="mention.added",
        obj=decision,
        after={"ref": application.ref, "citation": citation},
    )
    return decision


def remove_mention(db: Session, rnd: Round, decision: Decision, *, actor: User) -> None:
    """Withdraw an honourable mention (logged before the row goes, so the log keeps its prize)."""
    if decision.outcome != "mention" or decision.prize_id != rnd.prize_id:
        raise DecisionError(_l("This is not a mention of this prize."))
    _ensure_not_frozen(db, rnd)
    record(
        db,
        actor=actor,
        action="mention.removed",
        obj=decision,
        before={"application_id": decision.application_id, "citation": decision.citation},
    )
    db.delete(decision)
    db.flush()


def mentions_of_prize(db: Session, prize_id: int) -> list[Decision]:
    return list(
        db.scalars(
            select(Decision)
            .where(Decision.prize_id == prize_id, Decision.outcome == "mention")
            .options(selectinload(Decision.application))
            .order_by(Decision.id)
        )
    )


def freeze_final(db: Session, rnd: Round, *, actor: User) -> ResultSnapshot:
    """Freeze the final's results (snapshot and fingerprint) once its winner is recorded.

    Refused when the round is not ``decided``, already frozen, has no winner, or when the
    live results leave the winner unexplained (a tie for first, or a winner not first,
    without a reason).
    """
    if rnd.phase != "decided":
        raise DecisionError(_l("Record the winner first: the round must be “decided” to be frozen."))
    _ensure_not_frozen(db, rnd)
    winner = winner_decision(db, rnd)
    if winner is None or winner.round_id != rnd.id:
        raise DecisionError(_l("Record the winner before freezing the final."))
    comp = results_service.round_computation(db, rnd)
    _require_result(comp)
    application = db.get(Application, winner.application_id)
    problem = _winner_problem(comp, application.ref, winner.reason)
    if problem is not None:
        raise DecisionError(_l("The final cannot be frozen: %(problem)s", problem=problem))
    return _freeze(db, rnd, comp, actor=actor)


def announce_final(db: Session, rnd: Round, *, actor: User) -> None:
    """After the ceremony: the frozen final becomes ``announced``."""
    if rnd.phase != "decided" or not round_is_frozen(db, rnd):
        raise DecisionError(_l("Freeze the final before marking it announced."))
    set_phase(db, rnd, "announced", actor=actor)
