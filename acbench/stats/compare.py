"""Compare the original and the compressed model of one run: every task's and capability's scores with
intervals, paired tests with Holm's correction, floors and minimum detectable effects.

    run_stats = compare_results(base_results, compressed_results, resamples=2000, seed=0)
    run_stats.metrics()        # stats/<capability>/<task>/delta, ..._lo, ..._hi, p_value, p_holm, mde, n, ...
    run_stats.tags()           # acbench.stats.<task> = measured | floor | no_items | unpaired | items_mismatch
    run_stats.measurable()     # task -> may it have a retention (evaluate.retention reads this)
    run_stats.summary()        # one row per task: the human-readable table logged as stats/summary.json
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from acbench.stats import bootstrap as bs
from acbench.stats import naming
from acbench.stats.inference import ALPHA, floor_test, holm, mde, paired_test, small_sample_note
from acbench.stats.paired import PairedTask, PairingProblem, pair_items
from acbench.tasks.base import TaskResult

Interval = tuple[float, float, float]  # estimate, lo, hi
# retention: relative to chance, (c - floor) / (b - floor); retention_plain: c / b (the same where the floor is 0)
QUANTITIES = ("base", "compressed", "delta", "retention", "retention_plain")
RETENTIONS = ("retention", "retention_plain")


@dataclass
class TaskStats:
    """Everything the statistics say about one task; `status` is `measured`, `floor` or why there are none."""

    task: str
    capability: str
    status: str
    reason: str = ""
    n: int = 0
    floor: float = 0.0
    intervals: dict[str, Interval] = field(default_factory=dict)  # QUANTITIES; no retention at the floor
    p_value: float = float("nan")
    test: str = ""
    p_holm: float = float("nan")
    p_floor: float = float("nan")
    floor_test: str = ""
    mde: float = float("nan")
    undefined: dict[str, float] = field(default_factory=dict)  # retention -> share of draws where it is NaN

    @property
    def has_stats(self) -> bool:
        return self.status in ("measured", "floor")

    @property
    def note(self) -> str:
        """'too few items (n) to detect a drop of 10 points ...' where the MDE says so (stats.inference)."""
        return small_sample_note(self.n, self.mde) if self.has_stats else ""

    @property
    def significant_drop(self) -> bool:
        """Compressed below the original with Holm-adjusted p < alpha."""
        delta = self.intervals.get("delta", (np.nan,))[0]
        return bool(self.p_holm < ALPHA and delta < 0)


@dataclass
class RunStats:
    """Per-task and per-capability statistics of a run, and how they were computed."""

    tasks: dict[str, TaskStats]
    capabilities: dict[str, dict[str, Interval]]
    overall: dict[str, Interval]
    method: str = "percentile"
    level: float = 0.95
    resamples: int = 2000
    seed: int = 0
    undefined: dict[str, dict[str, float]] = field(default_factory=dict)  # capability | overall -> retention -> share

    def measurable(self) -> dict[str, bool]:
        """Tasks with statistics -> is the original model above the floor (so that retention means something)."""
        return {name: s.status == "measured" for name, s in self.tasks.items() if s.has_stats}

    def metrics(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for s in self.tasks.values():
            if not s.has_stats:
                continue
            for quantity, value in s.intervals.items():
                out.update(naming.interval_metrics(naming.task_prefix(s.capability, s.task), quantity, value))
            prefix = naming.task_prefix(s.capability, s.task)
            out.update({f"{prefix}/p_value": s.p_value, f"{prefix}/p_holm": s.p_holm, f"{prefix}/mde": s.mde,
                        f"{prefix}/n": float(s.n), f"{prefix}/floor": s.floor, f"{prefix}/p_floor": s.p_floor,
                        f"{prefix}/significant_drop": float(s.significant_drop),
                        f"{prefix}/too_few_items": float(bool(s.note))})
            out.update({f"{prefix}/{q}_undefined": share for q, share in s.undefined.items()})
        for cap, intervals in self.capabilities.items():
            for quantity, value in intervals.items():
                out.update(naming.interval_metrics(f"stats/{cap}", quantity, value))
            out.update({f"stats/{cap}/{q}_undefined": v for q, v in self.undefined.get(cap, {}).items()})
        for quantity, value in self.overall.items():
            out.update(naming.interval_metrics("stats/overall", quantity, value))
        out.update({f"stats/overall/{q}_undefined": v for q, v in self.undefined.get("overall", {}).items()})
        return {k: v for k, v in out.items() if v == v}  # NaN: nothing to log

    def tags(self) -> dict[str, str]:
        tags = {f"acbench.stats.{name}": s.status for name, s in self.tasks.items()}
        tags["acbench.stats.interval"] = self.describe()
        return tags

    def describe(self) -> str:
        return (f"{self.method} {round(self.level * 100)}% paired bootstrap over items, stratified by group "
                f"(pooled across groups where a group has a single item), "
                f"{self.resamples} resamples, seed {self.seed}; no retention interval where more than "
                f"{100 * bs.max_undefined(self.level):g}% of the draws leave it undefined")

    def summary(self) -> list[dict]:
        """One row per task: the human-readable table (numbers rounded for reading)."""
        rows = []
        for s in self.tasks.values():
            row = {"task": s.task, "capability": s.capability, "status": s.status, "n": s.n}
            for quantity in QUANTITIES:
                est, lo, hi = s.intervals.get(quantity, (np.nan, np.nan, np.nan))
                row[quantity] = _round(est)
                row[f"{quantity}_ci"] = f"[{lo:.4g}, {hi:.4g}]" if lo == lo else ""
            for quantity in RETENTIONS:
                row[f"{quantity}_undefined"] = _round(s.undefined.get(quantity, np.nan))
            row.update({"test": s.test, "p_value": _round(s.p_value), "p_holm": _round(s.p_holm),
                        "significant_drop": s.significant_drop, "mde": _round(s.mde), "floor": s.floor,
                        "p_floor": _round(s.p_floor), "too_few_items": s.note,
                        "note": "; ".join(t for t in (s.reason, s.note) if t)})
            rows.append(row)
        return rows


def _round(value: float, digits: int = 4) -> float | None:
    return None if value is None or value != value else round(float(value), digits)


def task_rng(seed: int, task: str) -> np.random.Generator:
    """A generator per task, so a task's interval does not depend on which other tasks ran."""
    return np.random.default_rng([seed, zlib.crc32(task.encode())])


