"""What logging every item as an MLflow trace costs, against the evaluation it records.

    .venv/bin/python bench/trace_overhead.py [--model smollm2-135m] [--tasks ...] [--limit N] [--repeats 3]
        [--synthetic 1000] [--uri sqlite:///... | http://127.0.0.1:5000] [--skip-quick]

Two measurements, each repeated `--repeats` times:
- quick profile: each repeat evaluates the quick profile's tasks on the original model from an empty results
  cache, then writes their traces into a fresh run (`acbench.items.item_traces` + `tracking.log_item_traces`,
  what `acbench run` does after each task); printed per repeat and as a median ratio with its spread:
  trace logging / evaluation (the goal: under 10 %). A full run evaluates and traces twice (base and
  compressed), so the ratio holds for it too.
- synthetic: `--synthetic` items without a model (4 in 5 single-turn with a 2,000-character prompt and 8
  scores; 1 in 5 an agent episode of 10 steps), written as traces into a fresh run, against the same records
  written as the results JSONL artifact (what every run logs anyway): seconds, items per second, and the ratio.

The tracking store is a fresh SQLite file per repeat unless `--uri` names another (e.g. the PostgreSQL
server of tracking/start_postgres.sh; each repeat then logs to a new experiment on it).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine_line  # noqa: E402

from acbench import tracking  # noqa: E402
from acbench.items import ItemTrace, Score, Step, item_traces  # noqa: E402


def _store(uri: str | None, tmp: str, label: str) -> str:
    """A fresh store (a SQLite file in `tmp`) or the given one; returns an experiment name unique to this call."""
    os.environ["MLFLOW_TRACKING_URI"] = uri or f"sqlite:///{tmp}/mlflow.db"
    tracking.init_store()
    return f"trace-bench-{label}-{time.time_ns()}"


def quick(args) -> list[float]:
    from acbench.config import load_config
    from acbench.engines.hf import HFEngine
    from acbench.evaluate import evaluate_model, setup_tasks
    from acbench.models import resolve_model

    overrides = {"method": "none", **({"tasks": args.tasks} if args.tasks else {}),
                 **({"limit": args.limit} if args.limit else {})}
    setups = setup_tasks(load_config(None, overrides))
    engine = HFEngine(resolve_model(args.model))
    print(f"quick: tasks {', '.join(s.name for s in setups)} ({sum(len(s.samples) for s in setups)} items)")
    ratios = []
    for repeat in range(args.repeats):
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["ACBENCH_CACHE"] = tmp  # an empty results cache: every item is generated
            start = time.perf_counter()
            results = evaluate_model(engine, f"bench-{repeat}", setups)
            evaluation = time.perf_counter() - start
            experiment = _store(args.uri, tmp, "quick")
            with tracking.tracked_run(experiment, f"quick-{repeat}"):
                start = time.perf_counter()
                count = 0
                for setup in setups:
                    items = item_traces(setup.name, "base", results[setup.name], setup.samples, setup.task)
                    count += tracking.log_item_traces(items)
                traces = time.perf_counter() - start
        ratios.append(traces / evaluation)
        print(f"  repeat {repeat + 1}: evaluation {evaluation:8.2f} s, traces {traces:6.2f} s for {count} items "
              f"({traces / max(count, 1) * 1000:.1f} ms/item): {100 * traces / evaluation:.2f} %")
    print(f"overhead traces / evaluation (quick): median {100 * statistics.median(ratios):.2f} % "
          f"(min {100 * min(ratios):.2f} %, max {100 * max(ratios):.2f} % over {len(ratios)} repeats)")
    return ratios


def synthetic_items(n: int) -> tuple[list[ItemTrace], list[dict]]:
    """`n` items shaped like acbench's: single-turn ones and agent episodes, with their records."""
    items, records = [], []
    for k in range(n):
        episode = k % 5 == 4
        prompt = f"item {k}: " + ("Observation: the room has a box. " if episode else "Context word. ") * 60
        scores = [Score(f"metric{j}", (k * j % 7) / 7) for j in range(4)]
        scores += [Score(f"metric{j}_strict", (k * j % 5) / 5, "parse error" if k % 3 == 0 else None) for j in range(4)]
        steps = [Step(f"step {s}: go north", {"output": "Action: go north"},
                      {"action": "go north", "observation": "You are in a hall. " * 5},
                      {"progress": s / 10, "valid": True}) for s in range(1, 11)] if episode else []
        inputs = {"item": f"i{k}", "model": "base", "messages": [{"role": "user", "content": prompt[:2000]}]}
        items.append(ItemTrace("synthetic", "base", f"i{k}", inputs, "answer " * 20, "gold answer", scores, steps))
        records.append({"id": f"i{k}", "prompt": prompt[:2000], "prediction": "answer " * 20,
                        **{s.name: s.value for s in scores}})
    return items, records


def synthetic(args) -> None:
    items, records = synthetic_items(args.synthetic)
    trace_s, jsonl_s = [], []
    for repeat in range(args.repeats):
        with tempfile.TemporaryDirectory() as tmp:
            experiment = _store(args.uri, tmp, "synthetic")
            with tracking.tracked_run(experiment, f"synthetic-{repeat}"):
                start = time.perf_counter()
                tracking.log_records(records, "results/base/synthetic.jsonl")
                jsonl_s.append(time.perf_counter() - start)
                start = time.perf_counter()
                written = tracking.log_item_traces(items)
                trace_s.append(time.perf_counter() - start)
        assert written == len(items)
        print(f"  repeat {repeat + 1}: traces {trace_s[-1]:7.2f} s ({len(items) / trace_s[-1]:.0f} items/s), "
              f"results JSONL {jsonl_s[-1]:.2f} s")
    ratios = [t / j for t, j in zip(trace_s, jsonl_s)]
    print(f"synthetic {len(items)} items: traces median {statistics.median(trace_s):.2f} s "
          f"(min {min(trace_s):.2f}, max {max(trace_s):.2f}); ratio traces / results JSONL "
          f"{statistics.median(ratios):.1f}x (min {min(ratios):.1f}x, max {max(ratios):.1f}x over {len(ratios)} repeats)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--tasks", default="", help="comma-separated; default: the quick profile's tasks")
    parser.add_argument("--limit", type=int, default=None, help="items per task (default: the profile's)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--synthetic", type=int, default=1000, help="items of the synthetic run (0: none)")
    parser.add_argument("--uri", default=None, help="tracking URI (default: a fresh SQLite file per repeat)")
    parser.add_argument("--skip-quick", action="store_true", help="only the synthetic run (no model)")
    args = parser.parse_args()
    os.environ["ACBENCH_NO_PROGRESS"] = "1"
    os.environ.pop("MLFLOW_RUN_ID", None)
    print(machine_line(), f"; store {args.uri or 'a fresh SQLite file per repeat'}")
    if not args.skip_quick:
        quick(args)
    if args.synthetic:
        synthetic(args)


if __name__ == "__main__":
    main()
