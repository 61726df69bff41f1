"""T-Eval with the real default embedder, and (slow) the quick profile on the embedded model."""

import importlib.util

import pytest

from acbench.tasks.base import ResultStore
from acbench.tasks.teval import TEvalTask


def test_default_embedder_identical_strings():
    task = TEvalTask()
    sim = task.embedder.similarity(["WeatherAPI.get_forecast", "I need the forecast"],
                                   ["WeatherAPI.get_forecast", "I need the forecast"])
    assert sim[0, 0] == pytest.approx(1.0, abs=1e-4) and sim[1, 1] == pytest.approx(1.0, abs=1e-4)
    assert 0.0 <= sim[0, 1] < 0.99
    assert task.options["embedding_model"] == "all-MiniLM-L6-v2"


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("acbench.engines.hf") is None, reason="HFEngine not available")
def test_quick_profile_on_embedded_model(tmp_path):
    from acbench.engines.hf import HFEngine
    from acbench.models import resolve_model

    task = TEvalTask(profile="quick", max_new_tokens=48)  # short answers: the point is the real model's path
    samples = task.load(limit=1)  # one item per file and format keeps the suite fast; every ability still runs
    result = task.run(HFEngine(resolve_model()), samples, ResultStore(tmp_path / "teval.jsonl"))
    assert len(result.records) == len(samples) == 9
    for key in ("overall", "str", "json", "instruct", "plan", "reason", "retrieve", "understand", "review"):
        assert 0.0 <= result.metrics[key] <= 100.0, key
    assert all(isinstance(r["prediction"], str) for r in result.records)
