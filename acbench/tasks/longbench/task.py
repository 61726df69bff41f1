"""LongBench v1: long-document QA, summaries, classification, retrieval, counting and code completion.

    from acbench.tasks.registry import make_task
    task = make_task("longbench")                        # built-in suite, 1 item per dataset (quick)
    samples = task.load("LongBench/data", limit=20)      # upstream JSONL files, 20 items per dataset
    result = task.run(engine, samples, ResultStore(None))
    result.metrics["longbench/score"], result.metrics["longbench/hotpotqa"]

Every item is scored twice: `score` by LongBench's own evaluator, quirks included (paper_metrics.py), and
`score_strict` by acbench's corrected rules (text_metrics.py). `longbench/<dataset>` is upstream's
round(100 x mean, 2); `longbench/score` is the unrounded mean over datasets of 100 x mean, so that the
items decompose it exactly; `_strict` twins hold today's numbers. An over-long prompt is cut in the middle
to the model's budget (first and last halves kept), as LongBench does.
"""

from __future__ import annotations

from collections import defaultdict
from statistics import mean

from acbench.engines.base import Engine, GenerationRequest
from acbench.errors import ConfigError
from acbench.metrics import Headline
from acbench.scoring.text_metrics import METRICS, best_over_answers
from acbench.tasks.base import (
    STRICT_SUFFIX,
    ItemScore,
    Sample,
    SingleTurnTask,
    TaskResult,
    check_scoring,
    headline_key,
)
from acbench.tasks.longbench.dataset import read_rows, record_to_sample
from acbench.tasks.longbench.paper_metrics import (
    bucket_scores,
    dataset_score,
    length_groups,
    paper_item_score,
)
from acbench.tasks.longbench.specs import spec_for
from acbench.tasks.longbench.upstream_config import OWN_PROMPTS, UpstreamConfig, find_config

PROFILE_LIMITS = {"quick": 1, "paper": None}  # items per dataset
CHAT_OVERHEAD = 64  # tokens for the chat template around the user turn
HEADLINE = "longbench/score"


def build_prompt(sample: Sample, config: UpstreamConfig | None = None) -> tuple[str, str]:
    """The prompt and where its template came from: the user's dataset2prompt.json, else ours ("acbench")."""
    dataset = sample.data["dataset"]
    template = config.prompt_for(dataset) if config else None
    if template is None:
        return spec_for(dataset).prompt.format(context=sample.data["context"], input=sample.data["input"]), OWN_PROMPTS
    # upstream fills its templates with the whole row (`format(**row)`); every row has context and input
    return template.format_map(_Row(sample.data)), str(config.path)


class _Row(dict):
    def __missing__(self, key: str) -> str:  # a template naming a field the row lacks: keep the placeholder
        return "{" + key + "}"


def _first_line(dataset: str, prediction: str) -> str:
    # upstream quirk for few-shot sets: only the first line of the reply counts
    return prediction.lstrip("\n").split("\n")[0] if spec_for(dataset).first_line_only else prediction


def score_prediction(dataset: str, prediction: str, answers: list[str], all_classes: list[str] | None) -> float:
    """acbench's (strict) item score in [0, 1]: the dataset's metric, best over the gold answers."""
    prediction = _first_line(dataset, prediction)
    return best_over_answers(METRICS[spec_for(dataset).metric], prediction, answers, all_classes=all_classes or [])


def paper_score_prediction(
    dataset: str, prediction: str, answers: list[str], all_classes: list[str] | None
) -> tuple[float, str | None]:
    """LongBench eval.py's item score in [0, 1] and, when it gave 0 where upstream fails, the reason."""
    return paper_item_score(spec_for(dataset).metric, _first_line(dataset, prediction), answers, all_classes)


