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

import re

from statistics import mean

from acbench.engines.base import Engine, GenerationRequest
from acbench.errors import ConfigError
from acbench.metrics import Headline
from acbench.tasks.base import ItemScore, Sample, SingleTurnTask, TaskResult, check_scoring, headline_key
from acbench.tasks.longgenbench.dataset import BUILTIN, LETTERS, Question, pack, parse_answers, read_questions
from acbench.tasks.longgenbench.paper import dataset_score, paper_gold, paper_sample_score
from acbench.tasks.longgenbench.prompts import FIRST_NUMBER, paper_prompt

PROFILES = {
    "quick": {"k_gsm8k": 5, "k_mmlu": 5, "samples_per_kind": 2, "prompt_format": "acbench"},
    "paper": {"k_gsm8k": 30, "k_mmlu": 20, "samples_per_kind": None, "prompt_format": "paper"},
}
TOKENS_PER_ANSWER = {"gsm8k": 64, "mmlu": 24}  # generation budget per question (worked arithmetic is longer)
KINDS = ("gsm8k", "mmlu")
CHANCE = {"gsm8k": 0.0, "mmlu": 25.0}  # a uniform guess among four letters gets a quarter right
CHAT_OVERHEAD = 64  # tokens of chat template around the system and user turns

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


def gold_reasoning(question: Question) -> str:
    """A GSM8K solution as one line of reasoning: the text before '#### N', calculator notes `<<...>>` removed."""
    if question.kind != "gsm8k" or not question.raw_answer:
        return ""
    text = re.sub(r"<<[^>]*>>", "", question.raw_answer.split("####")[0])
    return " ".join(text.split())


def build_prompt(kind: str, questions: list[Question]) -> str:
    what = "number" if kind == "gsm8k" else "letter A-D"
    body = "\n".join(format_question(i, q) for i, q in enumerate(questions, start=1))
    return INSTRUCTIONS.format(what=what) + EXAMPLES[kind] + f"Questions:\n{body}\n\nAnswers:"


def paper_groups(kind: str, questions: list[Question], k: int) -> list[list[Question]]:
    """The paper's packing: GSM8K in file order, K at a time, the short last group kept; MMLU the first K
    questions of each subject (subjects sorted by name, as upstream's subject list)."""
    if kind == "gsm8k":
        return [questions[i : i + k] for i in range(0, len(questions), k)]
    subjects: dict[str, list[Question]] = {}
    for q in questions:
        subjects.setdefault(q.subject, []).append(q)
    return [subjects[name][:k] for name in sorted(subjects)]


