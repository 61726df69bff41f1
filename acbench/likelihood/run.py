"""The likelihood measures inside a tracked run (acbench/run.py): measure each model, then pair and log.

    measures = LikelihoodRun.start(cfg, setups)          # None when likelihood=false; reads the corpus first
    hook = measures.alongside("base", base_engine, "base-abc123")   # evaluate_model(..., after_task=hook)
    measures.measure("base", base_engine, "base-abc123", log_metrics)
    measures.measure("compressed", comp_engine, "comp-def456", log_metrics)
    metrics = measures.compare(resamples=2000, seed=0)   # stats/... metrics; figure, tables and tags logged

Logged per model: `<role>/<capability>/<task>/gold_nll` and `.../gold_top1` (plus `gold_items`, `gold_tokens`),
`<role>/language/<corpus>/perplexity` (plus `nll`, `windows`, `window`, `tokens`), per-item records as
`results/<role>/<task>.gold.jsonl` and `results/<role>/perplexity-<corpus>.jsonl`, `time/<role>/likelihood_s`.

Where the engine keeps the keys/values of the prompts it generated from (the transformers engine's prefix store),
`alongside` scores each task's gold right after that task's generation, while the store still holds its
prompts: only the last prompt token and the reference run then (a task's prompts are not prefilled twice).
`measure` then reads those records back from the cache and adds the corpus perplexity.
An engine without likelihoods (vLLM for now) logs none, with a tag saying why; the run goes on.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from acbench import tracking
from acbench.config import RunConfig
from acbench.engines.base import Engine, LikelihoodUnsupported
from acbench.likelihood.compare import LikelihoodStats, compare_likelihood
from acbench.likelihood.gold import gold_results, score_setup
from acbench.likelihood.perplexity import CAPABILITY, Corpus, cache_name, corpus_perplexity, load_corpus, settings
from acbench.metrics import task_metrics
from acbench.models import cache_dir
from acbench.tasks.base import TaskResult

log = logging.getLogger(__name__)


@dataclass
class LikelihoodRun:
    """What one run measures: the tasks, the corpus and its window settings, and each role's results."""

    setups: list
    corpus: Corpus | None
    window: int
    max_windows: int | None
    gold: dict[str, dict[str, TaskResult]] = field(default_factory=dict)  # role -> task -> result
    perplexity: dict[str, dict[str, TaskResult]] = field(default_factory=dict)  # role -> corpus -> result
    stats: LikelihoodStats | None = None
    alongside_s: dict[str, float] = field(default_factory=dict)  # role -> seconds scored during its generation

    @classmethod
    def start(cls, cfg: RunConfig, setups: list) -> LikelihoodRun | None:
        """None when the run turns the measures off; a corpus that cannot be read fails here, before any model."""
        if not cfg.likelihood:
            return None
        window, windows = settings(cfg.profile, cfg.perplexity_window, cfg.perplexity_windows)
        corpus = load_corpus(cfg.perplexity_corpus)
        if corpus is not None:
            tracking.log_params({"likelihood.corpus_source": corpus.source})
        return cls(setups, corpus, window, windows)

    def alongside(self, role: str, engine: Engine, model_key: str):
        """evaluate_model's `after_task` hook that scores each task's gold right after its generation, for an
        engine that keeps its prompts' keys/values (`keeps_prompt_caches`); None for any other engine."""
        if not getattr(engine, "keeps_prompt_caches", False):
            return None
        self.alongside_s[role] = 0.0

        def after_task(setup) -> None:
            start = time.perf_counter()
            try:
                score_setup(engine, model_key, setup)
            except LikelihoodUnsupported:
                pass  # measure() says why, once
            self.alongside_s[role] += time.perf_counter() - start

        return after_task

    def measure(self, role: str, engine: Engine, model_key: str, log_metrics) -> None:
        """Gold likelihood of every task with references, and the corpus perplexity, of one model; logged."""
        start = time.perf_counter() - self.alongside_s.get(role, 0.0)
        if any(getattr(engine, name, None) is None for name in ("score_continuations", "score_windows")):
            why = f"the {type(engine).__name__} engine has no score_continuations/score_windows"
            log.warning("no gold likelihood or perplexity for the %s model: %s", role, why)
            tracking.set_tags({f"acbench.likelihood.{role}": f"none: {why}"})
            return
        try:
            gold, skipped = gold_results(engine, model_key, self.setups, on_result=self._log_gold(role, log_metrics))
            perplexity = {}
            if self.corpus is not None:
                cache = cache_dir() / "results" / model_key / cache_name(self.corpus, self.window, self.max_windows)
                result = corpus_perplexity(engine, self.corpus, self.window, self.max_windows, cache)
                perplexity[self.corpus.name] = result
                log_metrics(task_metrics(role, result))
                tracking.log_records(result.records, f"results/{role}/perplexity-{self.corpus.name}.jsonl")
        except LikelihoodUnsupported as err:
            log.warning("no gold likelihood or perplexity for the %s model: %s", role, err)
            tracking.set_tags({f"acbench.likelihood.{role}": f"none: {err}"})
            return
        self.gold[role], self.perplexity[role] = gold, perplexity
        tracking.set_tags({f"acbench.likelihood.{role}.{name}": f"none: {why}" for name, why in skipped.items()})
        log_metrics({f"time/{role}/likelihood_s": time.perf_counter() - start})

    @staticmethod
    def _log_gold(role: str, log_metrics):
        def on_result(name: str, result: TaskResult) -> None:
            log_metrics(task_metrics(role, result))
            tracking.log_records(result.records, f"results/{role}/{name}.gold.jsonl")

        return on_result

    def compare(self, resamples: int, seed: int) -> dict[str, float]:
        """Pair base and compressed (where both were measured); log the table, the figure and the tags."""
        if "base" not in self.gold or "compressed" not in self.gold:
            return {}
        self.stats = compare_likelihood(self.gold["base"], self.gold["compressed"], self.perplexity["base"],
                                        self.perplexity["compressed"], resamples=resamples, seed=seed)
        rows = self.stats.task_rows()
        if rows:
            import pandas as pd

            from acbench.report.format import to_markdown

            lines = "\n".join(f"- {k}: {v}" for k, v in self.stats.lines().items())
            tracking.log_table(pd.DataFrame(rows), "stats/likelihood.json")
            tracking.log_text(f"Gold likelihood and perplexity, compressed vs base (paired; beside the headlines, "
                              f"never instead of them):\n\n{lines}\n\n{to_markdown(pd.DataFrame(rows))}",
                              "stats/likelihood.md")
        figure = self.stats.figure()
        if figure is not None:
            tracking.log_figure(figure, "figures/likelihood/nll_deltas.png")
        tracking.set_tags({f"acbench.likelihood.{k}": v for k, v in self.stats.lines().items()})
        values = {f"{role}/{CAPABILITY}/{name}/perplexity": result.metrics["perplexity"]  # for the model card
                  for role in ("base", "compressed") for name, result in self.perplexity[role].items()}
        return {**self.stats.metrics(), **values}

    def lines(self) -> dict[str, str]:
        """capability (or `language/<corpus>`) -> its one-line reading, for the summary and the model card."""
        return self.stats.lines() if self.stats is not None else {}


__all__ = ["CAPABILITY", "LikelihoodRun"]
