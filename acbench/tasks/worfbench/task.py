"""WorfBench workflow generation, scored with WorfEval (node chain F1 and graph F1).

    from acbench.tasks.registry import make_task
    task = make_task("worfbench")                       # quick: 1 item per task type of the built-in suite
    result = task.run(engine, task.load(), ResultStore("worfbench.jsonl"))
    result.metrics["overall"], result.metrics["embodied/graph_f1"], result.metrics["overall_strict"]

    acbench score --task worfbench --data /data/worfbench --predictions results/worfbench.jsonl

Metrics (relative to the `workflow` capability): `<task>/node_{precision,recall,f1}`,
`<task>/graph_{precision,recall,f1}`, the same six averaged over tasks, `parse_rate`, and `overall`
= (node_f1 + graph_f1) / 2, the headline (`main`). Every score follows the upstream evaluator the paper ran
(`paper.py`); acbench's corrected rules (`scorer.py`) are logged beside as `<metric>_strict`.
"""

from __future__ import annotations

import re
from statistics import mean

from acbench.engines.base import Engine, GenerationRequest
from acbench.metrics import Headline
from acbench.scoring.embeddings import default_embedding_model, get_embedder
from acbench.tasks.base import STRICT_SUFFIX, ItemScore, Sample, SingleTurnTask, TaskResult, check_scoring, headline_key
from acbench.tasks.worfbench.dataset import load_graph_eval
from acbench.tasks.worfbench.paper import score_paper
from acbench.tasks.worfbench.prompts import build_messages
from acbench.tasks.worfbench.scorer import FIELDS, score_workflow

STRICT_FIELDS = tuple(k + STRICT_SUFFIX for k in FIELDS)

PROFILES = {
    "quick": {"limit_per_task": 1, "max_new_tokens": 256},
    "paper": {"limit_per_task": None, "max_new_tokens": 768},
}
# Stop only where an answer is surely over: a second `Node:` block right after an edge, or an echoed next
# turn. Never on a blank line or on "END", which cut the last edge(s) of upstream generations. Not on a bare
# "\nNode:": engines match stop strings against prompt + output, and the prompt's "assistant\n" header
# followed by the answer's own first "Node:" would end every generation at once.
STOP = (")\nNode:", ")\n\nNode:", "Now it's your turn", "Here is an example")
CHAT_OVERHEAD = 16  # tokens per message for the chat template
# An answer that ends in an edge still open, e.g. "(4,END": the ")" the first two stop strings took.
_OPEN_EDGE = re.compile(r"\(\s*[A-Za-z0-9]+\s*,\s*[A-Za-z0-9]+\s*$")


