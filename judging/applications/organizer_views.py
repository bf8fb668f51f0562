"""Organizer pages for applications: the list (filters, search, pages), one application, its files,
screening (eligibility, extension, reopening) and the CSV/XLSX export.

Routes are added to the ``organizer`` blueprint. Every one is for organizers only;
the application (and the file) must belong to the edition named in the URL, else 404.
Writes are POST only and call one function of ``services.screening``, then commit once.
"""

from __future__ import annotations

import re
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from judging.applications import downloads, screening
from judging.applications import queries as q
from judging.applications.models import Application, Attachment
from judging.applications.organizer_forms import (
    ADDRESS_CHOICES,
    AddressForm,
    EligibilityForm,
    ExtensionForm,
    ReopenForm,
)
from judging.applications.screening import ScreeningError
from judging.core import clock, uploads
from judging.core.audit import record
from judging.core.blueprints import organizer as bp
from judging.core.exports import CSV_MIMETYPE, XLSX_MIMETYPE, write_csv, write_xlsx
from judging.core.labels import (
    APPLICATION_ACTION_LABELS,
    LANGUAGE_LABELS,
    ORG_TYPE_LABELS,
    REGION_LABELS,
    STATUS_LABELS,
    label,
)
from judging.core.paging import page_links
from judging.core.permissions import organizer_required
from judging.core.templating import tr
from judging.db import session as db
from judging.editions.loading import load_edition
from judging.editions.models import Edition, Prize, Question

APPLICATIONS_URL = "/editions/<int:edition_id>/applications"
APPLICATION_URL = APPLICATIONS_URL + "/<int:application_id>"
FILTER_NAMES = {
    "prize": _l("Prize"),
    "status": _l("Status"),
    "region": _l("Region"),
    "type": _l("Organization type"),
    "language": _l("Language"),
}

# --- loading (missing or under another edition → 404) -------------------------------------------------


def _application(edition_id: int, application_id: int) -> tuple[Edition, Application]:
    edition = load_edition(edition_id)
    application = db.scalars(q.application_for_organizer(application_id)).first()
    if application is None or application.edition_id != edition.id:
        abort(404)
    return edition, application


def _actor() -> Any:
    return current_user._get_current_object()


# --- presenting answers ----------------------------------------------------------------------------


def yes_no(value: bool | None) -> str:
    if value is None:
        return ""
    return _("yes") if value else _("no")


def format_answer(question: Question, value: Any, attachment: Attachment | None = None) -> str:
    """An answer as people read it: yes/no in the current language, a choice's label, a file's name."""
    if question.type == "file":
        return attachment.filename if attachment is not None else ""
    if value is None or value == "":
        return ""
    if isinstance(value, list):
        return ", ".join(format_answer(question, item) for item in value)
    if isinstance(value, bool):
        return yes_no(value)
    if question.type == "choice":
        for option in question.options or []:
            if option.get("code") == value:
                return tr(option.get("label")) or str(value)
    return str(value)


def montreal_iso(value: Any) -> str:
    return value.astimezone(clock.zone()).isoformat(timespec="seconds") if value is not None else ""


def safe_url(value: str | None) -> str | None:
    """A candidate's web address, only if it is plain http(s) (never ``javascript:``)."""
    text = (value or "").strip()
    return text if text.lower().startswith(("http://", "https://")) else None


# --- the list ---------------------------------------------------------------------------------------


def _prizes(edition: Edition) -> list[Prize]:
    return list(db.scalars(q.prizes_for_list(edition.id)).all())


