"""The audit trail of an edition: every change, filterable, paginated and exportable (organizers only).

Filters come from the query string: prize, round, person (who acted), action and a date
range in the edition's time zone (both ends included). Each event reads as sentences
(:mod:`judging.audit.text`), never as an action code or raw JSON. The page shows 50
events at a time; the CSV and XLSX exports hold every matching event, with formula-looking cells neutralised.
A fixed number of SQL queries whatever the number of events.
"""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from typing import Any

from flask import Response, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from judging.accounts.models import User
from judging.audit import text as audit_text
from judging.audit.forms import AuditFilterForm
from judging.core import clock
from judging.core.audit_event import AuditEvent
from judging.core.blueprints import organizer as bp
from judging.core.clock import local_to_utc, utc_to_local
from judging.core.collation import sorted_by_name
from judging.core.exports import CSV_MIMETYPE, XLSX_MIMETYPE, write_csv, write_xlsx
from judging.core.labels import person_with_address, round_name
from judging.core.paging import Pager
from judging.core.permissions import organizer_required
from judging.core.templating import current_locale, tr
from judging.db import session as db
from judging.editions.loading import load_edition
from judging.editions.models import Edition, Prize, Round

PER_PAGE = 50
EXPORT_LIMIT = 100_000

#: Labels of the actions people see most; other actions show their code.
ACTION_LABELS = {
    "scorecard.submitted": _l("Scorecard submitted"),
    "scorecard.changed": _l("Submitted scorecard changed"),
    "scorecard.draft_saved": _l("Scorecard draft saved"),
    "scorecard.abstained": _l("Juror abstained"),
    "scorecard.resumed": _l("Abstention undone"),
    "scorecard.recused": _l("Juror recused"),
    "scorecard.assigned": _l("Scorecard assigned"),
    "scorecard.removed": _l("Scorecard removed"),
    "conflict.declared": _l("Conflict declared"),
    "conflict.recorded": _l("Conflict recorded"),
    "conflict.lifted": _l("Conflict lifted"),
    "finalists.selected": _l("Finalists selected"),
    "finalist.overridden": _l("Finalist override"),
    "finalists.announced": _l("Finalists announced"),
    "results.frozen": _l("Results frozen"),
    "round.reopened": _l("Round reopened"),
    "round.phase_changed": _l("Phase changed"),
    "round.method_changed": _l("Method or tie-break changed"),
    "winner.recorded": _l("Winner recorded"),
    "mention.added": _l("Honourable mention added"),
    "mention.removed": _l("Honourable mention removed"),
    "pitch_order.set": _l("Pitch order set"),
    "mail_template.saved": _l("Mail template saved"),
    "mail_template.reset": _l("Mail template reset"),
    "application.eligible": _l("Marked eligible"),
    "application.ineligible": _l("Marked ineligible"),
    "application.withdrawn": _l("Application withdrawn"),
    "application.submitted": _l("Application submitted"),
    "jury.member_added": _l("Juror added to a jury"),
    "jury.member_removed": _l("Juror removed from a jury"),
    "jury.auto_assigned": _l("Automatic assignment"),
    "edition.created": _l("Edition created"),
    "edition.updated": _l("Edition edited"),
    "edition.deleted": _l("Edition deleted"),
    "edition.copied": _l("Edition copied"),
    "edition.imported": _l("Edition imported"),
    "edition.generated": _l("Edition generated"),
    "prize.created": _l("Prize added"),
    "prize.updated": _l("Prize edited"),
    "prize.deleted": _l("Prize deleted"),
    "round.created": _l("Round added"),
    "round.updated": _l("Round edited"),
    "round.deleted": _l("Round deleted"),
    "criterion.created": _l("Criterion added"),
    "criterion.updated": _l("Criterion edited"),
    "criterion.deleted": _l("Criterion deleted"),
    "criterion.moved": _l("Criterion moved"),
    "question.created": _l("Question added"),
    "question.updated": _l("Question edited"),
    "question.deleted": _l("Question deleted"),
    "question.moved": _l("Question moved"),
    "application.created": _l("Application started"),
    "application.draft_deleted": _l("Draft application deleted"),
    "application.publication_consent": _l("Publication consent answered"),
    "application.resubmitted": _l("Application submitted again"),
    "ceremony.arranged": _l("Ceremony arranged"),
    "ceremony.public_times": _l("Publication times set"),
    "ceremony.winners_revealed": _l("Winners revealed"),
    "comment.edited": _l("Comment edited"),
    "comments.released": _l("Comments released to candidates"),
    "jury.conflicts_detected": _l("Conflicts detected"),
    "jury.reminders_sent": _l("Reminders sent to jurors"),
    "mail.cancelled": _l("Mail cancelled"),
    "mail.retried": _l("Mail sent again"),
    "notifications.cancelled": _l("Scheduled mail cancelled"),
    "organizer.mail_template_reset": _l("Mail template reset"),
    "application.address_set": _l("Form of address set"),
    "application.extended": _l("Deadline extended"),
    "application.reopened": _l("Application reopened"),
    "application.draft_saved": _l("Application draft saved"),
    "jury.chair_named": _l("Jury chair named"),
    "user.data_exported": _l("Personal data downloaded"),
    "user.deleted": _l("Account deleted"),
    "user.email_confirmed": _l("Email address confirmed"),
    "user.invitation_accepted": _l("Invitation accepted"),
    "user.invited": _l("Person invited"),
    "user.organizer_created": _l("Organizer account created"),
    "user.password_reset": _l("Password reset"),
    "user.password_reset_requested": _l("Password reset asked"),
    "user.profile_updated": _l("Profile updated"),
    "user.registered": _l("Account created"),
    "user.registration_with_taken_email": _l("Registration with a taken address"),
    "user.sessions_ended": _l("Sessions ended"),
    "audience.created": _l("Audience award set up"),
    "audience.finalists_set": _l("Audience award finalists chosen"),
    "audience.opened": _l("Audience vote opened"),
    "audience.closed": _l("Audience vote closed"),
    "audience.attendees_imported": _l("Attendees imported"),
    "audience.links_sent": _l("Voting links sent"),
    "audience.vote_voided": _l("Audience vote voided"),
    "audience.tally_viewed": _l("Audience tally looked at"),
    "audience.votes_exported": _l("Audience votes exported"),
    "live.controlled": _l("Live final control used"),
    "live.timing_set": _l("Live final timing set"),
}


