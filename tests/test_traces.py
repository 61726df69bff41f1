"""Every evaluated item as an MLflow trace of its run (inputs, outputs, gold, one feedback per score), agent
episodes step by step, what flipped under compression (artifacts, figure, `acbench diff`), the `traces` switch,
and writing an item twice giving one trace.

A run with scripted engines (as in test_mlflow_records.py): the original model answers every needle cell, the
compressed one only the depth-0 cell, so two of three items flip from pass to fail.
"""

from __future__ import annotations

import json

import pytest
from mlflow.tracking import MlflowClient

import mlflow
import acbench.run as run_module
from acbench import tracking
from acbench.cli import main
from acbench.config import RunConfig
from acbench.engines.scripted import ScriptedEngine
from acbench.errors import ACBenchError
from acbench.flips import flip_counts, flip_label, notable, paired_items, task_summary
from acbench.items import item_traces, record_scores
from acbench.tasks.base import ItemScore, Sample, TaskResult
from acbench.tasks.needle.task import DEFAULT_ANSWER, DEFAULT_HEATMAP_ANSWER

NEEDLE = {"needle": {"lengths": [60], "depths": [0, 50, 100], "scoring": "strict"}}


def _cfg(model, **params):
    flat = {"model": str(model), "method": "rtn", "group_size": "32", "tasks": "needle", "analysis": "false",
            "register": "false", **params}
    return RunConfig.from_params(flat, base={"task_options": NEEDLE})


def _engines(original):
    def make(cfg, path, kv_bits):
        if str(path) == str(original):
            return ScriptedEngine(lambda request: f"It is {DEFAULT_ANSWER}.")
        return ScriptedEngine(lambda r: DEFAULT_ANSWER if r.messages[-1]["content"].split("Document:\n", 1)[1]
                              .startswith("The secret ingredient") else "I do not know.")
    return make


def _traces(run_id: str, role: str | None = None):
    where = f"tag.`acbench.role` = '{role}'" if role else None
    return mlflow.search_traces(run_id=run_id, filter_string=where, return_type="list")


@pytest.fixture
def finished(tiny_model, isolated_tracking):
    outcome = run_module.run_experiment(_cfg(tiny_model), engine_factory=_engines(tiny_model))
    return outcome


def test_each_item_of_both_models_is_a_trace_with_gold_and_every_score(finished):
    run_id = finished.run_id
    client = MlflowClient()
    local = client.download_artifacts(run_id, "results/compressed/needle.jsonl", ".")
    records = {r["id"]: r for r in map(json.loads, open(local).read().splitlines())}
    assert len(_traces(run_id)) == 6  # 3 items x (base, compressed), all linked to the run
    for trace in _traces(run_id, "compressed"):
        record = records[trace.info.tags["acbench.item"]]
        root = trace.data.spans[0]
        assert root.inputs["messages"] == record["prompt"]  # the prompt as the model saw it
        assert root.inputs["item"] == record["id"] and root.inputs["model"] == "compressed"
        assert root.outputs == record["prediction"]
        found = {a.name: a for a in trace.info.assessments}
        # the gold is the task's own reference (gold_references: the needle's answer phrase), not the strict keywords
        assert found["gold"].expectation.value == DEFAULT_HEATMAP_ANSWER
        # every numeric field is a feedback: the paper score and its _strict twin among them
        numeric = {k for k, v in record.items() if isinstance(v, (int, float)) and k != "id"}
        assert numeric >= {"score", "score_strict", "heatmap_recall"} and numeric <= set(found)
        assert found["score_strict"].feedback.value == record["score_strict"]
        assert found["score_strict"].rationale == record["parse_error"]
        solved = record["prediction"] == DEFAULT_ANSWER
        assert found["headline"].feedback.value == (100.0 if solved else 0.0)
        assert found["flip"].feedback.value == ("pass" if solved else "pass->fail")
        assert found["headline_delta"].feedback.value == (0.0 if solved else -100.0)
    base = _traces(run_id, "base")
    assert all("flip" not in {a.name for a in t.info.assessments} for t in base)
    assert finished.metrics["time/base/traces_needle_s"] >= 0


def test_flips_artifacts_figure_and_diff_command(finished, capsys, monkeypatch):
    summary, items = tracking.run_flips(finished.run_id)
    (row,) = summary
    assert (row["task"], row["items"], row["pass->fail"], row["pass"], row["fail->pass"], row["fail"]) == \
        ("needle", 3, 2, 1, 0, 0)
    assert row["mean_delta"] == pytest.approx(-200 / 3) and row["stats.status"] in ("measured", "floor")
    assert sorted(i["flip"] for i in items) == ["pass", "pass->fail", "pass->fail"]
    names = {a.path for a in MlflowClient().list_artifacts(finished.run_id, "figures")}
    assert "figures/flips.png" in names
    monkeypatch.setenv("COLUMNS", "250")  # rich folds cells to the terminal's width
    assert main(["diff", finished.run_id]) == 0
    out = capsys.readouterr().out
    assert "What flipped" in out and "pass->fail" in out and "I do not know." in out


def test_diff_of_a_missing_run_is_a_clear_error(isolated_tracking, capsys):
    assert main(["diff", "0123456789abcdef"]) == 2
    assert "no run 0123456789abcdef" in capsys.readouterr().err
    with tracking.tracked_run("x", "one") as run_id:
        pass
    with pytest.raises(ACBenchError, match="has no flips/summary.json"):
        tracking.run_flips(run_id)


