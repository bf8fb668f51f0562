"""The awards ceremony: the plan every ceremony document, the reveal screen and the public pages read.

**Only frozen results leave the back office.** A prize is *ready for the ceremony* when it
has a winner and every one of its finalist, winner and mention decisions belongs to a
round whose results are frozen (a :class:`~judging.schema.ResultSnapshot` that has not
been invalidated; a decision without a round counts as one of the prize's last round).
:func:`ceremony_plan` refuses, with a :class:`CeremonyError` naming the prizes, when a
prize it should show is not ready: nothing of an unfrozen round reaches a PDF, the reveal
screen or a public page. The public finalists page only needs the finalist decisions to
be frozen (:func:`public_results` with ``stage="finalists"``).

**Frozen means frozen**: a frozen round's finalists, winner and mentions, with their names
and citations, are read from its snapshot (:mod:`judging.results.snapshots`), not from the
live decision rows; only the publication consent is read live.

The plan is loaded in a fixed number of queries (six) whatever the number of prizes
and applications:

- the order of the prizes (``Prize.position``), their sponsor, the presenter who hands
  each prize over (name, title, organization), the host's lines (``Prize.ceremony_script``
  in French and English; a default line is written when empty) and the minutes each prize
  takes on stage (``Prize.ceremony_minutes``), timed from ``Edition.ceremony_at``;
- for each prize its finalists (person, organization, project title, city, in the pitch
  order of its final, then by reference), its winner, its mentions and their citations.

Writes (:func:`arrange_ceremony`, :func:`set_public_times`, :func:`reveal_winners`)
validate, mutate, flush and record an audit event; they never commit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from flask import has_request_context
from flask_babel import force_locale, get_locale, gettext, lazy_pgettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from judging.accounts.models import Organization, User
from judging.applications.models import Application
from judging.applications.publication import publishable
from judging.core import clock
from judging.core.audit import record
from judging.core.labels import title_after_name
from judging.core.models import localized
from judging.editions.models import Edition, Prize, Round
from judging.results import snapshots
from judging.results.models import Decision, PitchSlot

LANGUAGES = ("fr", "en")
#: Document languages: one of the two, or both side by side.
DOCUMENT_LANGUAGES = ("fr", "en", "bilingual")
CEREMONY_OUTCOMES = ("finalist", "winner", "mention")
SCRIPT_MAX = 4000
NAME_MAX = {
    "sponsor": 300,
    "presenter_name": 200,
    "presenter_title": 200,
    "presenter_title_en": 200,
    "presenter_organization": 300,
}
MINUTES_MAX = 240


class CeremonyError(Exception):
    """A refusal: ``message`` (translated, lazy) for people; ``prizes`` names the prizes concerned."""

    def __init__(
        self, message: Any, *, prizes: Sequence[str] = (), errors: dict[str, list[Any]] | None = None
    ):
        super().__init__(str(message))
        self.message = message
        self.prizes = list(prizes)
        self.errors = errors or {}


# --- forms of address ---------------------------------------------------------------------------------

#: How a winner is titled (``Application.form_of_address``): one English word, three French ones.
FORMS_OF_ADDRESS = ("feminine", "masculine")
INCLUSIVE = "inclusive"
WINNER_TITLES = {
    "feminine": lazy_pgettext("feminine", "Winner"),
    "masculine": lazy_pgettext("masculine", "Winner"),
    INCLUSIVE: lazy_pgettext("inclusive", "Winner"),
}
WINNER_OF = {
    "feminine": lazy_pgettext("feminine", "Winner of the %(prize)s"),
    "masculine": lazy_pgettext("masculine", "Winner of the %(prize)s"),
    INCLUSIVE: lazy_pgettext("inclusive", "Winner of the %(prize)s"),
}


def address_word(words: Mapping[str, Any], address: str | None, language: str | None = None) -> str:
    """The word of ``words`` for a form of address (unknown or None: the inclusive one), in
    ``language`` (else the current one)."""
    word = words.get(address or INCLUSIVE, words[INCLUSIVE])
    if language is None:
        return str(word)
    with force_locale(language):
        return str(word)


# --- the plan -----------------------------------------------------------------------------------------


def both(value: Any) -> dict[str, str]:
    """Organizer text in each language (French fills in for a missing English text)."""
    return {lang: localized(value, lang) for lang in LANGUAGES}


@dataclass(frozen=True)
class Laureate:
    """A finalist, winner or mention as the ceremony shows them."""

    application_id: int
    ref: str
    person: str
    organization: str
    title: str
    city: str
    citation: dict[str, str] = field(default_factory=dict)
    #: the candidate's current publication consent (:func:`judging.applications.publication.publishable`)
    publishable: bool = True
    #: True in a public output when the names may not be shown ("Finalist (name withheld)")
    withheld: bool = False
    #: "feminine", "masculine" or None (the inclusive form): how the outputs title the person
    address: str | None = None

    def winner_title(self, language: str) -> str:
        """« Lauréate », « Lauréat » or « Lauréat·e » (French), "Winner" (English)."""
        return address_word(WINNER_TITLES, self.address, language)

    def winner_of(self, language: str, prize: str) -> str:
        """« Lauréate du Prix … » on a certificate, in the person's form of address."""
        return address_word(WINNER_OF, self.address, language) % {"prize": prize}

    def citation_in(self, language: str) -> str:
        return self.citation.get(language, "")

    def for_public(self) -> Laureate:
        """What a public output may show: all of it, or nothing that names the project without consent.

        The citation goes too (it describes the project); the laureate stays in the list, so the
        numbers still count them.
        """
        if self.publishable:
            return self
        return replace(
            self,
            ref="",
            person="",
            organization="",
            title="",
            city="",
            citation={},
            address=None,  # nothing said of the person: the inclusive title
            withheld=True,
        )

    @property
    def display(self) -> str:
        """ "Person, Organization" (or whichever of the two is known)."""
        return ", ".join(part for part in (self.person, self.organization) if part)


