"""The result types every task and the metrics share: a sample, one item's score, a task's result.

Pure data with no acbench imports, so acbench.metrics and acbench.tasks.base both import them without an
import circle. `acbench.tasks.base` re-exports them (existing `from acbench.tasks.base import Sample` works).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Sample:
    """One benchmark item: a stable id, the raw upstream record, and the gold answer.

    `upstream_id` is the item's id exactly as the upstream data file writes it (`"0"`, `"toolalpaca_154"`),
    when that differs from acbench's own `id`; `acbench score` accepts predictions keyed by either.
    """

    id: str
    data: dict[str, Any]
    target: Any = None
    upstream_id: str | None = None


@dataclass(frozen=True)
class ItemScore:
    """One item's share of a task's headline, the data of the paired statistics (acbench.stats).

    A task's headline equals `headline_from_items(items, group_weights)`: the weighted sum over groups of the
    mean item value in each group. Most tasks have one group (a plain mean) or a macro mean (equal weights);
    the bootstrap resamples items within their group, so the decomposition must be exact.
    """

    id: str
    value: float
    group: str = ""


def headline_from_items(items: list[ItemScore], group_weights: dict[str, float] | None = None) -> float:
    """sum_g weight[g] * mean(values in g); no weights = every group weighs the same (a macro mean)."""
    groups: dict[str, list[float]] = {}
    for item in items:
        groups.setdefault(item.group, []).append(item.value)
    if not groups:
        return 0.0
    weights = group_weights or {g: 1.0 / len(groups) for g in groups}
    return sum(weights[g] * sum(v) / len(v) for g, v in groups.items())


@dataclass
class TaskResult:
    """Per-item records and aggregate metrics (keys relative to the capability, e.g. `instruct/json`).

    `main` names the metric that stands for the task in the capability average and in retention.
    `figures` maps a file name to a matplotlib figure, logged under `figures/`.
    `items` decomposes `metrics[main]` item by item (see `ItemScore`), with `group_weights` (empty: equal).
    `floor` is the headline a model scores by chance (0 unless the task has choices), on the headline's scale;
    `binary` says every item value is 0 or one fixed maximum (exact McNemar applies).
    `scale_maximum` is what a correct reference answer scores on the raw headline, where the paper's rule
    cannot reach the headline's nominal maximum on a correct answer (needle: about 7.3 of 10); the common
    0-100 scale then divides by it (acbench.metrics.on_common_scale). None: the nominal maximum.
    """

    task: str
    capability: str
    records: list[dict]
    metrics: dict[str, float]
    main: str
    figures: dict[str, Any] = field(default_factory=dict)
    items: list[ItemScore] = field(default_factory=list)
    group_weights: dict[str, float] = field(default_factory=dict)
    floor: float = 0.0
    binary: bool = False
    scale_maximum: float | None = None

    @property
    def score(self) -> float:
        return self.metrics[self.main]
