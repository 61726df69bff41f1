"""T-Eval tool-use benchmark (six abilities, string and JSON formats) as a single-turn task.

    from acbench.tasks.teval import TEvalTask
    task = TEvalTask(profile="quick")
    samples = task.load()                        # built-in suite; or a directory / file / hub id
    result = task.run(engine, samples, ResultStore("teval.jsonl"))
    result.metrics["overall"], result.metrics["plan/json"]
"""

from __future__ import annotations

from acbench.engines.base import Engine, GenerationRequest
from acbench.errors import ConfigError
from acbench.metrics import Headline
from acbench.scoring.embeddings import default_embedding_model, get_embedder
from acbench.tasks.base import Sample, SingleTurnTask, TaskResult, check_scoring, headline_key
from acbench.tasks.teval.dataset import KINDS, balanced_subset, load_samples, to_messages
from acbench.tasks.teval.gold import gold_reference
from acbench.tasks.teval.metrics import ability_figure, aggregate_metrics, headline_items
from acbench.tasks.teval.paper import paper_instruct, paper_plan, paper_review, paper_rru
from acbench.tasks.teval.scorer import score_instruct, score_plan, score_review, score_rru

PROFILES = {"quick": 1, "paper": None}  # items per (file, format) group; None = all
# Generation budgets per file kind: the quick profile is sized for a 2-core CPU.
QUICK_TOKENS = {"instruct": 96, "plan_json": 160, "plan_str": 160, "reason_retrieve_understand_json": 96,
                "reason_str": 64, "retrieve_str": 32, "understand_str": 64, "review_str": 32}
PAPER_TOKENS = 512
# Never part of a valid answer: a model that goes on to invent the tool's reply or the next user turn.
STOP = ("\nObservation:", "\nUser:")
# What upstream's test.py loads for data whose path contains "_zh".
ZH_EMBEDDING_MODEL = "thenlper/gte-large-zh"
# Score fields that hold a paper value under their name and a strict one under `<name>_strict`.
SCORE_FIELDS = ("format", "args_em", "precision", "recall", "f1", "thought", "name", "args", "correct")