@dataclass
class CeremonyPrize:
    id: int
    code: str
    position: int
    names: dict[str, str]
    sponsor: str
    presenter_name: str
    presenter_title: str
    presenter_organization: str
    scripts: dict[str, str]
    minutes: int | None
    starts_at: datetime | None = None
    finalists: list[Laureate] = field(default_factory=list)
    winner: Laureate | None = None
    mentions: list[Laureate] = field(default_factory=list)
    ready: bool = False
    finalists_ready: bool = False
    fingerprints: list[str] = field(default_factory=list)
    #: the presenter's title in English (``presenter_title`` is the French one, used when empty)
    presenter_title_en: str = ""

    def name(self, language: str) -> str:
        return self.names.get(language) or self.names.get("fr", "")

    def presenter_title_in(self, language: str) -> str:
        if language == "en" and self.presenter_title_en:
            return self.presenter_title_en
        return self.presenter_title

    def presenter_in(self, language: str) -> str:
        """ "Name, title, organization" of the presenter, the title in ``language`` (in French, in
        lower case after the name: « Hélène Vachon-Marchand, vice-présidente, Banque Boréalis »)."""
        title = title_after_name(self.presenter_title_in(language), language)
        return ", ".join(p for p in (self.presenter_name, title, self.presenter_organization) if p)

    @property
    def presenter(self) -> str:
        """The presenter in French (see :meth:`presenter_in`)."""
        return self.presenter_in("fr")

    @property
    def ends_at(self) -> datetime | None:
        if self.starts_at is None:
            return None
        return self.starts_at + timedelta(minutes=self.minutes or 0)

    @property
    def others(self) -> list[Laureate]:
        """Finalists other than the winner (the finalist certificates)."""
        winner_id = self.winner.application_id if self.winner else None
        return [f for f in self.finalists if f.application_id != winner_id]

    def host_lines(self, language: str) -> str:
        """The host's lines: the organizer's script, else a default introduction."""
        written = self.scripts.get(language, "")
        if written.strip():
            return written
        with force_locale(language):
            if self.presenter_name and self.sponsor:
                return gettext(
                    "The %(prize)s, presented by %(sponsor)s. To hand it over, please welcome %(presenter)s.",
                    prize=self.name(language),
                    sponsor=self.sponsor,
                    presenter=self.presenter_in(language),
                )
            if self.presenter_name:
                return gettext(
                    "The %(prize)s. To hand it over, please welcome %(presenter)s.",
                    prize=self.name(language),
                    presenter=self.presenter_in(language),
                )
            return gettext("The %(prize)s.", prize=self.name(language))


