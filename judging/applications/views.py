"""The candidate area: open prizes, applications (drafts, autosave, files, submission), receipts, my data.

Every page but the public list of open prizes needs a candidate account. Another person's
application or file is a 404, exactly like a missing one. Writes go through
``services.applications``; each route commits once. A write that lost a race with another request
on the same application (``StaleDataError``, a unique constraint, SQLite's lock) is rolled back and
replayed, and the replay finds the work done (see the service's docstring).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import (
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from flask_wtf.csrf import CSRFError, validate_csrf
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.security import check_password_hash
from wtforms.validators import ValidationError

from judging.applications import downloads, rules
from judging.applications import operations as service
from judging.applications import queries as candidate_queries
from judging.applications.choices import countries, labels
from judging.applications.forms import (
    DeleteAccountForm,
    WithdrawForm,
    application_form,
    apply_errors,
    data_from_form,
    initial_data,
    publication_consent_form,
)
from judging.applications.models import Application, Attachment
from judging.applications.operations import ApplicationError, DeadlineError, InJuryHandsError, StaleFormError
from judging.applications.publication import set_publication_consent
from judging.applications.receipt import receipt_pdf
from judging.core import clock, uploads
from judging.core.blueprints import candidate as bp
from judging.core.clock import request_received_at
from judging.core.concurrency import RACE_ERRORS, commit_with_replay, lost_race
from judging.core.permissions import (
    candidate_required,
    get_own_application_or_404,
    is_candidate,
    may_apply,
    owns_application,
)
from judging.core.templating import current_locale, local_datetime, time_left
from judging.db import session as db
from judging.editions import queries
from judging.editions.models import Prize
from judging.extensions import csrf

T = TypeVar("T")
COUNTDOWN_DAYS = 7


def _commit_with_retry(
    work: Callable[[], T], *, rewind: Callable[[], None] | None = None, attempts: int = 3
) -> T:
    """:func:`commit_with_replay`, where an ApplicationError still commits what it kept."""
    try:
        return commit_with_replay(db, work, rewind=rewind, attempts=attempts)
    except ApplicationError as error:
        if error.keep:
            db.commit()
        else:
            db.rollback()
        raise


def _page_context() -> dict[str, Any]:
    return {"labels": labels(), "now": clock.now()}


# Public: the open prizes --------------------------------------------------------------------------


@bp.get("/prizes")
def prizes():
    """The current edition's prizes, without login: description, eligibility, deadline, countdown."""
    edition = db.scalars(queries.current_edition()).first()
    if edition is None:
        edition = db.scalars(queries.editions_newest_first()).first()
    prize_list = db.scalars(queries.prizes_of_edition(edition.id)).all() if edition else []
    now = clock.now()
    mine: dict[int, Application] = {}
    if edition is not None and is_candidate(current_user):
        for application in db.scalars(
            select(Application).where(
                Application.applicant_id == current_user.id, Application.edition_id == edition.id
            )
        ):
            mine.setdefault(application.prize_id, application)
    is_open = bool(edition and rules.window_open(edition, now))
    closes_soon = bool(
        is_open and (edition.applications_close - now).total_seconds() <= COUNTDOWN_DAYS * 86400
    )
    return render_template(
        "applications/prizes.html",
        edition=edition,
        prizes=prize_list,
        mine=mine,
        is_open=is_open,
        may_apply=is_open and may_apply(current_user),
        closes_soon=closes_soon,
        not_yet_open=bool(edition and now < edition.applications_open),
        time_left=time_left(edition.applications_close, now) if closes_soon else "",
        now=now,
    )


# The dashboard --------------------------------------------------------------------------------------


