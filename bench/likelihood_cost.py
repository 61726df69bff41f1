"""What the likelihood measures add to a run's evaluation of one model, done the way a run does them: each task's
gold scored right after that task's generation (the prompts still cached), then the corpus perplexity.

    .venv/bin/python bench/likelihood_cost.py [--model smollm2-135m] [--tasks teval,worfbench,needle,pddl] [--repeats 3]

Contenders, alternating over `--repeats`, each from an empty results cache and an empty prefix store:
- `generation`: `evaluate_model` on the quick profile's tasks (what `time/eval_base_s` measures in a run);
- `generation + likelihood`: the same with `LikelihoodRun.alongside`'s hook (gold per task) and
  `corpus_perplexity` with the profile's windows after it.
The added share, (with - without) / without, is what the measures add to the evaluation; the issue's budget is
20 % on the quick profile. A whole run (compression, analyses, logging) is longer, so its share is lower. Also
printed: the parts (gold beside generation, perplexity) and the gold NLL per task, identical in every repeat.
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
from common import alternate, machine_line, seconds_line  # noqa: E402

import acbench.evaluate as evaluate  # noqa: E402
from acbench.config import load_config  # noqa: E402
from acbench.engines.hf import HFEngine  # noqa: E402
from acbench.likelihood.gold import gold_results, score_setup  # noqa: E402
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
    parts: dict[str, list[float]] = {"gold beside generation": [], "perplexity": []}
    gold_values: list[dict[str, float]] = []

    def fresh():
        folder = Path(tempfile.mkdtemp(prefix="acbench-bench-"))
        evaluate.results_path = lambda key, setup: folder / key / f"{setup.name}-{setup.key}.jsonl"
        if engine.scheduler is not None and engine.scheduler.store is not None:
            engine.scheduler.store.clear()  # as a new engine in a run: nothing from the previous repeat

    def generation():
        fresh()
        return evaluate.evaluate_model(engine, "bench", setups)

    def with_likelihood():
        fresh()
        gold_s = 0.0

        def after_task(setup):
            nonlocal gold_s
            start = time.perf_counter()
            score_setup(engine, "bench", setup)
            gold_s += time.perf_counter() - start

        results = evaluate.evaluate_model(engine, "bench", setups, after_task=after_task)
        start = time.perf_counter()
        gold, _ = gold_results(engine, "bench", setups)  # reads the records scored beside generation
        gold_values.append({name: r.metrics["gold_nll"] for name, r in gold.items()})
        ppl = corpus_perplexity(engine, corpus, window, windows) if corpus is not None else None
        parts["gold beside generation"].append(gold_s)
        parts["perplexity"].append(time.perf_counter() - start)
        return results, ppl

    try:
        seconds, outputs = alternate({"generation": generation, "generation + likelihood": with_likelihood},
                                     args.repeats)
    finally:
        evaluate.results_path = real_path
    print(machine_line())
    print(f"model {args.model}; tasks {', '.join(s.name for s in setups)}; "
          f"perplexity: {corpus.name if corpus else 'none'}, {windows} windows of {window} tokens")
    for name, values in {**seconds, **parts}.items():
        print(seconds_line(name, values))
    added = [(lk - gen) / gen for gen, lk in zip(seconds["generation"], seconds["generation + likelihood"])]
    print(f"added by the likelihood measures: {100 * statistics.median(added):.1f} % of generation  "
          f"(min {100 * min(added):.1f} %, max {100 * max(added):.1f} % over {len(added)} repeats)")
    _, ppl = outputs["generation + likelihood"]
    for name, value in gold_values[-1].items():
        print(f"gold NLL {name:14} {value:.4f} nats/token")
    if ppl is not None:
        print(f"perplexity {ppl.task}: {ppl.metrics['perplexity']:.3f}")
    print("gold NLL identical in every repeat:", all(g == gold_values[0] for g in gold_values))


if __name__ == "__main__":
    main()
