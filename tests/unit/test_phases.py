"""The pure phase rules: allowed transitions and what each role may do in each phase."""

from __future__ import annotations

import pytest

from judging.editions.models import PHASES as MODEL_PHASES
from judging.results.engine import phases as rules


def test_the_phases_are_the_models():
    assert rules.PHASES == MODEL_PHASES


@pytest.mark.parametrize(
    ("current", "allowed"),
    [
        ("setup", ("open", "screening", "judging")),
        ("open", ("setup", "screening", "judging")),
        ("screening", ("open", "judging")),
        ("judging", ("screening", "deliberation")),
        ("deliberation", ("judging",)),
        ("decided", ("judging", "deliberation")),
        ("announced", ("judging", "deliberation", "decided")),
    ],
)
def test_allowed_transitions_by_hand(current, allowed):
    assert rules.allowed_transitions(current) == allowed


def test_decided_and_announced_come_only_through_a_decision():
    assert rules.allowed_transitions("deliberation", through_decision=True) == ("judging", "decided")
    assert rules.allowed_transitions("decided", through_decision=True) == (
        "judging",
        "deliberation",
        "announced",
    )
    assert not rules.transition_allowed("deliberation", "decided")
    assert not rules.transition_allowed("decided", "announced")
    # never skipping the decision, never jumping past deliberation
    assert not rules.transition_allowed("judging", "decided", through_decision=True)
    assert not rules.transition_allowed("deliberation", "announced", through_decision=True)
    assert not rules.transition_allowed("setup", "deliberation")


def test_reopening_needs_a_reason():
    assert rules.is_reopening("announced", "judging")
    assert rules.is_reopening("decided", "deliberation")
    assert rules.is_reopening("deliberation", "judging")
    assert rules.needs_reason("announced", "decided")
    assert not rules.is_reopening("judging", "screening")
    assert not rules.is_reopening("judging", "deliberation")
    assert not rules.needs_reason("open", "setup")
    # a reopening never goes back before judging
    assert not rules.transition_allowed("announced", "screening")
    assert not rules.transition_allowed("deliberation", "open")


def test_no_transition_to_the_same_phase_or_an_unknown_one():
    for phase in rules.PHASES:
        assert not rules.transition_allowed(phase, phase)
    with pytest.raises(ValueError, match="unknown phase 'voting'"):
        rules.transition_allowed("judging", "voting")


def test_scorecards_change_only_during_judging():
    assert [p for p in rules.PHASES if rules.can_edit_scorecard(p)] == ["judging"]


def test_method_and_tie_break_are_locked_once_judging_opened():
    assert [p for p in rules.PHASES if rules.can_change_method(p)] == ["setup", "open", "screening"]
    assert [p for p in rules.PHASES if rules.can_change_tie_break(p)] == ["setup", "open", "screening"]
    with pytest.raises(ValueError):
        rules.can_change_method("later")


def test_who_sees_rankings_scores_and_snapshots():
    def visible(predicate, role):
        return [p for p in rules.PHASES if predicate(role, p)]

    after = ["deliberation", "decided", "announced"]
    for predicate in (rules.can_see_rankings, rules.can_see_all_scores, rules.can_see_snapshot):
        assert visible(predicate, rules.ORGANIZER) == ["judging", *after]
        assert visible(predicate, rules.CHAIR) == after
        assert visible(predicate, rules.JUROR) == []
        assert visible(predicate, rules.CANDIDATE) == []
        assert visible(predicate, rules.PUBLIC) == []
    with pytest.raises(ValueError, match="unknown role"):
        rules.can_see_rankings("sponsor", "announced")


def test_candidates_learn_their_outcome_only_when_announced():
    assert [p for p in rules.PHASES if rules.can_see_own_outcome(rules.CANDIDATE, p)] == ["announced"]
    assert [p for p in rules.PHASES if rules.can_see_own_outcome(rules.JUROR, p)] == []
    assert all(rules.can_see_own_outcome(rules.ORGANIZER, p) for p in rules.PHASES)


def test_decision_steps_by_phase():
    assert [p for p in rules.PHASES if rules.can_select_finalists(p)] == ["deliberation", "decided"]
    assert [p for p in rules.PHASES if rules.can_record_winner(p)] == ["deliberation", "decided"]
    assert [p for p in rules.PHASES if rules.can_announce(p)] == ["decided"]
    assert [p for p in rules.PHASES if rules.can_set_pitch_order(p)] == [
        "setup",
        "open",
        "screening",
        "judging",
    ]
