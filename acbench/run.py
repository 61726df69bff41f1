"""One tracked run: resolve -> compress -> evaluate base and compressed -> analyse -> log to MLflow.

    acbench run --method gptq --tasks teval,needle          # or: mlflow run . -P method=gptq
    from acbench.run import run_experiment; run_experiment(RunConfig.from_params({"method": "rtn"}))

Everything that can be wrong with the config is checked before any model is loaded: the config itself,
the task options, the tracking server, and the compression spec against the model's layer widths.
"""

from __future__ import annotations

import inspect
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from acbench import __version__, tracking
from acbench.compression import CompressionResult, compress, validate_against_model
from acbench.compression.validate import TargetLayers
from acbench.config import RunConfig
from acbench.engines import LazyEngine
from acbench.engines.base import Engine
from acbench.engines.vllm_formats import check_vllm_run, engine_tags, server_log, serving_dtype
from acbench.evaluate import (
    TaskSetup,
    capability_scores,
    evaluate_model,
    retention,
    setup_tasks,
)
from acbench.items import item_traces
from acbench.likelihood.run import LikelihoodRun
from acbench.metrics import BASE, COMPRESSED, capability_metric, mlflow_metrics, task_metrics
from acbench.model_card import run_description, version_card
from acbench.models import resolve_model
from acbench.pairing import (
    ComparedModel,
    external_checkpoint,
    log_pairing,
    model_key as results_key,
    other_model,
    prepare_compared,
    run_name as pairing_run_name,
)
from acbench.stats import RunStats, compare_results

log = logging.getLogger(__name__)

# The paired statistics (acbench/stats/README.md): fixed, so that a run's intervals are reproducible.
STATS_RESAMPLES = 2000
STATS_SEED = 0


@dataclass
class RunOutcome:
    """What a finished run produced: its MLflow id, every logged metric, and the checkpoint."""

    run_id: str
    metrics: dict[str, float] = field(default_factory=dict)
    checkpoint: Path | None = None
    model_version: str | None = None
    model_id: str | None = None  # the MLflow LoggedModel holding the registered checkpoint


@dataclass
class Prepared:
    """A validated run: the resolved model and the built tasks, ready for heavy work."""

    cfg: RunConfig
    model_path: Path
    setups: list[TaskSetup]
    targets: TargetLayers  # the layers the compression acts on, validated against the model
    compared: ComparedModel | None = None  # the `model` of a reference run (method none)


def prepare(cfg: RunConfig) -> Prepared:
    """All validation, cheapest first; raises before any weights are loaded."""
    setups = setup_tasks(cfg)
    tracking.check_tracking()
    check_vllm_run(cfg)  # backend=vllm: the format is served here and vLLM is reachable, before any model loads
    model_path = resolve_model(cfg.base_model, trust_remote_code=cfg.model.trust_remote_code)  # reference or model
    targets = validate_against_model(cfg.compression, model_path)
    return Prepared(cfg, model_path, setups, targets, prepare_compared(cfg, model_path))


# engine_factory(cfg, model_path, kv_bits) -> Engine: how run_experiment builds the engine of each model
EngineFactory = Callable[[RunConfig, Path, str], Engine]


def make_engine(cfg: RunConfig, path: Path, kv_bits: str = "16") -> LazyEngine:
    """The engine of one model, as the config asks (backend, dtype, batch, context, KV-cache precision)."""
    engine = cfg.engine
    parallel = {} if engine.backend == "hf" else {  # vLLM's own tensor/pipeline parallelism (README: Beyond one GPU)
        "tensor_parallel": engine.tensor_parallel, "pipeline_parallel": engine.pipeline_parallel,
        "distributed_backend": engine.distributed_backend, "vllm_url": engine.vllm_url}
    dtype = cfg.model.dtype if engine.backend == "hf" else serving_dtype(cfg)  # vLLM: one dtype for both models
    return LazyEngine(model_path=path, backend=engine.backend, dtype=dtype, batch_size=engine.batch_size,
                      max_context=engine.max_context, trust_remote_code=cfg.model.trust_remote_code, kv_bits=kv_bits,
                      **parallel)


