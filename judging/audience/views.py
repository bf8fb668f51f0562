"""Routes of the audience award: the organizer's page (``organizer`` blueprint) and the vote (``public``).

Organizer routes are ``@organizer_required``; the edition comes from the URL (404 when missing).
Writes are POST only, call one operation and commit once; a refusal shows its translated message
and changes nothing. The tally is shown only by an explicit POST (``audience_tally``, audited);
no GET page of the organizer nor of the public shows a count per finalist.

The vote needs no account: a phone is bound to one voter (``session['audience_device']``, a random
secret whose hash the voter row keeps) after a one-time code or a personal link.
"""

from __future__ import annotations

import os
import secrets
from typing import Any

import segno
from flask import Response, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter.util import get_remote_address
from flask_login import current_user

from judging.accounts.operations import external_url, normalize_email
from judging.audience import operations, queries, rules
from judging.audience.forms import (
    ActionForm,
    BallotForm,
    CodeForm,
    EmailForm,
    FinalistsForm,
    ImportForm,
    OpenForm,
    VoidForm,
)
from judging.audience.models import AudienceAward, AudienceVote, AudienceVoter
from judging.audience.operations import AudienceError
from judging.core import clock
from judging.core.blueprints import organizer as bp
from judging.core.blueprints import public as public_bp
from judging.core.concurrency import commit_with_replay
from judging.core.exports import CSV_MIMETYPE
from judging.core.loading import load_or_404
from judging.core.pdf import render_pdf
from judging.core.permissions import organizer_required
from judging.core.templating import current_locale
from judging.core.web_input import ascii_int
from judging.db import session as db
from judging.editions.loading import load_edition
from judging.editions.models import Edition
from judging.extensions import limiter

AUDIENCE_URL = "/editions/<int:edition_id>/audience"
VOTE_URL = "/audience/<code>"
PRIVATE = {"Cache-Control": "private, no-store"}

# Throttling of the vote. A venue's Wi-Fi puts a whole room behind one address: the per-network
# limits are wide (the fraud signals show a burst), the per-address (email) ones are tight.
DEFAULT_LIMITS = {
    "AUDIENCE_CODE_RATE_LIMIT": "3 per 10 minutes;10 per day",
    "AUDIENCE_NETWORK_RATE_LIMIT": "600 per 10 minutes;3000 per day",
}


def _limit(name: str) -> str:
    return current_app.config.get(name) or os.environ.get("JUDGING_" + name) or DEFAULT_LIMITS[name]


def _code_limit() -> str:
    return _limit("AUDIENCE_CODE_RATE_LIMIT")


def _network_limit() -> str:
    return _limit("AUDIENCE_NETWORK_RATE_LIMIT")


def _email_key() -> str:
    return "audience:" + (
        normalize_email(request.form.get("email", "") or session.get("audience_email", "")) or "-"
    )


def _network_key() -> str:
    return "audience-net:" + (rules.network_of(get_remote_address()) or "-")


def _network() -> str | None:
    return rules.network_of(request.remote_addr)


def _actor() -> Any:
    return current_user._get_current_object()


# --- organizer -----------------------------------------------------------------------------------------


def _award(edition: Edition) -> AudienceAward | None:
    return queries.award_of(db, edition)


def _render_manage(edition: Edition, award: AudienceAward | None, *, status: int = 200, **forms: Any):
    now = clock.now()
    chosen = [c.application_id for c in award.candidates] if award else []
    finalists_form = forms.get("finalists_form") or FinalistsForm(formdata=None, data={"finalists": chosen})
    eligible = queries.eligible_finalists(db, edition.id)
    finalists_form.finalists.choices = [(a.id, f"{a.ref} · {a.title}") for a in eligible]
    context = {
        "edition": edition,
        "award": award,
        "eligible": eligible,
        "finalists_form": finalists_form,
        "open_form": forms.get("open_form") or OpenForm(formdata=None),
        "import_form": forms.get("import_form") or ImportForm(formdata=None),
        "action_form": ActionForm(formdata=None),
        "void_form": VoidForm(formdata=None),
        "is_open": bool(award) and rules.vote_is_open(award, now),
        "has_closed": bool(award) and rules.vote_has_closed(award, now),
        "turnout": queries.turnout(db, award) if award else None,
        "signals": queries.signals(db, award) if award else None,
        "votes": queries.votes_for_review(db, award) if award else [],
        "import_report": forms.get("import_report"),
        "vote_url": external_url("public.audience_vote", code=edition.code),
        "result": revealed_result(award) if award else None,
    }
    return render_template("audience/manage.html", **context), status, PRIVATE


