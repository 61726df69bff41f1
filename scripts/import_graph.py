"""Draw acbench's import graph and find its circles.

    python scripts/import_graph.py                 # module-level circles (none expected) and the lazy imports
    python scripts/import_graph.py --dot deps.dot  # the module-level graph as Graphviz DOT
    python scripts/import_graph.py --root ../other  # another checkout of acbench

An edge `a -> b` means module `a` imports module `b` at module level, `if TYPE_CHECKING:` blocks included
(a circle through a type-only import is still a circle in the design). Imports inside functions are
listed apart as lazy imports: they run only when called, so they cannot make a circle at import time.
`from pkg import name` points at `pkg.name` where that is a module, else at `pkg`. tests/test_imports.py
fails on any module-level circle.
"""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "acbench"


def module_names(root: Path = ROOT) -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name, not `.__init__`)."""
    names = {}
    for path in sorted((root / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def _target(modules: dict[str, Path], base: str, name: str | None) -> str | None:
    if name and f"{base}.{name}" in modules:
        return f"{base}.{name}"
    return base if base in modules else None


def _absolute(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    parts = module.split(".") if is_package else module.split(".")[:-1]
    parts = parts[: len(parts) - (node.level - 1)]
    return ".".join(parts + ([node.module] if node.module else []))


def _imports(modules: dict[str, Path], module: str, node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [t for alias in node.names if (t := _target(modules, alias.name, None))]
    if isinstance(node, ast.ImportFrom):
        base = _absolute(module, modules[module].name == "__init__.py", node)
        return [t for alias in node.names if (t := _target(modules, base, alias.name))]
    return []


def _module_level(tree: ast.Module):
    """The statements run at import time: the body, descending into if/try/with blocks but not into defs."""
    stack = list(tree.body)
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        if isinstance(node, ast.ClassDef):
            stack.extend(n for n in node.body if not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))
            continue
        for field in ("body", "orelse", "finalbody", "handlers"):
            stack.extend(getattr(node, field, []) or [])


def import_graph(root: Path = ROOT) -> tuple[nx.DiGraph, list[tuple[str, str, int]]]:
    """The module-level import graph, and the lazy (function-local) imports as (module, target, line)."""
    modules = module_names(root)
    graph, lazy = nx.DiGraph(), []
    graph.add_nodes_from(modules)
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        top = set()
        for node in _module_level(tree):
            for target in _imports(modules, module, node):
                top.add(id(node))
                if target != module:
                    graph.add_edge(module, target)
        for node in ast.walk(tree):
            if id(node) not in top and isinstance(node, (ast.Import, ast.ImportFrom)):
                lazy.extend((module, t, node.lineno) for t in _imports(modules, module, node) if t != module)
    return graph, sorted(set(lazy))


def circles(graph: nx.DiGraph) -> list[list[str]]:
    """Every elementary circle, in import order, starting at its alphabetically first module."""
    found = []
    for cycle in nx.simple_cycles(graph):
        first = cycle.index(min(cycle))
        found.append(cycle[first:] + cycle[:first])
    return sorted(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dot", help="write the module-level graph to this Graphviz DOT file")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to read (default: this one)")
    args = parser.parse_args()
    graph, lazy = import_graph(args.root)
    found = circles(graph)
    print(f"{graph.number_of_nodes()} modules, {graph.number_of_edges()} module-level imports, "
          f"{len(found)} circles")
    for circle in found:
        print("circle:", " -> ".join(circle + circle[:1]))
    print(f"{len(lazy)} lazy (function-local) imports of acbench modules:")
    for module, target, line in lazy:
        print(f"  {module}:{line} -> {target}")
    if args.dot:
        lines = ["digraph acbench {"] + [f'  "{a}" -> "{b}";' for a, b in sorted(graph.edges)] + ["}"]
        Path(args.dot).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
