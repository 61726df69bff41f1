"""Each task's gold reference: the right answer, written as its prompt asks; agent gold trajectories replay."""

from __future__ import annotations

import json

import pytest

from acbench.engines.base import GenerationRequest
from acbench.engines.scripted import ScriptedEngine
from acbench.likelihood.gold import item_record, scored_reference
from acbench.engines.base import ContinuationScore
from acbench.tasks.agentic.loop import replay
from acbench.tasks.base import GoldStep, Sample
from acbench.tasks.registry import make_task
from acbench.tasks.teval.gold import gold_reference


def test_teval_gold_follows_each_files_answer_format():
    call = {"action": "Weather.get", "args": {"city": "Paris", "days": 2}}
    assert json.loads(gold_reference("instruct", "json", call)) == {"name": "Weather.get", "args": {"city": "Paris", "days": 2}}
    assert gold_reference("instruct", "str", call) == "Action: Weather.get\nAction Input: {'city': 'Paris', 'days': 2}"
    plan = [{"id": 0, "prev": [], "name": "A.x", "args": {"k": 1}}, {"id": 1, "prev": [0], "name": "FinishAction", "args": {}}]
    assert json.loads(gold_reference("plan_json", "json", plan)) == [{"id": 0, "name": "A.x", "args": {"k": 1}},
                                                                      {"id": 1, "name": "FinishAction", "args": {}}]
    assert gold_reference("plan_str", "str", plan) == "1. Call A.x with {'k': 1}\n2. Call FinishAction with {}"
    step = {"thought": "I need the forecast.", "name": "Weather.get", "args": {"city": "Paris"}}
    assert json.loads(gold_reference("reason_retrieve_understand_json", "json", step)) == step
    assert gold_reference("reason_str", "str", step) == "I need the forecast."
    assert gold_reference("retrieve_str", "str", step) == "Weather.get"
    assert gold_reference("understand_str", "str", step) == "{'city': 'Paris'}"
    assert gold_reference("review_str", "str", {"answer": "A", "thought": "ok"}) == "Answer: A"
    assert gold_reference("reason_str", "str", {"name": "x"}) is None  # no thought in the gold: no reference


def test_every_builtin_teval_item_has_a_gold_reference():
    task = make_task("teval")
    samples = task.load(limit=None)
    assert samples and all(task.gold_references(s) for s in samples)


def test_worfbench_needle_and_longbench_references():
    worf = make_task("worfbench")
    sample = worf.load()[0]
    (ref,) = worf.gold_references(sample)
    assert ref == sample.data["conversations"][-1]["content"] and ref.lstrip().startswith("Node")
    needle = make_task("needle", lengths=[64], depths=[0])
    assert needle.gold_references(needle.load()[0]) == ("smoked paprika and a spoon of honey.",)
    paper = make_task("needle", profile="paper", lengths=[1000], depths=[0])
    assert paper.gold_references(paper.load()[0]) == ("eat a sandwich and sit in Dolores Park on a sunny day.",)
    longbench = make_task("longbench")
    item = longbench.load()[0]
    assert longbench.gold_references(item) == tuple(item.target)


def test_longgenbench_reference_answers_every_question_in_the_prompts_form():
    task = make_task("longgenbench")
    sample = next(s for s in task.load() if s.data["kind"] == "gsm8k")
    (ref,) = task.gold_references(sample)
    lines = ref.split("\n")
    assert len(lines) == len(sample.target)
    for i, (line, answer) in enumerate(zip(lines, sample.target), start=1):
        assert line.startswith(f"Answer_{i}: ") and line.endswith(f"The answer is {answer}.")
        assert "<<" not in line and "####" not in line


def test_a_raw_prompt_continues_after_a_space_a_chat_prompt_as_written():
    raw = GenerationRequest.from_raw("Question? Answer:")
    assert scored_reference(raw, "Paris") == " Paris"
    assert scored_reference(GenerationRequest.from_raw("Answer: "), "Paris") == "Paris"
    assert scored_reference(GenerationRequest.from_prompt("Question?"), "Paris") == "Paris"


def test_an_items_record_takes_each_steps_best_reference_and_pools_tokens():
    request = GenerationRequest.from_prompt("q")
    steps = [GoldStep(request, ("a", "b")), GoldStep(request, ("c",))]
    scores = [ContinuationScore((4.0, 4.0), (False, False)), ContinuationScore((1.0,), (True,)),
              ContinuationScore((3.0, 3.0), (False, True))]
    record = item_record("x", steps, scores)
    assert record["gold_nll"] == pytest.approx((1.0 + 3.0 + 3.0) / 3)  # reference b, then c
    assert record["gold_top1"] == pytest.approx(2 / 3)
    assert record["step_nll"] == [1.0, 3.0]


@pytest.mark.parametrize("name", ["pddl", "tool_query", "tool_operation"])
def test_the_gold_trajectory_replays_to_success_in_the_environment(name, monkeypatch):
    monkeypatch.delenv("ACBENCH_AGENTBOARD_DIR", raising=False)  # the built-in suites (a checkout switches the paper profile)
    task = make_task(name, profile="paper")
    samples = task.load(limit=None)
    assert samples
    for sample in samples:
        actions = task.gold_actions(sample)
        if name == "pddl" and actions is None:
            continue  # beyond the bounded search: no gold, said in the README
        env = task.make_env(sample)
        record = replay(sample, env, task.make_paper(sample, env), actions, name, max_steps=len(actions) + 1)
        assert record["success_strict"], (sample.id, actions)
        assert record["grounding_acc_strict"] == 1.0
    if name == "pddl":
        assert all(task.gold_actions(s) is not None for s in samples)  # the built-in suite is solved in full


def test_agent_gold_steps_are_the_loops_prompts_with_the_gold_history():
    task = make_task("pddl")
    sample = task.load()[0]
    engine = ScriptedEngine(["unused"])
    steps = task.gold_steps(sample, engine)
    actions = task.gold_actions(sample)
    assert [s.references for s in steps] == [(f"Action: {a}",) for a in actions[: task.max_steps]]
    first, second = steps[0].request.messages, steps[1].request.messages
    assert len(first) == 1 and first[0]["content"].startswith("You are a planning agent")
    assert second[1] == {"role": "assistant", "content": f"Action: {actions[0]}"}
    assert second[2]["content"].startswith("Observation: You did " + actions[0])  # the environment's own reply


def test_a_sample_without_gold_has_no_steps():
    task = make_task("worfbench")
    sample = task.load()[0]
    sample.data["conversations"][-1]["content"] = "  "
    assert task.gold_steps(sample, ScriptedEngine(["x"])) == []
