"""The per-item results cache: its key must change whenever what would be generated changes."""

from __future__ import annotations

import pytest

from acbench.config import RunConfig
from acbench.evaluate import setup_tasks
from acbench.tasks.agents import agent_task


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
    # nothing measurable: no retention at all, not a fake 1.0
    zero = {"pddl": _result("pddl", "real_world", 0.0)}
    assert retention(zero, zero) == {}
