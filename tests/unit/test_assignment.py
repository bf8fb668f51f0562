"""Optimal balanced assignment: coverage first, then the most even loads; never a conflict.

The random instances are checked against two independent references: an
exhaustive search on tiny instances (the definitions, no theory) and an
integer program solved by scipy's HiGHS on small ones.
"""

import itertools
import random

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from judging.jury.engine.assignment import AppInfo, AssignmentResult, JurorInfo, Shortfall, assign

FR, EN, BOTH = frozenset({"fr"}), frozenset({"en"}), frozenset({"fr", "en"})


def naive_greedy(*, applications, jurors, per_application, conflicts, max_load):
    """Applications in order; each takes its least-loaded eligible jurors, ties by id."""
    loads = {j.id: 0 for j in jurors}
    pairs = set()
    for app in sorted(applications, key=lambda a: a.id):
        eligible = [j for j in sorted(loads) if (j, app.id) not in conflicts and loads[j] < max_load]
        for j in sorted(eligible, key=lambda j: (loads[j], j))[:per_application]:
            loads[j] += 1
            pairs.add((j, app.id))
    return pairs, loads


# -- the case the issue requires ----------------------------------------------------------------

GREEDY_TRAP = {
    "applications": [AppInfo(id=a) for a in range(101, 107)],
    "jurors": [JurorInfo(id=j) for j in (11, 12, 13, 14)],
    "per_application": 2,
    # Juror 11 works with the first two applicants, juror 14 with the last two.
    "conflicts": {(11, 101), (11, 102), (14, 105), (14, 106)},
    "max_load": 3,
}


def test_naive_greedy_leaves_an_application_short_on_the_trap():
    pairs, loads = naive_greedy(**GREEDY_TRAP)
    # 101 → 12, 13; 102 → 14, 12; 103 → 11, 13; 104 → 11, 14; 105 → 11, 12 (both at 3 now);
    # 106 can only have 13: one juror short although a full assignment exists.
    assert sorted(j for j, a in pairs if a == 106) == [13]
    assert len(pairs) == 11
    assert loads == {11: 3, 12: 3, 13: 3, 14: 2}


def test_assign_solves_the_trap_with_every_load_equal():
    result = assign(existing=set(), **GREEDY_TRAP)
    assert result.complete
    assert result.shortfalls == []
    assert result.loads == {11: 3, 12: 3, 13: 3, 14: 3}
    assert len(result.new_pairs) == 12
    for app in range(101, 107):
        assert sum(1 for _, a in result.new_pairs if a == app) == 2
    assert not set(result.new_pairs) & GREEDY_TRAP["conflicts"]
    assert result.new_pairs == sorted(result.new_pairs)


def test_earlier_choices_are_revised_along_an_augmenting_path():
    # Each application has two possible jurors and each juror room for one. Taking the first
    # free juror for 1 (10) and for 2 (20) leaves 3, which can only have 10 or 20, with nobody:
    # a complete assignment needs an earlier choice undone (1 → 30, then 3 → 10).
    conflicts = {(10, 2), (20, 1), (30, 3)}
    result = assign(
        applications=[AppInfo(id=a) for a in (1, 2, 3)],
        jurors=[JurorInfo(id=j) for j in (10, 20, 30)],
        per_application=1,
        conflicts=conflicts,
        existing=set(),
        max_load=1,
    )
    assert result.complete
    assert result.loads == {10: 1, 20: 1, 30: 1}
    assert sorted(a for _, a in result.new_pairs) == [1, 2, 3]
    assert not set(result.new_pairs) & conflicts


# -- infeasible cases are explained -------------------------------------------------------------


def test_too_few_eligible_jurors_gives_a_shortfall_with_its_reason():
    result = assign(
        applications=[AppInfo(id=7, language="en"), AppInfo(id=8, language="fr")],
        jurors=[
            JurorInfo(id=1, languages=EN),
            JurorInfo(id=2, languages=FR),
            JurorInfo(id=3, languages=BOTH),
            JurorInfo(id=4, languages=EN),
            JurorInfo(id=5, languages=FR),
        ],
        per_application=3,
        conflicts={(1, 7), (4, 8)},
        existing=set(),
        require_language=True,
    )
    assert result.shortfalls == [
        Shortfall(
            application_id=7,
            missing=1,
            eligible=2,
            conflicted=1,
            wrong_language=2,
            cap_reached=False,
            reason="only 2 eligible jurors: 1 conflicted, 2 do not read en",
        )
    ]
    assert not result.complete
    # The short application still gets everyone who can judge it.
    assert sorted(j for j, a in result.new_pairs if a == 7) == [3, 4]
    assert sorted(j for j, a in result.new_pairs if a == 8) == [2, 3, 5]