def action_label(action: str) -> str:
    """The action's name in the filter and the exports; an action without one is « Autre changement
    (prize) » by its object's kind, never its code."""
    label = ACTION_LABELS.get(action)
    if label is not None:
        return str(label)
    return _("Other change (%(object)s)", object=audit_text.object_kind(action))


@bp.app_template_global("audit_sentences")
def audit_sentences(event: AuditEvent) -> list[str]:
    """An event in sentences for pages of other features (a round's phase history): they sit below the
    audit trail and may not import it, so they reach the one wording through this template global."""
    return audit_text.sentences(event)


def _as_json(value: Any) -> str:
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _filter_choices(edition: Edition, form: AuditFilterForm) -> tuple[list[Prize], list[Round]]:
    """Fill the filter form's lists with this edition's prizes, rounds, people and actions only."""
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
    prize_names = {p.id: tr(p.name) or p.code for p in prizes}
    actors = db.execute(
        select(User.id, User.name, User.email)
        .where(User.id.in_(select(AuditEvent.actor_id).where(AuditEvent.edition_id == edition.id).distinct()))
        .order_by(User.email)
    ).all()
    actors = sorted_by_name(actors, lambda row: row.name or row.email, current_locale())
    actions = sorted(
        db.scalars(select(AuditEvent.action).where(AuditEvent.edition_id == edition.id).distinct()),
        key=lambda a: action_label(a).lower(),
    )
    form.prize.choices = [(0, _("All prizes")), *((p.id, tr(p.name)) for p in prizes)]
    form.round.choices = [
        (0, _("All rounds")),
        *((r.id, f"{prize_names.get(r.prize_id, '')} · {round_name(r)}") for r in rounds),
    ]
    form.person.choices = [
        (0, _("Everyone")),
        *((i, person_with_address(name, email)) for i, name, email in actors),
    ]
    form.action.choices = [("", _("All actions")), *((a, action_label(a)) for a in actions)]
    return list(prizes), list(rounds)


