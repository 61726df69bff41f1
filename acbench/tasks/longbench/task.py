"""LongBench v1: long-document QA, summaries, classification, retrieval, counting and code completion.

    from acbench.tasks.registry import make_task
    task = make_task("longbench")                        # built-in suite, 1 item per dataset (quick)
    samples = task.load("LongBench/data", limit=20)      # upstream JSONL files, 20 items per dataset
    result = task.run(engine, samples, ResultStore(None))
    result.metrics["longbench/score"], result.metrics["longbench/hotpotqa"]

Scores are per dataset: the dataset's metric, best over the gold answers, averaged and x 100;
`longbench/score` is the mean over datasets. An over-long prompt is cut in the middle to the model's
budget (first and last halves kept), as LongBench does.
"""

from __future__ import annotations

from collections import defaultdict
from statistics import mean

from acbench.engines.base import Engine, GenerationRequest
from acbench.scoring.text_metrics import METRICS, best_over_answers
from acbench.tasks.base import Sample, SingleTurnTask, TaskResult
from acbench.tasks.longbench.dataset import read_rows, record_to_sample
from acbench.tasks.longbench.specs import spec_for

PROFILE_LIMITS = {"quick": 1, "paper": None}  # items per dataset
CHAT_OVERHEAD = 64  # tokens for the chat template around the user turn


def build_prompt(sample: Sample) -> str:
    """The dataset's template filled with the context and the question."""
    return spec_for(sample.data["dataset"]).prompt.format(context=sample.data["context"], input=sample.data["input"])


def score_prediction(dataset: str, prediction: str, answers: list[str], all_classes: list[str]) -> float:
    """The item score in [0, 1]: the dataset's metric, best over the gold answers."""
    spec = spec_for(dataset)
    if spec.first_line_only:  # upstream quirk for few-shot sets: only the first line of the reply counts
        prediction = prediction.lstrip("\n").split("\n")[0]
    return best_over_answers(METRICS[spec.metric], prediction, answers, all_classes=all_classes)


class LongBenchTask(SingleTurnTask):
    """LongBench v1 in its upstream row format; metrics `longbench/<dataset>` and `longbench/score`."""

    name = "longbench"
    capability = "long_context"
    version = "1"
    batch_size = 2  # prompts of thousands of tokens: small batches keep padding and memory down

    def __init__(self, profile: str = "quick", datasets: tuple[str, ...] | list[str] | None = None):
        if profile not in PROFILE_LIMITS:
            raise ValueError(f"unknown profile '{profile}': use one of {sorted(PROFILE_LIMITS)}")
        self.profile = profile
        self.datasets = tuple(datasets) if datasets else None
        for name in self.datasets or ():
            spec_for(name)

    def load(self, source: str | None = None, limit: int | None = None) -> list[Sample]:
        """Samples from `source` (None = built-in suite); `limit` = items per dataset (default: profile)."""
        limit = limit if limit is not None else PROFILE_LIMITS[self.profile]
        taken: dict[str, int] = defaultdict(int)
        samples = []
        for row in read_rows(source):
            sample = record_to_sample(row)
            dataset = sample.data["dataset"]
            if self.datasets and dataset not in self.datasets:
                continue
            if limit is not None and taken[dataset] >= limit:
                continue
            taken[dataset] += 1
            samples.append(sample)
        if not samples:
            raise ValueError(f"no LongBench items in {source or 'the built-in suite'} for datasets {self.datasets}")
        return samples

    def request(self, sample: Sample, engine: Engine) -> GenerationRequest:
        spec = spec_for(sample.data["dataset"])
        prompt = build_prompt(sample)
        budget = engine.max_context - spec.max_new_tokens - CHAT_OVERHEAD
        tokens = engine.count_tokens(prompt)
        if tokens > budget:
            prompt = engine.truncate_middle(prompt, budget)
        # Recorded with the item (score() reads them back): how long the prompt was and whether it was cut.
        sample.data.update(prompt_tokens=tokens, truncated=tokens > budget)
        return GenerationRequest.from_prompt(prompt, max_new_tokens=spec.max_new_tokens)

    def score(self, sample: Sample, prediction: str) -> dict:
        dataset = sample.data["dataset"]
        value = score_prediction(dataset, prediction, sample.target, sample.data["all_classes"])
        reason = None
        if not prediction.strip():
            reason = "empty output"
        elif value == 0.0:
            reason = f"{spec_for(dataset).metric} = 0 against every gold answer"
        return {
            "score": value,
            "dataset": dataset,
            "metric": spec_for(dataset).metric,
            "answers": sample.target,
            "prompt_tokens": sample.data.get("prompt_tokens"),
            "truncated": sample.data.get("truncated"),
            "parse_error": reason,
        }

    def aggregate(self, records: list[dict]) -> TaskResult:
        by_dataset: dict[str, list[float]] = defaultdict(list)
        for r in records:
            by_dataset[r["dataset"]].append(r["score"])
        metrics = {f"longbench/{d}": 100.0 * mean(v) for d, v in sorted(by_dataset.items())}
        metrics["longbench/score"] = mean(metrics.values()) if metrics else 0.0
        return TaskResult(self.name, self.capability, records, metrics, "longbench/score")
