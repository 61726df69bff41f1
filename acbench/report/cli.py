"""`acbench report`: comparison tables and figures from tracked runs, optionally promoting the best checkpoints.

    acbench report                                         # every experiment; markdown to stdout
    acbench report --experiment acbench --format markdown --format csv --format html --output outputs/report
    acbench report --experiment acbench --promote --promote-metric retention/overall

Writes `comparison.*` and `memory_budget.*` (and figures/*.png) under --output, and logs the same to a
report run (tag `acbench.kind=report`, ignored by later reports) unless --no-log.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

FORMATS = ("markdown", "csv", "html")


def add_report_parser(sub) -> None:
    """Add the `report` subcommand to the `acbench` argparse subparsers."""
    parser = sub.add_parser("report", help="comparison tables + figures from tracked runs; --promote best checkpoints",
                            description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--experiment", action="append", default=[],
                        help="MLflow experiment to report (repeatable; default: all experiments)")
    parser.add_argument("--format", action="append", default=[], choices=FORMATS,
                        help="file format(s) written under --output (repeatable; default: markdown)")
    parser.add_argument("--output", default="outputs/report", help="directory for tables and figures")
    parser.add_argument("--promote", action="store_true",
                        help="set registry alias best-<method> on the best version per method")
    parser.add_argument("--promote-metric", default="retention/overall", help="metric that decides 'best'")
    parser.add_argument("--lower-is-better", action="store_true", help="for --promote-metric like model/size_mb")
    parser.add_argument("--no-log", action="store_true", help="do not log a report run to MLflow")
    parser.set_defaults(func=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    from acbench import tracking
    from acbench.config import ConfigError
    from acbench.report.build import build_report, write_report

    tracking.check_tracking()
    experiments = args.experiment or tracking.list_experiments()
    missing = sorted(set(args.experiment) - set(tracking.list_experiments()))
    if missing:
        raise ConfigError(f"no experiment(s) {missing} in {tracking.tracking_uri()}; "
                          f"known: {', '.join(tracking.list_experiments())}")
    report = build_report(experiments)
    print(report.markdown)
    files = write_report(report, Path(args.output), args.format or ["markdown"])
    print(f"wrote {', '.join(str(f) for f in files)}")
    if args.promote:
        from acbench.report.promote import promote_best

        chosen = promote_best(report.runs, args.promote_metric, higher_is_better=not args.lower_is_better)
        for item in chosen:
            print(f"{item['name']}@{item['alias']} -> version {item['version']} "
                  f"({args.promote_metric}={item['value']:.4f}; was {item['previous'] or 'unset'})")
        if not chosen:
            print(f"nothing to promote: no registered version has a run with '{args.promote_metric}'")
    if not args.no_log and len(report.table):
        run_id = tracking.create_run(args.experiment[0] if args.experiment else "acbench-reports",
                                     f"report-{time.strftime('%Y%m%d-%H%M%S')}",
                                     {"acbench.kind": "report", "acbench.report.experiments": ",".join(experiments)})
        tables = {"report/comparison.json": report.table_json(), "report/memory_budget.json": report.budget_json()}
        if len(report.task_stats):
            tables["report/task_stats.json"] = report.task_stats.astype(object).where(report.task_stats.notna(), None)
        tracking.log_to_run(run_id, tables=tables,
                            texts={"report/comparison.md": report.markdown},
                            figures={f"figures/report/{name}": fig for name, fig in report.figures.items()})
        tracking.set_run_status(run_id, "FINISHED")
        print(f"logged report run {run_id}")
    return 0