class TEvalTask(SingleTurnTask):
    """T-Eval (Chen et al., 2024): instruct, plan, reason, retrieve, understand, review.

    Args:
        profile: "quick" (1 item per file and format, short budgets) or "paper" (all items).
        embedding_model: sentence-embedding model for plan and thought similarity (a name or path; tests
            may pass an object with `similarity(a, b)` and optionally `upstream_similarity(a, b)`). None:
            the profile's default (`default_embedding_model`), and with the paper profile
            thenlper/gte-large-zh for Chinese (`_zh`) data, as upstream.
        formats: which response formats to run ("str", "json").
        scoring: "paper" (upstream's rules, the default) or "strict"; picks the headline only, since every
            item is scored both ways.
        max_new_tokens: one budget for every item instead of the profile's.
        batch_size: at most this many items side by side (None: the engine's batch size).
    """

    name = "teval"
    headline = Headline("overall")  # 0-100, as the paper's tables
    version = "2"

    def __init__(self, profile: str = "quick", embedding_model=None,
                 formats: tuple[str, ...] | list[str] = ("str", "json"), scoring: str = "paper",
                 max_new_tokens: int | None = None, batch_size: int | None = None):
        if profile not in PROFILES:
            raise ConfigError(f"unknown profile {profile!r}; choose from {sorted(PROFILES)}")
        formats = tuple(formats.split(",")) if isinstance(formats, str) else tuple(formats)
        if not formats or set(formats) - {"str", "json"}:
            raise ValueError(f"formats must be a non-empty subset of ('str', 'json'), got {formats}")
        self.profile, self.formats, self.scoring = profile, formats, check_scoring(scoring)
        self.max_new_tokens, self.batch_size = max_new_tokens, batch_size
        self._chosen = embedding_model is not None
        embedding_model = default_embedding_model(profile) if embedding_model is None else embedding_model
        self._embedders = {} if isinstance(embedding_model, str) else {None: embedding_model}
        self.embedding_model = embedding_model if isinstance(embedding_model, str) else type(embedding_model).__name__
        self.options = {"profile": profile, "embedding_model": self.embedding_model, "formats": ",".join(formats),
                        "scoring": scoring, "max_new_tokens": max_new_tokens}

    def model_for(self, sample: Sample) -> str:
        """The embedding model name an item is scored with (gte-large-zh for `_zh` data, paper profile)."""
        if sample.data.get("zh") and not self._chosen and self.profile == "paper":
            return ZH_EMBEDDING_MODEL
        return self.embedding_model

    def embedder_for(self, sample: Sample):
        if None in self._embedders:
            return self._embedders[None]
        name = self.model_for(sample)
        if name not in self._embedders:
            self._embedders[name] = get_embedder(name)  # loaded on first use only
        return self._embedders[name]

    @property
    def embedder(self):
        """The task's main embedder (`embedding_model`)."""
        return self._embedders[None] if None in self._embedders else self.embedder_for(Sample("", {}))

    def load(self, source: str | None = None, limit: int | None = None) -> list[Sample]:
        """Samples from `source` (None = built-in suite); `limit` caps items per (file, format) group."""
        samples = [s for s in load_samples(source) if s.data["format"] in self.formats]
        return balanced_subset(samples, limit if limit is not None else PROFILES[self.profile])

    def request(self, sample: Sample, engine: Engine) -> GenerationRequest:
        budget = self.max_new_tokens or (QUICK_TOKENS[sample.data["kind"]] if self.profile == "quick" else PAPER_TOKENS)
        messages = to_messages(sample.data["record"]["origin_prompt"])
        return GenerationRequest(messages=tuple(messages), max_new_tokens=budget, stop=STOP)

    def gold_references(self, sample: Sample) -> tuple[str, ...]:
        reference = gold_reference(sample.data["kind"], sample.data["format"], sample.data["record"]["ground_truth"])
        return (reference,) if reference else ()

    def score(self, sample: Sample, prediction: str) -> dict:
        kind, fmt, record = sample.data["kind"], sample.data["format"], sample.data["record"]
        abilities = KINDS[kind]
        prediction = prediction or ""
        fields: dict = {"kind": kind, "response_format": fmt, "abilities": list(abilities)}
        uses_embedder = kind.startswith("plan") or "reason" in abilities
        embedder = self.embedder_for(sample) if uses_embedder else None
        if kind == "instruct":
            strict, paper = score_instruct(record, prediction, fmt), paper_instruct(record, prediction)
        elif kind.startswith("plan"):
            strict = score_plan(record, prediction, fmt, embedder, lis_quirk=False)
            paper = paper_plan(record, prediction, kind, embedder)
        elif kind == "review_str":
            strict, paper = score_review(record, prediction, fmt), paper_review(record, prediction)
        else:
            ability = abilities[0] if len(abilities) == 1 else "reason"
            needs_embedder = fmt == "json" or ability == "reason"
            strict = score_rru(record, prediction, fmt, ability, embedder if needs_embedder else None)
            paper = paper_rru(record, prediction, kind, embedder)
        for key, value in strict.items():
            fields[key + "_strict" if key in SCORE_FIELDS else key] = value
        for key in SCORE_FIELDS:
            if key + "_strict" in fields:
                fields[key] = float(paper.get(key, 0.0))
        fields["paper_reason"] = paper.get("paper_reason")
        if uses_embedder:
            fields["embedding_model"] = self.model_for(sample)
        return fields

    def aggregate(self, records: list[dict]) -> TaskResult:
        metrics = aggregate_metrics(records)
        items, weights, floor = headline_items(records, self.scoring)
        figures = {"teval_abilities.png": ability_figure(metrics)} if records else {}
        return TaskResult(task=self.name, capability=self.capability, records=records, metrics=metrics,
                          main=headline_key("overall", self.scoring), figures=figures, items=items,
                          group_weights=weights, floor=floor, binary=False)
