"""Paired tests, floor tests, Holm and the MDE on hand-computed examples."""

from __future__ import annotations

import math

import numpy as np
import pytest

from acbench.stats import floor_test, from_arrays, holm, mcnemar_exact, mde, paired_test, small_sample_note


def test_exact_mcnemar_on_a_hand_computed_table():
    # 2x2 table: both right 10, only the original right b = 7, only the compressed right c = 1, both wrong 2.
    base = [1] * 10 + [1] * 7 + [0] * 1 + [0] * 2
    comp = [1] * 10 + [0] * 7 + [1] * 1 + [0] * 2
    # two-sided exact: 2 * P(X <= 1 | n = 8, 1/2) = 2 * (1 + 8) / 256
    assert mcnemar_exact(base, comp) == pytest.approx(18 / 256)
    task = from_arrays([100 * v for v in base], [100 * v for v in comp], binary=True)
    p, test = paired_test(task)
    assert test == "mcnemar_exact" and p == pytest.approx(18 / 256)
    assert mcnemar_exact([1, 0], [1, 0]) == 1.0  # no discordant pair


def test_binary_items_of_unequal_weight_use_the_permutation_test():
    # groups of 2 and 4 items, equal group weights: items weigh differently, McNemar's counts would not match
    task = from_arrays([1, 1, 1, 1, 1, 1], [0, 0, 1, 1, 1, 1], groups=list("aabbbb"), binary=True)
    p, test = paired_test(task, resamples=9999)
    # 2 nonzero differences of -1.5 (effective values); the 2**6 sign patterns are enumerated exactly:
    # |mean| >= observed only when both flip together in the same direction: 2 * 16 / 64
    assert test == "paired_permutation" and p == pytest.approx(0.5)


def test_permutation_test_is_exact_for_small_n():
    # differences +1 on 5 items: only the all-plus and all-minus sign patterns reach |mean| = 1 -> 2 / 32
    p, test = paired_test(from_arrays([0.0] * 5, [1.0] * 5))
    assert test == "paired_permutation" and p == pytest.approx(2 / 32)


def test_identical_outputs_give_p_one():
    values = np.random.default_rng(0).uniform(0, 5, 12)
    assert paired_test(from_arrays(values, values.copy())) == (1.0, "identical")


def test_holm_on_a_hand_computed_example():
    # sorted 0.01, 0.03, 0.04 -> x3, x2, x1 = 0.03, 0.06, 0.04 -> running max 0.03, 0.06, 0.06
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.04, 0.001]) == pytest.approx([0.04, 0.002])
    adjusted = holm([0.02, float("nan"), 0.6])  # NaN is not part of the family: m = 2, 0.02 x 2, 0.6 x 1
    assert adjusted[0] == pytest.approx(0.04) and math.isnan(adjusted[1]) and adjusted[2] == pytest.approx(0.6)
    assert holm([0.5, 0.6]) == pytest.approx([1.0, 1.0])  # 0.5 x 2 = 1.0, then the running maximum
    assert holm([]).shape == (0,)


def test_floor_binomial_for_a_choice_task():
    # five choices: chance = 20 on a 0-100 scale; P(X >= 3 | 5, 0.2) = 0.0512 + 0.0064 + 0.00032
    three = from_arrays([100, 100, 100, 0, 0], [0] * 5, floor=20.0, binary=True)
    assert floor_test(three) == (pytest.approx(0.05792), "binomial")
    four = from_arrays([100, 100, 100, 100, 0], [0] * 5, floor=20.0, binary=True)
    assert floor_test(four)[0] == pytest.approx(0.00672)


def test_floor_t_test_and_degenerate_cases():
    from scipy import stats

    # one success in 9 items at floor 0: t = 1 exactly
    lone = from_arrays([1] + [0] * 8, [0] * 9, binary=True)
    assert floor_test(lone) == (pytest.approx(stats.t.sf(1.0, 8)), "t_test")
    assert floor_test(lone)[0] > 0.05
    assert floor_test(from_arrays([0, 0], [0, 0])) == (1.0, "sign")  # both at zero: at the floor
    # identical items above the floor: an exact sign test, 0.5 ** n (not p = 0, "certainly above")
    assert floor_test(from_arrays([3, 3, 3], [0, 0, 0])) == (0.125, "sign")
    assert floor_test(from_arrays([5.0], [1.0])) == (1.0, "too_few_items")


def test_two_identical_items_above_the_floor_are_not_certainly_above_it():
    # two identical PDDL episodes at progress 50: p = 0.25 by the sign test, so not "measured" at 5 %
    two = from_arrays([50.0, 50.0], [50.0, 50.0])
    assert floor_test(two) == (0.25, "sign")
    # five identical items above: 1/32 < 0.05
    assert floor_test(from_arrays([7.0] * 5, [0.0] * 5))[0] == pytest.approx(1 / 32)


def test_mde_hand_computed():
    # differences +1, -1, +1, -1: sd = sqrt(4/3); Student's t, 3 df: MDE = (t_.975,3 + t_.8,3) * sd / sqrt(4)
    # t_.975,3 = 3.182446, t_.8,3 = 0.978472 (tables)
    task = from_arrays([0, 1, 0, 1], [1, 0, 1, 0])
    assert mde(task) == pytest.approx((3.182446 + 0.978472) * math.sqrt(4 / 3) / 2, rel=1e-5)
    # identical outputs: sqrt(2) * sd(base) stands in for the unknown sd of the differences
    same = from_arrays([0, 2, 0, 2], [0, 2, 0, 2])
    assert mde(same) == pytest.approx((3.182446 + 0.978472) * math.sqrt(2) * math.sqrt(4 / 3) / 2, rel=1e-5)
    assert math.isnan(mde(from_arrays([1.0], [0.0])))


def test_mde_is_wide_at_tiny_n_and_normal_at_n_400():
    z = 1.959964 + 0.841621  # the normal approximation's multiplier
    rng = np.random.default_rng(3)
    for n, low, high in ((3, 1.9, 1.95), (400, 1.0, 1.003)):
        base = rng.normal(50, 10, n)
        task = from_arrays(base, base + rng.normal(0, 5, n))
        sd = np.std(task.comp - task.base, ddof=1)
        assert low < mde(task) / (z * sd / math.sqrt(n)) < high


def test_small_sample_note():
    assert small_sample_note(4, 38.24) == ("too few items (4) to detect a drop of 10 points "
                                           "(detectable at 80 % power: 38.2)")
    assert small_sample_note(400, 4.0) == ""
    assert small_sample_note(1, float("nan")) == "too few items (1) to detect any drop"


def test_permutation_defaults_are_9999_draws_from_seed_0():
    # 2**20 sign patterns > 9999: Monte Carlo. With 9999 draws the two-sided p is 2 (k + 1) / 10000, so a
    # multiple of 1 / 10000 (measured: 0.3542 from seed 0, 0.3482 from seed 1, 0.35416... from 10000 draws)
    base = np.arange(20.0) / 20
    comp = base + np.array([0.3, -0.2, 0.1, 0.25, -0.15, 0.05, 0.2, -0.1, 0.15, 0.0,
                            0.1, -0.25, 0.3, 0.05, -0.05, 0.2, -0.3, 0.1, 0.15, -0.1])
    task = from_arrays(base, comp)
    p, test = paired_test(task)
    assert test == "paired_permutation" and (p, test) == paired_test(task, resamples=9999, seed=0)
    assert p * 10000 == pytest.approx(round(p * 10000), abs=1e-6) and 0.3 < p < 0.4
    assert paired_test(task, seed=1)[0] != p and paired_test(task, resamples=10000)[0] != p
