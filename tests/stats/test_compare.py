"""compare_results on synthetic TaskResults: floors, identical models, Holm across tasks, metric names,
capability and overall intervals, and the tasks that cannot be paired."""

from __future__ import annotations

import numpy as np
import pytest

from acbench.evaluate import retention
from acbench.stats import bound_metric, compare_results, pair_items
from tests.stats.conftest import task_result


def _runs():
    rng = np.random.default_rng(0)
    teval_base = rng.uniform(20, 80, 40)
    base = {
        "teval": task_result("teval", "tool_use", teval_base, groups=["json", "str"] * 20),
        "needle": task_result("needle", "long_context", [100] * 10 + [0] * 2, binary=True),
        "pddl": task_result("pddl", "real_world", [0, 0], binary=True),
    }
    comp = {
        "teval": task_result("teval", "tool_use", teval_base - 10 + rng.normal(0, 2, 40), groups=["json", "str"] * 20),
        # 8 lost (only the original right), none gained: exact McNemar p = 2 / 2**8
        "needle": task_result("needle", "long_context", [100] * 2 + [0] * 10, binary=True),
        "pddl": task_result("pddl", "real_world", [0, 0], binary=True),
    }
    return base, comp


def test_floor_task_gets_no_retention_and_a_floor_tag():
    base, comp = _runs()
    run_stats = compare_results(base, comp, resamples=500)
    pddl = run_stats.tasks["pddl"]
    assert pddl.status == "floor" and "retention" not in pddl.intervals
    assert pddl.reason == "at floor (2 items): base not above 0 (p = 1)"
    assert run_stats.tags()["acbench.stats.pddl"] == "floor"
    metrics = run_stats.metrics()
    assert "stats/real_world/pddl/retention" not in metrics and "stats/real_world/retention" not in metrics
    assert metrics["stats/real_world/pddl/delta"] == 0.0 and metrics["stats/real_world/pddl/p_value"] == 1.0
    assert run_stats.measurable() == {"teval": True, "needle": True, "pddl": False}
    ret = retention(base, comp, run_stats.measurable())
    assert "retention/task/pddl" not in ret and "retention/real_world" not in ret
    # the rest, hand-computed from the headlines: needle (200 / 12) / (1000 / 12) = 0.2
    assert ret["retention/task/needle"] == pytest.approx(0.2)
    assert ret["retention/overall"] == pytest.approx((ret["retention/tool_use"] + ret["retention/long_context"]) / 2)
    row = next(r for r in run_stats.summary() if r["task"] == "pddl")
    assert row["status"] == "floor" and row["retention"] is None and row["note"].startswith("at floor (2 items)")


def test_tests_holm_and_significant_drops():
    base, comp = _runs()
    run_stats = compare_results(base, comp, resamples=500)
    needle, teval = run_stats.tasks["needle"], run_stats.tasks["teval"]
    assert needle.test == "mcnemar_exact" and needle.p_value == pytest.approx(2 / 256)
    assert teval.test == "paired_permutation" and teval.p_value < 0.001  # every item drops by about 10
    assert run_stats.tasks["pddl"].test == "identical"
    # Holm over three p-values: needle is the larger of the two small ones -> x 2
    assert needle.p_holm == pytest.approx(min(1.0, 2 * needle.p_value))
    assert needle.significant_drop and teval.significant_drop and not run_stats.tasks["pddl"].significant_drop
    metrics = run_stats.metrics()
    assert metrics["stats/long_context/needle/delta"] == pytest.approx(-800 / 12)
    lo, hi = metrics["stats/long_context/needle/delta_lo"], metrics["stats/long_context/needle/delta_hi"]
    assert lo <= metrics["stats/long_context/needle/delta"] <= hi < 0
    assert metrics["stats/long_context/needle/significant_drop"] == 1.0
    assert metrics["stats/long_context/needle/n"] == 12.0
    assert metrics["stats/tool_use/teval/mde"] > 0
    # the capability with one task has that task's interval; overall averages capabilities
    assert metrics["stats/long_context/delta"] == pytest.approx(metrics["stats/long_context/needle/delta"])
    assert metrics["stats/overall/base"] == pytest.approx(np.mean(
        [metrics["stats/tool_use/base"], metrics["stats/long_context/base"], metrics["stats/real_world/base"]]))
    assert metrics["stats/overall/retention"] == pytest.approx(
        (metrics["stats/tool_use/retention"] + metrics["stats/long_context/retention"]) / 2)
    assert metrics["stats/overall/retention_lo"] < metrics["stats/overall/retention"] < metrics["stats/overall/retention_hi"]


