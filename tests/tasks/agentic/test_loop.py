"""The batched multi-turn loop and the three tasks, driven by ScriptedEngine (no model)."""

import json
from pathlib import Path

import pytest

from acbench.engines.scripted import ScriptedEngine
from acbench.tasks.agentic.loop import MESSAGE_OVERHEAD, OMITTED, extract_action, prompt_tokens
from acbench.tasks.pddl.task import PDDLTask
from acbench.tasks.tool_operation.task import ToolOperationTask
from acbench.tasks.tool_query.task import ToolQueryTask
from acbench.tasks.base import ResultStore
from acbench.tasks.registry import make_task

AGENTBOARD = Path(__file__).parents[3] / ".." / "shared" / "data" / "pddl"


@pytest.fixture(autouse=True)
def quiet(monkeypatch):
    monkeypatch.setenv("ACBENCH_NO_PROGRESS", "1")


def plan_engine(plans: dict[str, list[str]], default: str = "Action: check valid actions", **kw):
    """Answers each episode (found by a goal substring in its first message) with the next plan step."""

    def answer(request):
        first = request.messages[0]["content"]
        step = sum(m["role"] == "assistant" for m in request.messages)
        for key, plan in plans.items():
            if key in first:
                return f"Action: {plan[step]}\nObservation: (the model imagines this)" if step < len(plan) else default
        return default

    return ScriptedEngine(answer, **kw)


def test_extract_action():
    assert extract_action("Action: (pick-up b1)\nObservation: ...") == "(pick-up b1)"
    assert extract_action("I think so.\naction:   `(stack b1 b2)`  ") == "(stack b1 b2)"
    assert extract_action("Action:\n(put-down b1)") == "(put-down b1)"
    assert extract_action("\n  (pick-up b2)\nmore") == "(pick-up b2)"  # no prefix: first non-empty line
    assert extract_action("   \n ") is None


def test_pddl_scripted_plans_give_expected_progress_and_metrics():
    task = PDDLTask(max_steps=8)
    samples = task.load(limit=4)  # blocksworld p01 (easy), p07 (hard), gripper p01 (easy), p07 (hard)
    assert [s.id for s in samples] == ["blocksworld/p01", "blocksworld/p07", "gripper/p01", "gripper/p07"]
    goals = {s.id: task.make_env(s).goal for s in samples}
    plans = {}
    for s in samples:
        env = task.make_env(s)
        plans[goals[s.id]] = env.world.shortest_plan()
    # blocksworld p07: only "(fly)" (malformed) -> progress stays 0, grounding 0
    plans[goals["blocksworld/p07"]] = ["(fly b1)"] * 8
    # gripper p07: check valid actions forever -> all steps valid, no progress
    plans[goals["gripper/p07"]] = []
    result = task.run(plan_engine(plans), samples, ResultStore(None))
    records = {r["id"]: r for r in result.records}
    assert records["blocksworld/p01"]["success"] and records["blocksworld/p01"]["steps"] == 2
    assert records["gripper/p01"]["success"] and records["gripper/p01"]["progress_rate"] == 1.0
    bad = records["blocksworld/p07"]
    assert bad["progress_rate"] == 0.0 and bad["grounding_acc"] == 0.0 and bad["parse_errors"] == 8
    assert bad["parse_error"].startswith("unknown action") and bad["steps"] == 8
    assert records["gripper/p07"]["grounding_acc"] == 1.0 and records["gripper/p07"]["progress_rate"] == 0.0
    assert all({"action", "observation", "valid"} <= set(t) for r in records.values() for t in r["trajectory"])
    m = result.metrics
    assert m["pddl/progress_rate"] == 0.5 and m["pddl/success_rate"] == 0.5
    assert m["pddl/grounding_acc"] == pytest.approx((1 + 0 + 1 + 1) / 4)
    assert m["pddl/easy/progress_rate"] == 1.0 and m["pddl/hard/success_rate"] == 0.0
    assert m["pddl/blocksworld/progress_rate"] == 0.5
    assert result.main == "pddl/progress_rate" and result.capability == "real_world"
    assert "pddl_progress.png" in result.figures