@bp.get("/")
@candidate_required
def dashboard():
    mine = candidate_queries.applications_of(db, current_user)
    decisions = candidate_queries.decisions_for(db, mine)
    now = clock.now()
    rows = []
    for application in mine:
        outcomes = rules.visible_outcomes(application, decisions, now)
        rows.append(
            {
                "application": application,
                "status": rules.status_key(application, now, outcomes),
                "outcomes": outcomes,
                "editable": rules.can_edit(application, now),
            }
        )
    return render_template("applications/dashboard.html", rows=rows, **_page_context())


# Starting an application ----------------------------------------------------------------------------


@bp.route("/prizes/<int:prize_id>/apply", methods=["GET", "POST"])
@candidate_required
def apply(prize_id: int):
    prize = db.scalars(
        select(Prize)
        .where(Prize.id == prize_id)
        .options(selectinload(Prize.edition), selectinload(Prize.questions))
    ).first()
    if prize is None:
        abort(404)
    existing = candidate_queries.existing_application(db, current_user, prize)
    now = request_received_at()
    if request.method == "POST" and existing is None:
        try:
            application = _commit_with_retry(
                lambda: service.start_application(db, user=current_user, prize=prize, now=now)
            )
        except ApplicationError as error:
            flash(str(error.message), "error")
            if error.existing is not None:
                return redirect(url_for("candidate.application", application_id=error.existing.id))
            return redirect(url_for("candidate.prizes"))
        return redirect(url_for("candidate.edit", application_id=application.id))
    return render_template(
        "applications/apply.html",
        prize=prize,
        existing=existing,
        is_open=rules.window_open(prize.edition, now),
        **_page_context(),
    )


# The form ---------------------------------------------------------------------------------------


