"""The default run's own work: every task of the quick profile on the original model, with acbench's CPU
kernels against transformers' own, per-item records checked identical.

    .venv/bin/python bench/quick_suite.py [--model smollm2-135m] [--tasks teval,worfbench,needle,pddl] [--repeats 3]

Where bench/engine_throughput.py times one kind of prompt, this times what `mlflow run . -P method=gptq`
evaluates (twice, base and compressed): T-Eval's long tool descriptions, WorfBench's workflows, the needle
grid's long contexts and PDDL's multi-turn episodes, mixed lengths, stop strings and early ends included.
Contenders, alternating over `--repeats`, each from an empty results cache (nothing resumed):
- the engine with transformers' kernels (`F.linear`, SDPA copying key/value heads): the baseline;
- the engine with its CPU kernels (acbench/engines/cpu_kernels.py).
Both go through the same scheduler. The check: every task's per-item records (answers, trajectories,
scores) are the same in every repeat.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import alternate, machine_line, ratio_line, seconds_line  # noqa: E402

from acbench.config import load_config  # noqa: E402
from acbench.engines.hf import HFEngine  # noqa: E402
from acbench.evaluate import evaluate_model, setup_tasks  # noqa: E402
from acbench.models import resolve_model  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--tasks", default="", help="comma-separated; default: the quick profile's tasks")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    os.environ["ACBENCH_NO_PROGRESS"] = "1"
    overrides = {"method": "none", **({"tasks": args.tasks} if args.tasks else {})}
    setups = setup_tasks(load_config(None, overrides))
    engine = HFEngine(resolve_model(args.model))
    kernels = engine.kernels
    runs = {"transformers kernels": 0, "acbench CPU kernels": 0}
    per_task: dict[str, dict[str, list[float]]] = {name: {} for name in runs}

    def contender(name: str, own_kernels: bool):
        def run():
            engine.kernels = kernels if own_kernels else None
            runs[name] += 1
            seconds = {}
            with tempfile.TemporaryDirectory() as cache:
                os.environ["ACBENCH_CACHE"] = cache  # an empty results cache: every item is generated
                results = evaluate_model(engine, f"{name}-{runs[name]}", setups,
                                         on_result=lambda task, _, s: seconds.__setitem__(task, s))
            for task, s in seconds.items():
                per_task[name].setdefault(task, []).append(s)
            return {task: [json.dumps(r, sort_keys=True, default=str) for r in result.records]
                    for task, result in results.items()}
        return run

    seconds, outputs = alternate({name: contender(name, name != "transformers kernels") for name in runs},
                                 args.repeats)
    print(f"{machine_line()}; tasks {', '.join(s.name for s in setups)} ({sum(len(s.samples) for s in setups)} items)")
    reference = outputs["transformers kernels"]
    for name, times in seconds.items():
        same = sum(a == b for task in reference for a, b in zip(reference[task], outputs[name][task]))
        total = sum(len(v) for v in reference.values())
        print(f"{seconds_line(name, times)}  identical records {same}/{total} (last repeat)")
        for task, task_times in per_task[name].items():
            print(f"  {seconds_line(task, task_times)}")
    print(ratio_line("acbench CPU kernels / transformers kernels", seconds["transformers kernels"],
                     seconds["acbench CPU kernels"]))


if __name__ == "__main__":
    main()
