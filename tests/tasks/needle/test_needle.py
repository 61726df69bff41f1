"""Needle in a haystack: placement, capping, scoring, resume, heatmap, and one real-model run (slow)."""

from __future__ import annotations

import re

import pytest

from acbench.engines.scripted import ScriptedEngine
from acbench.tasks.base import ResultStore
from acbench.tasks.needle.haystack import build_context, file_sentences, split_sentences
from acbench.tasks.needle.heatmap import heatmap_grid
from acbench.tasks.needle.task import DEFAULT_NEEDLE, NeedleTask
from acbench.tasks.registry import make_task


def words(text: str) -> int:
    return len(text.split())


SENTENCES = [f"Sentence {i} talks about item {i} here." for i in range(200)]  # 7 words each


def test_depth_50_lands_on_sentence_boundary_before_the_middle():
    needle = "The code word is mango."  # 5 words
    p = build_context(SENTENCES, needle, length=75, depth=50, count_tokens=words)
    # 70 filler words = 10 sentences; 50% of 70 = 35 words = exactly 5 sentences before the needle
    assert p.tokens == 75
    assert p.context[p.needle_char :].startswith(needle)
    assert words(p.context[: p.needle_char]) == 35
    assert p.needle_token_depth == 50.0


def test_depth_is_moved_back_not_forward():
    needle = "The code word is mango."
    # 69 filler words -> 9 whole sentences (63 words); 40% of 63 = 25.2 -> back to 21 words (3 sentences)
    p = build_context(SENTENCES, needle, length=74, depth=40, count_tokens=words)
    before = p.context[: p.needle_char]
    assert words(before) == 21
    assert before.rstrip().endswith(".")  # a sentence boundary
    assert abs(p.needle_token_depth - 40) <= 100 * 7 / 63  # within one sentence of the target


@pytest.mark.parametrize("depth", [0, 100])
def test_extreme_depths(depth):
    needle = "The code word is mango."
    p = build_context(SENTENCES, needle, length=40, depth=depth, count_tokens=words)
    assert (p.context.startswith(needle) if depth == 0 else p.context.endswith(needle))


def test_filler_cycles_and_rejects_bad_input():
    p = build_context(["One two three."], "Needle here.", length=20, depth=50, count_tokens=words)
    assert p.tokens == 20 and p.context.count("One two three.") == 6
    with pytest.raises(ValueError, match="depth"):
        build_context(SENTENCES, "x", 50, 101, words)
    with pytest.raises(ValueError, match="no room"):
        build_context(SENTENCES, "a b c", 3, 50, words)


def test_split_sentences():
    assert split_sentences("It works. Does it? Yes! e.g. lower") == ["It works.", "Does it?", "Yes! e.g. lower"]


def _perfect(request):
    return "The secret ingredient is smoked paprika and a spoon of honey."


def test_grid_ids_prompts_and_perfect_score():
    task = make_task("needle", lengths=(300, 600), depths=(0, 50, 100))
    samples = task.load()
    assert [s.id for s in samples][:3] == ["len300_depth0", "len300_depth50", "len300_depth100"]
    engine = ScriptedEngine(_perfect, max_context=4096)
    result = task.run(engine, samples, ResultStore(None))
    assert result.main == "needle/score" and result.metrics["needle/score_strict"] == 100.0
    assert result.metrics["needle/len600_strict"] == 100.0 and result.metrics["needle/depth50_strict"] == 100.0
    # paper: 10 x ROUGE-1 F against the whole needle sentence (11 of 19 needle tokens, 11 of 11 reply tokens)
    assert result.metrics["needle/score"] == pytest.approx(10 * 2 * 11 / 30)
    assert result.metrics["needle/heatmap_recall"] == 1.0  # every word of 'smoked paprika and a spoon of honey.'
    assert all(r["filler"] == "pydoc_data" for r in result.records) and task.filler == "pydoc_data"
    for request, record in zip(engine.requests, result.records):
        prompt = request.messages[-1]["content"]
        assert DEFAULT_NEEDLE in prompt
        assert record["length"] - 60 <= record["context_tokens"] <= record["length"]
        context = prompt.split("Document:\n", 1)[1].split("\n\nQuestion:", 1)[0]
        before = context[: context.index(DEFAULT_NEEDLE)]
        share = 100 * words(before) / (words(context) - words(DEFAULT_NEEDLE))
        assert abs(share - record["depth"]) <= 10  # within a sentence or two of the requested depth
        assert before == "" or re.search(r"[.!?\"')]\s$", before)  # starts right after a sentence end
    assert "needle_heatmap.png" in result.figures