def _render_form(application: Application, form, *, status: int = 200, late: bool = False):
    now = clock.now()
    deadline = rules.deadline_of(application)
    attachments = {a.question_id: a for a in application.attachments}
    return (
        render_template(
            "applications/form.html",
            application=application,
            prize=application.prize,
            form=form,
            attachments=attachments,
            deadline=deadline,
            in_time=rules.in_time(application, now),
            late=late,
            closes_soon=0 <= (deadline - now).total_seconds() <= COUNTDOWN_DAYS * 86400,
            time_left=time_left(deadline, now),
            file_rules={
                q.id: {"formats": uploads.formats_label(q), "mb": uploads.max_bytes(q) // uploads.MB}
                for q in application.prize.questions
                if q.type == "file"
            },
            **_page_context(),
        ),
        status,
    )


@bp.route("/applications/<int:application_id>/edit", methods=["GET", "POST"])
@candidate_required
def edit(application_id: int):
    application = get_own_application_or_404(application_id, current_user)
    now = request_received_at()  # a click made in time counts, however long the request waited
    if application.status not in ("draft", "submitted"):
        flash(_("This application can no longer be changed."), "warning")
        return redirect(url_for("candidate.application", application_id=application.id))
    if request.method == "GET":
        return _show_form(application, now)
    form = application_form(application.prize, current_locale())
    if not form.validate_on_submit():
        return _render_form(application, form, status=422)
    data = data_from_form(form, application.prize)
    if request.form.get("action", "save") == "submit" or application.status == "submitted":
        return _submit_form(application_id, form, data, now)
    return _save_form(application_id, form, data, now)


def _show_form(application: Application, now):
    """The form filled with the saved answers, or back to the application when it cannot change."""
    if application.status == "submitted" and rules.in_jury_hands(application):
        flash(str(rules.IN_JURY_HANDS), "warning")
        return redirect(url_for("candidate.application", application_id=application.id))
    if not rules.can_edit(application, now):
        flash(
            _("The call for applications has closed: the submitted application can no longer be changed."),
            "warning",
        )
        return redirect(url_for("candidate.application", application_id=application.id))
    form = application_form(application.prize, current_locale(), data=initial_data(application))
    return _render_form(application, form)


def _rewind(data) -> Callable[[], None]:
    """Rewinds the uploaded files, so that a replayed transaction reads them again from the start."""

    def rewind() -> None:
        for upload in data.uploads.values():
            upload.stream.seek(0)

    return rewind


def _submit_form(application_id: int, form, data, now):
    """Submit (or submit again) the typed answers; a refusal keeps them on the page."""

    def work():
        fresh = get_own_application_or_404(application_id, current_user)
        return service.submit(db, fresh, data, actor=current_user, now=now)

    try:
        result = _commit_with_retry(work, rewind=_rewind(data))
    except InJuryHandsError as error:  # what was typed stays on the page; nothing is saved
        flash(str(error.message), "error")
        return _render_form(get_own_application_or_404(application_id, current_user), form, status=409)
    except DeadlineError as error:
        flash(str(error.message), "error")
        application = get_own_application_or_404(application_id, current_user)
        form.version.data = application.version
        return _render_form(application, form, status=409, late=True)
    except ApplicationError as error:
        if error.message:
            flash(str(error.message), "error")
        apply_errors(form, error.errors)
        application = get_own_application_or_404(application_id, current_user)
        form.version.data = application.version
        return _render_form(application, form, status=422)
    application = result.application
    if result.submitted:
        flash(
            _(
                "Your application is submitted. Receipt number: %(number)s. "
                "A confirmation is on its way by email.",
                number=application.receipt_number,
            ),
            "success",
        )
    else:
        flash(
            _(
                "Your application was already submitted with these answers. Receipt number: %(number)s.",
                number=application.receipt_number,
            ),
            "info",
        )
    return redirect(url_for("candidate.application", application_id=application.id))


def _save_form(application_id: int, form, data, now):
    """Save the typed answers as a draft; a refused file is marked on the form, the rest is kept."""

    def save():
        fresh = get_own_application_or_404(application_id, current_user)
        return fresh, service.save_draft(db, fresh, data, actor=current_user, now=now)

    try:
        application, result = _commit_with_retry(save, rewind=_rewind(data))
    except ApplicationError as error:
        if error.message:
            flash(str(error.message), "error")
        apply_errors(form, error.errors)
        application = get_own_application_or_404(application_id, current_user)
        return _render_form(application, form, status=422)
    if result.file_errors:
        apply_errors(form, result.file_errors)
        flash(_("Your draft is saved, but a file was refused: see the field marked below."), "warning")
        form.version.data = application.version
        return _render_form(application, form, status=422)
    flash(_("Your draft is saved."), "success")
    return redirect(url_for("candidate.edit", application_id=application.id))


# Autosave (JSON) --------------------------------------------------------------------------------


def _json_error(status: int, error: str, message: str, **extra: Any):
    return jsonify({"ok": False, "error": error, "message": message, **extra}), status


@bp.post("/applications/<int:application_id>/autosave")
@csrf.exempt
def autosave(application_id: int):
    """Save a draft from the page's script. Answers JSON, and 401 (not a redirect) when logged out."""
    refused = _autosave_session_refusal(application_id)
    if refused is not None:
        return refused
    application = db.get(Application, application_id)
    if (
        application is None
        or not is_candidate(current_user)
        or not owns_application(current_user, application)
    ):
        return _json_error(404, "not-found", _("Page not found"))
    if application.status != "draft":
        return _json_error(
            409,
            "submitted",
            _("Changes to a submitted application are saved only when you submit them again."),
        )
    form = application_form(application.prize, current_locale(), meta={"csrf": False})
    if not form.validate():
        return _json_error(
            422,
            "invalid",
            _("Not saved: check the fields marked in red."),
            errors={k: [str(m) for m in v] for k, v in form.errors.items()},
        )
    data = data_from_form(form, application.prize, with_files=False)
    refused = _autosave_draft(application, data)
    if refused is not None:
        return refused
    return jsonify(
        {
            "ok": True,
            "version": application.version,
            "message": _("Saved at %(time)s", time=local_datetime(clock.now(), "time")),
        }
    )


def _autosave_session_refusal(application_id: int):
    """The JSON answer when the session expired or its CSRF token no longer holds; None when both do."""
    edit_url = url_for("candidate.edit", application_id=application_id)
    login_url = url_for("auth.login", next=edit_url)
    if not current_user.is_authenticated:
        return _json_error(
            401,
            "login",
            _("Your session has expired. What you typed is kept on this device: log in again to continue."),
            login_url=login_url,
        )
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        try:
            validate_csrf(request.headers.get("X-CSRFToken") or request.form.get("csrf_token"))
        except (ValidationError, CSRFError):
            return _json_error(
                400,
                "csrf",
                _(
                    "Your session has changed. What you typed is kept on this device: "
                    "reload the page to continue."
                ),
                login_url=login_url,
            )
    return None


def _autosave_draft(application: Application, data):
    """Save and commit the draft; the JSON refusal when it is stale, invalid or lost a race, else None."""
    try:
        expected = int(request.form.get("version") or 0) or None
    except ValueError:
        expected = None
    try:
        service.save_draft(
            db, application, data, actor=current_user, expected_version=expected, now=request_received_at()
        )
        db.commit()
    except StaleFormError as error:
        db.rollback()
        return _json_error(409, "stale", str(error.message))
    except ApplicationError as error:
        db.rollback()
        return _json_error(
            422,
            "invalid",
            str(error.message),
            errors={k: [str(m) for m in v] for k, v in error.errors.items()},
        )
    except RACE_ERRORS as error:
        db.rollback()
        if not lost_race(error):
            raise
        return _json_error(409, "busy", _("Not saved yet: trying again in a moment."))
    return None


# The application page and its documents --------------------------------------------------------


@bp.get("/applications/<int:application_id>")
@candidate_required
def application(application_id: int):
    found = get_own_application_or_404(application_id, current_user)
    now = clock.now()
    decisions = candidate_queries.decisions_for(db, [found])
    outcomes = rules.visible_outcomes(found, decisions, now)
    return render_template(
        "applications/application.html",
        application=found,
        status=rules.status_key(found, now, outcomes),
        outcomes=outcomes,
        jury_comments=candidate_queries.released_comments(db, found),
        deadline=rules.deadline_of(found),
        editable=rules.can_edit(found, now),
        in_jury_hands=found.status == "submitted" and rules.in_jury_hands(found),
        can_withdraw=rules.can_withdraw(found, now),
        has_receipt=found.latest_submission is not None,
        country_names=dict(countries(current_locale())),
        consent_form=publication_consent_form(
            found, current_locale(), data={"publication_consent": initial_data(found)["publication_consent"]}
        ),
        **_page_context(),
    )


@bp.post("/applications/<int:application_id>/publication-consent")
@candidate_required
def publication_consent(application_id: int):
    """Give or withdraw publication consent: at any time, whatever the status or the phase (audited)."""
    found = get_own_application_or_404(application_id, current_user)
    target = url_for("candidate.application", application_id=found.id) + "#publication"
    form = publication_consent_form(found, current_locale())
    if not form.validate_on_submit():
        flash(_("Choose yes or no."), "error")
        return redirect(target)
    answer = form.answer()
    _commit_with_retry(
        lambda: set_publication_consent(
            db,
            get_own_application_or_404(application_id, current_user),
            answer,
            actor=current_user,
            now=clock.now(),
        )
    )
    if answer:
        flash(
            _("Your answer is saved: your names may be published if you are a finalist or a winner."),
            "success",
        )
    else:
        flash(
            _(
                "Your answer is saved: your names and your project will not be published; "
                "the public pages show “Finalist (name withheld)”."
            ),
            "success",
        )
    return redirect(target)


@bp.get("/applications/<int:application_id>/receipt.pdf")
@candidate_required
def receipt(application_id: int):
    """The latest submission's receipt, or with ``?number=`` an earlier one of the same application."""
    found = get_own_application_or_404(application_id, current_user)
    wanted = request.args.get("number")
    submission = next(
        (s for s in found.submissions if s.receipt_number and s.receipt_number == wanted),
        None if wanted else found.latest_submission,
    )
    if submission is None:
        abort(404)
    pdf = receipt_pdf(found, locale=current_locale(), submission=submission)
    response = Response(pdf, mimetype="application/pdf")
    filename = f"receipt-{submission.receipt_number}.pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/applications/<int:application_id>/withdraw", methods=["GET", "POST"])
