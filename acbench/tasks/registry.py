"""The task registry: one row per task (name, capability, "module:Class"), imported on first use.

    capability_of("needle")                 # "long_context", without importing the task
    task = make_task("needle", profile="quick", lengths=[512])

This table is the one place a task's capability is written: task classes read theirs from it
(`acbench.tasks.base.RegisteredCapability`), and so do the capability scores, retention and the report.
Adding a task is one folder plus one row here; `tests/tasks/test_registry.py` imports every row, so a broken
entry fails CI. A task class is built as `Class(profile="quick", **options)`; unknown options are an error.
Nothing here imports a task module (or torch) until a task is built: `acbench --help` stays light.
"""

from __future__ import annotations

import importlib
import inspect
from typing import NamedTuple

from acbench.errors import ACBenchError, ConfigError
from acbench.tasks.base import CAPABILITIES, Task


class TaskEntry(NamedTuple):
    """A registered task: its capability and where its class lives (`package.module:Class`)."""

    capability: str
    target: str


TASKS: dict[str, TaskEntry] = {
    "teval": TaskEntry("tool_use", "acbench.tasks.teval.task:TEvalTask"),
    "worfbench": TaskEntry("workflow", "acbench.tasks.worfbench.task:WorfBenchTask"),
    "needle": TaskEntry("long_context", "acbench.tasks.needle.task:NeedleTask"),
    "longbench": TaskEntry("long_context", "acbench.tasks.longbench.task:LongBenchTask"),
    "longgenbench": TaskEntry("long_context", "acbench.tasks.longgenbench.task:LongGenBenchTask"),
    "pddl": TaskEntry("real_world", "acbench.tasks.pddl.task:PDDLTask"),
    "tool_query": TaskEntry("real_world", "acbench.tasks.tool_query.task:ToolQueryTask"),
    "tool_operation": TaskEntry("real_world", "acbench.tasks.tool_operation.task:ToolOperationTask"),
    "scienceworld": TaskEntry("real_world", "acbench.tasks.scienceworld.task:ScienceWorldTask"),
    "game": TaskEntry("real_world", "acbench.tasks.game.task:GameTask"),
}


class UnknownTaskError(ACBenchError):
    """A task or capability name that is not registered."""


def _unknown(name: str) -> UnknownTaskError:
    return UnknownTaskError(f"unknown task '{name}': tasks are {', '.join(TASKS)}")


def capability_of(name: str) -> str:
    """The capability a registered task counts towards (no import of the task)."""
    if name not in TASKS:
        raise _unknown(name)
    capability, _ = TASKS[name]
    return capability


def tasks_of(capability: str) -> list[str]:
    """The registered tasks of one capability, in table order."""
    return [n for n, (cap, _) in TASKS.items() if cap == capability]


def expand_task_names(spec: str | list[str]) -> list[str]:
    """Turn 'teval,long_context' into task names: capability names expand to all their tasks, in order."""
    parts = [p.strip() for p in (spec.split(",") if isinstance(spec, str) else spec) if p.strip()]
    names: list[str] = []
    for part in parts:
        if part == "all":
            expanded = list(TASKS)
        elif part in CAPABILITIES:
            expanded = tasks_of(part)
        elif part in TASKS:
            expanded = [part]
        else:
            raise UnknownTaskError(
                f"unknown task '{part}': tasks are {', '.join(TASKS)}; capabilities are {', '.join(CAPABILITIES)}"
            )
        names += [n for n in expanded if n not in names]
    if not names:
        raise UnknownTaskError("no tasks given")
    return names


def task_class(name: str) -> type:
    """Import a registered task's class (tests/tasks/test_registry.py checks that its `name` is the row's)."""
    if name not in TASKS:
        raise _unknown(name)
    _, target = TASKS[name]
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def make_task(name: str, profile: str = "quick", **options) -> Task:
    """Build a task; an option the task does not take is a clear error (not a silent default)."""
    cls = task_class(name)
    accepted = inspect.signature(cls).parameters
    if not any(p.kind == p.VAR_KEYWORD for p in accepted.values()):
        unknown = sorted(set(options) - set(accepted))
        if unknown:
            valid = sorted(k for k in accepted if k != "profile")
            raise ConfigError(f"task '{name}' has no option(s) {unknown}; it takes {valid}")
    return cls(profile=profile, **options)
