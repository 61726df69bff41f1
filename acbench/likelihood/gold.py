"""Gold likelihood of every task with references: per item `gold_nll` and `gold_top1`, cached like the results.

    results, skipped = gold_results(engine, "base-abc123", setups)   # task -> TaskResult (main: gold_nll)

Each task gives its items' gold through `gold_steps(sample, engine)` (acbench.tasks.base.GoldStep: the request
generation would send, the reference answers). All steps of all pending items of a task go to the engine in
one `score_continuations` call (batched; a step whose prompt and reference head a later step's prompt, as in an
agent's trajectory, is read from that step's forward). Per-item records go to
`<cache>/results/<model_key>/<task>-<task_key>.gold-v<GOLD_VERSION>.jsonl`, so a resumed run or a later run on
the same base model does not score them again. Item rules are in acbench/likelihood/scores.py.
"""

from __future__ import annotations

import dataclasses
import logging

from acbench.engines.base import Engine, GenerationRequest
from acbench.likelihood.scores import ItemLikelihood, best_reference, pool_steps
from acbench.tasks.base import GoldStep, ItemScore, ResultStore, TaskResult

log = logging.getLogger(__name__)

GOLD_VERSION = "2"  # bump when a task's gold rendering or the item rules change: cached records are redone
GOLD_NLL, GOLD_TOP1 = "gold_nll", "gold_top1"


def gold_path(model_key: str, setup):
    from acbench.evaluate import results_path

    path = results_path(model_key, setup)
    return path.with_name(f"{path.stem}.gold-v{GOLD_VERSION}.jsonl")


def scored_reference(request: GenerationRequest, reference: str) -> str:
    """The reference as the model would continue this prompt: after a raw prompt (no chat template) that does
    not end in whitespace ("...Answer:"), with one leading space; after a chat template, as written."""
    raw = request.raw_prompt
    if raw is not None and raw and not raw[-1].isspace() and not reference[:1].isspace():
        return " " + reference
    return reference


def item_record(sample_id: str, steps: list[GoldStep], scores) -> dict:
    """One item's record from its steps and their references' scores (in order)."""
    chosen, k = [], 0
    for step in steps:
        chosen.append(best_reference(scores[k : k + len(step.references)]))
        k += len(step.references)
    item: ItemLikelihood = pool_steps(chosen)
    return {"id": sample_id, GOLD_NLL: item.gold_nll, GOLD_TOP1: item.gold_top1, "tokens": item.tokens,
            "steps": len(steps), "references": sum(len(s.references) for s in steps),
            "step_nll": [round(sum(s.nll) / s.tokens, 6) for s in chosen] if len(steps) > 1 else None}


def score_task(task, samples, engine: Engine, store: ResultStore) -> list[dict]:
    """Score every pending item's gold in one engine call; returns the records of all items with a gold."""
    todo = [s for s in samples if s.id not in store]
    gold = {s.id: task.gold_steps(s, engine) for s in todo}
    requests, references = [], []
    for sample in todo:
        for step in gold[sample.id]:
            for reference in step.references:
                requests.append(step.request)
                references.append(scored_reference(step.request, reference))
    scores = engine.score_continuations(requests, references) if requests else []
    k = 0
    for sample in todo:
        steps = gold[sample.id]
        n = sum(len(s.references) for s in steps)
        if n:
            store.add(item_record(sample.id, steps, scores[k : k + n]))
        else:
            store.add({"id": sample.id, GOLD_NLL: None, GOLD_TOP1: None, "reason": "no gold reference"})
        k += n
    return [r for r in store.records_for(samples) if r.get(GOLD_NLL) is not None]


def score_setup(engine: Engine, model_key: str, setup) -> list[dict]:
    """One task's gold records for this model (scored where not cached yet); a task without gold: none."""
    if not hasattr(setup.task, "gold_steps"):
        return []
    return score_task(setup.task, setup.samples, engine, ResultStore(gold_path(model_key, setup)))


def aggregate(name: str, capability: str, records: list[dict]) -> TaskResult:
    """A TaskResult whose headline (`main`) is the mean gold NLL over items, with its items for the statistics."""
    items = [ItemScore(str(r["id"]), float(r[GOLD_NLL])) for r in records]
    metrics = {GOLD_NLL: sum(i.value for i in items) / len(items),
               GOLD_TOP1: sum(float(r[GOLD_TOP1]) for r in records) / len(records),
               "gold_items": float(len(records)), "gold_tokens": float(sum(r["tokens"] for r in records))}
    return TaskResult(name, capability, records, metrics, GOLD_NLL, items=items)


def as_top1(result: TaskResult) -> TaskResult:
    """The same items with gold top-1 as the value (for its own paired statistics)."""
    items = [ItemScore(str(r["id"]), float(r[GOLD_TOP1])) for r in result.records]
    return dataclasses.replace(result, main=GOLD_TOP1, items=items)


def gold_results(engine: Engine, model_key: str, setups, on_result=None) -> tuple[dict[str, TaskResult], dict[str, str]]:
    """Gold likelihood of each task that has gold references; `on_result(name, result)` as each finishes.

    Returns (task -> TaskResult, task -> why it has none).
    """
    results: dict[str, TaskResult] = {}
    skipped: dict[str, str] = {}
    for setup in setups:
        if not hasattr(setup.task, "gold_steps"):
            skipped[setup.name] = "the task has no gold references"
            continue
        records = score_setup(engine, model_key, setup)
        if not records:
            skipped[setup.name] = "no item of this data has a gold reference"
            log.info("gold likelihood: %s has no item with a gold reference", setup.name)
            continue
        results[setup.name] = aggregate(setup.name, setup.task.capability, records)
        if on_result:
            on_result(setup.name, results[setup.name])
    return results, skipped
