"""The audit trail in words: one sentence per event, in the reader's language, and a readable
before/after (« Odile Bernier-Sauvé a changé la pondération de « Originalité » de 25 à 30 »).

One table keyed by action (:data:`SENTENCES`); an action it does not know still reads as a
sentence built from its object (« … a modifié la question « Site web » »), never as its code.
Values go through the label registry (statuses, phases, methods, regions…), dates through the one
date formatter, bilingual names through ``tr``: no raw JSON reaches the page.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from babel.numbers import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from judging.accounts.models import User
from judging.applications.models import Application
from judging.core.audit_event import AuditEvent
from judging.core.labels import code_label
from judging.core.templating import current_locale, local_datetime, tr
from judging.editions.models import Criterion
from judging.jury.models import Assignment

#: Names looked up for a page (:func:`object_names`): ``(kind, id)`` or ``("criterion", round_id, code)``.
Names = Mapping[Any, str]

#: What each kind of object is called (with its article, as the sentences use it).
OBJECTS = {
    "edition": _l("the edition"),
    "prize": _l("the prize"),
    "round": _l("the round"),
    "criterion": _l("the criterion"),
    "question": _l("the question"),
    "application": _l("the application"),
    "scorecard": _l("the scorecard"),
    "assignment": _l("the scorecard"),
    "conflict": _l("the conflict"),
    "mail_template": _l("the mail template"),
    "user": _l("the account"),
    "comment": _l("the comment"),
    "decision": _l("the decision"),
}

#: The same, as the complement of a field (« la pondération du critère … », « … de l’édition »).
OBJECTS_OF = {
    "edition": _l("of the edition"),
    "prize": _l("of the prize"),
    "round": _l("of the round"),
    "criterion": _l("of the criterion"),
    "question": _l("of the question"),
    "application": _l("of the application"),
    "scorecard": _l("of the scorecard"),
    "assignment": _l("of the scorecard"),
    "mail_template": _l("of the mail template"),
    "user": _l("of the account"),
}

#: What each audited field is called (with its article).
FIELDS = {
    "code": _l("the code"),
    "name": _l("the name"),
    "label": _l("the label"),
    "help": _l("the help text"),
    "guidance": _l("the guidance"),
    "description": _l("the description"),
    "eligibility": _l("the eligibility rules"),
    "weight": _l("the weight"),
    "min_value": _l("the minimum"),
    "max_value": _l("the maximum"),
    "required": _l("whether it is required"),
    "position": _l("the position"),
    "method": _l("the method"),
    "tie_break": _l("the tie-break chain"),
    "phase": _l("the phase"),
    "blind": _l("blind judging"),
    "jurors_per_application": _l("the number of jurors per application"),
    "judging_closes_at": _l("the end of judging"),
    "applications_open": _l("the opening of applications"),
    "applications_close": _l("the application deadline"),
    "ceremony_at": _l("the date of the ceremony"),
    "timezone": _l("the time zone"),
    "finalists": _l("the number of finalists"),
    "status": _l("the status"),
    "type": _l("the type"),
    "max_words": _l("the word limit"),
    "options": _l("the options"),
    "identifying": _l("whether it identifies the candidate"),
    "sponsor": _l("the sponsor"),
    "subject": _l("the subject"),
    "body": _l("the text"),
    "total": _l("the total"),
    "scores": _l("the scores"),
    "ref": _l("the reference"),
    "citation": _l("the citation"),
    "comment": _l("the comment"),
    "comment_to_candidate": _l("the comment to the candidate"),
    "abstain_reason": _l("the reason for abstaining"),
    "finalists_public_at": _l("the date the finalists are made public"),
    "winners_public_at": _l("the date the winners are made public"),
    "brand_primary": _l("the primary colour"),
    "brand_accent": _l("the accent colour"),
    "brand_logo_sha256": _l("the logo"),
    "slots": _l("the pitch order"),
    "starts_at": _l("the start"),
    "cut": _l("the number of places at the cut"),
    "tie": _l("the tie at the cut"),
    "mails": _l("the mails queued"),
    "fingerprint": _l("the data fingerprint"),
    "format": _l("the format"),
    "replaced": _l("whether it replaced an edition"),
    "organizations_created": _l("the organizations created"),
    "people_created": _l("the accounts created"),
    "people": _l("the people"),
    "prizes": _l("the prizes"),
    "rounds": _l("the rounds"),
    "criteria": _l("the criteria"),
    "questions": _l("the questions"),
    "answers": _l("the answers"),
    "applications": _l("the applications"),
    "jury_memberships": _l("the jury seats"),
    "conflicts": _l("the conflicts of interest"),
    "scorecards": _l("the scorecards"),
}

#: A list of finalists (« INN-006, INN-003 ») rather than their number (a prize's ``finalists``).
FINALIST_LIST = _l("the finalists")

#: Internal ids and version counters: the sentence and the "Where" column already name the object.
UNSHOWN_FIELDS = {"version", "position", "snapshot_id", "application_id", "juror_id"}

#: The registry's kind for the fields that hold a code.
CODED_FIELDS = {
    "status": "status",
    "phase": "phase",
    "method": "method",
    "type": "question_type",
    "region": "region",
    "org_type": "org_type",
    "language": "language",
    "source": "conflict_source",
    "outcome": "outcome",
}

#: One sentence per action. ``%(who)s`` is the person, ``%(object)s`` the object with its name.
SENTENCES = {
    "edition.created": _l("%(who)s created %(object)s."),
    "edition.copied": _l("%(who)s created %(object)s by copying another edition."),
    "edition.imported": _l("%(who)s imported %(object)s."),
    "edition.generated": _l("%(who)s generated %(object)s."),
    "edition.deleted": _l("%(who)s deleted %(object)s."),
    "prize.created": _l("%(who)s added %(object)s."),
    "prize.deleted": _l("%(who)s deleted %(object)s."),
    "round.created": _l("%(who)s added %(object)s."),
    "round.deleted": _l("%(who)s deleted %(object)s."),
    "round.reopened": _l("%(who)s reopened %(object)s."),
    "criterion.created": _l("%(who)s added %(object)s."),
    "criterion.deleted": _l("%(who)s deleted %(object)s."),
    "criterion.moved": _l("%(who)s moved %(object)s."),
    "question.created": _l("%(who)s added %(object)s."),
    "question.deleted": _l("%(who)s deleted %(object)s."),
    "question.moved": _l("%(who)s moved %(object)s."),
    "application.created": _l("%(who)s started %(object)s."),
    "application.draft_saved": _l("%(who)s saved a draft of %(object)s."),
    "application.submitted": _l("%(who)s submitted %(object)s."),
    "application.resubmitted": _l("%(who)s submitted %(object)s again."),
    "application.withdrawn": _l("%(who)s withdrew %(object)s."),
    "application.eligible": _l("%(who)s marked %(object)s eligible."),
    "application.ineligible": _l("%(who)s marked %(object)s not eligible."),
    "application.extended": _l("%(who)s extended the deadline of %(object)s."),
    "application.reopened": _l("%(who)s reopened %(object)s for edits."),
    "application.publication_consent": _l("%(who)s answered the publication consent of %(object)s."),
    "scorecard.submitted": _l("%(who)s submitted %(object)s."),
    "scorecard.changed": _l("%(who)s changed %(object)s after submitting it."),
    "scorecard.draft_saved": _l("%(who)s saved a draft of %(object)s."),
    "scorecard.abstained": _l("%(who)s abstained on %(object)s."),
    "scorecard.resumed": _l("%(who)s undid the abstention on %(object)s."),
    "scorecard.recused": _l("%(who)s declared a conflict on %(object)s."),
    "scorecard.assigned": _l("%(who)s assigned %(object)s."),
    "scorecard.removed": _l("%(who)s removed %(object)s."),
    "conflict.declared": _l("%(who)s declared a conflict of interest."),
    "conflict.recorded": _l("%(who)s recorded a conflict of interest."),
    "conflict.lifted": _l("%(who)s lifted a conflict of interest."),
    "finalists.selected": _l("%(who)s selected the finalists."),
    "finalist.overridden": _l("%(who)s overrode a finalist choice."),
    "finalists.announced": _l("%(who)s announced the finalists."),
    "results.frozen": _l("%(who)s froze the results."),
    "winner.recorded": _l("%(who)s recorded the winner."),
    "mention.added": _l("%(who)s added an honourable mention."),
    "mention.removed": _l("%(who)s removed an honourable mention."),
    "pitch_order.set": _l("%(who)s set the pitch order."),
    "mail_template.saved": _l("%(who)s saved %(object)s."),
    "mail_template.reset": _l("%(who)s reset the text %(of_object)s to its default."),
    "jury.member_added": _l("%(who)s added a juror to the jury."),
    "jury.member_removed": _l("%(who)s removed a juror from the jury."),
    "jury.auto_assigned": _l("%(who)s assigned the applications to the jurors automatically."),
    "ceremony.arranged": _l("%(who)s arranged the ceremony."),
    "ceremony.public_times": _l("%(who)s set when the results become public."),
    "ceremony.winners_revealed": _l("%(who)s revealed the winners."),
    "application.address_set": _l("%(who)s set the form of address of %(object)s."),
    "application.draft_deleted": _l("%(who)s deleted the draft %(object)s."),
    "comment.edited": _l("%(who)s edited a jury comment on %(object)s."),
    "comments.released": _l("%(who)s released the jury's comments to the candidates."),
    "jury.chair_named": _l("%(who)s named the chair of the jury."),
    "jury.conflicts_detected": _l("%(who)s detected the conflicts of interest."),
    "jury.reminders_sent": _l("%(who)s sent reminders to the jurors."),
    "mail.cancelled": _l("%(who)s cancelled a mail waiting in the outbox."),
    "mail.retried": _l("%(who)s sent a mail that had failed again."),
    "notifications.cancelled": _l("%(who)s cancelled scheduled mail."),
    "round.method_changed": _l("%(who)s changed the method or the tie-break %(of_object)s."),
    "round.phase_changed": _l("%(who)s changed the phase %(of_object)s."),
    "user.data_exported": _l("%(who)s downloaded their data."),
    "user.deleted": _l("%(who)s deleted their account."),
    "user.email_confirmed": _l("%(who)s confirmed their email address."),
    "user.invitation_accepted": _l("%(who)s accepted an invitation."),
    "user.invited": _l("%(who)s invited a person."),
    "user.organizer_created": _l("%(who)s created an organizer account."),
    "user.password_reset": _l("%(who)s chose a new password."),
    "user.password_reset_requested": _l("%(who)s asked for a password reset link."),
    "user.profile_updated": _l("%(who)s updated their profile."),
    "user.registered": _l("%(who)s created an account."),
    "user.registration_with_taken_email": _l("Someone tried to create an account with a taken address."),
    "user.sessions_ended": _l("%(who)s ended every session of a person."),
    "audience.created": _l("%(who)s set up the audience award."),
    "audience.finalists_set": _l("%(who)s chose the finalists of the audience award."),
    "audience.opened": _l("%(who)s opened the audience vote."),
    "audience.closed": _l("%(who)s closed the audience vote."),
    "audience.attendees_imported": _l("%(who)s imported the attendees of the audience vote."),
    "audience.links_sent": _l("%(who)s sent the personal voting links."),
    "audience.vote_voided": _l("%(who)s voided an audience vote."),
    "audience.tally_viewed": _l("%(who)s looked at the tally of the audience vote."),
    "audience.votes_exported": _l("%(who)s exported the audience votes."),
    "live.controlled": _l("%(who)s used the live final's control (start, pause, next or back)."),
    "live.timing_set": _l("%(who)s set how long the pitches and questions of the live final last."),
}


def object_kind(action: str) -> str:
    """The kind of object an action is about, in words (« le prix »)."""
    kind = action.split(".", 1)[0]
    return str(OBJECTS.get(kind, _("an item")))


def who(event: AuditEvent) -> str:
    return event.actor.display_name if event.actor else _("The platform")


def _name(event: AuditEvent, names: Names | None = None) -> str:
    """The object's own name from the event's snapshot (bilingual names in the reader's language),
    else from ``names`` (``(object_type, id) → name``, looked up for the whole page at once)."""
    for snapshot in (event.after or {}, event.before or {}):
        if isinstance(snapshot, dict):
            for key in ("name", "label", "title", "ref"):
                value = snapshot.get(key)
                text = tr(value) if isinstance(value, dict) else (value if isinstance(value, str) else "")
                if text:
                    return text
    return (names or {}).get((event.object_type or "", event.object_id or 0), "")


def object_words(event: AuditEvent, *, of: bool = False, names: Names | None = None) -> str:
    """« le critère « Originalité » » (``of``: « du critère « Originalité » »); the kind alone when
    the snapshot names nothing."""
    kind = (event.object_type or event.action.split(".", 1)[0]).lower()
    noun = str(OBJECTS_OF.get(kind, _("of an item"))) if of else str(OBJECTS.get(kind, _("an item")))
    name = _name(event, names)
    return _("%(noun)s “%(name)s”", noun=noun, name=name) if name else noun


def value_words(field: str, value: Any, kind: str = "") -> str:
    """A stored value as people read it: labels for codes, dates formatted, yes/no, names."""
    if value is None or value == "" or value == []:
        return _("nothing")
    if field in CODED_FIELDS and isinstance(value, str):
        scorecard = field == "status" and kind in ("assignment", "scorecard")  # a scorecard's own statuses
        return code_label("scorecard" if scorecard else CODED_FIELDS[field], value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dict):
        return _mapping_words(value)
    if isinstance(value, list):
        return ", ".join(value_words(field, item) for item in value)
    if isinstance(value, int | float | Decimal):
        return format_decimal(value, locale=current_locale())
    if isinstance(value, str):
        return _text_words(value)
    return str(value)


def _mapping_words(value: dict[str, Any]) -> str:
    """A bilingual text in the reader's language; any other mapping as « field: value » pairs."""
    if set(value) <= {"fr", "en"}:
        return tr(value)
    return ", ".join(
        _("%(field)s: %(after)s", field=field_words(key), after=value_words(key, item))
        for key, item in value.items()
        if key not in UNSHOWN_FIELDS
    )


def field_words(field: str, value: Any = None) -> str:
    """What a stored field is called (« la pondération »); a list of finalists is not their number."""
    if field == "finalists" and isinstance(value, list):
        return str(FINALIST_LIST)
    return str(FIELDS.get(field, field.replace("_", " ")))


def _text_words(value: str) -> str:
    """A stored ISO 8601 moment as a local date and time to the minute (the audit export keeps the
    exact value); any other text as it is."""
    if len(value) >= 16 and value[4:5] == "-" and value[10:11] == "T":
        try:
            return local_datetime(datetime.fromisoformat(value).replace(second=0, microsecond=0), "long")
        except ValueError:
            return value
    return value


def changes(event: AuditEvent, names: Names | None = None) -> list[dict[str, str]]:
    """The fields that differ between before and after: field, before and after in words (scores
    by criterion name, from ``names[("criterion", round_id, code)]``)."""
    before, after = (
        _named_finalists(_named_scores(event.before or {}, event, names), names),
        _named_finalists(_named_scores(event.after or {}, event, names), names),
    )
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    kind = (event.object_type or event.action.split(".", 1)[0]).lower()
    rows = []
    for field in [key for key in after if key in before] + [key for key in after if key not in before]:
        if before.get(field) == after.get(field) or field in UNSHOWN_FIELDS:
            continue
        if field == "code" and field not in before:  # a new object is named by its name, not its code
            continue
        rows.append(
            {
                "field": field_words(field, after.get(field)),
                "before": value_words(field, before.get(field), kind) if field in before else "",
                "after": value_words(field, after.get(field), kind),
            }
        )
    return rows


def _finalist_ids(snapshot: Any) -> list[int]:
    """The application ids an audience award's ``finalists`` list holds (a round's holds references)."""
    found = snapshot.get("finalists") if isinstance(snapshot, dict) else None
    if not isinstance(found, list) or not all(isinstance(i, int) for i in found):
        return []
    return found


def _named_finalists(snapshot: Any, names: Names | None) -> Any:
    """The snapshot with its finalists as references (« INN-003 ») instead of application ids."""
    ids = _finalist_ids(snapshot)
    if not ids:
        return snapshot
    return {**snapshot, "finalists": [(names or {}).get(("reference", i), str(i)) for i in ids]}


def _named_scores(snapshot: Any, event: AuditEvent, names: Names | None) -> Any:
    """The snapshot with its ``scores`` keyed by criterion name instead of criterion code."""
    scores = snapshot.get("scores") if isinstance(snapshot, dict) else None
    if not isinstance(scores, dict) or not names:
        return snapshot
    named = {names.get(("criterion", event.round_id or 0, code), code): v for code, v in scores.items()}
    return {**snapshot, "scores": named}


def sentences(event: AuditEvent, names: Names | None = None) -> list[str]:
    """What happened, in sentences: one per changed field for an edit, one for any other action."""
    person, thing = who(event), object_words(event, names=names)
    if event.action.endswith(".updated"):
        found = [
            _(
                "%(who)s changed %(field)s %(of_object)s from %(before)s to %(after)s.",
                who=person,
                field=row["field"],
                of_object=object_words(event, of=True, names=names),
                before=row["before"],
                after=row["after"],
            )
            for row in changes(event, names)
            if row["before"]
        ]
        return found or [_("%(who)s edited %(object)s without changing anything.", who=person, object=thing)]
    sentence = SENTENCES.get(event.action)
    if sentence is not None:
        of_thing = object_words(event, of=True, names=names)
        return [str(sentence) % {"who": person, "object": thing, "of_object": of_thing}]
    return [_("%(who)s changed %(object)s.", who=person, object=thing)]


def _application_names(db: Any, events: list[AuditEvent]) -> dict[Any, str]:
    """« REF · title » of the applications the events are about, and the reference alone of those an
    audience award's finalists list holds (``("reference", id)``)."""
    names: dict[Any, str] = {}
    ids = {e.object_id for e in events if e.object_type == "application" and e.object_id}
    listed = {i for e in events for snapshot in (e.before, e.after) for i in _finalist_ids(snapshot)}
    if ids | listed:
        query = select(Application.id, Application.ref, Application.title).where(
            Application.id.in_(ids | listed)
        )
        for i, ref, title in db.execute(query):
            names[("application", i)] = f"{ref} · {title}" if title else ref
            names[("reference", i)] = ref
    return names


def object_names(db: Any, events: list[AuditEvent]) -> dict[Any, str]:
    """What the events' snapshots do not name, looked up for the whole page (a fixed number of
    queries): applications (« REF · title »), scorecards (« REF · juror ») and the criteria of the
    events' rounds (``("criterion", round_id, code)`` → name)."""
    names = _application_names(db, events)
    ids = {e.object_id for e in events if e.object_type == "assignment" and e.object_id}
    if ids:
        query = (
            select(Assignment.id, Application.ref, User.name, User.email)
            .join(Application, Application.id == Assignment.application_id)
            .join(User, User.id == Assignment.juror_id)
            .where(Assignment.id.in_(ids))
        )
        names |= {("assignment", i): f"{ref} · {name or email}" for i, ref, name, email in db.execute(query)}
    round_ids = {e.round_id for e in events if e.round_id}
    if round_ids:
        query = select(Criterion.round_id, Criterion.code, Criterion.name).where(
            Criterion.round_id.in_(round_ids)
        )
        names |= {("criterion", r, code): tr(name) or code for r, code, name in db.execute(query)}
    return names
