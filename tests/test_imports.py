"""acbench's module-level import graph has no circle (scripts/import_graph.py draws it)."""

import importlib.util
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def import_graph():
    spec = importlib.util.spec_from_file_location("_import_graph", ROOT / "scripts" / "import_graph.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_acbench_has_no_module_level_import_circle(import_graph):
    graph, _ = import_graph.import_graph(ROOT)
    assert graph.number_of_nodes() > 100  # the whole package was read
    assert graph.has_edge("acbench.tasks.base", "acbench.tasks.results")
    assert import_graph.circles(graph) == []


def test_the_framework_imports_no_benchmark_and_game_scienceworld_only_the_framework(import_graph):
    graph, lazy = import_graph.import_graph(ROOT)
    edges = set(graph.edges) | {(a, b) for a, b, _ in lazy}
    siblings = ("pddl", "tool_query", "tool_operation", "game", "scienceworld", "agents")
    for a, b in edges:
        if a.startswith("acbench.tasks.agentic"):
            assert not any(b.startswith(f"acbench.tasks.{s}") for s in siblings), (a, b)
        for user in ("game", "scienceworld"):
            if a.startswith(f"acbench.tasks.{user}"):
                others = [s for s in siblings if s != user]
                assert not any(b.startswith(f"acbench.tasks.{s}") for s in others), (a, b)


def _package(tmp_path, files):
    for name, text in files.items():
        path = tmp_path / "acbench" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return tmp_path


def test_circles_are_found_through_type_checking_and_relative_imports(tmp_path, import_graph):
    root = _package(tmp_path, {
        "__init__.py": "",
        "a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from acbench.b import B\n",
        "b.py": "from . import c\n",
        "c.py": "import acbench.a\n",
        "d.py": "def f():\n    from acbench import e\n",
        "e.py": "from acbench.d import f\n",
    })
    graph, lazy = import_graph.import_graph(root)
    assert import_graph.circles(graph) == [["acbench.a", "acbench.b", "acbench.c"]]
    assert lazy == [("acbench.d", "acbench.e", 2)]  # d -> e -> d only through a function: no circle
