"""The jury area: a juror's rounds and progress, the scoring page (with autosave), files, the live final.

Every scorecard is loaded through :func:`judging.jury.loading.scorecard_or_404`: it must be the
juror's own, in a round whose judging has opened, not recused and not in conflict; anything else,
including a guessed URL, is a 404. Writes call one function of :mod:`judging.jury.scoring` and
commit once. The application is shown through ``presenters.application_view`` (identity hidden in
blind rounds).
"""

from __future__ import annotations

from typing import Any

from flask import (
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from judging.applications import downloads
from judging.applications.models import Application, Attachment
from judging.applications.presenters import JUROR, application_label, application_view
from judging.core import uploads
from judging.core.blueprints import jury as bp
from judging.core.concurrency import commit_with_replay, lost_race
from judging.core.labels import translated
from judging.core.models import utcnow
from judging.core.permissions import juror_required
from judging.core.templating import current_locale, decimal_text, local_datetime, tr
from judging.core.web_input import int_arg
from judging.db import session as db
from judging.editions.models import Round
from judging.jury import queries, rules, scorecards, scoring
from judging.jury.forms import (
    AbstainForm,
    LiveScoreForm,
    RecuseForm,
    ResumeForm,
    ScorecardForm,
    expected_version,
    score_field_name,
)
from judging.jury.loading import scorecard_or_404
from judging.jury.models import Assignment, JuryMembership
from judging.jury.scoring import ScoreError, ScoringClosed, StaleScorecard
from judging.results.engine import phases as phase_rules
from judging.results.models import PitchSlot

SCORE_URL = "/rounds/<int:round_id>/applications/<int:application_id>"


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"status_label": status_label, "score_field_name": score_field_name, "plain": scorecards.plain}


def status_label(status: str) -> str:
    """The scorecard's status in the reader's language (translated once per request: a dashboard lists
    hundreds)."""
    labels = g.get("_jury_status_labels")
    if labels is None:
        labels = g._jury_status_labels = translated("scorecard")
    return labels.get(status, status)


# --- loading ---------------------------------------------------------------------------------------------


def _actor() -> Any:
    return current_user._get_current_object()


# --- dashboard ---------------------------------------------------------------------------------------------


@bp.get("/")
@juror_required
def dashboard():
    """The juror's rounds, each listing one page of its scorecards (``?round=ID&page=N`` turns the pages
    of one round; the others show their first)."""
    asked = int_arg("round")
    rounds = queries.juror_rounds(db, current_user, {asked: int_arg("page", 1, minimum=1)} if asked else None)
    now = utcnow()
    chaired = set(
        db.scalars(
            select(JuryMembership.round_id).where(
                JuryMembership.user_id == current_user.id, JuryMembership.is_chair.is_(True)
            )
        )
    )
    for entry in rounds:
        rnd = entry["round"]
        entry["deliberation"] = rnd.id in chaired and phase_rules.can_see_all_scores(
            phase_rules.CHAIR, rnd.phase
        )
        entry["closed"] = rules.judging_closed_reason(rnd, now)
        entry["labels"] = {
            card.id: application_label(entry["applications"][card.application_id], viewer=JUROR, round=rnd)
            for card in entry["cards"] + entry["declared"]
        }
    return render_template("jury/dashboard.html", rounds=rounds)


# --- scoring page ------------------------------------------------------------------------------------------


def _stored_raw(card: Assignment) -> dict[str, str]:
    values = scorecards.card_values(card)
    return {code: decimal_text(value, grouping=False) for code, value in values.items()}  # 7,5 in French


