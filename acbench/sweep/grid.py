"""`acbench grid FILE`: run a fixed list of configurations (a paper grid) under one MLflow parent run.

    acbench grid experiments/paper_quantization.yaml --dry-run     # list the runs, validate every config
    acbench grid experiments/paper_quantization.yaml               # run them (finished ones are skipped)
    acbench grid experiments/paper_quantization.yaml --only 0,2 --rerun

Grid file format (`yaml.safe_load`; keys are the flat run parameters of `acbench run`, or nested sections):

    experiment: acbench-paper            # MLflow experiment of every run (default: acbench)
    base: {profile: paper, tasks: all}   # shared by every run
    grid:                                # optional cartesian product, combined with each entry of `runs`
      model: [Qwen/Qwen2.5-7B-Instruct, meta-llama/Llama-3.1-8B-Instruct]
    runs:                                # optional list of overrides (default: one run per grid point)
      - {method: gptq, bits: 4}
      - {method: awq, bits: 4}
    seeds: [0, 1, 2]                     # optional: repeat every run over these calibration seeds

Repeats over `seeds` are separate runs (each with its own config hash); `acbench report` averages them into one
row with the spread across seeds beside the per-item interval.

A run whose config hash already has a FINISHED run in the experiment is skipped, so an interrupted grid
resumes where it stopped.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
from pathlib import Path

from acbench.config import RunConfig, load_config, load_yaml_file
from acbench.errors import ACBenchError, ConfigError

log = logging.getLogger(__name__)
_TOP_KEYS = {"experiment", "base", "grid", "runs", "seeds"}


def load_grid(path: str | Path) -> list[tuple[str, RunConfig]]:
    """Expand a grid file into (label, RunConfig) pairs; any invalid run is a ConfigError naming it."""
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"grid file not found: {path}")
    data = load_yaml_file(path) or {}
    if not isinstance(data, dict) or set(data) - _TOP_KEYS:
        raise ConfigError(f"{path}: a grid file is a mapping with keys {sorted(_TOP_KEYS)}; "
                          f"got {sorted(data) if isinstance(data, dict) else type(data).__name__}")
    base = dict(data.get("base") or {})
    grid = dict(data.get("grid") or {})
    runs = list(data.get("runs") or [{}])
    for key, values in grid.items():
        if not isinstance(values, list) or not values:
            raise ConfigError(f"{path}: grid '{key}' must be a non-empty list")
    if "experiment" in data:
        base["experiment"] = data["experiment"]
    seeds = _seeds(path, data.get("seeds"))
    out = []
    points = [dict(zip(grid, combo)) for combo in itertools.product(*grid.values())] or [{}]
    for point in points:
        for index, run in enumerate(runs):
            if not isinstance(run, dict):
                raise ConfigError(f"{path}: runs[{index}] must be a mapping of overrides")
            if seeds and "seed" in {**base, **point, **run}:
                raise ConfigError(f"{path}: runs[{index}] sets 'seed' and the file repeats over 'seeds': use one")
            for seed in seeds or [None]:
                extra = {} if seed is None else {"seed": seed}
                merged = {**base, **point, **run, **extra}
                label = ", ".join(f"{k}={v}" for k, v in {**point, **run, **extra}.items()) or "base"
                try:
                    out.append((label, load_config(merged)))
                except ConfigError as err:
                    raise ConfigError(f"{path}: run '{label}': {err}") from None
    experiments = {cfg.experiment for _, cfg in out}
    if len(experiments) > 1:
        raise ConfigError(f"{path}: all runs of a grid share one experiment, got {sorted(experiments)}")
    return out


def _seeds(path: Path, seeds) -> list[int]:
    """The file's `seeds` list (repeats of every run), checked: distinct integers."""
    if seeds is None:
        return []
    if (not isinstance(seeds, list) or not seeds or len(set(seeds)) != len(seeds)
            or not all(isinstance(s, int) and not isinstance(s, bool) for s in seeds)):
        raise ConfigError(f"{path}: 'seeds' must be a non-empty list of distinct integers, got {seeds!r}")
    return seeds


