"""No import circle inside the helpdesk package.

A circle means some module can only be imported half-built, which is what the
function-level imports were dodging; this walks the source so a new one fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import helpdesk

ROOT = Path(helpdesk.__file__).parent


def _module_name(path: Path) -> str:
    """The dotted name of a source file under the package."""
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    """Every helpdesk module by dotted name."""
    return {_module_name(p): p for p in ROOT.rglob("*.py")}


def _is_type_checking(node: ast.If) -> bool:
    """Whether the block is ``if TYPE_CHECKING:`` (imports there never run)."""
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """Every import that can run, in functions too (a function-level import that dodges a
    circle is still a circle), but not those under ``if TYPE_CHECKING:``."""
    found: list[ast.Import | ast.ImportFrom] = []
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        elif isinstance(node, ast.If) and _is_type_checking(node):
            pending.extend(node.orelse)
        else:
            pending.extend(ast.iter_child_nodes(node))
    return found


def _targets(
    name: str, is_package: bool, node: ast.Import | ast.ImportFrom, modules: dict[str, Path]
) -> set[str]:
    """The helpdesk modules an import statement needs: ``from pkg import sub`` needs
    the submodule, ``from pkg import thing`` the package itself."""
    if isinstance(node, ast.Import):
        return {a.name for a in node.names}
    if node.level:
        base = name.split(".") if is_package else name.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        source = ".".join([*base, node.module] if node.module else base)
    else:
        source = node.module or ""
    subs = {f"{source}.{a.name}" for a in node.names}
    found = subs & modules.keys()
    return found if len(found) == len(subs) else found | {source}


def import_graph() -> dict[str, set[str]]:
    """helpdesk module -> the helpdesk modules it imports."""
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        is_package = path.name == "__init__.py"
        edges: set[str] = set()
        for node in _imports(tree):
            edges |= {t for t in _targets(name, is_package, node, modules) if t in modules}
        edges.discard(name)
        graph[name] = edges
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle as a list of modules, first repeated last; None when there is none."""
    state: dict[str, int] = {}  # 1 on the current path, 2 finished
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = 2
        path.pop()
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_the_walk_sees_real_edges() -> None:
    graph = import_graph()
    assert "helpdesk.extensions" in graph["helpdesk.locking"]
    assert "helpdesk.refusals" in graph["helpdesk.locking"]
    assert "helpdesk.auth.views" in graph["helpdesk.auth"]  # a package loading its views


def test_find_cycle_reports_a_circle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_circle_in_helpdesk() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import circle: " + " -> ".join(cycle or [])
