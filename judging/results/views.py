"""Organizer pages for results: a round's ranking, finalists, the final, phases, exports, mail.

Added to the ``organizer`` blueprint (and one page, the jury chair's deliberation view,
to the ``jury`` blueprint). Every organizer route is ``@organizer_required``; objects come
from the URL and must belong to the parents named in the same URL (else 404). Writes are
POST only, call one service and commit once; a refusal re-renders the page with the
translated message (status 422) and nothing changes. Pages use a fixed number of SQL
queries whatever the number of applications and jurors.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, ngettext, pgettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from judging.accounts.models import User
from judging.applications.models import Application
from judging.applications.presenters import JUROR, ORGANIZER, application_label
from judging.core.audit_event import AuditEvent
from judging.core.blueprints import jury as jury_bp
from judging.core.blueprints import organizer as bp
from judging.core.charts import leniency_chart
from judging.core.clock import utc_to_local
from judging.core.collation import sort_key
from judging.core.edits import commit_edit, status_of
from judging.core.exports import CSV_MIMETYPE, XLSX_MIMETYPE, write_csv, write_xlsx_sheets
from judging.core.forms import add_errors, parse_montreal_time
from judging.core.labels import METHOD_LABELS, PHASE_LABELS, code_label, translated
from judging.core.loading import load_or_404
from judging.core.paging import page_links
from judging.core.permissions import juror_required, organizer_required
from judging.core.templating import current_locale, decimal_text, tr
from judging.core.web_input import ascii_int, int_arg, int_list
from judging.db import session as db
from judging.editions.loading import load_edition, load_round
from judging.editions.models import METHODS, Edition, Prize, Round
from judging.editions.operations import format_tie_break, parse_tie_break
from judging.jury.models import Assignment, JuryMembership
from judging.results import computation as results_service
from judging.results import operations as decisions_service
from judging.results import phases as phases_service
from judging.results import stored
from judging.results.engine import phases as rules
from judging.results.forms import EmptyForm, MentionForm, MethodForm, PhaseForm, SelectionForm, WinnerForm
from judging.results.models import Decision, PitchSlot, ResultSnapshot
from judging.results.phases import DecisionError, PhaseError
from judging.results.stored import StoredReport

ROUND_URL = "/editions/<int:edition_id>/prizes/<int:prize_id>/rounds/<int:round_id>"
EXPORT_FORMATS = ("csv", "xlsx")
#: Rows of the ranking (and of the finalist form) per page; the exports hold every row.
RANKING_PAGE_SIZE = 100


def _actor() -> Any:
    return current_user._get_current_object()


def num(value: Any) -> str:
    """A document number (already rounded half-up to 4 decimals) in the reader's language; — for None."""
    if value is None:
        return "—"
    if isinstance(value, int) and not isinstance(value, bool):
        return format_decimal(value, format="#,##0")
    return format_decimal(Decimal(str(value)), format="#,##0.####")


def _results_url(edition: Edition, prize: Prize, rnd: Round, anchor: str | None = None) -> str:
    return url_for(
        "organizer.round_results", edition_id=edition.id, prize_id=prize.id, round_id=rnd.id, _anchor=anchor
    )


def _prize_rounds(prize: Prize) -> list[Round]:
    return list(
        db.scalars(select(Round).where(Round.prize_id == prize.id).order_by(Round.position, Round.id))
    )


def outcome_labels() -> dict[str, str]:
    return translated("outcome")


def flag_labels() -> dict[str, str]:
    return translated("flag")


def flag_texts(flag: Any) -> list[str]:
    """Why a juror is flagged, each reason with the figure behind it (« … : 27,3 points on average »)."""
    labels = flag_labels()
    texts = []
    for reason in flag.reasons:
        if reason == "deviation" and flag.mean_abs_deviation is not None:
            figure = ngettext(
                "%(points)s points from the others on average, over %(num)d shared application",
                "%(points)s points from the others on average, over %(num)d shared applications",
                flag.compared,
                points=decimal_text(flag.mean_abs_deviation, 1),
            )
        elif reason == "correlation" and flag.correlation is not None:
            figure = ngettext(
                "correlation %(r)s with the others, over %(num)d shared application",
                "correlation %(r)s with the others, over %(num)d shared applications",
                flag.compared,
                r=decimal_text(flag.correlation, 2),
            )
        else:
            texts.append(labels.get(reason, reason))
            continue
        texts.append(_("%(reason)s: %(figure)s", reason=labels.get(reason, reason), figure=figure))
    return texts


def ranks_side_by_side(report: StoredReport, lines: list[Any]) -> list[tuple[str, dict[str, int]]]:
    """For each other method that could rank the round: its label and the rank it gives each of
    ``lines`` (the ranking's current page, stored with the ranks), for the side-by-side table."""
    return [
        (
            METHOD_LABELS.get(method, method),
            {line.ref: int(line.others[method]) for line in lines if method in line.others},
        )
        for method in report.other_methods
    ]


#: First letters of a reference after which French elides « de » (« au lieu d’INN-006 »).
ELIDING_INITIALS = frozenset("aeiouyàâéèêëîïôûüAEIOUYÀÂÉÈÊËÎÏÔÛÜ")


def application_titles(prize: Prize, refs: Iterable[str]) -> dict[str, str]:
    """The titles of the prize's applications named by ``refs`` (one query), by reference."""
    wanted = set(refs)
    if not wanted:
        return {}
    rows = db.execute(
        select(Application.ref, Application.title).where(
            Application.prize_id == prize.id, Application.ref.in_(wanted)
        )
    ).all()
    return {ref: title or "" for ref, title in rows}


