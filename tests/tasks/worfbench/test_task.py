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
    """Similarity 1 for identical texts, else 0: scores can be worked out by hand (both rule sets)."""

    def similarity(self, a, b):
        return np.array([[1.0 if x == y else 0.0 for y in b] for x in a]).reshape(len(a), len(b))

    upstream_similarity = similarity


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
    assert result.metrics["overall_strict"] == pytest.approx(1.0)
    for t in ("function_call", "embodied", "problem_solving", "open_grounded"):
        for key in ("node_f1", "node_precision", "node_recall", "graph_f1", "graph_precision", "graph_recall"):
            assert result.metrics[f"{t}/{key}_strict"] == pytest.approx(1.0)
        # paper rules: an exact copy always has graph F1 1; its node chain can be lower (8+ subtasks, >20 orders)
        assert result.metrics[f"{t}/graph_f1"] == pytest.approx(1.0)
    assert result.metrics["parse_rate"] == 1.0
    assert all(r["parse_error"] is None and r["paper_reason"] is None and r["prompt"][-1]["role"] == "user"
               for r in result.records)
    assert all(r["embedding_model"] == "all-MiniLM-L6-v2" for r in result.records)


def test_garbage_scores_zero_with_reason():
    task = make(task_names="embodied,open_grounded")
    samples = task.load(limit=2)
    result = task.run(ScriptedEngine(lambda r: "I am a helpful assistant!"), samples, ResultStore(None))
    assert len(result.records) == 4
    assert result.metrics["overall"] == 0.0 and result.metrics["parse_rate"] == 0.0
    assert {r["parse_error"] for r in result.records} == {"no numbered nodes"}
    assert {r["paper_reason"] for r in result.records} == {"unparseable"} and result.metrics["overall_strict"] == 0.0
    assert set(k.split("/")[0] for k in result.metrics if "/" in k) == {"embodied", "open_grounded"}


def test_metrics_are_macro_averaged_over_tasks():
    task = make()
    samples = task.load(limit=2)
    # right answers for function_call only: its F1 is 1, the others 0 -> average 1/4
    right = {TURN_PREFIX + s.data["conversations"][1]["content"]: s.target for s in samples if s.data["task"] == "function_call"}
    engine = ScriptedEngine(lambda request: right.get(request.messages[-1]["content"], "nothing"))
    result = task.run(engine, samples, ResultStore(None))
    assert result.metrics["function_call/node_f1"] == 1.0 and result.metrics["embodied/graph_f1"] == 0.0
    assert result.metrics["node_f1_strict"] == pytest.approx(0.25) and result.metrics["overall_strict"] == pytest.approx(0.25)
    assert result.metrics["graph_f1"] == pytest.approx(0.25)  # paper: an exact copy's graph F1 is 1 as well


def test_resume_after_a_crash(tmp_path):
    task = make()
    samples = task.load(limit=4)  # 16 items, all in one generate call; the crash comes at the 7th answer
    gold = gold_engine(samples)
    calls = {"n": 0}

    def crashing(request):
        calls["n"] += 1
        if calls["n"] > 6:
            raise RuntimeError("killed")
        return gold._script(request)

    path = tmp_path / "worfbench.jsonl"
    with pytest.raises(RuntimeError):
        task.run(ScriptedEngine(crashing), samples, ResultStore(path))
    assert len(ResultStore(path).records_for(samples)) == 6  # each answer was saved as it came
    second = gold_engine(samples)
    result = task.run(second, samples, ResultStore(path))
    assert len(second.requests) == len(samples) - 6
    assert len(result.records) == len(samples) and result.metrics["overall"] == pytest.approx(1.0)


def test_score_predictions_rescored_without_a_model():
    task = make()
    samples = task.load(limit=1)
    result = task.score_predictions(samples, {samples[0].id: samples[0].target})
    assert result.records[0]["node_f1_strict"] == 1.0 and result.records[0]["paper_reason"] is None
    assert sum(r["parse_error"] == "empty output" for r in result.records) == len(samples) - 1
    assert [r["paper_reason"] for r in result.records[1:]] == ["missing"] * (len(samples) - 1)


def test_bad_options_are_errors():
    with pytest.raises(ValueError, match="unknown profile"):
        make_task("worfbench", profile="huge")
    with pytest.raises(ValueError, match="no option"):
        make_task("worfbench", temperature=0.7)
    with pytest.raises(ValueError, match="scoring must be one of"):
        make_task("worfbench", scoring="lenient")


@pytest.mark.slow
def test_real_model_on_three_items():
    import acbench.engines.hf as hf  # a hard dependency: fail, never skip
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


def _write_suite(root, items):
    """items: (task, id, gold text) -> <root>/<task>/graph_eval.json in the upstream format."""
    import json

    for task in dict.fromkeys(t for t, _, _ in items):
        records = [{"source": t, "id": i, "target": "graph", "category": "x", "conversations": [
            {"role": "system", "content": "plan"}, {"role": "user", "content": f"task {i}"},
            {"role": "assistant", "content": gold}]} for t, i, gold in items if t == task]
        (root / task).mkdir(parents=True)
        (root / task / "graph_eval.json").write_text(json.dumps(records))
    return root


