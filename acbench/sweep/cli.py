"""`acbench sweep` and `acbench grid`.

    acbench sweep sweeps/quick.yaml --trials 4 --study quick            # runs 4 trials (resumes if it exists)
    acbench sweep sweeps/quick.yaml --trials 0 --study quick            # only create study + parent run
    acbench sweep sweeps/quick.yaml --total 12 --study quick --storage sqlite:///sweeps/quick.db
    acbench grid experiments/paper_quantization.yaml [--dry-run] [--only 0,3]
"""

from __future__ import annotations

import argparse
import json
import os
import sys


def add_sweep_parser(sub) -> None:
    """Add the `sweep` and `grid` subcommands to the `acbench` argparse subparsers."""
    parser = sub.add_parser("sweep", help="Optuna sweep over a YAML search space; one MLflow child run per trial",
                            description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("space", help="sweep file (see sweeps/README.md)")
    parser.add_argument("--trials", type=_count, default=None,
                        help="trials this invocation runs (0: create the study and parent run only)")
    parser.add_argument("--total", type=_count, default=None,
                        help="stop once the study holds this many complete+pruned+running trials (all workers)")
    parser.add_argument("--study", default=None, help="Optuna study name (default: the file's stem)")
    parser.add_argument("--storage", default=os.environ.get("ACBENCH_OPTUNA_STORAGE") or None,
                        help="Optuna storage: database URL or .journal path (default: $ACBENCH_OPTUNA_STORAGE, "
                        "else sweeps/<study>.journal)")
    parser.add_argument("--workers", type=_count, default=1,
                        help="worker processes on the study, each with its own cache; --trials is per worker")
    parser.add_argument("--worker-cache", default=None,
                        help="parent of the workers' cache directories (default: <acbench cache>/workers)")
    parser.add_argument("--stale-after", type=float, default=600.0,
                        help="seconds without a heartbeat before a RUNNING trial of a dead worker is retried")
    parser.add_argument("--no-confirm", action="store_true",
                        help="do not re-run the best trial on the held-back half of the items at the end "
                        "(sweep/confirm.py; a sweep file with `confirm: false` never does)")
    parser.set_defaults(func=cmd_sweep)

    from acbench.sweep.grid import add_grid_parser

    add_grid_parser(sub)


def _count(text: str) -> int | None:
    if text.strip() in ("", "none"):
        return None
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got '{text}'") from None
    if value != int(value) or value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got '{text}'")
    return int(value)


def cmd_sweep(args: argparse.Namespace) -> int:
    from acbench.report.format import to_markdown
    from acbench.sweep.runner import run_sweep

    workers = args.workers or 1
    if workers > 1:
        return _cmd_workers(args, workers)
    result = run_sweep(args.space, study_name=args.study or None, storage=args.storage or None,
                       trials=args.trials, total=args.total, stale_after=args.stale_after)
    print(json.dumps({"study": result.study_name, "parent_run_id": result.parent_run_id,
                      "experiment": result.experiment, "this_invocation": [f"{n}:{s}" for n, s in result.ran],
                      "study_trials": result.counts}, indent=2))
    if result.front is not None and len(result.front):
        print("\nbest trial(s) so far (selection numbers):\n"
              + to_markdown(result.front.drop(columns=["reason"], errors="ignore")))
    _confirm(args, result.study_name)
    failed = [n for n, s in result.ran if s == "FAIL"]
    if result.ran and len(failed) == len(result.ran):
        print(f"acbench: every trial of this invocation failed ({failed}); see 'reason' in the parent run's "
              "sweep/trials.json", file=sys.stderr)
        return 1
    return 0


def _cmd_workers(args: argparse.Namespace, workers: int) -> int:
    """Create the study and parent run once, run `workers` worker processes, then refresh the parent."""
    from acbench.config import ConfigError
    from acbench.sweep.runner import run_sweep
    from acbench.sweep.workers import run_workers

    if args.trials is None and args.total is None:
        raise ConfigError("give --trials (trials per worker) and/or --total (trials in the whole study)")
    first = run_sweep(args.space, study_name=args.study or None, storage=args.storage or None, trials=0,
                      stale_after=args.stale_after)
    results = run_workers(args.space, first.study_name, args.storage or None, args.trials, args.total,
                          args.stale_after, workers, args.worker_cache)
    final = run_sweep(args.space, study_name=first.study_name, storage=args.storage or None, trials=0,
                      stale_after=args.stale_after)  # the parent's summary after every worker, and its status
    print(json.dumps({"study": final.study_name, "parent_run_id": final.parent_run_id,
                      "experiment": final.experiment, "study_trials": final.counts,
                      "workers": [{"worker": r.index, "returncode": r.returncode, "cache": str(r.cache),
                                   "log": str(r.log_file)} for r in results]}, indent=2))
    _confirm(args, final.study_name)
    failed = [r.index for r in results if r.returncode != 0]
    if failed:
        print(f"acbench: worker(s) {failed} exited with an error; see their logs", file=sys.stderr)
        return 1
    return 0


def _confirm(args: argparse.Namespace, study_name: str) -> None:
    """Re-run the best trial(s) on the held-back items (once each), unless --no-confirm or `confirm: false`."""
    from acbench.report.format import to_markdown
    from acbench.sweep.confirm import confirm_best
    from acbench.sweep.space import load_space

    space = load_space(args.space)
    if args.no_confirm or not space.confirm:
        return
    rows = confirm_best(space, study_name=study_name, storage=args.storage or None)
    if rows:
        import pandas as pd

        print("\nconfirmation on the held-back items (split=confirm):\n" + to_markdown(pd.DataFrame(rows)))
