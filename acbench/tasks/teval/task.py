"""T-Eval tool-use benchmark (six abilities, string and JSON formats) as a single-turn task.

    from acbench.tasks.teval import TEvalTask
    task = TEvalTask(profile="quick")
    samples = task.load()                        # built-in suite; or a directory / file / hub id
    result = task.run(engine, samples, ResultStore("teval.jsonl"))
    result.metrics["overall"], result.metrics["plan/json"]
"""

from __future__ import annotations

from acbench.engines.base import Engine, GenerationRequest
from acbench.scoring.embeddings import DEFAULT_EMBEDDING_MODEL, get_embedder
from acbench.tasks.base import Sample, SingleTurnTask, TaskResult
from acbench.tasks.teval.dataset import KINDS, balanced_subset, load_samples, to_messages
from acbench.tasks.teval.metrics import ability_figure, aggregate_metrics
from acbench.tasks.teval.scorer import score_instruct, score_plan, score_review, score_rru

PROFILES = {"quick": 1, "paper": None}  # items per (file, format) group; None = all
# Generation budgets per file kind: the quick profile is sized for a 2-core CPU.
QUICK_TOKENS = {"instruct": 96, "plan_json": 160, "plan_str": 160, "reason_retrieve_understand_json": 96,
                "reason_str": 64, "retrieve_str": 32, "understand_str": 64, "review_str": 32}
PAPER_TOKENS = 512
# Never part of a valid answer: a model that goes on to invent the tool's reply or the next user turn.
STOP = ("\nObservation:", "\nUser:")


class TEvalTask(SingleTurnTask):
    """T-Eval (Chen et al., 2024): instruct, plan, reason, retrieve, understand, review.

    Args:
        profile: "quick" (1 item per file and format, short budgets) or "paper" (all items).
        embedding_model: sentence-embedding model for plan and thought similarity (a name or path; tests
            may pass an object with `similarity(a, b)`).
        formats: which response formats to run ("str", "json").
        plan_lis_quirk: upstream's LIS starts at 1 (a non-empty plan always counts one step); True keeps
            numbers comparable with the paper.
        max_new_tokens: one budget for every item instead of the profile's.
    """

    name = "teval"
    capability = "tool_use"
    version = "1"

    def __init__(self, profile: str = "quick", embedding_model=DEFAULT_EMBEDDING_MODEL,
                 formats: tuple[str, ...] | list[str] = ("str", "json"), plan_lis_quirk: bool = True,
                 max_new_tokens: int | None = None, batch_size: int = 8):
        if profile not in PROFILES:
            raise ValueError(f"unknown profile {profile!r}; choose from {sorted(PROFILES)}")
        formats = tuple(formats.split(",")) if isinstance(formats, str) else tuple(formats)
        if not formats or set(formats) - {"str", "json"}:
            raise ValueError(f"formats must be a non-empty subset of ('str', 'json'), got {formats}")
        self.profile, self.formats, self.plan_lis_quirk = profile, formats, plan_lis_quirk
        self.max_new_tokens, self.batch_size = max_new_tokens, batch_size
        self._embedding = embedding_model
        self.embedding_model = embedding_model if isinstance(embedding_model, str) else type(embedding_model).__name__
        self.options = {"profile": profile, "embedding_model": self.embedding_model, "formats": ",".join(formats),
                        "plan_lis_quirk": plan_lis_quirk, "max_new_tokens": max_new_tokens}

    @property
    def embedder(self):
        if isinstance(self._embedding, str):
            self._embedding = get_embedder(self._embedding)  # loaded on first use only
        return self._embedding

    def load(self, source: str | None = None, limit: int | None = None) -> list[Sample]:
        """Samples from `source` (None = built-in suite); `limit` caps items per (file, format) group."""
        samples = [s for s in load_samples(source) if s.data["format"] in self.formats]
        return balanced_subset(samples, limit if limit is not None else PROFILES[self.profile])

    def request(self, sample: Sample, engine: Engine) -> GenerationRequest:
        budget = self.max_new_tokens or (QUICK_TOKENS[sample.data["kind"]] if self.profile == "quick" else PAPER_TOKENS)
        messages = to_messages(sample.data["record"]["origin_prompt"])
        return GenerationRequest(messages=tuple(messages), max_new_tokens=budget, stop=STOP)

    def score(self, sample: Sample, prediction: str) -> dict:
        kind, fmt, record = sample.data["kind"], sample.data["format"], sample.data["record"]
        abilities = KINDS[kind]
        fields: dict = {"kind": kind, "response_format": fmt, "abilities": list(abilities)}
        if kind == "instruct":
            fields.update(score_instruct(record, prediction, fmt))
        elif kind.startswith("plan"):
            fields.update(score_plan(record, prediction, fmt, self.embedder, self.plan_lis_quirk))
        elif kind == "review_str":
            fields.update(score_review(record, prediction, fmt))
        else:
            ability = abilities[0] if len(abilities) == 1 else "reason"
            needs_embedder = fmt == "json" or ability == "reason"
            fields.update(score_rru(record, prediction, fmt, ability, self.embedder if needs_embedder else None))
        if kind.startswith("plan") or "reason" in abilities:
            fields["embedding_model"] = self.embedding_model
        return fields

    def aggregate(self, records: list[dict]) -> TaskResult:
        metrics = aggregate_metrics(records)
        figures = {"teval_abilities.png": ability_figure(metrics)} if records else {}
        return TaskResult(task=self.name, capability=self.capability, records=records, metrics=metrics,
                          main="overall", figures=figures)
