"""Two evaluations on one machine at once: with acbench's core sharing, and oversubscribed, against running
them one after the other.

    .venv/bin/python bench/concurrent_runs.py [--prompts 16] [--repeats 3]

Each evaluation is a separate process generating the same greedy requests on the embedded model (model
loading included, as in a real run). Contenders: sequential (A then B); concurrent with acbench's sharing
(each process takes cores // live acbench processes, `acbench.threads`); concurrent oversubscribed (each
forced to all cores with ACBENCH_THREADS, what two plain torch jobs do). Goal: shared concurrent <= 1.3x
sequential.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import alternate, machine_line, ratio_line, seconds_line  # noqa: E402

WORKER = """
import sys
sys.path.insert(0, {bench!r})
from engine_throughput import prompts
from acbench.engines.base import GenerationRequest
from acbench.engines.hf import HFEngine
from acbench.models import resolve_model
engine = HFEngine(resolve_model())
engine.generate([GenerationRequest.from_prompt(p, max_new_tokens={tokens}) for p in prompts({n})], progress=False)
"""


def launch(n: int, tokens: int, env: dict) -> subprocess.Popen:
    code = WORKER.format(bench=str(Path(__file__).resolve().parent), n=n, tokens=tokens)
    return subprocess.Popen([sys.executable, "-c", code], env=env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prompts", type=int, default=16)
    parser.add_argument("--max-new-tokens", type=int, default=48)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    from acbench.threads import usable_cores

    shared = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "ACBENCH_THREADS")}
    oversubscribed = {**shared, "ACBENCH_THREADS": str(usable_cores())}

    def sequential():
        for _ in range(2):
            launch(args.prompts, args.max_new_tokens, shared).wait()

    def concurrent(env):
        jobs = [launch(args.prompts, args.max_new_tokens, env) for _ in range(2)]
        for job in jobs:
            job.wait()

    seconds, _ = alternate({"one after the other": sequential,
                            "concurrent, cores shared": lambda: concurrent(shared),
                            "concurrent, oversubscribed": lambda: concurrent(oversubscribed)}, args.repeats)
    print(f"{machine_line()}; 2 evaluations x {args.prompts} prompts x {args.max_new_tokens} new tokens")
    for name, runs in seconds.items():
        print(seconds_line(name, runs))
    base = seconds["one after the other"]
    print(ratio_line("sequential time / concurrent-shared time (>= 0.77x meets the 1.3x goal)", base,
                     seconds["concurrent, cores shared"]))
    print(ratio_line("sequential time / concurrent-oversubscribed time", base, seconds["concurrent, oversubscribed"]))


if __name__ == "__main__":
    main()