def _log_task(role: str, log_metrics: Callable[[dict[str, float]], None], setups: list[TaskSetup] | None = None,
              traces: bool = False, base: dict | None = None):
    """A callback that logs one finished task's metrics (`<role>/<capability>/<task>/...`, acbench.metrics)
    through the run's `log_metrics`, and its records and figures, right away; with `traces`, each item as an
    MLflow trace (acbench/items.py; against `base`, the base model's results, a compressed item's flip)."""
    by_name = {s.name: s for s in setups or []}

    def on_result(name, result, seconds):
        log_metrics({**task_metrics(role, result), f"time/{role}/eval_{name}_s": seconds})
        tracking.log_records(result.records, f"results/{role}/{name}.jsonl")
        for fig_name, figure in result.figures.items():
            tracking.log_figure(figure, f"figures/{role}/{fig_name}")
        if traces and name in by_name:
            start = time.perf_counter()
            setup = by_name[name]
            items = item_traces(name, role, result, setup.samples, setup.task, (base or {}).get(name))
            tracking.log_item_traces(items)
            log_metrics({f"time/{role}/traces_{name}_s": time.perf_counter() - start})

    return on_result


def _log_flips(base: dict, comp: dict, run_stats: RunStats) -> None:
    """What flipped per task (acbench/flips.py): the summary beside the paired statistics, every paired item,
    and the figure; `acbench diff <run>` reads the first two back."""
    import matplotlib.pyplot as plt
    import pandas as pd

    from acbench.flips import flip_figure, paired_items, task_summary
    from acbench.report.format import to_markdown

    stats_rows = {row["task"]: row for row in run_stats.summary()}
    pairs = {name: paired_items(name, base[name], comp[name]) for name in comp if name in base}
    if not pairs:
        return
    summary = pd.DataFrame([task_summary(name, p, stats_rows.get(name)) for name, p in pairs.items()])
    tracking.log_table(summary, "flips/summary.json")
    tracking.log_table(pd.DataFrame([item.row() for p in pairs.values() for item in p]), "flips/items.json")
    tracking.log_text(to_markdown(summary), "flips/summary.md")
    figure = flip_figure(pairs)
    tracking.log_figure(figure, "figures/flips.png")
    plt.close(figure)