class LongGenBenchTask(SingleTurnTask):
    """Packed GSM8K-style and MMLU-style questions; metrics `longgenbench/<kind>` and `longgenbench/score`."""

    name = "longgenbench"
    headline = Headline("score")  # 0-100
    version = "2"
    batch_size = 4  # long prompts and long answers: at most 4 side by side keeps the KV cache's memory down

    def __init__(
        self,
        profile: str = "quick",
        k_gsm8k: int | None = None,
        k_mmlu: int | None = None,
        samples_per_kind: int | None = None,
        prompt_format: str | None = None,
        scoring: str = "paper",
    ):
        if profile not in PROFILES:
            raise ConfigError(f"unknown profile '{profile}': use one of {sorted(PROFILES)}")
        defaults = PROFILES[profile]
        self.profile = profile
        self.scoring = check_scoring(scoring)
        self.k = {"gsm8k": k_gsm8k or defaults["k_gsm8k"], "mmlu": k_mmlu or defaults["k_mmlu"]}
        self.samples_per_kind = samples_per_kind or defaults["samples_per_kind"]
        self.prompt_format = prompt_format or defaults["prompt_format"]
        if self.prompt_format not in ("acbench", "paper"):
            raise ConfigError(f"prompt_format must be 'acbench' or 'paper', got {self.prompt_format!r}")
        if min(self.k.values()) < 1 or (self.samples_per_kind is not None and self.samples_per_kind < 1):
            raise ConfigError("K and samples_per_kind must be positive")

    def load(self, source: str | None = None, limit: int | None = None) -> list[Sample]:
        """Pack questions K to a sample. `source`: None (built-in) or a JSONL of GSM8K/MMLU rows.

        `limit` = samples per kind (default: the profile's `samples_per_kind`; paper: all).
        """
        if source is None:
            questions = read_questions(BUILTIN["gsm8k"]) + read_questions(BUILTIN["mmlu"])
        else:
            questions = read_questions(source)
        per_kind = limit or self.samples_per_kind
        paper = self.prompt_format == "paper"
        samples = []
        for kind in KINDS:
            of_kind = [q for q in questions if q.kind == kind]
            groups = paper_groups(kind, of_kind, self.k[kind]) if paper else pack(of_kind, self.k[kind])
            for i, group in enumerate(groups[:per_kind]):
                system, prompt = paper_prompt(kind, group) if paper else (None, build_prompt(kind, group))
                samples.append(Sample(
                    id=f"{kind}-k{self.k[kind]}-{i}",
                    data={"kind": kind, "k": len(group), "prompt": prompt, "system": system,
                          "first": FIRST_NUMBER[kind] if paper else 1, "format": self.prompt_format,
                          # the golds as the paper's evaluator reads them ('#### N' digits; MMLU letters)
                          "paper_gold": [paper_gold(q.raw_answer) if kind == "gsm8k" else q.answer for q in group],
                          "gold_reasoning": [gold_reasoning(q) for q in group]},
                    target=[q.answer for q in group],
                ))
        if not samples:
            raise ConfigError(
                f"not enough questions in {source or 'the built-in suite'} for one sample of K={self.k}"
            )
        return samples

    def request(self, sample: Sample, engine: Engine) -> GenerationRequest:
        kind, k = sample.data["kind"], sample.data["k"]
        if sample.data.get("format") != "paper":
            return GenerationRequest.from_prompt(
                sample.data["prompt"],
                max_new_tokens=k * TOKENS_PER_ANSWER[kind],
                stop=(f"Answer_{k + 1}:",),  # the model is past the last question
            )
        # Upstream: 4,096 new tokens when K is 30, else 7,950; greedy; stops at EOS only. Capped by what the
        # model holds next to the prompt (upstream's models had 32k tokens).
        budget = 4096 if self.k[kind] == 30 else 7950
        used = engine.count_tokens(sample.data["system"]) + engine.count_tokens(sample.data["prompt"])
        budget = max(1, min(budget, engine.max_context - used - CHAT_OVERHEAD))
        return GenerationRequest.from_prompt(sample.data["prompt"], system=sample.data["system"], max_new_tokens=budget)

    def gold_references(self, sample: Sample) -> tuple[str, ...]:
        """All K gold answers in the order and form the prompt asks: `Answer_<i>: <reasoning> The answer is <X>.`
        (GSM8K's reasoning is its solution text; MMLU has none, so its answers carry the letter only)."""
        reasons = sample.data.get("gold_reasoning") or [""] * len(sample.target)
        first = sample.data.get("first", 1)
        return ("\n".join(f"Answer_{first + i}: {why + ' ' if why else ''}The answer is {answer}."
                           for i, (why, answer) in enumerate(zip(reasons, sample.target))),)

    def score(self, sample: Sample, prediction: str) -> dict:
        kind, gold = sample.data["kind"], sample.target
        prediction = prediction if isinstance(prediction, str) else ""
        found = parse_answers(prediction, kind, sample.data.get("first", 1))
        correct = [found.get(i) == answer for i, answer in enumerate(gold, start=1)]
        answered = sum(i in found for i in range(1, len(gold) + 1))
        reason = None
        if answered == 0:
            reason = "no 'Answer_i: ... The answer is X' found"
        elif answered < len(gold):
            reason = f"{len(gold) - answered} of {len(gold)} answers missing or unparseable"
        expected = sample.data.get("paper_gold") or list(gold)
        paper, paper_found = paper_sample_score(kind, expected, prediction)
        return {
            "score": paper,
            "score_strict": sum(correct) / len(gold),
            "kind": kind,
            "k": len(gold),
            "correct": correct,
            "answered": answered,
            "parsed": {str(i): v for i, v in sorted(found.items())},
            "paper_expected": expected,
            "paper_found": paper_found[:len(expected) + 5],  # extra answers are ignored; keep records small
            "paper_reason": None,  # upstream neither crashes nor skips on any reply
            "parse_error": reason,
        }

    def aggregate(self, records: list[dict]) -> TaskResult:
        metrics: dict[str, float] = {}
        kinds = [kind for kind in KINDS if any(r["kind"] == kind for r in records)]
        for kind in kinds:
            rows = [r for r in records if r["kind"] == kind]
            metrics[f"longgenbench/{kind}"] = dataset_score([r["score"] for r in rows])  # round(100 x mean, 4)
            metrics[f"longgenbench/{kind}_strict"] = 100.0 * mean(r["score_strict"] for r in rows)
        # The combined score is acbench's (upstream reports the kinds only): the mean of the unrounded kind
        # means, so that it decomposes exactly into items (ItemScore).
        key = "score" if self.scoring == "paper" else "score_strict"
        items = [ItemScore(str(r["id"]), 100.0 * r[key], r["kind"]) for r in records]
        metrics["longgenbench/score"] = _macro([100.0 * r["score"] for r in records], records)
        metrics["longgenbench/score_strict"] = _macro([100.0 * r["score_strict"] for r in records], records)
        if records:  # share of questions with a parseable answer: long generations that stop early show here
            metrics["longgenbench/answered"] = 100.0 * sum(r["answered"] for r in records) / sum(r["k"] for r in records)
        floor = mean(CHANCE[kind] for kind in kinds) if kinds else 0.0
        return TaskResult(self.name, self.capability, records, metrics, headline_key("longgenbench/score", self.scoring),
                          items=items, floor=floor)


def _macro(values: list[float], records: list[dict]) -> float:
    """Mean over kinds of the mean value per kind (0 without records)."""
    per_kind: dict[str, list[float]] = {}
    for value, record in zip(values, records):
        per_kind.setdefault(record["kind"], []).append(value)
    return mean(mean(v) for v in per_kind.values()) if per_kind else 0.0
