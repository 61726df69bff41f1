"""Needle in a haystack: recall of one planted sentence across context lengths x depths.

    from acbench.tasks.registry import make_task
    task = make_task("needle", lengths=(500, 1000), depths=(0, 50, 100))
    result = task.run(engine, task.load(), ResultStore(None))
    result.metrics["needle/score"], result.figures["needle_heatmap.png"]

One sample per grid cell (`len2000_depth50`). The context is built in `request`, with the engine's own
tokenizer, so a cell holds the same number of tokens whatever the model. Lengths beyond what the model
can hold (context minus room for the question, the chat template and the answer) are capped; the real
token count is recorded per cell.
"""

from __future__ import annotations

from statistics import mean

from acbench.engines.base import Engine, GenerationRequest
from acbench.scoring.text_metrics import word_recall
from acbench.tasks.base import Sample, SingleTurnTask, TaskResult
from acbench.tasks.needle.haystack import build_context, builtin_sentences, file_sentences
from acbench.tasks.needle.heatmap import heatmap_figure

DEFAULT_NEEDLE = "The secret ingredient in the harbour cafe's famous fish soup is smoked paprika and a spoon of honey."
DEFAULT_QUESTION = "What is the secret ingredient in the harbour cafe's famous fish soup?"
DEFAULT_ANSWER = "smoked paprika honey"

PROFILES = {
    "quick": {"lengths": (250, 500, 1000), "depths": (0, 50, 100)},
    "paper": {"lengths": (1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000), "depths": tuple(range(0, 101, 10))},
}

PROMPT = (
    "Read the document below. One sentence in it answers the question that follows.\n\n"
    "Document:\n{context}\n\n"
    "Question: {question}\n"
    "Answer in one short sentence, using only the document."
)

CHAT_OVERHEAD = 64  # tokens for the chat template and a default system message around the user turn


class NeedleTask(SingleTurnTask):
    """A lengths x depths grid; score = share of the answer's words found in the model's reply."""

    name = "needle"
    capability = "long_context"
    version = "1"
    batch_size = 4  # long prompts: small batches keep padding and memory down

    def __init__(
        self,
        profile: str = "quick",
        lengths: tuple[int, ...] | list[int] | None = None,
        depths: tuple[float, ...] | list[float] | None = None,
        needle: str = DEFAULT_NEEDLE,
        question: str = DEFAULT_QUESTION,
        answer: str = DEFAULT_ANSWER,
        max_new_tokens: int = 32,
    ):
        if profile not in PROFILES:
            raise ValueError(f"unknown profile '{profile}': use one of {sorted(PROFILES)}")
        self.profile = profile
        self.lengths = tuple(int(x) for x in (lengths or PROFILES[profile]["lengths"]))
        self.depths = tuple(float(x) for x in (depths if depths is not None else PROFILES[profile]["depths"]))
        if not self.lengths or not self.depths:
            raise ValueError("needle needs at least one length and one depth")
        if any(d < 0 or d > 100 for d in self.depths):
            raise ValueError(f"depths are percentages in [0, 100], got {self.depths}")
        if any(n <= 0 for n in self.lengths):
            raise ValueError(f"lengths are positive token counts, got {self.lengths}")
        self.needle, self.question, self.answer = needle, question, answer
        self.max_new_tokens = max_new_tokens
        self._sentences: tuple[str, ...] = ()
        self._haystack = "pydoc_data"
        self._counts: dict[int, dict[str, int]] = {}

    def load(self, source: str | None = None, limit: int | None = None) -> list[Sample]:
        """The grid cells. `source`: None (Python docs filler) or a plain-text file to use as filler."""
        if source is None:
            self._sentences, self._haystack = builtin_sentences(), "pydoc_data"
        else:
            self._sentences, self._haystack = file_sentences(source), str(source)
        samples = [
            Sample(
                id=f"len{length}_depth{depth:g}",
                data={"length": length, "depth": depth, "needle": self.needle, "question": self.question},
                target=self.answer,
            )
            for length in self.lengths
            for depth in self.depths
        ]
        return samples[:limit] if limit else samples

    def _count(self, engine: Engine):
        cache = self._counts.setdefault(id(engine), {})

        def count(text: str) -> int:
            if text not in cache:
                cache[text] = engine.count_tokens(text)
            return cache[text]

        return count

    def request(self, sample: Sample, engine: Engine) -> GenerationRequest:
        if not self._sentences:
            self._sentences = builtin_sentences()
        frame = PROMPT.format(context="", question=self.question)
        room = engine.max_context - engine.count_tokens(frame) - self.max_new_tokens - CHAT_OVERHEAD
        length = min(int(sample.data["length"]), room)
        placement = build_context(self._sentences, self.needle, length, sample.data["depth"], self._count(engine))
        # Recorded with the item (score() reads them back): what this cell really held.
        sample.data.update(
            context_tokens=placement.tokens,
            needle_depth=round(placement.needle_token_depth, 2),
            haystack=self._haystack,
        )
        prompt = PROMPT.format(context=placement.context, question=self.question)
        return GenerationRequest.from_prompt(prompt, max_new_tokens=self.max_new_tokens)

    def score(self, sample: Sample, prediction: str) -> dict:
        score = word_recall(prediction, str(sample.target))
        reason = None
        if not prediction.strip():
            reason = "empty output"
        elif score == 0.0:
            reason = "no answer word found in the output"
        return {
            "score": score,
            "length": sample.data["length"],
            "depth": sample.data["depth"],
            "context_tokens": sample.data.get("context_tokens"),
            "needle_depth": sample.data.get("needle_depth"),
            "parse_error": reason,
        }

    def aggregate(self, records: list[dict]) -> TaskResult:
        # x 100 like LongBench and LongGenBench, so the long_context tasks share one scale
        metrics: dict[str, float] = {"needle/score": 100.0 * mean(r["score"] for r in records) if records else 0.0}
        for length in sorted({r["length"] for r in records}):
            metrics[f"needle/len{length}"] = 100.0 * mean(r["score"] for r in records if r["length"] == length)
        for depth in sorted({r["depth"] for r in records}):
            metrics[f"needle/depth{depth:g}"] = 100.0 * mean(r["score"] for r in records if r["depth"] == depth)
        figures = {"needle_heatmap.png": heatmap_figure(records)} if records else {}
        return TaskResult(self.name, self.capability, records, metrics, "needle/score", figures)
