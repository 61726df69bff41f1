"""LongGenBench: built-in data, packing, answer parsing (missing, shuffled, repeated), scoring, resume."""

from __future__ import annotations

import json
import re

import pytest

from acbench.engines.scripted import ScriptedEngine
from acbench.tasks.base import ResultStore
from acbench.tasks.longgenbench import synth
from acbench.tasks.longgenbench.dataset import (
    BUILTIN,
    LongGenBenchDataError,
    normalize_number,
    pack,
    parse_answers,
    read_questions,
)
from acbench.tasks.longgenbench.task import LongGenBenchTask
from acbench.tasks.registry import make_task


def _reply(gold, kind, order=None, drop=()):
    order = order or range(1, len(gold) + 1)
    return "\n".join(f"Answer_{i}: some reasoning. The answer is {gold[i - 1]}." for i in order if i not in drop)


def test_builtin_files_are_deterministic_and_answers_verifiable():
    assert [json.loads(line) for line in BUILTIN["gsm8k"].open()] == synth.gsm8k_rows(300)
    assert [json.loads(line) for line in BUILTIN["mmlu"].open()] == synth.mmlu_rows(200)
    for row in synth.gsm8k_rows(300):  # the worked solution ends in the answer after '####'
        solution, answer = row["answer"].split("\n#### ")
        assert re.findall(r"\d+", solution)[-1] == answer and int(answer) > 0
    for row in synth.mmlu_rows(200):
        q, right = row["question"], row["choices"][row["answer"]]
        assert len(set(row["choices"])) == 4
        if q.startswith("What is ") and " x " in q:
            a, b = q[len("What is "):-1].split(" x ")
            assert int(right) == int(a) * int(b)
        if q == "Which of these numbers is the largest?":
            assert int(right) == max(int(c) for c in row["choices"])


def test_quick_profile_and_prompt_layout():
    task = make_task("longgenbench")
    samples = task.load()
    assert [s.id for s in samples] == ["gsm8k-k5-0", "gsm8k-k5-1", "mmlu-k5-0", "mmlu-k5-1"]
    prompt = samples[2].data["prompt"]
    assert "Question_5:" in prompt and "Question_6:" not in prompt.split("Questions:")[1]
    assert "\nA. " in prompt and prompt.endswith("Answers:")
    req = task.request(samples[0], ScriptedEngine([]))
    assert req.max_new_tokens == 5 * 64 and req.stop == ("Answer_6:",)
    paper = LongGenBenchTask(profile="paper").load()
    assert {s.data["k"] for s in paper if s.data["kind"] == "gsm8k"} == {30}  # 300 questions: 10 full groups
    # MMLU: the first 20 of each subject, subjects by name (the built-in 'numbers' subject has one question)
    assert [s.data["k"] for s in paper if s.data["kind"] == "mmlu"] == [20, 20, 1, 20]
    assert len(paper) == 14


def test_parse_answers_numbers_letters_and_order():
    text = "Answer_2: 3 * 8 = 24. The answer is $1,200.\nAnswer_1: the answer is 7 apples, so the answer is 8."
    assert parse_answers(text, "gsm8k") == {2: "1200", 1: "8"}  # last 'answer is' of a segment counts
    assert parse_answers("Answer_1: The answer is (C).\nAnswer_2. The answer is: b", "mmlu") == {1: "C"}
    assert parse_answers("Answer_1: I think 4.\nAnswer_1: The answer is 5.", "gsm8k") == {1: "5"}
    assert parse_answers("Answer_1: The answer is 4.\nAnswer_1: The answer is 5.", "gsm8k") == {1: "4"}
    assert parse_answers("no structure at all", "gsm8k") == {}
    assert normalize_number("about 3.50 dollars") == "3.5" and normalize_number("none") is None


def test_scores_with_missing_shuffled_and_wrong_answers():
    task = LongGenBenchTask(k_gsm8k=4, k_mmlu=4, samples_per_kind=1)
    gsm, mmlu = task.load()
    gold = gsm.target
    assert task.score(gsm, _reply(gold, "gsm8k"))["score_strict"] == 1.0
    assert task.score(gsm, _reply(gold, "gsm8k"))["score"] == 1.0
    shuffled = task.score(gsm, _reply(gold, "gsm8k", order=[3, 1, 4, 2]))
    assert shuffled["score_strict"] == 1.0 and shuffled["parse_error"] is None  # matched by number, not order
    missing = task.score(gsm, _reply(gold, "gsm8k", drop={2, 4}))
    assert missing["score_strict"] == 0.5 and missing["answered"] == 2 and "2 of 4" in missing["parse_error"]
    wrong = [str(int(g) + 1) for g in gold]
    assert task.score(gsm, _reply(gold[:1] + wrong[1:], "gsm8k"))["score_strict"] == 0.25
    assert task.score(gsm, _reply(gold[:1] + wrong[1:], "gsm8k"))["score"] == 0.25
    garbage = task.score(mmlu, "I don't know.")
    assert garbage["score_strict"] == 0.0 and garbage["score"] == 0.0 and garbage["parse_error"].startswith("no ")
    # an mmlu reply that names the right letters, one of them in a different style
    reply = _reply(mmlu.target, "mmlu").replace(f"is {mmlu.target[0]}.", f"is ({mmlu.target[0]})")
    assert task.score(mmlu, reply)["score_strict"] == 1.0
    assert task.score(mmlu, reply)["score"] == 0.25  # the paper reads only '(X)' answers, by position