def _filter_conditions(edition: Edition, form: AuditFilterForm) -> list[Any]:
    """The SQL conditions of a validated filter form."""
    conditions: list[Any] = [AuditEvent.edition_id == edition.id]
    if form.prize.data:
        conditions.append(AuditEvent.prize_id == form.prize.data)
    if form.round.data:
        conditions.append(AuditEvent.round_id == form.round.data)
    if form.person.data:
        conditions.append(AuditEvent.actor_id == form.person.data)
    if form.action.data:
        conditions.append(AuditEvent.action == form.action.data)
    if form.date_from.data:
        conditions.append(AuditEvent.at >= local_to_utc(datetime.combine(form.date_from.data, time.min)))
    if form.date_to.data:
        end = local_to_utc(datetime.combine(form.date_to.data + timedelta(days=1), time.min))
        conditions.append(AuditEvent.at < end)
    return conditions


def _filters(edition: Edition) -> tuple[AuditFilterForm, list[Any], dict[str, Any]]:
    """The filter form (choices from this edition only) and the matching SQL conditions."""
    form = AuditFilterForm(formdata=request.args)
    prizes, rounds = _filter_choices(edition, form)
    valid = form.validate()
    context = {
        "prizes": {p.id: p.code for p in prizes},
        "prize_names": {p.id: tr(p.name) or p.code for p in prizes},
        "rounds": {r.id: r for r in rounds},
        "valid": valid,
    }
    return form, (_filter_conditions(edition, form) if valid else []), context


def _query(conditions: list[Any]) -> Select:
    return (
        select(AuditEvent)
        .where(*conditions)
        .options(selectinload(AuditEvent.actor))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )


def _query_args(form: AuditFilterForm, **extra: Any) -> dict[str, Any]:
    args: dict[str, Any] = {}
    for name in ("prize", "round", "person"):
        if form[name].data:
            args[name] = form[name].data
    if form.action.data:
        args["action"] = form.action.data
    for name in ("date_from", "date_to"):
        if form[name].data:
            args[name] = form[name].data.isoformat()
    return {**args, **extra}


@bp.get("/editions/<int:edition_id>/audit")
@organizer_required
def audit_trail(edition_id: int):
    edition = load_edition(edition_id)
    form, conditions, context = _filters(edition)
    events: list[AuditEvent] = []
    total = 0
    page = (form.page.data or 1) if context["valid"] else 1
    if context["valid"]:
        total = db.scalar(select(func.count()).select_from(AuditEvent).where(*conditions)) or 0
        pager = Pager.of(total, PER_PAGE, page)
        page = pager.page
        events = list(db.scalars(_query(conditions).limit(PER_PAGE).offset(pager.offset)))
    pages = Pager.of(total, PER_PAGE, page).pages
    return render_template(
        "audit/trail.html",
        edition=edition,
        form=form,
        events=events,
        total=total,
        page=page,
        pages=pages,
        prize_names=context["prize_names"],
        rounds=context["rounds"],
        action_label=action_label,
        names=audit_text.object_names(db, events),
        sentences=audit_text.sentences,
        changes=audit_text.changes,
        page_url=lambda n: url_for(
            "organizer.audit_trail", edition_id=edition.id, **_query_args(form, page=n)
        ),
        export_url=lambda fmt: url_for(
            "organizer.audit_export", edition_id=edition.id, fmt=fmt, **_query_args(form)
        ),
    ), (200 if context["valid"] else 422)