def run_experiment(cfg: RunConfig, parent_run_id: str | None = None, run_name: str | None = None,
                   engine_factory: EngineFactory = make_engine) -> RunOutcome:
    """Compress, evaluate the original and compressed model, analyse, and track it all in one MLflow run.

    `engine_factory(cfg, model_path, kv_bits)` builds each model's engine (default `make_engine`; tests give
    scripted engines). The base model always runs with a 16-bit KV cache, the compared one with `cfg`'s.
    """
    prepared = prepare(cfg)
    compressing = cfg.compression.method != "none"
    tags = {"acbench.config_hash": cfg.config_hash(), "acbench.version": __version__,
            "acbench.git_commit": tracking.git_commit(), "acbench.profile": cfg.profile}
    name = run_name or pairing_run_name(cfg)
    with tracking.tracked_run(cfg.experiment, name, parent_run_id, tags) as run_id:
        outcome = RunOutcome(run_id)
        logged: dict[str, float] = {}  # every metric logged so far, under its MLflow name

        def log_metrics(metrics: dict[str, float], model_id: str | None = None) -> None:
            logged.update(tracking.log_metrics(metrics, model_id=model_id))

        tracking.claim_run()  # owner tags; runs of this host whose process died (kill -9) are marked KILLED
        tracking.log_params(cfg.flat_params())  # compression params only where they apply
        for setup in prepared.setups:
            tracking.log_params({f"task.{setup.name}.{k}": v for k, v in setup.options.items()})
            tracking.set_tags({f"acbench.task_version.{setup.name}": getattr(setup.task, "version", "1")})
        tracking.log_dict(cfg.model_dump(mode="json"), "config.yaml")
        _log_datasets(cfg, prepared.setups)
        tracking.set_description(run_description(cfg))
        likelihood = LikelihoodRun.start(cfg, prepared.setups)  # None: likelihood=false; a bad corpus fails here

        compressed: CompressionResult | None = None
        if compressing:
            compressed = compress(cfg.compression, prepared.model_path, targets=prepared.targets)
            stats = compressed.stats
            log_metrics({f"model/{k}": v for k, v in stats.items() if k not in ("compress_s", "cached")})
            log_metrics({"time/compress_s": stats["compress_s"]})
            tracking.set_tags({"acbench.compression_cached": stats.get("cached", False),
                               "acbench.compression_key": compressed.key,  # the checkpoint folder's name
                               "acbench.note.sparsity": "pruned checkpoints are stored dense: sparsity is a "
                               "property of the weights, not of file size or speed"})

        compared = prepared.compared
        pair_metrics = log_pairing(cfg, prepared.model_path, compared)  # tags; sizes of a reference run
        logged.update(mlflow_metrics(pair_metrics))
        model_key = results_key(cfg, prepared.model_path)  # the one results-cache key (pairing.py)
        base_engine = engine_factory(cfg, prepared.model_path, "16")
        start = time.perf_counter()
        try:
            base = evaluate_model(base_engine, f"base-{model_key}", prepared.setups,
                                  _log_task(BASE, log_metrics, prepared.setups, cfg.traces),
                                  likelihood.alongside(BASE, base_engine, f"base-{model_key}") if likelihood else None)
        finally:
            _engine_done(base_engine, BASE)
        log_metrics({"time/eval_base_s": time.perf_counter() - start - _alongside_s(likelihood, BASE)})
        if likelihood is not None:
            likelihood.measure(BASE, base_engine, f"base-{model_key}", log_metrics)
        outcome.metrics.update({capability_metric(BASE, c): v for c, v in capability_scores(base).items()})

        other = other_model(cfg, prepared.model_path, compared, compressed)  # (path, results key) | None
        if other is not None:
            comp_engine = engine_factory(cfg, other[0], cfg.engine.kv_bits)
            start = time.perf_counter()
            try:
                comp = evaluate_model(comp_engine, other[1], prepared.setups,
                                      _log_task(COMPRESSED, log_metrics, prepared.setups, cfg.traces, base),
                                      likelihood.alongside(COMPRESSED, comp_engine, other[1]) if likelihood else None)
            finally:
                _engine_done(comp_engine, COMPRESSED)
            log_metrics({"time/eval_s": time.perf_counter() - start - _alongside_s(likelihood, COMPRESSED)})
            if likelihood is not None:
                likelihood.measure(COMPRESSED, comp_engine, other[1], log_metrics)
            outcome.metrics.update({capability_metric(COMPRESSED, c): v for c, v in capability_scores(comp).items()})
            run_stats = compare_results(base, comp, resamples=STATS_RESAMPLES, seed=STATS_SEED)
            outcome.metrics.update(retention(base, comp, run_stats.measurable()))
            outcome.metrics.update(retention(base, comp, run_stats.measurable(), plain=True))
            outcome.metrics.update(run_stats.metrics())
            if likelihood is not None:
                outcome.metrics.update(likelihood.compare(resamples=STATS_RESAMPLES, seed=STATS_SEED))
            _log_stats(run_stats, likelihood.lines() if likelihood is not None else {})
            _log_flips(base, comp, run_stats)
            if cfg.analysis:
                outcome.metrics.update(_analyse(base_engine, comp_engine, compared))
            if compressed is None and compared is not None and compared.fmt != "dense":
                compressed = external_checkpoint(compared, pair_metrics)  # registered like acbench's own
            outcome.checkpoint = compressed.path if compressed is not None else other[0]
            if cfg.register_checkpoint and compressed is not None:
                _register(cfg, outcome, compressed)
        log_metrics(outcome.metrics, model_id=outcome.model_id)  # linked to the logged model, if any
        tracking.set_description(run_description(cfg, outcome.metrics))
        outcome.metrics = logged  # everything logged, under the names MLflow holds (acbench.metrics.mlflow_name)
    return outcome


def _alongside_s(likelihood: LikelihoodRun | None, role: str) -> float:
    """Seconds of gold likelihood scored between a model's tasks: counted as likelihood time, not evaluation."""
    return likelihood.alongside_s.get(role, 0.0) if likelihood is not None else 0.0


def _engine_done(engine, role: str) -> None:
    """After a model's generations: what served them (tags), its server's log (artifact), the server stopped.
    The engine stays usable for the analyses, which run in transformers (full logits)."""
    if not getattr(engine, "loaded", True) or not hasattr(engine, "info"):
        return  # every result came from the cache, or a backend with nothing to say (transformers, tests)
    info = engine.info()
    tracking.set_tags({**engine_tags(role, info), "acbench.note.vllm": (
        f"generations served by vLLM ({info['vllm_mode']}), base and compressed at the same activation dtype "
        f"({info['dtype']}): the retention compares weights only; the analyses (ERank, top-k, energy) and the "
        f"gold likelihood and perplexity need full logits and run in transformers")})
    log_path = server_log(engine)
    if log_path is not None and log_path.is_file():
        tracking.log_file(log_path, f"vllm/{role}")
    engine.close()