def _wf(nodes, edges):
    return "Node:\n" + "".join(f"{i}: {t}\n" for i, t in enumerate(nodes, 1)) + "Edge: " + edges


G4 = ["Preheat the oven to 180 degrees", "Mix flour, sugar and eggs into a batter",
      "Pour the batter into a greased tin", "Bake the cake for 30 minutes"]
T3 = ["Boil water", "Put a tea bag in the cup", "Pour the water into the cup"]
BUY = ["Buy milk", "Buy bread", "Buy eggs", "Buy apples"]
CHAIN4, CHAIN3 = "(START,1) (1,2) (2,3) (3,4) (4,END)", "(START,1) (1,2) (2,3) (3,END)"
BUY_EDGES = " ".join(f"(START,{i}) ({i},END)" for i in range(1, 5))


@pytest.mark.parametrize("scoring", ["paper", "strict"])
def test_both_modes_by_hand_and_items_decompose_the_headline(tmp_path, scoring):
    from acbench.tasks.base import headline_from_items

    data = _write_suite(tmp_path, [("alpha", "a1", _wf(G4, CHAIN4)), ("alpha", "a2", _wf(T3, CHAIN3)),
                                   ("beta", "b1", _wf(BUY, BUY_EDGES))])
    task = make(scoring=scoring)
    samples = task.load(str(data), limit=10)
    assert [(s.id, s.upstream_id) for s in samples] == [("alpha/a1", "a1"), ("alpha/a2", "a2"), ("beta/b1", "b1")]
    predictions = {"alpha/a1": _wf([G4[1], G4[0], *G4[2:]], CHAIN4),          # paper .75 / 1, strict .75 / .5
                   "alpha/a2": _wf(T3, "(START,3) (3,2) (2,1) (1,END)"),       # paper 1 / .2, strict 1 / 0
                   "beta/b1": _wf(BUY, BUY_EDGES)}                              # paper .75 / 1, strict .75 / 1
    result = task.score_predictions(samples, predictions)
    m = result.metrics
    assert (m["alpha/node_f1"], m["alpha/graph_f1"], m["beta/node_f1"]) == pytest.approx((0.875, 0.6, 0.75))
    assert (m["node_f1"], m["graph_f1"], m["overall"]) == pytest.approx((0.8125, 0.8, 0.80625))
    assert (m["node_f1_strict"], m["graph_f1_strict"], m["overall_strict"]) == pytest.approx((0.8125, 0.625, 0.71875))
    assert m["alpha/graph_precision"] == pytest.approx(0.6) and m["alpha/graph_recall_strict"] == pytest.approx(0.25)
    assert result.main == ("overall" if scoring == "paper" else "overall_strict")
    assert [i.group for i in result.items] == ["alpha", "alpha", "beta"] and not result.group_weights
    expected = [0.875, 0.6, 0.875] if scoring == "paper" else [0.625, 0.5, 0.875]
    assert [i.value for i in result.items] == pytest.approx(expected)
    assert abs(headline_from_items(result.items, result.group_weights) - result.score) < 1e-9
    assert result.floor == 0.0 and result.binary is False


def test_embedding_model_default_follows_the_profile():
    from acbench.scoring.embeddings import PAPER_EMBEDDING_MODEL

    assert make_task("worfbench", profile="paper").embedding_model == PAPER_EMBEDDING_MODEL
    assert make_task("worfbench").embedding_model == "all-MiniLM-L6-v2"
    assert make_task("worfbench", profile="paper", embedding_model="/models/mpnet").embedding_model == "/models/mpnet"



def test_a_stop_string_does_not_cost_the_last_edge_its_bracket():
    # ")\nNode:" ends the answer at a second Node block; the ")" it removed belongs to the last edge, which
    # upstream's parser would otherwise drop (paper graph F1 falls). Saved predictions are never altered.
    from acbench.engines.base import GenerationRequest
    from acbench.engines.scripted import ScriptedEngine
    from acbench.tasks.base import ResultStore
    from acbench.tasks.worfbench.task import WorfBenchTask

    task = WorfBenchTask(embedding_model="unused")
    exact = staticmethod(lambda a, b: np.array([[float(x == y) for y in b] for x in a]))
    task.embedder = type("Exact", (), {"similarity": exact, "upstream_similarity": exact})()
    sample = task.load()[0]
    answer = "Node:\n1: a\n2: b\nEdge: (START,1) (1,2) (2,END)\nNode:\n1: again"
    record = task.run(ScriptedEngine(lambda request: answer), [sample], ResultStore(None)).records[0]
    assert record["prediction"] == "Node:\n1: a\n2: b\nEdge: (START,1) (1,2) (2,END)"
    short = GenerationRequest.from_prompt("x", max_new_tokens=4)  # the budget, not a stop, ended this one
    assert task.finish_output("Edge: (START,1) (1,END", short, ScriptedEngine([])) == "Edge: (START,1) (1,END"
    scored = task.score_predictions([sample], {sample.id: "Node:\n1: a\nEdge: (START,1) (1,END"}).records[0]
    assert scored["prediction"].endswith("(1,END")
