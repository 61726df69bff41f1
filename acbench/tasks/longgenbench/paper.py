"""Paper-exact LongGenBench scoring and prompt layout (specs/paper-scoring.md section 3).

    from acbench.tasks.longgenbench.paper import paper_gold, find_answers, paper_sample_score
    paper_gold("6 * 5 = 30\\n#### 30")                              # "30"
    find_answers("Answer_9: ... so the answer is 30.", "gsm8k")    # ["30"]
    paper_sample_score("gsm8k", ["30", "7"], reply)                 # correct / K, found answers

The evaluator the paper ran finds answers with a lazy "Answer_<n>: ... answer is X" regex over the whole
reply and pairs them with the golds by position. Python's `re` rescans the rest of the reply from every
"Answer_" mark when nothing follows, which is quadratic on degenerate replies; the scans below give the
same matches (tested against the regex on generated replies) in linear time. They use `re` only for
pieces that cannot backtrack far, so `\\d` and `\\s` keep exactly the regex's Unicode classes.
"""

from __future__ import annotations

import re

_GOLD = re.compile(r"####\s*(\d+)")
_MARK = re.compile(r"Answer_\d+:")
_GSM8K_FINAL = re.compile(r"answer is (\d+)")
_SPACE = re.compile(r"\s*")
_MMLU_OPEN = "answer is ("


def paper_gold(raw_answer: str) -> str | None:
    """The GSM8K gold as the paper read it: the digits after the first '####' followed by digits.

    A negative gold gives None ('#### -5'), '1,000' gives '1'; None never equals a found answer.
    """
    match = _GOLD.search(str(raw_answer))
    return match.group(1) if match else None


def find_gsm8k(reply: str) -> list[str]:
    """Every non-overlapping `Answer_<n>: <anything, newlines too> answer is <digits>`, in order.

    An answer with no 'answer is <digit>' runs on into the next answer and takes its number.
    """
    found, pos = [], 0
    while True:
        mark = _MARK.search(reply, pos)
        if mark is None:
            return found
        final = _GSM8K_FINAL.search(reply, mark.end())
        if final is None:  # nothing later can match either
            return found
        found.append(final.group(1))
        pos = final.end()


class _NextFind:
    """`text.find(needle, start)` (len(text) when absent) for non-decreasing starts: each scan starts
    past the previous hit, so the text is scanned about once in all."""

    def __init__(self, text: str, needle: str):
        self.text, self.needle, self.hit = text, needle, -1

    def __call__(self, start: int) -> int:
        if self.hit < start:
            found = self.text.find(self.needle, start)
            self.hit = found if found != -1 else len(self.text)
        return self.hit


def find_mmlu(reply: str) -> list[str]:
    """Every non-overlapping `Answer_<n>:<whitespace><one line> answer is (<X>)`; X = text up to the first ')'.

    The whitespace after the colon may hold newlines; after it, the match must stay on one line.
    """
    next_newline, next_open, next_close = _NextFind(reply, "\n"), _NextFind(reply, _MMLU_OPEN), _NextFind(reply, ")")
    found, pos = [], 0
    while True:
        mark = _MARK.search(reply, pos)
        if mark is None:
            return found
        start = _SPACE.match(reply, mark.end()).end()
        line_end = next_newline(start)
        opened = next_open(start)
        if opened < line_end:
            inner = opened + len(_MMLU_OPEN)
            close = next_close(inner)
            if close < line_end:
                found.append(reply[inner:close])
                pos = close + 1
                continue
        pos = mark.start() + 1  # this mark gives nothing: the regex tries the next position


def find_answers(reply: str, kind: str) -> list[str]:
    """The answers the paper's evaluator finds in a reply, in order."""
    return find_gsm8k(reply) if kind == "gsm8k" else find_mmlu(reply)


def paper_sample_score(kind: str, expected: list[str | None], reply: str) -> tuple[float, list[str]]:
    """correct / K with golds and found answers paired by position (the shorter list decides); found answers."""
    found = find_answers(reply if isinstance(reply, str) else "", kind)
    correct = sum(1 for gold, answer in zip(expected, found) if gold == answer)
    return (correct / len(expected) if expected else 0.0), found


def dataset_score(sample_scores: list[float]) -> float:
    """The per-dataset number the paper reports: round(100 x mean, 4)."""
    return round(100.0 * sum(sample_scores) / len(sample_scores), 4) if sample_scores else 0.0
