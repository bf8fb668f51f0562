"""Writes of the audience award: validate, change, flush, audit (organizer actions), queue mail.

Nothing here commits: the route commits once. A refusal raises :class:`AudienceError` with a
translated message and changes nothing. A person's vote is not audited (the audit log would tell
the tally); the vote row is its own record, and voiding one is audited with its reason.
"""

from __future__ import annotations

import contextlib
import csv
import io
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from judging.accounts.models import User
from judging.accounts.operations import email_problem, external_url, normalize_email
from judging.audience import queries, rules
from judging.audience.models import AudienceAward, AudienceCandidate, AudienceVote, AudienceVoter
from judging.audience.tally import Tally
from judging.core.audit import record
from judging.core.exports import write_csv
from judging.editions.models import Edition
from judging.mail import outbox

IMPORT_MAX_ROWS = 5000
VOID_REASON_MAX = 500


class AudienceError(Exception):
    """A refusal: ``message`` (translated) for the person, ``status`` for the response."""

    def __init__(self, message: Any, status: int = 409) -> None:
        super().__init__(str(message))
        self.message = message
        self.status = status


# --- organizer: setting up, opening, closing -------------------------------------------------------------


def award_for(db: Session, edition: Edition, *, actor: User | None) -> AudienceAward:
    """The edition's award, created (in setup, audited) on first use."""
    award = queries.award_of(db, edition)
    if award is None:
        award = AudienceAward(edition_id=edition.id, state="setup")
        db.add(award)
        db.flush()
        record(db, actor=actor, action="audience.created", obj=award, edition_id=edition.id)
    return award


def set_finalists(db: Session, award: AudienceAward, application_ids: Sequence[int], *, actor: User) -> None:
    """The finalists in the award, in the order given; only the edition's finalists, only before opening."""
    if not rules.may_change_finalists(award):
        raise AudienceError(_l("The vote has been opened: its finalists can no longer change."))
    eligible = {a.id for a in queries.eligible_finalists(db, award.edition_id)}
    chosen = list(dict.fromkeys(application_ids))
    if any(i not in eligible for i in chosen):
        raise AudienceError(_l("Only the edition's finalists can be in the audience award."), 400)
    before = [c.application_id for c in award.candidates]
    award.candidates.clear()
    db.flush()
    for position, application_id in enumerate(chosen):
        award.candidates.append(AudienceCandidate(application_id=application_id, position=position))
    db.flush()
    record(
        db,
        actor=actor,
        action="audience.finalists_set",
        obj=award,
        before={"finalists": before},
        after={"finalists": chosen},
        edition_id=award.edition_id,
    )


def open_vote(
    db: Session, award: AudienceAward, *, closes_at: datetime | None, actor: User, at: datetime
) -> None:
    """Open the vote now, until ``closes_at`` (None: until an organizer closes it)."""
    if award.state != "setup":
        raise AudienceError(_l("The vote has already been opened."))
    if len(award.candidates) < 2:
        raise AudienceError(_l("Choose at least two finalists before opening the vote."), 400)
    if closes_at is not None and closes_at <= at:
        raise AudienceError(_l("The closing time must be in the future."), 400)
    award.state, award.opens_at, award.closes_at = "open", at, closes_at
    db.flush()
    record(
        db,
        actor=actor,
        action="audience.opened",
        obj=award,
        edition_id=award.edition_id,
        after={"opens_at": at, "closes_at": closes_at},
    )


def close_vote(db: Session, award: AudienceAward, *, actor: User, at: datetime) -> None:
    """Close the vote now (or record the close of a window that has already ended)."""
    if award.state != "open":
        raise AudienceError(_l("The vote is not open."))
    before = {"closes_at": award.closes_at}
    award.state = "closed"
    if award.closes_at is None or award.closes_at > at:
        award.closes_at = at
    db.flush()
    record(
        db,
        actor=actor,
        action="audience.closed",
        obj=award,
        edition_id=award.edition_id,
        before=before,
        after={"closes_at": award.closes_at},
    )


# --- organizer: attendees and their personal links -------------------------------------------------------


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)


HEADER_WORDS = {"email", "courriel", "e-mail", "adresse"}


