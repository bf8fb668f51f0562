"""Routes of the live final: the control and the board (organizers, and the round's jury chair), the
projector page, the state the phones poll, and the score a phone sends under its submission id.

The control, the board and the projector are registered on two blueprints: ``organizer`` (for
organizers) and ``jury`` (for the chair, who is a juror); :func:`_runner_round_or_404` lets in
organizers and the round's chair only, elsewhere a 404 (a juror must not learn the URL exists). The
provisional standings are only in the board's JSON and the control page, both behind that check.
Writes are POST (CSRF), call one operation and commit once; JSON answers are never cached.
"""

from __future__ import annotations

import re
from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from judging.accounts.operations import external_url
from judging.applications.presenters import JUROR, ORGANIZER, application_label
from judging.audience import queries as audience_queries
from judging.audience import rules as audience_rules
from judging.core import clock
from judging.core.blueprints import jury as jury_bp
from judging.core.blueprints import organizer as organizer_bp
from judging.core.concurrency import commit_with_replay
from judging.core.permissions import is_organizer, juror_required
from judging.db import session as db
from judging.editions.models import Round
from judging.jury import rules as jury_rules
from judging.jury.forms import expected_version, score_field_name
from judging.jury.loading import scorecard_or_404
from judging.jury.models import Assignment
from judging.jury.queries import chair_of
from judging.jury.scoring import ScoreError, ScoringClosed, StaleScorecard
from judging.live import operations, queries, rules
from judging.live.forms import ControlForm, TimingForm
from judging.live.rules import ACTIONS, LiveRefusal

LIVE_URL = "/rounds/<int:round_id>/live"
NO_STORE = {"Cache-Control": "private, no-store"}
SUBMISSION_ID = re.compile(r"[0-9a-fA-F-]{8,36}")


def _round_with_pitches_or_404(round_id: int) -> Round:
    rnd = db.scalar(
        select(Round)
        .where(Round.id == round_id)
        .options(selectinload(Round.criteria), selectinload(Round.prize))
    )
    if rnd is None or not queries.pitch_order(db, rnd):
        abort(404)
    return rnd


def _runner_round_or_404(round_id: int) -> Round:
    """The round, for an organizer (``organizer`` URLs: anyone else gets a 403, as on every organizer
    page) or its jury chair (``jury`` URLs: another juror gets a 404)."""
    if request.blueprint == "organizer" and not is_organizer(current_user):
        abort(403)
    rnd = _round_with_pitches_or_404(round_id)
    if request.blueprint == "jury" and chair_of(db, rnd) != current_user.id:
        abort(404)
    return rnd


def _state(rnd: Round, viewer: str) -> dict[str, Any]:
    document = queries.state(
        db, rnd, clock.now(), label_for=lambda app: application_label(app, viewer=viewer, round=rnd)
    )
    award = audience_queries.award_of(db, rnd.prize.edition)
    document["audience_open"] = bool(award and audience_rules.vote_is_open(award, clock.now()))
    return document


def _page(rnd: Round, template: str, **extra: Any):
    return (
        render_template(
            template,
            rnd=rnd,
            bp=request.blueprint,
            live=_state(rnd, ORGANIZER),
            board=queries.board(db, rnd),
            standings=queries.standings(db, rnd),
            session=queries.live_session(db, rnd),
            control_form=ControlForm(),
            timing_form=extra.pop("timing_form", None) or _timing_form(rnd),
            **extra,
        ),
        extra.get("status", 200),
        NO_STORE,
    )


