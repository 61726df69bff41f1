"""What the sweep's parent run shows: a table of every trial, the best trial or Pareto front, and a figure.

    trials, front = trial_tables(study, space)
    figure = front_figure(trials, front, space)

Pure functions of an Optuna study (no MLflow here): `runner.update_parent` logs their output.
"""

from __future__ import annotations

import pandas as pd
from optuna.trial import TrialState

from acbench.stats.family import adjust_family, describe, family_metrics
from acbench.sweep.space import SweepSpace

TESTS_ATTR = "paired_tests"  # trial user attr: {run label: {"p": {task: p}, "delta": {task: delta}}}


def trial_tables(study, space: SweepSpace) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(all trials, best trials): one row per trial with its state, params, objective values and run id.

    For one objective the second table holds the best trial; for several it is the Pareto front.
    """
    metrics = [o.metric for o in space.objectives]
    rows = []
    for t in study.get_trials(deepcopy=False):
        row = {"trial": t.number, "state": t.state.name}
        row.update({f"param.{k}": v for k, v in t.params.items()})
        values = t.values if t.state == TrialState.COMPLETE and t.values else [None] * len(metrics)
        row.update(dict(zip(metrics, values)))
        row["run_id"] = t.user_attrs.get("mlflow_run_id", "")
        row["reason"] = t.user_attrs.get("reason", t.user_attrs.get("fail_reason", ""))
        rows.append(row)
    trials = pd.DataFrame(rows)
    complete = [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))]
    if not complete:
        return trials, trials.iloc[0:0]
    best = [study.best_trial] if len(metrics) == 1 else study.best_trials
    numbers = sorted(t.number for t in best)
    front = trials[trials["trial"].isin(numbers)].reset_index(drop=True)
    if len(metrics) > 1:
        front = front.sort_values(metrics[-1]).reset_index(drop=True)
    return trials, front


def summary_metrics(trials: pd.DataFrame, front: pd.DataFrame, space: SweepSpace) -> dict[str, float]:
    """Counts per state and, for one objective, the best value (`best/<metric>`)."""
    out = {f"trials/{state.lower()}": float(n) for state, n in trials["state"].value_counts().items()} if len(trials) else {}
    out["trials/total"] = float(len(trials))
    if len(space.objectives) == 1 and len(front):
        metric = space.objectives[0].metric
        out[f"best/{metric}"] = float(front.iloc[0][metric])
    else:
        out["pareto/size"] = float(len(front))
    return out


def front_figure(trials: pd.DataFrame, front: pd.DataFrame, space: SweepSpace):
    """Two objectives: every complete trial, the Pareto front joined and labelled with its params.

    One objective: the objective per trial and the best value so far. More than two: the first two.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = [o.metric for o in space.objectives]
    done = trials[trials["state"] == "COMPLETE"] if len(trials) else trials
    figure, ax = plt.subplots(figsize=(6.4, 4.6))
    params = [c for c in trials.columns if c.startswith("param.")] if len(trials) else []
    if len(metrics) == 1:
        metric = metrics[0]
        ax.plot(done["trial"], done[metric], "o", label="trial")
        if len(done):
            running = done[metric].cummax() if space.objectives[0].direction == "maximize" else done[metric].cummin()
            ax.step(done["trial"], running, where="post", label="best so far")
        ax.set_xlabel("trial")
        ax.set_ylabel(metric)
        ax.set_title(f"{metric} ({space.objectives[0].direction})")
    else:
        x, y = metrics[1], metrics[0]
        ax.scatter(done[x], done[y], color="0.6", label="trial")
        if len(front):
            ordered = front.sort_values(x)
            ax.plot(ordered[x], ordered[y], "o-", color="C3", label="Pareto front")
            for _, row in ordered.iterrows():
                label = ", ".join(f"{c[6:]}={row[c]}" for c in params if pd.notna(row[c]))
                ax.annotate(label, (row[x], row[y]), textcoords="offset points", xytext=(4, 4), fontsize=7)
        ax.set_xlabel(f"{x} ({space.objectives[1].direction})")
        ax.set_ylabel(f"{y} ({space.objectives[0].direction})")
        extra = f"; not shown: {', '.join(metrics[2:])}" if len(metrics) > 2 else ""
        ax.set_title(f"Pareto front, {len(done)} complete trials{extra}")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    figure.tight_layout()
    return figure


def family_table(study) -> tuple[pd.DataFrame, dict[str, str], dict[str, float]]:
    """Every paired task test of every complete trial (each seed repeat its own member), Holm-adjusted as one
    family (acbench.stats.family): the table, the parent's tags and metrics."""
    members, deltas = {}, {}
    for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
        for label, tests in (t.user_attrs.get(TESTS_ATTR) or {}).items():
            members[label] = tests.get("p", {})
            deltas[label] = tests.get("delta", {})
    frame = adjust_family(members, deltas)
    return (frame, {"acbench.sweep.p_family": describe(frame, "trial runs of the study")}, family_metrics(frame))