def _render_scorecard(
    card: Assignment,
    *,
    form: ScorecardForm | None = None,
    raw: dict[str, str] | None = None,
    errors: dict[str, list[Any]] | None = None,
    abstain_form: AbstainForm | None = None,
    recuse_form: RecuseForm | None = None,
    problem: Any = None,
    saved: dict[str, str] | None = None,
    status: int = 200,
):
    """The scoring page. ``saved``: after a stale save, the stored values shown beside what was typed."""
    rnd = card.round
    if form is None:
        form = ScorecardForm(
            formdata=None,
            data={
                "comment": card.comment,
                "comment_to_candidate": card.comment_to_candidate,
                "version": card.version,
            },
        )
    raw = raw if raw is not None else _stored_raw(card)
    # The juror's other scorecards of the round (position, counts, next): plain rows, not objects.
    in_round = queries.juror_round_cards(db, current_user, rnd)
    following = queries.next_open(in_round, card)
    closed = rules.judging_closed_reason(rnd)
    total = None
    if not errors:
        total = scoring.card_total(card)
    view = application_view(card.application, viewer=JUROR, round=rnd)
    position = next((i for i, c in enumerate(in_round, start=1) if c.id == card.id), None)
    submitted = sum(1 for c in in_round if c.status == "submitted")
    counted = sum(1 for c in in_round if c.status in rules.COUNTING_STATUSES)
    response = render_template(
        "jury/scorecard.html",
        card=card,
        rnd=rnd,
        view=view,
        form=form,
        raw=raw,
        errors=errors or {},
        abstain_form=abstain_form
        or AbstainForm(prefix="abstain", formdata=None, data={"version": card.version}),
        recuse_form=recuse_form or RecuseForm(prefix="recuse", formdata=None, data={"version": card.version}),
        resume_form=ResumeForm(formdata=None, data={"version": card.version}),
        problem=problem,
        saved=saved or {},
        closed=closed,
        editable=closed is None and card.status != "abstained",
        total=scoring.format_total(total, current_locale()),
        next_card=following,
        position=position,
        count=len(in_round),
        submitted=submitted,
        counted=counted,
    )
    return response, status


def _typed_scores(card: Assignment) -> dict[str, str]:
    return {c.code: request.form.get(score_field_name(c.code), "") for c in card.round.criteria}


def _version_sent(raw: str | None, card: Assignment) -> int:
    """The version the page showed; a request without one is checked against the version this request
    loaded, so that its replay after a lost race is refused when it would change something."""
    version = expected_version(raw)
    return card.version if version is None else version


COMMENT_LABELS = {"comment": _l("private comment"), "comment_to_candidate": _l("comment for the candidate")}


def _saved_notes(card: Assignment, error: StaleScorecard) -> dict[str, str]:
    """What is stored now, as shown beside each field the juror's request disagreed with."""
    current = error.current
    names = (
        error.differing
        if error.differing is not None
        else [c.code for c in card.round.criteria if c.code in current["scores"]]
    )
    notes = {}
    for name in names:
        if name in COMMENT_LABELS:
            text = current.get(name)
            notes[name] = _("“%(text)s”", text=text) if text else _("empty")
        else:
            value = current["scores"].get(name)
            notes[name] = _("no score") if value is None else _decimal(value)
    return notes


def _decimal(plain_value: str) -> str:
    """``7.5`` → ``7,5`` in French (the way jurors type it)."""
    return decimal_text(plain_value, grouping=False)


def _stale_text(card: Assignment, error: StaleScorecard, notes: dict[str, str], *, autosave: bool) -> str:
    """The refusal in the reader's words: who changed the scorecard and when, what it holds now."""
    moment = error.changed_at or card.updated_at
    when = local_datetime(moment.replace(second=0, microsecond=0))  # to the minute: "le 6 déc. 2026 à 1 h 21"
    by = error.changed_by
    if error.submitted:
        head = _(
            "Not saved: this scorecard was submitted in another tab or on another device on %(when)s, "
            "after you opened this page.",
            when=when,
        )
    elif by is None or by.id == current_user.id:
        head = _(
            "Nothing was saved: this scorecard was changed in another tab or on another device on %(when)s, "
            "after you opened this page.",
            when=when,
        )
    else:
        head = _(
            "Nothing was saved: %(name)s changed this scorecard on %(when)s, after you opened this page.",
            name=by.name,
            when=when,
        )
    labels = {c.code: tr(c.name) for c in card.round.criteria}
    labels.update(COMMENT_LABELS)
    parts = [head]
    if notes:
        listed = " · ".join(
            _("%(label)s: %(value)s", label=labels.get(name, name), value=value)
            for name, value in notes.items()
        )
        parts.append(_("Saved now: %(values)s.", values=listed))
    if autosave:
        parts.append(
            _(
                "Autosave has stopped and what you typed stays on this page: save to compare it with "
                "the saved scorecard, or reload the page to take the saved one."
            )
        )
    else:
        parts.append(
            _(
                "What you typed is still below, next to the saved values: save again to keep yours, "
                "or reload the page to take the saved ones."
            )
        )
    return " ".join(str(part) for part in parts)


