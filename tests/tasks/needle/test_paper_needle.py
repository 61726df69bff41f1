"""Needle paper scoring and construction (specs/paper-scoring.md section 4): worked examples in both modes,
upstream's insertion rule on a word tokenizer, the paper profile, ItemScore decomposition, 1 MB replies."""

from __future__ import annotations


import pytest

from acbench.engines.scripted import ScriptedEngine
from acbench.tasks.base import ResultStore, headline_from_items
from acbench.tasks.needle.paper import (
    PAPER_HEATMAP_ANSWER, PAPER_NEEDLE, build_filler, cell_score, essays_dir, heatmap_recall, paper_context,
    read_haystack, word_codec,
)
from acbench.tasks.needle.task import NeedleTask

WORKED = [  # reply, cell (10 x ROUGE-1 F), heatmap recall
    (PAPER_NEEDLE, 10.0, 1.0),
    ("eat a sandwich and sit in Dolores Park on a sunny day.", 10 * 2 * 12 / 33, 1.0),  # P 1, R 12/21
    ("Sitting in Dolores Park on sunny days.", 5.0, 5 / 11),  # P 1, R 7/21: the stems match
    ("Eat a sandwich.", 2.5, 2 / 11),  # P 1, R 3/21; 'sandwich.' is not 'sandwich'
    ("I don't know.", 0.0, 0.0),
    ("", 0.0, 0.0),
    ("   \n", 0.0, 0.0),
]


@pytest.mark.parametrize("reply,cell,recall", WORKED)
def test_worked_examples(reply, cell, recall):
    assert cell_score(PAPER_NEEDLE, reply) == pytest.approx(cell, abs=1e-12)
    assert heatmap_recall(reply, PAPER_HEATMAP_ANSWER) == pytest.approx(recall, abs=1e-12)


def test_record_has_both_modes_and_the_filler():
    task = NeedleTask(profile="paper", lengths=(1000,), depths=(50,))
    sample = task.load()[0]
    record = task.score(sample, "  eat a sandwich and sit in Dolores Park on a sunny day.\n")
    assert record["score"] == pytest.approx(10 * 24 / 33)
    assert record["score_strict"] == 1.0  # sandwich, Dolores, Park
    assert record["heatmap_recall"] == 1.0 and record["filler"] == task.filler and record["paper_reason"] is None
    partial = task.score(sample, "Sitting in Dolores Park on sunny days.")
    assert partial["score"] == 5.0 and partial["score_strict"] == pytest.approx(2 / 3)


FILLER = " ".join(f"s{i}a s{i}b s{i}c." for i in range(100))  # 300 word tokens, a period every third


@pytest.mark.parametrize("depth,before", [(50, 27), (0, 0), (100, 57), (11, 6), (99, 54)])
def test_upstream_insertion_rule(depth, before):
    codec = word_codec()
    ids = build_filler(FILLER, 260, codec)
    needle = "\nNEEDLE one two.\n"  # 3 tokens
    # 260 tokens -> budget 260 - 200 = 60 -> context cut to 57; depth% of 57, moved back after a period
    text, point, total = paper_context(ids, 260, depth, codec, needle)
    words = text.split()
    assert total == 57 and point == before and len(words) == 60
    assert words[before : before + 3] == ["NEEDLE", "one", "two."]
    assert before == 0 or words[before - 1].endswith(".")


def test_negative_budget_slices_like_upstream_and_filler_repeats():
    codec = word_codec()
    ids = build_filler("a b c.", 10, codec)  # repeated whole, no separator ('c.a' is one word): 5 copies
    assert len(ids) == 11
    text, point, total = paper_context(ids, 100, 50, codec, "needle.")  # budget -100: context[:-101] = []
    assert text == "needle." and total == 0


def test_paper_profile_grid_prompt_and_sampling(tmp_path):
    task = NeedleTask(profile="paper")
    assert task.lengths == tuple(range(1000, 8001, 100)) and len(task.lengths) == 71
    assert task.depths == (0, 11, 22, 33, 44, 56, 67, 78, 89, 100)
    assert task.filler == ("paul_graham_essays" if essays_dir() else "pydoc_data")
    (tmp_path / "b.txt").write_text("Second essay. " * 400)
    (tmp_path / "a.txt").write_text("First essay. " * 400)
    assert read_haystack(tmp_path).startswith("First essay.")  # sorted by name
    small = NeedleTask(profile="paper", lengths=(600,), depths=(50,), seed=7, filler=str(tmp_path))
    samples = small.load()
    assert samples[0].data["filler"] == str(tmp_path) == small.filler
    engine = ScriptedEngine(lambda r: "eat a sandwich", max_context=4096)
    result = small.run(engine, samples, ResultStore(None))
    request = engine.requests[0]
    prompt = request.messages[-1]["content"]
    assert request.raw_prompt == prompt  # sent as raw text, no chat template, as upstream did
    assert prompt.startswith("<|im_start|> This is a very long story book: <book> First essay.")
    assert prompt.endswith("</book>.\n Based on the content of the book, Question: "
                           "The best thing to do in San Francisco is: \nAnswer:")
    assert "The best thing to do in San Francisco is eat a sandwich" in prompt
    assert (request.temperature, request.seed, request.max_new_tokens) == (1.0, 7, 30)
    assert result.records[0]["context_tokens"] == 400  # 600 - 200 tokens, needle included
    assert result.metrics["needle/heatmap_recall"] == pytest.approx(3 / 11)  # 'eat', 'a', 'sandwich'


@pytest.mark.parametrize("scoring", ["paper", "strict"])
def test_items_decompose_the_headline(scoring):
    task = NeedleTask(lengths=(200, 300), depths=(0, 100), scoring=scoring)
    samples = task.load()
    replies = ["smoked paprika and honey", "", "I don't know", "The secret ingredient is smoked paprika."]
    result = task.score_predictions(samples, {s.id: r for s, r in zip(samples, replies)})
    assert result.main == ("needle/score" if scoring == "paper" else "needle/score_strict")
    assert len(result.items) == 4 and {i.group for i in result.items} == {""}
    assert headline_from_items(result.items, result.group_weights) == pytest.approx(result.score, abs=1e-9)
    assert result.floor == 0.0 and not result.binary
    assert "needle_heatmap.png" in result.figures


@pytest.mark.parametrize("reply", ["Answer_1: " * 100_000, "7" * 1_000_000, "sunny day. " * 90_000])
def test_megabyte_replies_score_in_linear_work(reply, no_hang):
    task = NeedleTask(profile="paper", lengths=(1000,), depths=(0,))
    sample = task.load()[0]
    task.score(sample, "warm up")  # the first call imports nltk's stemmer
    with no_hang():
        record = task.score(sample, reply)
    assert 0.0 <= record["score"] <= 10.0 and 0.0 <= record["heatmap_recall"] <= 1.0
