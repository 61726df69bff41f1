"""Tool-Query and Tool-Operation simulators: gold calls, partial progress, invalid and malformed calls."""

import copy

import pytest

from acbench.tasks.tool_operation import build_data as tool_operation_data
from acbench.tasks.tool_query import build_data as tool_query_data
from acbench.tasks.agentic.env import ToolCallError, parse_tool_call
from acbench.tasks.tool_operation.env import DATA as OP_DATA
from acbench.tasks.tool_operation.env import ToolOperationEnv, load_operation_suite
from acbench.tasks.tool_query.env import DATA as QUERY_DATA
from acbench.tasks.tool_query.env import ToolQueryEnv, load_query_suite


def by_id(samples):
    return {s.id: s for s in samples}


# --- call parsing --------------------------------------------------------------------------------
def test_parse_tool_call_forms_and_safety():
    assert parse_tool_call('neighbourCheck("PaperNet", "X")') == ("neighbourCheck", ["PaperNet", "X"], {})
    assert parse_tool_call('add_task("Home", "Buy", due="2024-06-01")') == (
        "add_task", ["Home", "Buy"], {"due": "2024-06-01"})
    call = parse_tool_call('neighbourCheck({"graph": "AuthorNet", "node": "A"})')
    assert call == ("neighbourCheck", [], {"graph": "AuthorNet", "node": "A"})
    assert parse_tool_call('authorNodeCheck with Action Input: {"node": "A"}') == ("authorNodeCheck", [], {"node": "A"})
    assert parse_tool_call("loadPaperNet") == ("loadPaperNet", [], {})
    for bad in ['__import__("os").system("echo hacked")', "get_tasks(open('x'))", "get_tasks(x)", "f(",
                "a.b(1)", "two words", ""]:
        with pytest.raises(ToolCallError):
            parse_tool_call(bad)


# --- Tool-Query ----------------------------------------------------------------------------------
def test_every_query_is_solved_by_its_gold_calls():
    samples = load_query_suite()
    assert len(samples) == 24 and {s.data["difficulty"] for s in samples} == {"easy", "hard"}
    for sample in samples:
        env = ToolQueryEnv(sample)
        for call in sample.data["gold_actions"]:
            obs, valid = env.step(call)
            assert valid, (sample.id, call, obs)
        assert env.done and env.success and env.progress == 1.0, sample.id


def test_query_partial_progress_wrong_answer_and_errors():
    sample = by_id(load_query_suite())["q13"]  # hard: 4 gold calls + the answer = 5 subgoals
    assert len(sample.data["subgoals"]) == 5
    env = ToolQueryEnv(sample)
    obs, valid = env.step(sample.data["gold_actions"][1])  # a graph tool before loading the graph
    assert not valid and "not loaded" in obs and env.progress == 0.0
    env.step(sample.data["gold_actions"][0])
    assert env.progress == pytest.approx(1 / 5)
    env.step(sample.data["gold_actions"][1])
    assert env.progress == pytest.approx(2 / 5)
    assert sample.data["gold_actions"][0] == "loadAuthorNet()"
    obs, valid = env.step('authorNodeCheck("Nobody Known")')
    assert not valid and "no author named" in obs and env.last_parse_error is None
    obs, valid = env.step("paperNodeCheck(")
    assert not valid and env.last_parse_error and env.progress == pytest.approx(2 / 5)
    obs, valid = env.step('finish("Nowhere")')
    assert valid and env.done and not env.success and env.progress == pytest.approx(2 / 5)


def test_query_answers_match_loosely():
    sample = by_id(load_query_suite())["q02"]  # a count question
    assert isinstance(sample.target, int)
    env = ToolQueryEnv(sample)
    env.step(f'finish("{sample.target}.")')
    assert env.success and env.progress == pytest.approx(1 / 3)  # answer right, tools never called


def test_query_data_is_reproducible(tmp_path):
    tool_query_data.generate(tmp_path)
    for name in ("academia.json", "questions.jsonl", "example.md"):
        assert (tmp_path / name).read_text() == (QUERY_DATA / name).read_text(), name


# --- Tool-Operation ------------------------------------------------------------------------------
def test_every_operation_episode_is_solved_by_its_gold_calls():
    samples = load_operation_suite()
    assert len(samples) == 12 and {s.data["difficulty"] for s in samples} == {"easy", "hard"}
    for sample in samples:
        env = ToolOperationEnv(sample)
        assert env.progress == 0.0
        for call in sample.data["gold_actions"][:-1]:
            assert env.step(call)[1], (sample.id, call)
        assert env.success and env.done and env.progress == 1.0, sample.id


def test_operation_partial_progress_and_invalid_calls_change_nothing():
    sample = by_id(load_operation_suite())["op10"]  # postpone 3 tasks: 3 conditions
    env = ToolOperationEnv(sample)
    first = sample.data["gold_actions"][1]
    env.step(first)
    assert env.progress == pytest.approx(1 / 3)
    before = copy.deepcopy(env.state)
    for bad, why in [("update_task(999, due=\"2024-06-01\")", "no task with id 999"),
                     ("update_task(1, due=\"June 1\")", "YYYY-MM-DD"),
                     ("add_task(\"Nowhere\", \"x\")", "no project"),
                     ("add_task(\"Home\", \"x\", priority=9)", "priority must be"),
                     ("update_cell(99, \"Score\", 1)", "row must be"),
                     ("append_row([1, 2])", "list of 3 values"),
                     ("sort_sheet(\"Height\")", "no column")]:
        obs, valid = env.step(bad)
        assert not valid and why in obs and env.last_parse_error is None, bad
    for malformed in ["update_task(1, colour=\"red\")", "explode()", "complete_task(", "complete_task()"]:
        obs, valid = env.step(malformed)
        assert not valid and env.last_parse_error, malformed
    assert env.state == before and env.progress == pytest.approx(1 / 3)


def test_operation_sort_with_mixed_types_changes_nothing():
    sample = by_id(load_operation_suite())["op08"]
    env = ToolOperationEnv(sample)
    env.step('append_row(["Zed", "n/a", "F"])')  # a text score in a numeric column
    rows = copy.deepcopy(env.state["sheet"]["rows"])
    obs, valid = env.step('sort_sheet("Score", descending=True)')
    assert not valid and "mixed value types" in obs and env.state["sheet"]["rows"] == rows


def test_operation_finish_ends_without_success():
    env = ToolOperationEnv(load_operation_suite()[0])
    obs, valid = env.step("finish()")
    assert valid and env.done and not env.success


def test_operation_data_is_reproducible(tmp_path):
    tool_operation_data.generate(tmp_path)
    for name in ("episodes.jsonl", "example.md"):
        assert (tmp_path / name).read_text() == (OP_DATA / name).read_text(), name
