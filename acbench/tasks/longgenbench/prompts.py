"""The paper profile's LongGenBench prompts: the upstream layout, in acbench's own words and exemplars.

    system, user = paper_prompt("gsm8k", questions)   # user numbers the questions from 9 (MMLU: from 6)

Layout as in the paper's generation (`run_longgenbench.py`, `data_gen/longgenbench_*.py`): the user text is
"Examples: \\n" + exemplars (all questions `Question_i: \\n...`, then all answers `Answer_i:\\n... The answer
is X.`) + "\\n\\nFollowing Question: \\n" + `Question_<n>:\\n<question>\\n` per question + "\\n". The system text
asks for step-by-step answers that start with 'Answer_' and end with 'The answer is'. Upstream's MMLU system
text ends in "about " with no subject (the subject was appended after use); ours keeps that quirk. The
exemplars and wording are our own: the upstream exemplar files are not copied.
"""

from __future__ import annotations

from acbench.tasks.longgenbench.dataset import LETTERS, Question

FIRST_NUMBER = {"gsm8k": 9, "mmlu": 6}  # the exemplars take the numbers below

SYSTEM = (
    "Work through every question step by step, following the format of the examples. Begin each response "
    "with 'Answer_' and its number and state the final result after 'The answer is'. Do not restate the "
    "questions. Answer all of the questions given, however many there are."
)
SYSTEM_MMLU_TAIL = " What follows are multiple choice questions (with answers) about "

GSM8K_EXEMPLARS = [
    ("A baker makes 24 rolls and sells 17 of them. How many rolls are left?",
     ["The baker starts with 24 rolls.", "17 are sold, so 24 - 17 = 7 remain."], "7"),
    ("A bus has 12 passengers. At the next stop 9 more get on. How many passengers are on the bus now?",
     ["There are 12 passengers at first.", "12 + 9 = 21."], "21"),
    ("Mia reads 15 pages a day for 4 days. How many pages does she read?",
     ["Each day is 15 pages.", "Over 4 days that is 15 * 4 = 60 pages."], "60"),
    ("A box of 36 crayons is shared equally among 4 children. How many crayons does each child get?",
     ["36 crayons split 4 ways.", "36 / 4 = 9."], "9"),
    ("Tom had $50. He bought a shirt for $18 and a cap for $12. How much money does he have left?",
     ["He spent 18 + 12 = 30 dollars.", "50 - 30 = 20 dollars are left."], "20"),
    ("A garden has 6 rows of 8 tulips. 5 tulips wilt. How many tulips are still fine?",
     ["There are 6 * 8 = 48 tulips.", "48 - 5 = 43."], "43"),
    ("A train leaves with 120 seats filled. Half of the passengers get off at the first stop and 14 get on. "
     "How many seats are filled now?",
     ["Half of 120 is 60, so 60 stay.", "60 + 14 = 74."], "74"),
    ("Lena saves $5 every week. How many weeks does she need to save $65?",
     ["Each week adds 5 dollars.", "65 / 5 = 13 weeks."], "13"),
]

MMLU_EXEMPLARS = [
    ("Which gas do plants take in from the air to make sugar?", ("Oxygen", "Carbon dioxide", "Nitrogen", "Helium"),
     "Photosynthesis turns carbon dioxide and water into sugar.", "B"),
    ("What is 15% of 200?", ("15", "20", "30", "35"), "15% of 200 is 0.15 * 200 = 30.", "C"),
    ("Which of these is a prime number?", ("21", "27", "33", "29"), "21, 27 and 33 have divisors 3; 29 has none.", "D"),
    ("In which organ of the human body is bile produced?", ("Liver", "Stomach", "Kidney", "Pancreas"),
     "Bile is made in the liver and stored in the gallbladder.", "A"),
    ("A contract signed by a person forced by threats is usually", ("valid", "voidable", "illegal", "notarised"),
     "Duress lets the threatened party undo the contract, so it is voidable.", "B"),
]


def mmlu_question_text(q: Question) -> str:
    """An MMLU question as upstream wrote it: the question, a newline, then `(A) x(B) y(C) z(D) w`."""
    return q.text + "\n" + "".join(f"({letter}) {choice}" for letter, choice in zip(LETTERS, q.choices))


def _exemplars(kind: str) -> str:
    if kind == "gsm8k":
        questions = [f"Question_{i}: \n{q}\n\n" for i, (q, _, _) in enumerate(GSM8K_EXEMPLARS, 1)]
        answers = [f"Answer_{i}:\n" + "\n".join(lines) + f"\nThe answer is {a}." for i, (_, lines, a) in
                   enumerate(GSM8K_EXEMPLARS, 1)]
        return "".join(questions) + "\n\n".join(answers)
    questions = [f"Question_{i}:\n{q}\n" + " ".join(f"({x}) {c}" for x, c in zip(LETTERS, choices)) + "\n\n"
                 for i, (q, choices, _, _) in enumerate(MMLU_EXEMPLARS, 1)]
    answers = [f"Answer_{i}:\n{why} The answer is ({a}).\n\n" for i, (_, _, why, a) in enumerate(MMLU_EXEMPLARS, 1)]
    return "".join(questions) + "".join(answers)


def paper_prompt(kind: str, questions: list[Question]) -> tuple[str, str]:
    """(system text, user text) in the upstream layout, questions numbered from `FIRST_NUMBER[kind]`."""
    system = SYSTEM + (SYSTEM_MMLU_TAIL if kind == "mmlu" else "")
    user = "Examples: \n" + _exemplars(kind) + "\n\nFollowing Question: \n"
    for number, q in enumerate(questions, start=FIRST_NUMBER[kind]):
        text = mmlu_question_text(q) if kind == "mmlu" else q.text
        user += f"Question_{number}:\n{text}\n"
    return system, user + "\n"