@candidate_required
def withdraw(application_id: int):
    found = get_own_application_or_404(application_id, current_user)
    if not rules.can_withdraw(found, clock.now()):
        flash(str(rules.withdraw_refusal(found)), "warning")
        return redirect(url_for("candidate.application", application_id=found.id))
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            _commit_with_retry(
                lambda: service.withdraw(
                    db,
                    get_own_application_or_404(application_id, current_user),
                    actor=current_user,
                    reason=form.reason.data,
                )
            )
        except ApplicationError as error:
            flash(str(error.message), "error")
            return redirect(url_for("candidate.application", application_id=application_id))
        flash(_("Your application is withdrawn. A confirmation is on its way by email."), "success")
        return redirect(url_for("candidate.application", application_id=application_id))
    return render_template("applications/withdraw.html", application=found, form=form, **_page_context())


@bp.post("/applications/<int:application_id>/delete")
@candidate_required
def discard(application_id: int):
    found = get_own_application_or_404(application_id, current_user)
    try:
        _commit_with_retry(lambda: service.discard_draft(db, found, actor=current_user), attempts=1)
    except ApplicationError as error:
        flash(str(error.message), "error")
        return redirect(url_for("candidate.application", application_id=application_id))
    flash(_("The draft is deleted."), "success")
    return redirect(url_for("candidate.dashboard"))