@pytest.mark.skipif(not AGENTBOARD.is_dir(), reason="shared AgentBoard PDDL data not present")
def test_progress_rate_is_the_best_ever_reached_and_replay_scores_plans():
    task = PDDLTask(domain=str(AGENTBOARD / "blockworld/domain.pddl"),
                    problems=[str(AGENTBOARD / "blockworld/problem1.pddl")], max_steps=30)
    samples = task.load()
    half = ["(unstack b2 b3)", "(putdown b2)", "(unstack b3 b1)", "(putdown b3)", "(pickup b2)", "(stack b2 b1)"]
    # (on b2 b1) holds after 6 steps (progress 1/2); undoing it drops the current progress to 0
    result = task.score_predictions(samples, {samples[0].id: "\n".join(half + ["(unstack b2 b1)", "(fly)"])})
    record = result.records[0]
    assert record["trajectory"][-2]["progress_strict"] == 0.0 and record["progress_rate_strict"] == 0.5
    assert record["trajectory"][-2]["progress"] == 0.5 and record["progress_rate"] == 0.5  # paper r never falls
    assert record["steps"] == 8 and record["grounding_acc"] == 7 / 8 and record["parse_errors"] == 1
    assert record["grounding_acc_strict"] == 7 / 8 and record["steps_strict"] == 8
    solved = task.score_predictions(samples, {samples[0].id: "\n".join(half + ["(pickup b3)", "(stack b3 b2)"])})
    assert solved.metrics["pddl/success_rate"] == 1.0 and solved.metrics["pddl/hard/progress_rate"] == 1.0
    short = PDDLTask(domain=task.domain, problems=task.problems, max_steps=3)  # the step limit cuts replays
    assert short.score_predictions(samples, {samples[0].id: "\n".join(half)}).records[0]["steps"] == 3


def test_generate_is_batched_across_episodes():
    engine = plan_engine({})
    calls = []
    original = engine.generate
    engine.generate = lambda requests, progress=True: calls.append(len(requests)) or original(requests, progress)
    task = ToolOperationTask(max_steps=3)
    task.run(engine, task.load(limit=4), ResultStore(None))
    assert calls == [4, 4, 4]  # one call per step, every live episode in it
    calls.clear()
    task = ToolOperationTask(max_steps=3, batch_size=3)
    task.run(engine, task.load(limit=4), ResultStore(None))
    assert max(calls) == 3 and sum(calls) == 12


def test_each_environment_is_closed_when_its_episode_ends():
    # ScienceWorld starts a Java simulator per episode: it must stop when its episode ends, not at exit
    events = []
    task = ToolOperationTask(max_steps=2, batch_size=1)
    make_env = task.make_env

    def tracked(sample):
        env = make_env(sample)
        events.append(("open", sample.id))
        env.close = lambda: events.append(("close", sample.id))
        return env

    task.make_env = tracked
    samples = task.load(limit=3)
    task.run(plan_engine({}), samples, ResultStore(None))
    ids = [s.id for s in samples]
    assert events == [(kind, i) for i in ids for kind in ("open", "close")]  # one live simulator at a time


def test_history_is_trimmed_to_fit_the_context():
    engine = plan_engine({}, max_context=560)  # untrimmed, the last prompts would need ~650 tokens
    task = PDDLTask(max_steps=10, max_new_tokens=48)
    samples = task.load(limit=2)
    task.run(engine, samples, ResultStore(None))
    assert len(engine.requests) == 20
    for request in engine.requests:
        assert prompt_tokens(list(request.messages), engine) + request.max_new_tokens <= engine.max_context
        assert request.messages[0]["role"] == "user" and "The goal is" in request.messages[0]["content"]
    late = engine.requests[-1].messages
    assert OMITTED in late[0]["content"] and len(late) < 2 * 10 + 1
    assert late[-1]["content"].startswith("Observation: Valid actions:")  # the latest turn is kept


