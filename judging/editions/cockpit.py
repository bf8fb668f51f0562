"""The season at a glance: its timeline (public home page and organizer cockpit) and what to do next.

The timeline has six stages (call, screening, judging, finalists, final, ceremony). Their dates
come from the edition (application window, publication of finalists, ceremony), from the rounds'
judging deadlines and from the final's pitch order (its first pitch); the stage the season is in
comes from the rounds' phases, which organizers move by hand, so the timeline says where the contest
really is, not where the calendar says it should be. Two stages are also read from the calendar:
the call is in progress while its window is open (whatever the rounds do meanwhile), and the
ceremony only from its date (announcing the final's results makes the season wait for it).

The cockpit's next actions are counted with a fixed number of queries whatever the edition's size:
one for the applications per prize, one for the unfinished jurors per round, one for the mail the
sender gave up on. Nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from judging.applications.models import Application
from judging.core.labels import round_name
from judging.core.templating import tr
from judging.editions.models import Edition, Prize, Round
from judging.jury.models import Assignment
from judging.mail.operations import given_up_count
from judging.results.models import PitchSlot

STAGES = ("call", "screening", "judging", "finalists", "final", "ceremony")
STAGE_LABELS = {
    "call": _l("Call for applications"),
    "screening": _l("Screening"),
    "judging": _l("Judging"),
    "finalists": _l("Finalists announced"),
    "final": _l("Final"),
    "ceremony": _l("Awards ceremony"),
}

# Where a round in a given phase puts the season: the first round (preselection) leads from the call
# to the finalists, a later round (the final) from the final to the ceremony. A round being set up or
# open to applications says nothing: the call is under way once its window has opened.
FIRST_ROUND_STAGE = {
    "screening": "screening",
    "judging": "judging",
    "deliberation": "judging",
    "decided": "judging",
    "announced": "finalists",
}
LATER_ROUND_STAGE = {
    "judging": "final",
    "deliberation": "final",
    "decided": "final",
    "announced": "ceremony",
}
UNFINISHED_SCORECARDS = ("assigned", "draft")


@dataclass(frozen=True)
class Stage:
    key: str
    label: str
    starts: datetime | None
    ends: datetime | None
    #: "done" (every prize is past it), "current" (a prize is in it), "partial" (some prizes are past
    #: it, others not there yet) or "upcoming"
    state: str
    #: the prizes in this stage, named when the prizes are not all in the same one
    prizes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Action:
    """One thing to do next: a sentence (with its count), where to do it, for which prize and round."""

    text: str
    url: str
    prize: str | None = None
    urgent: bool = False


@dataclass(frozen=True)
class Standing:
    """Where one prize is: its own stage of the season, its rounds' phases and its next step."""

    prize: Prize
    rounds: list[Round]
    stage: str | None
    next_step: Action | None


@dataclass
class Cockpit:
    timeline: list[Stage]
    standing: list[Standing]
    actions: list[Action] = field(default_factory=list)


def _later_rounds(prizes: list[Prize]) -> list[Round]:
    return [rnd for prize in prizes for rnd in prize.rounds[1:]]


def _latest_deadline(rounds: list[Round]) -> datetime | None:
    deadlines = [rnd.judging_closes_at for rnd in rounds if rnd.judging_closes_at]
    return max(deadlines) if deadlines else None


def prize_stage(edition: Edition, prize: Prize, now: datetime) -> int | None:
    """The stage ``prize`` is in: the furthest its own rounds' phases have reached (None before the call).

    Each prize moves at its own pace (one may be in its final while another still screens), so the
    season is read prize by prize, never as one line.
    """
    return _stage_of_rounds(edition, list(prize.rounds), now)


def _stage_of_rounds(edition: Edition, rounds: list[Round], now: datetime) -> int | None:
    first = rounds[0].phase if rounds else None
    reached = [STAGES.index(FIRST_ROUND_STAGE[first])] if first in FIRST_ROUND_STAGE else []
    reached += [STAGES.index(LATER_ROUND_STAGE[r.phase]) for r in rounds[1:] if r.phase in LATER_ROUND_STAGE]
    if edition.ceremony_at and now >= edition.ceremony_at:
        reached.append(STAGES.index("ceremony"))
    if now >= edition.applications_open:
        reached.append(0)
    return max(reached) if reached else None


def _stages_of_prizes(edition: Edition, prizes: list[Prize], now: datetime) -> dict[int, list[Prize]]:
    """Stage index → the prizes in it; an edition without prizes is where its calendar says."""
    found: dict[int, list[Prize]] = {}
    for prize in prizes:
        stage = prize_stage(edition, prize, now)
        if stage is not None:
            found.setdefault(stage, []).append(prize)
    if not prizes:
        stage = _stage_of_rounds(edition, [], now)
        if stage is not None:
            found[stage] = []
    return found


