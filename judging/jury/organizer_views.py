"""Organizer pages for a round's jury: members, conflicts of interest, assignment, load, reminders.

Added to the ``organizer`` blueprint. Every object comes from the URL and must belong to the
round named in the same URL (else 404). Writes are POST only, call one service of
``services.jury`` and commit once; a refusal re-renders the page with the translated message
(status 422) and nothing changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from judging.accounts.models import User
from judging.applications.presenters import ORGANIZER, application_label
from judging.core.audit_event import AuditEvent
from judging.core.blueprints import organizer as bp
from judging.core.labels import PHASE_LABELS, person_with_address, translated
from judging.core.paging import page_links
from judging.core.permissions import organizer_required
from judging.core.templating import current_locale
from judging.core.web_input import ascii_int, int_arg
from judging.db import session as db
from judging.editions.loading import load_round
from judging.jury import operations as jury_service
from judging.jury import queries, rules, scorecards, scoring
from judging.jury.models import Assignment, Conflict, JuryMembership
from judging.jury.operations import JuryError, NeedsConfirmation
from judging.jury.organizer_forms import (
    AddAssignmentForm,
    AddMemberForm,
    AssignByRefForm,
    AutoAssignForm,
    ChairForm,
    ConfirmRemovalForm,
    EmptyForm,
    LiftConflictForm,
    RecordConflictForm,
)

JURY_URL = "/editions/<int:edition_id>/prizes/<int:prize_id>/rounds/<int:round_id>/jury"


def source_labels() -> dict[str, str]:
    return translated("conflict_source")


def shortfall_reason(item: dict[str, Any], settings: dict[str, Any]) -> str:
    """Why an application cannot get enough jurors, in the organizer's language."""
    parts = []
    needed = settings.get("per_application") or 0
    if item["eligible"] < needed:
        causes = []
        if item["conflicted"]:
            causes.append(_("%(n)s in conflict", n=item["conflicted"]))
        if item.get("abstained"):  # a run stored before abstentions were told apart has none
            causes.append(ngettext("%(num)d abstention", "%(num)d abstentions", item["abstained"]))
        if item["wrong_language"]:
            language = _("French") if item.get("language") == "fr" else _("English")
            causes.append(
                ngettext(
                    "%(num)d does not read %(language)s",
                    "%(num)d do not read %(language)s",
                    item["wrong_language"],
                    language=language,
                )
            )
        text = ngettext(
            "only %(num)d eligible juror for %(needed)s places",
            "only %(num)d eligible jurors for %(needed)s places",
            item["eligible"],
            needed=needed,
        )
        if causes:
            text += " (" + ", ".join(causes) + ")"
        parts.append(text)
    if item["cap_reached"]:
        parts.append(
            _("the eligible jurors already have the maximum load of %(max)s", max=settings.get("max_load"))
        )
    return _("; ").join(parts) or _("not enough jurors")


SHORTFALLS_SHOWN = 50
"""Applications named in the result of an automatic assignment (the "short of jurors" filter has them all)."""


def _actor() -> Any:
    return current_user._get_current_object()


def _number(raw: Any) -> int:
    return ascii_int(str(raw or "")) or 1


@dataclass(frozen=True)
class TableView:
    """Where the organizer is on the page: the filter, the search and the pages (from the URL).

    Every form of the page posts to a URL carrying it, so that each action comes back to the same
    place (``?show=short&q=INN&page=3``).
    """

    show: str = "all"
    q: str = ""
    page: int = 1
    cpage: int = 1

    @classmethod
    def from_args(cls, args: Any) -> TableView:
        show = args.get("show", "all")
        return cls(
            show=show if show in queries.COVERAGE_FILTERS else "all",
            q=(args.get("q") or "").strip()[: queries.SEARCH_MAX],
            page=_number(args.get("page")),
            cpage=_number(args.get("cpage")),
        )

    def args(self, **changes: Any) -> dict[str, Any]:
        """The query arguments of this view with ``changes``, leaving out the defaults."""
        values = {"show": self.show, "q": self.q, "page": self.page, "cpage": self.cpage, **changes}
        defaults = {"show": "all", "q": "", "page": 1, "cpage": 1}
        return {key: value for key, value in values.items() if value != defaults[key]}


def _view() -> TableView:
    return TableView.from_args(request.args)


def _jury_url(edition, prize, rnd, anchor: str | None = None, **values: Any) -> str:
    return url_for(
        "organizer.jury", edition_id=edition.id, prize_id=prize.id, round_id=rnd.id, _anchor=anchor, **values
    )