def test_traces_switch_off_logs_no_trace_but_still_the_flips(tiny_model, isolated_tracking):
    outcome = run_module.run_experiment(_cfg(tiny_model, traces="false"), engine_factory=_engines(tiny_model))
    assert _traces(outcome.run_id) == []
    assert tracking.run_flips(outcome.run_id)[0][0]["pass->fail"] == 2
    default = RunConfig.from_params({}).config_hash()
    assert RunConfig.from_params({"traces": "false"}).config_hash() != default
    assert RunConfig.from_params({"traces": "true"}).config_hash() == default  # earlier configs keep their hash


def _episode_result() -> TaskResult:
    trajectory = [
        {"action": "pick up a", "output": "Action: pick up a", "observation": "You hold a.", "valid": True,
         "progress": 0.5, "valid_strict": True, "progress_strict": 0.5, "paper_observation": "ok"},
        {"action": "", "output": "hmm", "observation": "Invalid action", "valid": False, "progress": 0.5,
         "valid_strict": False, "progress_strict": 0.5, "paper_observation": None}]
    record = {"id": "ep1", "env": "blocks", "prompt": "Goal: stack a on b. Observation: a is clear.",
              "prediction": "pick up a\n", "trajectory": trajectory, "progress_rate": 0.5, "success": False,
              "success_strict": False, "grounding_acc": 0.5, "grounding_acc_strict": 0.5, "steps": 2,
              "paper_reason": None, "parse_errors": 1, "parse_error": "no action in the output"}
    return TaskResult("pddl", "real_world", [record], {"headline": 50.0}, "headline",
                      items=[ItemScore("ep1", 50.0)])


def test_an_agent_episode_is_one_trace_with_a_span_per_step(isolated_tracking):
    items = item_traces("pddl", "base", _episode_result(), [Sample("ep1", {}, target={"goal": ["on a b"]})])
    with tracking.tracked_run("traces", "agent") as run_id:
        assert tracking.log_item_traces(items) == 1
        assert tracking.log_item_traces(items) == 0  # already complete: written once
    (trace,) = _traces(run_id)
    root, *steps = sorted(trace.data.spans, key=lambda s: s.start_time_ns)
    assert root.span_type == "AGENT" and root.inputs["messages"][0]["content"].startswith("Goal: stack a on b")
    assert [s.name for s in steps] == ["step 1: pick up a", "step 2: (no action)"]
    assert all(s.parent_id == root.span_id for s in steps)
    assert steps[0].inputs == {"output": "Action: pick up a"}
    assert steps[0].outputs == {"action": "pick up a", "observation": "You hold a."}
    assert steps[1].attributes["valid"] is False and steps[1].attributes["progress"] == 0.5
    found = {a.name: a for a in trace.info.assessments}
    assert found["gold"].expectation.value == {"goal": ["on a b"]}
    assert found["success"].feedback.value is False and found["success_strict"].rationale == "no action in the output"
    assert found["steps"].feedback.value == 2.0 and "trajectory" not in found and "env" not in found


def test_writing_an_item_again_overwrites_its_trace(isolated_tracking):
    items = item_traces("pddl", "base", _episode_result(), [Sample("ep1", {})])
    with tracking.tracked_run("traces", "again") as run_id:
        tracking.log_item_traces(items)
        from acbench.tracking.traces import build_trace

        info, spans = build_trace(items[0], run_id, mlflow.active_run().info.experiment_id, 0)
        from mlflow.tracing.client import TracingClient

        TracingClient().log_spans(info.trace_location.mlflow_experiment.experiment_id, spans)
        TracingClient().start_trace(info)  # a second full write of the same item (a resume inside a batch)
    (trace,) = _traces(run_id)
    assert trace.info.trace_id == tracking.trace_id_for(run_id, "base/pddl/ep1")
    assert len(trace.info.assessments) == len({a.name for a in trace.info.assessments})
    assert len(trace.data.spans) == 3


def test_scores_are_read_generically_from_the_record():
    record = {"id": "x", "score": 0.5, "score_strict": 1, "gold_nll": 2.25, "ok": True, "note": "text",
              "nested": {"a": 1}, "missing": None, "nan": float("nan"), "parse_error": "bad json",
              "paper_reason": "no_steps"}
    scores = {s.name: (s.value, s.rationale) for s in record_scores(record)}
    assert scores == {"score": (0.5, "no_steps"), "score_strict": (1.0, "bad json"), "gold_nll": (2.25, "no_steps"),
                      "ok": (True, "no_steps")}


def _result(values: dict[str, float]) -> TaskResult:
    return TaskResult("t", "tool_use", [{"id": k, "prediction": f"p{k}"} for k in values], {"headline": 0}, "headline",
                      items=[ItemScore(k, v) for k, v in values.items()])


def test_flip_matrix_and_ranking_by_hand():
    base = _result({"a": 100, "b": 100, "c": 0, "d": 40, "e": 70, "f": 100})
    comp = _result({"a": 0, "b": 100, "c": 100, "d": 10, "e": 60, "g": 100})  # f, g: unpaired
    pairs = paired_items("t", base, comp)
    assert [p.id for p in pairs] == ["a", "b", "c", "d", "e"]
    assert flip_counts(pairs) == {"pass->fail": 1, "fail->pass": 1, "pass": 1, "fail": 2}
    assert [p.id for p in notable(pairs)] == ["a", "c", "d", "e"]  # flips, then drops (d: -30 before e: -10)
    assert [p.id for p in notable(pairs, top=1)] == ["a", "c", "d"]
    row = task_summary("t", pairs, {"task": "t", "retention": 0.9})
    assert row["changed"] == 4 and row["mean_delta"] == pytest.approx((-100 + 0 + 100 - 30 - 10) / 5)
    assert row["stats.retention"] == 0.9 and row["task"] == "t"
    assert flip_label(99.999, 100) == "fail->pass" and flip_label(100, 100) == "pass"
