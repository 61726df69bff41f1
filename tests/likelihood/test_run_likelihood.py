"""The likelihood measures in a whole tracked run: the tiny model through the transformers engine on one task
of each capability; gold NLL and top-1 per task, perplexity, paired statistics, summary, card and figure."""

from __future__ import annotations

import json

from mlflow.tracking import MlflowClient

import acbench.run as run_module
from acbench.config import RunConfig
from acbench.engines.scripted import ScriptedEngine

TASKS = "teval,worfbench,needle,pddl"  # the quick profile's default: one task per capability
OPTIONS = {"needle": {"lengths": [96], "depths": [0, 100]}, "teval": {"formats": "json"}}


def _cfg(model, **params):
    flat = {"model": str(model), "method": "rtn", "group_size": "32", "tasks": TASKS, "limit": "2",
            "analysis": "false", "register": "false", "perplexity_windows": "3", "perplexity_window": "64", **params}
    return RunConfig.from_params(flat, base={"task_options": OPTIONS})


def test_quick_run_logs_gold_likelihood_of_every_capability_and_perplexity(tiny_model, isolated_tracking):
    outcome = run_module.run_experiment(_cfg(tiny_model))
    m = outcome.metrics
    for role in ("base", "compressed"):
        for cap, task in (("tool_use", "teval"), ("workflow", "worfbench"), ("long_context", "needle"),
                          ("real_world", "pddl")):
            assert m[f"{role}/{cap}/{task}/gold_nll"] > 0.0
            assert 0.0 <= m[f"{role}/{cap}/{task}/gold_top1"] <= 1.0
        assert m[f"{role}/language/paul_graham_essays/perplexity"] > 1.0
        assert m[f"{role}/language/paul_graham_essays/windows"] == 3.0
    for cap in ("tool_use", "workflow", "long_context", "real_world"):
        lo, est, hi = (m[f"stats/{cap}/gold_nll_delta{s}"] for s in ("_lo", "", "_hi"))
        assert lo <= est <= hi
    ratio = m["stats/language/paul_graham_essays/perplexity_ratio"]
    assert ratio == m["compressed/language/paul_graham_essays/perplexity"] / m["base/language/paul_graham_essays/perplexity"] or \
        abs(ratio - m["compressed/language/paul_graham_essays/perplexity"] / m["base/language/paul_graham_essays/perplexity"]) < 1e-9
    client = MlflowClient()
    run = client.get_run(outcome.run_id)
    summary = client.download_artifacts(outcome.run_id, "stats/summary.md")
    text = open(summary).read()
    assert "gold NLL" in text and "perplexity" in text
    assert "gold NLL" in run.data.tags["mlflow.note.content"]
    records = client.download_artifacts(outcome.run_id, "results/base/pddl.gold.jsonl")
    rows = [json.loads(line) for line in open(records)]
    assert rows and all(r["steps"] >= 1 and r["tokens"] > 0 for r in rows)
    figures = {a.path for a in client.list_artifacts(outcome.run_id, "figures/likelihood")}
    assert figures == {"figures/likelihood/nll_deltas.png"}


def test_likelihood_off_and_engines_without_it_log_none(tiny_model, isolated_tracking):
    off = run_module.run_experiment(_cfg(tiny_model, likelihood="false", tasks="needle"),
                                    engine_factory=lambda cfg, path, kv: ScriptedEngine(lambda r: "x"))
    assert not any("gold_nll" in k or "perplexity" in k for k in off.metrics)
    scripted = run_module.run_experiment(_cfg(tiny_model, tasks="needle"),
                                         engine_factory=lambda cfg, path, kv: ScriptedEngine(lambda r: "x"))
    assert not any("gold_nll" in k for k in scripted.metrics)
    tags = MlflowClient().get_run(scripted.run_id).data.tags
    assert "ScriptedEngine has no likelihoods" in tags["acbench.likelihood.base"]


def test_each_tasks_gold_is_scored_right_after_its_generation_and_timed_apart(tiny_model, isolated_tracking,
                                                                            monkeypatch):
    """With the transformers engine, a task's gold is scored while the prefix store still holds the prompts the
    task just generated from; those seconds count as likelihood time, not evaluation time."""
    import acbench.likelihood.run as likelihood_run

    events = []
    real_evaluate, real_score = run_module.evaluate_model, likelihood_run.score_setup

    def evaluate(engine, key, setups, on_result=None, after_task=None):
        def logged(name, result, seconds):
            events.append(("generated", name))
            on_result(name, result, seconds)
        return real_evaluate(engine, key, setups, logged, after_task)

    def score(engine, key, setup):
        events.append(("gold", setup.name, engine.scheduler.store.tokens > 0))
        return real_score(engine, key, setup)

    monkeypatch.setattr(run_module, "evaluate_model", evaluate)
    monkeypatch.setattr(likelihood_run, "score_setup", score)
    outcome = run_module.run_experiment(_cfg(tiny_model, tasks="teval,needle"))
    per_model = [("generated", "teval"), ("gold", "teval", True), ("generated", "needle"), ("gold", "needle", True)]
    assert events == per_model * 2  # base, then compressed
    m = outcome.metrics
    assert m["base/tool_use/teval/gold_nll"] > 0 and m["compressed/long_context/needle/gold_nll"] > 0
    assert m["time/base/likelihood_s"] > 0 and m["time/eval_base_s"] > 0
