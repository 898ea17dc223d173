"""The package's layers, checked from the source: imports flow one way.

Every module's imports are read with `ast` (nothing is imported), so a bad
import fails here with the module and line that made it, before it can turn
into an import cycle at run time.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "diagnoser"

# What the report renderers must not know: the stages that produce the report.
STAGES = (
    "diagnoser.live",
    "diagnoser.correlate",
    "diagnoser.engine",
    "diagnoser.analysis",
    "diagnoser.recognizers",
    "diagnoser.watch",
)
CLI = "diagnoser.cli"
# `python -m diagnoser` runs the CLI, so it sits above it.
ENTRY_POINTS = frozenset({"diagnoser.__main__", "diagnoser.entry"})  # the console script


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _is_package(module: str) -> bool:
    return MODULES[module].name == "__init__.py"


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(body: list[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
    """Imports that run when the module is imported: not in functions, classes or TYPE_CHECKING."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If):
            if not _is_type_checking(node):
                yield from _import_nodes(node.body)
            yield from _import_nodes(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody):
                yield from _import_nodes(block)
            for handler in node.handlers:
                yield from _import_nodes(handler.body)
        elif isinstance(node, ast.With):
            yield from _import_nodes(node.body)


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> Iterator[str]:
    """The package modules an import statement loads (`from pkg import mod` loads pkg.mod)."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
        return
    base = node.module or ""
    if node.level:
        anchor = module.split(".") if _is_package(module) else module.split(".")[:-1]
        anchor = anchor[: len(anchor) - node.level + 1]
        base = ".".join([*anchor, base] if base else anchor)
    for alias in node.names:
        submodule = f"{base}.{alias.name}"
        yield submodule if submodule in MODULES else base


def imports(module: str, *, module_level: bool) -> list[tuple[str, int]]:
    """The package modules `module` imports, with the line of each import."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"), str(MODULES[module]))
    nodes = (
        _import_nodes(tree.body)
        if module_level
        else (n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom))
    )
    found = []
    for node in nodes:
        for target in _targets(module, node):
            if _within(target, "diagnoser") and target != module:
                found.append((target, node.lineno))
    return found


def import_graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports at module level."""
    return {
        module: {target for target, _ in imports(module, module_level=True) if target in MODULES}
        for module in MODULES
    }


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph.get(node, ()):
                components.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_cycle_in(graph, set(component)) for component in components]


def _cycle_in(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """A path that leaves the first module of `component` and comes back to it."""
    start = min(component)
    paths = [[start]]
    seen = {start}
    while paths:
        path = paths.pop(0)
        for nxt in sorted(graph[path[-1]] & component):
            if nxt == start:
                return [*path, start]
            if nxt not in seen:
                seen.add(nxt)
                paths.append([*path, nxt])
    return sorted(component)


REPORT_MODULES = sorted(m for m in MODULES if _within(m, "diagnoser.report"))
NON_CLI_MODULES = sorted(m for m in MODULES if not _within(m, CLI) and m not in ENTRY_POINTS)


@pytest.mark.parametrize("module", REPORT_MODULES)
def test_report_does_not_import_the_stages(module: str) -> None:
    bad = [
        f"{module}:{line} imports {target}"
        for target, line in imports(module, module_level=False)
        if any(_within(target, stage) for stage in STAGES)
    ]
    assert not bad, "report/ renders the report model only; " + "; ".join(bad)


@pytest.mark.parametrize("module", NON_CLI_MODULES)
def test_only_the_cli_imports_the_cli(module: str) -> None:
    bad = [
        f"{module}:{line} imports {target}"
        for target, line in imports(module, module_level=False)
        if _within(target, CLI)
    ]
    assert not bad, "the CLI is the top layer; " + "; ".join(bad)


def test_no_import_cycle() -> None:
    cycles = find_cycles(import_graph())
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_the_cycle_finder_finds_cycles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert sorted(find_cycles(graph)) == [["a", "b", "c", "a"], ["e", "e"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_sees_the_package() -> None:
    # guards the checks above against passing vacuously (a path or parsing slip)
    graph = import_graph()
    assert "diagnoser.report.model" in graph
    assert "diagnoser.vocabulary" in graph["diagnoser.report.model"]
    assert {"diagnoser.cli.analyze", "diagnoser.cli.rules"} <= graph["diagnoser.cli"]
