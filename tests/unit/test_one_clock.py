"""One clock: ``judging.core.clock.now`` is the only source of the current time.

Once five modules each had their own ``now()``/``clock()`` (services/applications, services/ceremony,
services/notifications, public/results_pages, judging/clock), each patched separately in tests.
"""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import judging
from judging.core import clock
from judging.core.models import utcnow

MOMENT = datetime(2031, 2, 3, 4, 5, tzinfo=UTC)


def test_no_module_keeps_a_clock_of_its_own():
    package = Path(judging.__file__).parent
    own_clocks = []
    for path in sorted(package.rglob("*.py")):
        if path == package / "core" / "clock.py":
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef) and node.name in ("now", "clock"):
                own_clocks.append(f"{path.relative_to(package)}:{node.name}")
    assert own_clocks == []


def test_the_timestamps_of_rows_follow_the_one_clock(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: MOMENT)
    assert utcnow() == MOMENT
