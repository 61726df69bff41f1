"""Paired, stratified bootstrap of task headlines, and percentile / BCa intervals from the draws.

    draws = bootstrap(paired, resamples=2000, rng=np.random.default_rng(0))   # Draws: base and comp, [B]
    est, lo, hi = interval(mean_delta, [paired], [draws], method="bca")
    found = estimate(retention_above([20.0]), [paired], [draws])   # Estimate: ..., undefined (share of NaN draws)

One resample draws item indices with replacement *within each group* of a task (the same indices for the
original and the compressed model: the pairing is kept), then recomputes the weighted headline exactly as the
task does. Index matrices are drawn per group, so there is no Python loop per resample. A task with a group of
a single item is resampled across groups instead (`stratified`, `_pooled`): within-group resampling would give
that group no variance at all.

Statistics over several tasks (a capability) take matrices `[rows, tasks]` of base and compressed headlines
and return one value per row; each task is resampled independently (items are independent across tasks).
scipy.stats.bootstrap is not used: it cannot stratify within groups or share draws between statistics.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy import stats

from acbench.stats.paired import PairedTask

Statistic = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (base [R, T], comp [R, T]) -> [R]
METHODS = ("bca", "percentile")


@dataclass(frozen=True)
class Draws:
    """Bootstrap headlines of one task, `[B]` each, and leave-one-item-out headlines, `[n]` each."""

    base: np.ndarray
    comp: np.ndarray
    jack_base: np.ndarray
    jack_comp: np.ndarray


def stratified(task: PairedTask) -> bool:
    """Whether items are resampled within their groups: only when every group has two items or more.

    A group of one item reproduces itself in every stratified resample, so its variance would vanish from the
    interval (quick profiles take one item per T-Eval file or WorfBench task type: a zero-width interval that
    reads like certainty). Then items are resampled across the whole task instead (`_pooled`).
    """
    return len(task.groups) == 1 or int(task.group_sizes.min()) >= 2


def bootstrap(task: PairedTask, resamples: int, rng: np.random.Generator) -> Draws:
    """Paired bootstrap of the task's weighted headline for both models (stratified when `stratified`)."""
    if not stratified(task):
        return _pooled(task, resamples, rng)
    base = np.zeros(resamples)
    comp = np.zeros(resamples)
    for g, weight in enumerate(task.weights):
        members = np.flatnonzero(task.group_index == g)
        pick = members[rng.integers(len(members), size=(resamples, len(members)))]
        base += weight * task.base[pick].mean(axis=1)
        comp += weight * task.comp[pick].mean(axis=1)
    return Draws(base, comp, _jackknife(task, task.base), _jackknife(task, task.comp))


def _pooled(task: PairedTask, resamples: int, rng: np.random.Generator) -> Draws:
    """Items drawn with replacement across groups; each keeps its weight w_g / n_g, and the headline of a
    resample is the weighted mean of its items scaled to the total weight (a ratio estimator: on the original
    items it is exactly the headline). Leave-one-out values use the same estimator."""
    weights = task.item_weights()
    pick = rng.integers(task.n, size=(resamples, task.n))
    total = weights.sum()

    def estimate(values: np.ndarray) -> np.ndarray:
        return (weights[pick] * values[pick]).sum(axis=1) / weights[pick].sum(axis=1) * total / task.n

    def leave_one_out(values: np.ndarray) -> np.ndarray:
        sums = (weights * values).sum()
        with np.errstate(divide="ignore", invalid="ignore"):
            return (sums - weights * values) / (total - weights) * total / task.n

    return Draws(estimate(task.base), estimate(task.comp), leave_one_out(task.base), leave_one_out(task.comp))


def _jackknife(task: PairedTask, values: np.ndarray) -> np.ndarray:
    """Headline without item i, for every i: H + w_g (mean_-i - mean_g). Only stratified tasks come here, so
    every group has two items or more, or the task is a single item (NaN: nothing is left without it)."""
    if task.n < 2:
        return np.full(task.n, np.nan)
    sizes = task.group_sizes[task.group_index]
    sums = np.bincount(task.group_index, weights=values)[task.group_index]
    weight = task.weights[task.group_index]
    return task.headline(values) + weight * ((sums - values) / (sizes - 1) - sums / sizes)


def point(tasks: list[PairedTask]) -> tuple[np.ndarray, np.ndarray]:
    """Observed headlines `[1, T]` of both models."""
    return (np.array([[t.headline(t.base) for t in tasks]]), np.array([[t.headline(t.comp) for t in tasks]]))


@dataclass(frozen=True)
class Estimate:
    """A statistic's estimate and interval, and the share of bootstrap draws on which it is undefined (NaN:
    e.g. a retention whose resampled base is at or below the floor)."""

    estimate: float
    lo: float
    hi: float
    undefined: float = 0.0

    def triple(self) -> tuple[float, float, float]:
        return self.estimate, self.lo, self.hi