def test_load_cap_gives_shortfalls_with_their_reason():
    result = assign(
        applications=[AppInfo(id=a) for a in (1, 2, 3)],
        jurors=[JurorInfo(id=10), JurorInfo(id=20)],
        per_application=2,
        conflicts=set(),
        existing=set(),
        max_load=2,
    )
    assert result.loads == {10: 2, 20: 2}
    assert sum(s.missing for s in result.shortfalls) == 2
    assert {s.reason for s in result.shortfalls} == {"load cap of 2 reached by the eligible jurors"}
    assert all(s.cap_reached and s.eligible == 2 for s in result.shortfalls)


def test_both_causes_are_named():
    result = assign(
        applications=[AppInfo(id=1), AppInfo(id=2)],
        jurors=[JurorInfo(id=10), JurorInfo(id=20)],
        per_application=2,
        conflicts={(20, 1)},
        existing={(10, 2)},
        max_load=1,
    )
    assert result.shortfalls == [
        Shortfall(
            application_id=1,
            missing=2,
            eligible=1,
            conflicted=1,
            wrong_language=0,
            cap_reached=True,
            reason="only 1 eligible juror: 1 conflicted; load cap of 1 reached by the eligible jurors",
        ),
    ]
    assert result.new_pairs == [(20, 2)]


def test_no_jurors_at_all():
    result = assign(
        applications=[AppInfo(id=1)], jurors=[], per_application=2, conflicts=set(), existing=set()
    )
    assert result.shortfalls == [Shortfall(1, 2, 0, 0, 0, False, "only 0 eligible jurors")]
    assert result.loads == {}


# -- existing assignments, languages, determinism -----------------------------------------------


def test_existing_assignments_are_kept_and_count():
    result = assign(
        applications=[AppInfo(id=a) for a in (1, 2, 3, 4)],
        jurors=[JurorInfo(id=j) for j in (10, 20, 30, 40)],
        per_application=2,
        conflicts=set(),
        existing={(10, 1), (10, 2), (10, 3), (20, 1)},
    )
    # Application 1 is already full; 2 and 3 need one more; 4 needs two: 4 new pairs, none for 10.
    # Juror 10 keeps their three (and gets nothing more); the four new pairs go to the others,
    # as evenly as their existing loads (20 has one) allow.
    assert result.loads[10] == 3
    assert sorted(result.loads.values()) == [1, 2, 2, 3]
    assert len(result.new_pairs) == 4
    assert not {p for p in result.new_pairs if p[0] == 10}
    assert not {p for p in result.new_pairs if p[1] == 1}
    assert {a for _, a in result.new_pairs} == {2, 3, 4}


def test_existing_pairs_are_never_duplicated_and_may_exceed_the_cap():
    result = assign(
        applications=[AppInfo(id=a) for a in range(1, 6)],
        jurors=[JurorInfo(id=10), JurorInfo(id=20), JurorInfo(id=30)],
        per_application=1,
        conflicts=set(),
        existing={(10, a) for a in range(1, 5)},
        max_load=2,
    )
    assert result.new_pairs == [(20, 5)]
    assert result.loads == {10: 4, 20: 1, 30: 0}


def test_language_restriction():
    applications = [AppInfo(id=a, language="en" if a % 2 else "FR") for a in range(1, 9)]
    jurors = [
        JurorInfo(id=1, languages=EN),
        JurorInfo(id=2, languages=frozenset({"fr"})),
        JurorInfo(id=3, languages=BOTH),
        JurorInfo(id=4, languages=FR),
    ]
    result = assign(
        applications=applications,
        jurors=jurors,
        per_application=2,
        conflicts=set(),
        existing=set(),
        require_language=True,
    )
    reads = {j.id: j.languages for j in jurors}
    language = {a.id: a.language.lower() for a in applications}
    assert result.complete
    assert all(language[a] in reads[j] for j, a in result.new_pairs)
    assert result.loads == {1: 4, 2: 4, 3: 4, 4: 4}
    # Without the restriction anyone can take anything, and the loads are still even.
    free = assign(
        applications=applications, jurors=jurors, per_application=2, conflicts=set(), existing=set()
    )
    assert free.loads == {1: 4, 2: 4, 3: 4, 4: 4}