def _back(edition, prize, rnd, anchor: str | None = None) -> str:
    """The page as the organizer left it (filter, search, pages), at ``anchor``."""
    return _jury_url(edition, prize, rnd, anchor, **_view().args())


@dataclass
class RunView:
    """What the page shows of an automatic assignment (never its list of pairs, which can be long)."""

    created: int
    loads: dict[str, int]
    shortfalls: list[dict[str, Any]]
    settings: dict[str, Any]


def _last_run(rnd) -> RunView | None:
    run = int_arg("run", maximum=2**63 - 1)
    if run is None:
        return None
    after = AuditEvent.after
    row = db.execute(
        select(
            AuditEvent.action,
            AuditEvent.object_id,
            after["created"],
            after["loads"],
            after["shortfalls"],
            after["per_application"],
            after["max_load"],
            after["require_language"],
        ).where(AuditEvent.id == run)
    ).first()
    if row is None or row[0] != "jury.auto_assigned" or row[1] != rnd.id:
        return None
    _action, _object, created, loads, shortfalls, per_application, max_load, require_language = row
    return RunView(
        created=created or 0,
        loads=loads or {},
        shortfalls=shortfalls or [],
        settings={
            "per_application": per_application,
            "max_load": max_load,
            "require_language": require_language,
        },
    )


def unknown_ref(ref: str) -> str:
    return _("No application judged in this round has the reference “%(ref)s”.", ref=ref)


def _render(
    edition,
    prize,
    rnd,
    *,
    member_form: AddMemberForm | None = None,
    record_form: RecordConflictForm | None = None,
    assign_form: AutoAssignForm | None = None,
    ref_form: AssignByRefForm | None = None,
    lift_errors: dict[int, list[Any]] | None = None,
    add_errors: dict[int, list[Any]] | None = None,
    problem: Any = None,
    status: int = 200,
):
    view = _view()
    page = queries.jury_page(
        db, rnd, show=view.show, search=view.q, page=view.page, conflicts_page=view.cpage
    )
    view = TableView(show=view.show, q=view.q, page=page.page, cpage=page.conflicts_page)
    jury = [m.user for m in page.memberships]
    chair_id = next((m.user_id for m in page.memberships if m.is_chair), None)
    add_errors = add_errors or {}
    shown = {row.application.id for row in page.coverage}
    stray_errors = [
        message for app_id, messages in add_errors.items() if app_id not in shown for message in messages
    ]

    def here(endpoint: str, **values: Any) -> str:
        """A URL of this round's jury pages carrying the current view (filter, search, pages)."""
        return url_for(
            endpoint, edition_id=edition.id, prize_id=prize.id, round_id=rnd.id, **view.args(), **values
        )

    def page_url(anchor: str | None = None, **changes: Any) -> str:
        return _jury_url(edition, prize, rnd, anchor, **view.args(**changes))

    run = _last_run(rnd)
    return render_template(
        "jury/members.html",
        edition=edition,
        prize=prize,
        rnd=rnd,
        page=page,
        view=view,
        here=here,
        page_url=page_url,
        page_links=page_links(page.page, page.pages),
        conflict_links=page_links(page.conflicts_page, page.conflicts_pages),
        names={user.id: user.display_name for user in jury},
        **_forms(page, jury, chair_id, member_form, record_form, assign_form, ref_form),
        chair_id=chair_id,
        lift_errors=lift_errors or {},
        add_errors=add_errors,
        stray_errors=stray_errors,
        problem=problem,
        run=run,
        run_settings=run.settings if run else {},
        **_page_texts(),
        label=lambda application: application_label(application, viewer=ORGANIZER, round=rnd),
        phase_label=PHASE_LABELS.get(rnd.phase, rnd.phase),
        **_workload(page, jury),
    ), status


def _forms(
    page,
    jury: list,
    chair_id: int | None,
    member_form: AddMemberForm | None,
    record_form: RecordConflictForm | None,
    assign_form: AutoAssignForm | None,
    ref_form: AssignByRefForm | None,
) -> dict[str, Any]:
    """The page's forms: those given back with their errors, the others empty; choices filled in."""
    chair_form = ChairForm(formdata=None, user_id=chair_id, shown_chair=str(chair_id or ""))
    chair_form.user_id.choices = [("", _("No chair"))] + [(u.id, u.display_name) for u in jury]
    member_form = member_form or AddMemberForm(formdata=None)
    member_form.user_id.choices = [
        (u.id, person_with_address(u.display_name, u.email)) for u in page.candidates
    ]
    record_form = record_form or RecordConflictForm(formdata=None)
    record_form.user_id.choices = [(u.id, u.display_name) for u in jury]
    ref_form = ref_form or AssignByRefForm(formdata=None)
    ref_form.juror_id.choices = [("", _("Choose a juror"))] + [(u.id, u.display_name) for u in jury]
    return {
        "member_form": member_form,
        "record_form": record_form,
        "assign_form": assign_form or AutoAssignForm(formdata=None),
        "ref_form": ref_form,
        "lift_form": LiftConflictForm(formdata=None),
        "chair_form": chair_form,
        "empty_form": EmptyForm(formdata=None),
    }


