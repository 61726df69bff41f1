"""Confirm a sweep's winner on items it was not chosen on: the best trial(s) re-run on the held-back half.

    rows = confirm_best("sweeps/quick.yaml", study_name="quick")   # or: acbench sweep ... (confirms at the end)

Trials of a sweep run on the `select` half of every task's items (`split=select`, acbench/stats/split.py). The
best of many trials on those items is biased upward: it won partly because its items went well. Its
configuration is therefore run once more on the `confirm` half (`split=confirm`), items no trial was chosen
on; that run registers the checkpoint (its registry version and model card say "confirmation numbers") and
its numbers go to the parent run as `confirm/<objective>` beside the selection value `best/<objective>`.
One objective: the best trial; several: every trial of the Pareto front. A trial is confirmed once (study
attribute `confirmed`); a later invocation confirms only a new winner.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pandas as pd
from optuna.trial import TrialState

from acbench import tracking
from acbench.errors import ConfigError
from acbench.sweep.runner import PARENT_ATTR
from acbench.sweep.space import SweepSpace, load_space
from acbench.sweep.study import open_study

log = logging.getLogger(__name__)
CONFIRMED_ATTR = "confirmed"  # study user attr: {trial number: {"run_ids", "selection", "confirmation"}}


def confirm_best(space: str | Path | SweepSpace, study_name: str | None = None, storage: str | None = None,
                 run=None) -> list[dict[str, Any]]:
    """Run each best trial's configuration on `split=confirm` (once per trial); returns one row per best trial.

    `run` has run_experiment's signature (default acbench.run.run_experiment).
    """
    if not isinstance(space, SweepSpace):
        space = load_space(space)
    if not space.confirm:
        raise ConfigError(f"{space.source}: confirm is false: its trials ran on every item, there is no held-back "
                          "half to confirm on")
    if run is None:
        from acbench.run import run_experiment as run
    study_name = study_name or Path(space.source).stem
    study, _ = open_study(space, study_name, storage)
    parent = study.user_attrs.get(PARENT_ATTR)
    if not study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
        log.info("no complete trial to confirm yet")
        return []
    best = [study.best_trial] if len(space.objectives) == 1 else study.best_trials
    confirmed = dict(study.user_attrs.get(CONFIRMED_ATTR) or {})
    metrics = [o.metric for o in space.objectives]
    for trial in sorted(best, key=lambda t: t.number):
        key = str(trial.number)
        if key in confirmed:
            continue
        run_ids, per_seed = [], []
        for seed in list(space.seeds) or [None]:
            cfg = space.config(trial.params, seed, split="confirm")
            name = f"{study_name}-confirm-{trial.number}" + ("" if seed is None else f"-seed{seed}")
            outcome = run(cfg, parent_run_id=parent, run_name=name)
            tracking.log_to_run(outcome.run_id, tags={"acbench.sweep.study": study_name,
                                                      "acbench.sweep.confirmation_of": trial.number})
            run_ids.append(outcome.run_id)
            per_seed.append([outcome.metrics.get(m) for m in metrics])
        values = [_mean([v[k] for v in per_seed]) for k in range(len(metrics))]
        confirmed[key] = {"run_ids": run_ids, "selection": list(trial.values), "confirmation": values}
        study.set_user_attr(CONFIRMED_ATTR, confirmed)
    rows = [{"trial": t.number, **{f"param.{k}": v for k, v in t.params.items()},
             **{f"selection {m}": s for m, s in zip(metrics, confirmed[str(t.number)]["selection"])},
             **{f"confirmation {m}": c for m, c in zip(metrics, confirmed[str(t.number)]["confirmation"])},
             "confirmation_run_ids": ",".join(confirmed[str(t.number)]["run_ids"])} for t in best]
    if parent:
        _log_parent(parent, rows, metrics, single=len(metrics) == 1)
    return rows


def _mean(values: list) -> float | None:
    numbers = [float(v) for v in values if v is not None and v == v]
    return sum(numbers) / len(numbers) if numbers else None


def _log_parent(parent: str, rows: list[dict], metrics: list[str], single: bool) -> None:
    frame = pd.DataFrame(rows)
    values: dict[str, float] = {}
    if single and rows and rows[0][f"confirmation {metrics[0]}"] is not None:
        values[f"confirm/{metrics[0]}"] = float(rows[0][f"confirmation {metrics[0]}"])
    tags = {"acbench.sweep.confirmation": "; ".join(f"trial {r['trial']}: run(s) {r['confirmation_run_ids']}"
                                                    for r in rows),
            "acbench.sweep.selection_note": "best/<objective> and sweep/trials.json are selection numbers (the "
            "select half of the items, chosen on); confirm/<objective> and sweep/confirmation.json are the "
            "held-back half, not used for the choice"}
    try:
        tracking.log_to_run(parent, metrics=values, tags=tags,
                            tables={"sweep/confirmation.json": frame.astype(object).where(frame.notna(), None)})
    except Exception as err:  # the confirmation runs exist either way; the parent's summary is a convenience
        log.warning("could not log the confirmation to the sweep's parent run %s: %s", parent, err)