@bp.get("/files/<int:attachment_id>")
@login_required
def download(attachment_id: int):
    """A file, to its owner and organizers (jurors fetch files through their scorecard): always a download."""
    attachment = db.get(Attachment, attachment_id)
    return uploads.file_response(downloads.download_for(current_user, attachment) if attachment else None)


# My data ------------------------------------------------------------------------------------------


@bp.get("/my-data")
@candidate_required
def my_data():
    mine = candidate_queries.applications_of(db, current_user)
    now = clock.now()
    return render_template(
        "applications/my_data.html",
        applications=mine,
        blockers=service.deletion_blockers(mine, now),
        form=DeleteAccountForm(),
        other_roles=sorted(current_user.roles - {"candidate"}),
        **_page_context(),
    )


@bp.post("/my-data/export")
@candidate_required
def export():
    content = service.export_zip(db, current_user)
    db.commit()
    response = Response(content, mimetype="application/zip")
    response.headers["Content-Disposition"] = 'attachment; filename="my-data-mtl-tech-awards.zip"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/my-data/delete")
@candidate_required
def delete_account():
    form = DeleteAccountForm()
    mine = candidate_queries.applications_of(db, current_user)
    now = clock.now()
    if form.validate_on_submit():
        if not current_user.password_hash or not check_password_hash(
            current_user.password_hash, form.password.data
        ):
            form.password.errors.append(_("Wrong password."))
        else:
            try:
                service.delete_account(db, current_user._get_current_object(), now=now)
            except ApplicationError as error:
                db.rollback()
                flash(str(error.message), "error")
            else:
                db.commit()
                lang = session.get("lang")
                logout_user()
                session.clear()
                if lang:
                    session["lang"] = lang
                flash(_("Your account and your files are deleted."), "success")
                return redirect(url_for("public.home"))
    return (
        render_template(
            "applications/my_data.html",
            applications=mine,
            blockers=service.deletion_blockers(mine, now),
            form=form,
            other_roles=sorted(current_user.roles - {"candidate"}),
            **_page_context(),
        ),
        422,
    )