def _stage_state(index: int, current: dict[int, list[Prize]]) -> str:
    if index in current:
        return "current"
    if not current or index > max(current):
        return "upcoming"
    return "done" if index < min(current) else "partial"


def _calendar_state(key: str, state: str, edition: Edition, now: datetime) -> str:
    """The state of a stage once the calendar has its say: the call is in progress while its window
    is open, and the ceremony is not before its date (it is only awaited)."""
    if key == "call" and edition.applications_open <= now < edition.applications_close:
        return "current"
    if key == "ceremony" and state == "current" and edition.ceremony_at and now < edition.ceremony_at:
        return "upcoming"
    return state


def first_pitch_at(db: Session, prizes: list[Prize]) -> datetime | None:
    """When the first pitch of the prizes' finals (their later rounds) is scheduled, if it is."""
    round_ids = [rnd.id for rnd in _later_rounds(prizes)]
    if not round_ids:
        return None
    return db.scalar(select(func.min(PitchSlot.starts_at)).where(PitchSlot.round_id.in_(round_ids)))


def _stage_dates(edition: Edition, prizes: list[Prize], pitch_at: datetime | None) -> dict[str, tuple]:
    """Each stage's (start, end) where known: the judging window ends at its deadline (or, without
    one, when the finalists were made public); the final is the pitch night."""
    first_rounds = [prize.rounds[0] for prize in prizes if prize.rounds]
    return {
        "call": (edition.applications_open, edition.applications_close),
        "screening": (edition.applications_close, None),
        "judging": (None, _latest_deadline(first_rounds) or edition.finalists_public_at),
        "finalists": (edition.finalists_public_at, None),
        "final": (pitch_at, None if pitch_at else _latest_deadline(_later_rounds(prizes))),
        "ceremony": (edition.ceremony_at, None),
    }


def season_timeline(
    edition: Edition, prizes: list[Prize], now: datetime, pitch_at: datetime | None = None
) -> list[Stage]:
    """The six stages with their dates and where the prizes are; ``prizes`` must have their rounds
    loaded (in position order); ``pitch_at`` is :func:`first_pitch_at`."""
    dates = _stage_dates(edition, prizes, pitch_at)
    current = _stages_of_prizes(edition, prizes, now)
    split = len(current) > 1
    stages = []
    for index, key in enumerate(STAGES):
        starts, ends = dates[key]
        names = tuple(tr(prize.name) for prize in current.get(index, [])) if split else ()
        state = _calendar_state(key, _stage_state(index, current), edition, now)
        if state == "done" and starts and starts > now and not ends:
            starts = None  # a step already behind the prizes (screening during the call) has no future date
        stages.append(Stage(key, STAGE_LABELS[key], starts, ends, state, names))
    return stages


def submitted_per_prize(db: Session, edition_id: int) -> dict[int, int]:
    query = (
        select(Application.prize_id, func.count())
        .where(Application.edition_id == edition_id, Application.status == "submitted")
        .group_by(Application.prize_id)
    )
    return dict(db.execute(query).all())


def unfinished_jurors_per_round(db: Session, round_ids: list[int]) -> dict[int, int]:
    """Per round, how many jurors still hold a scorecard neither submitted, abstained nor recused."""
    if not round_ids:
        return {}
    # The (round, juror) pairs first, then a count per round: an index-only scan of
    # ix_assignments_round_status_juror hashed into at most rounds × jurors pairs, where
    # count(DISTINCT juror_id) sorted every open scorecard (35,000 at 100,000 applications).
    pairs = (
        select(Assignment.round_id, Assignment.juror_id)
        .where(Assignment.round_id.in_(round_ids), Assignment.status.in_(UNFINISHED_SCORECARDS))
        .distinct()
        .subquery()
    )
    return dict(db.execute(select(pairs.c.round_id, func.count()).group_by(pairs.c.round_id)).all())


def _round_action(
    edition: Edition, prize: Prize, rnd: Round, unfinished: dict[int, int], now: datetime
) -> Action | None:
    """What a round in its current phase asks of the organizers, if anything."""
    keys = {"edition_id": edition.id, "prize_id": prize.id, "round_id": rnd.id}
    where = f"{tr(prize.name)} · {round_name(rnd)}"
    if rnd.phase == "open" and now >= edition.applications_close:
        return Action(str(_l("The call has closed: start the screening")), _phase_url(keys), where)
    if rnd.phase == "judging":
        count = unfinished.get(rnd.id, 0)
        if count:
            text = ngettext("%(num)d juror has not finished", "%(num)d jurors have not finished", count)
            return Action(text, url_for("organizer.jury", show="unfinished", **keys), where)
        return Action(str(_l("Every juror has finished: open the deliberation")), _phase_url(keys), where)
    if rnd.phase == "deliberation":
        return Action(str(_l("Deliberation under way: settle the results")), _results_url(keys), where)
    if rnd.phase == "decided":
        return Action(str(_l("Results ready to announce")), _phase_url(keys), where, urgent=True)
    return None