def test_first_message_is_cut_in_the_middle_when_it_alone_is_too_long():
    engine = plan_engine({}, max_context=150)
    task = PDDLTask(max_steps=1, max_new_tokens=20)
    task.run(engine, task.load(limit=1), ResultStore(None))
    request = engine.requests[0]
    assert engine.count_tokens(request.messages[0]["content"]) + MESSAGE_OVERHEAD + 20 <= 150


def test_resume_skips_finished_episodes(tmp_path):
    task = ToolQueryTask(max_steps=4)
    samples = task.load(limit=4)
    gold = {s.data["question"]: [task.make_env(s).agentboard_call(a) for a in s.data["gold_actions"]]
            for s in samples}  # written as AgentBoard's `tool with Action Input: {...}`, which both rule sets read
    store_path = tmp_path / "tool_query.jsonl"

    class Crash(RuntimeError):
        pass

    engine = plan_engine(gold)
    original, calls = engine.generate, []

    def crashing(requests, progress=True):
        calls.append(1)
        if len(calls) == 4:  # easy questions (3 gold calls) are done after 3 steps; then a crash
            raise Crash()
        return original(requests, progress)

    engine.generate = crashing
    with pytest.raises(Crash):
        task.run(engine, samples, ResultStore(store_path))
    finished = [json.loads(line)["id"] for line in store_path.read_text().splitlines()]
    assert sorted(finished) == sorted(s.id for s in samples if s.data["difficulty"] == "easy")
    engine2 = plan_engine(gold)
    result = task.run(engine2, samples, ResultStore(store_path))
    asked = {r.messages[0]["content"] for r in engine2.requests}
    for s in samples:
        assert any(s.data["question"] in text for text in asked) == (s.id not in finished)
    assert len(result.records) == 4
    easy = [r for r in result.records if r["difficulty"] == "easy"]
    assert all(r["success"] for r in easy) and result.metrics["tool_query/easy/success_rate"] == 1.0
    hard = [r for r in result.records if r["difficulty"] == "hard"]  # 4 of 5+ gold calls in 4 steps
    assert all(not r["success"] and 0 < r["progress_rate"] < 1 for r in hard)
    assert all(r["success"] == r["success_strict"] and r["progress_rate"] == r["progress_rate_strict"]
               for r in result.records)  # well-formed gold calls: the two rule sets agree


def test_registry_builds_tasks_and_rejects_bad_options():
    assert isinstance(make_task("pddl", max_steps=5), PDDLTask)
    assert make_task("tool_query", profile="paper").max_steps == 30
    assert len(make_task("tool_operation", profile="paper").load()) == 12
    with pytest.raises(ValueError, match="no option"):
        make_task("pddl", steps=5)
    with pytest.raises(ValueError, match="go together"):
        PDDLTask(domain="d.pddl")
    with pytest.raises(ValueError, match="unknown profile"):
        PDDLTask(profile="huge")


@pytest.mark.skipif(not AGENTBOARD.is_dir(), reason="shared AgentBoard PDDL data not present")
def test_pddl_task_on_agentboard_files_by_path():
    task = PDDLTask(domain=str(AGENTBOARD / "gripper/domain.pddl"),
                    problems=[str(AGENTBOARD / "gripper/prob01.pddl")], max_steps=12)
    samples = task.load()
    assert [s.id for s in samples] == ["gripper/prob01"]
    plan = task.make_env(samples[0]).world.shortest_plan()
    result = task.run(plan_engine({task.make_env(samples[0]).goal: plan}), samples, ResultStore(None))
    assert result.records[0]["success"] and result.records[0]["steps"] == 11