@dataclass
class CeremonyPlan:
    edition: Edition
    language: str
    prizes: list[CeremonyPrize]
    #: Prizes left out because their results are not frozen (only when asked to skip them).
    skipped: list[CeremonyPrize] = field(default_factory=list)
    #: The audience award (:class:`judging.ceremony.audience.AudienceSegment`), after the prizes; None
    #: when the edition has none or the document does not show it.
    audience: Any = None

    @property
    def languages(self) -> list[str]:
        return ["fr", "en"] if self.language == "bilingual" else [self.language]

    @property
    def starts_at(self) -> datetime | None:
        return self.edition.ceremony_at

    @property
    def total_minutes(self) -> int:
        return sum(p.minutes or 0 for p in self.prizes)

    @property
    def ends_at(self) -> datetime | None:
        if self.starts_at is None:
            return None
        return self.starts_at + timedelta(minutes=self.total_minutes)

    def edition_name(self, language: str) -> str:
        return localized(self.edition.name, language)

    @property
    def fingerprints(self) -> list[str]:
        """ "prize-code fingerprint" (12 hex digits) of each frozen snapshot the plan comes from."""
        return [f"{p.code} {fp[:12]}" for p in self.prizes for fp in p.fingerprints]


def laureate(
    application: Application, applicant: User | None, organization: Organization | None, citation: Any = None
) -> Laureate:
    """An application as the ceremony names it (person, organization, project, form of address)."""
    return Laureate(
        application_id=application.id,
        ref=application.ref,
        person=snapshots.person_name(application, applicant),
        organization=snapshots.organization_name(application, organization),
        title=application.title or "",
        city=application.city or "",
        citation=snapshots.citation_texts(citation),
        publishable=publishable(application),
        address=application.form_of_address,
    )


def _frozen_laureate(frozen: snapshots.FrozenDecision, consent: Mapping[int, bool | None]) -> Laureate:
    """A laureate as its round's snapshot froze it; only the publication consent is read live."""
    return Laureate(
        application_id=frozen.application_id,
        ref=frozen.ref,
        person=frozen.person,
        organization=frozen.organization,
        title=frozen.title,
        city=frozen.city,
        citation=frozen.citation if frozen.outcome != "finalist" else {},
        publishable=consent.get(frozen.application_id) is True,
        address=frozen.address,
    )


#: (prize id, effective round id, outcome, laureate): one decision a ceremony shows.
_Entry = tuple[int, "int | None", str, Laureate]


def _live_entries(
    db: Session, prize_ids: list[int], last_round: Mapping[int, int | None], frozen: Mapping[int, Any]
) -> list[_Entry]:
    """The decisions of rounds without a frozen decision list, from the live rows (one query)."""
    rows = db.execute(
        select(Decision, Application, User, Organization)
        .join(Application, Application.id == Decision.application_id)
        .outerjoin(User, User.id == Application.applicant_id)
        .outerjoin(Organization, Organization.id == Application.organization_id)
        .where(Decision.prize_id.in_(prize_ids), Decision.outcome.in_(CEREMONY_OUTCOMES))
        .order_by(Decision.id)
    ).all()
    entries: list[_Entry] = []
    for decision, application, applicant, organization in rows:
        effective = snapshots.effective_round_id(decision, last_round.get(decision.prize_id))
        if effective in frozen:
            continue  # frozen means frozen: the snapshot says what this round decided
        citation = decision.citation if decision.outcome in ("winner", "mention") else None
        entries.append(
            (
                decision.prize_id,
                effective,
                decision.outcome,
                laureate(application, applicant, organization, citation),
            )
        )
    return entries


