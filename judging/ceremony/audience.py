"""The audience award (Prix du public) in the ceremony: run of show, envelopes, certificates, reveal,
public winners page and edition report.

The award's finalists are not secret (the vote page lists them), so the run of show reads them with
no look at the tally. Its winners are, until the ceremony reveals them
(:func:`judging.audience.rules.tally_is_public`):

- **pages and documents for everyone** (public winners page, edition report) show the audience award
  only when its result is public (:func:`public_audience`), names withheld without publication consent;
- **organizer documents printed before the reveal** (envelope cards, certificates) and the reveal
  screen's audience winner step read the winners through the audited look
  (:func:`judging.audience.operations.look_at_tally`, an ``audience.tally_viewed`` event with who and
  when): printing the sealed envelope is looking at the tally. After the reveal nothing is logged.

**Frozen**: the audience result is frozen by the vote closing. After it, no vote can be cast or changed
(the server refuses), so every document counts the same stored votes; the winners are only known once
it has closed (:func:`ceremony_audience` refuses before). Voiding a vote after closing is the one
change left, and it is logged with its reason. Names are read live (as for a prize whose results are
not frozen), and the publication consent is read live as everywhere.

A tie at the top is shared: every tied finalist is a winner (one envelope card naming them all, one
certificate each).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from judging.accounts.models import Organization, User
from judging.applications.models import Application
from judging.audience import operations, queries, rules
from judging.ceremony.plan import CeremonyError, Laureate, laureate
from judging.editions.models import Edition

#: The award's name everywhere the ceremony shows it (« Prix du public » in French).
AUDIENCE_AWARD = _l("Audience Award")


@dataclass
class AudienceSegment:
    """The audience award as the ceremony shows it: its finalists and, once read, its winners."""

    finalists: list[Laureate]
    winners: list[Laureate] = field(default_factory=list)
    tied: bool = False
    #: the ceremony has revealed the result: pages for everyone may show it
    public: bool = False

    def name(self, language: str) -> str:
        with force_locale(language):
            return str(AUDIENCE_AWARD)

    def for_public(self) -> AudienceSegment:
        """Names withheld where the candidate has not agreed to publication."""
        return replace(
            self,
            finalists=[f.for_public() for f in self.finalists],
            winners=[w.for_public() for w in self.winners],
        )


def laureates(db: Session, applications: Sequence[Application]) -> list[Laureate]:
    """The applications as the ceremony names them (person, organization, project), in the order given."""
    ids = [a.id for a in applications]
    if not ids:
        return []
    rows = db.execute(
        select(Application, User, Organization)
        .outerjoin(User, User.id == Application.applicant_id)
        .outerjoin(Organization, Organization.id == Application.organization_id)
        .where(Application.id.in_(ids))
    ).all()
    by_id = {
        application.id: laureate(application, applicant, organization)
        for application, applicant, organization in rows
    }
    return [by_id[i] for i in ids]


def _not_closed() -> CeremonyError:
    return CeremonyError(
        _l(
            "The audience vote has not closed yet: its winner is not known. Close the vote (Audience "
            "award page) before printing the envelopes or certificates or revealing it."
        ),
        prizes=[str(AUDIENCE_AWARD)],
    )


def ceremony_audience(
    db: Session, edition: Edition, *, with_winners: bool, actor: User | None, at: datetime
) -> AudienceSegment | None:
    """The edition's audience award for an organizer document (None: the edition has none).

    ``with_winners=False`` (run of show, the reveal's finalists): its finalists only, the tally unread.
    ``with_winners=True`` (envelopes, certificates, the reveal's winner): the winners too; before the
    reveal that is a logged look at the tally by ``actor``. Raises :class:`CeremonyError` while the vote
    has not closed. Flushes (the audit event); the route commits.
    """
    award = queries.award_of(db, edition)
    if award is None or not award.candidates:
        return None
    segment = AudienceSegment(finalists=laureates(db, queries.finalists_in_award(award)))
    if not with_winners:
        return segment
    result = queries.audience_result(db, edition, at=at)
    if result is None:
        raise _not_closed()
    if not result.public:
        operations.look_at_tally(db, award, actor=actor, at=at)
    segment.winners = laureates(db, result.winners)
    segment.tied, segment.public = result.tied, result.public
    return segment


def public_audience(db: Session, edition: Edition, *, at: datetime) -> AudienceSegment | None:
    """The audience award as pages for everyone show it: only once public, names only with consent."""
    award = queries.award_of(db, edition)
    if award is None or not rules.tally_is_public(award, edition, at):
        return None
    result = queries.audience_result(db, edition, at=at)
    if result is None or not result.winners:
        return None
    segment = AudienceSegment(
        finalists=laureates(db, queries.finalists_in_award(award)),
        winners=laureates(db, result.winners),
        tied=result.tied,
        public=True,
    )
    return segment.for_public()


def names_of(people: Iterable[Laureate]) -> str:
    """ "Person, Organization; …" of several laureates (a shared award)."""
    return "; ".join(p.display for p in people)


def envelope_count(prizes: Sequence[Any], audience: AudienceSegment | None) -> int:
    """How many sealed envelopes the ceremony has: one per prize, one for the audience award."""
    return len(prizes) + (1 if audience is not None else 0)