def _register(cfg: RunConfig, outcome: RunOutcome, compressed: CompressionResult) -> None:
    """Log the checkpoint as an MLflow LoggedModel and register a version of it with a model card."""
    version_tags = {**{k: v for k, v in cfg.flat_params().items() if k not in ("tasks", "limit")},
                    "config_hash": cfg.config_hash(), "compression_key": compressed.key}
    outcome.model_id = tracking.log_checkpoint_model(compressed.path, params=version_tags)
    sizes = {f"model/{k}": v for k, v in compressed.stats.items() if k not in ("compress_s", "cached")}
    tracking.log_metrics(sizes, model_id=outcome.model_id)  # the run has them already: here linked to the model
    card = version_card(cfg, {**outcome.metrics, **sizes}, tracking.run_link(outcome.run_id), compressed.key)
    outcome.model_version = tracking.register_checkpoint(
        compressed.path, registered_name(cfg.model.name), version_tags, model_id=outcome.model_id, description=card)


def _log_datasets(cfg: RunConfig, setups: list[TaskSetup]) -> None:
    """Each task's samples as an MLflow dataset input: which items, from which source, under which digest."""
    for setup in setups:
        source = cfg.task_options.get(setup.name, {}).get("data") or _builtin_source(setup.task)
        rows = [{"id": s.id, "upstream_id": s.upstream_id} for s in setup.samples]
        tracking.log_dataset(setup.name, rows, str(source), setup.key,
                             {"task_version": getattr(setup.task, "version", "1"), "samples": len(rows),
                              "profile": cfg.profile, "limit": cfg.limit})


def _builtin_source(task) -> Path:
    """The data folder shipped with a task's package (its built-in suite), else the package itself."""
    package = Path(inspect.getfile(type(task))).parent
    return package / "data" if (package / "data").is_dir() else package


def _log_stats(run_stats: RunStats, likelihood_lines: dict[str, str] | None = None) -> None:
    """Tags (`acbench.stats.<task>` = measured | floor | why there are none) and the summary table; with the
    gold likelihood's reading per capability and the perplexity beside it (acbench/likelihood/)."""
    import pandas as pd

    from acbench.report.format import to_markdown

    tracking.set_tags(run_stats.tags())
    rows = run_stats.summary()
    for row in rows:
        if row["status"] not in ("measured", "floor"):
            log.warning("no statistics for task %s: %s", row["task"], row["note"])
    frame = pd.DataFrame(rows)
    tracking.log_table(frame, "stats/summary.json")
    beside = ""
    if likelihood_lines:
        beside = ("\n\nBeside the headlines (compressed - base, paired; not the paper's metric, see "
                  "stats/likelihood.md):\n" + "\n".join(f"- {k}: {v}" for k, v in likelihood_lines.items()))
    tracking.log_text(f"{run_stats.describe()}\n\n{to_markdown(frame)}{beside}", "stats/summary.md")


def _analyse(base_engine, comp_engine, compared: ComparedModel | None = None) -> dict[str, float]:
    from acbench.analysis.compare import compare_models

    # different tokenizers (a reference run): ERank only, each model on its own tokens; the tag says why
    result = compare_models(base_engine, comp_engine, same_tokenizer=compared is None or compared.tokenizer_note is None)
    if getattr(comp_engine, "analysis_kv_bits", None) not in (None, getattr(comp_engine, "kv_bits", "16")):
        result.info["kv_bits"] = f"{comp_engine.analysis_kv_bits} (the backend's analysis pass has no {comp_engine.kv_bits} cache)"
    tracking.log_params({f"analysis.{k}": v for k, v in result.info.items()})  # text set version, ks, lengths
    for fig_name, figure in result.figures.items():
        tracking.log_figure(figure, f"figures/analysis/{fig_name}")
    for table_name, frame in result.tables.items():
        tracking.log_table(frame, f"analysis/{table_name}.json")
    return result.metrics


def registered_name(model: str) -> str:
    """One registered model per base model; versions carry method and params as tags."""
    slug = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in Path(model).name or model)
    return f"acbench-{slug}"