def _frozen_entries(
    db: Session, frozen: Mapping[int, list[snapshots.FrozenDecision]], prize_of_round: Mapping[int, int]
) -> list[_Entry]:
    """The decisions the snapshots froze, with each application's current consent (one query)."""
    ids = {d.application_id for decisions in frozen.values() for d in decisions}
    consent: dict[int, bool | None] = {}
    if ids:
        consent = dict(
            db.execute(
                select(Application.id, Application.publication_consent).where(Application.id.in_(ids))
            ).all()
        )
    return [
        (prize_of_round[round_id], round_id, d.outcome, _frozen_laureate(d, consent))
        for round_id, decisions in frozen.items()
        for d in decisions
        if d.outcome in CEREMONY_OUTCOMES
    ]


def _ceremony_prize(prize: Prize) -> CeremonyPrize:
    return CeremonyPrize(
        id=prize.id,
        code=prize.code,
        position=prize.position,
        names=both(prize.name),
        sponsor=prize.sponsor or "",
        presenter_name=prize.presenter_name or "",
        presenter_title=prize.presenter_title or "",
        presenter_title_en=prize.presenter_title_en or "",
        presenter_organization=prize.presenter_organization or "",
        scripts={
            lang: (prize.ceremony_script or {}).get(lang, "")
            if isinstance(prize.ceremony_script, dict)
            else (prize.ceremony_script or "")
            for lang in LANGUAGES
        },
        minutes=prize.ceremony_minutes,
    )


def _fill(
    item: CeremonyPrize, entries: list[_Entry], frozen: Mapping[int, str], pitch: Mapping[int, int]
) -> None:
    """The prize's finalists (in pitch order), winner and mentions, and whether all of it is frozen."""
    finalist_rounds: set[int | None] = set()
    all_rounds: set[int | None] = set()
    finalists: list[Laureate] = []
    for _prize_id, effective, outcome, laureate in entries:
        all_rounds.add(effective)
        if outcome == "finalist":
            finalist_rounds.add(effective)
            finalists.append(laureate)
        elif outcome == "winner":
            item.winner = laureate
        else:
            item.mentions.append(laureate)
    finalists.sort(key=lambda f: (pitch.get(f.application_id, 10**6), f.ref))
    item.finalists = finalists
    item.finalists_ready = bool(finalists) and all(r in frozen for r in finalist_rounds)
    item.ready = item.winner is not None and all(r in frozen for r in all_rounds)
    item.fingerprints = sorted({frozen[r] for r in all_rounds if r in frozen})


def load_prizes(db: Session, edition: Edition) -> list[CeremonyPrize]:
    """Every prize of the edition with its decisions and readiness, in six queries whatever the size.

    A frozen round's finalists, winner and mentions, with their names and citations, come from its
    snapshot (:mod:`judging.results.snapshots`), never from the live rows; only the publication
    consent is read live. Rounds not frozen (and snapshots older than that rule) read the live rows.
    """
    prizes = db.scalars(
        select(Prize).where(Prize.edition_id == edition.id).order_by(Prize.position, Prize.id)
    ).all()
    if not prizes:
        return []
    prize_ids = [p.id for p in prizes]
    rounds = db.scalars(
        select(Round).where(Round.prize_id.in_(prize_ids)).order_by(Round.position, Round.id)
    ).all()
    last_round: dict[int, int | None] = {}
    for rnd in rounds:
        last_round[rnd.prize_id] = rnd.id  # ordered: the last one wins
    round_ids = [r.id for r in rounds]
    frozen, frozen_decisions = snapshots.frozen_rounds(db, round_ids)
    entries = _live_entries(db, prize_ids, last_round, frozen_decisions)
    entries += _frozen_entries(db, frozen_decisions, {r.id: r.prize_id for r in rounds})
    pitch: dict[int, int] = {}
    if round_ids:
        # the pitch order of the last round that has one
        for _round_id, application_id, position in db.execute(
            select(PitchSlot.round_id, PitchSlot.application_id, PitchSlot.position).where(
                PitchSlot.round_id.in_(round_ids)
            )
        ).all():
            pitch[application_id] = position
    entries_of: dict[int, list[_Entry]] = defaultdict(list)
    for entry in entries:
        entries_of[entry[0]].append(entry)
    out: list[CeremonyPrize] = []
    for prize in prizes:
        item = _ceremony_prize(prize)
        _fill(item, entries_of[prize.id], frozen, pitch)
        out.append(item)
    schedule(out, edition.ceremony_at)
    return out