def revealed_result(award: AudienceAward) -> queries.AudienceResult | None:
    """The result once the ceremony has revealed it (None before: the tally stays hidden)."""
    result = queries.audience_result(db, award.edition, at=clock.request_received_at())
    return result if result is not None and result.public else None


def _refused_manage(edition: Edition, error: AudienceError, **forms: Any):
    db.rollback()
    flash(str(error.message), "error")
    return _render_manage(
        edition, _award(edition), status=error.status if error.status != 404 else 409, **forms
    )


def _back(edition: Edition):
    return redirect(url_for("organizer.audience", edition_id=edition.id))


@bp.get(AUDIENCE_URL)
@organizer_required
def audience(edition_id: int):
    edition = load_edition(edition_id)
    return _render_manage(edition, _award(edition))


@bp.post(AUDIENCE_URL + "/finalists")
@organizer_required
def audience_finalists(edition_id: int):
    edition = load_edition(edition_id)
    form = FinalistsForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        award = operations.award_for(db, edition, actor=_actor())
        operations.set_finalists(db, award, form.finalists.data or [], actor=_actor())
        db.commit()
    except AudienceError as error:
        return _refused_manage(edition, error, finalists_form=form)
    flash(_("Finalists of the audience award saved."), "success")
    return _back(edition)


@bp.post(AUDIENCE_URL + "/open")
@organizer_required
def audience_open(edition_id: int):
    edition = load_edition(edition_id)
    award = _award(edition) or abort(404)
    form = OpenForm()
    if not form.validate_on_submit():
        return _render_manage(edition, award, status=422, open_form=form)
    try:
        operations.open_vote(
            db, award, closes_at=form.closes_at.data, actor=_actor(), at=clock.request_received_at()
        )
        db.commit()
    except AudienceError as error:
        return _refused_manage(edition, error, open_form=form)
    flash(_("The audience vote is open."), "success")
    return _back(edition)


@bp.post(AUDIENCE_URL + "/close")
@organizer_required
def audience_close(edition_id: int):
    edition = load_edition(edition_id)
    award = _award(edition) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        operations.close_vote(db, award, actor=_actor(), at=clock.request_received_at())
        db.commit()
    except AudienceError as error:
        return _refused_manage(edition, error)
    flash(_("The audience vote is closed."), "success")
    return _back(edition)


@bp.post(AUDIENCE_URL + "/attendees")
@organizer_required
def audience_attendees(edition_id: int):
    edition = load_edition(edition_id)
    form = ImportForm()
    if not form.validate_on_submit():
        return _render_manage(edition, _award(edition), status=422, import_form=form)
    try:
        award = operations.award_for(db, edition, actor=_actor())
        report = operations.import_attendees(db, award, form.attendees.data.read(), actor=_actor())
        db.commit()
    except AudienceError as error:
        return _refused_manage(edition, error, import_form=form)
    flash(
        ngettext("%(num)d attendee added.", "%(num)d attendees added.", report.added)
        + " "
        + ngettext("%(num)d row with a problem.", "%(num)d rows with a problem.", len(report.problems)),
        "warning" if report.problems else "success",
    )
    return _render_manage(
        edition, _award(edition), status=422 if report.problems else 200, import_report=report
    )


@bp.post(AUDIENCE_URL + "/links")
@organizer_required
def audience_links(edition_id: int):
    edition = load_edition(edition_id)
    award = _award(edition) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    sent = operations.send_links(db, award, actor=_actor(), at=clock.request_received_at())
    db.commit()
    flash(ngettext("%(num)d personal link queued.", "%(num)d personal links queued.", sent), "success")
    return _back(edition)


@bp.post(AUDIENCE_URL + "/votes/<int:vote_id>/void")
@organizer_required
def audience_void(edition_id: int, vote_id: int):
    edition = load_edition(edition_id)
    award = _award(edition) or abort(404)
    vote = load_or_404(AudienceVote, vote_id)
    if vote.award_id != award.id:
        abort(404)  # a vote of another edition's award: as if missing
    form = VoidForm()
    if not form.validate_on_submit():
        flash(" ".join(form.reason.errors) or _("Say why the vote is voided."), "error")
        return _render_manage(edition, award, status=422)
    try:
        operations.void_vote(
            db, award, vote, form.reason.data, actor=_actor(), at=clock.request_received_at()
        )
        db.commit()
    except AudienceError as error:
        return _refused_manage(edition, error)
    flash(_("The vote is voided; the reason is in the log."), "success")
    return _back(edition)


