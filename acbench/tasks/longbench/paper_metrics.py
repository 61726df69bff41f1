"""LongBench v1's own evaluator, rule for rule (THUDM/LongBench `metrics.py` and `eval.py`): the paper scores.

    from acbench.tasks.longbench.paper_metrics import paper_item_score, dataset_score
    paper_item_score("rouge", "Costs fell. The budget rose.", ["The budget rose. Costs fell."], None)  # (1.0, None)
    dataset_score([1.0, 0.5, 0.0])                                                                      # 50.0

Every metric returns `(value, reason)`: `reason` is None, or why the paper rule gave 0 where the upstream code
raises or gives up (`rouge_error`, `gold_without_paragraph`, ...), so paper scoring never crashes. The quirks
are kept on purpose (specs/paper-scoring.md section 2): ROUGE-L from the `rouge` package (sentences split on
".", distinct case-sensitive words), the classification list-removal skip, the unstripped count gold and
fuzzywuzzy's rounded ratio. acbench's corrected rules live in `acbench.scoring.text_metrics`.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from difflib import SequenceMatcher

import numpy as np

from acbench.scoring.text_metrics import (
    JIEBA_MAX_CHARS,
    first_code_line,
    jieba_tokens,
    number_share,
    qa_f1,
    token_f1,
    zh_tokens,
)

PaperValue = tuple[float, str | None]

# Reasons for which upstream raises out of the whole evaluation: the item scores 0, whatever other gold
# answers would give. Other reasons (the `rouge` package's own caught errors, our size guards) zero only
# the one gold answer, as upstream's try/except does.
ITEM_ZERO_REASONS = frozenset({"gold_without_paragraph", "no_classes", "classification_error"})

# Work (LCS table cells) above which the `rouge` package would run for about a second or more on one pair.
# A 512-token reply against a 2,500-word reference stays below it, so only runaway output is affected.
ROUGE_MAX_WORK = 1_500_000


def paper_qa_f1(prediction: str, gold: str, **_: object) -> PaperValue:
    """SQuAD token F1 after English normalisation (identical to acbench's rule)."""
    return qa_f1(prediction, gold), None


def paper_qa_f1_zh(prediction: str, gold: str, **_: object) -> PaperValue:
    """Token F1 over jieba words, each Chinese-normalised, empty ones dropped."""
    if len(prediction) > JIEBA_MAX_CHARS or len(gold) > JIEBA_MAX_CHARS:
        return 0.0, "too_long"
    return token_f1(zh_tokens(prediction), zh_tokens(gold)), None


def _sentence_lengths(pieces: list[str]) -> list[int]:
    # The package keeps the pieces between "." that are non-empty before whitespace is collapsed and splits
    # them on single spaces after collapsing: a whitespace-only piece is the one word "".
    return [len(piece.split()) or 1 for piece in pieces if piece]


def _rouge_guard(prediction: str, gold: str) -> str | None:
    """Why the package cannot score this pair cheaply: certain failure, or too much work; None if it can."""
    ref = _sentence_lengths(gold.split("."))
    hyp_pieces = prediction.split(".")
    n_hyp = len(hyp_pieces) - hyp_pieces.count("")
    if not n_hyp or not ref:
        return "rouge_error"  # the package raises "Hypothesis is empty." (or the reference's twin)
    limit = sys.getrecursionlimit()
    ref_cells = sum(n + 1 for n in ref)
    # The package fills a dict cell per (reference word + 1) x (hypothesis word + 1) of every sentence
    # pair and pays a few microseconds more per pair; every hypothesis sentence costs at least 2 cells.
    if ref_cells * 2 * n_hyp + 10 * len(ref) * n_hyp > ROUGE_MAX_WORK and max(ref) < limit:
        return "rouge_too_long"  # decided before counting a runaway reply's words
    hyp = _sentence_lengths(hyp_pieces)
    # Backtracking one LCS recurses at least min(|r|, |c|) deep: a RecursionError is certain when some
    # reference and some hypothesis sentence both reach the recursion limit.
    if min(max(hyp), max(ref)) >= limit:
        return "rouge_error"
    if ref_cells * sum(n + 1 for n in hyp) + 10 * len(ref) * len(hyp) > ROUGE_MAX_WORK:
        return "rouge_too_long"
    return None


def paper_rouge(prediction: str, gold: str, **_: object) -> PaperValue:
    """The `rouge` package's ROUGE-L F (`Rouge().get_scores`, defaults); any error in it gives 0.

    Pairs the package would spend more than about a second on (`ROUGE_MAX_WORK`) score 0 with
    `rouge_too_long` instead: replies within LongBench's token budgets never come near it.
    """
    from rouge import Rouge

    reason = _rouge_guard(prediction, gold)
    if reason:
        return 0.0, reason
    try:
        scores = Rouge().get_scores([prediction], [gold], avg=True)
    except Exception:  # RecursionError on long sentences, ValueError on empty ones: upstream returns 0
        return 0.0, "rouge_error"
    return scores["rouge-l"]["f"], None


def paper_rouge_zh(prediction: str, gold: str, **_: object) -> PaperValue:
    """`paper_rouge` on the jieba words of both texts joined by single spaces."""
    if len(prediction) > JIEBA_MAX_CHARS or len(gold) > JIEBA_MAX_CHARS:
        return 0.0, "too_long"
    return paper_rouge(" ".join(jieba_tokens(prediction)), " ".join(jieba_tokens(gold)))


def paper_classification(prediction: str, gold: str, all_classes: Sequence[str] | None = None, **_: object) -> PaperValue:
    """Classes found in the prediction, with upstream's removal loop; 1/len(found) if the gold is there.

    Upstream removes a found class that is a strict substring of the gold while iterating over the same
    list, so the element right after a removed one is never examined and stays in.
    """
    if all_classes is None:
        return 0.0, "no_classes"  # upstream iterates over None
    try:
        found = [c for c in all_classes if c in prediction]
        i = 0
        while i < len(found):  # a list iterator: index i advances even when an element was removed
            term = found[i]
            if term in gold and term != gold:
                found.remove(term)
            i += 1
    except TypeError:  # a class that is not a string
        return 0.0, "classification_error"
    return (1.0 / len(found) if gold in found else 0.0), None


def _paragraph_metric(pattern: str) -> Callable[..., PaperValue]:
    regex = re.compile(pattern)

    def metric(prediction: str, gold: str, **_: object) -> PaperValue:
        match = regex.search(gold)
        if match is None:
            return 0.0, "gold_without_paragraph"  # upstream takes element 0 of an empty list
        return number_share(prediction, match.group(1)), None

    metric.__doc__ = f"Share of the prediction's digit runs equal to N in the gold's first `{pattern}`."
    return metric


paper_retrieval = _paragraph_metric(r"Paragraph (\d+)")
paper_retrieval_zh = _paragraph_metric(r"段落(\d+)")


def paper_count(prediction: str, gold: str, **_: object) -> PaperValue:
    """Share of the prediction's digit runs equal to the gold string exactly as written (not stripped)."""
    return number_share(prediction, str(gold)), None


def fuzzy_ratio(a: str, b: str) -> int:
    """fuzzywuzzy 0.18.0's `fuzz.ratio` without python-Levenshtein: difflib, rounded half to even.

    Equal strings (even both empty) give 100, one empty string 0. The argument order matters: difflib's
    autojunk heuristic looks at the second string.
    """
    if a == b:
        return 100
    if not a or not b:
        return 0
    # 100 * ratio <= 200 * min / total; below 0.5 it rounds to 0, so difflib need not look at a huge line.
    if 400 * min(len(a), len(b)) < len(a) + len(b):
        return 0
    return int(round(100 * SequenceMatcher(None, a, b).ratio()))


def paper_code_sim(prediction: str, gold: str, **_: object) -> PaperValue:
    """`fuzzy_ratio(first code line, gold) / 100`."""
    return fuzzy_ratio(first_code_line(prediction), gold) / 100, None


PAPER_METRICS: dict[str, Callable[..., PaperValue]] = {
    "qa_f1": paper_qa_f1,
    "qa_f1_zh": paper_qa_f1_zh,
    "rouge": paper_rouge,
    "rouge_zh": paper_rouge_zh,
    "classification": paper_classification,
    "retrieval": paper_retrieval,
    "retrieval_zh": paper_retrieval_zh,
    "count": paper_count,
    "code_sim": paper_code_sim,
}


def paper_item_score(
    metric: str, prediction: str, answers: Sequence[str], all_classes: Sequence[str] | None
) -> PaperValue:
    """Upstream's item score: the max over gold answers, starting from 0, and the first reason met."""
    score, reason = 0.0, None
    for gold in answers:
        value, why = PAPER_METRICS[metric](prediction, gold, all_classes=all_classes)
        if why in ITEM_ZERO_REASONS:
            return 0.0, why
        reason = reason or why
        score = max(score, value)
    return score, reason


def dataset_score(values: Sequence[float]) -> float:
    """Upstream's dataset score: round(100 x sum / n, 2), the sum taken left to right as eval.py does."""
    total = 0.0
    for value in values:
        total += value
    return round(100 * total / len(values), 2) if values else 0.0


LENGTH_BUCKETS = ("0-4k", "4-8k", "8k_plus")  # upstream's "8k+"; "+" is not allowed in MLflow names


def length_bucket(length: float) -> str:
    """LongBench-E's bucket of an item by its `length` field: < 4000, < 8000, else."""
    return LENGTH_BUCKETS[0] if length < 4000 else LENGTH_BUCKETS[1] if length < 8000 else LENGTH_BUCKETS[2]


def length_groups(values: Sequence[float], lengths: Sequence[float]) -> dict[str, list[float]]:
    """Item values by LongBench-E length bucket, in bucket order; empty buckets left out."""
    groups: dict[str, list[float]] = {b: [] for b in LENGTH_BUCKETS}
    for value, length in zip(values, lengths):
        groups[length_bucket(length)].append(value)
    return {b: v for b, v in groups.items() if v}


def bucket_scores(values: Sequence[float], lengths: Sequence[float]) -> dict[str, float]:
    """LongBench-E's per-bucket scores, round(100 x numpy mean, 2); empty buckets (NaN upstream) left out."""
    # numpy's mean (pairwise sum) and numpy's round on its float64, as upstream, not Python's
    return {b: float(round(100 * np.mean(v), 2)) for b, v in length_groups(values, lengths).items()}
