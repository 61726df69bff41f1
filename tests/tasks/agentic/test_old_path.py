"""The old import path `acbench.tasks.agents` still gives the three task classes, with a deprecation warning."""

import importlib
import sys

import pytest


def test_old_path_reexports_the_tasks_and_warns_of_removal_in_0_4(monkeypatch):
    monkeypatch.delitem(sys.modules, "acbench.tasks.agents", raising=False)
    with pytest.warns(DeprecationWarning, match=r"removed in acbench 0\.4"):
        old = importlib.import_module("acbench.tasks.agents")
    from acbench.tasks.pddl.task import PDDLTask
    from acbench.tasks.tool_operation.task import ToolOperationTask
    from acbench.tasks.tool_query.task import ToolQueryTask

    assert (old.PDDLTask, old.ToolQueryTask, old.ToolOperationTask) == (PDDLTask, ToolQueryTask, ToolOperationTask)
    assert sorted(old.__all__) == ["PDDLTask", "ToolOperationTask", "ToolQueryTask"]
