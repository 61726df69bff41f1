"""LongGenBench paper scoring (specs/paper-scoring.md section 3): the worked examples in both modes, the
regex quirks, the paper prompt layout, the ItemScore decomposition and degenerate 1 MB replies."""

from __future__ import annotations


import pytest

from acbench.engines.scripted import ScriptedEngine
from acbench.tasks.base import Sample, headline_from_items
from acbench.tasks.longgenbench.paper import dataset_score, find_gsm8k, find_mmlu, paper_gold
from acbench.tasks.longgenbench.task import LongGenBenchTask

GSM8K_GOLD = ["7", "60", "1200"]
MMLU_GOLD = ["B", "D", "A"]


def _sample(kind: str) -> Sample:
    """A K = 3 sample numbered from 1, with the spec's golds (GSM8K as '#### N' solutions)."""
    if kind == "gsm8k":
        expected = [paper_gold(f"some work\n#### {g}") for g in GSM8K_GOLD]
        return Sample("gsm8k-k3-0", {"kind": "gsm8k", "k": 3, "first": 1, "paper_gold": expected}, list(GSM8K_GOLD))
    return Sample("mmlu-k3-0", {"kind": "mmlu", "k": 3, "first": 1, "paper_gold": list(MMLU_GOLD)}, list(MMLU_GOLD))


def _gsm(*finals: str) -> str:
    return "\n".join(f"Answer_{i}: Some reasoning. {text}" for i, text in enumerate(finals, 1))


GOOD_GSM = [f"The answer is {g}." for g in GSM8K_GOLD]
GOOD_MMLU = [f"The answer is ({g})." for g in MMLU_GOLD]

GSM8K_CASES = [  # (reply, paper, strict): the spec's table
    (_gsm(*GOOD_GSM), 1.0, 1.0),
    (_gsm(GOOD_GSM[0], "I am not sure.", GOOD_GSM[2]), 1 / 3, 2 / 3),
    (_gsm(GOOD_GSM[0], GOOD_GSM[1], "The answer is 1,200."), 2 / 3, 1.0),
    (_gsm(GOOD_GSM[0], "The answer is $60.", GOOD_GSM[2]), 1 / 3, 1.0),
    (_gsm("The answer is 8. Wait, 3 + 4 is 7, so the answer is 7.", GOOD_GSM[1], GOOD_GSM[2]), 2 / 3, 1.0),
    ("Answer_2: The answer is 60.\nAnswer_1: The answer is 7.\nAnswer_3: The answer is 1200.", 1 / 3, 1.0),
    (_gsm("Answer is 7.", "The answer is: 60.", GOOD_GSM[2]), 0.0, 1.0),
    (_gsm("The answer is 7.5.", GOOD_GSM[1], GOOD_GSM[2]), 1.0, 2 / 3),
]

MMLU_CASES = [
    ("\n".join(f"Answer_{i}: {t}" for i, t in enumerate(GOOD_MMLU, 1)), 1.0, 1.0),
    ("\n".join(f"Answer_{i}: The answer is {g}." for i, g in enumerate(MMLU_GOLD, 1)), 0.0, 1.0),
    ("\n".join(f"Answer_{i}: Some reasoning.\n{t}" for i, t in enumerate(GOOD_MMLU, 1)), 0.0, 1.0),
    ("Answer_2: The answer is (D).\nAnswer_3: The answer is (A).", 0.0, 2 / 3),
    ("Answer_1: The answer is (B).\nAnswer_2: The answer is (D. Paris).\nAnswer_3: The answer is (A).", 2 / 3, 1.0),
    ("Answer_1:\nThe answer is (B).\nAnswer_2:\nThe answer is (D).\nAnswer_3:\nThe answer is (A).", 1.0, 1.0),
]


@pytest.mark.parametrize("reply,paper,strict", GSM8K_CASES)
def test_gsm8k_worked_examples(reply, paper, strict):
    record = LongGenBenchTask().score(_sample("gsm8k"), reply)
    assert record["score"] == pytest.approx(paper, abs=1e-12)
    assert record["score_strict"] == pytest.approx(strict, abs=1e-12)


@pytest.mark.parametrize("reply,paper,strict", MMLU_CASES)
def test_mmlu_worked_examples(reply, paper, strict):
    record = LongGenBenchTask().score(_sample("mmlu"), reply)
    assert record["score"] == pytest.approx(paper, abs=1e-12)
    assert record["score_strict"] == pytest.approx(strict, abs=1e-12)


