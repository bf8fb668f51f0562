"""The package layout holds: one-way dependencies, no cycles, no hidden or private imports.

Every module of ``judging/`` is read with ``ast`` (nothing is imported), and each rule prints the
list of what breaks it, file and line, so a failure is a work list. See docs/architecture.md.

- no import cycle among modules (top-level imports: what runs when a module is imported);
- no ``from judging…`` import inside a function, except the few in ``LATE_IMPORTS`` with a reason;
- no private name (``_x``) imported from another judging module;
- dependencies run one way (``RANKS``): a module imports only from its own rank or below, except a
  feature's ``models.py`` (the tables are the bottom layer: anyone may import them) and the pure
  engines (leaves: they import no feature code); views modules
  are imported by nobody but ``judging/__init__.py`` (``create_app`` registers them).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import judging

PACKAGE = Path(judging.__file__).parent

#: Imports inside a function that are allowed, by (module, function), each with its reason.
LATE_IMPORTS = {
    ("judging", "create_app"): "the factory wires the features and the CLI when an app is built: importing "
    "any judging module runs judging/__init__.py first, and a pure engine in a unit test or the schema in "
    "Alembic's env.py must not load every feature (accounts.operations alone: +0.6 s)",
    ("judging", "_register_blueprints"): "as create_app: the views are loaded when an app is built",
}

#: The direction of dependencies: a module may import from its own rank or below. The first prefix that
#: matches a module's dotted name gives its rank (the longest prefixes come first).
RANKS = {
    "judging.config": 0,
    "judging.extensions": 0,
    "judging.db": 0,
    "judging.schema": 0,  # imports only models
    "judging.core": 0,
    "judging.mail.models": 0,
    "judging.mail.outbox": 0,
    "judging.mail.worker": 0,
    "judging.mail.sandbox": 0,
    "judging.mail.templates": 0,
    "judging.mail.operations": 0,
    "judging.accounts": 1,
    "judging.editions": 2,
    "judging.mail": 2,  # the editor and the outbox page sit after editions
    "judging.applications": 3,
    "judging.jury": 4,
    "judging.results": 5,
    "judging.ceremony": 6,
    "judging.audit": 7,
    "judging.audience": 5,  # beside results: the ceremony reads the audience award's result
    "judging.live": 7,  # the live final: reads results, shows the audience vote's QR code
    "judging.exchange": 8,
    "judging.devdata": 8,
    "judging.cli": 9,  # the console command builds the app
    "judging": 9,  # create_app
}

#: Modules that hold tables (importable from anywhere) besides each feature's ``models.py``.
TABLE_MODULES = {"judging.core.audit_event", "judging.core.models"}


@dataclass(frozen=True)
class Import:
    importer: str  # dotted module name
    target: str  # dotted module name imported (a module, not a name inside it)
    names: tuple[str, ...]  # the names taken with ``from … import``
    line: int
    function: str | None  # the enclosing function, None at module level
    type_checking: bool  # under ``if TYPE_CHECKING:``

    def where(self) -> str:
        return f"{MODULES[self.importer].relative_to(PACKAGE.parent)}:{self.line}"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


MODULES = all_modules()


def resolve(importer: str, node: ast.ImportFrom, is_package: bool) -> str:
    """The absolute dotted name ``node`` imports from (relative imports resolved)."""
    if not node.level:
        return node.module or ""
    base = importer.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(name: str, path: Path) -> list[Import]:
    found: list[Import] = []
    is_package = path.name == "__init__.py"

    def visit(node: ast.AST, function: str | None, type_checking: bool) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("judging"):
                    found.append(Import(name, alias.name, (), node.lineno, function, type_checking))
        elif isinstance(node, ast.ImportFrom):
            source = resolve(name, node, is_package)
            if source == "judging" or source.startswith("judging."):
                add_from(source, node, function, type_checking)
        for child in ast.iter_child_nodes(node):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                visit(child, function or node.name, type_checking)
            else:
                visit(child, function, type_checking or (isinstance(node, ast.If) and is_type_checking(node)))

    def add_from(source: str, node: ast.ImportFrom, function: str | None, type_checking: bool) -> None:
        names = []
        for alias in node.names:
            submodule = f"{source}.{alias.name}"
            if submodule in MODULES:  # ``from judging.core import clock``: the module clock
                found.append(Import(name, submodule, (), node.lineno, function, type_checking))
            else:
                names.append(alias.name)
        if names:
            found.append(Import(name, source, tuple(names), node.lineno, function, type_checking))

    visit(ast.parse(path.read_text(encoding="utf-8")), None, False)
    return found


IMPORTS = [found for name, path in MODULES.items() for found in imports_of(name, path)]


def rank(module: str) -> int:
    for prefix in sorted(RANKS, key=len, reverse=True):
        if module == prefix or module.startswith(prefix + "."):
            return RANKS[prefix]
    raise AssertionError(f"{module} has no rank in RANKS")


def holds_tables(module: str) -> bool:
    return module.endswith(".models") or module in TABLE_MODULES


def is_engine(module: str) -> bool:
    """A pure engine (``jury/engine``, ``results/engine``) is a leaf like the tables: it imports nothing but
    the standard library, numpy and other engines (``test_engines_are_pure``), so importing it from a
    lower rank adds no dependency on that feature's code (the jury's scorecard total and the candidate's
    phase rules use the results engine)."""
    return ".engine." in module or module.endswith(".engine")


def is_views(module: str) -> bool:
    return module.rsplit(".", 1)[-1].endswith("views")


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph.get(node, ()):
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return sorted(components)


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for found in IMPORTS:
        if found.function is None and not found.type_checking and found.target in MODULES:
            graph[found.importer].add(found.target)
    return graph


def report(problems: list[str]) -> str:
    return f"{len(problems)}:\n" + "\n".join(problems)


def test_the_reader_sees_every_module_and_resolves_relative_imports():
    assert "judging.core.clock" in MODULES and "judging" in MODULES
    tree = ast.parse("from . import clock\nfrom ..db import session")
    assert resolve("judging.core.models", tree.body[0], False) == "judging.core"
    assert resolve("judging.core.models", tree.body[1], False) == "judging.db"
    assert find_cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]


def test_no_import_cycle():
    graph = import_graph()
    cycles = [" -> ".join(component) for component in find_cycles(graph)]
    assert not cycles, report(cycles)


def test_no_judging_import_inside_a_function_without_a_reason():
    late = sorted(
        f"{found.where()} {found.function}() imports {found.target}"
        for found in IMPORTS
        if found.function is not None and (found.importer, found.function) not in LATE_IMPORTS
    )
    assert not late, report(late)


def test_every_late_import_allowed_is_still_there():
    used = {(found.importer, found.function) for found in IMPORTS if found.function is not None}
    gone = sorted(f"{module}.{function}" for module, function in set(LATE_IMPORTS) - used)
    assert not gone, report(gone)


def test_no_private_name_imported_from_another_module():
    private = sorted(
        f"{found.where()} imports {name} from {found.target}"
        for found in IMPORTS
        for name in found.names
        if name.startswith("_") and not name.startswith("__")
    )
    assert not private, report(private)


def test_dependencies_run_one_way():
    upward = sorted(
        f"{found.where()} ({rank(found.importer)}) imports {found.target} ({rank(found.target)})"
        for found in IMPORTS
        if found.target in MODULES
        and not holds_tables(found.target)
        and not is_engine(found.target)
        and rank(found.target) > rank(found.importer)
    )
    assert not upward, report(upward)


def test_views_are_imported_only_by_create_app():
    reaching = sorted(
        f"{found.where()} imports {found.target}"
        for found in IMPORTS
        if found.target in MODULES and is_views(found.target) and found.importer != "judging"
    )
    assert not reaching, report(reaching)


#: What an engine (``jury/engine``, ``results/engine``) never imports: plain values in, plain values out
#: (the standard library, numpy and other engine modules; scipy is a test dependency only), no Flask, no
#: database session.
WEB_OR_DATABASE = {"flask", "flask_babel", "flask_login", "flask_wtf", "sqlalchemy", "werkzeug", "wtforms"}


def external_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_engines_are_pure():
    impure = []
    for name, path in MODULES.items():
        if ".engine" not in name:
            continue
        for library in sorted(external_imports(path) & WEB_OR_DATABASE):
            impure.append(f"{path.relative_to(PACKAGE.parent)} imports {library}")
        impure += [
            f"{found.where()} imports {found.target}"
            for found in IMPORTS
            if found.importer == name and ".engine" not in found.target
        ]
    assert not impure, report(impure)


def layout_tree() -> str:
    """``judging/``'s tree with each module's first docstring line: docs/architecture.md's layout.

    Print it with ``python -m tests.unit.test_layers``.
    """
    lines = ["judging/"]

    def summary(path: Path) -> str:
        doc = (ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or "").strip()
        line = doc.splitlines()[0] if doc else ""
        return line if len(line) <= 84 else line[:83].rstrip() + "…"

    def walk(folder: Path, depth: int) -> None:
        entries = sorted(p for p in folder.iterdir() if p.name != "__pycache__")
        for path in (p for p in entries if p.suffix == ".py"):
            lines.append(f"{'  ' * depth + path.name:<26}{summary(path)}".rstrip())
        for path in (p for p in entries if (p / "__init__.py").is_file()):
            lines.append("  " * depth + path.name + "/")
            walk(path, depth + 1)

    walk(PACKAGE, 1)
    return "\n".join(lines)


if __name__ == "__main__":
    print(layout_tree())


CHECKOUT = PACKAGE.parent
GUIDES = [CHECKOUT / "README.md", *sorted((CHECKOUT / "docs").glob("*.md"))]


def top_level_names(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {target.id for target in targets if isinstance(target, ast.Name)}
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    return names


def stale_reference(token: str) -> str | None:
    """Why a code reference of a guide (``judging/jury/rules.py``, ``judging.jury.rules.x``) is stale."""
    for path in re.findall(r"(?:[\w.-]+/)+[\w.-]+\.(?:py|html)\b", token):
        if not any((base / path).exists() for base in (CHECKOUT, PACKAGE, CHECKOUT / "templates")):
            return f"no file {path}"
    built = token.startswith("judging/_bundled/")  # made by the wheel's build (docs/deploy.md)
    if re.fullmatch(r"judging/[\w/]+/", token) and not built and not (CHECKOUT / token).is_dir():
        return f"no folder {token}"
    dotted = re.fullmatch(r"(judging(?:\.\w+)+)(?:\(.*\))?", token)
    if dotted:
        parts = dotted.group(1).split(".")
        known = max((i for i in range(1, len(parts) + 1) if ".".join(parts[:i]) in MODULES), default=0)
        module = ".".join(parts[:known])
        if known < len(parts) and (known < 2 or parts[known] not in top_level_names(MODULES[module])):
            return f"no {dotted.group(1)}"
    return None


def test_the_guides_name_only_code_that_exists():
    stale = [
        f"{guide.relative_to(CHECKOUT)}:{number}: {why}"
        for guide in GUIDES
        for number, line in enumerate(guide.read_text(encoding="utf-8").splitlines(), 1)
        for token in re.findall(r"`([^`\s]+)`", line)
        if (why := stale_reference(token))
    ]
    assert not stale, report(stale)
