"""The per-item results cache: its key must change whenever what would be generated changes."""

from __future__ import annotations

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