@bp.get(APPLICATIONS_URL)
@organizer_required
def applications(edition_id: int):
    edition = load_edition(edition_id)
    prizes = _prizes(edition)
    filters = q.ApplicationFilters.from_args(request.args, {p.id for p in prizes})
    counts = {prize_id: count for prize_id, count in db.execute(q.counts_per_prize(edition.id, filters))}
    total = q.total_from_counts(counts, filters)
    pages = q.page_count(total)
    page = q.parse_page(request.args.get("page"), pages)
    rows = db.execute(q.application_page(edition.id, filters, page)).all() if total else []
    return render_template(
        "applications/organizer_list.html",
        edition=edition,
        prizes=prizes,
        prize_by_id={p.id: p for p in prizes},
        filters=filters,
        ignored=[str(FILTER_NAMES[name]) for name in filters.ignored],
        counts=counts,
        total=total,
        rows=rows,
        page=page,
        pages=pages,
        page_links=page_links(page, pages),
        per_page=q.PER_PAGE,
        STATUS_LABELS=STATUS_LABELS,
        REGION_LABELS=REGION_LABELS,
        ORG_TYPE_LABELS=ORG_TYPE_LABELS,
        LANGUAGE_LABELS=LANGUAGE_LABELS,
        label=label,
    )


# --- export -----------------------------------------------------------------------------------------


def export_table(
    edition: Edition, filters: q.ApplicationFilters, prizes: list[Prize]
) -> tuple[list[tuple[str, str]], list[dict]]:
    """The columns and rows of the applications export in the current language (a fixed number of queries)."""
    prize_by_id = {p.id: p for p in prizes}
    prize_ids = [filters.prize_id] if filters.prize_id is not None else [p.id for p in prizes]
    questions = list(db.scalars(q.questions_of_prizes(prize_ids)).all()) if prize_ids else []
    several = len(prize_ids) > 1
    columns: list[tuple[str, str]] = [
        ("ref", _("Reference")),
        ("prize", _("Prize code")),
        ("status", _("Status")),
        ("title", _("Title")),
        ("organization", _("Organization")),
        ("type", _("Organization type")),
        ("region", _("Region")),
        ("country", _("Country")),
        ("city", _("City")),
        ("contact_email", _("Contact email")),
        ("language", _("Language")),
        ("led_by_woman", _("Led by a woman (voluntary)")),
        ("submitted_at", _("Submitted at (Montréal time)")),
    ]
    for question in questions:
        header = tr(question.label) or question.code
        if several:
            header = f"{prize_by_id[question.prize_id].code}: {header}"
        columns.append((f"q{question.id}", header))
    rows = []
    for application in db.scalars(q.applications_for_export(edition.id, filters)).all():
        prize = prize_by_id.get(application.prize_id)
        row: dict[str, Any] = {
            "ref": application.ref,
            "prize": prize.code if prize else "",
            "status": label(STATUS_LABELS, application.status),
            "title": application.title,
            "organization": application.org_name,
            "type": label(ORG_TYPE_LABELS, application.org_type),
            "region": label(REGION_LABELS, application.region),
            "country": application.country,
            "city": application.city,
            "contact_email": application.contact_email,
            "language": application.language,
            "led_by_woman": yes_no(application.led_by_woman),
            "submitted_at": montreal_iso(application.submitted_at),
        }
        answers = {answer.question_id: answer.value for answer in application.answers}
        files = {file.question_id: file for file in application.attachments}
        for question in questions:
            if question.prize_id == application.prize_id:
                row[f"q{question.id}"] = format_answer(
                    question, answers.get(question.id), files.get(question.id)
                )
        rows.append(row)
    return columns, rows


