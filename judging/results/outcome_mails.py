"""Outcome mails (finalist, not selected, winner, mention) and the one fact of who was told.

Two moments send them, through :func:`send` alone: the finalist announcement
(:func:`judging.results.operations.announce_finalists`, source ``announced``) and the scheduled
sending of the ceremony page (:func:`judging.results.notifications.schedule`, source
``scheduled``). Both take the edition's text of the mail from the one registry
(:mod:`judging.mail.templates`): editing the finalist mail once changes both.

**Who was told** is read from the outbox and nowhere else. Each outcome mail's Message-ID
carries a marker naming the mail, the edition, the round, the application and the source::

    <1733467690.4242.2856139.outcome_finalist.e3.r12.a345.announced@awards.example>

A candidate was told an outcome (mail key, round, application) when a mail with that marker is in
the outbox and was not cancelled: sent, waiting, or given up by the sender (an organizer then
retries or cancels it on the outbox page; a cancelled mail no longer counts, so the candidate can
be mailed again). So nobody gets the same outcome of the same round twice, whichever moment
mailed it first, while a finalist of a first round who goes through to the final is told again.
The marker stands in for the ``application_id`` and ``round_id`` columns ``outgoing_mail`` lacks.

Mail queued before the markers (the announcement's former ``finalist_selected`` /
``not_selected`` mails, outcome mails of earlier versions) counts when it is of the same kind, to
the candidate's address, and queued after the decision.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import make_msgid
from typing import Any

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from judging.accounts.models import User
from judging.accounts.operations import external_url
from judging.applications.models import Application
from judging.core import clock
from judging.core.models import localized
from judging.core.templating import local_datetime
from judging.editions.models import Edition, Prize
from judging.mail import templates as mail_templates
from judging.mail.models import OutgoingMail
from judging.mail.outbox import message_id_domain
from judging.results.models import Decision

ANNOUNCED = "announced"
SCHEDULED = "scheduled"
SOURCES = (ANNOUNCED, SCHEDULED)
#: Decision outcome → the key of the mail that tells it.
KEY_OF_OUTCOME = {outcome: key for key, outcome in mail_templates.OUTCOME_KEYS.items()}
_MARKER = re.compile(r"\.(outcome_[a-z_]+)\.e(\d+)\.r(\d+)\.a(\d+)\.(announced|scheduled)@")

#: (mail key, round id, application id): one outcome told to one candidate.
Fact = tuple[str, int, int]


@dataclass(frozen=True)
class Recipient:
    """One candidate to tell one outcome, with the variables of the mail in their language."""

    key: str
    round_id: int
    application_id: int
    to: str
    language: str
    context: dict[str, Any]
    decided_at: datetime | None = None

    @property
    def fact(self) -> Fact:
        return (self.key, self.round_id, self.application_id)


@dataclass(frozen=True)
class Told:
    """The outbox row that told a fact (not cancelled)."""

    source: str
    mail_id: int
    sent_at: datetime | None
    send_after: datetime
    gave_up: bool


# --- the candidate's address and the mail's variables -----------------------------------------------------


def address(application: Application, applicant: User | None) -> tuple[str | None, str, str]:
    """(email, language, name): the applicant's account first, else the application's contact.

    The name is the application's contact person, else the account's name, else the address.
    """
    if applicant is not None:
        language = applicant.language or application.language or "fr"
        return applicant.email, language, application.contact_name or applicant.display_name
    name = application.contact_name or application.contact_email or ""
    return application.contact_email, application.language or "fr", name


def candidate_link() -> str:
    """The candidate's applications page, as mailed ('' when no public address is configured)."""
    try:
        return external_url("candidate.dashboard")
    except RuntimeError:  # outside a request without SERVER_NAME or PUBLIC_URL
        return ""


def ceremony_date(edition: Edition, language: str) -> str:
    if edition.ceremony_at is None:
        return ""
    with force_locale(language):
        return local_datetime(edition.ceremony_at, "long")  # « 16 octobre 2025 à 19 h 00 (HAE) »


def candidate_context(
    edition: Edition, prize: Prize, application: Application, *, name: str, language: str, link: str
) -> dict[str, Any]:
    """The variables every candidate mail has (``mail_templates.KINDS``), in ``language``."""
    return {
        "name": name,
        "ref": application.ref,
        "title": application.title or "",
        "prize": localized(prize.name, language),
        "edition": localized(edition.name, language),
        "ceremony_date": ceremony_date(edition, language),
        "link": link,
    }


def recipient(
    edition: Edition,
    prize: Prize,
    application: Application,
    decision: Decision,
    *,
    round_id: int,
    link: str,
    applicant: User | None = None,
) -> Recipient | None:
    """Who to tell ``decision`` and with which variables; None without an address to write to."""
    to, language, name = address(application, applicant)
    if not to:
        return None
    language = language if language in mail_templates.LANGUAGES else "fr"
    key = KEY_OF_OUTCOME[decision.outcome]
    context = candidate_context(edition, prize, application, name=name, language=language, link=link)
    if "citation" in mail_templates.KINDS[key].variables:
        context["citation"] = localized(decision.citation, language) if decision.citation else ""
    return Recipient(
        key=key,
        round_id=round_id,
        application_id=application.id,
        to=to,
        language=language,
        context=context,
        decided_at=decision.created_at,
    )


