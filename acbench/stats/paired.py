"""Pair a task's item scores of the original ("base") and the compressed model: the data of every statistic.

    paired = pair_items(base_result, compressed_result)   # a PairedTask, or a PairingProblem saying why not

A task's headline is `sum_g w_g * mean(values in g)` (`acbench.tasks.base.headline_from_items`). Every item
therefore has an *effective value* `N * w_g / n_g * value` whose plain mean over all N items is the headline;
one-sample tests, the MDE and the permutation test work on effective values, the bootstrap on the groups.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from acbench.tasks.base import TaskResult, headline_from_items

# How far the items' headline may be from metrics[main] before the decomposition counts as broken.
HEADLINE_RTOL = 1e-6


@dataclass(frozen=True)
class PairingProblem:
    """Why a task has no paired statistics: `status` is the tag value, `reason` the sentence."""

    status: str
    reason: str


@dataclass(frozen=True)
class PairedTask:
    """Item values of both models, aligned by item id, with each item's group and the group weights."""

    task: str
    capability: str
    ids: tuple[str, ...]
    group_index: np.ndarray  # int, one per item: index into `groups`
    groups: tuple[str, ...]
    weights: np.ndarray  # one per group
    base: np.ndarray
    comp: np.ndarray
    floor: float = 0.0
    binary: bool = False

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def group_sizes(self) -> np.ndarray:
        return np.bincount(self.group_index, minlength=len(self.groups))

    def item_weights(self) -> np.ndarray:
        """N * w_g / n_g per item: effective value = weight * value, and their mean is the headline."""
        return self.n * self.weights[self.group_index] / self.group_sizes[self.group_index]

    def effective(self, values: np.ndarray) -> np.ndarray:
        return self.item_weights() * values

    def headline(self, values: np.ndarray) -> float:
        return float(self.effective(values).mean())


def pair_items(base: TaskResult, comp: TaskResult, rtol: float = HEADLINE_RTOL) -> PairedTask | PairingProblem:
    """Align `base.items` and `comp.items` by id (groups and weights from the base result).

    Returns a PairingProblem when a model has no items, when the two id sets differ or repeat, or when the items
    do not reproduce the headline `metrics[main]` (then no statistic would describe the logged score).
    """
    if not base.items or not comp.items:
        return PairingProblem("no_items", f"task '{base.task}' reports no item scores (TaskResult.items is empty)")
    b_ids = [i.id for i in base.items]
    c_by_id = {i.id: i for i in comp.items}
    if len(set(b_ids)) != len(b_ids) or len(c_by_id) != len(comp.items) or set(b_ids) != set(c_by_id):
        return PairingProblem("unpaired", f"task '{base.task}': base and compressed items differ or repeat "
                                          f"({len(b_ids)} vs {len(comp.items)} items)")
    for result in (base, comp):
        try:
            expected = result.metrics[result.main]
            got = headline_from_items(result.items, result.group_weights)
        except KeyError as err:
            return PairingProblem("items_mismatch", f"task '{result.task}': group {err} has no weight")
        if not math.isclose(got, expected, rel_tol=rtol, abs_tol=rtol):
            return PairingProblem("items_mismatch", f"task '{result.task}': items give headline {got!r}, "
                                                    f"metrics['{result.main}'] is {expected!r}")
    groups = tuple(dict.fromkeys(i.group for i in base.items))
    where = {g: k for k, g in enumerate(groups)}
    weights = base.group_weights or {g: 1.0 / len(groups) for g in groups}
    return PairedTask(
        task=base.task, capability=base.capability, ids=tuple(b_ids),
        group_index=np.array([where[i.group] for i in base.items], dtype=np.int64), groups=groups,
        weights=np.array([float(weights[g]) for g in groups]),
        base=np.array([i.value for i in base.items], dtype=float),
        comp=np.array([c_by_id[i].value for i in b_ids], dtype=float),
        floor=float(base.floor), binary=bool(base.binary and comp.binary),
    )


def from_arrays(base, comp, groups=None, weights: dict[str, float] | None = None, *, task: str = "task",
                capability: str = "tool_use", floor: float = 0.0, binary: bool = False) -> PairedTask:
    """A PairedTask from plain arrays (synthetic data, simulations); `groups` defaults to one group."""
    base = np.asarray(base, dtype=float)
    comp = np.asarray(comp, dtype=float)
    labels = [""] * len(base) if groups is None else [str(g) for g in groups]
    names = tuple(dict.fromkeys(labels))
    where = {g: k for k, g in enumerate(names)}
    w = weights or {g: 1.0 / len(names) for g in names}
    return PairedTask(task, capability, tuple(str(k) for k in range(len(base))),
                      np.array([where[g] for g in labels], dtype=np.int64), names,
                      np.array([float(w[g]) for g in names]), base, comp, float(floor), binary)