@bp.route(SCORE_URL, methods=["GET", "POST"])
@juror_required
def scorecard(round_id: int, application_id: int):
    card = scorecard_or_404(round_id, application_id)
    if request.method == "GET":
        return _render_scorecard(card)
    form = ScorecardForm()
    raw = _typed_scores(card)
    if not form.validate_on_submit():  # the CSRF token is checked before the view (CSRFProtect)
        return _render_scorecard(card, form=form, raw=raw, errors=form.errors, status=422)
    version = _version_sent(form.version.data, card)
    submit = request.form.get("action") == "submit"

    def work():
        fresh = scorecard_or_404(round_id, application_id)
        return scoring.save(
            db,
            fresh,
            actor=_actor(),
            scores=raw,
            comment=form.comment.data or "",
            comment_to_candidate=form.comment_to_candidate.data or "",
            submit=submit,
            expected_version=version,
        )

    try:
        saved = commit_with_replay(db, work)
    except ScoreError as error:
        db.rollback()
        card = scorecard_or_404(round_id, application_id)
        return _render_scorecard(
            card, form=form, raw=raw, errors=error.errors, problem=error.message, status=422
        )
    except StaleScorecard as error:
        db.rollback()
        card = scorecard_or_404(round_id, application_id)
        form.version.data = card.version  # saving again is a choice made with the stored values in view
        notes = _saved_notes(card, error)
        problem = _stale_text(card, error, notes, autosave=False)
        return _render_scorecard(card, form=form, raw=raw, problem=problem, saved=notes, status=409)
    except ScoringClosed as error:
        db.rollback()
        card = scorecard_or_404(round_id, application_id)
        return _render_scorecard(card, form=form, raw=raw, problem=error.message, status=409)
    if saved.status == "submitted":
        flash(
            _("Scorecard submitted.") if saved.changed else _("No change: the scorecard is as it was."),
            "success",
        )
    else:
        flash(_("Draft saved.") if saved.changed else _("No change: the draft is as it was."), "success")
    return redirect(url_for("jury.scorecard", round_id=round_id, application_id=application_id))


def _autosave_refusal(status: int, error: str, message: Any, **extra: Any):
    return jsonify(ok=False, error=error, message=str(message), errors={}, **extra), status


@bp.post(f"{SCORE_URL}/autosave")
@juror_required
def autosave(round_id: int, application_id: int):
    """The page's autosave (fetch): JSON in return, nothing saved when a value is wrong.

    409 (``ok: false``) when the scorecard changed or was submitted since the page was loaded: the
    page stops autosaving and shows why. A save identical to the stored one answers ``ok``."""
    card = scorecard_or_404(round_id, application_id)
    raw = _typed_scores(card)
    version = _version_sent(request.form.get("version"), card)

    def work():
        fresh = scorecard_or_404(round_id, application_id)
        result = scoring.save(
            db,
            fresh,
            actor=_actor(),
            scores=raw,
            comment=request.form.get("comment"),
            comment_to_candidate=request.form.get("comment_to_candidate"),
            expected_version=version,
            autosave=True,
        )
        return fresh, result

    try:
        card, saved = commit_with_replay(db, work)
    except ScoreError as error:
        db.rollback()
        return jsonify(
            ok=False,
            error="invalid",
            message=str(error.message),
            errors={code: [str(m) for m in messages] for code, messages in error.errors.items()},
        ), 422
    except StaleScorecard as error:
        db.rollback()
        card = scorecard_or_404(round_id, application_id)
        notes = _saved_notes(card, error)
        kind = "submitted" if error.submitted else "stale"
        return _autosave_refusal(409, kind, _stale_text(card, error, notes, autosave=True), saved=notes)
    except ScoringClosed as error:
        db.rollback()
        return _autosave_refusal(409, "closed", error.message)
    except (StaleDataError, IntegrityError, OperationalError) as error:
        if not lost_race(error):
            raise
        return _autosave_refusal(503, "busy", _("Not saved yet: trying again in a moment."))
    return jsonify(
        ok=True,
        saved=saved.changed,
        status=saved.status,
        status_label=status_label(saved.status),
        total=scoring.format_total(saved.total, current_locale()),
        version=card.version,
        message=_("Draft saved automatically.") if saved.changed else _("Up to date."),
    )


def _stale_page(round_id: int, application_id: int, error: StaleScorecard, form: Any, which: str):
    """The scoring page again after a stale abstain/recuse: the stored scorecard, the reason kept."""
    card = scorecard_or_404(round_id, application_id)
    form.version.data = card.version
    notes = _saved_notes(card, error)
    problem = _stale_text(card, error, notes, autosave=False)
    return _render_scorecard(card, problem=problem, saved=notes, status=409, **{which: form})