class LongBenchTask(SingleTurnTask):
    """LongBench v1 in its upstream row format; metrics `longbench/<dataset>` and `longbench/score`.

    Options: `datasets` keeps only the named sets; `scoring` ("paper" or "strict") picks the headline;
    `prompts` is a LongBench config folder (or dataset2prompt.json), "acbench" for our own wording, or None
    to use a config found beside the data.
    """

    name = "longbench"
    headline = Headline("score")  # 0-100, as upstream's result.json
    version = "2"
    batch_size = 2  # prompts of thousands of tokens: at most 2 side by side keeps the KV cache's memory down

    def __init__(
        self,
        profile: str = "quick",
        datasets: tuple[str, ...] | list[str] | None = None,
        scoring: str = "paper",
        prompts: str | None = None,
    ):
        if profile not in PROFILE_LIMITS:
            raise ConfigError(f"unknown profile '{profile}': use one of {sorted(PROFILE_LIMITS)}")
        self.profile = profile
        self.scoring = check_scoring(scoring)
        self.prompts = prompts
        self.config: UpstreamConfig | None = find_config(None, prompts)
        self.datasets = tuple(datasets) if datasets else None
        for name in self.datasets or ():
            spec_for(name)

    def load(self, source: str | None = None, limit: int | None = None) -> list[Sample]:
        """Samples from `source` (None = built-in suite); `limit` = items per dataset (default: profile)."""
        limit = limit if limit is not None else PROFILE_LIMITS[self.profile]
        self.config = find_config(source, self.prompts)
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
            raise ConfigError(f"no LongBench items in {source or 'the built-in suite'} for datasets {self.datasets}")
        return samples

    def max_new_tokens(self, dataset: str) -> int:
        """The user's dataset2maxlen.json budget when a config is in use and names the set, else ours."""
        budget = self.config.max_new_tokens_for(dataset) if self.config else None
        return budget if budget is not None else spec_for(dataset).max_new_tokens

    def request(self, sample: Sample, engine: Engine) -> GenerationRequest:
        spec = spec_for(sample.data["dataset"])
        max_new = self.max_new_tokens(sample.data["dataset"])
        prompt, source = build_prompt(sample, self.config)
        # with the user's LongBench templates, generation follows upstream: no chat template for the
        # few-shot and code sets; our own wording is always sent as a chat turn
        raw = source != OWN_PROMPTS and not spec.upstream_chat_template
        budget = engine.max_context - max_new - CHAT_OVERHEAD
        tokens = engine.count_tokens(prompt)
        if tokens > budget:
            prompt = engine.truncate_middle(prompt, budget)
        # Recorded with the item (score() reads them back): how long the prompt was, whether it was cut,
        # and whose template it used.
        sample.data.update(prompt_tokens=tokens, truncated=tokens > budget, prompt_source=source, chat_template=not raw)
        if raw:
            return GenerationRequest.from_raw(prompt, max_new_tokens=max_new)
        return GenerationRequest.from_prompt(prompt, max_new_tokens=max_new)

    def gold_references(self, sample: Sample) -> tuple[str, ...]:
        """Every gold answer; the gold likelihood takes the best one, as LongBench's scorer does."""
        return tuple(str(a) for a in sample.target)

    def score(self, sample: Sample, prediction: str) -> dict:
        dataset = sample.data["dataset"]
        classes = sample.data["all_classes"]
        strict = score_prediction(dataset, prediction, sample.target, classes)
        paper, paper_reason = paper_score_prediction(dataset, prediction, sample.target, classes)
        reason = None
        if not prediction.strip():
            reason = "empty output"
        elif strict == 0.0:
            reason = f"{spec_for(dataset).metric} = 0 against every gold answer"
        return {
            "score": paper,
            "score_strict": strict,
            "paper_reason": paper_reason,
            "dataset": dataset,
            "metric": spec_for(dataset).metric,
            "answers": sample.target,
            "length": sample.data.get("length"),
            "prompt_tokens": sample.data.get("prompt_tokens"),
            "truncated": sample.data.get("truncated"),
            "prompt_source": sample.data.get("prompt_source"),
            "chat_template": sample.data.get("chat_template"),
            "parse_error": reason,
        }

    def aggregate(self, records: list[dict]) -> TaskResult:
        by_dataset: dict[str, list[dict]] = defaultdict(list)
        for r in records:
            by_dataset[r["dataset"]].append(r)
        metrics: dict[str, float] = {}
        unrounded: dict[str, list[float]] = {"paper": [], "strict": []}
        for dataset, rows in sorted(by_dataset.items()):
            key = f"longbench/{dataset}"
            paper = [r["score"] for r in rows]
            strict = [r["score_strict"] for r in rows]
            metrics[key] = dataset_score(paper)  # exactly as upstream's result.json prints it
            metrics[key + STRICT_SUFFIX] = 100.0 * mean(strict)
            unrounded["paper"].append(100.0 * mean(paper))
            unrounded["strict"].append(metrics[key + STRICT_SUFFIX])
            lengths = [r.get("length") for r in rows]
            if all(isinstance(n, (int, float)) and not isinstance(n, bool) for n in lengths):
                for bucket, value in bucket_scores(paper, lengths).items():  # LongBench-E's length buckets
                    metrics[f"{key}/{bucket}"] = value
                for bucket, values in length_groups(strict, lengths).items():
                    metrics[f"{key}/{bucket}{STRICT_SUFFIX}"] = 100.0 * mean(values)
        # The headline is the unrounded mean over datasets, which the items (100 x item score, one group per
        # dataset, equal weights) decompose exactly; the per-dataset numbers above are upstream's rounded ones.
        metrics[HEADLINE] = mean(unrounded["paper"]) if records else 0.0
        metrics[HEADLINE + STRICT_SUFFIX] = mean(unrounded["strict"]) if records else 0.0
        field = "score" if self.scoring == "paper" else "score_strict"
        items = [ItemScore(str(r["id"]), 100.0 * r[field], r["dataset"]) for r in records]
        return TaskResult(self.name, self.capability, records, metrics, headline_key(HEADLINE, self.scoring),
                          items=items)