def test_application_without_language_goes_to_anyone():
    result = assign(
        applications=[AppInfo(id=1, language=None)],
        jurors=[JurorInfo(id=1, languages=frozenset())],
        per_application=1,
        conflicts=set(),
        existing=set(),
        require_language=True,
    )
    assert result.new_pairs == [(1, 1)]


def test_same_input_in_any_order_gives_the_same_result():
    rng = random.Random(11)
    applications = [AppInfo(id=a, language=rng.choice(["fr", "en"])) for a in range(60)]
    jurors = [JurorInfo(id=100 + j, languages=rng.choice([FR, EN, BOTH])) for j in range(9)]
    conflicts = [(rng.choice(jurors).id, rng.choice(applications).id) for _ in range(40)]
    existing = [(100 + a % 9, a) for a in range(0, 60, 7) if (100 + a % 9, a) not in conflicts]
    options = {"per_application": 3, "max_load": 21, "require_language": True}
    first = assign(
        applications=applications, jurors=jurors, conflicts=set(conflicts), existing=set(existing), **options
    )
    for seed in range(5):
        shuffler = random.Random(seed)
        shuffled = [list(applications), list(jurors), list(conflicts), list(existing)]
        for items in shuffled:
            shuffler.shuffle(items)
        again = assign(
            applications=shuffled[0],
            jurors=shuffled[1],
            conflicts=shuffled[2],
            existing=set(shuffled[3]),
            **options,
        )
        assert again == first
    assert isinstance(first, AssignmentResult)
    assert list(first.loads) == sorted(first.loads)


def test_bad_input_is_refused():
    apps, jurors = [AppInfo(id=1)], [JurorInfo(id=1)]
    with pytest.raises(ValueError, match="duplicate application"):
        assign(applications=apps * 2, jurors=jurors, per_application=1, conflicts=set(), existing=set())
    with pytest.raises(ValueError, match="duplicate juror"):
        assign(applications=apps, jurors=jurors * 2, per_application=1, conflicts=set(), existing=set())
    with pytest.raises(ValueError, match="unknown"):
        assign(applications=apps, jurors=jurors, per_application=1, conflicts=set(), existing={(2, 1)})
    with pytest.raises(ValueError):
        assign(applications=apps, jurors=jurors, per_application=-1, conflicts=set(), existing=set())
    # Conflicts about people outside this round are irrelevant, not an error.
    result = assign(applications=apps, jurors=jurors, per_application=1, conflicts={(9, 9)}, existing=set())
    assert result.new_pairs == [(1, 1)]


# -- random instances against independent references --------------------------------------------