@bp.post(f"{SCORE_URL}/abstain")
@juror_required
def abstain(round_id: int, application_id: int):
    card = scorecard_or_404(round_id, application_id)
    form = AbstainForm(prefix="abstain")
    if not form.validate_on_submit():
        return _render_scorecard(card, abstain_form=form, status=422)
    version = _version_sent(form.version.data, card)
    try:
        scoring.abstain(db, card, actor=_actor(), reason=form.reason.data, expected_version=version)
        db.commit()
    except ScoreError as error:
        db.rollback()
        form.reason.errors = list(error.errors.get("reason", []))
        return _render_scorecard(scorecard_or_404(round_id, application_id), abstain_form=form, status=422)
    except StaleScorecard as error:
        db.rollback()
        return _stale_page(round_id, application_id, error, form, "abstain_form")
    except ScoringClosed as error:
        db.rollback()
        return _render_scorecard(
            scorecard_or_404(round_id, application_id), problem=error.message, status=409
        )
    flash(
        _("You abstained on %(ref)s: it is a missing score, not a zero.", ref=card.application.ref), "success"
    )
    return redirect(url_for("jury.scorecard", round_id=round_id, application_id=application_id))


@bp.post(f"{SCORE_URL}/resume")
@juror_required
def resume(round_id: int, application_id: int):
    card = scorecard_or_404(round_id, application_id)
    form = ResumeForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        scoring.resume(db, card, actor=_actor(), expected_version=_version_sent(form.version.data, card))
        db.commit()
    except StaleScorecard as error:
        db.rollback()
        card = scorecard_or_404(round_id, application_id)
        problem = _stale_text(card, error, _saved_notes(card, error), autosave=False)
        return _render_scorecard(card, problem=problem, status=409)
    except ScoringClosed as error:
        db.rollback()
        return _render_scorecard(
            scorecard_or_404(round_id, application_id), problem=error.message, status=409
        )
    return redirect(url_for("jury.scorecard", round_id=round_id, application_id=application_id))


@bp.post(f"{SCORE_URL}/recuse")
@juror_required
def recuse(round_id: int, application_id: int):
    card = scorecard_or_404(round_id, application_id)
    form = RecuseForm(prefix="recuse")
    if not form.validate_on_submit():
        return _render_scorecard(card, recuse_form=form, status=422)
    ref = card.application.ref
    version = _version_sent(form.version.data, card)
    try:
        scoring.recuse(db, card, actor=_actor(), reason=form.reason.data, expected_version=version)
        db.commit()
    except ScoreError as error:
        db.rollback()
        form.reason.errors = list(error.errors.get("reason", []))
        return _render_scorecard(scorecard_or_404(round_id, application_id), recuse_form=form, status=422)
    except StaleScorecard as error:
        db.rollback()
        return _stale_page(round_id, application_id, error, form, "recuse_form")
    except ScoringClosed as error:
        db.rollback()
        return _render_scorecard(
            scorecard_or_404(round_id, application_id), problem=error.message, status=409
        )
    flash(
        _(
            "Conflict of interest declared for %(ref)s: the organizers are told and it leaves your list.",
            ref=ref,
        ),
        "success",
    )
    return redirect(url_for("jury.dashboard"))


@bp.get(f"{SCORE_URL}/files/<int:attachment_id>")
@juror_required
def attachment(round_id: int, application_id: int, attachment_id: int):
    """A file of the application, always as a download; neutral names and no identifying file when blind."""
    card = scorecard_or_404(round_id, application_id)
    item = db.get(Attachment, attachment_id)
    return uploads.file_response(downloads.download_for(current_user, item, card=card) if item else None)


# --- live final --------------------------------------------------------------------------------------------


def _live_cards(rnd: Round) -> list[Assignment]:
    cards = list(
        db.scalars(
            select(Assignment)
            .join(Application, Assignment.application_id == Application.id)
            .where(
                Assignment.round_id == rnd.id,
                Assignment.juror_id == current_user.id,
                Assignment.status != "recused",
                Application.status == rules.IN_THE_RUNNING,
            )
            .options(
                selectinload(Assignment.application).selectinload(Application.applicant),
                selectinload(Assignment.application).selectinload(Application.organization),
                selectinload(Assignment.scores),
            )
        )
    )
    blocked = queries.conflicted_pairs(
        db, prize_id=rnd.prize_id, jurors=[current_user], application_ids=[c.application_id for c in cards]
    )
    cards = [c for c in cards if (current_user.id, c.application_id) not in blocked]
    slots = dict(
        db.execute(
            select(PitchSlot.application_id, PitchSlot.position).where(PitchSlot.round_id == rnd.id)
        ).all()
    )
    cards.sort(
        key=lambda c: (
            slots.get(c.application_id) is None,
            slots.get(c.application_id, 0),
            c.application.ref,
            c.application_id,
        )
    )
    return cards


