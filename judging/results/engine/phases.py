"""What each role may do in each phase of a round, and which phase transitions are allowed.

Pure functions over plain strings: no Flask, no database. The phases of a round are
``setup → open → screening → judging → deliberation → decided → announced``; every
transition is an organizer action, logged by ``services.phases``. The rules:

- Before judging (setup, open, screening) the organizer may move forward to any of these
  phases or to ``judging`` (a final round has no application phase), or one step back.
- ``judging → deliberation`` closes judging: scorecards are locked from then on.
- Moving forward to ``decided`` or ``announced`` happens only through a decision:
  selecting the finalists or recording the winner gives ``decided``; announcing (which
  freezes the results in a snapshot) gives ``announced``.
- Going back from ``deliberation``, ``decided`` or ``announced`` is a *reopening*: it needs
  a written reason, and it invalidates the round's frozen snapshot.

Roles: :data:`ORGANIZER`, :data:`CHAIR` (the jury chair of the round), :data:`JUROR`,
:data:`CANDIDATE`, :data:`PUBLIC`. Jurors and candidates never see a ranking, other jurors'
scores or a snapshot; the jury chair sees the deliberation view once judging is closed.
"""

from __future__ import annotations

PHASES = ("setup", "open", "screening", "judging", "deliberation", "decided", "announced")

ORGANIZER = "organizer"
CHAIR = "chair"
JUROR = "juror"
CANDIDATE = "candidate"
PUBLIC = "public"
ROLES = (ORGANIZER, CHAIR, JUROR, CANDIDATE, PUBLIC)

#: Phases before judging: the round's method, tie-break chain and rubric may still change.
BEFORE_JUDGING = ("setup", "open", "screening")
#: Phases in which judging has opened: method, tie-break chain and rubric scales are locked.
JUDGING_OPENED = ("judging", "deliberation", "decided", "announced")
#: Phases after judging closed: scorecards are locked, results can be discussed and decided.
AFTER_JUDGING = ("deliberation", "decided", "announced")
#: Phases reached only through a decision (finalist selection, winner) or an announcement.
DECISION_PHASES = {"decided": "decide", "announced": "announce"}


def _index(phase: str) -> int:
    if phase not in PHASES:
        raise ValueError(f"unknown phase {phase!r} (expected one of {', '.join(PHASES)})")
    return PHASES.index(phase)


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r} (expected one of {', '.join(ROLES)})")


# --- transitions ---------------------------------------------------------------------------------------


def is_reopening(current: str, target: str) -> bool:
    """A move back out of deliberation, decided or announced: reason required, snapshot invalidated."""
    return _index(target) < _index(current) and current in AFTER_JUDGING


def transition_allowed(current: str, target: str, *, through_decision: bool = False) -> bool:
    """Whether an organizer may move a round from ``current`` to ``target``.

    ``through_decision`` is True when the move is made by a decision service (finalist
    selection or winner → ``decided``; announcement → ``announced``): those two phases
    cannot be reached by a bare phase change.
    """
    i, j = _index(current), _index(target)
    if i == j:
        return False
    if target in DECISION_PHASES and not through_decision and j > i:
        return False
    if j < i:  # backwards
        if current in BEFORE_JUDGING or current == "judging":
            return j == i - 1
        # a reopening: back to judging, deliberation or decided, never before judging
        return target in ("judging", "deliberation", "decided")
    # forwards
    if current in BEFORE_JUDGING:
        return target in (*BEFORE_JUDGING, "judging")
    if current == "judging":
        return target == "deliberation"
    if current == "deliberation":
        return target == "decided"
    if current == "decided":
        return target == "announced"
    return False


def allowed_transitions(current: str, *, through_decision: bool = False) -> tuple[str, ...]:
    """The phases an organizer may move a round to from ``current``, in phase order."""
    return tuple(p for p in PHASES if transition_allowed(current, p, through_decision=through_decision))


def needs_reason(current: str, target: str) -> bool:
    """A written reason is required to reopen a round (see :func:`is_reopening`)."""
    return is_reopening(current, target)


# --- what each role may do -----------------------------------------------------------------------------


def can_edit_scorecard(phase: str) -> bool:
    """Jurors may save and submit scorecards only while the round is in ``judging``."""
    return _index(phase) == PHASES.index("judging")


def can_change_method(phase: str) -> bool:
    """The aggregation method is chosen before judging opens, then locked."""
    _index(phase)
    return phase in BEFORE_JUDGING


def can_change_tie_break(phase: str) -> bool:
    """The tie-break chain is declared before judging opens, then locked."""
    _index(phase)
    return phase in BEFORE_JUDGING


def can_see_rankings(role: str, phase: str) -> bool:
    """Rankings: organizers at any time once judging opened; the jury chair after judging closed."""
    _check_role(role)
    if role == ORGANIZER:
        return phase in JUDGING_OPENED
    if role == CHAIR:
        return phase in AFTER_JUDGING
    return False


def can_see_all_scores(role: str, phase: str) -> bool:
    """Every juror's scores (the deliberation view): organizers, and the jury chair after judging closed."""
    return can_see_rankings(role, phase)


def can_see_snapshot(role: str, phase: str) -> bool:
    """A frozen snapshot: organizers, and the jury chair after judging closed. Never jurors or candidates."""
    return can_see_rankings(role, phase)


def can_see_own_outcome(role: str, phase: str) -> bool:
    """A candidate learns whether they are a finalist only once the round is announced."""
    _check_role(role)
    if role == ORGANIZER:
        return True
    return role == CANDIDATE and phase == "announced"


def can_select_finalists(phase: str) -> bool:
    """Finalists are selected after judging closed and before the announcement."""
    return phase in ("deliberation", "decided")


def can_record_winner(phase: str) -> bool:
    """The winner and the mentions are recorded after judging closed and before the announcement."""
    return phase in ("deliberation", "decided")


def can_announce(phase: str) -> bool:
    """Announcing (freeze, decisions, mail) follows the decision."""
    return phase == "decided"


def can_set_pitch_order(phase: str) -> bool:
    """The final's pitch order can be set until judging closes."""
    return phase in (*BEFORE_JUDGING, "judging")
