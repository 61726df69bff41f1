"""Multi-turn agent episodes: acbench's loop with episodes side by side versus one episode at a time.

    .venv/bin/python bench/agent_episodes.py [--task pddl] [--episodes 4] [--repeats 3]

Both contenders run the same PDDL (or Tool-Query / Tool-Operation) episodes of the quick profile on one
loaded model with greedy decoding; every turn re-encodes the episode's history (there is no prefix cache yet,
see bench/README.md). Printed: median wall time of each and the speed-up, with identical records checked.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import alternate, machine_line, ratio_line, seconds_line  # noqa: E402

from acbench.engines.hf import HFEngine  # noqa: E402
from acbench.models import resolve_model  # noqa: E402
from acbench.tasks.base import ResultStore  # noqa: E402
from acbench.tasks.registry import make_task  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--task", default="pddl", choices=["pddl", "tool_query", "tool_operation"])
    parser.add_argument("--episodes", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    engine = HFEngine(resolve_model(args.model))
    one = make_task(args.task, profile="quick", batch_size=1)
    together = make_task(args.task, profile="quick")
    samples = one.load(limit=args.episodes)

    def run(task):
        return task.run(engine, samples, ResultStore(None)).records

    seconds, outputs = alternate({"one episode at a time": lambda: run(one),
                                  "episodes side by side": lambda: run(together)}, args.repeats)
    same = sum(a["trajectory"] == b["trajectory"] for a, b in
               zip(outputs["one episode at a time"], outputs["episodes side by side"]))
    print(f"{machine_line()}; {args.task}: {len(samples)} episodes, {one.max_steps} steps at most")
    for name, runs in seconds.items():
        print(seconds_line(name, runs))
    print(f"identical trajectories: {same}/{len(samples)}")
    print(ratio_line("side by side / one at a time", seconds["one episode at a time"], seconds["episodes side by side"]))


if __name__ == "__main__":
    main()