@bp.get(APPLICATIONS_URL + "/export.<fmt>")
@organizer_required
def applications_export(edition_id: int, fmt: str):
    edition = load_edition(edition_id)
    if fmt not in ("csv", "xlsx"):
        abort(404)
    prizes = _prizes(edition)
    filters = q.ApplicationFilters.from_args(request.args, {p.id for p in prizes})
    columns, rows = export_table(edition, filters, prizes)
    code = re.sub(r"[^A-Za-z0-9_-]+", "-", edition.code).strip("-") or str(edition.id)
    stem = f"applications-{code}-{clock.now().astimezone(clock.zone()).date().isoformat()}"
    if fmt == "csv":
        data, mimetype = write_csv(rows, columns), CSV_MIMETYPE
    else:
        data = write_xlsx(rows, columns, sheet_title=_("Applications"))
        mimetype = XLSX_MIMETYPE
    response = current_app.response_class(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# --- one application --------------------------------------------------------------------------------


def _render_application(
    edition: Edition,
    application: Application,
    *,
    eligibility: EligibilityForm | None = None,
    extension: ExtensionForm | None = None,
    reopen: ReopenForm | None = None,
    address: AddressForm | None = None,
    status: int = 200,
):
    version = application.version
    for form in (eligibility, extension, reopen):
        if form is not None:
            form.version.data = version  # what the page now shows is what a retry decides on
    if eligibility is None:
        eligibility = EligibilityForm(formdata=None, version=version)
    if extension is None:
        extension = ExtensionForm(formdata=None, version=version, until=application.deadline_extended_to)
    if reopen is None:
        reopen = ReopenForm(formdata=None, version=version)
    if address is None:
        stored = application.form_of_address or ""
        address = AddressForm(formdata=None, address=stored, shown=stored)
    answers = {answer.question_id: answer.value for answer in application.answers}
    files = {file.question_id: file for file in application.attachments}
    questions = sorted(application.prize.questions, key=lambda item: (item.position, item.id))
    answered = [
        (question, format_answer(question, answers.get(question.id), files.get(question.id)))
        for question in questions
    ]
    question_ids = {question.id for question in questions}
    history = db.scalars(q.application_history(application.id)).all()
    return (
        render_template(
            "applications/organizer_view.html",
            edition=edition,
            application=application,
            prize=application.prize,
            answered=answered,
            attachments=application.attachments,
            question_by_id={question.id: question for question in questions},
            loose_files=[f for f in application.attachments if f.question_id not in question_ids],
            history=history,
            deadline=screening.effective_deadline(application),
            eligibility=eligibility,
            extension=extension,
            reopen=reopen,
            address=address,
            website=safe_url(application.website),
            STATUS_LABELS=STATUS_LABELS,
            REGION_LABELS=REGION_LABELS,
            ORG_TYPE_LABELS=ORG_TYPE_LABELS,
            LANGUAGE_LABELS=LANGUAGE_LABELS,
            ACTION_LABELS=APPLICATION_ACTION_LABELS,
            label=label,
            yes_no=yes_no,
        ),
        status,
    )


@bp.get(APPLICATION_URL)
@organizer_required
def application_view(edition_id: int, application_id: int):
    edition, application = _application(edition_id, application_id)
    return _render_application(edition, application)


@bp.get(APPLICATION_URL + "/files/<int:file_id>")
@organizer_required
def application_file(edition_id: int, application_id: int, file_id: int):
    application = _application(edition_id, application_id)[1]
    attachment = db.get(Attachment, file_id)
    if attachment is None or attachment.application_id != application.id:
        abort(404)
    return uploads.file_response(downloads.download_for(current_user, attachment))


# --- screening --------------------------------------------------------------------------------------


def _run(form: Any, action: Any) -> screening.Outcome | None:
    """Run one screening service and commit; on a refusal, put the message on the form and return None."""
    try:
        outcome = action()
        db.commit()
    except ScreeningError as error:
        db.rollback()
        field = form._fields.get(error.field) if error.field else None
        if field is None:
            form.form_errors.append(error.message)
        else:
            field.errors = [*field.errors, error.message]
        return None
    except StaleDataError:
        db.rollback()
        form.form_errors.append(
            _("This application was changed at the same moment by someone else. Check it again and retry.")
        )
        return None
    return outcome


def _told(outcome: screening.Outcome) -> str:
    if outcome.mailed_to:
        return _("The candidate was told by email (%(email)s).", email=outcome.mailed_to)
    return _("The application has no email address: tell the candidate yourself.")


def _back(edition: Edition, application: Application):
    return redirect(
        url_for("organizer.application_view", edition_id=edition.id, application_id=application.id)
    )


@bp.post(APPLICATION_URL + "/eligibility")
@organizer_required
def application_eligibility(edition_id: int, application_id: int):
    edition, application = _application(edition_id, application_id)
    form = EligibilityForm()
    if form.validate_on_submit():
        if form.decision.data == "ineligible":
            outcome = _run(
                form,
                lambda: screening.mark_ineligible(
                    db,
                    application,
                    actor=_actor(),
                    reason=form.reason.data,
                    expected_version=form.version.data,
                ),
            )
            done = _("Marked ineligible.")
        else:
            outcome = _run(
                form,
                lambda: screening.mark_eligible(
                    db, application, actor=_actor(), note=form.reason.data, expected_version=form.version.data
                ),
            )
            done = _("Marked eligible.")
        if outcome is not None:
            if outcome.changed:
                flash(f"{done} {_told(outcome)}", "success")
            else:
                flash(_("Nothing changed: this decision was already recorded."), "info")
            return _back(edition, application)
    return _render_application(edition, application, eligibility=form)


@bp.post(APPLICATION_URL + "/extension")
@organizer_required
def application_extension(edition_id: int, application_id: int):
    edition, application = _application(edition_id, application_id)
    form = ExtensionForm(until=application.deadline_extended_to)  # a deadline left as shown keeps its seconds
    if form.validate_on_submit():
        outcome = _run(
            form,
            lambda: screening.grant_extension(
                db,
                application,
                actor=_actor(),
                until=form.until.data,
                reason=form.reason.data,
                expected_version=form.version.data,
            ),
        )
        if outcome is not None:
            if outcome.changed:
                done = _("Extension granted.")
                flash(f"{done} {_told(outcome)}", "success")
            else:
                flash(_("Nothing changed: this application already had this deadline."), "info")
            return _back(edition, application)
    return _render_application(edition, application, extension=form)


@bp.post(APPLICATION_URL + "/reopen")
@organizer_required
def application_reopen(edition_id: int, application_id: int):
    edition, application = _application(edition_id, application_id)
    form = ReopenForm()
    if form.validate_on_submit():
        outcome = _run(
            form,
            lambda: screening.reopen(
                db,
                application,
                actor=_actor(),
                reason=form.reason.data,
                extend_to=form.extend_to.data,
                expected_version=form.version.data,
            ),
        )
        if outcome is not None:
            done = _("The application is a draft again.")
            flash(f"{done} {_told(outcome)}", "success")
            return _back(edition, application)
    return _render_application(edition, application, reopen=form)


@bp.post(APPLICATION_URL + "/address")
@organizer_required
def application_address(edition_id: int, application_id: int):
    """The person's form of address on the ceremony outputs; one set meanwhile is not replaced."""
    edition, application = _application(edition_id, application_id)
    form = AddressForm()
    if not form.validate_on_submit():
        return _render_application(edition, application, address=form, status=422)
    stored = application.form_of_address or ""
    if stored != (form.shown.data or ""):
        form.shown.data = stored
        form.form_errors.append(
            _(
                "Someone set the form of address meanwhile: it is now “%(now)s”. Nothing was changed.",
                now=dict(ADDRESS_CHOICES)[stored],
            )
        )
        return _render_application(edition, application, address=form, status=409)
    chosen = form.address.data or None
    if chosen == application.form_of_address:
        flash(_("Nothing changed: this form of address was already recorded."), "info")
        return _back(edition, application)
    record(
        db,
        actor=_actor(),
        action="application.address_set",
        obj=application,
        before={"form_of_address": application.form_of_address},
        after={"form_of_address": chosen},
    )
    application.form_of_address = chosen  # UPDATE ... WHERE version: a concurrent change is refused
    try:
        db.commit()
    except StaleDataError:
        db.rollback()
        form.form_errors.append(
            _("This application was changed at the same moment by someone else. Check it again and retry.")
        )
        fresh = _application(edition_id, application_id)[1]
        return _render_application(edition, fresh, address=form, status=409)
    flash(_("Form of address saved."), "success")
    return _back(edition, application)