def test_gold_and_find_quirks():
    assert paper_gold("3 + 4 = 7\n#### 7") == "7" and paper_gold("#### -5") is None
    assert paper_gold("#### 1,000") == "1" and paper_gold("42") is None
    assert paper_gold("#### x then #### 9") == "9" and paper_gold("####\n12") == "12"
    # an answer without 'answer is <digits>' runs into the next one and takes its number
    assert find_gsm8k("Answer_1: no idea\nAnswer_2: the answer is 5\nAnswer_3: the answer is 6") == ["5", "6"]
    assert find_gsm8k("Answer_1: The answer is 07") == ["07"] and find_gsm8k("answer is 3") == []
    # MMLU: the run after 'Answer_N:<whitespace>' stays on one line; ')' closes the capture
    assert find_mmlu("Answer_1: x\nthe answer is (B)\nAnswer_2: the answer is (C)") == ["C"]
    assert find_mmlu("Answer_1: the answer is (B\nAnswer_2: so the answer is (C) or (D)") == ["C"]
    assert find_mmlu("Answer_1: answer is (A answer is (B)") == ["A answer is (B"]


def test_dataset_rounding_and_positional_pairing():
    assert dataset_score([1.0, 1 / 3]) == 66.6667  # the spec's two-sample example
    task = LongGenBenchTask()
    extra = _gsm(*GOOD_GSM) + "\nAnswer_4: The answer is 9."
    assert task.score(_sample("gsm8k"), extra)["score"] == 1.0  # extra answers are ignored
    records = [{"id": "a", "kind": "gsm8k", "k": 3, "answered": 3, "score": 1.0, "score_strict": 1.0},
               {"id": "b", "kind": "gsm8k", "k": 3, "answered": 3, "score": 1 / 3, "score_strict": 2 / 3}]
    metrics = task.aggregate(records).metrics
    assert metrics["longgenbench/gsm8k"] == 66.6667
    assert metrics["longgenbench/gsm8k_strict"] == pytest.approx(250 / 3)


@pytest.mark.parametrize("scoring", ["paper", "strict"])
def test_items_decompose_the_headline(scoring):
    task = LongGenBenchTask(scoring=scoring, k_gsm8k=3, k_mmlu=3, samples_per_kind=3)
    samples = task.load()
    replies = [_gsm(*GOOD_GSM), MMLU_CASES[0][0], "Answer_1: The answer is 3.", MMLU_CASES[4][0], "", "junk"]
    result = task.score_predictions(samples, {s.id: r for s, r in zip(samples, replies)})
    assert result.main == ("longgenbench/score" if scoring == "paper" else "longgenbench/score_strict")
    assert {i.group for i in result.items} == {"gsm8k", "mmlu"} and len(result.items) == 6
    assert headline_from_items(result.items, result.group_weights) == pytest.approx(result.score, abs=1e-9)
    assert result.floor == 12.5 and not result.binary


def test_paper_profile_prompt_layout_and_budget():
    task = LongGenBenchTask(profile="paper")
    samples = task.load()
    gsm = next(s for s in samples if s.data["kind"] == "gsm8k")
    mmlu = next(s for s in samples if s.data["kind"] == "mmlu")
    prompt = gsm.data["prompt"]
    assert prompt.startswith("Examples: \nQuestion_1: \n") and "\n\nFollowing Question: \nQuestion_9:\n" in prompt
    assert "Question_38:\n" in prompt and "Question_39:" not in prompt and prompt.endswith("\n\n")
    assert "Answer_8:\n" in prompt and "Answer_9" not in prompt
    assert "Question_6:\n" in mmlu.data["prompt"] and "\n(A) " in mmlu.data["prompt"].split("Following")[1]
    assert mmlu.data["system"].endswith("about ") and "Answer_" in gsm.data["system"]
    request = task.request(gsm, ScriptedEngine([], max_context=32768))
    assert request.max_new_tokens == 4096 and request.stop == () and request.temperature == 0
    assert request.messages[0]["role"] == "system"
    assert task.request(mmlu, ScriptedEngine([], max_context=32768)).max_new_tokens == 7950
    assert task.request(mmlu, ScriptedEngine([], max_context=4096)).max_new_tokens < 4096  # capped to fit
    # strict reads Answer_9 as question 1 under the paper numbering
    reply = "\n".join(f"Answer_{8 + i}: The answer is {g}." for i, g in enumerate(gsm.target, 1))
    record = task.score(gsm, reply)
    assert record["score"] == 1.0 and record["score_strict"] == 1.0


DEGENERATE = [
    "Answer_1: " * 100_000,
    "7" * 1_000_000,
    "answer is " * 100_000,
    "Answer_" + "1" * 1_000_000 + ":",
    "Answer_1: answer is " + "9" * 1_000_000,
    "Answer_1: the answer is (" * 40_000,
    "Answer_1:\n" * 100_000,
    "Answer_1: answer is (" + "x" * 1_000_000,
    ("Answer_1: " + " " * 50 + "answer is (B\n") * 15_000,
]


@pytest.mark.parametrize("reply", DEGENERATE, ids=range(len(DEGENERATE)))
def test_degenerate_megabyte_replies_are_linear_and_safe(reply, no_hang):
    task = LongGenBenchTask()
    for kind in ("gsm8k", "mmlu"):
        with no_hang():  # both rules take about 0.2 s of CPU; a backtracking regex would take hours
            record = task.score(_sample(kind), reply)
        assert 0.0 <= record["score"] <= 1.0 and 0.0 <= record["score_strict"] <= 1.0
