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


def _scipy_interval(base, comp, distribution, level, method):
    """scipy.stats.bootstrap's interval of the mean paired difference, given our bootstrap distribution."""
    from types import SimpleNamespace

    from scipy import stats

    result = stats.bootstrap((np.asarray(base, float), np.asarray(comp, float)),
                             lambda b, c, axis=-1: np.mean(c - b, axis=axis), paired=True, vectorized=True,
                             n_resamples=0, bootstrap_result=SimpleNamespace(bootstrap_distribution=distribution),
                             method=method, confidence_level=level)
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def test_bca_by_hand_and_as_scipy_computes_it_from_the_same_draws():
    from scipy import stats

    # compressed item values 0, 0, 0, 1, 4 (base 0): delta 1; leaving one item out gives 5/4 (x3), 1, 1/4
    base, comp = np.zeros(5), np.array([0.0, 0.0, 0.0, 1.0, 4.0])
    task = from_arrays(base, comp)
    jack = bs.bootstrap(task, 10, np.random.default_rng(0))
    assert jack.jack_comp == pytest.approx([1.25, 1.25, 1.25, 1.0, 0.25])
    # bootstrap deltas chosen by hand: 70 spread over [-1, 2.5] (40 below the estimate 1, 30 above) and 20 ties
    values = np.r_[np.linspace(-1, 2.5, 70), [1.0] * 20]
    draws = bs.Draws(np.zeros(90), values, jack.jack_base, jack.jack_comp)
    # z0 = Phi^-1((40 + 20 / 2) / 90): ties count half; a: d = mean(jack) - jack = (-1/4 x3, 0, 3/4),
    # sum d^3 = 0.375, sum d^2 = 0.75
    z0 = stats.norm.ppf(50 / 90)
    a = 0.375 / (6 * 0.75**1.5)
    z = stats.norm.ppf([0.05, 0.95])
    expected = np.quantile(values, stats.norm.cdf(z0 + (z0 + z) / (1 - a * (z0 + z))))
    est, lo, hi = bs.interval(bs.mean_delta, [task], [draws], 0.9, "bca")
    assert est == 1.0 and (lo, hi) == pytest.approx(tuple(expected), rel=1e-12)
    assert (lo, hi) == pytest.approx((-0.4582888, 2.4508461), abs=1e-6)  # moved up from percentile's -0.774, 2.274
    assert (lo, hi) == pytest.approx(_scipy_interval(base, comp, values, 0.9, "BCa"), rel=1e-12)
    assert bs.interval(bs.mean_delta, [task], [draws], 0.9)[1:] == pytest.approx(
        _scipy_interval(base, comp, values, 0.9, "percentile"), rel=1e-12)
    # the same on real draws of a skewed, paired, continuous task
    rng = np.random.default_rng(4)
    base = rng.uniform(0, 1, 12)
    comp = base - rng.exponential(0.3, 12)
    task = from_arrays(base, comp)
    draws = bs.bootstrap(task, 500, rng)
    for method, scipy_method in (("bca", "BCa"), ("percentile", "percentile")):
        est, lo, hi = bs.interval(bs.mean_delta, [task], [draws], 0.95, method)
        assert est == pytest.approx(np.mean(comp - base), rel=1e-12)
        assert (lo, hi) == pytest.approx(_scipy_interval(base, comp, draws.comp - draws.base, 0.95, scipy_method),
                                         rel=1e-9)


def test_percentile_interval_is_the_two_quantiles_of_the_draws():
    task = from_arrays(np.zeros(3), [1.0, 5.0, 6.0])
    draws = bs.Draws(np.zeros(11), np.arange(11.0), np.zeros(3), np.zeros(3))
    # 80 %: the 0.1 and 0.9 quantiles of 0..10 are 1 and 9 (linear interpolation, index 10 * p)
    assert bs.interval(bs.mean_delta, [task], [draws], level=0.8) == pytest.approx((4.0, 1.0, 9.0), rel=1e-12)
    assert bs.interval(bs.mean_comp, [task], [draws], level=0.5) == pytest.approx((4.0, 2.5, 7.5), rel=1e-12)


