"""Parts of acbench.stats that tests/stats/ leaves loose (issue 16, found by scripts/mutation.py stats):
the BCa acceleration from the jackknife, McNemar on 0/100 item values, the summary table's rows, the names
of interval bounds and their errors, and `from_arrays`. Hand-computed expectations.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from acbench.stats import bootstrap as bs
from acbench.stats.compare import RunStats, TaskStats
from acbench.stats.inference import mcnemar_exact
from acbench.stats.naming import bound_metric
from acbench.stats.paired import from_arrays


def _accel(d):
    d = np.asarray(d, dtype=float)
    return float(np.sum(d**3) / (6 * np.sum(d**2) ** 1.5))


def test_acceleration_of_one_task_is_the_skewness_of_its_jackknife():
    task = from_arrays([1, 1, 1, 1], [0, 0, 0, 1])
    draws = bs.bootstrap(task, 10, np.random.default_rng(0))
    np.testing.assert_allclose(draws.jack_comp, [1 / 3, 1 / 3, 1 / 3, 0.0])
    b0, c0 = bs.point([task])
    # jackknife means 1/3, 1/3, 1/3, 0 (mean 1/4): d = mean - jack = -1/12, -1/12, -1/12, 1/4
    expected = _accel([-1 / 12, -1 / 12, -1 / 12, 1 / 4])
    assert bs._acceleration(bs.mean_comp, [draws], b0, c0) == pytest.approx(expected, rel=1e-9)
    # the scale cancels: the same as the item deviations (-1/4, -1/4, -1/4, 3/4): 0.375 / (6 * 0.75 ** 1.5)
    assert expected == pytest.approx(0.0962250, abs=1e-6)


def test_acceleration_over_two_tasks_leaves_out_one_item_of_one_task_at_a_time():
    a = from_arrays([1, 1, 1, 1], [0, 0, 0, 1], task="a")
    b = from_arrays([1, 1], [0, 1], task="b")
    draws = [bs.bootstrap(t, 10, np.random.default_rng(1)) for t in (a, b)]
    b0, c0 = bs.point([a, b])
    # rows: a's jackknife (1/3, 1/3, 1/3, 0) with b at 1/2, then b's (1, 0) with a at 1/4; statistic: the mean
    jack = [(1 / 3 + 0.5) / 2] * 3 + [0.25, 0.625, 0.125]
    d = np.mean(jack) - np.array(jack)
    assert bs._acceleration(bs.mean_comp, draws, b0, c0) == pytest.approx(_accel(d), rel=1e-9)
    assert _accel(d) == pytest.approx(0.0051960, abs=1e-6)


def test_acceleration_is_zero_without_a_usable_jackknife():
    # one item: leaving it out leaves nothing (NaN), so there is no jackknife to measure a skew from
    single = from_arrays([1.0], [0.0])
    draws = bs.bootstrap(single, 10, np.random.default_rng(0))
    assert np.isnan(draws.jack_comp).all()
    assert bs._acceleration(bs.mean_comp, [draws], *bs.point([single])) == 0.0
    # identical leave-one-out values: no spread, no skew
    flat = from_arrays([1, 1, 1], [1, 1, 1])
    draws = bs.bootstrap(flat, 10, np.random.default_rng(0))
    assert bs._acceleration(bs.mean_comp, [draws], *bs.point([flat])) == 0.0
    # NaN leave-one-out values of one task are skipped, the other task's count: the mean over the two tasks
    two = from_arrays([1, 1, 1], [0, 0, 1], task="two")
    d_two = bs.bootstrap(two, 10, np.random.default_rng(0))
    got = bs._acceleration(bs.mean_comp, [bs.bootstrap(single, 10, np.random.default_rng(0)), d_two],
                           *bs.point([single, two]))
    jack = (0.0 + d_two.jack_comp) / 2  # the single task stays at its headline 0
    assert got == pytest.approx(_accel(jack.mean() - jack), rel=1e-9)


def test_mcnemar_reads_item_values_as_right_or_wrong():
    # 0/100 item values (a binary task scored 0-100): b = 3 pairs only the original got right, c = 0
    base = [100, 100, 100, 0, 100]
    comp = [0, 0, 0, 0, 100]
    assert mcnemar_exact(base, comp) == pytest.approx(0.25)  # two-sided binomial, 3 of 3: 2 * 0.5**3
    assert mcnemar_exact(comp, base) == pytest.approx(0.25)
    assert mcnemar_exact([2.0, 0.0], [1.0, 0.0]) == 1.0  # both right on item 0: no discordant pair
    assert mcnemar_exact([1, 0, 1, 0], [0, 1, 0, 1]) == 1.0  # b = c = 2
    # b = 6, c = 1: P(X <= 1) + P(X >= 6) for X ~ Bin(7, 1/2) = 2 * (1 + 7) / 128
    assert mcnemar_exact([1] * 6 + [0], [0] * 6 + [1]) == pytest.approx(0.125)


def test_summary_rows_are_the_readable_table():
    stats = TaskStats("needle", "long_context", "measured", "", 12, 0.0,
                      {"base": (0.9, 0.8, 1.0), "compressed": (0.5, 0.3, 0.7), "delta": (-0.4, -0.6, -0.2),
                       "retention": (0.555555, 0.33333, 0.77777)},
                      p_value=0.0012345, test="mcnemar_exact", p_holm=0.0024691, p_floor=1e-6,
                      floor_test="t", mde=0.123456)
    floor = TaskStats("pddl", "real_world", "floor", "at floor (4 items): base not above 0 (p = 0.5)", 4, 0.0,
                      {"base": (0.0, 0.0, 0.0), "compressed": (0.0, 0.0, 0.0), "delta": (0.0, 0.0, 0.0)})
    run = RunStats({"needle": stats, "pddl": floor}, {}, {}, "percentile", 0.95, 2000, 0)
    rows = run.summary()
    assert rows[0] == {
        "task": "needle", "capability": "long_context", "status": "measured", "n": 12,
        "base": 0.9, "base_ci": "[0.8, 1]", "compressed": 0.5, "compressed_ci": "[0.3, 0.7]",
        "delta": -0.4, "delta_ci": "[-0.6, -0.2]", "retention": 0.5556, "retention_ci": "[0.3333, 0.7778]",
        "retention_plain": None, "retention_plain_ci": "", "retention_undefined": None,
        "retention_plain_undefined": None,
        "test": "mcnemar_exact", "p_value": 0.0012, "p_holm": 0.0025, "significant_drop": True, "mde": 0.1235,
        "floor": 0.0, "p_floor": 0.0, "too_few_items": "", "note": ""}
    assert rows[1]["retention"] is None and rows[1]["retention_ci"] == ""
    assert rows[1]["p_value"] is None and rows[1]["significant_drop"] is False
    assert rows[1]["note"] == ("at floor (4 items): base not above 0 (p = 0.5); too few items (4) to detect any "
                               "drop") and rows[1]["n"] == 4  # no MDE given: nothing detectable
    assert run.describe() == ("percentile 95% paired bootstrap over items, stratified by group (pooled across "
                              "groups where a group has a single item), 2000 resamples, seed 0; no retention "
                              "interval where more than 2.5% of the draws leave it undefined")
    # the small-n note joins the reason: 4 items with an MDE of 38 points cannot show a 10-point drop
    small = TaskStats("pddl", "real_world", "measured", "", 4, 0.0, {}, mde=38.24)
    row = RunStats({"pddl": small}, {}, {}).summary()[0]
    assert row["too_few_items"] == row["note"] == ("too few items (4) to detect a drop of 10 points "
                                                   "(detectable at 80 % power: 38.2)")


def test_bound_names_and_their_errors():
    caps = {"needle": "long_context"}
    assert bound_metric("retention/overall", "lo") == "stats/overall/retention_lo"
    assert bound_metric("retention/tool_use", "hi") == "stats/tool_use/retention_hi"
    assert bound_metric("retention/task/needle", "lo", caps) == "stats/long_context/needle/retention_lo"
    assert bound_metric("long_context/score", "lo") == "stats/long_context/compressed_lo"
    with pytest.raises(ValueError) as err:
        bound_metric("retention/overall", "mid")
    assert str(err.value) == "bound must be one of ('lo', 'hi'), got 'mid'"
    with pytest.raises(ValueError) as err:
        bound_metric("retention/task/pddl", "lo", caps)
    assert str(err.value) == "unknown task in 'retention/task/pddl'"
    for metric in ("model/size_mb", "retention/a/b", "x/task/needle", "score"):
        with pytest.raises(ValueError) as err:
            bound_metric(metric, "lo", caps)
        assert str(err.value) == (f"no interval bound for metric '{metric}': use retention/overall, "
                                  "retention/<capability>, retention/task/<task> or <capability>/score")


def test_from_arrays_builds_the_paired_task_field_by_field():
    task = from_arrays([1, 0, 1], [1, 1, 0], groups=["g2", "g1", "g2"], weights={"g1": 0.25, "g2": 0.75})
    assert (task.task, task.capability, task.ids, task.groups) == ("task", "tool_use", ("0", "1", "2"), ("g2", "g1"))
    assert task.group_index.dtype == np.int64 and task.group_index.tolist() == [0, 1, 0]
    assert task.weights.tolist() == [0.75, 0.25] and task.base.dtype == float and task.comp.dtype == float
    assert task.headline(task.base) == pytest.approx(0.75 * 1.0 + 0.25 * 0.0)
    plain = from_arrays([True, False], [1, 1], task="t", capability="workflow", floor=0.5, binary=True)
    assert plain.groups == ("",) and plain.weights.tolist() == [1.0] and plain.base.tolist() == [1.0, 0.0]
    assert (plain.task, plain.capability, plain.floor, plain.binary) == ("t", "workflow", 0.5, True)
    assert math.isclose(plain.headline(plain.comp), 1.0)


def _result(task, cap, values, floor=0.0):
    from acbench.tasks.base import ItemScore, TaskResult

    items = [ItemScore(str(i), float(v)) for i, v in enumerate(values)]
    score = sum(values) / len(values) if values else 0.0
    return TaskResult(task, cap, [], {"s": score}, "s", items=items, floor=floor)


def test_compare_results_passes_its_settings_through_to_every_part():
    from acbench.stats.compare import compare_results, task_rng
    from acbench.stats.inference import floor_test, mde, paired_test
    from acbench.stats.paired import pair_items

    base = {"pddl": _result("pddl", "real_world", []),  # no item scores, listed first
            "worf": _result("worf", "workflow", [0.9, 0.7, 0.8, 0.6, 1.0, 0.9, 0.5, 0.8], floor=0.1),
            "needle": _result("needle", "long_context", [0.2, 0.0, 0.1, 0.0], floor=0.3)}
    comp = {"pddl": _result("pddl", "real_world", []),
            "worf": _result("worf", "workflow", [0.8, 0.7, 0.5, 0.6, 0.9, 0.6, 0.5, 0.7], floor=0.1),
            "needle": _result("needle", "long_context", [0.1, 0.0, 0.1, 0.2], floor=0.3)}
    run = compare_results(base, comp, resamples=300, seed=5, method="bca", level=0.9, permutations=99)
    assert (run.method, run.level, run.resamples, run.seed) == ("bca", 0.9, 300, 5)
    assert run.tags() == {"acbench.stats.pddl": "no_items", "acbench.stats.worf": "measured",
                          "acbench.stats.needle": "floor",
                          "acbench.stats.interval": "bca 90% paired bootstrap over items, stratified by group "
                                                    "(pooled across groups where a group has a single item), "
                                                    "300 resamples, seed 5; no retention interval where more "
                                                    "than 5% of the draws leave it undefined"}
    problem = run.tasks["pddl"]
    assert (problem.task, problem.capability, problem.floor) == ("pddl", "real_world", 0.0)
    assert problem.reason == "task 'pddl' reports no item scores (TaskResult.items is empty)"
    worf = run.tasks["worf"]
    pair = pair_items(base["worf"], comp["worf"])
    draws = bs.bootstrap(pair, 300, task_rng(5, "worf"))
    assert worf.intervals["delta"] == bs.interval(bs.mean_delta, [pair], [draws], 0.9, "bca")
    # retention relative to the floor 0.1, the plain ratio beside it
    assert worf.intervals["retention"] == bs.interval(bs.retention_above([0.1]), [pair], [draws], 0.9, "bca")
    assert worf.intervals["retention_plain"] == bs.interval(bs.mean_retention, [pair], [draws], 0.9, "bca")
    assert worf.undefined == {"retention": 0.0, "retention_plain": 0.0}
    assert (worf.p_value, worf.test) == paired_test(pair, resamples=99, seed=5)
    assert (worf.p_floor, worf.floor_test) == floor_test(pair) and worf.floor == 0.1 and worf.n == 8
    assert worf.mde == mde(pair) and worf.reason == "" and worf.status == "measured"
    needle = run.tasks["needle"]
    p_floor = floor_test(pair_items(base["needle"], comp["needle"]))[0]
    assert needle.reason == f"at floor (4 items): base not above 0.3 (p = {p_floor:.3g})"
    assert "retention" not in needle.intervals
    metrics = run.metrics()  # a task without statistics does not stop the others from being logged
    assert metrics["stats/workflow/worf/n"] == 8.0 and metrics["stats/long_context/needle/floor"] == 0.3
    assert metrics["stats/workflow/worf/p_floor"] == worf.p_floor
    assert not any("/pddl/" in k for k in metrics)
    assert run.measurable() == {"worf": True, "needle": False}


# -- inference: which test, and its numbers -----------------------------------------------------------------

def test_paired_test_picks_mcnemar_for_binary_items_of_one_weight():
    from acbench.stats.inference import paired_test

    # 0/1 items where the compressed model also scores 0.5 on one: not McNemar-able by value, but binary says so
    binary = from_arrays([1, 1, 1, 0, 1], [0, 0, 0, 0, 1], binary=True)
    assert paired_test(binary) == (pytest.approx(0.25), "mcnemar_exact")
    scaled = from_arrays([1, 1, 1, 0, 1], [0.5, 0.5, 0.5, 0, 1], binary=True)  # 0.5 counts as right (> 0)
    assert paired_test(scaled) == (1.0, "mcnemar_exact")
    # binary items whose groups weigh differently: the permutation test of the weighted mean difference
    weighted = from_arrays([1, 1, 1, 0], [0, 0, 0, 1], groups=["a", "b", "b", "b"], binary=True)
    p, name = paired_test(weighted, resamples=99, seed=3)
    assert name == "paired_permutation"
    # exact: 2**4 = 16 <= 99 sign patterns; effective values a: x2, b: x2/3 -> d = (-2, -2/3, -2/3, 2/3)
    d = np.array([-2, -2 / 3, -2 / 3, 2 / 3])
    signs = np.array([[1 if (k >> j) & 1 else -1 for j in range(4)] for k in range(16)])
    extreme = np.sum(np.abs((signs * d).mean(axis=1)) >= abs(d.mean()) - 1e-12)
    assert p == pytest.approx(extreme / 16)
    assert paired_test(from_arrays([1, 2], [1, 2])) == (1.0, "identical")


def test_the_permutation_p_value_follows_the_seed_and_the_resamples():
    from acbench.stats.inference import paired_test

    task = from_arrays(np.linspace(0, 1, 20), np.linspace(0, 1, 20)[::-1] * 0.9)  # 2**20 patterns: Monte Carlo
    p1, _ = paired_test(task, resamples=50, seed=1)
    assert paired_test(task, resamples=50, seed=1)[0] == p1
    assert round(p1 * 51) == pytest.approx(p1 * 51)  # (k + 1) / (50 + 1)
    assert any(paired_test(task, resamples=50, seed=s)[0] != p1 for s in (2, 3, 4))


def test_floor_test_binomial_for_choice_tasks():
    from acbench.stats.inference import floor_test

    # 4 choices scored 0/100: chance 25 of 100; 3 of 4 right: P(X >= 3 | Bin(4, 1/4)) = (4*3 + 1) / 256
    choice = from_arrays([100, 100, 100, 0], [0, 0, 0, 0], floor=25.0, binary=True)
    assert floor_test(choice) == (pytest.approx(13 / 256), "binomial")
    # values of 2 (top 2) with floor 0.5: chance 1/4, 2 of 3 right: (3*3 + 1) / 64
    assert floor_test(from_arrays([2, 2, 0], [0, 0, 0], floor=0.5, binary=True)) == (pytest.approx(10 / 64),
                                                                                     "binomial")
    # a floor above the top value: chance capped at 1, p = 1
    assert floor_test(from_arrays([1, 1, 0], [1, 0, 0], floor=5.0, binary=True))[0] == pytest.approx(1.0)
    # floor 0 or weighted groups: the t-test; constant values: the exact sign test, 0.5 ** n above the floor
    assert floor_test(from_arrays([1, 0, 0], [0, 0, 0], binary=True))[1] == "t_test"
    assert floor_test(from_arrays([1, 1, 0], [0, 0, 0], groups=["a", "b", "b"], floor=0.2,
                                  binary=True))[1] == "t_test"
    assert floor_test(from_arrays([0.5, 0.5], [0, 0], floor=0.4)) == (0.25, "sign")
    assert floor_test(from_arrays([0.4, 0.4], [0, 0], floor=0.4)) == (1.0, "sign")
    assert floor_test(from_arrays([0.3], [0.0])) == (1.0, "too_few_items")
    assert floor_test(from_arrays([0, 0], [1, 1], floor=0.5, binary=True)) == (pytest.approx(1.0), "binomial")


def test_holm_by_hand_with_ties_and_nans():
    from acbench.stats.inference import holm

    # sorted 0.01, 0.02, 0.02, 0.04 (m = 4): 0.04, 0.06, max(0.06, 0.04) = 0.06, max(0.06, 0.04) = 0.06
    out = holm([0.02, np.nan, 0.01, 0.04, 0.02])
    assert np.isnan(out[1])
    np.testing.assert_allclose(out[[0, 2, 3, 4]], [0.06, 0.04, 0.06, 0.06])
    np.testing.assert_allclose(holm([0.5, 0.3]), [0.6, 0.6])
    np.testing.assert_allclose(holm([1, 0]), [1.0, 0.0])  # integers are p-values too
    assert holm([]).shape == (0,)


def test_mde_small_and_constant_cases():
    from acbench.stats.inference import mde

    # Student's t with n - 1 df: t_{.975,1} + t_{.8,1} = 12.706205 + 1.376382; with 2 df 4.302653 + 1.060660
    t1, t2 = 12.706205 + 1.376382, 4.302653 + 1.060660
    assert math.isnan(mde(from_arrays([1.0], [0.0])))
    two = from_arrays([0.0, 1.0], [1.0, 1.0])  # d = (1, 0): sd = 1/sqrt(2)
    assert mde(two) == pytest.approx(t1 * (1 / math.sqrt(2)) / math.sqrt(2), rel=1e-6)
    same = from_arrays([0.0, 1.0, 1.0], [0.0, 1.0, 1.0])  # no spread of d: sqrt(2) * sd(base) = sqrt(2/3)
    assert mde(same) == pytest.approx(t2 * math.sqrt(2) * math.sqrt(1 / 3) / math.sqrt(3), rel=1e-6)
    unit = from_arrays([1.0, 2.0, 3.0], [2.0, 3.0, 4.0])  # d constant 1: base sd 1 -> sqrt(2)
    assert mde(unit) == pytest.approx(t2 * math.sqrt(2) / math.sqrt(3), rel=1e-6)
    assert math.isnan(mde(from_arrays([1.0, 1.0], [1.0, 1.0])))


# -- pairing: every problem named, every field carried ---------------------------------------------------------

def test_pair_items_names_each_problem():
    from acbench.stats.paired import PairingProblem, pair_items
    from acbench.tasks.base import ItemScore, TaskResult

    full = _result("t", "tool_use", [1.0, 0.0])
    empty = _result("t", "tool_use", [])
    assert pair_items(full, empty) == PairingProblem("no_items", "task 't' reports no item scores "
                                                                 "(TaskResult.items is empty)")
    assert pair_items(empty, full).status == "no_items"
    other = TaskResult("t", "tool_use", [], {"s": 0.5}, "s", items=[ItemScore("0", 1.0), ItemScore("9", 0.0)])
    assert pair_items(full, other) == PairingProblem("unpaired", "task 't': base and compressed items differ or "
                                                                 "repeat (2 vs 2 items)")
    repeated = TaskResult("t", "tool_use", [], {"s": 0.5}, "s", items=[ItemScore("0", 1.0), ItemScore("0", 0.0)])
    assert pair_items(repeated, full).status == "unpaired" and pair_items(full, repeated).status == "unpaired"
    grouped = TaskResult("t", "tool_use", [], {"s": 0.5}, "s",
                         items=[ItemScore("0", 1.0, "g"), ItemScore("1", 0.0, "h")], group_weights={"g": 0.5})
    assert pair_items(grouped, grouped) == PairingProblem("items_mismatch", "task 't': group 'h' has no weight")
    off = TaskResult("t", "tool_use", [], {"s": 0.6}, "s", items=[ItemScore("0", 1.0), ItemScore("1", 0.0)])
    assert pair_items(off, full) == PairingProblem("items_mismatch", "task 't': items give headline 0.5, "
                                                                     "metrics['s'] is 0.6")
    # a headline of 1000 off by 1e-7 relative still pairs (relative tolerance), 1e-3 of 0.001 does not
    big = TaskResult("t", "tool_use", [], {"s": 1000.0001}, "s", items=[ItemScore("0", 1000.0), ItemScore("1", 1000.0)])
    assert not isinstance(pair_items(big, big), PairingProblem)
    tiny = TaskResult("t", "tool_use", [], {"s": 0.0011}, "s", items=[ItemScore("0", 0.001), ItemScore("1", 0.001)])
    assert isinstance(pair_items(tiny, tiny), PairingProblem)


def test_pair_items_carries_groups_weights_floor_and_binary():
    from acbench.stats.paired import pair_items
    from acbench.tasks.base import ItemScore, TaskResult

    items = [ItemScore("a", 1, "x"), ItemScore("b", 0, "y"), ItemScore("c", 1, "y")]
    base = TaskResult("t", "workflow", [], {"s": 0.25 * 1 + 0.75 * 0.5}, "s", items=items,
                      group_weights={"x": 0.25, "y": 0.75}, floor=0.2, binary=True)
    comp_items = [ItemScore("c", 0, "y"), ItemScore("a", 1, "x"), ItemScore("b", 0, "y")]  # another order
    comp = TaskResult("t", "workflow", [], {"s": 0.25}, "s", items=comp_items, group_weights={"x": 0.25, "y": 0.75},
                      binary=True)
    pair = pair_items(base, comp)
    assert pair.ids == ("a", "b", "c") and pair.groups == ("x", "y") and pair.group_index.dtype == np.int64
    assert pair.group_index.tolist() == [0, 1, 1] and pair.weights.tolist() == [0.25, 0.75]
    assert pair.base.dtype == float and pair.base.tolist() == [1.0, 0.0, 1.0] and pair.comp.tolist() == [1.0, 0.0, 0.0]
    assert pair.floor == 0.2 and pair.binary is True
    assert pair_items(base, TaskResult("t", "workflow", [], {"s": 0.25}, "s", items=comp_items,
                                       group_weights={"x": 0.25, "y": 0.75})).binary is False


def test_compare_results_defaults_are_the_documented_ones():
    from acbench.stats.compare import compare_results
    from acbench.stats.inference import paired_test
    from acbench.stats.paired import pair_items

    values = [0.05 * k for k in range(16)]  # 2**16 sign patterns > 9999: the Monte Carlo permutation test
    base = {"worf": _result("worf", "workflow", values)}
    comp = {"worf": _result("worf", "workflow", [v * 0.9 if k % 3 else v for k, v in enumerate(values)])}
    run = compare_results(base, comp)
    assert (run.method, run.level, run.resamples, run.seed) == ("percentile", 0.95, 2000, 0)
    pair = pair_items(base["worf"], comp["worf"])
    assert run.tasks["worf"].p_value == paired_test(pair, resamples=9999, seed=0)[0]
    assert run.tasks["worf"].p_value != paired_test(pair, resamples=10000, seed=0)[0]


def test_edge_cases_found_by_mutation():
    from acbench.stats.compare import compare_results
    from acbench.stats.inference import floor_test, paired_test
    from acbench.stats.paired import PairingProblem, pair_items
    from acbench.tasks.base import ItemScore, TaskResult

    # one binary item: McNemar, not an IndexError
    assert paired_test(from_arrays([1], [0], binary=True)) == (1.0, "mcnemar_exact")
    # a choice task where nobody scored: no binomial over a zero top value, the sign rule (at the floor: p = 1)
    assert floor_test(from_arrays([0, 0], [0, 0], floor=0.5, binary=True)) == (1.0, "sign")
    # 0/1 items, 4 choices: 3 of 4 right
    assert floor_test(from_arrays([1, 1, 1, 0], [0, 0, 0, 0], floor=0.25, binary=True))[0] == pytest.approx(13 / 256)
    # base repeats an id whose set still equals the compressed ids
    rep = TaskResult("t", "tool_use", [], {"s": 2 / 3}, "s", items=[ItemScore("0", 1.0), ItemScore("0", 1.0),
                                                                     ItemScore("1", 0.0)])
    two = TaskResult("t", "tool_use", [], {"s": 0.5}, "s", items=[ItemScore("0", 1.0), ItemScore("1", 0.0)])
    assert pair_items(rep, two).status == "unpaired"
    # a headline of 0 logged as 1e-12: equal within the absolute tolerance
    zero = TaskResult("t", "tool_use", [], {"s": 1e-12}, "s", items=[ItemScore("0", 0.0), ItemScore("1", 0.0)])
    assert not isinstance(pair_items(zero, zero), PairingProblem)
    ints = TaskResult("t", "tool_use", [], {"s": 0.5}, "s", items=[ItemScore("0", 1), ItemScore("1", 0)])
    assert pair_items(ints, ints).comp.dtype == float
    # a task without items keeps its floor in the statistics
    floored = {"x": _result("x", "tool_use", [], floor=0.4)}
    assert compare_results(floored, floored).tasks["x"].floor == 0.4
    # a pooled task (a one-item group) under BCa: leave-one-out values of both models are used
    pooled = from_arrays([1, 0, 1, 1, 0], [1, 0, 0, 1, 0], groups=["a", "b", "b", "b", "b"])
    draws = bs.bootstrap(pooled, 200, np.random.default_rng(0))
    assert np.isfinite(draws.jack_comp).all()
    est, lo, hi = bs.interval(bs.mean_delta, [pooled], [draws], method="bca")
    assert lo <= est <= hi


def test_capability_and_overall_intervals_use_the_method_and_a_mean_over_capabilities():
    from acbench.stats.compare import compare_results

    def res(task, cap, values):
        return _result(task, cap, values)

    base = {"a1": res("a1", "tool_use", [0.1, 0.3, 0.2, 0.2]), "a2": res("a2", "tool_use", [0.5, 0.7, 0.6, 0.6]),
            "b": res("b", "workflow", [0.3, 0.5, 0.4, 0.4]), "c": res("c", "long_context", [0.8, 1.0, 0.9, 0.9])}
    comp = {k: res(v.task, v.capability, [i.value * 0.5 + 0.05 * j for j, i in enumerate(v.items)])
            for k, v in base.items()}
    bca = compare_results(base, comp, resamples=300, seed=1, method="bca")
    pct = compare_results(base, comp, resamples=300, seed=1, method="percentile")
    # capability means: tool_use (0.2 + 0.6) / 2 = 0.4, workflow 0.4, long_context 0.9: overall 1.7 / 3
    assert bca.overall["base"][0] == pytest.approx(1.7 / 3) and bca.capabilities["tool_use"]["base"][0] == 0.4
    for quantity in ("base", "delta", "retention"):
        assert bca.capabilities["tool_use"][quantity][1:] != pct.capabilities["tool_use"][quantity][1:]
        assert bca.overall[quantity][1:] != pct.overall[quantity][1:]
