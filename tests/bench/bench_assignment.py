"""Benchmark of judging.jury.engine.assignment.assign (a script, not collected by pytest).

Run: ``python tests/bench/bench_assignment.py [--quick]``

Each instance is a jury reading French and/or English (55 % bilingual, 30 %
French only, 15 % English only), applications 65 % in French, and about ten
conflicts per juror. Four variants per size:

* ``open``      no load cap, no language restriction;
* ``language``  only jurors who read the application's language;
* ``tight cap`` language restriction and ``max_load = ceil(total / jurors)``
                (the tightest cap; the warm start leaves work for the
                augmenting paths);
* ``existing``  a third of the applications already have one juror, piled on
                the first half of the jury (the balance phase has to move a
                lot of work).

The table gives wall-clock and CPU seconds, the spread of the loads
(max − min) and the number of jurors missing in total.
"""

from __future__ import annotations

import math
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from judging.jury.engine.assignment import AppInfo, JurorInfo, assign  # noqa: E402

SIZES = [(150, 20), (25_000, 300), (100_000, 1_000)]
PER_APPLICATION = 3


def instance(n_apps: int, n_jurors: int, seed: int = 2026):
    """Applications, jurors and conflicts, reproducible from the seed."""
    rng = random.Random(seed)
    jurors = []
    for j in range(n_jurors):
        draw = rng.random()
        langs = {"fr", "en"} if draw < 0.55 else {"fr"} if draw < 0.85 else {"en"}
        jurors.append(JurorInfo(id=1_000_000 + j, languages=frozenset(langs)))
    apps = [AppInfo(id=i, language="fr" if rng.random() < 0.65 else "en") for i in range(n_apps)]
    conflicts = {
        (juror.id, rng.randrange(n_apps)) for juror in jurors for _ in range(min(10, n_apps // 10 or 1))
    }
    return apps, jurors, conflicts


def run(n_apps: int, n_jurors: int) -> list[tuple[str, float, float, int, int]]:
    apps, jurors, conflicts = instance(n_apps, n_jurors)
    heavy = [juror.id for juror in jurors[: max(1, n_jurors // 2)]]
    existing = {(heavy[i % len(heavy)], app.id) for i, app in enumerate(apps[::3])}
    existing -= conflicts
    tight = math.ceil(n_apps * PER_APPLICATION / n_jurors)
    variants = [
        ("open", {"existing": set()}),
        ("language", {"existing": set(), "require_language": True}),
        ("tight cap", {"existing": set(), "require_language": True, "max_load": tight}),
        ("existing", {"existing": existing}),
    ]
    rows = []
    for name, options in variants:
        start, cpu = time.perf_counter(), time.process_time()
        result = assign(
            applications=apps, jurors=jurors, per_application=PER_APPLICATION, conflicts=conflicts, **options
        )
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        loads = list(result.loads.values())
        missing = sum(s.missing for s in result.shortfalls)
        rows.append((name, seconds, cpu, max(loads) - min(loads), missing))
    return rows


ROW = "{:>12} {:>6}  {:<10} {:>8} {:>6} {:>6} {:>7}"


def main() -> None:
    sizes = SIZES[:2] if "--quick" in sys.argv else SIZES
    print(ROW.format("applications", "jurors", "variant", "seconds", "cpu s", "spread", "missing"))
    for n_apps, n_jurors in sizes:
        for name, seconds, cpu, spread, missing in run(n_apps, n_jurors):
            print(
                ROW.format(
                    f"{n_apps:,}", f"{n_jurors:,}", name, f"{seconds:.2f}", f"{cpu:.2f}", spread, missing
                )
            )


if __name__ == "__main__":
    main()