def _edition_names(edition: Edition, context: dict[str, Any]) -> dict[Any, str]:
    """The names of the edition, its prizes and its rounds, as :func:`audit_text.object_words` looks them
    up when an event's snapshot names nothing (« round 8 » reads « Le tour « Finale » »)."""
    names: dict[Any, str] = {("edition", edition.id): tr(edition.name)}
    names |= {("prize", prize_id): name for prize_id, name in context["prize_names"].items()}
    names |= {("round", round_id): round_name(rnd) for round_id, rnd in context["rounds"].items()}
    return names


def _change_lines(event: AuditEvent, names: dict[Any, str]) -> str:
    """The event's before/after as the page shows it, one line a field (« Pondération : 25 → 30 »)."""
    if event.action.endswith(".updated"):
        return ""  # the sentences already say each field's change
    lines = (
        _("%(field)s: %(before)s → %(after)s", **row) if row["before"] else _("%(field)s: %(after)s", **row)
        for row in audit_text.changes(event, names)
    )
    return "\n".join(_capitalized(line) for line in lines)


def _capitalized(text: str) -> str:
    """A cell's text starts with a capital (« L’étape : … », « Le tour « Finale » »)."""
    return text[:1].upper() + text[1:]


def _export_row(event: AuditEvent, names: dict[Any, str], context: dict[str, Any]) -> dict[str, Any]:
    """One event in the export, in the same names and sentences as the page; the action's code and the
    exact before/after data stay in their own columns, for sorting and for the record."""
    rnd = context["rounds"].get(event.round_id) if event.round_id else None
    thing = audit_text.object_words(event, names=names) if event.object_type else ""
    return {
        "at": utc_to_local(event.at).isoformat(sep=" ", timespec="seconds"),
        "actor": event.actor.display_name if event.actor else "",
        "email": event.actor.email if event.actor else "",
        "action": event.action,
        "label": action_label(event.action),
        "object": _capitalized(thing),
        "prize": context["prize_names"].get(event.prize_id, "") if event.prize_id else "",
        "round": round_name(rnd) if rnd is not None else "",
        "reason": event.reason,
        "changes": _change_lines(event, names),
        "sentence": " ".join(audit_text.sentences(event, names)),
        "before": _as_json(event.before),
        "after": _as_json(event.after),
    }


@bp.get("/editions/<int:edition_id>/audit/export.<fmt>")
@organizer_required
def audit_export(edition_id: int, fmt: str):
    edition = load_edition(edition_id)
    if fmt not in ("csv", "xlsx"):
        abort(404)
    form, conditions, context = _filters(edition)
    if not context["valid"]:
        abort(400)
    events = list(db.scalars(_query(conditions).limit(EXPORT_LIMIT)))
    names = {**audit_text.object_names(db, events), **_edition_names(edition, context)}
    rows = [_export_row(event, names, context) for event in events]
    columns = [
        ("at", _("When (%(zone)s)", zone=clock.timezone_name())),
        ("actor", _("Who")),
        ("email", _("Email")),
        ("action", _("Action code")),
        ("label", _("Action")),
        ("object", _("Object")),
        ("prize", _("Prize")),
        ("round", _("Round")),
        ("reason", _("Reason")),
        ("changes", _("Changes")),
        ("sentence", _("What happened")),
        ("before", _("Before (exact data)")),
        ("after", _("After (exact data)")),
    ]
    if fmt == "csv":
        body, mimetype = write_csv(rows, columns), CSV_MIMETYPE
    else:
        body = write_xlsx(rows, columns, sheet_title=_("Audit trail"))
        mimetype = XLSX_MIMETYPE
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{edition.code}-audit.{fmt}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