def test_run_aggregate_perfect_and_garbage():
    task = make_task("longgenbench")
    samples = task.load()
    gold = {s.data["prompt"]: s.target for s in samples}
    engine = ScriptedEngine(lambda r: _reply(gold[r.messages[-1]["content"]], "x") + "\nAnswer_6: extra")
    result = task.run(engine, samples, ResultStore(None))
    assert result.main == "longgenbench/score"
    assert result.metrics == {"longgenbench/gsm8k": 100.0, "longgenbench/mmlu": 0.0,  # paper: '(X)' only
                              "longgenbench/gsm8k_strict": 100.0, "longgenbench/mmlu_strict": 100.0,
                              "longgenbench/score": 50.0, "longgenbench/score_strict": 100.0,
                              "longgenbench/answered": 100.0}
    bad = task.run(ScriptedEngine(lambda r: "Answer_1: no idea"), samples, ResultStore(None))
    assert bad.metrics["longgenbench/score"] == 0.0 and bad.metrics["longgenbench/answered"] == 0.0
    assert all(r["parse_error"] for r in bad.records)
    # re-scoring saved predictions (acbench score)
    rescored = task.score_predictions(samples, {samples[0].id: _reply(samples[0].target, "gsm8k")})
    assert rescored.metrics["longgenbench/gsm8k"] == 50.0 and rescored.metrics["longgenbench/mmlu"] == 0.0
    assert rescored.metrics["longgenbench/gsm8k_strict"] == 50.0


def test_local_file_in_gsm8k_and_mmlu_formats(tmp_path):
    path = tmp_path / "mixed.jsonl"
    rows = [{"question": f"What is {i} + 1?", "answer": f"{i} + 1 = {i + 1}\n#### {i + 1}"} for i in range(5)]
    rows += [{"question": "Pick B", "choices": ["w", "x", "y", "z"], "answer": 1},
             {"question": "Pick D", "choices": ["w", "x", "y", "z"], "answer": "D"}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    questions = read_questions(path)
    assert [q.answer for q in questions] == ["1", "2", "3", "4", "5", "B", "D"]
    assert [len(g) for g in pack(questions[:5], 2)] == [2, 2]  # the short last group is dropped
    samples = LongGenBenchTask(k_gsm8k=2, k_mmlu=2, samples_per_kind=5).load(str(path))
    assert [s.id for s in samples] == ["gsm8k-k2-0", "gsm8k-k2-1", "mmlu-k2-0"]
    assert samples[2].target == ["B", "D"]


def test_bad_input_is_a_clear_error(tmp_path):
    with pytest.raises(LongGenBenchDataError, match="not found"):
        read_questions(tmp_path / "nope.jsonl")
    bad = tmp_path / "bad.jsonl"
    for row, message in [({"question": "q"}, "needs 'question' and 'answer'"),
                         ({"question": "q", "choices": ["a", "b"], "answer": 0}, "four choices"),
                         ({"question": "q", "choices": list("abcd"), "answer": 7}, "0-3 or A-D"),
                         ({"question": "q", "answer": "no number"}, "no numeric answer")]:
        bad.write_text(json.dumps(row) + "\n")
        with pytest.raises(LongGenBenchDataError, match=message):
            read_questions(bad)
    bad.write_text(json.dumps({"question": "q", "answer": "#### 1"}) + "\n")
    with pytest.raises(ValueError, match="not enough questions"):
        LongGenBenchTask().load(str(bad))
    with pytest.raises(ValueError, match="profile"):
        LongGenBenchTask(profile="huge")


def test_resume_after_a_crash(tmp_path):
    task = LongGenBenchTask(samples_per_kind=4)  # 8 samples, batches of 4
    samples = task.load()
    calls = {"n": 0}

    def crash_on_fifth(request):
        calls["n"] += 1
        if calls["n"] == 5:
            raise RuntimeError("killed")
        return "Answer_1: The answer is 1."

    path = tmp_path / "lg.jsonl"
    with pytest.raises(RuntimeError):
        task.run(ScriptedEngine(crash_on_fifth), samples, ResultStore(path))
    assert len(path.read_text().splitlines()) == 4
    engine = ScriptedEngine(lambda r: "Answer_1: The answer is 1.")
    result = task.run(engine, samples, ResultStore(path))
    assert len(engine.requests) == 4 and len(result.records) == 8
