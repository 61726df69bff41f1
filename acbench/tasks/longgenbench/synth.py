"""Our own GSM8K-style word problems and MMLU-style multiple-choice questions, with computed answers.

    python -m acbench.tasks.longgenbench.synth      # rewrites data/gsm8k_style.jsonl and data/mmlu_style.jsonl

Rows use the upstream formats so the same loader reads them and real files:
GSM8K `{"question", "answer": "<worked solution> #### 42"}`; MMLU `{"question", "subject", "choices": [4],
"answer": <index 0-3>}`. Deterministic (fixed seed).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
NAMES = ["Ana", "Ben", "Chloe", "Dev", "Emma", "Femi", "Gus", "Hana", "Ivan", "Jade", "Kofi", "Lena", "Milo", "Nora"]


def _word_problem(rng: random.Random) -> tuple[str, str, int]:
    """One problem: (question, worked solution, integer answer)."""
    who = rng.choice(NAMES)
    kind = rng.randrange(8)
    if kind == 0:
        a, d, s = rng.randint(6, 30), rng.randint(3, 9), rng.randint(5, 40)
        total = a * d
        s = min(s, total - 1)
        return (f"{who} bakes {a} loaves of bread every day for {d} days and gives away {s} of them. "
                f"How many loaves are left?", f"{who} bakes {a} * {d} = {total} loaves. {total} - {s} = {total - s}.",
                total - s)
    if kind == 1:
        p, n = rng.randint(2, 15), rng.randint(2, 8)
        paid = p * n + rng.randint(1, 50)
        return (f"A notebook costs ${p}. {who} buys {n} notebooks and pays with ${paid}. How much change does "
                f"{who} get, in dollars?", f"The notebooks cost {p} * {n} = {p * n}. Change = {paid} - {p * n} = "
                f"{paid - p * n}.", paid - p * n)
    if kind == 2:
        r, h = rng.randint(30, 90), rng.randint(2, 6)
        m = rng.choice([0, 30])
        dist = r * h + r * m // 60
        tail = f" and {m} minutes" if m else ""
        return (f"A train travels at {r} km per hour for {h} hours{tail}. How many kilometres does it travel?",
                f"{r} * {h} = {r * h} km" + (f", plus {r * m // 60} km for the minutes: {dist}." if m else "."), dist)
    if kind == 3:
        e, q = rng.randint(2, 9), rng.randint(3, 12)
        g = rng.randint(1, e * q - 1)
        b = e * q - g
        return (f"{who} has {b} marbles. A friend gives {who} {g} more. {who} then shares all the marbles equally "
                f"among {e} children. How many marbles does each child get?",
                f"{b} + {g} = {e * q}. {e * q} / {e} = {q}.", q)
    if kind == 4:
        w, l = rng.randint(3, 20), rng.randint(3, 20)
        return (f"A garden is {w} metres wide and {l} metres long. What is its perimeter in metres?",
                f"2 * ({w} + {l}) = {2 * (w + l)}.", 2 * (w + l))
    if kind == 5:
        base, pct = rng.choice([40, 60, 80, 120, 200, 250]), rng.choice([10, 20, 25, 50])
        off = base * pct // 100
        return (f"A jacket costs ${base}. It is on sale for {pct}% off. What is the sale price in dollars?",
                f"{pct}% of {base} is {off}. {base} - {off} = {base - off}.", base - off)
    if kind == 6:
        x, y, z = rng.randint(5, 25), rng.randint(5, 25), rng.randint(5, 25)
        return (f"{who} reads {x} pages on Monday, {y} pages on Tuesday and {z} pages on Wednesday. How many pages "
                f"does {who} read in total?", f"{x} + {y} + {z} = {x + y + z}.", x + y + z)
    c, k, eaten = rng.randint(3, 9), rng.randint(4, 12), rng.randint(1, 10)
    eaten = min(eaten, c * k - 1)
    return (f"There are {c} boxes with {k} cookies in each box. The children eat {eaten} cookies. How many cookies "
            f"remain?", f"{c} * {k} = {c * k}. {c * k} - {eaten} = {c * k - eaten}.", c * k - eaten)


def gsm8k_rows(n: int, seed: int = 0) -> list[dict]:
    """`n` distinct word problems in GSM8K row format."""
    rng, seen, rows = random.Random(f"gsm8k-{seed}"), set(), []
    while len(rows) < n:
        question, solution, answer = _word_problem(rng)
        if question not in seen:
            seen.add(question)
            rows.append({"question": question, "answer": f"{solution}\n#### {answer}"})
    return rows


DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
UNITS = [("centimetres", "metres", 100), ("grams", "kilograms", 1000), ("minutes", "hours", 60),
         ("seconds", "minutes", 60), ("millilitres", "litres", 1000), ("months", "years", 12)]


def _choice_question(rng: random.Random) -> tuple[str, str, str, list]:
    """(subject, question, correct option, three wrong options)."""
    kind = rng.randrange(5)
    if kind == 0:
        a, b = rng.randint(11, 49), rng.randint(3, 12)
        right = a * b
        return "elementary_mathematics", f"What is {a} x {b}?", str(right), [str(right + d) for d in (-b, b, 10)]
    if kind == 1:
        small, big, factor = rng.choice(UNITS)
        q = rng.randint(2, 9)
        right = q * factor
        wrong = [str(right // 10), str(right * 10), str(right + factor)]
        return "units", f"How many {small} are there in {q} {big}?", str(right), wrong
    if kind == 2:
        nums = rng.sample(range(100, 999), 4)
        right = max(nums)
        return "numbers", "Which of these numbers is the largest?", str(right), [str(x) for x in nums if x != right]
    if kind == 3:
        start, plus = rng.randrange(7), rng.randint(2, 20)
        right = DAYS[(start + plus) % 7]
        wrong = rng.sample([d for d in DAYS if d != right], 3)
        return "calendar", f"If today is {DAYS[start]}, what day of the week will it be in {plus} days?", right, wrong
    a, b = rng.randint(2, 30), rng.randint(2, 30)
    right = a + b if rng.random() < 0.5 else abs(a - b)
    op = "sum" if right == a + b else "positive difference"
    wrong = [str(right + 1), str(right + 2), str(right + 10)]
    return "elementary_mathematics", f"What is the {op} of {a} and {b}?", str(right), wrong


def mmlu_rows(n: int, seed: int = 0) -> list[dict]:
    """`n` distinct multiple-choice questions in MMLU row format (answer = index of the right choice)."""
    rng, seen, rows = random.Random(f"mmlu-{seed}"), set(), []
    while len(rows) < n:
        subject, question, right, wrong = _choice_question(rng)
        wrong = [w for w in dict.fromkeys(wrong) if w != right][:3]
        if question in seen or len(wrong) < 3:
            continue
        seen.add(question)
        choices = wrong + [right]
        rng.shuffle(choices)
        rows.append({"question": question, "subject": subject, "choices": choices, "answer": choices.index(right)})
    return rows


def main(out_dir: Path = DATA_DIR) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, rows in (("gsm8k_style.jsonl", gsm8k_rows(300)), ("mmlu_style.jsonl", mmlu_rows(200))):
        with (out_dir / name).open("w", encoding="utf-8") as f:
            f.writelines(json.dumps(r) + "\n" for r in rows)
        print(f"wrote {out_dir / name}")


if __name__ == "__main__":
    main()