def _page_texts() -> dict[str, Any]:
    """The filters, labels and row formats of the page, translated once (hundreds of rows)."""
    return {
        "filters": [
            ("all", _("All applications")),
            ("short", _("Short of jurors")),
            ("conflict", _("In conflict")),
            ("unfinished", _("With unfinished scorecards")),
        ],
        "shortfalls_shown": SHORTFALLS_SHOWN,
        "texts": {
            "done": _("%(done)s of %(total)s submitted"),
            "take_off": _("Take %(name)s off this jury?"),
        },
        "shortfall_reason": shortfall_reason,
        "source_labels": source_labels(),
        "liftable": rules.LIFTABLE_SOURCES,
        "plain": scorecards.plain,
    }


def _workload(page, jury: list) -> dict[str, int]:
    """Open scorecards in the round and the largest and smallest load of its jurors."""
    loads = sorted(
        (page.progress[user.id].total if user.id in page.progress else 0 for user in jury), reverse=True
    )
    return {
        "open_work": sum(1 for p in page.progress.values() if p.open),
        "max_load": loads[0] if loads else 0,
        "min_load": loads[-1] if loads else 0,
    }


def _refused(edition, prize, rnd, error: JuryError, **forms: Any):
    db.rollback()
    return _render(edition, prize, rnd, problem=error.message, status=422, **forms)


@bp.get(JURY_URL)
@organizer_required
def jury(edition_id: int, prize_id: int, round_id: int):
    edition, prize, rnd = load_round(edition_id, prize_id, round_id)
    return _render(edition, prize, rnd)


# --- members ---------------------------------------------------------------------------------------------


@bp.post(f"{JURY_URL}/members")
@organizer_required
def jury_add_member(edition_id: int, prize_id: int, round_id: int):
    edition, prize, rnd = load_round(edition_id, prize_id, round_id)
    form = AddMemberForm()
    form.user_id.choices = [(u.id, u.email) for u in queries.juror_candidates(db, rnd)]
    if not form.validate_on_submit():
        return _render(edition, prize, rnd, member_form=form, status=422)
    user = db.get(User, form.user_id.data)
    try:
        jury_service.add_member(db, rnd, user, actor=_actor())
        db.commit()
    except JuryError as error:
        return _refused(edition, prize, rnd, error)
    flash(_("%(name)s joins the jury.", name=user.display_name), "success")
    return redirect(_back(edition, prize, rnd, "members"))


@bp.post(f"{JURY_URL}/chair")
@organizer_required
def jury_chair(edition_id: int, prize_id: int, round_id: int):
    """Name the jury chair (or nobody); a chair named by someone else meanwhile is not replaced."""
    edition, prize, rnd = load_round(edition_id, prize_id, round_id)
    form = ChairForm()
    if not form.validate_on_submit():
        abort(400)
    chosen = form.user_id.data
    try:
        changed = jury_service.name_chair(
            db, rnd, chosen, shown_chair=ascii_int(form.shown_chair.data or "", minimum=1), actor=_actor()
        )
        db.commit()
    except JuryError as error:
        return _refused(edition, prize, rnd, error)
    if not changed:
        flash(_("Nothing changed: this is already the jury chair."), "info")
    elif chosen is None:
        flash(_("This jury has no chair now."), "success")
    else:
        flash(_("%(name)s chairs the jury.", name=db.get(User, chosen).display_name), "success")
    return redirect(_back(edition, prize, rnd, "members"))


@bp.post(f"{JURY_URL}/members/<int:user_id>/remove")
@organizer_required
def jury_remove_member(edition_id: int, prize_id: int, round_id: int, user_id: int):
    edition, prize, rnd = load_round(edition_id, prize_id, round_id)
    membership = db.scalar(
        select(JuryMembership)
        .where(JuryMembership.round_id == rnd.id, JuryMembership.user_id == user_id)
        .options(selectinload(JuryMembership.user))
    )
    if membership is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    name = membership.user.display_name
    try:
        jury_service.remove_member(db, membership, actor=_actor())
        db.commit()
    except JuryError as error:
        return _refused(edition, prize, rnd, error)
    flash(_("%(name)s leaves the jury.", name=name), "success")
    return redirect(_back(edition, prize, rnd, "members"))


