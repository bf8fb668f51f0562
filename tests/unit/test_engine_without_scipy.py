"""The results engine without scipy: its numpy graph code against scipy's, kept here as the oracle.

The additive method's solve and the juror–application groups used to be scipy's (``spsolve``,
``csgraph.connected_components``); they are now numpy only (a worker no longer loads scipy's 31 MiB).
scipy stays a test dependency: the functions below are the former code, compared with the engine
on random rounds of several sizes, connected and not.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from fractions import Fraction as F

import numpy as np
import pytest
from scipy import sparse
from scipy.sparse import csgraph
from scipy.sparse.linalg import spsolve

from judging.results.engine import scoring
from judging.results.engine.scoring import Component, DisconnectedGraph, Scorecard, round_results

# --- the former scipy code (the oracle) ------------------------------------------------------------


def _coded(cards: list[Scorecard]) -> tuple[list, list, np.ndarray, np.ndarray, np.ndarray]:
    """Labels in order of first appearance and each scorecard's codes and float total (as the engine)."""
    apps = list(dict.fromkeys(c.application for c in cards))
    jurors = list(dict.fromkeys(c.juror for c in cards))
    app_index = {a: i for i, a in enumerate(apps)}
    juror_index = {j: i for i, j in enumerate(jurors)}
    app_codes = np.array([app_index[c.application] for c in cards], dtype=np.intp)
    juror_codes = np.array([juror_index[c.juror] for c in cards], dtype=np.intp)
    return apps, jurors, app_codes, juror_codes, np.array([float(c.total) for c in cards])


def scipy_components(cards: list[Scorecard]) -> list[Component]:
    apps, jurors, app_codes, juror_codes, _ = _coded(cards)
    nodes = len(apps) + len(jurors)
    graph = sparse.coo_matrix(
        (np.ones(len(cards)), (app_codes, len(apps) + juror_codes)), shape=(nodes, nodes)
    ).tocsr()
    count, labels = csgraph.connected_components(graph, directed=False)
    groups: list[tuple[list, list]] = [([], []) for _ in range(count)]
    for a, label in enumerate(labels[: len(apps)]):
        groups[label][0].append(apps[a])
    for j, label in enumerate(labels[len(apps) :]):
        groups[label][1].append(jurors[j])
    components = [Component(applications=tuple(a), jurors=tuple(j)) for a, j in groups]
    components.sort(key=lambda c: len(c.applications) + len(c.jurors), reverse=True)
    return components


def scipy_additive(cards: list[Scorecard]) -> tuple[dict, dict]:
    """θ by application and β by juror, unrounded, as the engine computed them with scipy."""
    apps, jurors, app_codes, juror_codes, totals = _coded(cards)
    incidence = sparse.csr_matrix(
        (np.ones(len(cards)), (app_codes, juror_codes)), shape=(len(apps), len(jurors))
    )
    per_app = np.bincount(app_codes).astype(np.float64)
    per_juror = np.bincount(juror_codes).astype(np.float64)
    app_mean = np.bincount(app_codes, totals) / per_app
    rhs = np.bincount(juror_codes, totals - app_mean[app_codes])
    beta = np.zeros(len(jurors))
    laplacian = sparse.diags(per_juror) - incidence.T @ sparse.diags(1.0 / per_app) @ incidence
    beta[1:] = spsolve(sparse.csc_matrix(laplacian)[1:, 1:], rhs[1:])
    beta -= beta.mean()
    theta = app_mean - (incidence @ beta) / per_app
    return dict(zip(apps, theta.tolist(), strict=True)), dict(zip(jurors, beta.tolist(), strict=True))


# --- random rounds -------------------------------------------------------------------------------


def random_round(rng: np.random.Generator, *, applications: int, jurors: int, per_application: int) -> list:
    """Scorecards of ``per_application`` distinct random jurors per application, totals on a
    twentieth of a point, in a shuffled order, with labels that do not sort like their codes."""
    cards = []
    for a in rng.permutation(applications):
        for j in rng.choice(jurors, size=min(per_application, jurors), replace=False):
            cards.append(
                Scorecard(
                    application=f"A{a * 7919 % 100003:06d}",
                    juror=f"j{j * 7907 % 100003}",
                    total=F(int(rng.integers(0, 2001)), 20),
                )
            )
    return [cards[i] for i in rng.permutation(len(cards))]


def chain_round(jurors: int) -> list[Scorecard]:
    """Juror i scores applications i and i + 1: one group, as long and as badly conditioned as it gets."""
    cards = [
        Scorecard(application=f"A{a:05d}", juror=f"J{j:05d}", total=F((37 * a + 11 * j) % 101))
        for j in range(jurors)
        for a in (j, j + 1)
    ]
    return cards[::-1]  # the last juror first: the group's smallest node is at the far end


def separate_groups(rng: np.random.Generator, sizes: list[tuple[int, int, int]]) -> list[Scorecard]:
    """One random round per (applications, jurors, per application), the rounds sharing nobody."""
    cards = []
    for g, (applications, jurors, per_application) in enumerate(sizes):
        cards += [
            Scorecard(application=f"{c.application}-g{g}", juror=f"{c.juror}-g{g}", total=c.total)
            for c in random_round(
                rng, applications=applications, jurors=jurors, per_application=per_application
            )
        ]
    return [cards[i] for i in rng.permutation(len(cards))]


