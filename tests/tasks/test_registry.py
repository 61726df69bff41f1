"""The task registry: every row imports, its class declares a headline the task really reports, and the
capability is written once (in the registry) and read from there by the classes."""

from __future__ import annotations

import pytest

from acbench.metrics import Headline, task_relative
from acbench.tasks import registry
from acbench.tasks.base import CAPABILITIES, RegisteredCapability
from acbench.tasks.registry import (
    TASKS,
    UnknownTaskError,
    capability_of,
    expand_task_names,
    make_task,
    task_class,
    tasks_of,
)


@pytest.mark.parametrize("name", list(TASKS))
def test_every_entry_imports_and_declares_its_headline(name):
    cls = task_class(name)
    entry = TASKS[name]
    assert entry.target.endswith(":" + cls.__name__) and cls.name == name
    assert entry.capability in CAPABILITIES
    # the capability is written once, in the registry: no class (nor a base between it and the
    # descriptor) sets its own string
    for klass in cls.__mro__:
        if "capability" in vars(klass):
            assert isinstance(vars(klass)["capability"], RegisteredCapability), f"{klass.__name__} sets capability"
    assert cls.capability == entry.capability == capability_of(name)
    assert isinstance(cls.headline, Headline) and cls.headline.higher_is_better
    task = make_task(name, profile="quick")
    assert task.capability == entry.capability
    for scoring in ("paper", "strict"):
        task.scoring = scoring
        result = task.aggregate([])
        # the declared headline is the metric the task reports as its headline, on the declared scale
        assert task_relative(name, result.main) == cls.headline.key(scoring)
        assert result.main in result.metrics and result.capability == entry.capability
        relative = {task_relative(name, k) for k in result.metrics}
        assert {cls.headline.metric, cls.headline.metric + "_strict"} <= relative
        assert "headline" not in relative  # reserved for the 0-100 headline (acbench.metrics)
        cls.headline.maximum_of(cls.headline.key(scoring))


def test_declared_scales_of_the_headlines():
    scales = {name: (task_class(name).headline.maximum_of(task_class(name).headline.key("paper")),
                     task_class(name).headline.maximum_of(task_class(name).headline.key("strict"))) for name in TASKS}
    assert scales == {"teval": (100.0, 100.0), "worfbench": (1.0, 1.0), "needle": (10.0, 100.0),
                      "longbench": (100.0, 100.0), "longgenbench": (100.0, 100.0), "pddl": (1.0, 1.0),
                      "tool_query": (1.0, 1.0), "tool_operation": (1.0, 1.0), "scienceworld": (1.0, 1.0),
                      "game": (1.0, 1.0)}


def test_capabilities_expand_in_table_order():
    assert tasks_of("long_context") == ["needle", "longbench", "longgenbench"]
    assert expand_task_names("teval,long_context,needle") == ["teval", "needle", "longbench", "longgenbench"]
    assert expand_task_names("all") == list(TASKS)
    assert {capability_of(n) for n in TASKS} == set(CAPABILITIES)


def test_unknown_names_are_clear_errors():
    listed = ", ".join(TASKS)
    with pytest.raises(UnknownTaskError, match=f"^unknown task 'nope': tasks are {listed}; capabilities are "
                                               "tool_use, workflow, long_context, real_world$"):
        expand_task_names("teval,nope")
    with pytest.raises(UnknownTaskError, match=f"^unknown task 'nope': tasks are {listed}$"):
        task_class("nope")
    with pytest.raises(UnknownTaskError, match=f"^unknown task 'nope': tasks are {listed}$"):
        capability_of("nope")
    with pytest.raises(UnknownTaskError, match="^no tasks given$"):
        expand_task_names(" , ")
    with pytest.raises(ValueError, match=r"^task 'needle' has no option\(s\) \['colour'\]; it takes \["):
        make_task("needle", colour="red")


def test_a_task_reads_its_capability_from_the_registry(monkeypatch):
    monkeypatch.setitem(TASKS, "needle", registry.TaskEntry("workflow", TASKS["needle"].target))
    assert task_class("needle").capability == "workflow"
    assert make_task("needle").aggregate([]).capability == "workflow"


def test_headline_declarations_are_checked():
    with pytest.raises(ValueError, match="relative to its task"):
        Headline("needle/score")
    with pytest.raises(ValueError, match="maximum must be positive"):
        Headline("score", maximum=0.0)
    with pytest.raises(ValueError, match="higher is better"):
        Headline("loss", higher_is_better=False)
    with pytest.raises(ValueError, match="'other' is not the headline 'score' or its strict twin"):
        Headline("score").maximum_of("other")