def named_list(refs: Sequence[str], titles: dict[str, str]) -> str:
    """« INN-029 (Wenosto : capteurs…) and INN-025 (Eloria…) »: each reference with its title."""
    names = [f"{ref} ({titles[ref]})" if titles.get(ref) else ref for ref in refs]
    if len(names) == 1:
        return names[0]
    return _("%(first)s and %(last)s", first=", ".join(names[:-1]), last=names[-1])


def instead_of(refs: Sequence[str], titles: dict[str, str]) -> str:
    """« instead of X »; French elides before a vowel (« au lieu d’INN-006 », « au lieu de WIT-003 »)."""
    old = named_list(refs, titles)
    if refs and refs[0][:1] in ELIDING_INITIALS:
        return pgettext("before a vowel", "instead of %(old)s", old=old)
    return _("instead of %(old)s", old=old)


def sensitivity_text(item: Any, base: Sequence[str], titles: dict[str, str], *, final: bool) -> str:
    """One method's sentence naming only the applications it would swap, with their titles; a
    method that keeps the same ones, or cannot rank the round, keeps the computation's sentence."""
    if item.same or not item.above:
        return item.message
    new = [ref for ref in item.above if ref not in base]
    old = [ref for ref in base if ref not in item.above]
    if not new or not old:
        return item.message
    phrase = str(results_service.METHOD_PHRASES.get(item.method, item.method))
    if final:
        return _(
            "With %(method)s, %(new)s would win %(instead)s.",
            method=phrase,
            new=named_list(new, titles),
            instead=instead_of(old, titles),
        )
    return ngettext(
        "With %(method)s, %(new)s would be a finalist %(instead)s.",
        "With %(method)s, %(new)s would be finalists %(instead)s.",
        len(new),
        method=phrase,
        new=named_list(new, titles),
        instead=instead_of(old, titles),
    )


def settled_tie(report: Any, decisions: dict[int, Decision]) -> dict[str, Any] | None:
    """The tie at the cut as it was settled by the stored selection, or None while it is not.

    The reason written for the tie is stored on each tied application's decision; the finalists
    among the tied applications are the ones the organizers kept.
    """
    if report.tie is None or not decisions:
        return None
    id_of = dict(report.top)  # a tie at the cut is above it
    tied = [(ref, decisions.get(id_of.get(ref))) for ref in report.tie.applications]
    tied = [(ref, decision) for ref, decision in tied if decision is not None]
    reason = next((decision.reason for _ref, decision in tied if decision.reason), None)
    if not reason:
        return None
    return {"reason": reason, "kept": [ref for ref, decision in tied if decision.outcome == "finalist"]}


# --- the edition's results index -----------------------------------------------------------------------


@bp.get("/editions/<int:edition_id>/results")
@organizer_required
def results_index(edition_id: int):
    edition = load_edition(edition_id)
    structure = results_service.edition_rounds(db, edition)
    round_ids = [rnd.id for _prize, rounds in structure for rnd in rounds]
    frozen = (
        set(
            db.scalars(
                select(ResultSnapshot.round_id).where(
                    ResultSnapshot.round_id.in_(round_ids), ResultSnapshot.invalidated_at.is_(None)
                )
            )
        )
        if round_ids
        else set()
    )
    return render_template(
        "results/index.html",
        edition=edition,
        structure=structure,
        frozen=frozen,
        PHASE_LABELS=PHASE_LABELS,
        METHOD_LABELS=METHOD_LABELS,
    )


# --- a round's results page ------------------------------------------------------------------------------


def _selection_state(report: StoredReport, decisions: dict[int, Decision]) -> dict[str, Any]:
    """What the finalist form shows: boxes checked from the stored decisions, else the proposal.

    The proposal is :func:`~judging.results.operations.propose`'s, from the stored rows above the
    cut (a tie straddling the cut is left to the organizer); the whole ranking is not read.
    """
    tied = set(report.tie.applications) if report.tie else set()
    proposal = decisions_service.Proposal(
        cut=report.cut,
        sure_in=[ref for ref, _i in report.top if ref not in tied],
        tie=report.tie,
        ranked=[ref for ref, _i in report.top],
        unscored=[ref for _i, ref, _t in report.unscored],
    )
    id_of = dict(report.top)
    id_of.update({ref: i for i, ref, _t in report.unscored})
    if decisions:
        checked = {i for i, d in decisions.items() if d.outcome == "finalist"}
        reasons = {i: d.reason or "" for i, d in decisions.items()}
        tied_ids = [id_of[r] for r in (proposal.tie.applications if proposal.tie else ()) if r in id_of]
        tie_reason = next((reasons.get(i) for i in tied_ids if reasons.get(i)), "")
    else:
        checked = {id_of[ref] for ref in proposal.sure_in}
        reasons, tie_reason = {}, ""
    return {"proposal": proposal, "checked": checked, "reasons": reasons, "tie_reason": tie_reason}