@bp.post(AUDIENCE_URL + "/tally")
@organizer_required
def audience_tally(edition_id: int):
    """The tally, only through this explicit action, logged with who looked and when."""
    edition = load_edition(edition_id)
    award = _award(edition) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    counted = operations.look_at_tally(db, award, actor=_actor(), at=clock.request_received_at())
    db.commit()
    names = {a.ref: a for a in queries.finalists_in_award(award)}
    return (
        render_template("audience/tally.html", edition=edition, award=award, tally=counted, names=names),
        200,
        PRIVATE,
    )


@bp.post(AUDIENCE_URL + "/export.csv")
@organizer_required
def audience_export(edition_id: int):
    edition = load_edition(edition_id)
    award = _award(edition) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    data = operations.export_votes(db, award, actor=_actor(), at=clock.request_received_at())
    db.commit()
    filename = f"audience-votes-{edition.code}.csv"
    headers = {**PRIVATE, "Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(data, mimetype=CSV_MIMETYPE, headers=headers)


def qr_svg(url: str, *, scale: int = 8, sized: bool = True) -> str:
    """A QR code of ``url`` as inline SVG, drawn on the server (error correction M, quiet zone kept)."""
    code = segno.make(url, error="m", micro=False)
    return code.svg_inline(scale=scale, dark="#000", light="#fff", omitsize=not sized, svgclass="img-fluid")


@bp.get(AUDIENCE_URL + "/screen")
@organizer_required
def audience_screen(edition_id: int):
    """The projector's page: the QR code and the address of the vote (never a count)."""
    edition = load_edition(edition_id)
    award = _award(edition) or abort(404)
    url = external_url("public.audience_vote", code=edition.code)
    closed = rules.vote_has_closed(award, clock.now())
    return (
        render_template(
            "audience/screen.html", edition=edition, award=award, url=url, qr=qr_svg(url), closed=closed
        ),
        200,
        PRIVATE,
    )


@bp.get(AUDIENCE_URL + "/sheet.pdf")
@organizer_required
def audience_sheet(edition_id: int):
    """The printable sheet (tables, entrance): QR code, address, finalists; in the page's language."""
    edition = load_edition(edition_id)
    award = _award(edition) or abort(404)
    url = external_url("public.audience_vote", code=edition.code)
    html = render_template(
        "audience/sheet.html",
        edition=edition,
        award=award,
        url=url,
        qr=qr_svg(url, sized=False),
        finalists=queries.finalists_in_award(award),
    )
    headers = {**PRIVATE, "Content-Disposition": f'inline; filename="audience-award-{edition.code}.pdf"'}
    return Response(render_pdf(html), mimetype="application/pdf", headers=headers)


# --- the vote (public) -------------------------------------------------------------------------------------


def _public_award(code: str) -> AudienceAward:
    award = queries.award_by_edition_code(db, code)
    if award is None or award.state == "setup":
        abort(404)
    return award


def _device() -> str:
    if not session.get("audience_device"):
        session["audience_device"] = secrets.token_urlsafe(24)
    return session["audience_device"]


def _bind(award: AudienceAward, voter_id: int) -> None:
    bound = dict(session.get("audience_voters") or {})
    bound[str(award.id)] = voter_id
    session["audience_voters"] = bound


def _my_voter(award: AudienceAward):
    voter_id = (session.get("audience_voters") or {}).get(str(award.id))
    return operations.bound_voter(
        db, award, voter_id if isinstance(voter_id, int) else None, session.get("audience_device")
    )


def _render_vote(award: AudienceAward, *, status: int = 200, refusal: Any = None, **forms: Any):
    now = clock.request_received_at()
    voter = _my_voter(award)
    vote = queries.current_vote(db, voter) if voter else None
    ballot = forms.get("ballot") or BallotForm(
        formdata=None, data={"choice": str(vote.application_id) if vote else None}
    )
    ballot.choice.choices = [(str(a.id), a.title) for a in queries.finalists_in_award(award)]
    context = {
        "award": award,
        "edition": award.edition,
        "voter": voter,
        "vote": vote,
        "is_open": rules.vote_is_open(award, now),
        "has_closed": rules.vote_has_closed(award, now),
        "email_form": forms.get("email_form") or EmailForm(formdata=None),
        "code_form": forms.get("code_form") or CodeForm(formdata=None),
        "ballot": ballot,
        "awaiting_code": bool(session.get("audience_email")) and voter is None,
        "refusal": refusal,
        "finalists": queries.finalists_in_award(award),
        "result": revealed_result(award),
    }
    return render_template("audience/vote.html", **context), status, PRIVATE


def _refused_vote(award: AudienceAward, error: AudienceError, **forms: Any):
    db.rollback()
    return _render_vote(award, status=error.status, refusal=error.message, **forms)


@public_bp.get(VOTE_URL)
def audience_vote(code: str):
    return _render_vote(_public_award(code))


@public_bp.post(VOTE_URL + "/code")
@limiter.limit(_network_limit, key_func=_network_key)
@limiter.limit(_code_limit, key_func=_email_key)
def audience_request_code(code: str):
    award = _public_award(code)
    form = EmailForm()
    if not form.validate_on_submit():
        return _render_vote(award, status=422, email_form=form)
    try:
        operations.request_code(
            db,
            award,
            form.email.data,
            language=current_locale(),
            network=_network(),
            at=clock.request_received_at(),
        )
        db.commit()
    except AudienceError as error:
        return _refused_vote(award, error, email_form=form)
    session["audience_email"] = normalize_email(form.email.data)
    flash(
        _("We sent a 6-digit code to %(email)s. It works for 10 minutes.", email=form.email.data), "success"
    )
    return redirect(url_for("public.audience_vote", code=code, _anchor="code"))


@public_bp.post(VOTE_URL + "/verify")
@limiter.limit(_network_limit, key_func=_network_key)
def audience_verify(code: str):
    award = _public_award(code)
    form = CodeForm()
    email = session.get("audience_email")
    if not email:
        return _render_vote(
            award, status=400, refusal=_("Enter your email address first: we will send you a code.")
        )
    if not form.validate_on_submit():
        return _render_vote(award, status=422, code_form=form)
    try:
        voter = operations.verify_code(
            db, award, email, form.code.data, device=_device(), at=clock.request_received_at()
        )
        db.commit()
    except AudienceError as error:
        db.commit()  # a wrong try counts (attempts), even though the code is refused
        return _render_vote(award, status=error.status, refusal=error.message, code_form=form)
    _bind(award, voter.id)
    session.pop("audience_email", None)
    return redirect(url_for("public.audience_vote", code=code, _anchor="ballot"))


@public_bp.get(VOTE_URL + "/l/<token>")
@limiter.limit(_network_limit, key_func=_network_key)
def audience_link(code: str, token: str):
    award = _public_award(code)
    try:
        voter = operations.open_link(
            db, award, token[:200], device=_device(), network=_network(), at=clock.request_received_at()
        )
        db.commit()
    except AudienceError as error:
        return _refused_vote(award, error)
    _bind(award, voter.id)
    return redirect(url_for("public.audience_vote", code=code, _anchor="ballot"))


@public_bp.post(VOTE_URL + "/ballot")
@limiter.limit(_network_limit, key_func=_network_key)
def audience_ballot(code: str):
    award = _public_award(code)
    voter = _my_voter(award)
    if voter is None:
        return _render_vote(
            award,
            status=403,
            refusal=_("This phone is not signed in to vote. Ask for a code by email first."),
        )
    form = BallotForm()
    if not form.validate_on_submit():
        abort(400)
    choice = ascii_int(str(form.choice.data or ""), minimum=1)
    at, network, voter_id = clock.request_received_at(), _network(), voter.id

    def cast() -> AudienceVote:
        """Loads what it changes itself: a replay after a lost race sees the other request's row."""
        fresh = _public_award(code)
        return operations.cast_vote(
            db, fresh, db.get(AudienceVoter, voter_id), choice, network=network, at=at
        )

    try:
        vote = commit_with_replay(db, cast)
    except AudienceError as error:
        return _refused_vote(award, error, ballot=form)
    flash(
        _("Your vote is counted. You can change it until the vote closes.")
        if not vote.changes
        else _("Your vote is changed. Only your latest choice counts."),
        "success",
    )
    return redirect(url_for("public.audience_vote", code=code, _anchor="ballot"))


@public_bp.get(VOTE_URL + "/qr.svg")
def audience_qr(code: str):
    award = _public_award(code)
    url = external_url("public.audience_vote", code=award.edition.code)
    return Response(qr_svg(url), mimetype="image/svg+xml", headers={"Cache-Control": "public, max-age=300"})
