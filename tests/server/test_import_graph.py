"""The package's modules import one another along a graph without cycles.

Every import counts: at the top of a module, inside a function (the usual way to paper over a
cycle) and under ``TYPE_CHECKING``. A cycle makes what a module holds depend on who imported
first, and the type checker sees those imports too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import jupyter_zarrview

PACKAGE = Path(jupyter_zarrview.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The package's modules that ``path`` imports, resolved as Python resolves them."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from .x import y` imports x, and y too when y is a module of its own.
            targets = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        found.update(t for t in targets if t in modules and t != name)
    return found


def _graph() -> dict[str, set[str]]:
    paths = sorted(PACKAGE.rglob("*.py"))
    modules = {_module_name(p) for p in paths}
    return {_module_name(p): _imports(p, modules) for p in paths}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as the modules along it, or None."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = "open"
        stack.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == "open":
                return [*stack[stack.index(target) :], target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        stack.pop()
        state[module] = "done"
        return None

    for module in sorted(graph):
        if module not in state:
            found = visit(module)
            if found:
                return found
    return None


def test_the_graph_sees_the_imports_that_make_cycles():
    # The check itself: a function-level import back is a cycle, a one-way import is not.
    assert _cycle({"a": {"b"}, "b": {"a"}}) == ["a", "b", "a"]
    assert _cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None
    graph = _graph()
    assert "jupyter_zarrview.server.paths" in graph["jupyter_zarrview.server.store_keys"]
    assert "jupyter_zarrview.engine" in graph["jupyter_zarrview.server.paths"]


def test_server_modules_import_without_cycles():
    graph = _graph()
    server = {
        m: {t for t in ts if t.startswith("jupyter_zarrview.server")}
        for m, ts in graph.items()
        if m.startswith("jupyter_zarrview.server")
    }
    assert _cycle(server) is None


def test_the_package_imports_without_cycles():
    assert _cycle(_graph()) is None
