"""Multi-turn agent episodes: prefix reuse, continuous batching and episodes side by side, on the same episodes.

    .venv/bin/python bench/agent_episodes.py [--task pddl] [--episodes 4] [--repeats 3]
        [--max-steps N] [--max-new-tokens N]

Every contender runs the same PDDL (or Tool-Query / Tool-Operation) episodes of the quick profile on one
loaded model with greedy decoding; the agent loop sends each live episode's whole history every turn:
- one episode at a time (the loop's batch of 1), through the engine's scheduler with prefix reuse;
- episodes side by side, padded `model.generate` (the engine before its scheduler, `scheduler="padded"`);
- episodes side by side, scheduler without prefix reuse (every turn prefills its whole history);
- episodes side by side, scheduler with prefix reuse (a turn prefills only what its history added since the
  episode's previous turn: matched by token ids in the engine's prefix store).
The prefix store is emptied before every run, so no run reuses another's turns. Printed: median wall time of
each, the ratios, how many turns reused a prefix, and the trajectories checked identical to the first
contender's.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import alternate, machine_line, ratio_line, seconds_line  # noqa: E402

from acbench.engines.hf import HFEngine  # noqa: E402
from acbench.engines.scheduler import PrefixStore  # noqa: E402
from acbench.models import resolve_model  # noqa: E402
from acbench.tasks.base import ResultStore  # noqa: E402
from acbench.tasks.registry import make_task  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--task", default="pddl", choices=["pddl", "tool_query", "tool_operation"])
    parser.add_argument("--episodes", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--max-steps", type=int, default=None, help="the task's default unless given")
    parser.add_argument("--max-new-tokens", type=int, default=None, help="the task's default unless given")
    args = parser.parse_args()

    engine = HFEngine(resolve_model(args.model))
    if engine.scheduler is None:
        sys.exit("the engine fell back to its padded path for this model (see the log): nothing to compare")
    scheduler, store = engine.scheduler, engine.scheduler.store or PrefixStore()
    options = {k: v for k, v in (("max_steps", args.max_steps), ("max_new_tokens", args.max_new_tokens)) if v}
    one = make_task(args.task, profile="quick", batch_size=1, **options)
    together = make_task(args.task, profile="quick", **options)
    samples = one.load(limit=args.episodes)
    hits = {}

    def run(task, name, use_scheduler=True, reuse=True):
        engine.scheduler = scheduler if use_scheduler else None
        scheduler.store = store if reuse else None
        store.clear()
        before = store.hits, store.reused_tokens
        records = task.run(engine, samples, ResultStore(None)).records
        hits[name] = (store.hits - before[0], store.reused_tokens - before[1])
        return records

    contenders = {
        "one episode at a time (reuse)": lambda: run(one, "one episode at a time (reuse)"),
        "side by side, padded generate": lambda: run(together, "side by side, padded generate", use_scheduler=False),
        "side by side, scheduler, no reuse": lambda: run(together, "side by side, scheduler, no reuse", reuse=False),
        "side by side, scheduler + reuse": lambda: run(together, "side by side, scheduler + reuse"),
    }
    seconds, outputs = alternate(contenders, args.repeats)
    reference = outputs["one episode at a time (reuse)"]
    print(f"{machine_line()}; {args.task}: {len(samples)} episodes, {together.max_steps} steps at most")
    for name, runs in seconds.items():
        same = sum(a["trajectory"] == b["trajectory"] for a, b in zip(outputs[name], reference))
        print(f"{seconds_line(name, runs)}  identical trajectories {same}/{len(samples)}, "
              f"turns reusing a prefix {hits[name][0]} ({hits[name][1]} prompt tokens not prefilled)")
    base = seconds["side by side, padded generate"]
    print(ratio_line("side by side / one at a time", seconds["one episode at a time (reuse)"],
                     seconds["side by side, scheduler + reuse"]))
    print(ratio_line("scheduler no reuse / padded generate", base, seconds["side by side, scheduler, no reuse"]))
    print(ratio_line("scheduler + reuse / padded generate", base, seconds["side by side, scheduler + reuse"]))
    print(ratio_line("scheduler + reuse / scheduler no reuse", seconds["side by side, scheduler, no reuse"],
                     seconds["side by side, scheduler + reuse"]))


if __name__ == "__main__":
    main()