def _timing_form(rnd: Round) -> TimingForm:
    session = queries.live_session(db, rnd)
    pitch, questions = (session.pitch_seconds, session.questions_seconds) if session else (300, 180)
    return TimingForm(formdata=None, pitch_minutes=pitch // 60, questions_minutes=questions // 60)


@login_required
def live_control(round_id: int):
    """The control page: current and next pitch, the timer, the moves, the board and the standings."""
    return _page(_runner_round_or_404(round_id), "live/control.html")


@login_required
def live_move(round_id: int):
    """One move (start, pause, next, back); from the projector's keys it answers JSON."""
    rnd = _runner_round_or_404(round_id)
    form = ControlForm()
    wants_json = request.accept_mimetypes.best == "application/json"
    if not form.validate_on_submit() or form.action.data not in ACTIONS:
        abort(400)
    try:
        commit_with_replay(
            db,
            lambda: operations.control(
                db, rnd, form.action.data, actor=current_user._get_current_object(), now=clock.now()
            ),
        )
    except LiveRefusal as refusal:
        db.rollback()
        if wants_json:
            return jsonify(ok=False, message=str(refusal.message)), 409, NO_STORE
        flash(str(refusal.message), "warning")
        return redirect(url_for(f"{request.blueprint}.live_control", round_id=rnd.id))
    if wants_json:
        return jsonify(ok=True, live=_state(rnd, ORGANIZER)), 200, NO_STORE
    return redirect(url_for(f"{request.blueprint}.live_control", round_id=rnd.id))


@login_required
def live_timing(round_id: int):
    rnd = _runner_round_or_404(round_id)
    form = TimingForm()
    if not form.validate_on_submit():
        return _page(rnd, "live/control.html", timing_form=form, status=422)
    try:
        operations.set_timing(
            db,
            rnd,
            pitch_minutes=form.pitch_minutes.data,
            questions_minutes=form.questions_minutes.data,
            actor=current_user._get_current_object(),
        )
    except LiveRefusal as refusal:
        db.rollback()
        flash(str(refusal.message), "danger")
        return _page(rnd, "live/control.html", timing_form=form, status=422)
    db.commit()
    flash(_("Pitch timing saved."), "success")
    return redirect(url_for(f"{request.blueprint}.live_control", round_id=rnd.id))


@login_required
def live_board(round_id: int):
    """The board as JSON (the control page polls it): who scored each pitch, the standings."""
    rnd = _runner_round_or_404(round_id)
    return (
        jsonify(
            live=_state(rnd, ORGANIZER), board=queries.board(db, rnd), standings=queries.standings(db, rnd)
        ),
        200,
        NO_STORE,
    )


@login_required
def live_screen(round_id: int):
    """The projector: the big timer, the current and next finalists, the audience vote's QR code
    while it is open. No standings, no names of jurors: the room sees it."""
    rnd = _runner_round_or_404(round_id)
    live = _state(rnd, ORGANIZER)
    edition = rnd.prize.edition
    url = external_url("public.audience_vote", code=edition.code) if live["audience_open"] else None
    return (
        render_template(
            "live/screen.html", rnd=rnd, bp=request.blueprint, live=live, url=url, control_form=ControlForm()
        ),
        200,
        NO_STORE,
    )


for _blueprint in (organizer_bp, jury_bp):
    _blueprint.add_url_rule(f"{LIVE_URL}/control", view_func=live_control, methods=["GET"])
    _blueprint.add_url_rule(
        f"{LIVE_URL}/control", endpoint="live_move", view_func=live_move, methods=["POST"]
    )
    _blueprint.add_url_rule(f"{LIVE_URL}/timing", view_func=live_timing, methods=["POST"])
    _blueprint.add_url_rule(f"{LIVE_URL}/board.json", view_func=live_board, methods=["GET"])
    _blueprint.add_url_rule(f"{LIVE_URL}/screen", view_func=live_screen, methods=["GET"])


# --- the jurors' phones -----------------------------------------------------------------------------------


@jury_bp.context_processor
def _live_links() -> dict[str, Any]:
    return {"live_chair_url": live_chair_url}


def live_chair_url(rnd: Round) -> str | None:
    """The control's address for the round's jury chair (linked from the live page), else None."""
    chair = current_user.is_authenticated and chair_of(db, rnd) == current_user.id
    return url_for("jury.live_control", round_id=rnd.id) if chair and queries.pitch_order(db, rnd) else None


@jury_bp.before_request
def _refuse_a_pitch_not_started():
    """The live page's plain form (a phone without JavaScript) obeys the live mode too: a score for a
    pitch not yet started is refused with the same words, nothing saved."""
    if request.endpoint != "jury.live_score" or request.method != "POST":
        return None
    args = request.view_args or {}
    rnd = db.get(Round, args.get("round_id"))
    if rnd is None:
        return None
    position = queries.positions(db, rnd).get(args.get("application_id"))
    if rules.pitch_open(queries.live_session(db, rnd), position):
        return None
    flash(str(rules.NOT_STARTED), "danger")
    anchor = f"pitch-{args.get('application_id')}"
    return redirect(url_for("jury.live", round_id=rnd.id, _anchor=anchor), 303)


@jury_bp.get(f"{LIVE_URL}/state.json")
@juror_required
def live_state(round_id: int):
    """What the phone follows: the current pitch, the timer, which pitches may be scored."""
    rnd = _round_with_pitches_or_404(round_id)
    if rnd.phase not in jury_rules.VISIBLE_PHASES or not _has_card(rnd):
        abort(404)
    return jsonify(_state(rnd, JUROR)), 200, NO_STORE


def _has_card(rnd: Round) -> bool:
    mine = select(Assignment.id).where(Assignment.round_id == rnd.id, Assignment.juror_id == current_user.id)
    return db.scalar(mine.limit(1)) is not None


def _sent_scores(rnd: Round) -> dict[str, str]:
    return {c.code: request.form.get(score_field_name(c.code), "") for c in rnd.criteria}


def _refusal(status: int, error: str, message: Any, **extra: Any):
    return jsonify(ok=False, error=error, message=str(message), **extra), status, NO_STORE


@jury_bp.post(f"{LIVE_URL}/<int:application_id>/send")
@juror_required
def live_send(round_id: int, application_id: int):
    """A score from the live page, sent (maybe again) under the phone's ``submission_id``.

    200 ``{ok, saved, version}`` when stored (a replay of a stored submission answers the same, and
    nothing is counted twice); 422 for wrong values, 409 for a pitch not yet started, a scorecard
    changed elsewhere or judging closed (the phone keeps what was typed and says why)."""
    submission_id = request.form.get("submission_id", "")
    if not SUBMISSION_ID.fullmatch(submission_id):
        return _refusal(
            400, "submission", _("This score came without a valid submission id: reload the page.")
        )
    card = scorecard_or_404(round_id, application_id)
    version = expected_version(request.form.get("version"))
    raw = _sent_scores(card.round)
    juror = current_user._get_current_object()

    def work():
        fresh = scorecard_or_404(round_id, application_id)
        return operations.receive_score(
            db,
            fresh,
            juror=juror,
            submission_id=submission_id,
            scores=raw,
            version=fresh.version if version is None else version,
            now=clock.request_received_at(),
        )

    try:
        entry = commit_with_replay(db, work)
    except ScoreError as error:
        db.rollback()
        errors = {code: [str(m) for m in messages] for code, messages in error.errors.items()}
        return _refusal(422, "invalid", error.message, errors=errors)
    except LiveRefusal as refusal:
        db.rollback()
        return _refusal(409, "not_started", refusal.message)
    except StaleScorecard:
        db.rollback()
        return _refusal(
            409,
            "stale",
            _(
                "Not saved: this score was changed on another device. "
                "Reload the page to see it; what you typed is kept."
            ),
        )
    except ScoringClosed as error:
        db.rollback()
        return _refusal(409, "closed", error.message)
    return (
        jsonify(ok=True, saved=True, version=entry.version, submission_id=entry.submission_id),
        200,
        NO_STORE,
    )
