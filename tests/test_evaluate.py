"""The per-item results cache: its key must change whenever what would be generated changes."""

from __future__ import annotations

import pytest

from acbench.config import RunConfig
from acbench.evaluate import setup_tasks
from acbench.tasks.agentic import agent_task


def test_results_key_follows_settings_a_profile_fills_in(monkeypatch):
    cfg = RunConfig.from_params({"method": "none", "tasks": "pddl"})
    before = setup_tasks(cfg)[0]
    assert setup_tasks(cfg)[0].key == before.key  # stable for the same config
    # the same episodes under a profile default changed by a later release: old results must not be reused
    monkeypatch.setitem(agent_task.PROFILES, "quick", {**agent_task.PROFILES["quick"], "max_steps": 7})
    after = setup_tasks(cfg)[0]
    assert after.task.max_steps == 7 and [s.id for s in after.samples] == [s.id for s in before.samples]
    assert after.key != before.key


def _result(task, capability, score, floor=0.0):
    from acbench.tasks.base import TaskResult

    return TaskResult(task, capability, [], {"s": score}, "s", floor=floor)


def test_retention_combination_hand_computed_with_zero_scores():
    from acbench.evaluate import retention

    # task: (capability, base, compressed)
    scores = {"teval": ("tool_use", 50.0, 40.0),             # 0.8
              "worfbench": ("workflow", 0.5, 0.0),            # compressed 0: retention 0.0, still counted
              "needle": ("long_context", 100.0, 50.0),        # 0.5
              "longbench": ("long_context", 20.0, 30.0),      # 1.5 -> long_context (0.5 + 1.5) / 2 = 1.0
              "pddl": ("real_world", 0.0, 0.0),               # both 0: no retention (was 1.0)
              "tool_query": ("real_world", 0.0, 0.2)}         # base 0: no retention
    base = {n: _result(n, cap, b) for n, (cap, b, _) in scores.items()}
    comp = {n: _result(n, cap, c) for n, (cap, _, c) in scores.items()}
    ret = retention(base, comp)
    assert ret == {"retention/task/teval": 0.8, "retention/task/worfbench": 0.0, "retention/task/needle": 0.5,
                   "retention/task/longbench": 1.5, "retention/tool_use": 0.8, "retention/workflow": 0.0,
                   "retention/long_context": 1.0, "retention/overall": (0.8 + 0.0 + 1.0) / 3}
    # the statistics say longbench's original is not above its floor: long_context is needle alone
    ret = retention(base, comp, {"longbench": False, "needle": True})
    assert "retention/task/longbench" not in ret and ret["retention/long_context"] == 0.5
    assert ret["retention/overall"] == pytest.approx((0.8 + 0.0 + 0.5) / 3)
    # without statistics, a base score at or below the task's chance level has no retention either
    base["teval"] = _result("teval", "tool_use", 20.0, floor=20.0)
    assert "retention/tool_use" not in retention(base, comp)
    # a compressed model at chance keeps nothing above chance (the plain ratio would say 25 / 75 = 0.33)
    base["teval"], comp["teval"] = _result("teval", "tool_use", 75.0, 25.0), _result("teval", "tool_use", 25.0, 25.0)
    assert retention(base, comp)["retention/task/teval"] == 0.0
    assert retention(base, comp, plain=True)["retention_plain/task/teval"] == pytest.approx(1 / 3)
    # nothing measurable: no retention at all, not a fake 1.0
    zero = {"pddl": _result("pddl", "real_world", 0.0)}
    assert retention(zero, zero) == {}


def test_capability_scores_read_the_capability_from_the_registry():
    from acbench.evaluate import capability_scores

    # results that name the wrong capability: the registry's row decides (teval is tool_use, needle long_context)
    results = {"teval": _result("teval", "long_context", 60.0), "needle": _result("needle", "tool_use", 70.0),
               "longbench": _result("longbench", "tool_use", 30.0)}
    assert capability_scores(results) == {"tool_use": 60.0, "long_context": 50.0}


def test_evaluate_model_puts_each_headline_on_0_100_and_keeps_the_raw_metrics(isolated_tracking):
    from acbench.engines.scripted import ScriptedEngine
    from acbench.evaluate import capability_scores, evaluate_model
    from acbench.metrics import task_metrics
    from acbench.tasks.needle.task import DEFAULT_NEEDLE

    cfg = RunConfig.from_params({"method": "none", "tasks": "needle"},
                                base={"task_options": {"needle": {"lengths": [60], "depths": [0, 50, 100]}}})
    # the needle itself as the reply: ROUGE-1 F = 1, so the paper score is 10 of 10 in every cell
    results = evaluate_model(ScriptedEngine(lambda request: DEFAULT_NEEDLE), "probe-model", setup_tasks(cfg))
    needle = results["needle"]
    assert needle.metrics["needle/score"] == pytest.approx(10.0)  # upstream's 0-10, unchanged
    assert needle.main == "headline" and needle.score == pytest.approx(100.0)
    assert [i.value for i in needle.items] == pytest.approx([100.0] * 3)
    assert capability_scores(results) == {"long_context": pytest.approx(100.0)}
    logged = task_metrics("base", needle)
    assert logged["base/long_context/needle/score"] == pytest.approx(10.0)
    assert logged["base/long_context/needle/headline"] == pytest.approx(100.0)
