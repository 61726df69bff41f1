"""The paired stratified bootstrap: coverage over simulated datasets, stratification, jackknife, seeding."""

from __future__ import annotations

import numpy as np
import pytest

from acbench.stats import bootstrap as bs
from acbench.stats import from_arrays

SIMULATIONS = 300
# Coverage is a proportion of 300 simulated datasets: its standard error at 0.95 is about 0.0126, so the
# tolerance of 0.04 (about 3 standard errors) fails a correct interval rarely and a broken one (e.g. an
# unpaired or unstratified resample, or a 90 % interval) almost surely.
TOLERANCE = 0.04


@pytest.mark.parametrize("method", ["percentile", "bca"])
def test_interval_coverage_near_95_percent(method):
    """100 items in two groups (60 + 40, macro mean), continuous paired scores; known true values."""
    rng = np.random.default_rng(7)
    groups = ["a"] * 60 + ["b"] * 40
    # group a: base ~ U(0.2, 1) (mean 0.6), compressed = 0.8 base + N(0, 0.1) (mean 0.48);
    # group b: base ~ Beta(2, 2) (mean 0.5), compressed = base + N(-0.05, 0.15) (mean 0.45)
    truth = {"base": 0.55, "delta": 0.465 - 0.55, "retention": 0.465 / 0.55}
    stats = {"base": bs.mean_base, "delta": bs.mean_delta, "retention": bs.mean_retention}
    covered = dict.fromkeys(truth, 0)
    for _ in range(SIMULATIONS):
        base_a = rng.uniform(0.2, 1.0, 60)
        base_b = rng.beta(2, 2, 40)
        task = from_arrays(np.r_[base_a, base_b],
                           np.r_[0.8 * base_a + rng.normal(0, 0.1, 60), base_b + rng.normal(-0.05, 0.15, 40)], groups)
        draws = bs.bootstrap(task, 999, rng)
        for name, statistic in stats.items():
            _, lo, hi = bs.interval(statistic, [task], [draws], 0.95, method)
            covered[name] += lo <= truth[name] <= hi
    coverage = {k: v / SIMULATIONS for k, v in covered.items()}
    # measured when written (seed 7): percentile 0.937 / 0.960 / 0.957, bca 0.943 / 0.950 / 0.957
    assert all(abs(c - 0.95) <= TOLERANCE for c in coverage.values()), coverage


def test_resamples_are_paired_and_stay_within_groups():
    # group a holds only 0s for both models, group b only 10s (base) and 4s (compressed), weights 0.25 / 0.75:
    # any resample that kept the groups gives exactly base 7.5, compressed 3, so the draws cannot vary
    task = from_arrays([0, 0, 0, 10, 10], [0, 0, 0, 4, 4], groups=list("aaabb"), weights={"a": 0.25, "b": 0.75})
    draws = bs.bootstrap(task, 500, np.random.default_rng(0))
    assert np.all(draws.base == 7.5) and np.all(draws.comp == 3.0)
    # pairing: compressed = base + 1 item by item, so every resampled delta is exactly 1
    paired = from_arrays([1.0, 5.0, 2.0, 8.0], [2.0, 6.0, 3.0, 9.0])
    draws = bs.bootstrap(paired, 500, np.random.default_rng(0))
    assert np.allclose(draws.comp - draws.base, 1.0) and draws.base.std() > 0


def test_jackknife_headlines_leave_one_item_out():
    task = from_arrays([1.0, 2.0, 3.0, 10.0, 20.0], [0.0] * 5, groups=list("aaabb"))
    # headline 0.5 * 2 + 0.5 * 15 = 8.5; without item 0: 0.5 * 2.5 + 7.5 = 8.75; item 1 (the mean): 8.5;
    # without item 3: 1 + 10 = 11
    draws = bs.bootstrap(task, 10, np.random.default_rng(0))
    assert draws.jack_base == pytest.approx([8.75, 8.5, 8.25, 11.0, 6.0])
    alone = from_arrays([1.0, 2.0, 3.0], [0.0] * 3, groups=list("aab"))
    # a one-item group: resampled across groups (pooled); without item 2 the weighted mean of items 0 and 1
    # (weights 0.75 each) is 1.5
    assert bs.bootstrap(alone, 10, np.random.default_rng(0)).jack_base[2] == pytest.approx(1.5)


def test_same_seed_same_interval_and_identical_models_have_zero_width():
    task = from_arrays(np.arange(20.0), np.arange(20.0)[::-1])
    one = bs.interval(bs.mean_delta, [task], [bs.bootstrap(task, 400, np.random.default_rng(3))])
    two = bs.interval(bs.mean_delta, [task], [bs.bootstrap(task, 400, np.random.default_rng(3))])
    assert one == two and one[1] < 0 < one[2]
    same = from_arrays(np.arange(20.0), np.arange(20.0))
    draws = bs.bootstrap(same, 400, np.random.default_rng(3))
    assert bs.interval(bs.mean_delta, [same], [draws], method="bca") == (0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="interval method"):
        bs.interval(bs.mean_delta, [same], [draws], method="studentized")


def test_single_item_groups_are_pooled_not_frozen():
    # One item per group (quick profiles: one T-Eval item per file): resampling within groups would redraw the
    # same item every time and report a zero-width interval for a delta that rests on four items.
    import numpy as np

    from acbench.stats.bootstrap import bootstrap, interval, mean_delta, stratified
    from acbench.stats.paired import from_arrays

    task = from_arrays([1.0, 0.0, 1.0, 0.0], [0.0, 0.0, 1.0, 0.0], groups=["a", "b", "c", "d"])
    assert not stratified(task)
    draws = bootstrap(task, 4000, np.random.default_rng(0))
    estimate, lo, hi = interval(mean_delta, [task], [draws])
    assert estimate == -0.25 and lo < estimate <= hi and lo <= -0.5  # one of four items flipped: wide
    # the pooled estimator is exact on the original items: every resample that redraws them gives the headline
    assert np.isclose(draws.base.mean(), 0.5, atol=0.03)
    grouped = from_arrays([1.0, 0.0, 1.0, 0.0], [0.0, 0.0, 1.0, 0.0], groups=["a", "a", "b", "b"])
    assert stratified(grouped)