def _rows(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise AudienceError(_l("The file is not UTF-8 text (save it as CSV UTF-8)."), 400) from error
    if "\x00" in text:
        raise AudienceError(_l("The file is not a CSV text file."), 400)
    dialect: Any = csv.excel
    with contextlib.suppress(csv.Error):  # a one-column or odd file: read it as plain commas
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    try:
        return list(csv.reader(io.StringIO(text), dialect))
    except csv.Error as error:
        raise AudienceError(_l("The file could not be read as CSV."), 400) from error


def _attendee_problem(cells: list[str]) -> Any | None:
    if len(cells) < 2:
        return _l("Expected three columns: name, email, language.")
    name, email = cells[0].strip(), cells[1].strip()
    language = cells[2].strip().lower() if len(cells) > 2 else "fr"
    if len(name) > 200:
        return _l("The name is longer than 200 characters.")
    problem = email_problem(email)
    if problem is not None:
        return problem
    if language not in ("fr", "en", ""):
        return _l("The language must be fr or en.")
    return None


def import_attendees(db: Session, award: AudienceAward, data: bytes, *, actor: User) -> ImportReport:
    """Add the attendees of a CSV (name, email, language); bad rows are reported by line, the rest kept."""
    rows = _rows(data)
    if len(rows) > IMPORT_MAX_ROWS:
        raise AudienceError(_l("The file has too many rows (at most 5000)."), 400)
    known = {v.email: v for v in db.scalars(select(AudienceVoter).where(AudienceVoter.award_id == award.id))}
    report = ImportReport()
    for line, cells in enumerate(rows, start=1):
        if not any(c.strip() for c in cells):
            continue
        if line == 1 and any(c.strip().lower() in HEADER_WORDS for c in cells):
            continue
        problem = _attendee_problem(cells)
        if problem is not None:
            report.problems.append((line, str(problem)))
            continue
        email = normalize_email(cells[1])
        language = (cells[2].strip().lower() if len(cells) > 2 else "") or "fr"
        voter = known.get(email)
        if voter is None:
            voter = AudienceVoter(award_id=award.id, email=email, source="attendee")
            db.add(voter)
            known[email] = voter
            report.added += 1
        else:
            report.updated += 1
        voter.name, voter.language, voter.source = cells[0].strip() or None, language, "attendee"
    db.flush()
    record(
        db,
        actor=actor,
        action="audience.attendees_imported",
        obj=award,
        edition_id=award.edition_id,
        after={"added": report.added, "updated": report.updated, "problems": len(report.problems)},
    )
    return report


def send_links(db: Session, award: AudienceAward, *, actor: User, at: datetime) -> int:
    """Queue a personal link to each attendee who has none yet; returns how many were queued."""
    waiting = db.scalars(
        select(AudienceVoter)
        .where(AudienceVoter.award_id == award.id, AudienceVoter.source == "attendee")
        .where(AudienceVoter.link_sent_at.is_(None))
        .order_by(AudienceVoter.id)
    ).all()
    edition = award.edition
    for voter in waiting:
        token = secrets.token_urlsafe(24)
        voter.token_hash = rules.secret_hash(token)
        voter.link_sent_at = at
        outbox.queue(
            db,
            to=voter.email,
            template="audience_link",
            language=voter.language,
            name=voter.name or "",
            edition=edition,
            link=external_url("public.audience_link", code=edition.code, token=token),
        )
    db.flush()
    record(
        db,
        actor=actor,
        action="audience.links_sent",
        obj=award,
        edition_id=award.edition_id,
        after={"sent": len(waiting)},
    )
    return len(waiting)


# --- voters: codes, links, votes -------------------------------------------------------------------------


def _require_open(award: AudienceAward, at: datetime) -> None:
    if rules.vote_has_closed(award, at):
        raise AudienceError(_l("The vote is closed. Nothing was counted."))
    if not rules.vote_is_open(award, at):
        raise AudienceError(_l("The vote is not open yet."))


def request_code(
    db: Session, award: AudienceAward, email: str, *, language: str, network: str | None, at: datetime
) -> AudienceVoter:
    """A new one-time code for ``email`` (mailed; the previous one stops working)."""
    _require_open(award, at)
    problem = email_problem(email)
    if problem is not None:
        raise AudienceError(problem, 400)
    address = normalize_email(email)
    voter = db.scalar(
        select(AudienceVoter).where(AudienceVoter.award_id == award.id, AudienceVoter.email == address)
    )
    if voter is None:
        voter = AudienceVoter(award_id=award.id, email=address, source="code", language=language)
        db.add(voter)
        db.flush()
    code = f"{secrets.randbelow(10**rules.CODE_DIGITS):0{rules.CODE_DIGITS}d}"
    voter.code_hash = rules.code_hash(current_app.config["SECRET_KEY"], voter.id, code)
    voter.code_expires_at = at + rules.CODE_LIFETIME
    voter.code_attempts = 0
    voter.codes_requested += 1
    voter.code_requested_at = at
    voter.network = network
    outbox.queue(
        db, to=address, template="audience_code", language=language, code=code, edition=award.edition
    )
    db.flush()
    return voter


def verify_code(
    db: Session, award: AudienceAward, email: str, code: str, *, device: str, at: datetime
) -> AudienceVoter:
    """The voter whose code this is, now bound to this phone; a wrong try counts, a used code is gone."""
    _require_open(award, at)
    voter = db.scalar(
        select(AudienceVoter).where(
            AudienceVoter.award_id == award.id, AudienceVoter.email == normalize_email(email)
        )
    )
    if voter is None or voter.code_hash is None:
        raise AudienceError(_l("This code is not valid or was already used. Ask for a new code."), 400)
    if rules.code_expired(voter, at):
        voter.code_hash = None
        raise AudienceError(_l("This code has expired (codes last 10 minutes). Ask for a new code."), 400)
    if not rules.code_matches(current_app.config["SECRET_KEY"], voter, code.strip()):
        voter.code_attempts += 1
        if voter.code_attempts >= rules.CODE_ATTEMPTS:
            voter.code_hash = None
            raise AudienceError(_l("Too many wrong codes. Ask for a new code."), 400)
        raise AudienceError(_l("This code is not the one we sent. Check it and try again."), 400)
    voter.code_hash = None
    voter.code_used_at = at
    voter.device_hash = rules.secret_hash(device)
    db.flush()
    return voter


def open_link(
    db: Session, award: AudienceAward, token: str, *, device: str, network: str | None, at: datetime
) -> AudienceVoter:
    """The attendee whose personal link this is; the first phone that opens it is the only one."""
    _require_open(award, at)
    voter = db.scalar(
        select(AudienceVoter).where(
            AudienceVoter.award_id == award.id, AudienceVoter.token_hash == rules.secret_hash(token)
        )
    )
    if voter is None:
        raise AudienceError(
            _l("This link is not valid. Check that it was copied whole, or ask for a code by email."), 404
        )
    mine = rules.secret_hash(device)
    if voter.device_hash is not None and voter.device_hash != mine:
        raise AudienceError(
            _l(
                "This personal link is already used on another phone. "
                "Ask for a code by email to vote from this one."
            )
        )
    voter.device_hash = mine
    voter.network = network
    db.flush()
    return voter


def bound_voter(
    db: Session, award: AudienceAward, voter_id: int | None, device: str | None
) -> AudienceVoter | None:
    """The voter this phone is bound to, or None (unknown, or since bound to another phone)."""
    if voter_id is None or not device:
        return None
    voter = db.get(AudienceVoter, voter_id)
    if voter is None or voter.award_id != award.id or voter.device_hash != rules.secret_hash(device):
        return None
    return voter


def cast_vote(
    db: Session,
    award: AudienceAward,
    voter: AudienceVoter,
    application_id: int | None,
    *,
    network: str | None,
    at: datetime,
) -> AudienceVote:
    """The voter's vote for ``application_id``: the one row, created or changed; refusals count nothing."""
    _require_open(award, at)
    if application_id is None or application_id not in {c.application_id for c in award.candidates}:
        raise AudienceError(
            _l("This project is not in the audience award. Choose one of the finalists listed."), 400
        )
    vote = db.scalar(select(AudienceVote).where(AudienceVote.voter_id == voter.id))
    if vote is not None and vote.voided_at is not None:
        raise AudienceError(_l("Your vote was voided by the organizers. Nothing was counted."), 403)
    if vote is None:
        vote = AudienceVote(
            award_id=award.id, voter_id=voter.id, application_id=application_id, cast_at=at, network=network
        )
        db.add(vote)
    elif vote.application_id != application_id:
        vote.application_id, vote.changed_at, vote.network = application_id, at, network
        vote.changes += 1
    db.flush()
    return vote


# --- organizer: voiding, the tally, the export ------------------------------------------------------------


def void_vote(
    db: Session, award: AudienceAward, vote: AudienceVote, reason: str, *, actor: User, at: datetime
) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise AudienceError(_l("Say why the vote is voided."), 400)
    if len(reason) > VOID_REASON_MAX:
        raise AudienceError(_l("The reason is longer than 500 characters."), 400)
    if vote.voided_at is not None:
        raise AudienceError(_l("This vote is already voided."))
    vote.voided_at, vote.voided_by_id, vote.void_reason = at, actor.id, reason
    db.flush()
    record(
        db,
        actor=actor,
        action="audience.vote_voided",
        object_type="audience_vote",
        object_id=vote.id,
        edition_id=award.edition_id,
        after={"voter": vote.voter_id, "network": vote.network},
        reason=reason,
    )


def look_at_tally(db: Session, award: AudienceAward, *, actor: User | None, at: datetime) -> Tally:
    """The tally, shown to an organizer who chose to look: logged, with the time and the person.

    ``actor`` is None when the look is the command line's (``judging ceremony --pdf envelopes``).
    """
    award.tally_viewed_at, award.tally_viewed_by_id = at, actor.id if actor else None
    db.flush()
    record(db, actor=actor, action="audience.tally_viewed", obj=award, edition_id=award.edition_id)
    return queries.tally(db, award)


def export_votes(db: Session, award: AudienceAward, *, actor: User, at: datetime) -> bytes:
    """Every vote as CSV (voided ones marked), from which ``tally.count_votes`` gives the tally; logged."""
    rows = queries.export_rows(db, award)
    award.tally_viewed_at, award.tally_viewed_by_id = at, actor.id
    db.flush()
    record(
        db,
        actor=actor,
        action="audience.votes_exported",
        obj=award,
        edition_id=award.edition_id,
        after={"rows": len(rows)},
    )
    return write_csv(rows, queries.export_columns())