def laureate_counts(prizes: Iterable[CeremonyPrize]) -> dict[str, int]:
    """How many finalists, winners and mentions ``prizes`` show (frozen rounds: as their snapshots say)."""
    prizes = list(prizes)
    return {
        "finalists": sum(len(p.finalists) for p in prizes),
        "winners": sum(1 for p in prizes if p.winner is not None),
        "mentions": sum(len(p.mentions) for p in prizes),
    }


def schedule(prizes: Sequence[CeremonyPrize], start: datetime | None) -> None:
    """Time the prizes one after the other from ``start`` (each takes its minutes on stage)."""
    for item in prizes:
        item.starts_at = start
        if start is not None:
            start = start + timedelta(minutes=item.minutes or 0)


def not_ready_message(names: Iterable[str]) -> Any:
    return _l(
        "The results of these prizes are not frozen yet: %(prizes)s. Record the winner and freeze the final "
        "(Results page) before printing or showing them.",
        prizes=", ".join(names),
    )


def ceremony_plan(
    db: Session,
    edition: Edition,
    *,
    language: str,
    only_ready: bool = False,
    prize_ids: Iterable[int] | None = None,
) -> CeremonyPlan:
    """The ceremony in order, made only from frozen results.

    ``language`` is ``fr``, ``en`` or ``bilingual``. Raises :class:`CeremonyError` when a
    prize's results are not frozen (or it has no winner yet), unless ``only_ready`` is set:
    then those prizes are left out (listed in ``skipped``). ``prize_ids`` limits the plan to
    some prizes. An edition without any prize is refused too.
    """
    if language not in DOCUMENT_LANGUAGES:
        raise CeremonyError(_l("Choose French, English or bilingual."))
    prizes = load_prizes(db, edition)
    if prize_ids is not None:
        wanted = set(prize_ids)
        prizes = [p for p in prizes if p.id in wanted]
    if not prizes:
        raise CeremonyError(_l("This edition has no prize to present."))
    not_ready = [p for p in prizes if not p.ready]
    names_language = language if language in LANGUAGES else _current_language()
    if not_ready and not only_ready:
        names = [p.name(names_language) for p in not_ready]
        raise CeremonyError(not_ready_message(names), prizes=names)
    ready = [p for p in prizes if p.ready]
    if not ready:
        raise CeremonyError(
            not_ready_message(p.name(names_language) for p in not_ready),
            prizes=[p.name(names_language) for p in not_ready],
        )
    schedule(ready, edition.ceremony_at)  # the plan's own timing: left-out prizes take no time
    return CeremonyPlan(edition=edition, language=language, prizes=ready, skipped=not_ready)


def withhold_names(prizes: Iterable[CeremonyPrize]) -> list[CeremonyPrize]:
    """The prizes as a public output shows them: laureates without publication consent are withheld.

    Every public output (public pages, press sheet, reveal screen, edition report) goes through
    this; documents for the organizers and the host (run of show, envelopes, presenters' cards,
    certificates) do not.
    """
    prizes = list(prizes)
    for prize in prizes:
        prize.finalists = [f.for_public() for f in prize.finalists]
        prize.winner = prize.winner.for_public() if prize.winner is not None else None
        prize.mentions = [m.for_public() for m in prize.mentions]
    return prizes


def public_results(db: Session, edition: Edition, *, stage: str) -> list[CeremonyPrize]:
    """Prizes a public page may show: ``finalists`` (frozen finalists) or ``winners`` (ready prizes).

    A prize whose results are not frozen is simply absent: nothing of it is returned. Names are
    withheld where the candidate has not consented to publication (:func:`withhold_names`).
    """
    prizes = load_prizes(db, edition)
    if stage == "finalists":
        shown = [p for p in prizes if p.finalists_ready]
        for p in shown:  # the finalists page never carries the winner or the mentions
            p.winner = None
            p.mentions = []
        return withhold_names(shown)
    if stage == "winners":
        return withhold_names(p for p in prizes if p.ready)
    raise ValueError(f"unknown stage {stage!r}")


