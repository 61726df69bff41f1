"""Text metrics for the long-context benchmarks (LongBench v1 families, needle recall): acbench's own rules.

    from acbench.scoring.text_metrics import qa_f1, rouge_l, best_over_answers
    qa_f1("The cat sat.", "a cat sat")                      # 1.0 after normalisation
    best_over_answers(qa_f1, "Paris", ["paris", "Lyon"])     # 1.0 (max over gold answers)

Each metric takes one prediction and one gold answer and returns a float in [0, 1]. LongBench scores
an item as the maximum over its gold answers; `best_over_answers` does that. Metrics never raise on
model output: empty or odd text simply scores 0. These are the `_strict` rules of LongBench; the rules
of the upstream evaluator, quirks included, are in `acbench.tasks.longbench.paper_metrics`, which shares
the normalisation and tokenisation helpers defined here.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Callable, Sequence
from functools import lru_cache

from rapidfuzz import fuzz

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = set(string.punctuation)
_DROP_PUNCT = str.maketrans("", "", string.punctuation)  # str.translate: deletion at C speed


def _code_points(*spans: tuple[int, int]) -> set[str]:
    return {chr(c) for lo, hi in spans for c in range(lo, hi + 1)}


# The Chinese punctuation LongBench deletes, as code-point ranges: full-width ASCII punctuation except the
# full-width full stop U+FF0E, half-width CJK forms, CJK brackets and marks (U+300A is absent upstream while
# its partner U+300B is present), dashes, curly quotes, ellipsis, hyphenation point, wavy low line.
ZH_PUNCT = _PUNCT | _code_points(
    (0xFF01, 0xFF0D), (0xFF0F, 0xFF0F), (0xFF1A, 0xFF20), (0xFF3B, 0xFF40), (0xFF5B, 0xFF64),
    (0x3001, 0x3003), (0x300B, 0x3011), (0x3014, 0x301F), (0x3030, 0x3030), (0x303E, 0x303F),
    (0x2013, 0x2014), (0x2018, 0x2019), (0x201B, 0x201F), (0x2026, 0x2027), (0xFE4F, 0xFE4F),
)
_DROP_ZH_PUNCT = {ord(ch): None for ch in ZH_PUNCT}
# jieba needs about a second per 400 kB; no reply of LongBench's length budgets comes near this many
# characters, so a longer text is model output gone wrong and scores 0 instead of stalling the run.
JIEBA_MAX_CHARS = 50_000


def normalize_answer(text: str) -> str:
    """Lower-case, drop punctuation and English articles, collapse whitespace (SQuAD-style)."""
    text = text.lower().translate(_DROP_PUNCT)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def normalize_zh_answer(text: str) -> str:
    """Lower-case, drop ASCII and Chinese punctuation (`ZH_PUNCT`) and every whitespace character."""
    return "".join(text.lower().translate(_DROP_ZH_PUNCT).split())


@lru_cache(maxsize=1)
def _jieba():
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)  # it announces building its dictionary on first use
    # A private tokenizer on the default dictionary: words other code adds to jieba's global one
    # must not change our scores.
    return jieba.Tokenizer()


def jieba_tokens(text: str) -> list[str]:
    """jieba's precise mode (HMM on, default dictionary), as LongBench's Chinese metrics cut text."""
    return list(_jieba().cut(text, cut_all=False, HMM=True))


def zh_tokens(text: str) -> list[str]:
    """jieba tokens, each Chinese-normalised, empty ones dropped: the words of the Chinese QA F1."""
    return [t for t in (normalize_zh_answer(tok) for tok in jieba_tokens(text)) if t]


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


def qa_f1_zh(prediction: str, answer: str, **_: object) -> float:
    """Token F1 over normalised jieba words (multifieldqa_zh); 0 for a text too long to cut."""
    if len(prediction) > JIEBA_MAX_CHARS or len(answer) > JIEBA_MAX_CHARS:
        return 0.0
    return token_f1(zh_tokens(prediction), zh_tokens(answer))


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence of two token lists.

    Bit-parallel (Crochemore et al. 2001): one machine-word operation per 64 tokens of the shorter list
    per token of the longer, so a 1 MB reply against a summary takes a fraction of a second.
    """
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return 0
    positions: dict[str, int] = {}
    for j, token in enumerate(b):
        positions[token] = positions.get(token, 0) | (1 << j)
    full = (1 << len(b)) - 1
    row = full  # a zero bit marks a column where the LCS grows
    for token in a:
        match = row & positions.get(token, 0)
        row = ((row + match) | (row - match)) & full
    return len(b) - row.bit_count()


