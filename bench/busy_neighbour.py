"""The engine beside a busy neighbour: a CPU-bound process started here at a given nice level, and acbench's
thread choice (acbench/threads.py `thread_share`) against fixed thread counts on the same requests.

    .venv/bin/python bench/busy_neighbour.py [--prompts 16] [--max-new-tokens 32] [--repeats 3] [--nice 19 --nice 0]

First the engine alone (thread choice automatic), then for each `--nice` level a spinner (`python -c "while
True: pass"` under `nice -n LEVEL`) runs beside: contenders `auto` (what the engine chooses), `1 thread` and
`2 threads`, alternating over `--repeats`; the prefix store is emptied before every run. Prints each median
with its spread, the threads `auto` took, and the slowdown of `auto` against the engine alone.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import alternate, machine_line, seconds_line  # noqa: E402
from engine_throughput import prompts  # noqa: E402

import acbench.threads as threads  # noqa: E402
from acbench.engines.base import GenerationRequest  # noqa: E402
from acbench.engines.hf import HFEngine  # noqa: E402
from acbench.models import resolve_model  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--prompts", type=int, default=16)
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--nice", type=int, action="append", default=None, help="a neighbour's nice level")
    args = parser.parse_args()

    engine = HFEngine(resolve_model(args.model), batch_size=16)
    requests = [GenerationRequest.from_prompt(p, max_new_tokens=args.max_new_tokens)
                for p in prompts(args.prompts, False)]
    automatic = threads.thread_share
    used: list[int] = []

    def run(fixed: int | None):
        def go():
            threads.thread_share = automatic if fixed is None else (lambda: fixed)
            threads._busy_sample = None  # look at the neighbours afresh
            engine.scheduler.store.clear()
            out = engine.generate(requests, progress=False)
            if fixed is None:
                used.append(torch.get_num_threads())
            return out
        return go

    alone, _ = alternate({"alone, auto": run(None)}, args.repeats)
    print(machine_line())
    print(f"{args.prompts} prompts x {args.max_new_tokens} new tokens")
    print(seconds_line("alone, auto", alone["alone, auto"]) + f"  threads {sorted(set(used))}")
    for nice in args.nice or [19, 0]:
        spinner = subprocess.Popen(["nice", "-n", str(nice), sys.executable, "-c", "while True: pass"])
        try:
            used.clear()
            seconds, _ = alternate({"auto": run(None), "1 thread": run(1), "2 threads": run(2)}, args.repeats)
        finally:
            spinner.kill()
            threads.thread_share = automatic
        for name, values in seconds.items():
            extra = f"  threads {sorted(set(used))}" if name == "auto" else ""
            print(seconds_line(f"beside nice {nice}: {name}", values) + extra)
        slow = statistics.median(seconds["auto"]) / statistics.median(alone["alone, auto"])
        print(f"beside nice {nice}: auto is {slow:.2f}x the engine alone")


if __name__ == "__main__":
    main()