class WorfBenchTask(SingleTurnTask):
    """Generate a workflow graph (subtask nodes + dependency edges) for a task; compare with the gold graph."""

    name = "worfbench"
    headline = Headline("overall", maximum=1.0)  # (node F1 + graph F1) / 2, 0-1 as WorfEval prints it
    version = "2"

    def __init__(
        self,
        profile: str = "quick",
        embedding_model: str | None = None,
        task_names: list[str] | str | None = None,
        max_new_tokens: int | None = None,
        shots: int = 2,
        scoring: str = "paper",
    ):
        """`embedding_model`: None = the profile's default (paper: all-mpnet-base-v2, quick: bundled MiniLM).
        `scoring`: which rules give the headline `overall` (`paper`) or `overall_strict` (`strict`)."""
        if profile not in PROFILES:
            raise ValueError(f"unknown profile '{profile}': use one of {sorted(PROFILES)}")
        if not 0 <= shots <= 2:
            raise ValueError(f"shots must be 0, 1 or 2, got {shots}")
        self.profile = profile
        self.scoring = check_scoring(scoring)
        self.embedding_model = embedding_model or default_embedding_model(profile)
        if isinstance(task_names, str):
            task_names = [t.strip() for t in task_names.split(",") if t.strip()]
        self.task_names = list(task_names) if task_names else None
        self.max_new_tokens = max_new_tokens or PROFILES[profile]["max_new_tokens"]
        self.shots = shots
        # built on first use; tests may set any object with .similarity(a, b) and .upstream_similarity(a, b)
        self.embedder = None

    def load(self, source: str | None = None, limit: int | None = None) -> list[Sample]:
        """Items of `source` (None = built-in suite); `limit` is per task (None = the profile's)."""
        per_task = limit if limit is not None else PROFILES[self.profile]["limit_per_task"]
        return load_graph_eval(source, task_names=self.task_names, limit_per_task=per_task)

    def request(self, sample: Sample, engine: Engine) -> GenerationRequest:
        budget = engine.max_context - self.max_new_tokens
        for shots in range(self.shots, -1, -1):  # long tool lists: drop examples before cutting the task
            messages = build_messages(sample.data["conversations"], sample.data["task"], shots)
            used = sum(engine.count_tokens(m["content"]) + CHAT_OVERHEAD for m in messages)
            if used <= budget:
                break
        else:
            over = used - budget
            last = messages[-1]["content"]
            keep = max(engine.count_tokens(last) - over, 32)
            messages[-1] = {"role": "user", "content": engine.truncate_middle(last, keep)}
        return GenerationRequest(messages=tuple(messages), max_new_tokens=self.max_new_tokens, stop=STOP)

    def gold_references(self, sample: Sample) -> tuple[str, ...]:
        """The gold workflow as the data writes it (`Node:` lines, then `Edge:`), the format the examples show."""
        return (str(sample.data["conversations"][-1]["content"]),)

    def _embedder(self):
        if self.embedder is None:
            self.embedder = get_embedder(self.embedding_model)  # a model that cannot load: ValueError here
        return self.embedder

    def _similarity(self, a: list[str], b: list[str]):
        return self._embedder().similarity(a, b)

    def _upstream_similarity(self, a: list[str], b: list[str]):
        return self._embedder().upstream_similarity(a, b)

    def finish_output(self, output: str, request: GenerationRequest, engine: Engine) -> str:
        """Give back the ")" that a `)\nNode:` stop string removed with it: the model wrote it, and upstream's
        parser drops an unclosed last edge. Only when the stop, not the token budget, ended the answer."""
        if _OPEN_EDGE.search(output[-200:]) and engine.count_tokens(output) < request.max_new_tokens - 2:
            return output + ")"
        return output

    def score(self, sample: Sample, prediction: str) -> dict:
        """Paper scores under the metric names, strict ones as `<metric>_strict`, `parse_error` (strict rule)
        and `paper_reason` (why paper scoring gave 0 where upstream would fail or skip)."""
        strict = score_workflow(prediction, sample.target, self._similarity)
        paper = score_paper(prediction, sample.target, self._upstream_similarity)
        return {
            "task": sample.data["task"],
            **paper,
            **{k + STRICT_SUFFIX: strict[k] for k in FIELDS},
            "n_pred_nodes": strict["n_pred_nodes"],
            "n_gold_nodes": strict["n_gold_nodes"],
            "parse_error": strict["parse_error"],
            "embedding_model": self.embedding_model,
        }

    def score_predictions(self, samples: list[Sample], predictions: dict[str, str]) -> TaskResult:
        """Score saved predictions; an item without one scores 0 with `paper_reason` "missing"."""
        records = []
        for sample in samples:
            record = self._record(sample, None, predictions.get(sample.id, ""))
            if sample.id not in predictions:  # upstream asserts one prediction per gold item
                record["paper_reason"] = "missing"
            records.append(record)
        return self.aggregate(records)

    def aggregate(self, records: list[dict]) -> TaskResult:
        tasks = list(dict.fromkeys(r["task"] for r in records))
        metrics: dict[str, float] = {}
        for task in tasks:
            mine = [r for r in records if r["task"] == task]
            for key in FIELDS + STRICT_FIELDS:
                metrics[f"{task}/{key}"] = mean(r[key] for r in mine)
        for key in FIELDS + STRICT_FIELDS:  # macro average: every task type weighs the same, as the paper's table
            metrics[key] = mean(metrics[f"{t}/{key}"] for t in tasks) if tasks else 0.0
        metrics["parse_rate"] = mean(r["parse_error"] is None for r in records) if records else 0.0
        metrics["overall"] = (metrics["node_f1"] + metrics["graph_f1"]) / 2
        metrics["overall_strict"] = (metrics["node_f1_strict"] + metrics["graph_f1_strict"]) / 2
        main = headline_key("overall", self.scoring)
        suffix = main[len("overall"):]
        # One group per task type: the headline is their macro mean of per-item (node F1 + graph F1) / 2.
        items = [ItemScore(str(r["id"]), (r["node_f1" + suffix] + r["graph_f1" + suffix]) / 2, r["task"]) for r in records]
        return TaskResult(task=self.name, capability=self.capability, records=records, metrics=metrics, main=main,
                          items=items)