def _lcs_f1(pred: Sequence[str], gold: Sequence[str]) -> float:
    lcs = lcs_length(pred, gold)
    if lcs == 0:
        return 0.0
    precision, recall = lcs / len(pred), lcs / len(gold)
    return 2 * precision * recall / (precision + recall)


def rouge_tokens(text: str) -> list[str]:
    """Lower-cased alphanumeric words: the tokens ROUGE-L is computed on."""
    return re.findall(r"[a-z0-9]+", text.lower())


def rouge_l(prediction: str, answer: str, **_: object) -> float:
    """ROUGE-L F1 (beta = 1): LCS of the two token sequences over their lengths.

    Our own LCS on lower-cased alphanumeric words, repeats counted (no stemming, no stop words); the
    upstream `rouge` package splits sentences on "." and counts distinct words (see paper_metrics).
    """
    return _lcs_f1(rouge_tokens(prediction), rouge_tokens(answer))


def rouge_l_zh(prediction: str, answer: str, **_: object) -> float:
    """ROUGE-L F1 over normalised jieba words (dureader, vcsum); 0 for a text too long to cut."""
    if len(prediction) > JIEBA_MAX_CHARS or len(answer) > JIEBA_MAX_CHARS:
        return 0.0
    return _lcs_f1(zh_tokens(prediction), zh_tokens(answer))


def classification_score(prediction: str, answer: str, all_classes: Sequence[str] | None = None, **_: object) -> float:
    """Class names mentioned in the prediction; 1/(number mentioned) if the gold class is among them.

    A mentioned class that is a strict substring of the gold class is not counted against it (so
    "Location" inside "Other location" does not halve the score), as upstream intends.
    """
    classes = [c for c in (all_classes or []) if isinstance(c, str)]
    mentioned = [c for c in classes if c and c in prediction]
    mentioned = [c for c in mentioned if not (c in answer and c != answer)]
    if answer in mentioned:
        return 1.0 / len(mentioned)
    return 0.0


def number_share(prediction: str, target: str) -> float:
    """Share of the digit runs in the prediction equal to `target` (0 when there are none)."""
    numbers = re.findall(r"\d+", prediction)
    if not numbers:
        return 0.0
    return sum(n == target for n in numbers) / len(numbers)


def retrieval_score(prediction: str, answer: str, **_: object) -> float:
    """Passage retrieval: the gold is "Paragraph N"; share of the numbers in the prediction equal to N."""
    match = re.search(r"Paragraph (\d+)", answer)
    return number_share(prediction, match.group(1)) if match else 0.0


def retrieval_zh_score(prediction: str, answer: str, **_: object) -> float:
    """Chinese passage retrieval: the gold is "段落N"; share of the numbers in the prediction equal to N."""
    match = re.search(r"段落(\d+)", answer)
    return number_share(prediction, match.group(1)) if match else 0.0


def count_score(prediction: str, answer: str, **_: object) -> float:
    """Passage count: share of the numbers in the prediction equal to the (stripped) gold count."""
    return number_share(prediction, str(answer).strip())


def first_code_line(prediction: str) -> str:
    """The first line that is not a comment or a code fence (lines holding `, # or // are skipped)."""
    for line in prediction.lstrip("\n").split("\n"):
        if "`" not in line and "#" not in line and "//" not in line:
            return line
    return ""


def code_sim(prediction: str, answer: str, **_: object) -> float:
    """Fuzzy ratio (rapidfuzz, 0-1, unrounded) between the first code line of the prediction and the gold."""
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
    "qa_f1_zh": qa_f1_zh,
    "rouge": rouge_l,
    "rouge_zh": rouge_l_zh,
    "classification": classification_score,
    "retrieval": retrieval_score,
    "retrieval_zh": retrieval_zh_score,
    "count": count_score,
    "code_sim": code_sim,
    "word_recall": word_recall,
}


def best_over_answers(metric: Callable[..., float], prediction: str, answers: Sequence[str], **kwargs: object) -> float:
    """The item score: the best metric value over all gold answers (0 when there are none)."""
    return max((metric(prediction, str(a), **kwargs) for a in answers), default=0.0)
