"""Metric names and the headline scale, in one place: the run logs with these, the report and sweeps read them.

    base/<capability>/<task>/<metric>       every aggregate metric of a task, paper value under its own name
    base/<capability>/<task>/headline       the task's headline on the common 0-100 scale (higher is better)
    base/<capability>/score                 mean of the capability's task headlines (0-100)
    compressed/...                          the same for the compressed model
    retention/..., stats/..., model/..., time/...   unchanged (see acbench/stats/naming.py for stats/)

Roles: `base/` is always the original model, `compressed/` the model compared with it (the compressed
checkpoint, the model of a reference run, or the model under a quantized KV cache). A single-model run
(`method=none`) logs `base/` only.

A task's metric names are relative to the task (`plan/json`, `score`); a task that writes its own name in
front (`needle/score`) has it removed, so two tasks of one capability never share a name. Raw values keep the
scale their upstream evaluator prints (T-Eval 0-100, WorfBench F1 0-1, needle 0-10): they must equal the
upstream numbers (specs/paper-scoring.md). Each task declares its `Headline` (metric, maximum, direction);
`on_common_scale` adds the headline on 0-100, and that value is what capability scores, retention, the
statistics and the report average.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from acbench.errors import ConfigError
from acbench.tasks.results import TaskResult, headline_from_items

BASE, COMPRESSED = "base", "compressed"
ROLES: tuple[str, ...] = (BASE, COMPRESSED)
SCALE = 100.0  # every headline and capability score is on 0-100
HEADLINE = "headline"  # the per-task metric holding the headline on SCALE
SCORE = "score"  # the per-capability mean of headlines

# Every item is scored twice (specs/paper-scoring.md): `paper` follows the evaluator the paper ran, quirks
# included, under the metric's own name; `strict` is acbench's corrected rule, logged as `<metric>_strict`.
# A task's `scoring` option only picks which of the two is its headline.
SCORING_MODES: tuple[str, ...] = ("paper", "strict")
STRICT_SUFFIX = "_strict"


def check_scoring(scoring: str) -> str:
    """Validate a task's `scoring` option."""
    if scoring not in SCORING_MODES:
        raise ConfigError(f"scoring must be one of {list(SCORING_MODES)}, got {scoring!r}")
    return scoring


def headline_key(metric: str, scoring: str) -> str:
    """The metric key that is the task's headline under `scoring` (`overall` or `overall_strict`)."""
    return metric if check_scoring(scoring) == "paper" else metric + STRICT_SUFFIX


@dataclass(frozen=True)
class Headline:
    """The metric that stands for a task, declared once on its class.

    `metric` is relative to the task and names the paper value (`overall`); under `scoring=strict` its
    `_strict` twin is the headline. `maximum` is the paper value's full scale (100, 10 or 1) and
    `strict_maximum` the twin's when it differs (needle: 0-10 paper, 0-100 strict).
    """

    metric: str
    maximum: float = 100.0
    strict_maximum: float | None = None
    higher_is_better: bool = True

    def __post_init__(self):
        if not self.metric or "/" in self.metric:
            raise ValueError(f"a headline metric is one name relative to its task, not {self.metric!r}")
        if self.maximum <= 0 or (self.strict_maximum is not None and self.strict_maximum <= 0):
            raise ValueError("a headline's maximum must be positive")
        if not self.higher_is_better:
            raise ValueError("acbench averages headlines where higher is better; declare such a metric instead")

    def key(self, scoring: str) -> str:
        """The task-relative metric that is the headline under `scoring` (`overall` or `overall_strict`)."""
        return headline_key(self.metric, scoring)

    def maximum_of(self, key: str) -> float:
        """The full scale of the headline `key` (one of `key("paper")`, `key("strict")`)."""
        if key == self.metric:
            return self.maximum
        if key == self.metric + STRICT_SUFFIX:
            return self.maximum if self.strict_maximum is None else self.strict_maximum
        raise ValueError(f"'{key}' is not the headline '{self.metric}' or its strict twin")

    def to_scale(self, value: float, key: str) -> float:
        """A raw headline value on 0-100: WorfBench F1 0.5 -> 50, needle 7 (of 10) -> 70."""
        return SCALE * float(value) / self.maximum_of(key)


def check_role(role: str) -> str:
    if role not in ROLES:
        raise ValueError(f"role must be one of {list(ROLES)}, got {role!r}")
    return role


