"""LongBench paper scoring: the spec's worked examples in both modes, upstream quirks, crash cases, huge replies."""

from __future__ import annotations


import pytest

from acbench.scoring.text_metrics import METRICS
from acbench.tasks.longbench.paper_metrics import (
    PAPER_METRICS,
    ROUGE_MAX_WORK,
    bucket_scores,
    dataset_score,
    fuzzy_ratio,
    paper_classification,
    paper_item_score,
    paper_rouge,
)
from acbench.tasks.longbench.task import paper_score_prediction, score_prediction

# specs/paper-scoring.md section 2: (metric, prediction, gold, paper, strict)
WORKED = [
    ("qa_f1", "The Eiffel Tower, in Paris.", "Eiffel Tower", 0.6667, 0.6667),
    ("rouge", "The budget rose. Costs fell.", "The budget rose and costs fell.", 0.7273, 0.9091),
    ("rouge", "Costs fell. The budget rose.", "The budget rose. Costs fell.", 1.0, 0.6),
    ("rouge", "The budget rose and costs fell.\n", "The budget rose and costs fell.", 0.9231, 1.0),
    ("rouge", "rose rose rose budget", "The budget rose.", 0.4, 0.2857),
    ("code_sim", "raise ValueError(msg)", "return msg", 0.39, 0.4516),
    ("code_sim", "if not items:", "if len(items) == 0:", 0.62, 0.625),
    ("code_sim", "```python\n    return self.name\n```", "        return self._name", 0.89, 0.8889),
    ("count", "There are 7 unique paragraphs out of 9.", "7", 0.5, 0.5),
    ("count", "7", "7 ", 0.0, 1.0),
    ("retrieval", "Paragraph 12, not Paragraph 3", "Paragraph 12", 0.5, 0.5),
    ("qa_f1_zh", "答案是北京大学。", "北京大学", 0.5, 0.5),
    ("rouge_zh", "会议决定明年增加预算。", "会议决定增加明年的预算。", 0.7692, None),
    ("retrieval_zh", "答案是段落3和段落5", "段落3", 0.5, 0.5),
]


@pytest.mark.parametrize("metric, prediction, gold, paper, strict", WORKED)
def test_worked_examples_in_both_modes(metric, prediction, gold, paper, strict):
    value, reason = PAPER_METRICS[metric](prediction, gold)
    assert value == pytest.approx(paper, abs=1e-4) and reason is None
    if strict is not None:  # the spec has no strict rule for rouge_zh: ours is tested in test_text_metrics
        assert METRICS[metric](prediction, gold) == pytest.approx(strict, abs=1e-4)


def test_classification_worked_example_and_removal_skip():
    classes = ["sports", "news", "local sports news", "weather"]
    # found [sports, news, local sports news]: "sports" is removed, the list shifts, "news" is never looked at
    assert paper_classification("local sports news", "local sports news", all_classes=classes) == (0.5, None)
    assert METRICS["classification"]("local sports news", "local sports news", all_classes=classes) == 1.0
    # without the skip both would go: here the second removable one follows a kept one, so it goes too
    assert paper_classification("news, weather, sports", "sports news", all_classes=["weather", "sports", "news"])[0] == 0.0
    assert paper_classification("Person", "Person", all_classes=["Person", "Person"]) == (0.5, None)  # duplicates kept


def test_rouge_details_by_hand():
    # distinct, case-sensitive words: hyp {The, cat}, ref {the, cat}; LCS "cat" -> P = R = 1/2
    assert paper_rouge("The cat", "the cat")[0] == pytest.approx(0.5, abs=1e-7)
    # a trailing "\n" piece becomes the sentence "" whose word "" counts: n = 6 + 1 in the hypothesis
    assert paper_rouge("a b c d e f.\n", "a b c d e f")[0] == pytest.approx(2 * (6 / 7) / (6 / 7 + 1), abs=1e-7)
    assert paper_rouge("", "anything") == (0.0, "rouge_error")  # the package: "Hypothesis is empty."
    assert paper_rouge("...", "anything") == (0.0, "rouge_error")
    assert paper_rouge("anything", ". .")[0] == 0.0  # reference of "" and " " sentences: nothing shared


def test_code_sim_rounding_and_empty_rules():
    assert fuzzy_ratio("", "") == 100 and fuzzy_ratio("", "x") == 0 and fuzzy_ratio("x", "") == 0
    assert fuzzy_ratio("if not items:", "if len(items) == 0:") == 62  # 62.5 rounds half to even
    assert PAPER_METRICS["code_sim"]("# only comments\n// here", "")[0] == 1.0  # "" == "" (upstream)
    assert fuzzy_ratio("abc", "x" * 2000) == 0  # bound: 100 * 2 * 3 / 2003 < 0.5


