"""ScienceWorld through the agent loop with scripted outputs (needs Java and the PyPI `scienceworld`)."""

from __future__ import annotations

import shutil

import pytest

from acbench.engines.scripted import ScriptedEngine
from acbench.tasks.base import ResultStore
from acbench.tasks.registry import make_task

pytestmark = pytest.mark.skipif(shutil.which("java") is None, reason="ScienceWorld needs a Java runtime (scripts/setup.sh)")


def test_subset_task_names_exist():
    from scienceworld import ScienceWorldEnv

    from acbench.tasks.scienceworld.task import SUBSET

    names = ScienceWorldEnv("", envStepLimit=10).get_task_names()
    assert set(SUBSET) <= set(names)


def test_scripted_episode_scores_progress_success_and_grounding(tmp_path):
    task = make_task("scienceworld", tasks="boil", max_steps=3)
    samples = task.load(limit=1)
    assert [s.id for s in samples] == ["boil/0"]
    # one accepted action, one the simulator does not know, then a valid-actions check
    engine = ScriptedEngine(["Action: look around", "Action: fly to the moon", "Action: check valid actions"])
    result = task.run(engine, samples, ResultStore(tmp_path / "r.jsonl"))
    record = result.records[0]
    assert [t["valid"] for t in record["trajectory"]] == [True, False, True]
    assert record["grounding_acc"] == pytest.approx(2 / 3) and record["grounding_acc_strict"] == pytest.approx(2 / 3)
    assert record["progress_rate"] == 0.0 and record["success"] is False
    assert result.metrics["scienceworld/progress_rate"] == 0.0
    assert result.main == "scienceworld/progress_rate"


def test_focus_on_the_substance_scores_a_subgoal(tmp_path):
    task = make_task("scienceworld", tasks="boil", max_steps=2, scoring="strict")
    samples = task.load(limit=1)
    # the boil task's first subgoal is focusing on the water; it is in the kitchen, so go there first
    engine = ScriptedEngine(["Action: go to kitchen", "Action: look around"])
    record = task.run(engine, samples, ResultStore(tmp_path / "r.jsonl")).records[0]
    assert record["trajectory"][0]["valid"] in (True, False)  # the door may be closed in variation 0
    assert 0.0 <= record["progress_rate_strict"] <= 1.0


def test_data_files_are_refused():
    with pytest.raises(ValueError, match="no data files"):
        make_task("scienceworld").load(source="x.jsonl")


@pytest.mark.slow
def test_real_model_plays_two_episodes(tmp_path):
    from acbench.engines.hf import HFEngine
    from acbench.models import resolve_model

    task = make_task("scienceworld")
    result = task.run(HFEngine(resolve_model()), task.load(), ResultStore(tmp_path / "r.jsonl"))
    assert len(result.records) == 2 and 0.0 <= result.score <= 1.0
