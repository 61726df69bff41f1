"""Scores always come from the current scorer: stored predictions are re-scored on every run (issue 26).

The results cache keeps each item's prediction; a scorer fix without a version bump must reach the original's
cached results and the compressed model's alike, or the paired statistics would pair two rules.
"""

from __future__ import annotations

import pytest

from acbench.config import RunConfig
from acbench.engines.scripted import ScriptedEngine
from acbench.evaluate import evaluate_model, setup_tasks
from acbench.stats import compare_results
from acbench.tasks.base import ResultStore


@pytest.fixture(autouse=True)
def quiet(monkeypatch, tmp_path):
    monkeypatch.setenv("ACBENCH_NO_PROGRESS", "1")
    monkeypatch.setenv("ACBENCH_CACHE", str(tmp_path / "cache"))


def _refuse(request):
    raise AssertionError("a cached item was generated again")


def test_a_changed_scorer_reaches_cached_base_and_compressed_results(monkeypatch):
    from acbench.tasks.needle.task import DEFAULT_ANSWER, NeedleTask

    cfg = RunConfig.from_params({"method": "none", "tasks": "needle"}, base={
        "task_options": {"needle": {"lengths": [60], "depths": [0, 50, 100], "scoring": "strict"}}})
    setups = setup_tasks(cfg)
    # the original answers every cell; the "compressed" model only names the first answer word
    base = evaluate_model(ScriptedEngine(lambda r: f"It is {DEFAULT_ANSWER}."), "base-m", setups)
    comp = evaluate_model(ScriptedEngine(lambda r: "smoked, I think."), "comp-m", setups)
    assert (base["needle"].score, comp["needle"].score) == (pytest.approx(100.0), pytest.approx(100 / 3))

    # a scorer fix (here: any reply that names "smoked" counts as fully right), no version bump
    original = NeedleTask.score

    def lenient(self, sample, prediction):
        fields = original(self, sample, prediction)
        return {**fields, "score_strict": 1.0 if "smoked" in prediction else fields["score_strict"]}

    monkeypatch.setattr(NeedleTask, "score", lenient)
    setups = setup_tasks(cfg)
    base2 = evaluate_model(ScriptedEngine(_refuse), "base-m", setups)  # every prediction from the cache
    comp2 = evaluate_model(ScriptedEngine(_refuse), "comp-m", setups)
    assert base2["needle"].score == pytest.approx(100.0)
    assert comp2["needle"].score == pytest.approx(100.0)  # changed: the new rule, not the stored 33.3
    assert all(r["score_strict"] == 1.0 for r in comp2["needle"].records)
    # the pairing sees one rule on both sides: no difference left
    stats = compare_results(base2, comp2, resamples=200)
    assert stats.tasks["needle"].intervals["delta"][0] == pytest.approx(0.0)
    # and a change that lowers the original's scores reaches the original too
    monkeypatch.setattr(NeedleTask, "score", lambda self, sample, prediction: {**original(self, sample, prediction),
                                                                              "score_strict": 0.5})
    base3 = evaluate_model(ScriptedEngine(_refuse), "base-m", setup_tasks(cfg))
    assert base3["needle"].score == pytest.approx(50.0)


def test_rescoring_keeps_what_the_request_recorded():
    from acbench.tasks.needle.task import NeedleTask

    task = NeedleTask(lengths=[60], depths=[0, 100])
    store = ResultStore(None)
    samples = task.load()
    first = task.run(ScriptedEngine(lambda r: "smoked paprika"), samples, store)
    again = task.run(ScriptedEngine(_refuse), task.load(), store)  # fresh samples: request() never ran on them
    assert [r["context_tokens"] for r in again.records] == [r["context_tokens"] for r in first.records]
    assert [r["needle_depth"] for r in again.records] == [r["needle_depth"] for r in first.records]
    assert again.metrics == first.metrics


def test_stored_pddl_episodes_are_replayed_with_the_current_rules(monkeypatch):
    from acbench.tasks.pddl.paper import PDDLPaper
    from acbench.tasks.pddl.task import PDDLTask

    task = PDDLTask(max_steps=6)
    samples = task.load(limit=2)
    plans = {s.id: task.make_env(s).world.shortest_plan() for s in samples}
    goals = {task.make_env(s).goal: plans[s.id] for s in samples}

    def answer(request):
        first = request.messages[0]["content"]
        step = sum(m["role"] == "assistant" for m in request.messages)
        plan = next(p for goal, p in goals.items() if goal in first)
        return f"Action: {plan[step]}" if step < len(plan) else "Action: check valid actions"

    store = ResultStore(None)
    first = task.run(ScriptedEngine(answer), samples, store)
    assert first.metrics["pddl/progress_rate"] > 0.5  # p07's plan is longer than 6 steps: 0.75 in all
    # unchanged rules: the replay reproduces every stored record exactly
    same = task.run(ScriptedEngine(_refuse), samples, store)
    assert same.records == first.records
    # a paper-rule change (no progress credited ever) reaches the stored episodes; the strict track is unchanged
    real_step = PDDLPaper.step

    def stingy(self, output, action):
        grounded, observation = real_step(self, output, action)
        self.progress, self.done, self.success = 0.0, False, False
        return grounded, observation

    monkeypatch.setattr(PDDLPaper, "step", stingy)
    changed = task.run(ScriptedEngine(_refuse), samples, store)
    assert changed.metrics["pddl/progress_rate"] == 0.0
    assert changed.metrics["pddl/progress_rate_strict"] == first.metrics["pddl/progress_rate_strict"] > 0.5
