"""Optimal balanced assignment of jurors to applications.

Pure Python (plus numpy): no Flask, no session; plain values in, plain values out.

The problem is a minimum convex-cost flow::

    source ──need(a)──▶ application a ──1──▶ juror j ──cap(j)──▶ sink
                                       (allowed pairs only)

* ``need(a)`` is ``per_application`` minus the jurors ``a`` already has;
* an edge ``a → j`` exists when ``j`` is not conflicted with ``a``, is not
  already assigned to ``a`` and (optionally) reads ``a``'s language;
* ``cap(j)`` is ``max_load`` minus ``j``'s existing load (unbounded without
  ``max_load``); the ``k``-th unit on ``j → sink`` costs ``2·L − 1`` where
  ``L`` is ``j``'s total load after it, so a flow's cost is ``Σ load²`` (up to
  a constant), a separable convex function of the loads.

The objective is lexicographic: first the largest number of (application,
juror) pairs, then the smallest ``Σ load²``. Minimising the square sum over
the (M-convex) set of load vectors that a maximum flow can reach yields the
*decreasingly minimal* load vector (Frank & Murota, "Discrete decreasing
minimization", 2022): the maximum load is as small as possible, then as few
jurors as possible carry it, and so on; the minimum load is at the same time
as large as possible, so the largest and smallest loads differ by at most one
whenever any full assignment achieves that.

How it is solved, and why not a general min-cost-flow library: at the target
size (25,000 applications × 300 jurors, 7.5 million allowed pairs) networkx's
network simplex would take hours (80 s already for 2,500 × 300), and one
scipy ``maximum_flow`` call takes about 3 s without any balancing. Jurors are
few, so the solver works on the residual graph *contracted onto the jurors*:
``T[j, j']`` counts the applications that ``j`` holds and could hand to
``j'``. A shortest path in that small ``J × J`` graph is always realisable by
distinct applications (a repeated application would give a shortcut), so:

1. a warm start places each application on its least-loaded allowed jurors
   (most constrained applications first); it is only a starting point;
2. coverage: a breadth-first search from every juror that some short
   application could take finds an augmenting path (the application takes
   that juror, who hands one of their applications on, ... to a juror under
   the cap); when none exists the flow is maximum and the remaining
   shortfalls are unavoidable;
3. balance: while some juror with load ``L`` can pass work along a path to a
   juror with load ``≤ L − 2`` under the cap, shift it (several units at once
   along the same path when possible). Each shift strictly lowers
   ``Σ load²``; when no such path exists the residual graph has no negative
   cycle, which is the optimality certificate of a min-cost flow.

Every step works on indices of the applications and jurors sorted by id and
breaks ties by index, so the same input gives the same output whatever the
order of the lists and sets passed in.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable
from dataclasses import dataclass

import numpy as np

Pair = tuple[int, int]
"""A ``(juror_id, application_id)`` pair."""


@dataclass(frozen=True, slots=True)
class AppInfo:
    """An application to assign: its id and the language it is written in (``None``: any)."""

    id: int
    language: str | None = None


@dataclass(frozen=True, slots=True)
class JurorInfo:
    """A juror of the round: their id and the languages they read (``"fr"``, ``"en"`` ...)."""

    id: int
    languages: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Shortfall:
    """An application that cannot get ``per_application`` jurors, and why.

    ``eligible + conflicted + wrong_language`` is the size of the jury:
    ``eligible`` counts the jurors already assigned plus those who could be;
    ``cap_reached`` is true when eligible jurors exist but are all at the load
    cap. ``reason`` says it in English; the web layer can build its own
    translated sentence from the counts.
    """

    application_id: int
    missing: int
    eligible: int
    conflicted: int
    wrong_language: int
    cap_reached: bool
    reason: str


@dataclass(frozen=True, slots=True)
class AssignmentResult:
    """The outcome of :func:`assign`.

    ``new_pairs``: the ``(juror_id, application_id)`` pairs to create, sorted;
    ``loads``: every juror's total load (existing plus new), by juror id;
    ``shortfalls``: the applications left short, sorted by application id.
    """

    new_pairs: list[Pair]
    loads: dict[int, int]
    shortfalls: list[Shortfall]

    @property
    def complete(self) -> bool:
        """True when every application has its ``per_application`` jurors."""
        return not self.shortfalls


def assign(
    *,
    applications: Collection[AppInfo],
    jurors: Collection[JurorInfo],
    per_application: int,
    conflicts: Collection[Pair],
    existing: Collection[Pair],
    max_load: int | None = None,
    require_language: bool = False,
) -> AssignmentResult:
    """Give each application ``per_application`` jurors with the most even workloads.

    ``conflicts`` and ``existing`` are ``(juror_id, application_id)`` pairs.
    A conflicted pair is never created. Existing pairs are kept as they are
    (pass only those that should count: a recused scorecard should not) and
    count toward the loads and toward each application's jurors. Conflicts on
    unknown ids are ignored; existing pairs on unknown ids raise
    ``ValueError``, since their load could not be counted.

    ``max_load`` caps a juror's total load (existing included); with
    ``require_language`` a juror is only given applications whose language
    they read (compared case-insensitively; an application without a
    language can go to anyone).

    Guarantees: the number of pairs is the largest possible; among
    assignments with that many pairs, the loads are decreasingly minimal (the
    largest load is as small as possible, then as few jurors as possible
    carry it ...), so ``max(loads) − min(loads) ≤ 1`` whenever some complete
    assignment allows it. When an application cannot be completed it is
    listed in ``shortfalls`` with the reason. The result depends only on the
    content of the arguments, not on their order.
    """
    if per_application < 0:
        raise ValueError("per_application must be >= 0")
    if max_load is not None and max_load < 0:
        raise ValueError("max_load must be >= 0")
    problem = _Problem.build(applications, jurors, conflicts, existing, require_language)
    need = [max(0, per_application - len(held)) for held in problem.existing_of]
    base_load = np.zeros(len(problem.jury), dtype=np.int64)
    for held in problem.existing_of:
        for j in held:
            base_load[j] += 1
    unbounded = int(base_load.sum()) + sum(need) + 1
    cap = np.full(len(problem.jury), unbounded if max_load is None else max_load, dtype=np.int64)

    solver = _Solver(
        readable=problem.readable,
        group=problem.group,
        excluded=problem.excluded(),
        need=need,
        load=base_load,
        cap=cap,
    )
    solver.solve()

    jury, apps = problem.jury, problem.apps
    new_pairs = sorted((jury[j].id, apps[a].id) for a in range(len(apps)) for j in solver.new[a])
    loads = {juror.id: int(solver.load[j]) for j, juror in enumerate(jury)}
    shortfalls = [
        problem.shortfall(a, missing, per_application=per_application, max_load=max_load)
        for a in range(len(apps))
        if (missing := need[a] - len(solver.new[a])) > 0
    ]
    return AssignmentResult(new_pairs=new_pairs, loads=loads, shortfalls=shortfalls)


@dataclass(frozen=True, slots=True)
class _Problem:
    """The input of :func:`assign` as indices: applications and jurors sorted by id.

    ``existing_of[a]`` and ``conflicted_of[a]`` are the juror indices already
    on, or in conflict with, application ``a``; ``readable[g, j]`` says whether
    juror ``j`` reads language group ``g`` and ``group[a]`` is ``a``'s group
    (a single all-true group without ``require_language``).
    """

    apps: list[AppInfo]
    jury: list[JurorInfo]
    existing_of: list[set[int]]
    conflicted_of: list[set[int]]
    readable: np.ndarray
    group: np.ndarray

    @classmethod
    def build(
        cls,
        applications: Collection[AppInfo],
        jurors: Collection[JurorInfo],
        conflicts: Collection[Pair],
        existing: Collection[Pair],
        require_language: bool,
    ) -> _Problem:
        apps = sorted(applications, key=lambda app: app.id)
        jury = sorted(jurors, key=lambda juror: juror.id)
        app_index = _index([app.id for app in apps], "application")
        juror_index = _index([juror.id for juror in jury], "juror")
        existing_of: list[set[int]] = [set() for _ in apps]
        for juror_id, app_id in existing:
            if juror_id not in juror_index or app_id not in app_index:
                raise ValueError(
                    f"existing pair ({juror_id!r}, {app_id!r}) names an unknown juror or application"
                )
            existing_of[app_index[app_id]].add(juror_index[juror_id])
        conflicted_of: list[set[int]] = [set() for _ in apps]
        for juror_id, app_id in conflicts:
            if juror_id in juror_index and app_id in app_index:
                conflicted_of[app_index[app_id]].add(juror_index[juror_id])
        readable, group = _language_groups(apps, jury, require_language)
        return cls(apps, jury, existing_of, conflicted_of, readable, group)

    def excluded(self) -> list[frozenset[int]]:
        """Per application, the jurors who read it but may not be given it (conflicted or already on it)."""
        empty: frozenset[int] = frozenset()
        excluded: list[frozenset[int]] = []
        for a in range(len(self.apps)):
            row = self.readable[self.group[a]]
            out = {j for j in self.conflicted_of[a] | self.existing_of[a] if row[j]}
            excluded.append(frozenset(out) if out else empty)
        return excluded

    def shortfall(self, a: int, missing: int, *, per_application: int, max_load: int | None) -> Shortfall:
        """Why application ``a`` is left ``missing`` jurors short."""
        conflicted = len(self.conflicted_of[a] - self.existing_of[a])
        row = self.readable[self.group[a]]
        unread = int((~row).sum())
        wrong_language = unread - sum(1 for j in self.conflicted_of[a] | self.existing_of[a] if not row[j])
        eligible = len(self.jury) - conflicted - wrong_language
        cap_reached = per_application - eligible < missing
        reason = _reason(
            eligible=eligible,
            conflicted=conflicted,
            wrong_language=wrong_language,
            language=self.apps[a].language,
            per_application=per_application,
            cap_reached=cap_reached,
            max_load=max_load,
        )
        return Shortfall(self.apps[a].id, missing, eligible, conflicted, wrong_language, cap_reached, reason)


def _language_groups(
    apps: list[AppInfo], jury: list[JurorInfo], require_language: bool
) -> tuple[np.ndarray, np.ndarray]:
    """``(readable, group)``: one row of "who may read it" per distinct application language.

    Without ``require_language`` there is a single group that everyone reads.
    """
    if require_language:
        keys = [app.language.casefold() if app.language else None for app in apps]
        reads = [{lang.casefold() for lang in juror.languages} for juror in jury]
    else:
        keys = [None] * len(apps)
        reads = []
    group_keys = sorted(set(keys), key=lambda key: (key is not None, key or ""))
    group_of_key = {key: g for g, key in enumerate(group_keys)}
    readable = np.ones((max(len(group_keys), 1), len(jury)), dtype=bool)
    for g, key in enumerate(group_keys):
        if key is not None:
            readable[g] = [key in langs for langs in reads]
    group = np.array([group_of_key[key] for key in keys], dtype=np.int64)
    return readable, group


def _index(ids: list[Hashable], what: str) -> dict[Hashable, int]:
    index = {value: i for i, value in enumerate(ids)}
    if len(index) != len(ids):
        raise ValueError(f"duplicate {what} id")
    return index


def _plural(count: int, singular: str, plural: str) -> str:
    return f"{count} {singular if count == 1 else plural}"


def _reason(
    *,
    eligible: int,
    conflicted: int,
    wrong_language: int,
    language: str | None,
    per_application: int,
    cap_reached: bool,
    max_load: int | None,
) -> str:
    """``only 2 eligible jurors: 3 conflicted, 1 does not read en`` / ``load cap of 3 reached``."""
    parts = []
    if eligible < per_application:
        causes = []
        if conflicted:
            causes.append(f"{conflicted} conflicted")
        if wrong_language:
            verb = "does not" if wrong_language == 1 else "do not"
            causes.append(f"{wrong_language} {verb} read {language}")
        text = f"only {_plural(eligible, 'eligible juror', 'eligible jurors')}"
        if causes:
            text += ": " + ", ".join(causes)
        parts.append(text)
    if cap_reached:
        parts.append(f"load cap of {max_load} reached by the eligible jurors")
    return "; ".join(parts)


class _Solver:
    """Convex-cost flow on the residual graph contracted onto the jurors (see the module docstring).

    Applications and jurors are indices. ``new[a]`` holds the jurors given to
    application ``a``; ``T[j, k]`` counts the applications ``a`` with ``j`` in
    ``new[a]`` and ``k`` allowed for ``a`` but not in ``new[a]`` (the residual
    capacity of the contracted edge ``j → k``).
    """

    def __init__(
        self,
        *,
        readable: np.ndarray,
        group: np.ndarray,
        excluded: list[frozenset[int]],
        need: list[int],
        load: np.ndarray,
        cap: np.ndarray,
    ) -> None:
        self.readable = readable
        self.readable_int = readable.astype(np.int64)
        self.group = group
        self.excluded = excluded
        self.need = need
        self.base = load.copy()
        self.load = load.copy()
        self.cap = cap
        self.n_jurors = readable.shape[1]
        self.new: list[set[int]] = [set() for _ in need]
        self.by_juror: list[set[int]] = [set() for _ in range(self.n_jurors)]
        self.T = np.zeros((self.n_jurors, self.n_jurors), dtype=np.int64)

    def solve(self) -> None:
        if self.n_jurors == 0 or not any(self.need):
            return
        self._warm_start()
        self._build_transfer_counts()
        self._complete_coverage()
        self._balance()

    # -- helpers -------------------------------------------------------------------------------

    def _allowed_row(self, a: int) -> np.ndarray:
        row = self.readable[self.group[a]].copy()
        if self.excluded[a]:
            row[list(self.excluded[a])] = False
        return row

    def _allowed(self, a: int, j: int) -> bool:
        return bool(self.readable[self.group[a], j]) and j not in self.excluded[a]

    def _contribution(self, a: int, sign: int) -> None:
        """Add (``sign=1``) or remove (``-1``) application ``a``'s terms in ``T``."""
        held = list(self.new[a])
        if not held:
            return
        row = self.readable_int[self.group[a]].copy()
        if self.excluded[a]:
            row[list(self.excluded[a])] = 0
        row[held] = 0
        if sign > 0:
            self.T[held] += row
        else:
            self.T[held] -= row

    def _move(self, a: int, *, drop: int | None, take: int | None) -> None:
        """Application ``a`` loses juror ``drop`` and/or gains juror ``take``; ``T`` follows."""
        self._contribution(a, -1)
        if drop is not None:
            self.new[a].remove(drop)
            self.by_juror[drop].discard(a)
            self.load[drop] -= 1
        if take is not None:
            self.new[a].add(take)
            self.by_juror[take].add(a)
            self.load[take] += 1
        self._contribution(a, +1)

    def _witnesses(self, giver: int, taker: int, count: int) -> list[int]:
        """The ``count`` lowest applications held by ``giver`` that could go to ``taker``."""
        found = []
        for a in sorted(self.by_juror[giver]):
            if taker not in self.new[a] and self._allowed(a, taker):
                found.append(a)
                if len(found) == count:
                    return found
        raise AssertionError("transfer counts out of step with the assignment")  # pragma: no cover

    def _shortest_path(
        self,
        adjacency: np.ndarray,
        sources: np.ndarray,
        targets: np.ndarray,
        blocked: np.ndarray | None = None,
    ) -> tuple[list[int] | None, np.ndarray]:
        """Breadth-first search over jurors; returns (path or None, jurors visited).

        Among the targets reached at the smallest distance, the one with the
        lowest load (then index) is chosen; each juror's predecessor is the
        lowest-index juror of the previous layer, so the path is deterministic.
        """
        visited = sources.copy()
        if blocked is not None:
            visited |= blocked
        parent = np.full(self.n_jurors, -1, dtype=np.int64)
        frontier = np.flatnonzero(sources)
        while frontier.size:
            hits = frontier[targets[frontier]]
            if hits.size:
                end = int(hits[np.lexsort((hits, self.load[hits]))[0]])
                path = [end]
                while parent[path[-1]] >= 0:
                    path.append(int(parent[path[-1]]))
                return path[::-1], visited
            layer = adjacency[frontier]
            reached = np.flatnonzero(layer.any(axis=0) & ~visited)
            if reached.size:
                parent[reached] = frontier[layer[:, reached].argmax(axis=0)]
                visited[reached] = True
            frontier = reached
        return None, visited

    # -- phases --------------------------------------------------------------------------------

    def _warm_start(self) -> None:
        """A starting point: most constrained applications first, each on its least-loaded jurors."""
        sizes = self.readable.sum(axis=1)
        order = sorted(
            (a for a, n in enumerate(self.need) if n > 0),
            key=lambda a: (int(sizes[self.group[a]]) - len(self.excluded[a]), a),
        )
        for a in order:
            candidates = np.flatnonzero(self._allowed_row(a) & (self.load < self.cap))
            if candidates.size > self.need[a]:
                candidates = candidates[np.argsort(self.load[candidates], kind="stable")[: self.need[a]]]
            for j in candidates.tolist():
                self.new[a].add(j)
                self.by_juror[j].add(a)
                self.load[j] += 1

    def _build_transfer_counts(self) -> None:
        """``T = Σ_a held(a)ᵀ · (allowed(a) − held(a))``, by language group plus sparse corrections."""
        n = self.n_jurors
        per_group = np.zeros((self.readable.shape[0], n), dtype=np.int64)
        rows: list[int] = []
        cols: list[int] = []
        for a, held in enumerate(self.new):
            if not held:
                continue
            g = self.group[a]
            off = list(held) + list(self.excluded[a])
            for j in held:
                per_group[g, j] += 1
                rows.extend([j] * len(off))
                cols.extend(off)
        self.T = per_group.T @ self.readable_int
        if rows:
            flat = np.asarray(rows, dtype=np.int64) * n + np.asarray(cols, dtype=np.int64)
            self.T -= np.bincount(flat, minlength=n * n).reshape(n, n)

    def _complete_coverage(self) -> None:
        """Augment along shortest paths until no short application can gain a juror (maximum flow).

        The search starts from every juror some short application could take,
        so a failed search proves the flow maximum. Along a path ``j0 → … →
        jk`` several units move at once: as many short applications as can take
        ``j0`` (lowest index first), bounded by the path's transfer counts and
        the room left under ``jk``'s cap. Receivers and handed-on applications
        are all distinct: an application used twice would give a shorter path.
        """
        short = [a for a, need in enumerate(self.need) if len(self.new[a]) < need]
        if not short:
            return
        # wants[i, j]: short application short[i] could take juror j.
        wants = np.zeros((len(short), self.n_jurors), dtype=bool)
        for i, a in enumerate(short):
            wants[i] = self._allowed_row(a)
            if self.new[a]:
                wants[i, list(self.new[a])] = False
        wanted = wants.sum(axis=0)
        while True:
            path, _ = self._shortest_path(self.T > 0, wanted > 0, self.load < self.cap)
            if path is None:
                return
            first, last = path[0], path[-1]
            steps = list(zip(path, path[1:], strict=False))
            units = min(int(wanted[first]), int(self.cap[last] - self.load[last]))
            if steps:
                units = min(units, min(int(self.T[u, v]) for u, v in steps))
            rows = np.flatnonzero(wants[:, first])[:units].tolist()
            handed = [(b, u, v) for u, v in steps for b in self._witnesses(u, v, units)]
            for i in rows:
                a = short[i]
                self._move(a, drop=None, take=first)
                wants[i, first] = False
                wanted[first] -= 1
                if len(self.new[a]) >= self.need[a]:
                    wanted -= wants[i]
                    wants[i] = False
            for b, u, v in handed:
                self._move(b, drop=u, take=v)

    def _balance(self) -> None:
        """Shift work from a juror with load L to one with load ≤ L − 2 until no path remains."""
        while True:
            movable = self.load > self.base
            open_ = self.load < self.cap
            if not movable.any() or not open_.any():
                return
            lowest = int(self.load[open_].min())
            adjacency = self.T > 0
            for level in np.unique(self.load[movable])[::-1].tolist():
                if level - 2 < lowest:
                    return
                path, _ = self._shortest_path(adjacency, self.load >= level, open_ & (self.load <= level - 2))
                if path is not None:
                    self._shift(path)
                    break
            else:
                return

    def _shift(self, path: list[int]) -> None:
        first, last = path[0], path[-1]
        steps = list(zip(path, path[1:], strict=False))
        units = min(
            (int(self.load[first]) - int(self.load[last])) // 2,
            int(self.cap[last] - self.load[last]),
            min(int(self.T[u, v]) for u, v in steps),
        )
        handed = [(b, u, v) for u, v in steps for b in self._witnesses(u, v, units)]
        for b, u, v in handed:
            self._move(b, drop=u, take=v)