def test_interval_without_an_estimate_or_without_finite_draws_is_nan():
    # base headline 0: no retention, whatever the draws say
    zero = from_arrays([1.0, -1.0], [1.0, 1.0])
    draws = bs.Draws(np.array([1.0, -1.0, 0.5]), np.ones(3), np.zeros(2), np.zeros(2))
    est, lo, hi = bs.interval(bs.mean_retention, [zero], [draws])
    assert np.isnan(est) and np.isnan(lo) and np.isnan(hi)
    # the delta has one: draws 1 - (1, -1, 0.5) = 0, 2, 0.5; quantiles 0.025 and 0.975 of them (index 2 * p)
    assert bs.interval(bs.mean_delta, [zero], [draws]) == pytest.approx((1.0, 0.025, 1.925), rel=1e-9)
    # a retention of 0.5, but every draw has a base of 0: no finite draw, no interval
    half = from_arrays([2.0, 2.0], [1.0, 1.0])
    est, lo, hi = bs.interval(bs.mean_retention, [half], [bs.Draws(np.zeros(4), np.ones(4), np.zeros(2), np.zeros(2))])
    assert est == 0.5 and np.isnan(lo) and np.isnan(hi)
    # one finite draw of three (the others divide by 0): two thirds undefined, far above 2.5 %: no interval
    one = bs.Draws(np.array([0.0, 0.0, 4.0]), np.ones(3), np.zeros(2), np.zeros(2))
    found = bs.estimate(bs.mean_retention, [half], [one], method="bca")
    assert (found.estimate, found.undefined) == (0.5, pytest.approx(2 / 3)) and np.isnan(found.lo)
    assert np.isnan(bs.interval(bs.mean_retention, [half], [one])[1])


def test_undefined_draws_are_counted_and_a_large_share_gives_no_interval():
    half = from_arrays([2.0, 2.0], [1.0, 1.0])
    # 1 of 40 draws has a base of 0 (2.5 %, the most a 95 % interval tolerates): interval from the other 39
    base = np.r_[0.0, np.linspace(1.0, 4.0, 39)]
    found = bs.estimate(bs.mean_retention, [half], [bs.Draws(base, np.ones(40), np.zeros(2), np.zeros(2))])
    assert found.undefined == pytest.approx(0.025) and np.isfinite(found.lo) and np.isfinite(found.hi)
    assert bs.max_undefined(0.95) == pytest.approx(0.025) and bs.max_undefined(0.9) == pytest.approx(0.05)
    # 2 of 40 (5 %): no interval, the share is still reported
    base[1] = 0.0
    found = bs.estimate(bs.mean_retention, [half], [bs.Draws(base, np.ones(40), np.zeros(2), np.zeros(2))])
    assert found.undefined == pytest.approx(0.05) and np.isnan(found.lo) and np.isnan(found.hi)
    assert found.estimate == 0.5


def test_retention_relative_to_chance_by_hand():
    # floors 25 and 0: (40 - 25) / (70 - 25) = 1/3 and 30 / 60 = 0.5 -> mean 5/12; a base at its floor: NaN
    b = np.array([[70.0, 60.0], [25.0, 60.0], [20.0, 60.0]])
    c = np.array([[40.0, 30.0], [40.0, 30.0], [40.0, 30.0]])
    got = bs.retention_above([25.0, 0.0])(b, c)
    assert got[0] == pytest.approx(5 / 12) and np.isnan(got[1]) and np.isnan(got[2])
    # a compressed model at chance keeps 0 of what was above chance (the plain ratio would say 25 / 70)
    assert bs.retention_above([25.0])(np.array([[70.0]]), np.array([[25.0]]))[0] == 0.0
    assert bs.mean_retention(np.array([[70.0]]), np.array([[25.0]]))[0] == pytest.approx(25 / 70)


def test_mean_retention_by_hand():
    b = np.array([[1.0, 2.0], [0.0, 2.0], [2.0, 4.0], [1.0, 1.0]])
    c = np.array([[0.5, 1.0], [1.0, 1.0], [1.0, 1.0], [1.5, 0.0]])
    # rows: (0.5 + 0.5) / 2, a base of 0 (NaN), (0.5 + 0.25) / 2, (1.5 + 0) / 2
    got = bs.mean_retention(b, c)
    assert np.isnan(got[1]) and got[[0, 2, 3]] == pytest.approx([0.5, 0.375, 0.75])
