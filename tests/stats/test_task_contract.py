"""CONTRACT (issue 12 / 13): every registered task reports item scores that rebuild its headline exactly.

If this fails, a task returns `TaskResult.items == []` (or items that do not sum to `metrics[main]`): its runs
then carry no intervals, tests or floor check (tag `acbench.stats.<task>=no_items` / `items_mismatch`). Fix the
task, not this test. Needle is left out: scoring it needs an engine's tokenizer; tests/test_run.py covers it.
"""

from __future__ import annotations

import pytest

from acbench.stats import compare_results, pair_items
from acbench.tasks.registry import TASKS, make_task

NEEDS_AN_ENGINE = {"needle"}


@pytest.mark.parametrize("name", [n for n in TASKS if n not in NEEDS_AN_ENGINE])
def test_CONTRACT_every_registered_task_reports_items(name):
    task = make_task(name)
    samples = task.load(limit=2)
    result = task.score_predictions(samples, {})  # empty replies: every task must still decompose its headline
    assert result.items, f"task '{name}' reports no item scores (TaskResult.items is empty)"
    paired = pair_items(result, result)
    assert not hasattr(paired, "status"), f"task '{name}': {getattr(paired, 'reason', '')}"
    stats_ = compare_results({name: result}, {name: result}, resamples=50).tasks[name]
    assert stats_.p_value == 1.0 and stats_.intervals["delta"] == (0.0, 0.0, 0.0)