def random_instance(rng, *, max_apps, max_jurors, max_per_application):
    n_apps = rng.randint(1, max_apps)
    n_jurors = rng.randint(1, max_jurors)
    app_ids = rng.sample(range(10 * n_apps), n_apps)  # ids in no particular order
    applications = [AppInfo(id=a, language=rng.choice(["fr", "en", None])) for a in app_ids]
    jurors = [JurorInfo(id=j * 7 + 3, languages=rng.choice([FR, EN, BOTH, BOTH])) for j in range(n_jurors)]
    pairs = [(j.id, a.id) for j in jurors for a in applications]
    conflicts = {p for p in pairs if rng.random() < rng.choice([0.0, 0.15, 0.4])}
    existing = {p for p in pairs if rng.random() < 0.08}
    per_application = rng.randint(0, max_per_application)
    tight = -(-n_apps * per_application // n_jurors)  # the smallest cap that could work
    return {
        "applications": applications,
        "jurors": jurors,
        "per_application": per_application,
        "conflicts": conflicts,
        "existing": existing,
        "max_load": rng.choice([None, tight, tight + 1, rng.randint(0, 2 * n_apps // n_jurors + 2)]),
        "require_language": rng.random() < 0.5,
    }


def allowed_pairs(instance):
    readers = {j.id: j.languages for j in instance["jurors"]}
    result = {}
    for app in instance["applications"]:
        result[app.id] = [
            j.id
            for j in instance["jurors"]
            if (j.id, app.id) not in instance["conflicts"]
            and (j.id, app.id) not in instance["existing"]
            and (not instance["require_language"] or app.language is None or app.language in readers[j.id])
        ]
    return result


def needs(instance):
    held = {a.id: 0 for a in instance["applications"]}
    for _, a in instance["existing"]:
        held[a] += 1
    return {a: max(0, instance["per_application"] - n) for a, n in held.items()}


def base_loads(instance):
    loads = {j.id: 0 for j in instance["jurors"]}
    for j, _ in instance["existing"]:
        loads[j] += 1
    return loads


def check_validity(instance, result):
    """Properties every result has, whatever the instance."""
    allowed, need, loads = allowed_pairs(instance), needs(instance), base_loads(instance)
    assert result.new_pairs == sorted(set(result.new_pairs))
    for j, a in result.new_pairs:
        assert j in allowed[a]  # never conflicted, never an existing pair, language respected
        loads[j] += 1
    assert result.loads == loads
    for a, n in need.items():
        assert sum(1 for _, b in result.new_pairs if b == a) <= n
    cap = instance["max_load"]
    base = base_loads(instance)
    if cap is not None:
        assert all(loads[j] <= max(cap, base[j]) for j in loads)
        assert all(loads[j] == base[j] for j in loads if base[j] >= cap)
    missing = {a: n - sum(1 for _, b in result.new_pairs if b == a) for a, n in need.items()}
    assert {s.application_id: s.missing for s in result.shortfalls} == {a: m for a, m in missing.items() if m}
    for s in result.shortfalls:
        held = {j for j, a in instance["existing"] if a == s.application_id}
        conflicted = {j for j, a in instance["conflicts"] if a == s.application_id} - held
        assert s.eligible == len(allowed[s.application_id]) + len(held)
        assert s.conflicted == len(conflicted)
        assert s.eligible + s.conflicted + s.wrong_language == len(instance["jurors"])
        assert s.cap_reached == (s.missing > instance["per_application"] - s.eligible)


def brute_force(instance):
    """Every assignment, by definition: the largest coverage; among those, the load vector sorted
    in decreasing order that is lexicographically smallest; and whether some complete assignment
    has max − min ≤ 1."""
    allowed, need, base = allowed_pairs(instance), needs(instance), base_loads(instance)
    cap = instance["max_load"]
    choices = [
        [c for k in range(min(need[a], len(allowed[a])) + 1) for c in itertools.combinations(allowed[a], k)]
        for a in sorted(need)
    ]
    best, even_exists = None, False
    for choice in itertools.product(*choices):
        loads = dict(base)
        for jurors in choice:
            for j in jurors:
                loads[j] += 1
        if cap is not None and any(loads[j] > cap for jurors in choice for j in jurors):
            continue
        coverage = sum(len(c) for c in choice)
        key = (coverage, [-load for load in sorted(loads.values(), reverse=True)])
        if best is None or key > best:
            best = key
        if coverage == sum(need.values()) and max(loads.values()) - min(loads.values()) <= 1:
            even_exists = True
    coverage, negative_loads = best
    return coverage, [-load for load in negative_loads], even_exists


def test_tiny_random_instances_match_exhaustive_search():
    rng = random.Random(20260101)
    evens = 0
    for _ in range(400):
        instance = random_instance(rng, max_apps=4, max_jurors=4, max_per_application=2)
        result = assign(**instance)
        check_validity(instance, result)
        coverage, best_loads, even_exists = brute_force(instance)
        loads = sorted(result.loads.values(), reverse=True)
        assert len(result.new_pairs) == coverage
        assert loads == best_loads
        if even_exists:
            # A complete assignment with max − min ≤ 1 exists: ours is complete and that even.
            assert result.complete
            assert max(loads) - min(loads) <= 1
            evens += 1
    assert 100 < evens < 400  # both kinds of instance were drawn


def reference_milp(instance):
    """Two integer programs: the largest coverage, then the smallest Σ load² at that coverage."""
    allowed, need, base = allowed_pairs(instance), needs(instance), base_loads(instance)
    cap = instance["max_load"]
    juror_ids = sorted(base)
    pairs = [(j, a) for a in sorted(allowed) for j in allowed[a]]
    if not pairs:
        return 0, sorted(base.values(), reverse=True)
    room = {
        j: min(sum(1 for p in pairs if p[0] == j), len(pairs) if cap is None else max(0, cap - base[j]))
        for j in juror_ids
    }
    units = [(j, k) for j in juror_ids for k in range(1, room[j] + 1)]
    n_x, n_u = len(pairs), len(units)
    rows, lower, upper = [], [], []
    for a in sorted(allowed):  # Σ_j x[j, a] ≤ need[a]
        rows.append([1.0 if p[1] == a else 0.0 for p in pairs] + [0.0] * n_u)
        lower.append(0)
        upper.append(need[a])
    for j in juror_ids:  # Σ_a x[j, a] = Σ_k u[j, k]
        rows.append([1.0 if p[0] == j else 0.0 for p in pairs] + [-1.0 if u[0] == j else 0.0 for u in units])
        lower.append(0)
        upper.append(0)
    bounds = Bounds(np.zeros(n_x + n_u), np.ones(n_x + n_u))
    integral = np.ones(n_x + n_u)
    constraint = LinearConstraint(np.array(rows), lower, upper)
    first = milp(
        -np.array([1.0] * n_x + [0.0] * n_u), constraints=constraint, bounds=bounds, integrality=integral
    )
    coverage = round(-first.fun)
    cost = np.array([0.0] * n_x + [2.0 * (base[j] + k) - 1 for j, k in units])
    second = milp(
        cost,
        constraints=[constraint, LinearConstraint(np.array([[1.0] * n_x + [0.0] * n_u]), coverage, coverage)],
        bounds=bounds,
        integrality=integral,
    )
    loads = dict(base)
    for value, (j, _) in zip(second.x[:n_x], pairs, strict=True):
        loads[j] += round(value)
    return coverage, sorted(loads.values(), reverse=True)


def test_small_random_instances_match_an_integer_program():
    rng = random.Random(4242)
    for _ in range(120):
        instance = random_instance(rng, max_apps=14, max_jurors=6, max_per_application=3)
        result = assign(**instance)
        check_validity(instance, result)
        coverage, loads = reference_milp(instance)
        assert len(result.new_pairs) == coverage
        # Square-sum minimisers are decreasingly minimal: the sorted load vectors agree exactly.
        assert sorted(result.loads.values(), reverse=True) == loads


def test_larger_random_instances_are_valid_and_even_when_uncapped():
    rng = random.Random(99)
    for _ in range(20):
        n_apps, n_jurors = rng.randint(50, 400), rng.randint(5, 40)
        applications = [AppInfo(id=a, language=rng.choice(["fr", "en"])) for a in range(n_apps)]
        jurors = [JurorInfo(id=j, languages=rng.choice([FR, EN, BOTH, BOTH])) for j in range(n_jurors)]
        conflicts = {(rng.randrange(n_jurors), rng.randrange(n_apps)) for _ in range(n_apps // 2)}
        instance = {
            "applications": applications,
            "jurors": jurors,
            "per_application": 3,
            "conflicts": conflicts,
            "existing": set(),
            "max_load": None,
            "require_language": False,
        }
        result = assign(**instance)
        check_validity(instance, result)
        # Without a cap, coverage is limited only by each application's own eligible jurors; with
        # conflicts this sparse an even spread is reachable, so the result must have it.
        allowed = allowed_pairs(instance)
        assert len(result.new_pairs) == sum(min(3, len(allowed[a.id])) for a in applications)
        assert max(result.loads.values()) - min(result.loads.values()) <= 1


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_medium_instances_with_the_tightest_cap(seed):
    # Large enough that paths move several applications at once (bulk augmentations and shifts).
    rng = random.Random(seed)
    n_apps, n_jurors = 2_000, 40
    jurors = [JurorInfo(id=j, languages=rng.choice([FR, FR, EN, BOTH, BOTH, BOTH])) for j in range(n_jurors)]
    applications = [AppInfo(id=a, language="fr" if rng.random() < 0.65 else "en") for a in range(n_apps)]
    conflicts = {(j.id, rng.randrange(n_apps)) for j in jurors for _ in range(10)}
    piled = {(a % 4, a) for a in range(0, n_apps, 5)} - conflicts  # existing work on four jurors
    for existing, max_load in [(set(), 150), (piled, None)]:
        instance = {
            "applications": applications,
            "jurors": jurors,
            "per_application": 3,
            "conflicts": conflicts,
            "existing": existing,
            "max_load": max_load,
            "require_language": True,
        }
        result = assign(**instance)
        check_validity(instance, result)
        assert result.complete
        assert max(result.loads.values()) - min(result.loads.values()) <= 1