def max_undefined(level: float = 0.95) -> float:
    """The largest share of undefined draws that still gives an interval: (1 - level) / 2, 2.5 % at 95 %.

    The undefined draws are left out; were they all in one tail, a larger share than one tail's (1 - level) / 2
    would move that end of the interval anywhere, so beyond it no interval is reported."""
    return (1 - level) / 2


def estimate(statistic: Statistic, tasks: list[PairedTask], draws: list[Draws], level: float = 0.95,
             method: str = "percentile") -> Estimate:
    """`interval` with the share of undefined draws; lo and hi are NaN when that share exceeds `max_undefined`.

    `percentile`: the (1-level)/2 and (1+level)/2 quantiles of the bootstrap values. `bca`: the same quantiles
    moved by the bias correction z0 (mid-rank, so that ties of discrete scores count half) and the acceleration
    from the leave-one-item-out jackknife (Efron 1987); it falls back to percentile when z0 is infinite.
    """
    if method not in METHODS:
        raise ValueError(f"interval method must be one of {METHODS}, got {method!r}")
    b0, c0 = point(tasks)
    value = float(statistic(b0, c0)[0])
    values = statistic(np.column_stack([d.base for d in draws]), np.column_stack([d.comp for d in draws]))
    finite = np.isfinite(values)
    undefined = float(1 - finite.mean()) if len(values) else 1.0
    values = values[finite]
    if not np.isfinite(value) or len(values) == 0 or undefined > max_undefined(level):
        return Estimate(value, np.nan, np.nan, undefined)
    alpha = (1 - level) / 2
    probs = np.array([alpha, 1 - alpha])
    if method == "bca":
        below = (np.sum(values < value) + 0.5 * np.sum(values == value)) / len(values)
        z0 = stats.norm.ppf(below)
        if np.isfinite(z0):
            accel = _acceleration(statistic, draws, b0, c0)
            z = stats.norm.ppf(probs)
            probs = stats.norm.cdf(z0 + (z0 + z) / (1 - accel * (z0 + z)))
    lo, hi = np.quantile(values, probs)
    return Estimate(value, float(lo), float(hi), undefined)


def interval(statistic: Statistic, tasks: list[PairedTask], draws: list[Draws], level: float = 0.95,
             method: str = "percentile") -> tuple[float, float, float]:
    """(estimate, lo, hi) of `statistic` over `tasks` (see `estimate`). Draws where the statistic is NaN (a
    ratio over a base at its floor) are left out while they are at most `max_undefined(level)` of all draws;
    beyond that lo and hi are NaN."""
    return estimate(statistic, tasks, draws, level, method).triple()


def _acceleration(statistic: Statistic, draws: list[Draws], b0: np.ndarray, c0: np.ndarray) -> float:
    """a = sum(d^3) / (6 sum(d^2)^1.5), d = mean(jackknife) - jackknife, leaving out one item of one task."""
    rows_b, rows_c = [], []
    for t, d in enumerate(draws):
        ok = np.isfinite(d.jack_base) & np.isfinite(d.jack_comp)
        b = np.repeat(b0, ok.sum(), axis=0)
        c = np.repeat(c0, ok.sum(), axis=0)
        b[:, t], c[:, t] = d.jack_base[ok], d.jack_comp[ok]
        rows_b.append(b)
        rows_c.append(c)
    jack = statistic(np.vstack(rows_b), np.vstack(rows_c))
    jack = jack[np.isfinite(jack)]
    if len(jack) < 2:
        return 0.0
    diff = jack.mean() - jack
    denom = 6.0 * np.sum(diff**2) ** 1.5
    return float(np.sum(diff**3) / denom) if denom > 0 else 0.0


# ---- the statistics: columns are tasks; a capability is the plain mean over its tasks (as its score is) ----


def mean_base(b: np.ndarray, c: np.ndarray) -> np.ndarray:
    return b.mean(axis=1)


def mean_comp(b: np.ndarray, c: np.ndarray) -> np.ndarray:
    return c.mean(axis=1)


def mean_delta(b: np.ndarray, c: np.ndarray) -> np.ndarray:
    return (c - b).mean(axis=1)


def mean_retention(b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Mean over tasks of compressed / base (the plain ratio); NaN for a row where some base headline is 0."""
    return (c / np.where(b != 0, b, np.nan)).mean(axis=1)


def retention_above(floors) -> Statistic:
    """Mean over tasks of the retention relative to chance, (c - floor) / (b - floor), one floor per task column;
    NaN for a row where some base headline is at or below its floor (nothing above chance to retain). With
    every floor 0 it is `mean_retention` (base headlines are never negative)."""
    f = np.asarray(floors, dtype=float)[None, :]

    def statistic(b: np.ndarray, c: np.ndarray) -> np.ndarray:
        above = b - f
        return ((c - f) / np.where(above > 0, above, np.nan)).mean(axis=1)

    return statistic
