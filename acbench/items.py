"""Each evaluated item as the record of one MLflow trace: what the model saw, what it answered, the gold
answer, every score, and an agent episode's steps. Pure data; `acbench.tracking.traces` writes it.

    items = item_traces("needle", "compressed", result, samples, task, base=base_result)
    tracking.log_item_traces(items)

Scores are read generically: every numeric or boolean field of a record is a score (paper and `_strict`
alike), so a field a task adds later reaches the traces without a change here. The item's share of the
headline (`TaskResult.items`, on the common 0-100 scale) is the feedback `headline`; a compressed item also
gets `flip` (its outcome against the base model's, `acbench.flips`) and `headline_delta`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from acbench.flips import flip_label
from acbench.tasks.base import STRICT_SUFFIX, Sample, TaskResult

# record fields that are not scores even when numeric, or that a trace shows elsewhere
NOT_SCORES = {"id", "prompt", "prediction", "trajectory", "parse_error", "paper_reason"}


@dataclass
class Score:
    """One feedback assessment: a score's name, its value, and why (the parse error or the paper's reason)."""

    name: str
    value: float | bool | str
    rationale: str | None = None


@dataclass
class Step:
    """One step of an agent episode: the model's output in, the action and observation out, the step's
    progress and grounding (every other field of the trajectory entry) as span attributes."""

    name: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    attributes: dict[str, Any]


@dataclass
class ItemTrace:
    """What one item's trace holds. `inputs` name the item and model and carry the prompt as the model saw it."""

    task: str
    role: str
    item_id: str
    inputs: dict[str, Any]
    outputs: Any
    gold: Any = None
    scores: list[Score] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)

    @property
    def key(self) -> str:
        """Unique within a run: the trace id is derived from it and the run id (resume-safe, see traces.py)."""
        return f"{self.role}/{self.task}/{self.item_id}"


def messages_of(prompt: Any) -> list[dict[str, str]]:
    """The prompt as chat messages: a task stores either the message list it sent or the first user message."""
    if prompt is None:
        return []
    if isinstance(prompt, str):
        return [{"role": "user", "content": prompt}]
    return [{"role": str(m.get("role", "user")), "content": str(m.get("content", ""))} for m in prompt]


def plain(value: Any) -> Any:
    """JSON-safe (a gold answer may hold tuples, sets or objects): anything else becomes its text."""
    return json.loads(json.dumps(value, default=str))


def record_scores(record: dict) -> list[Score]:
    """Every numeric or boolean field of a record, with its rationale: the parse error for acbench's own
    (`_strict`) scores, the paper's reason (else the parse error) for the paper's."""
    parse_error, paper_reason = record.get("parse_error"), record.get("paper_reason")
    scores = []
    for name, value in record.items():
        if name in NOT_SCORES or isinstance(value, str) or not isinstance(value, (bool, int, float)):
            continue
        if value != value:  # NaN: no score to show
            continue
        why = parse_error if name.endswith(STRICT_SUFFIX) else (paper_reason or parse_error)
        scores.append(Score(name, value if isinstance(value, bool) else float(value), str(why) if why else None))
    return scores


def episode_steps(trajectory: list[dict]) -> list[Step]:
    """An agent trajectory as spans: the raw output in, action and observation out, the rest as attributes."""
    steps = []
    for number, entry in enumerate(trajectory or [], 1):
        action = str(entry.get("action") or "")
        steps.append(Step(
            name=f"step {number}: {action[:60] or '(no action)'}",
            inputs={"output": entry.get("output", "")},
            outputs={"action": action, "observation": entry.get("observation", "")},
            attributes={k: v for k, v in entry.items() if k not in ("action", "output", "observation")}))
    return steps


def gold_of(task: Any, sample: Sample | None) -> Any:
    """The gold answer: the task's own references when it writes them (`gold_references`), else the sample's
    target; None when the item has none (an environment whose goal is its only reference)."""
    if sample is None:
        return None
    references = getattr(task, "gold_references", None)
    if references is not None:
        found = [r for r in references(sample) if r]
        if found:
            return found if len(found) > 1 else found[0]
    return plain(sample.target) if sample.target is not None else None


def item_traces(task_name: str, role: str, result: TaskResult, samples: list[Sample], task: Any = None,
                base: TaskResult | None = None) -> list[ItemTrace]:
    """One ItemTrace per record of `result` (the role's results of one task).

    Args:
        samples: The task's samples (their gold answers).
        task: The built task (for `gold_references`), optional.
        base: The base model's result of the same task: a compressed item then gets `flip` and `headline_delta`.
    """
    by_id = {s.id: s for s in samples}
    headline = {i.id: i.value for i in result.items}
    base_headline = {i.id: i.value for i in base.items} if base is not None else {}
    out = []
    for record in result.records:
        item_id = str(record["id"])
        scores = record_scores(record)
        if item_id in headline:
            scores.append(Score("headline", float(headline[item_id])))
            if item_id in base_headline:
                before, after = base_headline[item_id], headline[item_id]
                scores.append(Score("flip", flip_label(before, after)))
                scores.append(Score("headline_delta", float(after - before)))
        inputs = {"item": item_id, "model": role, "messages": messages_of(record.get("prompt"))}
        out.append(ItemTrace(task_name, role, item_id, inputs, record.get("prediction"),
                             gold_of(task, by_id.get(item_id)), scores, episode_steps(record.get("trajectory"))))
    return out
