"""Synthetic TaskResults with item scores: the statistics' input, hand-checkable."""

from __future__ import annotations

from acbench.tasks.base import ItemScore, TaskResult, headline_from_items


def task_result(task: str, capability: str, values, groups=None, weights=None, floor: float = 0.0,
                binary: bool = False, ids=None) -> TaskResult:
    """A TaskResult whose headline `score` is exactly what its items give."""
    ids = ids or [f"item{k}" for k in range(len(values))]
    groups = groups or [""] * len(values)
    items = [ItemScore(i, float(v), g) for i, v, g in zip(ids, values, groups)]
    return TaskResult(task, capability, [], {"score": headline_from_items(items, weights) if items else 0.0}, "score",
                      items=items, group_weights=weights or {}, floor=floor, binary=binary)
