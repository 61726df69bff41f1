"""WorfBenchTask end to end with ScriptedEngine: prompts, stop strings, metrics, resume; one real-model run."""

from __future__ import annotations

import os

import numpy as np
import pytest

from acbench.engines.scripted import ScriptedEngine
from acbench.tasks.base import ResultStore
from acbench.tasks.registry import make_task
from acbench.tasks.worfbench.graph import parse_workflow
from acbench.tasks.worfbench.prompts import TURN_PREFIX
from acbench.tasks.worfbench.task import STOP

os.environ.setdefault("ACBENCH_NO_PROGRESS", "1")


class ExactEmbedder:
    """Similarity 1 for identical texts, else 0: scores can be worked out by hand."""

    def similarity(self, a, b):
        return np.array([[1.0 if x == y else 0.0 for y in b] for x in a]).reshape(len(a), len(b))


def make(**options):
    task = make_task("worfbench", **options)
    task.embedder = ExactEmbedder()
    return task


def gold_engine(samples, **kwargs):
    gold = {TURN_PREFIX + s.data["conversations"][1]["content"]: s.target for s in samples}
    return ScriptedEngine(lambda request: gold[request.messages[-1]["content"]], **kwargs)


def test_quick_profile_is_small_and_covers_every_type():
    samples = make().load()
    assert len(samples) == 4  # one per task type
    assert {s.data["task"] for s in samples} == {"function_call", "embodied", "problem_solving", "open_grounded"}
    assert len(make().load(limit=4)) == 16
    assert len(make(profile="paper").load()) == 64


def test_prompt_is_system_two_shots_then_user_and_stop_keeps_edges():
    task = make()
    sample = task.load()[0]
    request = task.request(sample, ScriptedEngine(["x"]))
    roles = [m["role"] for m in request.messages]
    assert roles == ["system", "user", "assistant", "user", "assistant", "user"]
    assert request.messages[0]["content"] == sample.data["conversations"][0]["content"]
    assert request.messages[-1]["content"] == TURN_PREFIX + sample.data["conversations"][1]["content"]
    assert "Edge:" in request.messages[2]["content"]
    # never stop on a blank line or on END: that would cut the last edges
    assert not any(s.strip() in ("", ")") or "END" in s for s in request.stop)
    # nor on a bare "Node:" after a newline: engines match prompt + output, and the prompt ends in a newline
    assert not any(s.lstrip("\n").startswith("Node:") for s in request.stop)
    # a second answer after the edge list is cut, and the cut leaves every gold edge in place
    repeated = sample.target + "\n\nNode:\n1: a repeated answer\nEdge: (START,1) (1,END)"
    output = ScriptedEngine([repeated]).generate([request])[0]
    assert "repeated" not in output
    assert parse_workflow(output).edges == parse_workflow(sample.target).edges


def test_examples_are_dropped_when_the_context_is_short():
    task = make(max_new_tokens=64)
    sample = task.load()[0]
    fits_zero_shot = sum(len(m["content"].split()) + 16 for m in sample.data["conversations"][:2]) + 64 + 8
    request = task.request(sample, ScriptedEngine(["x"], max_context=fits_zero_shot))
    assert [m["role"] for m in request.messages] == ["system", "user"]


def test_gold_answers_score_one():
    task = make()
    samples = task.load()
    result = task.run(gold_engine(samples), samples, ResultStore(None))
    assert result.main == "overall" and result.capability == "workflow"
    assert result.metrics["overall"] == pytest.approx(1.0)
    for t in ("function_call", "embodied", "problem_solving", "open_grounded"):
        for key in ("node_f1", "node_precision", "node_recall", "graph_f1", "graph_precision", "graph_recall"):
            assert result.metrics[f"{t}/{key}"] == pytest.approx(1.0)
    assert result.metrics["parse_rate"] == 1.0
    assert all(r["parse_error"] is None and r["prompt"][-1]["role"] == "user" for r in result.records)


def test_garbage_scores_zero_with_reason():
    task = make(task_names="embodied,open_grounded")
    samples = task.load(limit=2)
    result = task.run(ScriptedEngine(lambda r: "I am a helpful assistant!"), samples, ResultStore(None))
    assert len(result.records) == 4
    assert result.metrics["overall"] == 0.0 and result.metrics["parse_rate"] == 0.0
    assert {r["parse_error"] for r in result.records} == {"no numbered nodes"}
    assert set(k.split("/")[0] for k in result.metrics if "/" in k) == {"embodied", "open_grounded"}


def test_metrics_are_macro_averaged_over_tasks():
    task = make()
    samples = task.load(limit=2)
    # right answers for function_call only: its F1 is 1, the others 0 -> average 1/4
    right = {TURN_PREFIX + s.data["conversations"][1]["content"]: s.target for s in samples if s.data["task"] == "function_call"}
    engine = ScriptedEngine(lambda request: right.get(request.messages[-1]["content"], "nothing"))
    result = task.run(engine, samples, ResultStore(None))
    assert result.metrics["function_call/node_f1"] == 1.0 and result.metrics["embodied/graph_f1"] == 0.0
    assert result.metrics["node_f1"] == pytest.approx(0.25) and result.metrics["overall"] == pytest.approx(0.25)


def test_resume_after_a_crash(tmp_path):
    task = make()
    samples = task.load(limit=4)  # 16 items: two batches, the crash comes in the second
    gold = gold_engine(samples)
    calls = {"n": 0}

    def crashing(request):
        calls["n"] += 1
        if calls["n"] > task.batch_size:
            raise RuntimeError("killed")
        return gold._script(request)

    path = tmp_path / "worfbench.jsonl"
    with pytest.raises(RuntimeError):
        task.run(ScriptedEngine(crashing), samples, ResultStore(path))
    assert len(ResultStore(path).records_for(samples)) == task.batch_size
    second = gold_engine(samples)
    result = task.run(second, samples, ResultStore(path))
    assert len(second.requests) == len(samples) - task.batch_size
    assert len(result.records) == len(samples) and result.metrics["overall"] == pytest.approx(1.0)


def test_score_predictions_rescored_without_a_model():
    task = make()
    samples = task.load(limit=1)
    result = task.score_predictions(samples, {samples[0].id: samples[0].target})
    assert result.records[0]["node_f1"] == 1.0
    assert sum(r["parse_error"] == "empty output" for r in result.records) == len(samples) - 1


def test_bad_options_are_errors():
    with pytest.raises(ValueError, match="unknown profile"):
        make_task("worfbench", profile="huge")
    with pytest.raises(ValueError, match="no option"):
        make_task("worfbench", temperature=0.7)


@pytest.mark.slow
def test_real_model_on_three_items():
    hf = pytest.importorskip("acbench.engines.hf")
    from acbench.models import resolve_model

    task = make_task("worfbench", max_new_tokens=160)
    samples = [s for s in task.load(limit=1) if s.data["task"] != "function_call"]
    result = task.run(hf.HFEngine(resolve_model()), samples, ResultStore(None))
    assert len(result.records) == 3
    for r in result.records:
        assert r["prediction"].strip()
        assert 0.0 <= r["node_f1"] <= 1.0 and 0.0 <= r["graph_f1"] <= 1.0
        assert (r["parse_error"] is None) or r["node_f1"] == r["graph_f1"] == 0.0
    print({k: round(v, 3) for k, v in result.metrics.items()})