# --- reveal steps -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RevealStep:
    """One screen of the reveal: ``kind`` is ``title``, ``finalists``, ``winner``, ``audience_finalists``,
    ``audience_winner`` or ``end``."""

    number: int
    kind: str
    prize: CeremonyPrize | None = None


def reveal_steps(plan: CeremonyPlan) -> list[RevealStep]:
    """The title, then for each prize its finalists and then its winner, then the end."""
    steps = [RevealStep(0, "title")]
    for prize in plan.prizes:
        steps.append(RevealStep(len(steps), "finalists", prize))
        steps.append(RevealStep(len(steps), "winner", prize))
    if plan.audience is not None:  # the audience award comes last, before the end
        steps.append(RevealStep(len(steps), "audience_finalists"))
        steps.append(RevealStep(len(steps), "audience_winner"))
    steps.append(RevealStep(len(steps), "end"))
    return steps


# --- writes -------------------------------------------------------------------------------------------


def _clean(value: str | None, limit: int, key: str, errors: dict[str, list[Any]]) -> str | None:
    text = (value or "").strip()
    if len(text) > limit:
        errors.setdefault(key, []).append(_l("At most %(max)d characters.", max=limit))
    return text or None


@dataclass
class PrizeArrangement:
    """What the organizer sets for one prize on the ceremony page (``order`` from 1)."""

    prize_id: int
    order: int
    sponsor: str | None = None
    presenter_name: str | None = None
    presenter_title: str | None = None
    presenter_title_en: str | None = None
    presenter_organization: str | None = None
    script_fr: str | None = None
    script_en: str | None = None
    minutes: int | None = None


ARRANGED_FIELDS = (
    "position",
    "sponsor",
    "presenter_name",
    "presenter_title",
    "presenter_title_en",
    "presenter_organization",
    "ceremony_script",
    "ceremony_minutes",
)


def _cleaned_arrangement(a: PrizeArrangement, errors: dict[str, list[Any]]) -> dict[str, Any]:
    """One prize's arrangement, trimmed; what is too long or out of range is added to ``errors``."""
    prefix = f"prize-{a.prize_id}-"
    values: dict[str, Any] = {}
    for name, limit in NAME_MAX.items():
        values[name] = _clean(getattr(a, name), limit, prefix + name, errors)
    script = {}
    for lang in LANGUAGES:
        text = _clean(getattr(a, f"script_{lang}"), SCRIPT_MAX, f"{prefix}script_{lang}", errors)
        if text:
            script[lang] = text
    values["ceremony_script"] = script or None
    if a.minutes is not None and not 0 <= a.minutes <= MINUTES_MAX:
        errors.setdefault(prefix + "minutes", []).append(
            _l("Between %(min)d and %(max)d minutes.", min=0, max=MINUTES_MAX)
        )
    values["ceremony_minutes"] = a.minutes
    return values


def arrange_ceremony(
    db: Session, edition: Edition, *, arrangements: Sequence[PrizeArrangement], actor: User | None
) -> list[Prize]:
    """Set the order of the prizes, their sponsor, presenter, host lines and minutes on stage.

    Every prize of the edition must be listed once. The order is given as numbers (ties
    keep the current order) and stored as positions 0, 1, 2, ... It is the order of the
    prizes everywhere (public pages too). Refused as a whole when a field is too long or
    the minutes are outside 0–240.
    """
    prizes = db.scalars(
        select(Prize).where(Prize.edition_id == edition.id).order_by(Prize.position, Prize.id)
    ).all()
    by_id = {p.id: p for p in prizes}
    listed = [a.prize_id for a in arrangements]
    if sorted(listed) != sorted(by_id) or len(set(listed)) != len(listed):
        raise CeremonyError(_l("List every prize of the edition once."))
    errors: dict[str, list[Any]] = {}
    cleaned = {a.prize_id: _cleaned_arrangement(a, errors) for a in arrangements}
    if errors:
        raise CeremonyError(_l("The ceremony was not saved: correct the fields marked below."), errors=errors)
    current = {p.id: i for i, p in enumerate(prizes)}
    ordered = sorted(arrangements, key=lambda a: (a.order, current[a.prize_id]))
    for position, a in enumerate(ordered):
        cleaned[a.prize_id]["position"] = position
    changes = []
    for prize in prizes:
        values = cleaned[prize.id]
        before = {name: getattr(prize, name) for name in ARRANGED_FIELDS}
        after = {name: values[name] for name in ARRANGED_FIELDS}
        if before != after:
            for name, value in after.items():
                setattr(prize, name, value)
            changes.append({"prize": prize.code, "before": before, "after": after})
    db.flush()
    if changes:
        record(
            db,
            actor=actor,
            action="ceremony.arranged",
            obj=edition,
            after={"order": [p.code for p in sorted(prizes, key=lambda p: p.position)], "changes": changes},
        )
    return sorted(prizes, key=lambda p: p.position)


