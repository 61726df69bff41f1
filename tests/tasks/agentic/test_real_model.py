"""One short episode on the embedded model (slow): the loop works end to end with a real engine."""

import pytest

from acbench.tasks.pddl.task import PDDLTask
from acbench.tasks.base import ResultStore


@pytest.mark.slow
def test_pddl_episode_on_the_embedded_model(tmp_path, monkeypatch):
    monkeypatch.setenv("ACBENCH_NO_PROGRESS", "1")
    import acbench.engines.hf as hf  # a hard dependency: fail, never skip
    from acbench.models import resolve_model

    engine = hf.HFEngine(resolve_model())
    task = PDDLTask(max_steps=3, max_new_tokens=24)
    samples = task.load(limit=1)
    result = task.run(engine, samples, ResultStore(tmp_path / "pddl.jsonl"))
    record = result.records[0]
    assert 1 <= record["steps"] <= 3 and len(record["trajectory"]) == max(record["steps"], record["steps_strict"])
    assert all(isinstance(t["output"], str) and t["observation"] for t in record["trajectory"])
    for key in ("pddl/progress_rate", "pddl/success_rate", "pddl/grounding_acc"):
        assert 0.0 <= result.metrics[key] <= 1.0 and 0.0 <= result.metrics[key + "_strict"] <= 1.0
    # a rerun resumes from the store: no new generation
    engine.generate = lambda *a, **k: pytest.fail("finished episode was run again")
    assert task.run(engine, samples, ResultStore(tmp_path / "pddl.jsonl")).records == result.records
