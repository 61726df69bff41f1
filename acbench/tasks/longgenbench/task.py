"""LongGenBench: K questions in one prompt, all answered in one long generation.

    from acbench.tasks.registry import make_task
    task = make_task("longgenbench", k_gsm8k=30, k_mmlu=20, samples_per_kind=10)
    result = task.run(engine, task.load(), ResultStore(None))
    result.metrics["longgenbench/gsm8k"], result.metrics["longgenbench/score"]

A sample packs K questions of one kind (GSM8K-style arithmetic or MMLU-style multiple choice) after
two worked examples; the model must reply `Answer_1: ... The answer is X`, `Answer_2: ...`, and so on.
Sample score = correct answers / K (a missing or unparseable answer is wrong).
"""

from __future__ import annotations

from statistics import mean

from acbench.engines.base import Engine, GenerationRequest
from acbench.tasks.base import Sample, SingleTurnTask, TaskResult
from acbench.tasks.longgenbench.dataset import BUILTIN, LETTERS, Question, pack, parse_answers, read_questions

PROFILES = {
    "quick": {"k_gsm8k": 5, "k_mmlu": 5, "samples_per_kind": 2},
    "paper": {"k_gsm8k": 30, "k_mmlu": 20, "samples_per_kind": 10},
}
TOKENS_PER_ANSWER = {"gsm8k": 64, "mmlu": 24}  # generation budget per question (worked arithmetic is longer)
KINDS = ("gsm8k", "mmlu")

INSTRUCTIONS = (
    "Answer every question below, in order, in one reply. Write each answer on its own line as "
    '"Answer_<number>: <short reasoning> The answer is <{what}>." and do not skip any question.\n\n'
)
EXAMPLES = {
    "gsm8k": (
        "Example questions:\n"
        "Question_1: Sam has 4 boxes with 6 pencils in each box. He gives away 5 pencils. How many pencils are left?\n"
        "Question_2: A ticket costs $8. How much do 3 tickets cost, in dollars?\n"
        "Example answers:\n"
        "Answer_1: 4 * 6 = 24 pencils, and 24 - 5 = 19. The answer is 19.\n"
        "Answer_2: 3 * 8 = 24 dollars. The answer is 24.\n\n"
    ),
    "mmlu": (
        "Example questions:\n"
        "Question_1: How many days are there in 3 weeks?\nA. 21\nB. 18\nC. 24\nD. 30\n"
        "Question_2: Which of these numbers is the smallest?\nA. 512\nB. 498\nC. 731\nD. 605\n"
        "Example answers:\n"
        "Answer_1: 3 * 7 = 21 days. The answer is A.\n"
        "Answer_2: 498 is below the others. The answer is B.\n\n"
    ),
}


def format_question(number: int, q: Question) -> str:
    lines = [f"Question_{number}: {q.text}"]
    lines += [f"{letter}. {choice}" for letter, choice in zip(LETTERS, q.choices)]
    return "\n".join(lines)


def build_prompt(kind: str, questions: list[Question]) -> str:
    what = "number" if kind == "gsm8k" else "letter A-D"
    body = "\n".join(format_question(i, q) for i, q in enumerate(questions, start=1))
    return INSTRUCTIONS.format(what=what) + EXAMPLES[kind] + f"Questions:\n{body}\n\nAnswers:"


class LongGenBenchTask(SingleTurnTask):
    """Packed GSM8K-style and MMLU-style questions; metrics `longgenbench/<kind>` and `longgenbench/score`."""

    name = "longgenbench"
    capability = "long_context"
    version = "1"
    batch_size = 4

    def __init__(
        self,
        profile: str = "quick",
        k_gsm8k: int | None = None,
        k_mmlu: int | None = None,
        samples_per_kind: int | None = None,
    ):
        if profile not in PROFILES:
            raise ValueError(f"unknown profile '{profile}': use one of {sorted(PROFILES)}")
        defaults = PROFILES[profile]
        self.profile = profile
        self.k = {"gsm8k": k_gsm8k or defaults["k_gsm8k"], "mmlu": k_mmlu or defaults["k_mmlu"]}
        self.samples_per_kind = samples_per_kind or defaults["samples_per_kind"]
        if min(self.k.values()) < 1 or self.samples_per_kind < 1:
            raise ValueError("K and samples_per_kind must be positive")

    def load(self, source: str | None = None, limit: int | None = None) -> list[Sample]:
        """Pack questions K to a sample. `source`: None (built-in) or a JSONL of GSM8K/MMLU rows.

        `limit` = samples per kind (default: the profile's `samples_per_kind`).
        """
        if source is None:
            questions = read_questions(BUILTIN["gsm8k"]) + read_questions(BUILTIN["mmlu"])
        else:
            questions = read_questions(source)
        per_kind = limit or self.samples_per_kind
        samples = []
        for kind in KINDS:
            of_kind = [q for q in questions if q.kind == kind]
            for i, group in enumerate(pack(of_kind, self.k[kind], per_kind)):
                samples.append(Sample(
                    id=f"{kind}-k{self.k[kind]}-{i}",
                    data={"kind": kind, "k": len(group), "prompt": build_prompt(kind, group)},
                    target=[q.answer for q in group],
                ))
        if not samples:
            raise ValueError(
                f"not enough questions in {source or 'the built-in suite'} for one sample of K={self.k}"
            )
        return samples

    def request(self, sample: Sample, engine: Engine) -> GenerationRequest:
        kind, k = sample.data["kind"], sample.data["k"]
        return GenerationRequest.from_prompt(
            sample.data["prompt"],
            max_new_tokens=k * TOKENS_PER_ANSWER[kind],
            stop=(f"Answer_{k + 1}:",),  # the model is past the last question
        )

    def score(self, sample: Sample, prediction: str) -> dict:
        kind, gold = sample.data["kind"], sample.target
        found = parse_answers(prediction, kind)
        correct = [found.get(i) == answer for i, answer in enumerate(gold, start=1)]
        answered = sum(i in found for i in range(1, len(gold) + 1))
        reason = None
        if answered == 0:
            reason = "no 'Answer_i: ... The answer is X' found"
        elif answered < len(gold):
            reason = f"{len(gold) - answered} of {len(gold)} answers missing or unparseable"
        return {
            "score": sum(correct) / len(gold),
            "kind": kind,
            "k": len(gold),
            "correct": correct,
            "answered": answered,
            "parsed": {str(i): v for i, v in sorted(found.items())},
            "parse_error": reason,
        }

    def aggregate(self, records: list[dict]) -> TaskResult:
        metrics: dict[str, float] = {}
        for kind in KINDS:
            rows = [r for r in records if r["kind"] == kind]
            if rows:
                metrics[f"longgenbench/{kind}"] = 100.0 * mean(r["score"] for r in rows)
        metrics["longgenbench/score"] = mean(metrics.values()) if metrics else 0.0
        if records:  # share of questions with a parseable answer: long generations that stop early show here
            metrics["longgenbench/answered"] = 100.0 * sum(r["answered"] for r in records) / sum(r["k"] for r in records)
        return TaskResult(self.name, self.capability, records, metrics, "longgenbench/score")
