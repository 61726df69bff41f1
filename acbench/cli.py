"""The `acbench` command.

    acbench run --method gptq --bits 4 --group_size 64 --tasks tool_use,needle
    acbench run --config experiments/quick.yaml --method awq
    acbench compress --method sparsegpt --pattern 2:4
    acbench evaluate --tasks teval                         # the original model alone (method none)
    acbench score --task teval --data DIR --predictions preds.jsonl --per-item items.jsonl
    acbench analyze --original smollm2-135m --compressed ~/.cache/acbench/compressed/<key>
    acbench sweep sweeps/quick.yaml --trials 4 --study quick
    acbench report --experiment acbench
    acbench diff <run_id>                                  # what flipped between base and compressed
    acbench tasks                                          # what is registered
"""

from __future__ import annotations

import argparse
import json
import logging
import sys

from acbench.config import PARAMS, RunConfig, load_config
from acbench.errors import ACBenchError, ConfigError

log = logging.getLogger("acbench")


def _add_run_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", help="a YAML run config (experiments/*.yaml); flags override it")
    for name, param in PARAMS.items():  # the flat schema, from RunConfig's fields (acbench/config.py)
        parser.add_argument(f"--{name}", default=None, metavar=param.kind.upper(), help=_flag_help(param))
    parser.add_argument("--task-option", action="append", default=[], metavar="TASK.KEY=VALUE",
                        help="a task option, e.g. needle.lengths=[500,1000] (value parsed as YAML)")
    parser.add_argument("--data", action="append", default=[], metavar="TASK=PATH",
                        help="a task's data source (local file/dir or hub id) instead of its built-in suite")


def _flag_help(param) -> str:
    choices = f"{'|'.join(map(str, param.choices))}; " if param.choices else ""
    default = ",".join(param.default) if isinstance(param.default, tuple) else param.default
    profile = " (unset: the profile's)" if param.name in ("tasks", "calib_samples", "calib_seq_len") else ""
    return f"{choices}default {default}{profile}"


def _config_from_args(args: argparse.Namespace, forced: dict | None = None) -> RunConfig:
    """The config file (if any) with the flags, task options and data sources on top (`load_config`)."""
    import yaml

    overrides: dict = {name: getattr(args, name) for name in PARAMS if getattr(args, name, None) is not None}
    overrides.update(forced or {})
    options: dict = {}
    for item in args.task_option:
        key, sep, value = item.partition("=")
        task, dot, option = key.partition(".")
        if not sep or not dot:
            raise ConfigError(f"--task-option wants TASK.KEY=VALUE, got '{item}'")
        options.setdefault(task, {})[option] = yaml.safe_load(value)
    for item in args.data:
        task, sep, path = item.partition("=")
        if not sep:
            raise ConfigError(f"--data wants TASK=PATH, got '{item}'")
        options.setdefault(task, {})["data"] = path
    if options:
        overrides["task_options"] = options
    return load_config(args.config or None, overrides)


def cmd_run(args: argparse.Namespace, forced: dict | None = None) -> int:
    from acbench.run import run_experiment

    cfg = _config_from_args(args, forced)
    outcome = run_experiment(cfg)
    summary = {k: round(v, 4) for k, v in sorted(outcome.metrics.items())
               if k.startswith(("retention/", "model/", "time/")) or k.endswith("/score") or k.count("/") == 1}
    print(json.dumps({"run_id": outcome.run_id, "checkpoint": str(outcome.checkpoint) if outcome.checkpoint else None,
                      "model_version": outcome.model_version, "metrics": summary}, indent=2))
    return 0


def cmd_compress(args: argparse.Namespace) -> int:
    from acbench.compression import compress
    from acbench.models import resolve_model

    cfg = _config_from_args(args)
    path = resolve_model(cfg.model.name, trust_remote_code=cfg.model.trust_remote_code)
    result = compress(cfg.compression, path)  # validates against the model before loading any weights
    print(json.dumps({"checkpoint": str(result.path), **result.stats}, indent=2, default=str))
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    from acbench.predictions import match_ids, per_item_rows, read_predictions, write_per_item
    from acbench.tasks.registry import make_task

    task = make_task(args.task, profile=args.profile, **_parse_options(args.option))
    samples = task.load(source=args.data, limit=None)
    predictions = match_ids(read_predictions(args.predictions), samples)
    # Items without a prediction count as wrong only when asked: a quick run predicts a subset of the suite.
    scored = samples if args.missing_as_wrong else [s for s in samples if s.id in predictions]
    result = task.score_predictions(scored, predictions)
    if args.per_item:
        write_per_item(args.per_item, per_item_rows(result.records, scored, set(predictions)))
    print(json.dumps({"task": args.task, "items": len(samples), "predicted": len(predictions),
                      "scored": len(scored), "headline": result.main, "metrics": result.metrics}, indent=2))
    return 0


def _parse_options(items: list[str]) -> dict:
    import yaml

    options = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise ConfigError(f"--option wants KEY=VALUE, got '{item}'")
        options[key] = yaml.safe_load(value)
    return options


def cmd_analyze(args: argparse.Namespace) -> int:
    from acbench.analysis.cli import analyze_main

    metrics = analyze_main(args.original, args.compressed, max_length=args.max_length)
    print(json.dumps(metrics, indent=2))
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    from acbench import tracking
    from acbench.flips import print_diff

    summary, items = tracking.run_flips(args.run_id)
    if args.task:
        summary = [row for row in summary if row["task"] in args.task]
    print_diff(summary, items, top=args.top)
    return 0


def cmd_tasks(args: argparse.Namespace) -> int:
    from acbench.tasks.registry import TASKS

    for name, (capability, target) in TASKS.items():
        print(f"{name:16} {capability:14} {target}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="acbench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="compress, evaluate base and compressed, analyse, log to MLflow")
    _add_run_flags(run)
    run.set_defaults(func=cmd_run)
    evaluate = sub.add_parser("evaluate", help="evaluate the original model alone (method none), tracked")
    _add_run_flags(evaluate)
    evaluate.set_defaults(func=lambda a: cmd_run(a, {"method": "none"}))
    comp = sub.add_parser("compress", help="compress only (cached), print the checkpoint and its measured stats")
    _add_run_flags(comp)
    comp.set_defaults(func=cmd_compress)

    score = sub.add_parser("score", help="score saved predictions without a model")
    score.add_argument("--task", required=True)
    score.add_argument("--data", default=None, help="upstream-format file or directory (default: built-in suite)")
    score.add_argument("--predictions", required=True,
                       help="JSONL of {id, prediction}; ids as acbench writes them or as the upstream data file does")
    score.add_argument("--option", action="append", default=[], metavar="KEY=VALUE", help="task option")
    score.add_argument("--profile", default="paper", choices=["quick", "paper"],
                       help="the profile the predictions were made with (decides generated items such as K)")
    score.add_argument("--missing-as-wrong", action="store_true",
                       help="score every item of the data, counting items without a prediction as wrong")
    score.add_argument("--per-item", default=None, metavar="FILE",
                       help="also write one JSON line per item: its ids and every metric, paper and _strict")
    score.set_defaults(func=cmd_score)

    analyze = sub.add_parser("analyze", help="ERank, top-k consistency and energy between two models")
    analyze.add_argument("--original", required=True)
    analyze.add_argument("--compressed", required=True)
    analyze.add_argument("--max-length", type=int, default=128)
    analyze.set_defaults(func=cmd_analyze)

    diff = sub.add_parser("diff", help="what flipped between base and compressed in a run, item by item")
    diff.add_argument("run_id")
    diff.add_argument("--task", action="append", default=[], help="only this task (repeatable)")
    diff.add_argument("--top", type=int, default=20, help="largest drops listed per task beyond the flips")
    diff.set_defaults(func=cmd_diff)

    tasks = sub.add_parser("tasks", help="list the registered tasks")
    tasks.set_defaults(func=cmd_tasks)

    from acbench.sweep import add_sweep_parser
    from acbench.report import add_report_parser

    add_sweep_parser(sub)
    add_report_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; a user's mistake (ACBenchError) is one line on stderr and exit status 2.

    Any other exception, a plain ValueError included, is a bug or an outage and keeps its traceback.
    """
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args)
    except ACBenchError as err:  # bad configs, data files, models, tracking servers: see acbench/errors.py
        print(f"acbench: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