def task_relative(task: str, metric: str) -> str:
    """A task's metric key without the task's own name in front: `needle/score` -> `score`."""
    prefix = task + "/"
    return metric[len(prefix):] if metric.startswith(prefix) else metric


def task_metric(role: str, capability: str, task: str, metric: str) -> str:
    """`<role>/<capability>/<task>/<metric>`, e.g. `base/tool_use/teval/plan/json`."""
    return f"{check_role(role)}/{capability}/{task}/{task_relative(task, metric)}"


def headline_metric(role: str, capability: str, task: str) -> str:
    """`<role>/<capability>/<task>/headline`: the task's headline on 0-100."""
    return task_metric(role, capability, task, HEADLINE)


def capability_metric(role: str, capability: str) -> str:
    """`<role>/<capability>/score`: the mean headline of the capability's tasks, on 0-100."""
    return f"{check_role(role)}/{capability}/{SCORE}"


_CAPABILITY_SCORE = re.compile(r"^(base|compressed)/([a-z_]+)/score$")


def parse_capability_metric(name: str) -> tuple[str, str] | None:
    """(role, capability) of a `<role>/<capability>/score` name, else None."""
    match = _CAPABILITY_SCORE.match(str(name))
    return (match[1], match[2]) if match else None


def task_metrics(role: str, result: TaskResult) -> dict[str, float]:
    """Every aggregate metric of a task result under its full name (the headline included, once on scale)."""
    return {task_metric(role, result.capability, result.task, k): v for k, v in result.metrics.items()}


REFERENCE_MAXIMUM = "headline_maximum"  # the raw value the common scale's 100 stands for, where not the nominal one


def on_common_scale(result: TaskResult, headline: Headline) -> TaskResult:
    """The result with its headline also on 0-100: `metrics['headline']` becomes `main`, the items and the
    floor are scaled by the same factor (so the paired statistics describe the 0-100 headline), and every
    raw metric stays as the task computed it.

    100 is the headline's nominal maximum, or `result.scale_maximum` where the task declares that a correct
    reference answer scores less under the paper's rule (needle: 10 x ROUGE-1 F of the short answer phrase
    against the whole needle sentence is 7.27 for the paper's needle, 5.38 for the quick one). There each item
    is capped at the reference answer's score (a reply that repeats the whole needle sentence scores up to
    10 raw; it is as correct as the reference, not more), the headline on 0-100 is the mean of the capped
    items, and `headline_maximum` logs the raw value that 100 stands for. The raw paper number is unchanged."""
    key = task_relative(result.task, result.main)
    if result.scale_maximum is None:
        factor = SCALE / headline.maximum_of(key)
        items = [dataclasses.replace(i, value=i.value * factor) for i in result.items]
        metrics = {**result.metrics, HEADLINE: result.metrics[result.main] * factor}
        return dataclasses.replace(result, metrics=metrics, main=HEADLINE, items=items, floor=result.floor * factor)
    maximum = float(result.scale_maximum)
    if not maximum > 0:
        raise ValueError(f"task '{result.task}': the common scale's maximum must be positive, got {maximum!r}")
    factor = SCALE / maximum
    items = [dataclasses.replace(i, value=min(i.value, maximum) * factor) for i in result.items]
    value = headline_from_items(items, result.group_weights) if items else min(result.metrics[result.main], maximum) * factor
    metrics = {**result.metrics, HEADLINE: value, REFERENCE_MAXIMUM: maximum}
    return dataclasses.replace(result, metrics=metrics, main=HEADLINE, items=items, floor=result.floor * factor)


# MLflow allows alphanumerics, `_`, `-`, `.`, ` `, `:` and `/` in metric names.
_MLFLOW_BAD = re.compile(r"[^A-Za-z0-9_\-. :/]")


def mlflow_name(name: str) -> str:
    """The name a metric is logged under: `@` reads `_at_` (`jaccard@3` -> `jaccard_at_3`), anything else
    MLflow refuses becomes `_`. The only place names are changed for MLflow."""
    return _MLFLOW_BAD.sub("_", str(name).replace("@", "_at_"))


def mlflow_metrics(metrics: dict[str, float]) -> dict[str, float]:
    """The metrics as MLflow stores them: sanitised names, floats, NaN and None left out (never logged)."""
    return {mlflow_name(k): float(v) for k, v in metrics.items() if v is not None and v == v}