def assert_rounded_like(engine: dict, oracle: dict, *, near: float) -> None:
    """Each engine value is the oracle's rounded to 9 decimals; where the oracle lies within
    ``near`` of a rounding midpoint, the two solvers may round apart by one unit of the 9th decimal."""
    assert engine.keys() == oracle.keys()
    for key, value in oracle.items():
        expected = round(value, scoring.FLOAT_DECIMALS) + 0.0
        midpoint_distance = abs(abs(value * 1e9) % 1 - 0.5) * 1e-9
        if midpoint_distance > near:
            assert engine[key] == expected, key
        else:
            assert engine[key] == pytest.approx(expected, abs=1.001e-9), key


# --- the tests -----------------------------------------------------------------------------------

CONNECTED_SHAPES = [
    pytest.param(30, 5, 3, id="demo preselection: 30 applications, 5 jurors"),
    pytest.param(3, 12, 12, id="a final: 3 applications, every one of 12 jurors"),
    pytest.param(600, 40, 3, id="600 applications, 40 jurors"),
    pytest.param(5000, 50, 3, id="a 20,000 edition's round: 5,000 applications, 50 jurors"),
    pytest.param(3000, 400, 4, id="3,000 applications, 400 jurors"),
]


#: The additive solve is conjugate gradients on the very matrix scipy factorised (its entries) or,
#: above a number of juror pairs, on the scorecards; PAIRED_SOLVE_MAX_PAIRS chooses which.
SOLVERS = {"matrix entries": 10**9, "scorecards": 0}


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize(("applications", "jurors", "per_application"), CONNECTED_SHAPES)
def test_additive_gives_scipys_rounded_scores_and_offsets(
    monkeypatch, solver, applications, jurors, per_application
):
    monkeypatch.setattr(scoring, "PAIRED_SOLVE_MAX_PAIRS", SOLVERS[solver])
    rng = np.random.default_rng(applications * 1000 + jurors)
    cards = random_round(rng, applications=applications, jurors=jurors, per_application=per_application)
    assert len(scipy_components(cards)) == 1
    theta, beta = scipy_additive(cards)

    result = round_results(method="additive", scorecards=cards)

    # Both solvers land within 1e-12 of scipy's unrounded values (3e-13 at most, measured).
    assert_rounded_like({row.application: row.score for row in result.rows}, theta, near=1e-12)
    assert_rounded_like(result.juror_offsets, beta, near=1e-12)
    assert sum(result.juror_offsets.values()) == pytest.approx(0, abs=1e-6)


@pytest.mark.parametrize("solver", SOLVERS)
def test_additive_on_a_chain_of_jurors_agrees_with_scipy(monkeypatch, solver):
    # The worst conditioned connected round (about one conjugate gradient step per juror): every
    # solver, scipy's included, is then only good to about 1e-11.
    monkeypatch.setattr(scoring, "PAIRED_SOLVE_MAX_PAIRS", SOLVERS[solver])
    cards = chain_round(300)
    theta, beta = scipy_additive(cards)

    result = round_results(method="additive", scorecards=cards)

    assert_rounded_like({row.application: row.score for row in result.rows}, theta, near=1e-10)
    assert_rounded_like(result.juror_offsets, beta, near=1e-10)


@pytest.mark.parametrize(
    "sizes",
    [
        pytest.param([(5, 2, 1), (3, 1, 1)], id="two small groups"),
        pytest.param(
            [(40, 6, 2), (40, 6, 2), (1, 1, 1), (12, 3, 3), (1, 2, 2)], id="five groups, equal sizes"
        ),
        pytest.param(
            [(2000, 30, 3), (800, 10, 3), (800, 10, 3), (3, 9, 9)] + [(1, 1, 1)] * 20, id="24 groups"
        ),
        pytest.param([(1, 1, 1)] * 300, id="300 single scorecards"),
    ],
)
def test_groups_are_scipys_in_the_same_order(sizes):
    rng = np.random.default_rng(len(sizes))
    cards = separate_groups(rng, sizes)
    expected = scipy_components(cards)
    assert len(expected) >= len(sizes)  # a group of one juror per application may split further

    assert scoring.connected_components(scorecards=cards) == expected
    with pytest.raises(DisconnectedGraph) as refused:
        round_results(method="additive", scorecards=cards)
    assert list(refused.value.components) == expected


def test_a_long_chain_is_one_group():
    cards = chain_round(3000)
    [group] = scoring.connected_components(scorecards=cards)
    assert group == scipy_components(cards)[0]
    assert len(group.applications) == 3001 and len(group.jurors) == 3000


def test_neither_the_app_nor_the_results_engine_loads_scipy(tmp_path):
    program = textwrap.dedent(
        f"""
        import sys
        from fractions import Fraction
        import judging
        from judging.results.engine import scoring

        judging.create_app({{"DATABASE_URL": "sqlite:///{tmp_path}/app.sqlite",
                             "PUBLIC_URL": "http://localhost", "SECRET_KEY": "test", "MAIL_SERVER": ""}})
        cards = [scoring.Scorecard(application=a, juror=j, total=Fraction(t))
                 for a, j, t in [("A", "J1", 70), ("B", "J1", 60), ("A", "J2", 80), ("C", "J3", 50)]]
        print(scoring.connected_components(scorecards=cards))
        print(scoring.round_rankings(methods=scoring.METHODS, scorecards=cards[:3]))
        print(sorted(name for name in sys.modules if name.split(".")[0] == "scipy"))
        """
    )
    ran = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    assert ran.stdout.splitlines()[-1] == "[]"
