"""Text metrics: each family against values worked out by hand."""

from __future__ import annotations

import pytest

from acbench.scoring.text_metrics import (
    best_over_answers,
    classification_score,
    code_sim,
    count_score,
    first_code_line,
    normalize_answer,
    qa_f1,
    retrieval_score,
    rouge_l,
    word_recall,
)


def test_normalize_answer():
    assert normalize_answer("The  Eiffel-Tower, in Paris!") == "eiffeltower in paris"
    assert normalize_answer("An apple a day") == "apple day"


def test_qa_f1():
    # pred "eiffel tower paris" (3 tokens) vs gold "eiffel tower" (2): P = 2/3, R = 1, F1 = 0.8
    assert qa_f1("The Eiffel Tower, Paris", "eiffel tower") == pytest.approx(0.8)
    assert qa_f1("Lisbon", "Lisbon.") == 1.0
    assert qa_f1("", "Lisbon") == 0.0
    assert qa_f1("the the", "a") == 0.0  # both normalise to nothing shared
    # multiset overlap: [x, x, y] vs [x, y, y] share one x and one y: P = R = 2/3
    assert qa_f1("x x y", "x y y") == pytest.approx(2 / 3)


def test_rouge_l():
    # LCS("the cat sat on the mat", "the cat was on the mat") = 5 of 6 on both sides
    assert rouge_l("The cat sat on the mat.", "the cat was on the mat") == pytest.approx(5 / 6)
    # LCS("a b c d", "b d e") = 2: P = 2/4, R = 2/3, F = 4/7
    assert rouge_l("a b c d", "b d e") == pytest.approx(4 / 7)
    assert rouge_l("", "anything") == 0.0
    assert rouge_l("Same words here", "same words here") == 1.0


def test_classification():
    classes = ["Location", "Other location", "Person"]
    assert classification_score("Other location", "Other location", all_classes=classes) == 1.0
    # "Location" is a strict substring of the gold class, so only Other location and Person count
    assert classification_score("Person or Other location", "Other location", all_classes=classes) == 0.5
    assert classification_score("Location", "Other location", all_classes=classes) == 0.0
    assert classification_score("Person", "Location", all_classes=classes) == 0.0
    assert classification_score("Location", "Location", all_classes=None) == 0.0  # no classes given


def test_retrieval_and_count():
    assert retrieval_score("Paragraph 3", "Paragraph 3") == 1.0
    assert retrieval_score("Paragraph 3 or Paragraph 5", "Paragraph 3") == 0.5
    assert retrieval_score("I cannot tell", "Paragraph 3") == 0.0
    assert retrieval_score("3", "no paragraph id") == 0.0
    assert count_score("There are 7 unique paragraphs out of 12.", "7") == 0.5
    assert count_score("7", "7") == 1.0
    assert count_score("seven", "7") == 0.0


def test_code_sim():
    reply = "```python\n# the getter\nreturn self._x\n```"
    assert first_code_line(reply) == "return self._x"
    assert code_sim(reply, "return self._x") == 1.0
    # rapidfuzz ratio = 2 * LCS / (13 + 14) characters, LCS = 13
    assert code_sim("return self.x", "return self._x") == pytest.approx(26 / 27)
    assert code_sim("# only comments\n// here", "x = 1") == 0.0


def test_word_recall_and_best_over_answers():
    assert word_recall("It is smoked paprika.", "smoked paprika honey") == pytest.approx(2 / 3)
    assert word_recall("anything", "") == 0.0
    assert best_over_answers(qa_f1, "Paris", ["Lyon", "paris"]) == 1.0
    assert best_over_answers(qa_f1, "Paris", []) == 0.0


def test_lcs_length_matches_the_dynamic_programme():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from acbench.scoring.text_metrics import lcs_length

    def table_lcs(a, b):
        row = [0] * (len(b) + 1)
        for x in a:
            diag = 0
            for j, y in enumerate(b, 1):
                diag, row[j] = row[j], diag + 1 if x == y else max(row[j], row[j - 1])
        return row[-1]

    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.sampled_from("abcd"), max_size=80), st.lists(st.sampled_from("abcde"), max_size=80))
    def check(a, b):
        assert lcs_length(a, b) == table_lcs(a, b) == lcs_length(b, a)

    check()


def test_chinese_normalisation_and_strict_chinese_metrics():
    from acbench.scoring.text_metrics import normalize_zh_answer, qa_f1_zh, retrieval_zh_score, rouge_l_zh, zh_tokens

    assert normalize_zh_answer("《北京》 大学！\u3000A.") == "《北京大学a"  # U+300A is not in upstream's list
    assert zh_tokens("答案是北京大学。") == ["答案", "是", "北京大学"]
    assert qa_f1_zh("答案是北京大学。", "北京大学") == pytest.approx(0.5)  # P = 1/3, R = 1
    # jieba: 会议/决定/明年/增加/预算 vs 会议/决定/增加/明年/的/预算: LCS 4 -> P = 4/5, R = 4/6
    assert rouge_l_zh("会议决定明年增加预算。", "会议决定增加明年的预算。") == pytest.approx(2 * 0.8 * (4 / 6) / (0.8 + 4 / 6))
    assert retrieval_zh_score("答案是段落3和段落5", "段落3") == 0.5 and retrieval_zh_score("3", "第三段") == 0.0
    assert qa_f1_zh("北京" * 30_000, "北京") == 0.0  # too long to cut: 0


def test_strict_metrics_on_a_megabyte_reply(no_hang):
    from acbench.scoring.text_metrics import METRICS

    for reply in ("word " * 200_000, "a. " * 333_333, "x" * 1_000_000, "7\n" * 500_000):
        for name, metric in METRICS.items():
            with no_hang():
                value = metric(reply, "the word 7 is here", all_classes=["word", "x"])
            assert 0.0 <= value <= 1.0, name
