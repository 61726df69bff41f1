"""LongGenBench items: questions read from GSM8K / MMLU rows, packed K to a prompt; answer parsing.

    from acbench.tasks.longgenbench.dataset import read_questions, pack, parse_answers
    questions = read_questions("gsm8k/test.jsonl")           # [Question(kind="gsm8k", ...), ...]
    groups = pack(questions, k=30, n=10)                     # 10 prompts of 30 questions each
    parse_answers("Answer_1: 2 + 2 = 4. The answer is 4.", kind="gsm8k")   # {1: "4"}

A question row is either GSM8K-style `{"question", "answer": "... #### 42"}` (the answer may also be a
bare number) or MMLU-style `{"question", "choices": [four options], "answer": 0-3 or "A"-"D"}`; an
optional `"kind"` ("gsm8k" | "mmlu") overrides the guess from the fields.
"""

from __future__ import annotations

import json
import math
import re
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path

from acbench.errors import ACBenchError

LETTERS = "ABCD"
BUILTIN = {"gsm8k": Path(__file__).parent / "data" / "gsm8k_style.jsonl",
           "mmlu": Path(__file__).parent / "data" / "mmlu_style.jsonl"}


class LongGenBenchDataError(ACBenchError):
    """A question file that cannot be read, with what is wrong."""


@dataclass(frozen=True)
class Question:
    """One question and its gold answer: a number (as text) for gsm8k, a letter for mmlu.

    `raw_answer` is the gold as the file writes it (GSM8K: the whole solution with its '#### N'), which the
    paper's evaluator reads; `subject` groups MMLU questions in the paper's packing.
    """

    kind: str
    text: str
    answer: str
    choices: tuple[str, ...] = ()
    raw_answer: str = ""
    subject: str = ""


def normalize_number(text: str) -> str | None:
    """'1,200.50' -> '1200.5', '$42' -> '42'; None if there is no number."""
    match = re.search(r"-?\d[\d,]*(?:\.\d+)?", text)
    if not match:
        return None
    value = float(match.group().replace(",", ""))
    if not math.isfinite(value):  # hundreds of digits: no answer anyone meant
        return None
    return str(int(value)) if value == int(value) else f"{value:g}"


def row_to_question(row: dict, where: str) -> Question:
    if "question" not in row or "answer" not in row:
        raise LongGenBenchDataError(f"{where}: a row needs 'question' and 'answer'")
    kind = row.get("kind") or ("mmlu" if "choices" in row else "gsm8k")
    if kind == "mmlu":
        choices = tuple(str(c) for c in row.get("choices") or ())
        if len(choices) != 4:
            raise LongGenBenchDataError(f"{where}: an MMLU row needs four choices")
        gold = row["answer"]
        letter = LETTERS[gold] if isinstance(gold, int) and 0 <= gold < 4 else str(gold).strip().upper()
        if letter not in LETTERS:
            raise LongGenBenchDataError(f"{where}: MMLU answer must be 0-3 or A-D, got {gold!r}")
        return Question("mmlu", str(row["question"]), letter, choices, letter, str(row.get("subject") or ""))
    if kind != "gsm8k":
        raise LongGenBenchDataError(f"{where}: unknown kind {kind!r} (gsm8k or mmlu)")
    gold = str(row["answer"])
    number = normalize_number(gold.split("####")[-1])  # GSM8K: the final answer follows '####'
    if number is None:
        raise LongGenBenchDataError(f"{where}: no numeric answer in {gold[-60:]!r}")
    return Question("gsm8k", str(row["question"]), number, raw_answer=gold)


def read_questions(path: str | Path) -> list[Question]:
    """Questions of a JSONL file (GSM8K-style and/or MMLU-style rows, in file order)."""
    path = Path(path)
    if not path.is_file():
        raise LongGenBenchDataError(f"LongGenBench question file not found: {path}")
    out = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if line.strip():
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as err:
                    raise LongGenBenchDataError(f"{path}:{n}: not valid JSON ({err.msg})") from err
                out.append(row_to_question(row, f"{path}:{n}"))
    return out


def pack(questions: list[Question], k: int, n: int | None = None) -> list[list[Question]]:
    """Consecutive groups of `k` questions (a shorter last group is dropped), at most `n` groups."""
    groups = [questions[i : i + k] for i in range(0, len(questions) - k + 1, k)]
    return groups[:n] if n is not None else groups


_ANSWER = re.compile(r"Answer_(\d+)\s*[:.]", re.IGNORECASE)
_FINAL = re.compile(r"answer is\s*[:\s]*", re.IGNORECASE)


def extract_final(segment: str, kind: str) -> str | None:
    """The value after the last 'The answer is' in one answer segment (a number or a letter A-D)."""
    ends = [m.end() for m in _FINAL.finditer(segment)]
    return _value(segment[ends[-1] :], kind) if ends else None


def _value(tail: str, kind: str) -> str | None:
    tail = tail.strip()
    if kind == "mmlu":
        letter = re.match(r"[(\[]?([A-D])\b", tail)
        return letter.group(1) if letter else None
    return normalize_number(tail.split("\n")[0])


def parse_answers(text: str, kind: str, first: int = 1) -> dict[int, str]:
    """Map question number -> extracted answer, from `Answer_i: ... The answer is X` segments.

    Answers are matched by the number the model wrote (`Answer_<first - 1 + i>` answers question i), whatever
    their order in the text; if a number repeats, the first of its segments that gives an answer counts.
    """
    marks = list(_ANSWER.finditer(text))
    # 'answer is' marks never straddle an 'Answer_<n>:' mark, so one scan of the whole text finds each
    # segment's last one (by bisection) exactly as a scan per segment would, in linear time.
    finals = [(m.start(), m.end()) for m in _FINAL.finditer(text)] if marks else []
    final_ends = [end for _, end in finals]
    found: dict[int, str] = {}
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        if len(mark.group(1)) > 9:  # no real question number; int() refuses thousands of digits
            continue
        number = int(mark.group(1)) - (first - 1)
        if number in found:
            continue
        last = bisect_right(final_ends, end) - 1
        if last < 0 or finals[last][0] < mark.end():
            continue
        value = _value(text[finals[last][1] : end], kind)
        if value is not None:
            found[number] = value
    return found
