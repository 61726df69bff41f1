"""Paired tests, the floor test, Holm's correction and the minimum detectable effect (pure math, scipy).

    p, test = paired_test(paired)             # exact McNemar (0/1 items) or a paired permutation test
    p_floor, test = floor_test(paired)        # one-sided: is the original model above the task's floor?
    adjusted = holm([0.01, 0.04, 0.03])       # [0.03, 0.06, 0.06]
    effect = mde(paired)                      # smallest |delta| found 80 % of the time at two-sided 5 %
    note = small_sample_note(paired.n, effect)  # "too few items (4) to detect a drop of 10 points ..." or ""
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from acbench.stats.paired import PairedTask

POWER = 0.80
ALPHA = 0.05
# The drop (points on the 0-100 headline scale) a reader of a compression benchmark cares about: a task whose
# MDE is larger than this gets the note "too few items to detect a drop of 10 points".
DROP_OF_INTEREST = 10.0


def paired_test(task: PairedTask, resamples: int = 9999, seed: int = 0) -> tuple[float, str]:
    """Two-sided p-value of "compressed and original score the same", and the test's name.

    Identical item values: p = 1. Binary items that all weigh the same in the headline: exact McNemar, a
    binomial test of the discordant pairs against 1/2. Otherwise a paired permutation test (the two models'
    values swapped within items) of the mean difference of effective values, which is exactly the delta;
    it is exact (every sign pattern) when 2**n <= resamples, Monte Carlo with `resamples` draws otherwise.
    """
    if np.array_equal(task.base, task.comp):
        return 1.0, "identical"
    weights = task.item_weights()
    if task.binary and np.allclose(weights, weights[0]):
        return mcnemar_exact(task.base > 0, task.comp > 0), "mcnemar_exact"
    if task.n < 2:  # one item that differs: no test can say anything (a permutation test has two patterns)
        return 1.0, "too_few_items"
    result = stats.permutation_test(
        (task.effective(task.base), task.effective(task.comp)), _mean_difference, permutation_type="samples",
        vectorized=True, n_resamples=resamples, alternative="two-sided", rng=np.random.default_rng(seed))
    return float(min(1.0, result.pvalue)), "paired_permutation"


def _mean_difference(base: np.ndarray, comp: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.mean(comp - base, axis=axis)


def mcnemar_exact(base_ok, comp_ok) -> float:
    """Exact McNemar: two-sided binomial test of b (only the original right) among b + c discordant pairs."""
    base_ok = np.asarray(base_ok, dtype=bool)
    comp_ok = np.asarray(comp_ok, dtype=bool)
    b = int(np.sum(base_ok & ~comp_ok))
    c = int(np.sum(~base_ok & comp_ok))
    if b + c == 0:
        return 1.0
    return float(stats.binomtest(b, b + c, 0.5, alternative="two-sided").pvalue)


def floor_test(task: PairedTask) -> tuple[float, str]:
    """One-sided p-value of "the original model scores no better than the floor" (small p: above the floor).

    Binary items of one weight and a floor above 0 (choice tasks): exact binomial test of the successes
    against floor / item maximum. Otherwise a one-sided t-test of the effective item values against the floor;
    with a floor of 0 a lone success in n items gives t = 1 (p about 0.17), not "above the floor". Fewer than
    2 items cannot show anything (p = 1). Values with no spread (n identical items) get an exact sign test:
    under "no better than the floor" each item lands above it with probability at most 1/2, so n of n above
    has p = 0.5 ** n (two identical items: 0.25, not 0); identical items at or below the floor: p = 1.
    """
    if task.n < 2:
        return 1.0, "too_few_items"
    weights = task.item_weights()
    top = float(max(task.base.max(), task.comp.max()))
    if task.binary and task.floor > 0 and top > 0 and np.allclose(weights, weights[0]):
        successes = int(np.sum(task.base > 0))
        chance = min(1.0, task.floor / top)
        return float(stats.binomtest(successes, task.n, chance, alternative="greater").pvalue), "binomial"
    values = task.effective(task.base)
    if np.ptp(values) == 0:  # no spread, no t-test: an exact sign test (each item above the floor with p = 1/2)
        if values[0] <= task.floor:
            return 1.0, "sign"
        return float(stats.binomtest(task.n, task.n, 0.5, alternative="greater").pvalue), "sign"
    return float(stats.ttest_1samp(values, task.floor, alternative="greater").pvalue), "t_test"


def holm(pvalues) -> np.ndarray:
    """Holm's step-down adjusted p-values (family-wise error); NaN entries stay NaN and are not counted."""
    p = np.asarray(pvalues, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    order = ok[np.argsort(p[ok], kind="stable")]
    m = len(order)
    adjusted = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out[order] = np.minimum(adjusted, 1.0)
    return out


def mde(task: PairedTask, power: float = POWER, alpha: float = ALPHA) -> float:
    """Minimum detectable |delta| of a paired test at n items: (t_{1-alpha/2, n-1} + t_{power, n-1}) sd(d) / sqrt(n).

    Student's t with n - 1 degrees of freedom (the central-t approximation to the noncentral-t power
    calculation; the exact noncentral value is 5 % larger at n = 3, 2 % at n = 4, the same from n = 9 on). At
    n = 3 it is 1.91 times the normal approximation (z_{0.975} + z_{0.8}) sd / sqrt(n) acbench used before;
    at n = 400 they agree within 0.3 %.

    d are the paired differences of effective values. When they have no spread (identical outputs, so no
    estimate of how the models differ), sqrt(2) * sd(base values) stands in: the SD of a difference of two
    unrelated draws, a conservative upper value. NaN when n < 2 or that too is 0.
    """
    if task.n < 2:
        return float("nan")
    diff = task.effective(task.comp) - task.effective(task.base)
    sd = float(np.std(diff, ddof=1))
    if sd == 0:
        sd = float(np.sqrt(2) * np.std(task.effective(task.base), ddof=1))
    if sd == 0:
        return float("nan")
    df = task.n - 1
    return float((stats.t.ppf(1 - alpha / 2, df) + stats.t.ppf(power, df)) * sd / np.sqrt(task.n))


def small_sample_note(n: int, effect: float, drop: float = DROP_OF_INTEREST) -> str:
    """A plain note when a task's items are too few to detect a drop of `drop` points (its MDE is larger), else ''.

    `effect` is the task's MDE on the 0-100 headline scale; NaN (fewer than 2 items, or no spread at all) means
    nothing can be detected."""
    n = int(n)
    if effect != effect:
        return f"too few items ({n}) to detect any drop"
    if effect > drop:
        return f"too few items ({n}) to detect a drop of {drop:g} points (detectable at 80 % power: {effect:.1f})"
    return ""
