"""Organizer pages of the ceremony: arrangement, PDFs, reveal screen, notifications, comments, report.

Added to the ``organizer`` blueprint. Every route is ``@organizer_required``; the edition
comes from the URL (404 when missing). Writes are POST only, call one service and commit
once; a refusal re-renders the page with the translated message (status 422) and nothing
changes. Ceremony documents and the reveal screen are made only from frozen results: when
a prize is not frozen the request is answered with a page that says which prizes and what
to do (status 409). Pages run a fixed number of SQL queries whatever the data size.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from judging.ceremony import documents
from judging.ceremony import plan as ceremony_service
from judging.ceremony.audience import AudienceSegment, ceremony_audience
from judging.ceremony.forms import (
    ArrangementForm,
    CommentForm,
    DocumentOptionsForm,
    EmptyForm,
    PublicTimesForm,
    ReleaseForm,
    ScheduleForm,
)
from judging.ceremony.plan import CeremonyError, PrizeArrangement
from judging.ceremony.report_pdf import report_context, report_pdf
from judging.core import clock
from judging.core.blueprints import organizer as bp
from judging.core.concurrency import commit_with_replay
from judging.core.forms import add_errors
from judging.core.permissions import organizer_required
from judging.core.templating import current_locale
from judging.core.web_input import ascii_int, int_arg, int_list
from judging.db import session as db
from judging.editions.loading import load_edition
from judging.editions.models import Edition, Prize
from judging.jury.models import Assignment
from judging.mail import templates as mail_templates
from judging.results import notifications
from judging.results.notifications import NotificationError
from judging.results.operations import without_publication_consent

CEREMONY_URL = "/editions/<int:edition_id>/ceremony"


def _actor() -> Any:
    return current_user._get_current_object()


def document_labels() -> dict[str, str]:
    return {kind: str(label) for kind, label in documents.KIND_LABELS.items()}


def _prizes(edition: Edition) -> list[Prize]:
    return list(
        db.scalars(select(Prize).where(Prize.edition_id == edition.id).order_by(Prize.position, Prize.id))
    )


def _refused(edition: Edition, error: CeremonyError, status: int = 409):
    return render_template("ceremony/refused.html", edition=edition, error=error), status


# --- arrangement -----------------------------------------------------------------------------------------


def _render_ceremony(
    edition: Edition,
    form: ArrangementForm,
    times_form: PublicTimesForm,
    *,
    problem: Any = None,
    status: int = 200,
):
    readiness = ceremony_service.load_prizes(db, edition)
    return render_template(
        "ceremony/ceremony.html",
        edition=edition,
        form=form,
        times_form=times_form,
        readiness=readiness,
        all_ready=bool(readiness) and all(p.ready for p in readiness),
        problem=problem,
        kinds=documents.KINDS,
        kind_labels=document_labels(),
        options=DocumentOptionsForm(),
        reveal_form=EmptyForm(formdata=None),
        winners_public=clock.is_public(edition.winners_public_at, clock.now()),
        prize_names={p.id: p.name(current_locale()) for p in readiness},
        unconsented=without_publication_consent(db, [p.id for p in readiness]),
    ), status


@bp.route(CEREMONY_URL, methods=["GET", "POST"])
@organizer_required
def ceremony(edition_id: int):
    edition = load_edition(edition_id)
    prizes = _prizes(edition)
    if request.method == "POST" and request.form.get("action") == "times":
        form = ArrangementForm(formdata=None, data={"prizes": ceremony_service.arrangement_defaults(prizes)})
        times_form = PublicTimesForm(obj=edition)  # a time left as shown keeps its seconds
        if not times_form.validate_on_submit():
            return _render_ceremony(edition, form, times_form, status=422)
        try:
            changed = ceremony_service.set_public_times(
                db,
                edition,
                finalists_public_at=times_form.finalists_public_at.data,
                winners_public_at=times_form.winners_public_at.data,
                actor=_actor(),
            )
            db.commit()
        except CeremonyError as error:
            db.rollback()
            add_errors(times_form, error.errors)
            return _render_ceremony(edition, form, times_form, problem=error.message, status=422)
        flash(_("Public times saved.") if changed else _("Nothing changed."), "success")
        return redirect(url_for("organizer.ceremony", edition_id=edition.id))

    times_form = PublicTimesForm(formdata=None, obj=edition)
    if request.method == "GET":
        form = ArrangementForm(formdata=None, data={"prizes": ceremony_service.arrangement_defaults(prizes)})
        return _render_ceremony(edition, form, times_form)
    form = ArrangementForm()
    if not form.validate_on_submit():
        return _render_ceremony(edition, form, times_form, status=422)
    arrangements = []
    for entry in form.prizes.entries:
        values = entry.form
        prize_id = ascii_int(str(values.prize_id.data or ""), minimum=1)
        if prize_id is None:
            abort(400)
        arrangements.append(
            PrizeArrangement(
                prize_id=prize_id,
                order=values.order.data,
                sponsor=values.sponsor.data,
                presenter_name=values.presenter_name.data,
                presenter_title=values.presenter_title.data,
                presenter_title_en=values.presenter_title_en.data,
                presenter_organization=values.presenter_organization.data,
                script_fr=values.script_fr.data,
                script_en=values.script_en.data,
                minutes=values.minutes.data,
            )
        )
    try:
        ceremony_service.arrange_ceremony(db, edition, arrangements=arrangements, actor=_actor())
        db.commit()
    except CeremonyError as error:
        db.rollback()
        by_prize = {str(entry.form.prize_id.data): entry.form for entry in form.prizes.entries}
        for key, messages in error.errors.items():
            _prefix, prize_id, name = key.split("-", 2)
            sub = by_prize.get(prize_id)
            field = sub._fields.get(name) if sub is not None else None
            if field is not None:
                field.errors = [*field.errors, *messages]
        return _render_ceremony(edition, form, times_form, problem=error.message, status=422)
    flash(_("Ceremony saved."), "success")
    return redirect(url_for("organizer.ceremony", edition_id=edition.id))


# --- documents ---------------------------------------------------------------------------------------------


@bp.get(CEREMONY_URL + "/documents/<kind>.pdf")
@organizer_required
def ceremony_document(edition_id: int, kind: str):
    edition = load_edition(edition_id)
    if kind not in documents.KINDS:
        abort(404)
    options = DocumentOptionsForm(request.args)
    if not options.validate():
        abort(400)
    only_ready = request.args.get("scope") == "ready"
    try:
        plan = ceremony_service.ceremony_plan(
            db, edition, language=options.language.data, only_ready=only_ready
        )
        plan.audience = _document_audience(edition, kind, only_ready=only_ready)
    except CeremonyError as error:
        return _refused(edition, error)
    data = documents.ceremony_pdf(plan, kind, paper=options.paper.data)
    db.commit()  # a look at the audience tally (envelopes, certificates before the reveal) is logged
    filename = documents.filename(plan, kind, options.paper.data)
    return Response(
        data,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


def _document_audience(edition: Edition, kind: str, *, only_ready: bool) -> AudienceSegment | None:
    """The audience award for a document showing it; with ``scope=ready``, left out until its vote closes."""
    try:
        return documents.document_audience(db, edition, kind, actor=_actor(), at=clock.request_received_at())
    except CeremonyError:
        if only_ready:
            return None
        raise


# --- reveal ------------------------------------------------------------------------------------------------


@bp.get(CEREMONY_URL + "/reveal")
@organizer_required
def ceremony_reveal(edition_id: int):
    edition = load_edition(edition_id)
    language = request.args.get("language") or current_locale()
    if language not in ceremony_service.DOCUMENT_LANGUAGES:
        language = current_locale()
    try:
        plan = ceremony_service.ceremony_plan(db, edition, language=language)
        at = clock.request_received_at()
        plan.audience = ceremony_audience(db, edition, with_winners=False, actor=_actor(), at=at)
        steps = ceremony_service.reveal_steps(plan)
        step = steps[min(int_arg("step", 0), len(steps) - 1)]
        if step.kind == "audience_winner":  # the winner shown on screen: a logged look before the reveal
            plan.audience = ceremony_audience(db, edition, with_winners=True, actor=_actor(), at=at)
            db.commit()
    except CeremonyError as error:
        return _refused(edition, error)
    ceremony_service.withhold_names(plan.prizes)  # projected to the audience: a public output
    if plan.audience is not None:
        plan.audience = plan.audience.for_public()
    return (
        render_template(
            "ceremony/reveal.html",
            edition=edition,
            plan=plan,
            step=step,
            steps=steps,
            language=language,
            langs=plan.languages,
            t=documents.t,
            when=documents.when,
            prize_number=(plan.prizes.index(step.prize) + 1) if step.prize is not None else None,
        ),
        200,
        {"Cache-Control": "private, no-store"},
    )


@bp.post(CEREMONY_URL + "/reveal-winners")
@organizer_required
def ceremony_reveal_winners(edition_id: int):
    edition = load_edition(edition_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        ceremony_service.reveal_winners(db, edition, actor=_actor())
        db.commit()
    except CeremonyError as error:
        db.rollback()
        flash(str(error.message), "error")
        return redirect(url_for("organizer.ceremony", edition_id=edition.id))
    flash(_("The winners page is public now."), "success")
    return redirect(url_for("organizer.ceremony", edition_id=edition.id))


# --- notifications ----------------------------------------------------------------------------------------


def _render_notifications(edition: Edition, form: ScheduleForm, *, problem: Any = None, status: int = 200):
    return render_template(
        "ceremony/notifications.html",
        edition=edition,
        form=form,
        summary=notifications.summary(db, edition),
        kinds=mail_templates.KINDS,
        overridden=set(mail_templates.overrides(db, edition.id, mail_templates.KEYS)),
        cancel_form=EmptyForm(formdata=None),
        problem=problem,
    ), status


def _schedule_form(**kwargs: Any) -> ScheduleForm:
    form = ScheduleForm(**kwargs)
    form.keys.choices = [(key, mail_templates.KINDS[key].label) for key in mail_templates.OUTCOME_KEYS]
    return form


@bp.route(CEREMONY_URL + "/notifications", methods=["GET", "POST"])
@organizer_required
def ceremony_notifications(edition_id: int):
    edition = load_edition(edition_id)
    if request.method == "GET":
        form = _schedule_form(formdata=None)
        return _render_notifications(edition, form)
    form = _schedule_form()
    if not form.validate_on_submit():
        return _render_notifications(edition, form, status=422)
    try:  # two organizers scheduling at once: the second replays and finds everyone told
        counts = commit_with_replay(
            db,
            lambda: notifications.schedule(
                db, edition, keys=form.keys.data, send_after=form.send_after.data, actor=_actor()
            ),
        )
    except NotificationError as error:
        db.rollback()
        add_errors(form, error.errors)
        return _render_notifications(edition, form, problem=error.message, status=422)
    flash(ngettext("%(num)d mail scheduled.", "%(num)d mails scheduled.", sum(counts.values())), "success")
    return redirect(url_for("organizer.ceremony_notifications", edition_id=edition.id))


@bp.post(CEREMONY_URL + "/notifications/cancel")
@organizer_required
def ceremony_notifications_cancel(edition_id: int):
    edition = load_edition(edition_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    count = notifications.cancel_scheduled(db, edition, actor=_actor())
    db.commit()
    flash(
        ngettext("%(num)d scheduled mail cancelled.", "%(num)d scheduled mails cancelled.", count), "success"
    )
    return redirect(url_for("organizer.ceremony_notifications", edition_id=edition.id))


# --- comments to candidates ---------------------------------------------------------------------------------


@bp.route(CEREMONY_URL + "/comments", methods=["GET", "POST"])
@organizer_required
def ceremony_comments(edition_id: int):
    edition = load_edition(edition_id)
    problem = None
    status = 200
    form = ReleaseForm() if request.method == "POST" else ReleaseForm(formdata=None)
    if request.method == "POST":
        ids = int_list(request.form.getlist("assignment"))
        if form.validate_on_submit():
            try:
                count, mails = notifications.release_comments(
                    db, edition, assignment_ids=ids, actor=_actor(), send_after=form.send_after.data
                )
                db.commit()
            except NotificationError as error:
                db.rollback()
                problem = error.message
                status = 422
            else:
                flash(
                    _(
                        "%(released)s; %(mailed)s.",
                        released=ngettext("%(num)d comment released", "%(num)d comments released", count),
                        mailed=ngettext(
                            "%(num)d candidate will be mailed", "%(num)d candidates will be mailed", mails
                        ),
                    ),
                    "success",
                )
                return redirect(url_for("organizer.ceremony_comments", edition_id=edition.id))
        else:
            status = 422
    rows = notifications.comments_for_review(db, edition)
    return render_template(
        "ceremony/comments.html",
        edition=edition,
        rows=rows,
        form=form,
        problem=problem,
        can_release=notifications.results_final(edition, clock.now()),
    ), status


@bp.route(CEREMONY_URL + "/comments/<int:assignment_id>", methods=["GET", "POST"])
@organizer_required
def ceremony_comment_edit(edition_id: int, assignment_id: int):
    edition = load_edition(edition_id)
    card = db.get(Assignment, assignment_id)
    if (
        card is None
        or card.application.edition_id != edition.id
        or not (card.comment_to_candidate or "").strip()
    ):
        abort(404)
    form = (
        CommentForm()
        if request.method == "POST"
        else CommentForm(formdata=None, data={"text": card.comment_to_candidate})
    )
    problem = None
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                notifications.edit_comment(
                    db, edition, assignment_id=card.id, text=form.text.data, actor=_actor()
                )
                db.commit()
            except NotificationError as error:
                db.rollback()
                problem = error.message
                status = 422
            else:
                flash(_("Comment saved."), "success")
                return redirect(url_for("organizer.ceremony_comments", edition_id=edition.id))
        else:
            status = 422
    return render_template(
        "ceremony/comment.html", edition=edition, card=card, form=form, problem=problem
    ), status


# --- the edition report -----------------------------------------------------------------------------------


@bp.get("/editions/<int:edition_id>/report")
@organizer_required
def edition_report(edition_id: int):
    edition = load_edition(edition_id)
    locale = current_locale()
    return render_template(
        "ceremony/report.html", options=DocumentOptionsForm(), **report_context(db, edition, locale=locale)
    )


@bp.get("/editions/<int:edition_id>/report.pdf")
@organizer_required
def edition_report_pdf(edition_id: int):
    edition = load_edition(edition_id)
    language = request.args.get("language") or current_locale()
    paper = request.args.get("paper") or "letter"
    if language not in mail_templates.LANGUAGES or paper not in ("letter", "a4"):
        abort(400)
    data = report_pdf(db, edition, locale=language, paper=paper)
    return Response(
        data,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{edition.code}-report-{language}.pdf"',
            "Cache-Control": "private, no-store",
        },
    )