# --- the fact: read from the outbox ---------------------------------------------------------------------


def message_id(edition_id: int, person: Recipient, source: str) -> str:
    """A fresh Message-ID whose left part carries the fact's marker (see the module)."""
    marker = f"{person.key}.e{edition_id}.r{person.round_id}.a{person.application_id}.{source}"
    return make_msgid(idstring=marker, domain=message_id_domain(current_app))


def parse_marker(value: str | None) -> tuple[Fact, int, str] | None:
    """(fact, edition id, source) of a Message-ID with a marker, else None."""
    match = _MARKER.search(value or "")
    if match is None:
        return None
    key, edition_id, round_id, application_id, source = match.groups()
    return (key, int(round_id), int(application_id)), int(edition_id), source


def _outbox_rows(db: Session, edition: Edition, since: datetime | None) -> list[Any]:
    """Outcome mails of the edition not cancelled (marked), and unmarked ones queued since ``since``."""
    mine = [OutgoingMail.message_id.like(f"%.e{edition.id}.r%")]
    if since is not None:
        mine.append(OutgoingMail.created_at >= since)
    templates = [*mail_templates.OUTCOME_KEYS, *mail_templates.RENAMED]
    return db.execute(
        select(
            OutgoingMail.id,
            OutgoingMail.template,
            OutgoingMail.to_address,
            OutgoingMail.message_id,
            OutgoingMail.created_at,
            OutgoingMail.sent_at,
            OutgoingMail.send_after,
            OutgoingMail.gave_up_at,
        )
        .where(OutgoingMail.template.in_(templates), OutgoingMail.cancelled_at.is_(None), or_(*mine))
        .order_by(OutgoingMail.id)
    ).all()


def _told_by(row: Any, source: str) -> Told:
    return Told(
        source=source,
        mail_id=row.id,
        sent_at=row.sent_at,
        send_after=row.send_after,
        gave_up=row.gave_up_at is not None,
    )


def _unmarked(rows: Iterable[Any], people: Sequence[Recipient]) -> dict[Fact, Told]:
    """Facts told by mail queued before the markers: same kind, same address, after the decision."""
    by_address: dict[tuple[str, str], list[Recipient]] = defaultdict(list)
    for person in people:
        by_address[(person.key, person.to.lower())].append(person)
    found: dict[Fact, Told] = {}
    for row in rows:
        key = mail_templates.RENAMED.get(row.template, row.template)
        source = ANNOUNCED if row.template in mail_templates.RENAMED else SCHEDULED
        for person in by_address.get((key, row.to_address.lower()), ()):
            if person.decided_at is None or row.created_at >= person.decided_at:
                found.setdefault(person.fact, _told_by(row, source))
    return found


def told(db: Session, edition: Edition, people: Sequence[Recipient] = ()) -> dict[Fact, Told]:
    """Every outcome fact of the edition that a mail in the outbox tells (one query).

    ``people`` are the candidates that mail queued before the markers may concern.
    """
    since = min((p.decided_at for p in people if p.decided_at is not None), default=None)
    rows = _outbox_rows(db, edition, since if people else None)
    found: dict[Fact, Told] = {}
    unmarked = []
    for row in rows:
        parsed = parse_marker(row.message_id)
        if parsed is None:
            unmarked.append(row)
        elif parsed[1] == edition.id:
            found.setdefault(parsed[0], _told_by(row, parsed[2]))
    return _unmarked(unmarked, people) | found


# --- sending ----------------------------------------------------------------------------------------------


def send(
    db: Session,
    edition: Edition,
    people: Sequence[Recipient],
    *,
    source: str,
    send_after: datetime | None = None,
) -> list[tuple[Recipient, OutgoingMail]]:
    """Queue the outcome mail of each person not told yet (from the edition's texts); returns what was queued.

    The edition row is touched when anything is queued: two requests sending at the same moment
    cannot both commit (the second replays, finds the facts told and queues nothing).
    """
    if source not in SOURCES:
        raise ValueError(source)
    done = set(told(db, edition, people))
    edited = mail_templates.overrides(db, edition.id, {person.key for person in people})
    queued = []
    for person in people:
        if person.fact in done:
            continue
        done.add(person.fact)
        outgoing = mail_templates.queue(
            db,
            edition.id,
            key=person.key,
            to=person.to,
            language=person.language,
            context=person.context,
            send_after=send_after,
            edited=edited,
            message_id=message_id(edition.id, person, source),
        )
        queued.append((person, outgoing))
    if queued:
        edition.updated_at = clock.now()  # the versioned UPDATE that serializes concurrent sendings
        db.flush()
    return queued