def test_identical_models_give_delta_zero_and_p_one():
    base, _ = _runs()
    run_stats = compare_results(base, base, resamples=300)
    for name, task in run_stats.tasks.items():
        assert task.intervals["delta"] == (0.0, 0.0, 0.0), name
        assert task.p_value == 1.0 and task.p_holm == 1.0 and not task.significant_drop
    assert run_stats.tasks["teval"].intervals["retention"] == (1.0, 1.0, 1.0)


def test_intervals_are_seeded_and_per_task():
    base, comp = _runs()
    one = compare_results(base, comp, resamples=300, seed=4).metrics()
    two = compare_results(base, comp, resamples=300, seed=4).metrics()
    alone = compare_results({"teval": base["teval"]}, {"teval": comp["teval"]}, resamples=300, seed=4).metrics()
    assert one == two
    # a task's interval does not depend on which other tasks ran (its own generator); Holm does (m = 1 here)
    assert alone["stats/tool_use/teval/delta_lo"] == one["stats/tool_use/teval/delta_lo"]
    assert compare_results(base, comp, resamples=300, seed=5).metrics() != one


def test_grouped_headline_is_the_weighted_group_mean():
    # groups of 1 and 3 items, weights 0.5 / 0.5 (macro mean): 0.5 * 4 + 0.5 * 1 = 2.5 ; compressed 0.5 * 2 + 0.5 * 1
    base = {"t": task_result("t", "workflow", [4, 1, 1, 1], groups=list("abbb"))}
    comp = {"t": task_result("t", "workflow", [2, 1, 1, 1], groups=list("abbb"))}
    stats_ = compare_results(base, comp, resamples=200).tasks["t"]
    assert stats_.intervals["base"][0] == pytest.approx(2.5) and stats_.intervals["delta"][0] == pytest.approx(-1.0)
    # group a has one item, which carries half the headline: within-group resampling would keep it in every
    # resample and report (-1, -1, -1); items are pooled across groups instead, and the interval shows that the
    # whole delta rests on that one item (0 when a resample misses it)
    estimate, lo, hi = stats_.intervals["delta"]
    assert estimate == pytest.approx(-1.0) and lo < -1.0 and hi == pytest.approx(0.0)


def test_tasks_without_usable_items_are_reported_not_tested():
    base, comp = _runs()
    base["worfbench"] = task_result("worfbench", "workflow", [])
    comp["worfbench"] = task_result("worfbench", "workflow", [])
    base["longbench"] = task_result("longbench", "long_context", [1, 2], ids=["a", "b"])
    comp["longbench"] = task_result("longbench", "long_context", [1, 2], ids=["a", "c"])
    base["needle"].metrics["score"] = 99.0  # the items no longer reproduce the headline
    run_stats = compare_results(base, comp, resamples=200)
    tags = run_stats.tags()
    assert (tags["acbench.stats.worfbench"], tags["acbench.stats.longbench"], tags["acbench.stats.needle"]) == (
        "no_items", "unpaired", "items_mismatch")
    assert not any(k.startswith(("stats/workflow", "stats/long_context")) for k in run_stats.metrics())
    assert "99.0" in run_stats.tasks["needle"].reason
    assert "needle" not in run_stats.measurable()  # retention falls back to the point rule for these
    assert isinstance(pair_items(base["teval"], comp["teval"]).base, np.ndarray)


def test_bound_metric_names():
    assert bound_metric("retention/overall", "lo") == "stats/overall/retention_lo"
    assert bound_metric("retention/tool_use", "hi") == "stats/tool_use/retention_hi"
    assert bound_metric("retention/task/needle", "lo", {"needle": "long_context"}) == (
        "stats/long_context/needle/retention_lo")
    assert bound_metric("workflow/score", "lo") == "stats/workflow/compressed_lo"  # the name before roles
    # `<role>/<capability>/score` (acbench/metrics.py): each role's bound under its capability
    assert bound_metric("compressed/workflow/score", "lo") == "stats/workflow/compressed_lo"
    assert bound_metric("base/tool_use/score", "hi") == "stats/tool_use/base_hi"
    with pytest.raises(ValueError, match="no interval bound"):
        bound_metric("model/size_mb", "lo")
