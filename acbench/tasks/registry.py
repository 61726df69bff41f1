"""The explicit task registry: name -> (capability, "module:Class"), imported on first use.

Every benchmark is listed here by hand; `tests/tasks/test_registry.py` imports every entry, so a broken
task fails CI. A task class is built as `Class(profile="quick", **options)`; unknown options are an error.
"""

from __future__ import annotations

import importlib
import inspect

from acbench.tasks.base import CAPABILITIES, Task

TASKS: dict[str, tuple[str, str]] = {
    "teval": ("tool_use", "acbench.tasks.teval.task:TEvalTask"),
    "worfbench": ("workflow", "acbench.tasks.worfbench.task:WorfBenchTask"),
    "needle": ("long_context", "acbench.tasks.needle.task:NeedleTask"),
    "longbench": ("long_context", "acbench.tasks.longbench.task:LongBenchTask"),
    "longgenbench": ("long_context", "acbench.tasks.longgenbench.task:LongGenBenchTask"),
    "pddl": ("real_world", "acbench.tasks.agents.task:PDDLTask"),
    "tool_query": ("real_world", "acbench.tasks.agents.task:ToolQueryTask"),
    "tool_operation": ("real_world", "acbench.tasks.agents.task:ToolOperationTask"),
    "scienceworld": ("real_world", "acbench.tasks.scienceworld.task:ScienceWorldTask"),
    "game": ("real_world", "acbench.tasks.game.task:GameTask"),
}


class UnknownTaskError(ValueError):
    """A task or capability name that is not registered."""


def expand_task_names(spec: str | list[str]) -> list[str]:
    """Turn 'teval,long_context' into task names: capability names expand to all their tasks, in order."""
    parts = [p.strip() for p in (spec.split(",") if isinstance(spec, str) else spec) if p.strip()]
    names: list[str] = []
    for part in parts:
        if part == "all":
            expanded = list(TASKS)
        elif part in CAPABILITIES:
            expanded = [n for n, (cap, _) in TASKS.items() if cap == part]
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
    if name not in TASKS:
        raise UnknownTaskError(f"unknown task '{name}': tasks are {', '.join(TASKS)}")
    module, _, attr = TASKS[name][1].partition(":")
    return getattr(importlib.import_module(module), attr)


def make_task(name: str, profile: str = "quick", **options) -> Task:
    """Build a task; an option the task does not take is a clear error (not a silent default)."""
    cls = task_class(name)
    accepted = inspect.signature(cls).parameters
    if not any(p.kind == p.VAR_KEYWORD for p in accepted.values()):
        unknown = sorted(set(options) - set(accepted))
        if unknown:
            valid = sorted(k for k in accepted if k != "profile")
            raise ValueError(f"task '{name}' has no option(s) {unknown}; it takes {valid}")
    return cls(profile=profile, **options)