def run_grid(path: str | Path, only: list[int] | None = None, rerun: bool = False, run=None) -> list[dict]:
    """Run the grid's configs in order under one parent run; returns one status row per run.

    `run` runs one config, with the signature of `acbench.run.run_experiment` (the default).
    """
    from acbench import tracking

    if run is None:
        from acbench.run import run_experiment as run

    configs = load_grid(path)
    chosen = [(i, *configs[i]) for i in (only if only is not None else range(len(configs)))]
    experiment = configs[0][1].experiment
    tracking.check_tracking()
    name = f"grid-{Path(path).stem}"
    previous = tracking.search_runs([experiment], f"tags.`acbench.kind` = 'grid' and attributes.run_name = '{name}'")
    parent = str(previous.iloc[-1]["run_id"]) if not previous.empty else tracking.create_run(
        experiment, name, {"acbench.kind": "grid", "acbench.grid.file": str(path)})
    tracking.set_run_status(parent, "RUNNING")
    rows, status = [], "FINISHED"
    try:
        for index, label, cfg in chosen:
            done = tracking.search_runs([experiment], f"tags.`acbench.config_hash` = '{cfg.config_hash()}' "
                                        "and attributes.status = 'FINISHED'")
            if not done.empty and not rerun:
                rows.append({"index": index, "run": label, "status": "skipped (finished before)",
                             "run_id": str(done.iloc[-1]["run_id"])})
                continue
            try:
                outcome = run(cfg, parent_run_id=parent, run_name=f"{name}-{index}")
                rows.append({"index": index, "run": label, "status": "finished", "run_id": outcome.run_id})
            except ACBenchError as err:  # invalid for this model (validation happens before heavy work)
                rows.append({"index": index, "run": label, "status": f"invalid: {err}", "run_id": ""})
            except Exception as err:
                log.exception("grid run %d (%s) failed", index, label)
                rows.append({"index": index, "run": label, "status": f"failed: {type(err).__name__}: {err}",
                             "run_id": ""})
    except KeyboardInterrupt:
        status = "KILLED"
        raise
    finally:
        _log_family(experiment, parent, rows)
        tracking.set_run_status(parent, status)
    return rows


def _log_family(experiment: str, parent: str, rows: list[dict]) -> None:
    """Every paired task test of the grid's finished (and skipped) runs, Holm-adjusted as one family, on the
    parent run (acbench/stats/family.py): `sweep/p_values.json`, `family/...` metrics, the method in a tag."""
    from acbench import tracking
    from acbench.stats.family import adjust_family, describe, family_metrics, task_deltas, task_pvalues

    ids = [r["run_id"] for r in rows if r["run_id"]]
    if not ids:
        return
    try:
        quoted = ", ".join(f"'{i}'" for i in ids)
        runs = tracking.search_runs([experiment], f"attributes.run_id IN ({quoted})")
        members, deltas = {}, {}
        labels = {r["run_id"]: f"{r['index']}: {r['run']}" for r in rows if r["run_id"]}
        for _, run in runs.iterrows():
            metrics = {c[len("metrics."):]: v for c, v in run.items() if str(c).startswith("metrics.")}
            members[labels[run["run_id"]]] = task_pvalues(metrics)
            deltas[labels[run["run_id"]]] = task_deltas(metrics)
        frame = adjust_family(members, deltas)
        tracking.log_to_run(parent, metrics=family_metrics(frame),
                            tags={"acbench.grid.p_family": describe(frame, "runs of the grid")},
                            tables={"grid/p_values.json": frame.astype(object).where(frame.notna(), None)})
    except Exception as err:  # the runs are logged either way; the family table is a summary
        log.warning("could not log the grid's family-wise p-values to %s: %s", parent, err)


def add_grid_parser(sub) -> None:
    parser = sub.add_parser("grid", help="run every configuration of a grid file (experiments/*.yaml)",
                            description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file")
    parser.add_argument("--dry-run", action="store_true", help="validate and list the runs, run nothing")
    parser.add_argument("--only", default=None, help="comma-separated run indices (as listed by --dry-run)")
    parser.add_argument("--rerun", action="store_true", help="run configs that already have a finished run")
    parser.set_defaults(func=cmd_grid)


def cmd_grid(args: argparse.Namespace) -> int:
    configs = load_grid(args.file)
    only = None
    if args.only:
        try:
            only = [int(x) for x in args.only.split(",") if x.strip()]
        except ValueError:
            raise ConfigError(f"--only wants comma-separated indices, got '{args.only}'") from None
        bad = [i for i in only if not 0 <= i < len(configs)]
        if bad:
            raise ConfigError(f"--only: no run(s) {bad}; the grid has {len(configs)} runs (0..{len(configs) - 1})")
    if args.dry_run:
        for i, (label, cfg) in enumerate(configs):
            if only is None or i in only:
                print(f"{i:3d}  {cfg.model.name:40s} {label}  [{cfg.config_hash()}]")
        return 0
    rows = run_grid(args.file, only=only, rerun=args.rerun)
    print(json.dumps(rows, indent=2))
    return 1 if any(r["status"].startswith("failed") for r in rows) else 0