def _ranking_page(report: StoredReport, selection: dict[str, Any]) -> dict[str, Any]:
    """One page of the ranking and of the finalist form (``?page=N``, RANKING_PAGE_SIZE rows).

    The form's rows are the ranked applications then the unscored ones, paged together with the
    ranking. Boxes checked and reasons written on other pages travel as hidden fields, so that
    saving from any page records the whole selection, as a form listing every row would.
    """
    ranked = report.ranked_count
    rows = ranked + len(report.unscored)
    pages = max(1, -(-rows // RANKING_PAGE_SIZE))
    page = min(int_arg("page", 1, minimum=1), pages)
    start, stop = (page - 1) * RANKING_PAGE_SIZE, page * RANKING_PAGE_SIZE
    lines = report.load_page(start, stop)
    unscored = report.unscored[max(0, start - ranked) : max(0, stop - ranked)]
    shown = {line.application_id for line in lines} | {i for i, _ref, _title in unscored}
    checked_elsewhere = sorted(i for i in selection["checked"] if i not in shown)
    reasons_elsewhere = sorted(
        (i, reason) for i, reason in selection["reasons"].items() if reason and i not in shown
    )
    refs_shown = {line.ref for line in lines} | {ref for _i, ref, _title in unscored}
    last_above = report.top[-1][0] if report.top else None
    return {
        "page": page,
        "pages": pages,
        "start": start,
        "page_links": page_links(page, pages),
        "first_row": start + 1 if rows else 0,
        "last_row": min(stop, rows),
        "rows": rows,
        "lines": lines,
        "unscored": unscored,
        "checked_elsewhere": checked_elsewhere,
        "reasons_elsewhere": reasons_elsewhere,
        "refs_shown": refs_shown,
        "cut_after": last_above,
    }


def _round_snapshots(rnd: Round) -> tuple[list[ResultSnapshot], ResultSnapshot | None]:
    """Every snapshot of the round, newest first, and the one still in force (if any)."""
    snapshots = list(
        db.scalars(
            select(ResultSnapshot).where(ResultSnapshot.round_id == rnd.id).order_by(ResultSnapshot.id.desc())
        )
    )
    return snapshots, next((s for s in snapshots if s.invalidated_at is None), None)


def _final_decisions(prize: Prize, report: StoredReport) -> list[Decision]:
    """The prize's winner and mentions (only a final round shows them)."""
    if not report.final:
        return []
    return list(
        db.scalars(
            select(Decision)
            .where(Decision.prize_id == prize.id, Decision.outcome.in_(("winner", "mention")))
            .order_by(Decision.id)
        )
    )


def _display_names(user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    return {u.id: u.display_name for u in db.scalars(select(User).where(User.id.in_(user_ids)))}


def _finalist_refs(report: StoredReport, decisions: dict[int, Decision]) -> list[str]:
    """References of the stored finalists, in ranking order (then the unscored ones)."""
    finalists = {i for i, decision in decisions.items() if decision.outcome == "finalist"}
    ranked = report.positions_of(finalists)
    return [ref for _position, ref in sorted(ranked.values())] + [
        ref for i, ref, _title in report.unscored if i in finalists
    ]


def tenth(value: Any) -> Decimal:
    """A leniency offset to one decimal, halves away from zero: the one figure the table, the chart
    and the flag show (the exact value stays in the cell's title and in the JSON document)."""
    return Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def offset_text(value: Any) -> str:
    """« +13,3 », « -24,1 », « 0,0 »: a juror's offset as the chart prints it; — without one."""
    if value is None:
        return "—"
    rounded = tenth(value)
    return ("+" if rounded > 0 else "") + decimal_text(rounded, 1)


def short_fingerprint(value: str) -> str:
    """The first 12 characters of a fingerprint in groups of four (« 93d8 1dbb 4898 »): enough to
    compare two at a glance; the full value stays one click away for verification."""
    head = (value or "")[:12]
    return "\u00a0".join(head[i : i + 4] for i in range(0, len(head), 4))


def _jurors_chart(report: StoredReport) -> Any:
    if not report.jurors:
        return None
    return leniency_chart(
        [(name, None if offset is None else float(tenth(offset))) for name, _email, offset in report.jurors],
        title=_("Jurors' leniency"),
        description=_("Points above (generous) or below (severe) the other jurors on the same applications."),
        missing_label=_("shares no application"),
        decimal_mark="," if current_locale() == "fr" else ".",
    )


def _sensitivity_texts(report: StoredReport) -> list[tuple[Any, str]]:
    """Each other method with its sentence naming the applications it swaps, titles included."""
    base = [ref for ref, _i in report.top]
    titles = application_titles(
        report.prize, [*base, *(ref for item in report.sensitivity for ref in item.above)]
    )
    return [(item, sensitivity_text(item, base, titles, final=report.final)) for item in report.sensitivity]


def _named_finalists(report: StoredReport, decisions: dict[int, Decision]) -> list[tuple[str, str]]:
    """The stored finalists in ranking order, each as (reference, title)."""
    refs = _finalist_refs(report, decisions)
    titles = application_titles(report.prize, refs)
    return [(ref, titles.get(ref, "")) for ref in refs]


def _report_context(report: StoredReport, window: dict[str, Any]) -> dict[str, Any]:
    """What the page shows of the computation itself: figures, flags, problems, other methods."""
    return {
        "report": report,
        "doc_rows": {line.ref: line.entry for line in window["lines"]},
        "chart": _jurors_chart(report),
        "flagged": {str(flag.juror): flag_texts(flag) for flag in report.flags},
        "side_by_side": ranks_side_by_side(report, window["lines"]),
        "sensitivity": _sensitivity_texts(report),
        "offset_text": offset_text,
        "short_fingerprint": short_fingerprint,
        "disconnected": (
            results_service.disconnected_message(report.computation.disconnected)
            if report.computation.disconnected is not None
            else None
        ),
        "problem_text": results_service.computation_problem(report.computation),
    }


def _errors_elsewhere(errors: dict[str, list[Any]], window: dict[str, Any]) -> list[tuple[str, list[Any]]]:
    """Errors about applications that are not on the page shown (listed above the form)."""
    return [
        (ref, messages)
        for ref, messages in errors.items()
        if ref not in ("", "tie") and ref not in window["refs_shown"]
    ]


def _render(
    edition: Edition,
    prize: Prize,
    rnd: Round,
    *,
    problem: Any = None,
    errors: dict[str, list[Any]] | None = None,
    selection: dict[str, Any] | None = None,
    winner_form: WinnerForm | None = None,
    mention_form: MentionForm | None = None,
    pitch_values: dict[int, dict[str, str]] | None = None,
    status: int = 200,
):
    report = stored.page_report(db, rnd, prize, _prize_rounds(prize))
    snapshots, active = _round_snapshots(rnd)
    decisions = decisions_service.current_selection(db, rnd)
    final_decisions = _final_decisions(prize, report)
    people = _display_names(
        {s.frozen_by_id for s in snapshots if s.frozen_by_id}
        | {d.decided_by_id for d in final_decisions if d.decided_by_id}
        | {d.decided_by_id for d in decisions.values() if d.decided_by_id}
    )
    selection = selection or _selection_state(report, decisions)
    window = _ranking_page(report, selection)
    context: dict[str, Any] = {}
    if report.final:
        context = _final_context(
            edition, prize, rnd, report, final_decisions, winner_form, mention_form, pitch_values or {}
        )
    open_round = active is None and not report.final
    return render_template(
        "results/round.html",
        edition=edition,
        prize=prize,
        rnd=rnd,
        window=window,
        finalists=_named_finalists(report, decisions),
        active_snapshot=active,
        snapshots=snapshots,
        people=people,
        decisions=decisions,
        selection=selection,
        errors=errors or {},
        errors_elsewhere=_errors_elsewhere(errors or {}, window),
        problem=problem,
        num=num,
        phase_label=PHASE_LABELS.get(rnd.phase, rnd.phase),
        method_label=METHOD_LABELS.get(rnd.method, rnd.method),
        METHOD_LABELS=METHOD_LABELS,
        outcome_labels=outcome_labels(),
        tie_settled=settled_tie(report, decisions),
        exact=results_service.number,
        can_select=rules.can_select_finalists(rnd.phase) and open_round,
        can_announce=rules.can_announce(rnd.phase) and open_round,
        selection_form=SelectionForm(formdata=None),
        empty_form=EmptyForm(formdata=None),
        excluded_reason=results_service.excluded_reason,
        live_matches=active is not None and active.fingerprint == report.computation.fingerprint,
        unconsented=decisions_service.without_publication_consent(db, [prize.id]),
        **_report_context(report, window),
        **context,
    ), status


def _pitch_rows(rnd: Round, pitch_values: dict[int, dict[str, str]]) -> list[dict[str, Any]]:
    """The final's candidates in pitch order, with what was typed (after a refusal) or stored."""
    candidates = decisions_service.pitch_candidates(db, rnd)
    slots = {
        s.application_id: s
        for s in db.scalars(
            select(PitchSlot).where(PitchSlot.round_id == rnd.id).order_by(PitchSlot.position)
        )
    }
    candidates.sort(key=lambda a: (a.id not in slots, slots[a.id].position if a.id in slots else 0, a.ref))
    pitch = []
    for application in candidates:
        slot = slots.get(application.id)
        typed = pitch_values.get(application.id)
        if typed:
            position, starts_at = typed["position"], typed["starts_at"]
        else:
            position = str(slot.position) if slot else ""
            starts_at = (
                utc_to_local(slot.starts_at).strftime("%Y-%m-%dT%H:%M") if slot and slot.starts_at else ""
            )
        pitch.append({"application": application, "position": position, "starts_at": starts_at, "slot": slot})
    return pitch


def _winner_form(
    winner_form: WinnerForm | None, winner: Decision | None, ranked_ids: list[int], choices: list[Any]
) -> WinnerForm:
    """The winner form: as typed, else the stored winner, else the top of the ranking."""
    if winner_form is None:
        winner_form = WinnerForm(formdata=None)
        if winner is not None:
            winner_form.application_id.data = winner.application_id
            winner_form.citation_fr.data = (winner.citation or {}).get("fr", "")
            winner_form.citation_en.data = (winner.citation or {}).get("en", "")
            winner_form.reason.data = winner.reason or ""
        elif ranked_ids:
            winner_form.application_id.data = ranked_ids[0]
    winner_form.application_id.choices = choices
    return winner_form


def _final_context(
    edition: Edition,
    prize: Prize,
    rnd: Round,
    report: StoredReport,
    final_decisions: list[Decision],
    winner_form: WinnerForm | None,
    mention_form: MentionForm | None,
    pitch_values: dict[int, dict[str, str]],
) -> dict[str, Any]:
    # Plain rows (id, ref, title, prize id), not objects: an edition can hold 100,000 of them.
    edition_applications = list(
        db.execute(
            select(Application.id, Application.ref, Application.title, Application.prize_id)
            .where(Application.edition_id == edition.id, Application.status == "submitted")
            .order_by(Application.ref)
        ).all()
    )
    by_id = {a.id: a for a in edition_applications}
    winner = next((d for d in final_decisions if d.outcome == "winner"), None)
    mentions = [d for d in final_decisions if d.outcome == "mention"]
    prize_candidates = [a for a in edition_applications if a.prize_id == prize.id]
    ranked_ids = report.ranked_ids()
    order = {i: n for n, i in enumerate(ranked_ids)}
    prize_candidates.sort(key=lambda a: (order.get(a.id, len(order)), a.ref))
    mention_form = mention_form or MentionForm(formdata=None)
    mention_form.application_id.choices = [(a.id, f"{a.ref} · {a.title}") for a in edition_applications]
    return {
        "pitch": _pitch_rows(rnd, pitch_values),
        "can_pitch": rules.can_set_pitch_order(rnd.phase),
        "winner": winner,
        "winner_application": by_id.get(winner.application_id) if winner else None,
        "mentions": [(d, by_id.get(d.application_id)) for d in mentions],
        "winner_form": _winner_form(
            winner_form, winner, ranked_ids, [(a.id, f"{a.ref} · {a.title}") for a in prize_candidates]
        ),
        "mention_form": mention_form,
        "can_decide_final": rules.can_record_winner(rnd.phase),
    }


@bp.get(f"{ROUND_URL}/results")
@organizer_required
def round_results(edition_id: int, prize_id: int, round_id: int):
    edition, prize, rnd = load_round(edition_id, prize_id, round_id)
    return _render(edition, prize, rnd)


def _refused(edition: Edition, prize: Prize, rnd: Round, error: DecisionError | PhaseError, **kwargs: Any):
    db.rollback()
    errors = getattr(error, "errors", None) or {}
    return _render(edition, prize, rnd, problem=error.message, errors=errors, status=422, **kwargs)


def _check_csrf() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)


@bp.post(f"{ROUND_URL}/results/finalists")
@organizer_required
def results_select(edition_id: int, prize_id: int, round_id: int):
    edition, prize, rnd = load_round(edition_id, prize_id, round_id)
    form = SelectionForm()
    if not form.validate_on_submit():
        abort(400)
    chosen = set(int_list(request.form.getlist("finalist")))
    reasons = {
        number: value
        for key, value in request.form.items()
        if key.startswith("reason-") and (number := ascii_int(key.removeprefix("reason-"))) is not None
    }
    try:
        decisions_service.select_finalists(
            db, rnd, actor=_actor(), chosen=chosen, reasons=reasons, tie_reason=form.tie_reason.data
        )
        db.commit()
    except DecisionError as error:
        db.rollback()
        report = stored.page_report(db, rnd, prize, _prize_rounds(prize))
        selection = _selection_state(report, {})
        selection.update(checked=chosen, reasons=reasons, tie_reason=form.tie_reason.data or "")
        return _render(
            edition, prize, rnd, problem=error.message, errors=error.errors, selection=selection, status=422
        )
    flash(_("Finalists selected. Check the list, then announce them."), "success")
    return redirect(_results_url(edition, prize, rnd, "selection"))


@bp.post(f"{ROUND_URL}/results/announce")
@organizer_required
def results_announce(edition_id: int, prize_id: int, round_id: int):
    edition, prize, rnd = load_round(edition_id, prize_id, round_id)
    _check_csrf()
    try:
        decisions_service.announce_finalists(db, rnd, actor=_actor())
        db.commit()
    except DecisionError as error:
        return _refused(edition, prize, rnd, error)
    flash(_("Finalists announced: the results are frozen and the candidates are being notified."), "success")
    return redirect(_results_url(edition, prize, rnd))


@bp.post(f"{ROUND_URL}/results/pitch-order")
@organizer_required
def results_pitch_order(edition_id: int, prize_id: int, round_id: int):
    edition, prize, rnd = load_round(edition_id, prize_id, round_id)
    _check_csrf()
    candidates = decisions_service.pitch_candidates(db, rnd)
    typed: dict[int, dict[str, str]] = {}
    entries: list[tuple[int, int, datetime | None]] = []
    problems: list[Any] = []
    for application in candidates:
        position = request.form.get(f"position-{application.id}", "").strip()
        starts = request.form.get(f"starts-{application.id}", "").strip()
        typed[application.id] = {"position": position, "starts_at": starts}
        if not position:
            continue
        number = ascii_int(position, minimum=1)
        if number is None:
            problems.append(_("%(ref)s: the position must be a whole number from 1.", ref=application.ref))
            continue
        when = None
        if starts:
            try:
                when = parse_montreal_time(starts)
            except ValueError:  # a wrong shape, a year outside 2000-2200, a skipped hour
                problems.append(_("%(ref)s: enter the time as a date and a time.", ref=application.ref))
                continue
        entries.append((number, application.id, when))
    positions = [p for p, _a, _w in entries]
    if len(set(positions)) != len(positions):
        problems.append(_("Two applications have the same position."))
    if problems:
        return _render(edition, prize, rnd, problem=" ".join(problems), pitch_values=typed, status=422)
    entries.sort()
    try:
        decisions_service.set_pitch_order(db, rnd, actor=_actor(), entries=[(a, w) for _p, a, w in entries])
        db.commit()
    except DecisionError as error:
        db.rollback()
        return _render(edition, prize, rnd, problem=error.message, pitch_values=typed, status=422)
    flash(_("Pitch order saved."), "success")
    return redirect(_results_url(edition, prize, rnd, "pitch-order"))


@bp.post(f"{ROUND_URL}/results/winner")
@organizer_required
def results_winner(edition_id: int, prize_id: int, round_id: int):
    edition, prize, rnd = load_round(edition_id, prize_id, round_id)
    form = WinnerForm()
    form.application_id.choices = [  # ids and refs only, not whole applications
        (app_id, ref)
        for app_id, ref in db.execute(
            select(Application.id, Application.ref).where(
                Application.prize_id == prize.id, Application.status == "submitted"
            )
        )
    ]
    if not form.validate_on_submit():
        return _render(edition, prize, rnd, winner_form=form, status=422)
    application = db.get(Application, form.application_id.data)
    try:
        decisions_service.record_winner(
            db,
            rnd,
            actor=_actor(),
            application=application,
            citation_fr=form.citation_fr.data,
            citation_en=form.citation_en.data,
            reason=form.reason.data,
        )
        db.commit()
    except DecisionError as error:
        db.rollback()
        add_errors(form, error.errors)
        return _render(edition, prize, rnd, problem=error.message, winner_form=form, status=422)
    flash(_("Winner recorded: %(ref)s.", ref=application.ref), "success")
    return redirect(_results_url(edition, prize, rnd, "winner"))


@bp.post(f"{ROUND_URL}/results/mentions")
@organizer_required
def results_mention_add(edition_id: int, prize_id: int, round_id: int):
    edition, prize, rnd = load_round(edition_id, prize_id, round_id)
    form = MentionForm()
    form.application_id.choices = [  # ids and refs only, not whole applications
        (app_id, ref)
        for app_id, ref in db.execute(
            select(Application.id, Application.ref).where(
                Application.edition_id == edition.id, Application.status == "submitted"
            )
        )
    ]
    if not form.validate_on_submit():
        return _render(edition, prize, rnd, mention_form=form, status=422)
    application = db.get(Application, form.application_id.data)
    try:
        decisions_service.add_mention(
            db,
            rnd,
            actor=_actor(),
            application=application,
            citation_fr=form.citation_fr.data,
            citation_en=form.citation_en.data,
        )
        db.commit()
    except DecisionError as error:
        db.rollback()
        return _render(edition, prize, rnd, problem=error.message, mention_form=form, status=422)
    flash(_("Honourable mention recorded: %(ref)s.", ref=application.ref), "success")
    return redirect(_results_url(edition, prize, rnd, "mentions"))


@bp.post(f"{ROUND_URL}/results/mentions/<int:decision_id>/remove")
@organizer_required
def results_mention_remove(edition_id: int, prize_id: int, round_id: int, decision_id: int):
    edition, prize, rnd = load_round(edition_id, prize_id, round_id)
    _check_csrf()
    decision = load_or_404(Decision, decision_id, parent=prize)
    if decision.outcome != "mention":
        abort(404)
    try:
        decisions_service.remove_mention(db, rnd, decision, actor=_actor())
        db.commit()
    except DecisionError as error:
        return _refused(edition, prize, rnd, error)
    flash(_("Mention removed."), "success")
    return redirect(_results_url(edition, prize, rnd, "mentions"))


@bp.post(f"{ROUND_URL}/results/freeze")
@organizer_required
def results_freeze(edition_id: int, prize_id: int, round_id: int):
    edition, prize, rnd = load_round(edition_id, prize_id, round_id)
    _check_csrf()
    try:
        decisions_service.freeze_final(db, rnd, actor=_actor())
        db.commit()
    except DecisionError as error:
        return _refused(edition, prize, rnd, error)
    flash(_("The final's results are frozen."), "success")
    return redirect(_results_url(edition, prize, rnd))


@bp.post(f"{ROUND_URL}/results/announce-final")
@organizer_required
def results_announce_final(edition_id: int, prize_id: int, round_id: int):
    edition, prize, rnd = load_round(edition_id, prize_id, round_id)
    _check_csrf()
    try:
        decisions_service.announce_final(db, rnd, actor=_actor())
        db.commit()
    except DecisionError as error:
        return _refused(edition, prize, rnd, error)
    flash(_("The final is marked announced."), "success")
    return redirect(_results_url(edition, prize, rnd))


# --- exports ---------------------------------------------------------------------------------------------


def _download(
    rows: list[dict[str, Any]], columns: list[tuple[str, Any]], fmt: str, name: str, sheet: str, *, more=()
):
    """The rows as a CSV or XLSX attachment; ``more`` adds sheets ``(title, rows, columns)`` to an XLSX
    (a CSV holds one table: those have their own CSV)."""
    if fmt == "csv":
        body, mimetype = write_csv(rows, columns), CSV_MIMETYPE
    else:
        body = write_xlsx_sheets([(sheet, rows, columns), *more])
        mimetype = XLSX_MIMETYPE
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def yes_no(value: Any) -> str | None:
    """« Oui » / « Non » for a yes-or-no cell (never true/false); None stays empty."""
    if value is None:
        return None
    return _("Yes") if value else _("No")


def readable_ranking_rows(rows: list[dict[str, Any]], lines: Sequence[Any]) -> list[dict[str, Any]]:
    """The export rows in words: decisions by name, yes or no, each juror's total in the reader's
    number format (« Juror L 95,5 »); the numeric columns keep their exact values. ``rows`` starts
    with one row per line of ``lines``, in order (then the unscored applications)."""
    labels = outcome_labels()
    for index, row in enumerate(rows):
        row["decision"] = labels.get(row["decision"], row["decision"]) if row.get("decision") else None
        row["tied"], row["above_cut"] = yes_no(row.get("tied")), yes_no(row.get("above_cut"))
        if index < len(lines):
            totals = lines[index].juror_totals
            row["jurors"] = "; ".join(f"{name} {decimal_text(total)}" for name, _email, total in totals)
    return rows


def readable_scorecard_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Scorecard rows in words: the status by name, counts yes or no, the submission time as
    Montréal wall-clock time (a spreadsheet has no time zones: the header says which)."""
    for row in rows:
        row["status"] = code_label("scorecard", row.get("status"))
        row["counts"] = yes_no(row.get("counts"))
        if row.get("submitted_at") is not None:
            row["submitted_at"] = utc_to_local(row["submitted_at"]).replace(microsecond=0)
    return rows


def counted_scorecards(rnd: Round, report: StoredReport) -> dict[str, int]:
    """Juror's email → how many of their scorecards count in the round's results: the submitted
    ones, less those the computation had to leave out (one query)."""
    counts = dict(
        db.execute(
            select(User.email, func.count(Assignment.id))
            .join(Assignment, Assignment.juror_id == User.id)
            .where(Assignment.round_id == rnd.id, Assignment.status == "submitted")
            .group_by(User.email)
        ).all()
    )
    for card, _reason in report.computation.excluded:
        if counts.get(card.email):
            counts[card.email] -= 1
    return counts


def leniency_sheet(rnd: Round, report: StoredReport) -> tuple[list[dict[str, Any]], list[tuple[str, Any]]]:
    """Each juror of the round's results by name: the exact offset (the figure of ``judging results
    --json``, the page rounds it to one decimal), the scorecards that count, and the flag with its
    reasons and figures as the page words them."""
    offsets = report.document.get("juror_offsets") or {}
    flagged = {str(flag.juror): flag_texts(flag) for flag in report.flags}
    counts = counted_scorecards(rnd, report)
    rows = [
        {
            "juror": name,
            "email": email,
            "offset": offsets.get(email),
            "scorecards": counts.get(email, 0),
            "flagged": _("Yes") if email in flagged else _("No"),
            "reasons": "; ".join(flagged.get(email, [])),
        }
        for name, email, _offset in report.jurors
    ]
    columns = [
        ("juror", _("Juror")),
        ("email", _("Email")),
        ("offset", _("Offset (points, exact value)")),
        ("scorecards", _("Scorecards counted")),
        ("flagged", _("Flagged for review")),
        ("reasons", _("Why")),
    ]
    return rows, columns


def _export_round(edition_id: int, prize_id: int, round_id: int, fmt: str) -> tuple[Edition, Prize, Round]:
    """The round an export is asked for, loaded and checked first; then 404 for an unknown format."""
    loaded = load_round(edition_id, prize_id, round_id)
    if fmt not in EXPORT_FORMATS:
        abort(404)
    return loaded


@bp.get(f"{ROUND_URL}/results/export.<fmt>")
@organizer_required
def results_export(edition_id: int, prize_id: int, round_id: int, fmt: str):
    """The ranking; the XLSX has a second sheet with the jurors' leniency (in CSV: ``leniency.csv``)."""
    edition, prize, rnd = _export_round(edition_id, prize_id, round_id, fmt)
    report = stored.page_report(db, rnd, prize, _prize_rounds(prize))
    lines = report.load_page(0, report.ranked_count)  # every row: the export holds the whole ranking
    decisions = decisions_service.current_selection(db, rnd)
    rows = results_service.ranking_rows(lines, [line.entry for line in lines], report.unscored, decisions)
    rows = readable_ranking_rows(rows, lines)
    columns = [
        ("rank", _("Rank")),
        ("tied", _("Tied")),
        ("application", _("Application")),
        ("title", _("Title")),
        ("score", _("Score (%(method)s)", method=METHOD_LABELS.get(rnd.method, rnd.method))),
        ("raw_mean", _("Raw mean")),
        ("median", _("Median")),
        ("stdev", _("Spread (sd)")),
        ("count", _("Scorecards")),
        ("above_cut", _("Above the cut")),
        ("jurors", _("Jurors' totals")),
        ("decision", _("Decision")),
        ("reason", _("Reason")),
    ]
    name = f"{edition.code}-{prize.code}-{rnd.code}-results"
    more = () if fmt == "csv" else [(_("Jurors' leniency"), *leniency_sheet(rnd, report))]
    return _download(rows, columns, fmt, name, _("Ranking"), more=more)


@bp.get(f"{ROUND_URL}/results/leniency.<fmt>")
@organizer_required
def leniency_export(edition_id: int, prize_id: int, round_id: int, fmt: str):
    """The jurors' leniency alone (the second sheet of the results XLSX), for CSV readers."""
    edition, prize, rnd = _export_round(edition_id, prize_id, round_id, fmt)
    report = stored.page_report(db, rnd, prize, _prize_rounds(prize))
    rows, columns = leniency_sheet(rnd, report)
    name = f"{edition.code}-{prize.code}-{rnd.code}-leniency"
    return _download(rows, columns, fmt, name, _("Jurors' leniency"))


@bp.get(f"{ROUND_URL}/scorecards/export.<fmt>")
@organizer_required
def scorecards_export(edition_id: int, prize_id: int, round_id: int, fmt: str):
    edition, prize, rnd = _export_round(edition_id, prize_id, round_id, fmt)
    criteria, rows = results_service.scorecard_rows(db, rnd)
    rows = readable_scorecard_rows(rows)
    columns = [
        ("application", _("Application")),
        ("title", _("Title")),
        ("juror", _("Juror")),
        ("email", _("Email")),
        ("status", _("Status")),
        ("counts", _("Counts")),
        *((f"score:{c.code}", tr(c.name) or c.code) for c in criteria),
        ("total", _("Total (0–100)")),
        ("comment", _("Comment")),
        ("submitted_at", _("Submitted at (Montréal time)")),
    ]
    name = f"{edition.code}-{prize.code}-{rnd.code}-scorecards"
    return _download(rows, columns, fmt, name, _("Scorecards"))


# --- deliberation view (organizers, and the jury chair) ---------------------------------------------------


def _deliberation(edition: Edition | None, prize: Prize, rnd: Round, *, viewer: str):
    report = results_service.round_report(db, rnd, prize, _prize_rounds(prize))
    criteria = report.computation.inputs.criteria
    applications = {
        a.id: a
        for a in db.scalars(
            select(Application)
            .where(Application.id.in_([line.application_id for line in report.lines]))
            .options(selectinload(Application.applicant), selectinload(Application.organization))
        )
    }
    labels = {i: application_label(a, viewer=viewer, round=rnd) for i, a in applications.items()}
    by_app: dict[str, list[results_service.Card]] = {}
    for card in report.computation.inputs.cards:
        by_app.setdefault(card.ref, []).append(card)
    by_name = sort_key(current_locale())
    for cards in by_app.values():
        cards.sort(key=lambda c: (by_name(c.name), c.email))
    return render_template(
        "results/deliberation.html",
        edition=edition,
        prize=prize,
        rnd=rnd,
        report=report,
        criteria=criteria,
        labels=labels,
        by_app=by_app,
        doc_rows={row["application"]: row for row in report.document["ranking"]},
        num=num,
        plain=lambda v: format_decimal(v, format="#,##0.####") if v is not None else "—",
        viewer=viewer,
        method_label=METHOD_LABELS.get(rnd.method, rnd.method),
        phase_label=PHASE_LABELS.get(rnd.phase, rnd.phase),
        totals=report.computation.totals,
        exact=results_service.number,
    )


@bp.get(f"{ROUND_URL}/deliberation")
@organizer_required
def round_deliberation(edition_id: int, prize_id: int, round_id: int):
    edition, prize, rnd = load_round(edition_id, prize_id, round_id)
    return _deliberation(edition, prize, rnd, viewer=ORGANIZER)


@jury_bp.get("/rounds/<int:round_id>/deliberation")
@juror_required
def chair_deliberation(round_id: int):
    """The jury chair's deliberation view: every final score, once judging is closed. Others: 404."""
    rnd = load_or_404(Round, round_id)
    is_chair = db.scalar(
        select(JuryMembership.id).where(
            JuryMembership.round_id == rnd.id,
            JuryMembership.user_id == current_user.id,
            JuryMembership.is_chair.is_(True),
        )
    )
    if is_chair is None or not rules.can_see_all_scores(rules.CHAIR, rnd.phase):
        abort(404)
    prize = db.get(Prize, rnd.prize_id)
    response = Response(_deliberation(None, prize, rnd, viewer=JUROR))
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- phases, method and tie-break ------------------------------------------------------------------------


def _render_phase(
    edition: Edition,
    prize: Prize,
    rnd: Round,
    *,
    phase_form: PhaseForm | None = None,
    method_form: MethodForm | None = None,
    problem: Any = None,
    status: int = 200,
):
    current = rules.PHASES.index(rnd.phase)
    # forward moves first (the usual next step is the default), then the moves back
    targets = sorted(
        rules.allowed_transitions(rnd.phase),
        key=lambda p: (rules.PHASES.index(p) < current, abs(rules.PHASES.index(p) - current)),
    )
    phase_form = (phase_form or PhaseForm(formdata=None)).remember(rnd)
    phase_form.target.choices = [(p, PHASE_LABELS[p]) for p in targets]
    if method_form is None:
        method_form = MethodForm(formdata=None).remember(rnd)
        method_form.method.data = rnd.method
        method_form.tie_break.data = format_tie_break(rnd.tie_break)
    method_form.method.choices = [(m, METHOD_LABELS[m]) for m in METHODS]
    events = list(
        db.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.round_id == rnd.id,
                AuditEvent.action.in_(
                    ("round.phase_changed", "round.reopened", "round.method_changed", "results.frozen")
                ),
            )
            .options(selectinload(AuditEvent.actor))
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(50)
        )
    )
    return render_template(
        "results/phases.html",
        edition=edition,
        prize=prize,
        rnd=rnd,
        phase_form=phase_form,
        method_form=method_form,
        targets=targets,
        reopen_targets=[t for t in targets if rules.is_reopening(rnd.phase, t)],
        frozen=decisions_service.round_is_frozen(db, rnd),
        problem=problem,
        events=events,
        PHASE_LABELS=PHASE_LABELS,
        METHOD_LABELS=METHOD_LABELS,
        phases=rules.PHASES,
        locked=not rules.can_change_method(rnd.phase),
    ), status


