"""The exchange modules stay small: no function over 80 lines or above cyclomatic complexity 20.

Read with ``ast`` (nothing imported). The complexity is counted as radon counts it: 1, plus one per
``if``/``elif``, conditional expression, loop and its ``else``, ``except`` and a ``try``'s ``else``,
comprehension and its ``if``, ``match`` case but ``_``, extra operand of ``and``/``or``
(``radon cc -s judging/exchange`` gives the same figures).
"""

from __future__ import annotations

import ast
from pathlib import Path

import judging.exchange

EXCHANGE = Path(judging.exchange.__file__).parent
MAX_LINES = 80
MAX_COMPLEXITY = 20
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def functions() -> list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    found = []
    for path in sorted(EXCHANGE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, FUNCTIONS):
                found.append((f"{path.name}:{node.lineno} {node.name}", node))
    return found


def complexity(function: ast.AST) -> int:
    """Decisions in ``function`` itself (a nested function is counted on its own)."""
    count = 1
    stack = list(ast.iter_child_nodes(function))
    while stack:
        node = stack.pop()
        if isinstance(node, (*FUNCTIONS, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(node, ast.If | ast.IfExp):
            count += 1
        elif isinstance(node, ast.For | ast.AsyncFor | ast.While):
            count += 1 + bool(node.orelse)
        elif isinstance(node, ast.Try | ast.TryStar):
            count += len(node.handlers) + bool(node.orelse)
        elif isinstance(node, ast.comprehension):
            count += 1 + len(node.ifs)
        elif isinstance(node, ast.BoolOp):
            count += len(node.values) - 1
        elif isinstance(node, ast.Match):
            count += sum(1 for case in node.cases if not _is_wildcard(case.pattern))
        stack.extend(ast.iter_child_nodes(node))
    return count


def _is_wildcard(pattern: ast.pattern) -> bool:
    return isinstance(pattern, ast.MatchAs) and pattern.pattern is None


def test_the_exchange_is_split_into_validate_import_and_export():
    assert {path.name for path in EXCHANGE.glob("*.py")} == {
        "__init__.py",
        "common.py",
        "validate.py",
        "import_.py",
        "export.py",
        "verification.py",  # checks a frozen round's fingerprint against an export document
    }


def test_no_function_of_the_exchange_is_longer_than_80_lines():
    long = [(where, node.end_lineno - node.lineno + 1) for where, node in functions()]
    assert [(where, lines) for where, lines in long if lines > MAX_LINES] == []


def test_no_function_of_the_exchange_is_more_complex_than_20():
    # the counter agrees with radon on a sample of every kind of decision
    source = (
        "def f(a, b):\n"
        "    if a and b or a:\n"  # 1 + if + 2 extra operands
        "        return [x for x in a if x]\n"  # comprehension + its if
        "    while a:\n"
        "        a = a[1:]\n"
        "    else:\n"  # the loop + its else
        "        pass\n"
        "    for x in b:\n"
        "        try:\n"
        "            pass\n"
        "        except ValueError:\n"
        "            pass\n"
        "    return 1 if a else 2\n"
    )
    (function,) = ast.parse(source).body
    assert complexity(function) == 11  # radon cc -s: C (11)
    counted = [(where, complexity(node)) for where, node in functions()]
    assert [(where, cc) for where, cc in counted if cc > MAX_COMPLEXITY] == []
