"""Evaluate one model on a list of tasks, with per-item results cached on disk (resume + base reuse).

    results = evaluate_model(engine, model_key="base-abc123", cfg=cfg)

Each task's records go to `<cache>/results/<model_key>/<task>-<task_key>.jsonl` as they are produced.
The same model + task settings always map to the same file, so an interrupted run resumes where it
stopped and the base model's results are reused by every later run that compares against it.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from acbench import metrics as names
from acbench.config import RunConfig
from acbench.engines.base import Engine
from acbench.models import cache_dir
from acbench.stats.split import split_ids
from acbench.tasks.base import ResultStore, TaskResult
from acbench.tasks.registry import capability_of, make_task, task_class

log = logging.getLogger(__name__)


@dataclass
class TaskSetup:
    """A built task, its samples, and the full options it runs with (defaults included, for logging)."""

    name: str
    task: Any
    samples: list
    options: dict[str, Any]
    key: str


def task_options(name: str, cfg: RunConfig) -> dict[str, Any]:
    """User options for a task (from cfg.task_options) minus the data source, which goes to `load`."""
    return {k: v for k, v in cfg.task_options.get(name, {}).items() if k != "data"}


def full_options(name: str, options: dict[str, Any], task: Any = None) -> dict[str, Any]:
    """Every option of the task with the value it runs with: the user's, else what the built task resolved
    (a profile's default, e.g. the embedding model), else the constructor default."""
    params = inspect.signature(task_class(name)).parameters
    simple = (str, int, float, bool, tuple, list, type(None))
    full = {}
    for key, param in params.items():
        if key == "profile" or param.default is inspect.Parameter.empty:
            continue
        resolved = getattr(task, key, param.default) if task is not None else param.default
        full[key] = resolved if isinstance(resolved, simple) else param.default
    return {**full, **options}


def resolved_settings(task) -> dict[str, Any]:
    """The task's public settings after its profile filled them in (max_steps, lengths, budgets...): part of
    the results key, so results made under an older profile default are never reused for a newer one."""
    simple = (str, int, float, bool, tuple, list, dict, type(None))
    return {k: v for k, v in vars(task).items() if not k.startswith("_") and isinstance(v, simple)}


def setup_tasks(cfg: RunConfig) -> list[TaskSetup]:
    """Build every task and load its samples (cheap): bad task options fail here, before any model loads."""
    setups = []
    for name in cfg.tasks:
        options = task_options(name, cfg)
        task = make_task(name, profile=cfg.profile, **options)
        source = cfg.task_options.get(name, {}).get("data")
        samples = task.load(source=source, limit=cfg.limit)
        if cfg.split != "all":  # a sweep's selection or confirmation half (acbench/stats/split.py)
            keep = set(split_ids(name, [s.id for s in samples], cfg.split))
            samples = [s for s in samples if s.id in keep]
        full = full_options(name, options, task)
        blob = json.dumps(
            {"task": name, "version": getattr(task, "version", "1"), "profile": cfg.profile, "limit": cfg.limit,
             "source": source, "options": full, "settings": resolved_settings(task), "ids": [s.id for s in samples]},
            sort_keys=True, default=str,
        )
        key = hashlib.sha256(blob.encode()).hexdigest()[:12]
        setups.append(TaskSetup(name, task, samples, full, key))
    return setups


def results_path(model_key: str, setup: TaskSetup) -> Path:
    return cache_dir() / "results" / model_key / f"{setup.name}-{setup.key}.jsonl"


def evaluate_model(engine: Engine, model_key: str, setups: list[TaskSetup], on_result=None,
                   after_task=None) -> dict[str, TaskResult]:
    """Run every task on `engine`; `on_result(name, result, seconds)` is called as each task finishes, then
    `after_task(setup)` (the gold likelihood, while the engine still holds the task's prompts).

    Each result comes back with its headline also on the common 0-100 scale (`acbench.metrics.on_common_scale`:
    `main` is `headline`, items and floor scaled alike), which is what capability scores, retention and the
    statistics use; the task's raw metrics are unchanged beside it.
    """
    results: dict[str, TaskResult] = {}
    for setup in setups:
        store = ResultStore(results_path(model_key, setup))
        done = sum(1 for s in setup.samples if s.id in store)
        if done:
            log.info("%s: %d of %d items already done for %s; resuming", setup.name, done, len(setup.samples), model_key)
        start = time.perf_counter()
        result = names.on_common_scale(setup.task.run(engine, setup.samples, store), type(setup.task).headline)
        results[setup.name] = result
        if on_result:
            on_result(setup.name, result, time.perf_counter() - start)
        if after_task:
            after_task(setup)
    return results


def capability_scores(results: dict[str, TaskResult]) -> dict[str, float]:
    """Mean of the tasks' headlines per capability (the registry's), on the results' common 0-100 scale."""
    by_cap: dict[str, list[float]] = {}
    for name, result in results.items():
        by_cap.setdefault(capability_of(name), []).append(result.score)
    return {cap: sum(v) / len(v) for cap, v in by_cap.items()}


PLAIN = "retention_plain"  # the plain ratio c / b, logged beside the chance-relative retention


def retention(base: dict[str, TaskResult], compressed: dict[str, TaskResult],
              measurable: dict[str, bool] | None = None, plain: bool = False) -> dict[str, float]:
    """Retention of each task's headline relative to chance, averaged per capability, then over capabilities.

    `retention/task/<task>` is (c - floor) / (b - floor) on the common scale (`TaskResult.floor`): the share of
    the original model's ability *above chance* that the compressed model keeps, so a compressed model at chance
    retains 0 (the plain ratio would give floor / base). With a floor of 0 it is c / b. `plain=True` gives the
    plain ratio c / b of the same tasks instead, under `retention_plain/...` (the run logs both); capability
    and overall retention average the chance-relative values (acbench/stats/README.md says why).

    Only a task whose original model is measurably above its floor has a retention: `measurable[name]`, from
    the paired statistics (`acbench.stats`, a one-sided test of the base items against `TaskResult.floor`).
    A task without statistics (no item scores) falls back to "base headline above the floor". Any other task
    has no `retention/task/<task>` and is left out of its capability's mean; a capability with no measurable
    task has no retention and is left out of `retention/overall`. (Both models at 0 used to count as 1.0.)
    A base headline at or below the floor never divides, whatever the statistics say.
    """
    measurable = measurable or {}
    prefix = PLAIN if plain else "retention"
    per_task: dict[str, float] = {}
    for name, comp in compressed.items():
        b, c, floor = base[name].score, comp.score, base[name].floor
        if measurable.get(name, b > floor) and b > floor and b != 0:
            per_task[name] = c / b if plain else (c - floor) / (b - floor)
    metrics = {f"{prefix}/task/{name}": value for name, value in per_task.items()}
    by_cap: dict[str, list[float]] = {}
    for name, value in per_task.items():
        by_cap.setdefault(capability_of(name), []).append(value)
    metrics.update({f"{prefix}/{cap}": sum(v) / len(v) for cap, v in by_cap.items()})
    if by_cap:
        caps = [metrics[f"{prefix}/{cap}"] for cap in by_cap]
        metrics[f"{prefix}/overall"] = sum(caps) / len(caps)
    return metrics
