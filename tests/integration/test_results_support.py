"""Moved to ``tests/scenarios.py`` (scenario builders live in one module, never in a test module).

This name stays only for tests written before the move; import from ``tests.scenarios``.
"""

from tests.scenarios import *  # noqa: F403
