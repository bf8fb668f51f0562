"""Benchmark of conflict-of-interest detection: 300 jurors × 25,000 applications.

Run it as a script (pytest does not collect ``bench_*.py``)::

    .venv/bin/python tests/bench/bench_conflicts.py [--repeat 3]

Prints the best wall and CPU seconds of ``detect_conflicts`` on the data of
``tests/scenarios.py::large_jury``, as in
``tests/unit/test_conflicts.py::test_large_jury_is_linear_not_quadratic`` (that test counts the
work per profile instead of timing it, so that a loaded machine cannot fail it).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from judging.jury.engine.conflicts import detect_conflicts  # noqa: E402
from tests.scenarios import large_jury  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    jurors, applications = large_jury()
    best = best_cpu = float("inf")
    for _ in range(args.repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        found = detect_conflicts(jurors=jurors, applications=applications)
        best = min(best, time.perf_counter() - start)
        best_cpu = min(best_cpu, time.process_time() - start_cpu)
    print(
        f"{len(jurors)} jurors × {len(applications):,} applications: {len(found):,} conflicts, "
        f"best of {args.repeat}: {best:.3f} s wall, {best_cpu:.3f} s CPU"
    )


if __name__ == "__main__":
    main()