def _phase_url(keys: dict) -> str:
    return url_for("organizer.round_phase", **keys)


def _results_url(keys: dict) -> str:
    return url_for("organizer.round_results", **keys)


def _prize_actions(
    edition: Edition, prize: Prize, submitted: dict[int, int], unfinished: dict[int, int], now: datetime
) -> list[Action]:
    """What this prize asks of the organizers now, whatever the other prizes are doing."""
    actions: list[Action] = []
    if any(rnd.phase == "screening" for rnd in prize.rounds) and submitted.get(prize.id):
        count = submitted[prize.id]
        text = ngettext("%(num)d application to examine", "%(num)d applications to examine", count)
        url = url_for("organizer.applications", edition_id=edition.id, prize=prize.id, status="submitted")
        actions.append(Action(text, url, tr(prize.name)))
    for rnd in prize.rounds:
        action = _round_action(edition, prize, rnd, unfinished, now)
        if action:
            actions.append(action)
    return actions


def _waiting_step(edition: Edition, prize: Prize, now: datetime) -> Action | None:
    """The prize's next step when nothing needs doing today: the round to prepare or to move on."""
    if not prize.rounds:
        url = url_for("organizer.round_new", edition_id=edition.id, prize_id=prize.id)
        return Action(str(_l("Add a judging round")), url, tr(prize.name))
    pending = next((rnd for rnd in prize.rounds if rnd.phase != "announced"), None)
    if pending is None:
        return None  # every round announced: nothing left for this prize
    keys = {"edition_id": edition.id, "prize_id": prize.id, "round_id": pending.id}
    where = f"{tr(prize.name)} · {round_name(pending)}"
    if pending.phase == "setup":
        return Action(str(_l("Prepare this round, then open it")), _phase_url(keys), where)
    if pending.phase == "open":
        return Action(str(_l("Call under way: screening comes once it closes")), _phase_url(keys), where)
    if pending.phase == "screening":
        return Action(str(_l("No application waits to be examined")), _phase_url(keys), where)
    return Action(str(_l("Move this round on")), _phase_url(keys), where)


def _counts(db: Session, edition: Edition, prizes: list[Prize]) -> tuple[dict[int, int], dict[int, int]]:
    """Submitted applications per prize and unfinished jurors per judging round (two queries)."""
    rounds = [rnd for prize in prizes for rnd in prize.rounds]
    judging = [rnd.id for rnd in rounds if rnd.phase == "judging"]
    return submitted_per_prize(db, edition.id), unfinished_jurors_per_round(db, judging)


def _mail_action(db: Session) -> list[Action]:
    failed = given_up_count(db)
    if not failed:
        return []
    text = ngettext("%(num)d mail could not be sent", "%(num)d mails could not be sent", failed)
    return [Action(text, url_for("organizer.outbox"), urgent=True)]


def next_actions(db: Session, edition: Edition, prizes: list[Prize], now: datetime) -> list[Action]:
    """The organizers' to-do list, each item a link: applications to examine, jurors to chase,
    results to announce, mail that could not be sent (three queries whatever the data size)."""
    submitted, unfinished = _counts(db, edition, prizes)
    actions = _mail_action(db)
    for prize in prizes:
        actions += _prize_actions(edition, prize, submitted, unfinished, now)
    return actions


def _prize_stage_label(edition: Edition, stage: int | None, now: datetime) -> str | None:
    """The prize's stage in words; a prize whose final is announced awaits a ceremony still to come."""
    if stage is None:
        return None
    key = STAGES[stage]
    if _calendar_state(key, "current", edition, now) == "upcoming":
        return str(_l("Awaiting the ceremony"))
    return str(STAGE_LABELS[key])


def cockpit(db: Session, edition: Edition, prizes: list[Prize], now: datetime) -> Cockpit:
    """Everything the edition's first page shows above its setup: each prize with its own stage and
    next step (prizes need not move together), and the to-do list of the whole edition."""
    submitted, unfinished = _counts(db, edition, prizes)
    actions = _mail_action(db)
    standing = []
    for prize in prizes:
        own = _prize_actions(edition, prize, submitted, unfinished, now)
        actions += own
        stage = prize_stage(edition, prize, now)
        label = _prize_stage_label(edition, stage, now)
        step = own[0] if own else _waiting_step(edition, prize, now)
        standing.append(Standing(prize, list(prize.rounds), label, step))
    timeline = season_timeline(edition, prizes, now, first_pitch_at(db, prizes))
    return Cockpit(timeline=timeline, standing=standing, actions=actions)
