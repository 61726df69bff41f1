"""Text metrics for the long-context benchmarks (LongBench v1 families, needle recall).

    from acbench.scoring.text_metrics import qa_f1, rouge_l, best_over_answers
    qa_f1("The cat sat.", "a cat sat")                      # 1.0 after normalisation
    best_over_answers(qa_f1, "Paris", ["paris", "Lyon"])     # 1.0 (max over gold answers)

Each metric takes one prediction and one gold answer and returns a float in [0, 1]. LongBench scores
an item as the maximum over its gold answers; `best_over_answers` does that. Metrics never raise on
model output: empty or odd text simply scores 0.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Callable, Sequence

from rapidfuzz import fuzz

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = set(string.punctuation)


def normalize_answer(text: str) -> str:
    """Lower-case, drop punctuation and English articles, collapse whitespace (SQuAD-style)."""
    text = text.lower()
    text = "".join(ch for ch in text if ch not in _PUNCT)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def token_f1(pred_tokens: Sequence[str], gold_tokens: Sequence[str]) -> float:
    """F1 of the multiset overlap of two token lists."""
    common = Counter(pred_tokens) & Counter(gold_tokens)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision = same / len(pred_tokens)
    recall = same / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


def qa_f1(prediction: str, answer: str, **_: object) -> float:
    """Token F1 of the normalised prediction against the normalised answer (English QA sets)."""
    return token_f1(normalize_answer(prediction).split(), normalize_answer(answer).split())


def _lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    # One-row dynamic programme: O(len(a) * len(b)) time, O(len(b)) memory.
    if not a or not b:
        return 0
    row = [0] * (len(b) + 1)
    for x in a:
        prev_diag = 0
        for j, y in enumerate(b, start=1):
            keep = row[j]
            row[j] = prev_diag + 1 if x == y else max(row[j], row[j - 1])
            prev_diag = keep
    return row[-1]


def rouge_tokens(text: str) -> list[str]:
    """Lower-cased alphanumeric words: the tokens ROUGE-L is computed on."""
    return re.findall(r"[a-z0-9]+", text.lower())


def rouge_l(prediction: str, answer: str, **_: object) -> float:
    """ROUGE-L F1 (beta = 1): LCS of the two token sequences over their lengths.

    Our own LCS implementation on lower-cased alphanumeric words (no stemming, no stop-word removal);
    upstream LongBench calls the `rouge` package, whose tokenisation differs slightly.
    """
    pred, gold = rouge_tokens(prediction), rouge_tokens(answer)
    lcs = _lcs_length(pred, gold)
    if lcs == 0:
        return 0.0
    precision, recall = lcs / len(pred), lcs / len(gold)
    return 2 * precision * recall / (precision + recall)


def classification_score(prediction: str, answer: str, all_classes: Sequence[str] | None = None, **_: object) -> float:
    """Class names mentioned in the prediction; 1/(number mentioned) if the gold class is among them.

    A mentioned class that is a strict substring of the gold class is not counted against it (so
    "Location" inside "Other location" does not halve the score), as upstream does.
    """
    classes = list(all_classes or [])
    mentioned = [c for c in classes if c and c in prediction]
    mentioned = [c for c in mentioned if not (c in answer and c != answer)]
    if answer in mentioned:
        return 1.0 / len(mentioned)
    return 0.0


def retrieval_score(prediction: str, answer: str, **_: object) -> float:
    """Passage retrieval: the gold is "Paragraph N"; share of the numbers in the prediction equal to N."""
    match = re.search(r"Paragraph (\d+)", answer)
    if not match:
        return 0.0
    numbers = re.findall(r"\d+", prediction)
    if not numbers:
        return 0.0
    return sum(n == match.group(1) for n in numbers) / len(numbers)


def count_score(prediction: str, answer: str, **_: object) -> float:
    """Passage count: share of the numbers in the prediction equal to the gold count."""
    numbers = re.findall(r"\d+", prediction)
    if not numbers:
        return 0.0
    return sum(n == str(answer).strip() for n in numbers) / len(numbers)


def first_code_line(prediction: str) -> str:
    """The first line that is not a comment or a code fence (lines holding `, # or // are skipped)."""
    for line in prediction.lstrip("\n").split("\n"):
        if "`" not in line and "#" not in line and "//" not in line:
            return line
    return ""


def code_sim(prediction: str, answer: str, **_: object) -> float:
    """Fuzzy ratio (rapidfuzz, 0-1) between the first code line of the prediction and the gold line."""
    return fuzz.ratio(first_code_line(prediction), answer) / 100.0


def word_recall(prediction: str, answer: str, **_: object) -> float:
    """Share of the answer's normalised words that occur in the normalised prediction (needle score)."""
    gold = normalize_answer(answer).split()
    if not gold:
        return 0.0
    said = set(normalize_answer(prediction).split())
    return sum(w in said for w in gold) / len(gold)


METRICS: dict[str, Callable[..., float]] = {
    "qa_f1": qa_f1,
    "rouge": rouge_l,
    "classification": classification_score,
    "retrieval": retrieval_score,
    "count": count_score,
    "code_sim": code_sim,
    "word_recall": word_recall,
}


def best_over_answers(metric: Callable[..., float], prediction: str, answers: Sequence[str], **kwargs: object) -> float:
    """The item score: the best metric value over all gold answers (0 when there are none)."""
    return max((metric(prediction, str(a), **kwargs) for a in answers), default=0.0)