def compare_results(base: dict[str, TaskResult], comp: dict[str, TaskResult], resamples: int = 2000,
                    seed: int = 0, method: str = "percentile", level: float = 0.95, permutations: int = 9999) -> RunStats:
    """Statistics of every task present in both result sets, then per capability and overall."""
    tasks: dict[str, TaskStats] = {}
    paired: dict[str, tuple[PairedTask, bs.Draws]] = {}
    for name, comp_result in comp.items():
        pair = pair_items(base[name], comp_result)
        if isinstance(pair, PairingProblem):
            tasks[name] = TaskStats(name, comp_result.capability, pair.status, pair.reason,
                                    floor=float(base[name].floor))
            continue
        draws = bs.bootstrap(pair, resamples, task_rng(seed, name))
        paired[name] = (pair, draws)
        tasks[name] = _task_stats(pair, draws, method, level, seed, permutations)
    adjusted = holm([tasks[n].p_value for n in paired])
    for name, p in zip(paired, adjusted):
        tasks[name].p_holm = float(p)
    capabilities, undefined = {}, {}
    by_cap: dict[str, list[str]] = {}
    for name in paired:
        by_cap.setdefault(tasks[name].capability, []).append(name)
    for cap, names in by_cap.items():
        capabilities[cap], undefined[cap] = _group_intervals([paired[n] for n in names], [tasks[n] for n in names],
                                                             method, level)
    overall, undefined["overall"] = _overall(paired, tasks, by_cap, method, level)
    return RunStats(tasks, capabilities, overall, method, level, resamples, seed, undefined=undefined)