def test_partial_and_garbage_scores_with_reasons():
    task = NeedleTask(lengths=(200,), depths=(50,))
    sample = task.load()[0]
    assert task.score(sample, "Smoked paprika, I think.")["score_strict"] == pytest.approx(2 / 3)
    garbage = task.score(sample, "I do not know.")
    assert garbage["score_strict"] == 0.0 and garbage["score"] == 0.0 and garbage["parse_error"]
    assert task.score(sample, "")["parse_error"] == "empty output"
    result = task.score_predictions(task.load(), {})
    assert result.metrics["needle/score"] == 0.0 and result.metrics["needle/score_strict"] == 0.0


def test_length_is_capped_to_the_model_context():
    task = NeedleTask(lengths=(5000,), depths=(50,), max_new_tokens=32)
    engine = ScriptedEngine(_perfect, max_context=1000)
    result = task.run(engine, task.load(), ResultStore(None))
    record = result.records[0]
    frame = words(engine.requests[0].messages[-1]["content"]) - record["context_tokens"]
    assert record["context_tokens"] + frame + 32 + 64 <= 1000
    assert record["context_tokens"] > 800


def test_resume_after_a_crash(tmp_path):
    path = tmp_path / "needle.jsonl"
    task = NeedleTask(lengths=(200, 300), depths=(0, 25, 50, 100))  # 8 cells, batches of 4
    calls = {"n": 0}

    def crash_on_fifth(request):
        calls["n"] += 1
        if calls["n"] == 5:
            raise RuntimeError("killed")
        return _perfect(request)

    with pytest.raises(RuntimeError):
        task.run(ScriptedEngine(crash_on_fifth), task.load(), ResultStore(path))
    assert len(path.read_text().splitlines()) == 4
    engine = ScriptedEngine(_perfect)
    result = task.run(engine, task.load(), ResultStore(path))
    assert len(engine.requests) == 4 and len(result.records) == 8
    assert result.metrics["needle/score_strict"] == 100.0


def test_heatmap_grid_values():
    records = [
        {"length": 500, "depth": 0.0, "score": 1.0},
        {"length": 500, "depth": 50.0, "score": 0.0},
        {"length": 1000, "depth": 0.0, "score": 0.5},
    ]
    lengths, depths, grid = heatmap_grid(records, key="score")
    assert lengths == [500, 1000] and depths == [0.0, 50.0]
    assert grid[0].tolist() == [1.0, 0.5] and grid[1, 0] == 0.0 and grid[1, 1] != grid[1, 1]  # NaN


def test_file_haystack_and_errors(tmp_path):
    text = tmp_path / "essay.txt"
    text.write_text("A short title\n\nThis essay is about gardens and light. It has two sentences in it.\n")
    assert file_sentences(text) == ("This essay is about gardens and light.", "It has two sentences in it.")
    task = NeedleTask(lengths=(100,), depths=(50,))
    samples = task.load(source=str(text))
    engine = ScriptedEngine(_perfect)
    task.run(engine, samples, ResultStore(None))
    assert "gardens and light" in engine.requests[0].messages[-1]["content"]
    with pytest.raises(FileNotFoundError):
        task.load(source=str(tmp_path / "missing.txt"))
    with pytest.raises(ValueError, match="depths"):
        NeedleTask(depths=(150,))
    with pytest.raises(ValueError, match="profile"):
        NeedleTask(profile="huge")


@pytest.mark.slow
def test_real_model_two_cells():
    import acbench.engines.hf as hf  # a hard dependency: fail, never skip
    from acbench.models import resolve_model

    engine = hf.HFEngine(resolve_model())
    task = NeedleTask(lengths=(400,), depths=(0, 100))
    result = task.run(engine, task.load(), ResultStore(None))
    assert len(result.records) == 2
    for record in result.records:
        assert 350 <= record["context_tokens"] <= 400  # counted with the real tokenizer
        assert 0.0 <= record["score_strict"] <= 1.0 and 0.0 <= record["score"] <= 10.0
    assert 0.0 <= result.metrics["needle/score_strict"] <= 100.0