@bp.route(f"{ROUND_URL}/phase", methods=["GET", "POST"])
@organizer_required
def round_phase(edition_id: int, prize_id: int, round_id: int):
    edition, prize, rnd = load_round(edition_id, prize_id, round_id)
    if request.method == "GET":
        return _render_phase(edition, prize, rnd)
    form = PhaseForm()
    form.target.choices = [(p, PHASE_LABELS[p]) for p in rules.PHASES]
    if not form.validate_on_submit():
        return _render_phase(edition, prize, rnd, phase_form=form, status=422)
    before = rnd.phase
    try:
        moved = commit_edit(
            form,
            lambda: phases_service.transition(
                db, rnd, form.target.data, actor=_actor(), reason=form.reason.data, **form.seen()
            ),
        )
    except (PhaseError, DecisionError) as error:
        field = getattr(error, "errors", {}).get("reason") if isinstance(error, DecisionError) else None
        if field:
            form.reason.errors = [*form.reason.errors, *field]
        return _render_phase(edition, prize, rnd, phase_form=form, problem=error.message, status=422)
    if not moved:
        return _render_phase(edition, prize, rnd, phase_form=form, status=status_of(form))
    if rules.is_reopening(before, rnd.phase):
        flash(_("Round reopened: its frozen results are invalidated."), "warning")
    else:
        flash(_("The round is now in the phase “%(phase)s”.", phase=PHASE_LABELS[rnd.phase]), "success")
    return redirect(
        url_for("organizer.round_phase", edition_id=edition.id, prize_id=prize.id, round_id=rnd.id)
    )


@bp.post(f"{ROUND_URL}/phase/method")
@organizer_required
def round_method(edition_id: int, prize_id: int, round_id: int):
    edition, prize, rnd = load_round(edition_id, prize_id, round_id)
    form = MethodForm()
    form.method.choices = [(m, METHOD_LABELS[m]) for m in METHODS]
    if not form.validate_on_submit():
        return _render_phase(edition, prize, rnd, method_form=form, status=422)
    try:
        changed = commit_edit(
            form,
            lambda: phases_service.change_method(
                db,
                rnd,
                method=form.method.data,
                tie_break=parse_tie_break(form.tie_break.data),
                actor=_actor(),
                **form.seen(),
            ),
        )
    except PhaseError as error:
        field = form._fields.get(error.field or "")
        if field is not None:
            field.errors = [*field.errors, error.message]
        return _render_phase(edition, prize, rnd, method_form=form, problem=error.message, status=422)
    if changed is None:
        return _render_phase(edition, prize, rnd, method_form=form, status=status_of(form))
    flash(_("Method and tie-break saved.") if changed else _("Nothing changed."), "success")
    return redirect(
        url_for("organizer.round_phase", edition_id=edition.id, prize_id=prize.id, round_id=rnd.id)
    )