def _task_stats(pair: PairedTask, draws: bs.Draws, method: str, level: float, seed: int,
                permutations: int) -> TaskStats:
    p_floor, floor_name = floor_test(pair)
    measured = p_floor < ALPHA
    found = {q: bs.estimate(f, [pair], [draws], level, method) for q, f in _statistics([pair.floor]).items()
             if q not in RETENTIONS or measured}
    p_value, test = paired_test(pair, resamples=permutations, seed=seed)
    status = "measured" if measured else "floor"
    reason = "" if measured else f"at floor ({pair.n} items): base not above {pair.floor:g} (p = {p_floor:.3g})"
    return TaskStats(pair.task, pair.capability, status, reason, pair.n, pair.floor,
                     {q: e.triple() for q, e in found.items()}, p_value, test, p_floor=p_floor, floor_test=floor_name,
                     mde=mde(pair), undefined={q: found[q].undefined for q in RETENTIONS if q in found})


def _statistics(floors: list[float], caps: list[str] | None = None) -> dict[str, bs.Statistic]:
    """QUANTITIES as statistics over task columns with these floors (their mean over capabilities when `caps`
    names each column's capability)."""

    def make(cols: list[int]) -> dict[str, bs.Statistic]:
        return {"base": bs.mean_base, "compressed": bs.mean_comp, "delta": bs.mean_delta,
                "retention": bs.retention_above([floors[k] for k in cols]), "retention_plain": bs.mean_retention}

    if caps is None:
        return make(list(range(len(floors))))
    return {q: _by_capability(lambda cols, q=q: make(cols)[q], caps) for q in QUANTITIES}


def _group_intervals(pairs: list[tuple[PairedTask, bs.Draws]], stats_: list[TaskStats], method: str,
                     level: float) -> tuple[dict[str, Interval], dict[str, float]]:
    """Scores and delta over every task with items; retentions over the measurable ones only (with the share of
    draws where they are undefined)."""
    tasks, draws = [p for p, _ in pairs], [d for _, d in pairs]
    out = {q: bs.interval(_statistics([0.0] * len(tasks))[q], tasks, draws, level, method)
           for q in ("base", "compressed", "delta")}
    undefined = {}
    keep = [k for k, s in enumerate(stats_) if s.status == "measured"]
    if keep:
        statistics = _statistics([tasks[k].floor for k in keep])
        for q in RETENTIONS:
            found = bs.estimate(statistics[q], [tasks[k] for k in keep], [draws[k] for k in keep], level, method)
            out[q], undefined[q] = found.triple(), found.undefined
    return out, undefined


def _overall(paired, tasks, by_cap, method, level) -> tuple[dict[str, Interval], dict[str, float]]:
    """Mean over capabilities of the capability's mean (scores, delta), and of its retentions where it has one."""
    if not paired:
        return {}, {}
    order = [n for names in by_cap.values() for n in names]
    caps = [tasks[n].capability for n in order]
    pairs = [paired[n][0] for n in order]
    draws = [paired[n][1] for n in order]
    statistics = _statistics([0.0] * len(order), caps)
    out = {q: bs.interval(statistics[q], pairs, draws, level, method) for q in ("base", "compressed", "delta")}
    undefined = {}
    keep = [k for k, n in enumerate(order) if tasks[n].status == "measured"]
    if keep:
        statistics = _statistics([pairs[k].floor for k in keep], [caps[k] for k in keep])
        for q in RETENTIONS:
            found = bs.estimate(statistics[q], [pairs[k] for k in keep], [draws[k] for k in keep], level, method)
            out[q], undefined[q] = found.triple(), found.undefined
    return out, undefined


def _by_capability(make: Callable[[list[int]], bs.Statistic], caps: list[str]) -> bs.Statistic:
    """The mean over capabilities of `make(columns)` applied to each capability's columns."""
    columns = {cap: [k for k, c in enumerate(caps) if c == cap] for cap in dict.fromkeys(caps)}
    parts = [(cols, make(cols)) for cols in columns.values()]

    def combined(b: np.ndarray, c: np.ndarray) -> np.ndarray:
        return np.mean([statistic(b[:, cols], c[:, cols]) for cols, statistic in parts], axis=0)

    return combined