def set_public_times(
    db: Session,
    edition: Edition,
    *,
    finalists_public_at: datetime | None,
    winners_public_at: datetime | None,
    actor: User | None,
) -> bool:
    """When the public finalists and winners pages open (aware datetimes, or None: not public).

    Returns True when something changed. The winners cannot be public before the finalists.
    """
    for value in (finalists_public_at, winners_public_at):
        if value is not None and value.tzinfo is None:
            raise CeremonyError(_l("Give the times with their time zone."))
    if finalists_public_at and winners_public_at and winners_public_at < finalists_public_at:
        raise CeremonyError(
            _l("The winners cannot be public before the finalists."),
            errors={"winners_public_at": [_l("The winners cannot be public before the finalists.")]},
        )
    before = {
        "finalists_public_at": edition.finalists_public_at,
        "winners_public_at": edition.winners_public_at,
    }
    after = {"finalists_public_at": finalists_public_at, "winners_public_at": winners_public_at}
    if before == after:
        return False
    edition.finalists_public_at = finalists_public_at
    edition.winners_public_at = winners_public_at
    db.flush()
    record(db, actor=actor, action="ceremony.public_times", obj=edition, before=before, after=after)
    return True


def reveal_winners(db: Session, edition: Edition, *, actor: User | None) -> datetime:
    """Make the winners page public now (an explicit reveal, logged).

    Refused when a prize's results are not frozen (the page would lack it) and when the
    winners are already public.
    """
    moment = clock.now()
    if edition.winners_public_at is not None and edition.winners_public_at <= moment:
        raise CeremonyError(_l("The winners are already public."))
    prizes = load_prizes(db, edition)
    not_ready = [p.name(_current_language()) for p in prizes if not p.ready]
    if not prizes:
        raise CeremonyError(_l("This edition has no prize to present."))
    if not_ready:
        raise CeremonyError(not_ready_message(not_ready), prizes=not_ready)
    before = {
        "winners_public_at": edition.winners_public_at,
        "finalists_public_at": edition.finalists_public_at,
    }
    edition.winners_public_at = moment
    if edition.finalists_public_at is None or edition.finalists_public_at > moment:
        edition.finalists_public_at = moment
    db.flush()
    record(
        db,
        actor=actor,
        action="ceremony.winners_revealed",
        obj=edition,
        before=before,
        after={"winners_public_at": moment, "finalists_public_at": edition.finalists_public_at},
    )
    return moment


def _current_language() -> str:
    return str(get_locale() or "fr") if has_request_context() else "fr"


def arrangement_defaults(prizes: Sequence[Prize]) -> list[Mapping[str, Any]]:
    """What the arrangement form shows for each prize (its stored values)."""
    rows = []
    for order, prize in enumerate(prizes, start=1):
        script = prize.ceremony_script if isinstance(prize.ceremony_script, dict) else {}
        rows.append(
            {
                "prize_id": prize.id,
                "order": order,
                "sponsor": prize.sponsor or "",
                "presenter_name": prize.presenter_name or "",
                "presenter_title": prize.presenter_title or "",
                "presenter_title_en": prize.presenter_title_en or "",
                "presenter_organization": prize.presenter_organization or "",
                "script_fr": script.get("fr", "") if script else (prize.ceremony_script or ""),
                "script_en": script.get("en", "") if script else "",
                "minutes": prize.ceremony_minutes,
            }
        )
    return rows