def _render_live(
    rnd: Round,
    *,
    raw_for: dict[int, dict[str, str]] | None = None,
    errors_for: dict[int, dict[str, list[Any]]] | None = None,
    saved_for: dict[int, dict[str, str]] | None = None,
    problem: Any = None,
    status: int = 200,
    just_scored: int | None = None,
):
    """The live page; after a refusal, one pitch keeps what was typed (``raw_for``), its errors, and
    after a stale save the stored values beside it (``saved_for``). ``just_scored``: the application
    whose score was just submitted, confirmed inside its own pitch. Each pitch shows its time."""
    cards = _live_cards(rnd)
    pitch_times = dict(
        db.execute(
            select(PitchSlot.application_id, PitchSlot.starts_at).where(PitchSlot.round_id == rnd.id)
        ).all()
    )
    raw_for = raw_for or {}
    errors_for = errors_for or {}
    saved_for = saved_for or {}
    locale = current_locale()
    pitches = []
    for card in cards:
        pitches.append(
            {
                "card": card,
                "label": application_label(card.application, viewer=JUROR, round=rnd),
                "raw": raw_for.get(card.id, _stored_raw(card)),
                "errors": errors_for.get(card.id, {}),
                "saved": saved_for.get(card.id, {}),
                "starts_at": pitch_times.get(card.application_id),
                "just_scored": card.application_id == just_scored and card.status == "submitted",
                "total": scoring.format_total(scoring.card_total(card), locale)
                if card.id not in errors_for
                else "—",
            }
        )
    closed = rules.judging_closed_reason(rnd)
    submitted = sum(1 for c in cards if c.status == "submitted")
    counted = sum(1 for c in cards if c.status in rules.COUNTING_STATUSES)
    return render_template(
        "jury/live.html",
        rnd=rnd,
        pitches=pitches,
        form=LiveScoreForm(formdata=None),
        closed=closed,
        problem=problem,
        submitted=submitted,
        counted=counted,
    ), status


def _live_round_or_404(round_id: int) -> Round:
    rnd = db.scalar(
        select(Round)
        .where(Round.id == round_id)
        .options(selectinload(Round.criteria), selectinload(Round.prize))
    )
    if rnd is None or rnd.phase not in rules.VISIBLE_PHASES:
        abort(404)
    mine = db.scalar(
        select(Assignment.id)
        .where(Assignment.round_id == rnd.id, Assignment.juror_id == current_user.id)
        .limit(1)
    )
    if mine is None:
        abort(404)
    return rnd


@bp.get("/rounds/<int:round_id>/live")
@juror_required
def live(round_id: int):
    return _render_live(_live_round_or_404(round_id), just_scored=int_arg("scored"))


@bp.post("/rounds/<int:round_id>/live/<int:application_id>")
@juror_required
def live_score(round_id: int, application_id: int):
    rnd = _live_round_or_404(round_id)
    card = scorecard_or_404(round_id, application_id)
    if not LiveScoreForm().validate_on_submit():
        abort(400)
    raw = _typed_scores(card)
    version = _version_sent(request.form.get("version"), card)

    def work():
        fresh = scorecard_or_404(round_id, application_id)
        return scoring.save(db, fresh, actor=_actor(), scores=raw, submit=True, expected_version=version)

    try:
        commit_with_replay(db, work)
    except ScoreError as error:
        db.rollback()
        return _render_live(
            _live_round_or_404(round_id),
            raw_for={card.id: raw},
            errors_for={card.id: error.errors},
            problem=error.message,
            status=422,
        )
    except StaleScorecard as error:
        db.rollback()
        card = scorecard_or_404(round_id, application_id)
        notes = _saved_notes(card, error)
        return _render_live(
            _live_round_or_404(round_id),
            raw_for={card.id: raw},
            saved_for={card.id: notes},
            problem=_stale_text(card, error, notes, autosave=False),
            status=409,
        )
    except ScoringClosed as error:
        db.rollback()
        return _render_live(_live_round_or_404(round_id), problem=error.message, status=409)
    # the confirmation is shown in the pitch just scored, where the page scrolls back to (the anchor)
    return redirect(
        url_for("jury.live", round_id=rnd.id, scored=application_id, _anchor=f"pitch-{application_id}")
    )