def test_upstream_crashes_score_zero_with_a_reason_for_the_whole_item():
    assert paper_item_score("retrieval", "Paragraph 2", ["Paragraph 2", "two"], None) == (0.0, "gold_without_paragraph")
    assert paper_item_score("retrieval_zh", "段落2", ["第二段"], None) == (0.0, "gold_without_paragraph")
    assert paper_item_score("classification", "Person", ["Person"], None) == (0.0, "no_classes")
    assert paper_item_score("classification", "Person", ["Person"], ["Person", 3]) == (0.0, "classification_error")
    # a caught rouge error zeroes only its gold answer, as upstream's try/except does
    assert paper_item_score("rouge", "same words", ["...", "same words"], None)[0] == pytest.approx(1.0, abs=1e-7)
    assert paper_item_score("qa_f1", "x", [], None) == (0.0, None)


def test_first_line_rule_and_item_max():
    assert paper_score_prediction("trec", "\n\nPerson\nLocation", ["Person"], ["Person", "Location"]) == (1.0, None)
    assert paper_score_prediction("lsht", "财经\n体育", ["体育"], ["体育", "财经"]) == (0.0, None)
    assert score_prediction("samsum", "x\nthe cat", ["the cat"], None) == 0.0
    value, _ = paper_score_prediction("hotpotqa", "Paris", ["Lyon", "paris", "Paris, France"], None)
    assert value == 1.0


def test_dataset_score_and_length_buckets():
    assert dataset_score([1.0, 0.5, 0.0]) == 50.0
    assert dataset_score([1 / 3]) == 33.33 and dataset_score([2 / 3]) == 66.67
    assert dataset_score([]) == 0.0
    scores = bucket_scores([1.0, 0.0, 0.5, 1 / 3], [3999, 4000, 7999, 8000])
    assert scores == {"0-4k": 100.0, "4-8k": 25.0, "8k_plus": 33.33}
    assert bucket_scores([1.0], [100]) == {"0-4k": 100.0}  # empty buckets (NaN upstream) are left out


MEGABYTE = 1_000_000
HUGE = {
    "words": "word " * (MEGABYTE // 5),
    "dots": "a. " * (MEGABYTE // 3),
    "one_token": "x" * MEGABYTE,
    "newlines": "\n" * MEGABYTE,
    "digits": "7 " * (MEGABYTE // 2),
    "chinese": "会议决定增加预算" * (MEGABYTE // 8),
}
GOLD = {"qa_f1": "word", "rouge": "The committee agreed that the budget for the next year rises by a tenth and costs fall.",
        "classification": "word", "retrieval": "Paragraph 7", "count": "7", "code_sim": "return self._name",
        "qa_f1_zh": "会议决定", "rouge_zh": "会议决定增加明年的预算", "retrieval_zh": "段落7"}


@pytest.mark.parametrize("kind", sorted(HUGE))
@pytest.mark.parametrize("metric", sorted(PAPER_METRICS))
def test_a_megabyte_reply_is_scored_in_linear_work_or_zero_with_a_reason(metric, kind, no_hang):
    with no_hang():
        value, reason = PAPER_METRICS[metric](HUGE[kind], GOLD[metric], all_classes=["word", "other"])
        strict = METRICS[metric](HUGE[kind], GOLD[metric], all_classes=["word", "other"])
    assert 0.0 <= value <= 1.0 and 0.0 <= strict <= 1.0
    if metric in ("qa_f1_zh", "rouge_zh"):
        assert (value, reason) == (0.0, "too_long")  # over JIEBA_MAX_CHARS: not cut at all
    elif metric == "rouge" and kind in ("words", "dots"):
        assert (value, reason) == (0.0, "rouge_too_long")
    elif metric == "rouge" and kind == "chinese":
        assert (value, reason) == (0.0, None)  # one 1 MB "word" against 16: cheap, and nothing shared


def test_rouge_guards():
    long_sentence = " ".join(f"w{i}" for i in range(1200))
    # both sides hold a sentence longer than the recursion limit: the backtrack must fail, as upstream
    assert paper_rouge(long_sentence, long_sentence) == (0.0, "rouge_error")
    many = ". ".join("a b c" for _ in range(ROUGE_MAX_WORK // 40))
    assert paper_rouge(many, "a b c. " * 10) == (0.0, "rouge_too_long")
