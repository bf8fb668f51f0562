"""The fictional data generators use only the public names of the modules they build on.

``generate`` builds on the demo's prizes, name generators and answers: it reaches them through
public names (``demo.Names``, ``demo.answers``...), never ``demo._x``, so that the demo module can
change its private helpers without breaking the generator. (Imports inside functions and the
direction of dependencies are checked for every module by ``tests/unit/test_layers.py``.)
"""

from __future__ import annotations

import ast
from pathlib import Path

import judging

PACKAGE = Path(judging.__file__).parent
FILES = [*sorted((PACKAGE / "devdata").glob("*.py")), PACKAGE / "cli" / "generate.py"]


def private_names_reached(path: Path) -> list[str]:
    """``module._name`` attribute reads where ``module`` was imported from judging."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("judging"):
            modules.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            judging_modules = [alias for alias in node.names if alias.name.startswith("judging")]
            modules.update(alias.asname or alias.name for alias in judging_modules)
    return [
        f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {node.value.id}.{node.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id in modules
        and node.attr.startswith("_")
        and not node.attr.startswith("__")
    ]


def test_the_generators_reach_no_private_name_of_another_module():
    reached = [found for path in FILES for found in private_names_reached(path)]
    assert not reached, "\n".join(reached)