# --- conflicts -------------------------------------------------------------------------------------------


@bp.post(f"{JURY_URL}/conflicts/detect")
@organizer_required
def jury_detect(edition_id: int, prize_id: int, round_id: int):
    edition, prize, rnd = load_round(edition_id, prize_id, round_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    created = jury_service.detect(db, rnd, actor=_actor())
    db.commit()
    if created:
        flash(
            ngettext(
                "%(num)d new conflict of interest found.",
                "%(num)d new conflicts of interest found.",
                len(created),
            ),
            "warning",
        )
    else:
        flash(_("No new conflict of interest found."), "success")
    return redirect(_back(edition, prize, rnd, "conflicts"))


@bp.post(f"{JURY_URL}/conflicts")
@organizer_required
def jury_record_conflict(edition_id: int, prize_id: int, round_id: int):
    edition, prize, rnd = load_round(edition_id, prize_id, round_id)
    page_jury = [m.user for m in queries.members(db, rnd)]
    form = RecordConflictForm()
    form.user_id.choices = [(u.id, u.email) for u in page_jury]
    if not form.validate_on_submit():
        return _render(edition, prize, rnd, record_form=form, status=422)
    application = queries.find_round_application(db, rnd, form.application_ref.data)
    if application is None:
        form.application_ref.errors.append(unknown_ref(form.application_ref.data))
        return _render(edition, prize, rnd, record_form=form, status=422)
    user = next(u for u in page_jury if u.id == form.user_id.data)
    try:
        jury_service.record_conflict(
            db, user=user, application=application, reason=form.reason.data, actor=_actor()
        )
        db.commit()
    except JuryError as error:
        return _refused(edition, prize, rnd, error, record_form=form)
    flash(_("Conflict recorded."), "success")
    return redirect(_back(edition, prize, rnd, "conflicts"))


@bp.post(f"{JURY_URL}/conflicts/<int:conflict_id>/lift")
@organizer_required
def jury_lift(edition_id: int, prize_id: int, round_id: int, conflict_id: int):
    edition, prize, rnd = load_round(edition_id, prize_id, round_id)
    conflict = db.scalar(
        select(Conflict)
        .where(Conflict.id == conflict_id)
        .options(selectinload(Conflict.application), selectinload(Conflict.user))
    )
    if conflict is None or conflict.application.prize_id != prize.id:
        abort(404)
    form = LiftConflictForm()
    if not form.validate_on_submit():
        return _render(edition, prize, rnd, lift_errors={conflict.id: form.reason.errors}, status=422)
    try:
        jury_service.lift_conflict(db, conflict, reason=form.reason.data, actor=_actor())
        db.commit()
    except JuryError as error:
        db.rollback()
        return _render(edition, prize, rnd, lift_errors={conflict_id: [error.message]}, status=422)
    flash(_("Conflict lifted; the reason is kept in the log."), "success")
    return redirect(_back(edition, prize, rnd, "conflicts"))


# --- assignment ------------------------------------------------------------------------------------------


@bp.post(f"{JURY_URL}/assign")
@organizer_required
def jury_auto_assign(edition_id: int, prize_id: int, round_id: int):
    edition, prize, rnd = load_round(edition_id, prize_id, round_id)
    form = AutoAssignForm()
    if not form.validate_on_submit():
        return _render(edition, prize, rnd, assign_form=form, status=422)
    try:
        run = jury_service.auto_assign(
            db, rnd, actor=_actor(), require_language=form.require_language.data, max_load=form.max_load.data
        )
        db.commit()
    except JuryError as error:
        return _refused(edition, prize, rnd, error, assign_form=form)
    if run.shortfalls:
        flash(
            _(
                "%(created)s assignments made; %(short)s applications cannot get enough jurors (see below).",
                created=run.created,
                short=len(run.shortfalls),
            ),
            "warning",
        )
    else:
        flash(
            ngettext(
                "%(num)d assignment made; every application has its jurors.",
                "%(num)d assignments made; every application has its jurors.",
                run.created,
            ),
            "success",
        )
    return redirect(_jury_url(edition, prize, rnd, "assignment", **_view().args(), run=run.event_id))


@bp.post(f"{JURY_URL}/applications/<int:application_id>/jurors")
@organizer_required
def jury_add_assignment(edition_id: int, prize_id: int, round_id: int, application_id: int):
    """The Add button of a row: the juror chosen in the manual-assignment form, for this application."""
    edition, prize, rnd = load_round(edition_id, prize_id, round_id)
    form = AddAssignmentForm()
    chosen = AssignByRefForm()  # shown again as posted (the juror stays chosen)
    if not form.validate_on_submit():
        errors = {application_id: form.juror_id.errors or [_("Choose a juror.")]}
        return _render(edition, prize, rnd, ref_form=chosen, add_errors=errors, status=422)
    try:
        jury_service.add_assignment(
            db, rnd, juror_id=form.juror_id.data, application_id=application_id, actor=_actor()
        )
        db.commit()
    except JuryError as error:
        db.rollback()
        errors = {application_id: [error.message]}
        return _render(edition, prize, rnd, ref_form=chosen, add_errors=errors, status=422)
    flash(_("Juror assigned."), "success")
    return redirect(_back(edition, prize, rnd, f"application-{application_id}"))


@bp.post(f"{JURY_URL}/assignments")
@organizer_required
def jury_assign_by_ref(edition_id: int, prize_id: int, round_id: int):
    """A juror for the application whose reference is typed; then the table shows that application."""
    edition, prize, rnd = load_round(edition_id, prize_id, round_id)
    form = AssignByRefForm()
    if not form.validate_on_submit():
        return _render(edition, prize, rnd, ref_form=form, status=422)
    application = queries.find_round_application(db, rnd, form.application_ref.data)
    if application is None:
        form.application_ref.errors.append(unknown_ref(form.application_ref.data))
        return _render(edition, prize, rnd, ref_form=form, status=422)
    application_id, ref = application.id, application.ref
    try:
        jury_service.add_assignment(
            db, rnd, juror_id=form.juror_id.data, application_id=application_id, actor=_actor()
        )
        db.commit()
    except JuryError as error:
        db.rollback()
        (form.juror_id if error.field == "juror" else form.application_ref).errors.append(error.message)
        return _render(edition, prize, rnd, ref_form=form, status=422)
    flash(_("Juror assigned to %(ref)s.", ref=ref), "success")
    return redirect(_jury_url(edition, prize, rnd, f"application-{application_id}", q=ref))


@bp.route(f"{JURY_URL}/scorecards/<int:assignment_id>/remove", methods=["GET", "POST"])
@organizer_required
def jury_remove_assignment(edition_id: int, prize_id: int, round_id: int, assignment_id: int):
    edition, prize, rnd = load_round(edition_id, prize_id, round_id)
    card = db.scalar(
        select(Assignment)
        .where(Assignment.id == assignment_id)
        .options(
            selectinload(Assignment.juror),
            selectinload(Assignment.application),
            selectinload(Assignment.scores),
        )
    )
    if card is None or card.round_id != rnd.id:
        abort(404)
    form = ConfirmRemovalForm()
    problem = None
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        application_id = card.application_id
        try:
            jury_service.remove_assignment(db, card, actor=_actor(), confirmed=bool(form.confirm.data))
            db.commit()
        except NeedsConfirmation as error:
            db.rollback()
            problem = error.message
        except JuryError as error:
            db.rollback()
            problem = error.message
        else:
            flash(_("Juror removed from the application."), "success")
            return redirect(_back(edition, prize, rnd, f"application-{application_id}"))
        card = db.scalar(
            select(Assignment)
            .where(Assignment.id == assignment_id)
            .options(
                selectinload(Assignment.juror),
                selectinload(Assignment.application),
                selectinload(Assignment.scores),
            )
        )
    return render_template(
        "jury/member_remove.html",
        edition=edition,
        prize=prize,
        rnd=rnd,
        card=card,
        form=form,
        problem=problem,
        label=application_label(card.application, viewer=ORGANIZER, round=rnd),
        total=scoring.format_total(scoring.card_total(card), current_locale()),
        cancel_url=_back(edition, prize, rnd, f"application-{card.application_id}"),
    ), (422 if problem else 200)


# --- reminders -------------------------------------------------------------------------------------------


@bp.post(f"{JURY_URL}/reminders")
@organizer_required
def jury_remind(edition_id: int, prize_id: int, round_id: int):
    edition, prize, rnd = load_round(edition_id, prize_id, round_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        reminded = jury_service.send_reminders(db, rnd, actor=_actor())
        db.commit()
    except JuryError as error:
        return _refused(edition, prize, rnd, error)
    if reminded:
        flash(
            ngettext(
                "Reminder sent to %(num)d juror with unfinished work.",
                "Reminder sent to %(num)d jurors with unfinished work.",
                len(reminded),
            ),
            "success",
        )
    else:
        flash(_("Every juror has finished: no reminder sent."), "success")
    return redirect(_back(edition, prize, rnd, "members"))
