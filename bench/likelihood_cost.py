"""What the likelihood measures add to a run: gold NLL of every quick task plus the perplexity windows, against
the generation the run does anyway, on one model (a run does both on each of its two models alike).

    .venv/bin/python bench/likelihood_cost.py [--model smollm2-135m] [--tasks teval,worfbench,needle,pddl] [--repeats 3]

Contenders, alternating over `--repeats`, each from an empty results cache (nothing resumed or reused):
- `generation`: `evaluate_model` on the quick profile's tasks (what `time/eval_base_s` measures in a run);
- `likelihood`: `gold_results` on the same tasks and `corpus_perplexity` with the profile's windows (what
  `time/base/likelihood_s` measures).
The ratio likelihood / generation is the share the measures add to the evaluation; the whole run (compression,
analyses, logging) is longer, so the share of the run's time is lower than this. The issue's budget: at most
20 % on the quick profile. Also printed: the gold NLL per task, identical in every repeat (a check).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import alternate, machine_line, seconds_line  # noqa: E402

import acbench.evaluate as evaluate  # noqa: E402
from acbench.config import load_config  # noqa: E402
from acbench.engines.hf import HFEngine  # noqa: E402
from acbench.likelihood.gold import gold_results  # noqa: E402
from acbench.likelihood.perplexity import corpus_perplexity, load_corpus, settings  # noqa: E402
from acbench.models import resolve_model  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--tasks", default="", help="comma-separated; default: the quick profile's tasks")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    os.environ["ACBENCH_NO_PROGRESS"] = "1"
    cfg = load_config(None, {"method": "none", **({"tasks": args.tasks} if args.tasks else {})})
    setups = evaluate.setup_tasks(cfg)
    engine = HFEngine(resolve_model(args.model))
    corpus = load_corpus(cfg.perplexity_corpus)
    window, windows = settings(cfg.profile, cfg.perplexity_window, cfg.perplexity_windows)
    real_path = evaluate.results_path
    gold_values: list[dict[str, float]] = []

    def fresh_cache():
        folder = Path(tempfile.mkdtemp(prefix="acbench-bench-"))
        evaluate.results_path = lambda key, setup: folder / key / f"{setup.name}-{setup.key}.jsonl"

    def generation():
        fresh_cache()
        return evaluate.evaluate_model(engine, "bench", setups)

    def likelihood():
        fresh_cache()
        results, _ = gold_results(engine, "bench", setups)
        gold_values.append({name: r.metrics["gold_nll"] for name, r in results.items()})
        ppl = corpus_perplexity(engine, corpus, window, windows) if corpus is not None else None
        return results, ppl

    try:
        seconds, outputs = alternate({"generation": generation, "likelihood": likelihood}, args.repeats)
    finally:
        evaluate.results_path = real_path
    print(machine_line())
    print(f"model {args.model}; tasks {', '.join(s.name for s in setups)}; "
          f"perplexity: {corpus.name if corpus else 'none'}, {windows} windows of {window} tokens")
    for name, values in seconds.items():
        print(seconds_line(name, values))
    shares = [lk / gen for gen, lk in zip(seconds["generation"], seconds["likelihood"])]
    print(f"share likelihood / generation: {100 * statistics.median(shares):.1f} %  (min {100 * min(shares):.1f} %, "
          f"max {100 * max(shares):.1f} % over {len(shares)} repeats)")
    _, ppl = outputs["likelihood"]
    for name, value in gold_values[-1].items():
        print(f"gold NLL {name:14} {value:.4f} nats/token")
    if ppl is not None:
        print(f"perplexity {ppl.task}: {ppl.metrics['perplexity']:.3f}")
    print("gold NLL identical in every repeat:", all(g == gold_values[0] for g in gold_values))


if __name__ == "__main__":
    main()
