"""Run an Optuna sweep: one MLflow parent run per study, one child run per trial, each a full `run_experiment`.

    result = run_sweep("sweeps/quick.yaml", study_name="quick", trials=4)   # or: acbench sweep ...
    result = run_sweep("sweeps/quick.yaml", study_name="quick", trials=4)   # resumes: 8 trials, same parent

The parent run's id is stored in the study (`mlflow_parent_run_id` user attribute), so every later
invocation and every worker attaches to the same parent. Inside `mlflow run -e sweep`, the run MLflow
created becomes the parent (or, when the study already has one, is tagged as a continuation of it);
MLFLOW_RUN_ID is then cleared so that each trial becomes a child run instead of re-attaching to it.

A trial whose parameters make an invalid run (an ACBenchError from the config or from `prepare`, raised
before the trial's MLflow run started, e.g. a group size that does not divide a layer) is PRUNED with the
reason, and gets a KILLED child run that records it. Any other error (a bug in a task's loader, even when it
is a plain ValueError; an unreachable tracking server) marks the trial FAIL with its reason and the sweep
goes on.

Each trial's config is run by `run_sweep(..., run=...)`: `acbench.run.run_experiment` unless a caller gives
another function with its signature (tests give stand-ins that log made-up metrics).
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
import socket
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import optuna
from optuna.trial import TrialState

from acbench import tracking
from acbench.errors import ACBenchError, ConfigError
from acbench.sweep.space import SweepSpace, load_space
from acbench.stats.family import task_deltas, task_pvalues
from acbench.sweep.study import (
    RETRY_ATTR,
    Heartbeat,
    RetryStaleTrial,
    open_study,
    optuna_heartbeat,
    recover_stale_trials,
    storage_label,
    study_counts,
    study_lock,
)
from acbench.sweep.summary import TESTS_ATTR, family_table, front_figure, summary_metrics, trial_tables

log = logging.getLogger(__name__)
PARENT_ATTR = "mlflow_parent_run_id"


# run(cfg, parent_run_id=..., run_name=...) -> an outcome with `run_id` and `metrics`, as acbench.run.run_experiment
RunFn = Callable[..., Any]


@dataclass
class SweepResult:
    """What one invocation did: the study, its parent run, this worker's trials, and the study's front."""

    study_name: str
    parent_run_id: str
    experiment: str
    ran: list[tuple[int, str]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    front: object = None


@dataclass
class _Context:
    space: SweepSpace
    study_name: str
    parent_id: str
    heartbeat_s: float | None  # acbench's own heartbeat (journal storage); None: Optuna's (database storage)
    ran: list = field(default_factory=list)
    run: RunFn | None = None  # None: acbench.run.run_experiment, imported on first use (it pulls in torch)

    def run_trial(self, cfg, run_name: str):
        run = self.run
        if run is None:
            from acbench.run import run_experiment as run
        return run(cfg, parent_run_id=self.parent_id, run_name=run_name)


def run_sweep(space: str | Path | SweepSpace, study_name: str | None = None, storage: str | None = None,
              trials: int | None = None, total: int | None = None, stale_after: float = 600.0,
              run: RunFn | None = None) -> SweepResult:
    """Run (or resume) a study.

    Args:
        space: a sweep YAML file or a loaded SweepSpace.
        study_name: Optuna study name (default: the file's stem).
        storage: Optuna storage (see acbench.sweep.study); empty/None: `sweeps/<study>.journal`.
        trials: trials this invocation runs at most (0: only create the study and parent run).
        total: stop once the study holds this many COMPLETE + PRUNED + RUNNING trials (all workers).
        stale_after: seconds without a heartbeat after which another worker's RUNNING trial is retried.
        run: runs one trial's config, with run_experiment's signature; default acbench.run.run_experiment.
    """
    if not isinstance(space, SweepSpace):
        space = load_space(space)
    study_name = study_name or Path(space.source).stem
    if trials is None and total is None:
        raise ConfigError("give --trials (trials for this worker) and/or --total (trials in the whole study)")
    if (trials is not None and trials < 0) or (total is not None and total < 0):
        raise ConfigError("--trials and --total must not be negative")
    tracking.check_tracking()
    study, store = open_study(space, study_name, storage, stale_after)
    with study_lock(storage, study_name):  # workers started at once: the first creates the parent, the rest join it
        parent_id, space = _attach_parent(study, space, study_name, storage_label(storage, study_name))
    ctx = _Context(space, study_name, parent_id, run=run,
                   heartbeat_s=None if optuna_heartbeat(store) else max(1.0, stale_after / 10))
    if optuna_heartbeat(store) and isinstance(retry := store.get_heartbeat_stale_trial_callback(), RetryStaleTrial):
        retry.on_recovered = lambda number: _close_orphan(ctx, number)
    recover_stale_trials(study, store, stale_after, on_recovered=lambda number: _close_orphan(ctx, number))
    limit = math.inf if trials is None else trials
    status = "FINISHED"
    try:
        while len(ctx.ran) < limit:
            if total is not None and _in_study(study) >= total:
                break
            if isinstance(study.sampler, optuna.samplers.GridSampler) and study.sampler.is_exhausted(study):
                log.info("every grid point has been tried; stopping")
                break
            study.optimize(lambda t: _objective(t, ctx), n_trials=1, catch=(Exception,),
                           callbacks=[lambda s, t: update_parent(s, ctx.space, ctx.parent_id)], gc_after_trial=True)
    except KeyboardInterrupt:
        status = "KILLED"
        _requeue_interrupted(study, ctx)
        raise
    finally:
        update_parent(study, space, parent_id)
        still_running = any(t.state == TrialState.RUNNING for t in study.get_trials(deepcopy=False))
        if status == "KILLED" or not still_running:
            _warn_on_failure(tracking.set_run_status, parent_id, status)
    _, front = trial_tables(study, space)
    return SweepResult(study_name, parent_id, space.experiment, ctx.ran, study_counts(study), front)


def _requeue_interrupted(study, ctx: _Context) -> None:
    """Ctrl-C: Optuna marks the running trial FAIL; enqueue its params so the next invocation runs them."""
    if not ctx.ran or ctx.ran[-1][1] != "RUNNING":
        return
    number = ctx.ran[-1][0]
    trial = study.get_trials(deepcopy=False)[number]
    if trial.state == TrialState.FAIL and trial.params:
        study.enqueue_trial(trial.params, user_attrs={RETRY_ATTR: number})
        log.warning("trial %d was interrupted; its params are enqueued for the next invocation", number)


def _close_orphan(ctx: _Context, number: int) -> None:
    """The MLflow run of a trial whose worker died stays RUNNING: mark it KILLED (the retry gets a new run)."""
    name = f"{ctx.study_name}-trial-{number}"
    base = f"tags.`mlflow.parentRunId` = '{ctx.parent_id}' and attributes.status = 'RUNNING' and attributes.run_name"
    try:
        for condition in (f"= '{name}'", f"LIKE '{name}-seed%'"):  # a running trial has no trial tag yet
            runs = tracking.search_runs([ctx.space.experiment], f"{base} {condition}")
            for run_id in ([] if runs.empty else runs["run_id"]):
                tracking.mark_killed(str(run_id), f"trial {number}'s worker stopped beating; its params were "
                                     "enqueued again")
    except Exception as err:  # the trial is retried either way; the record is a convenience
        log.warning("trial %d: could not mark its orphaned run KILLED: %s", number, err)


def _in_study(study) -> int:
    states = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.RUNNING)
    return len(study.get_trials(deepcopy=False, states=states))


def _attach_parent(study, space: SweepSpace, study_name: str, label: str) -> tuple[str, SweepSpace]:
    """The study's parent run (created on first use); trials go to the parent's experiment."""
    project_run = os.environ.pop("MLFLOW_RUN_ID", None)  # set by `mlflow run`: must not swallow the trials
    stored = study.user_attrs.get(PARENT_ATTR)
    info = tracking.run_info(stored) if stored else None
    if info is not None:
        if project_run and project_run != stored:
            tracking.log_to_run(project_run, tags={"acbench.kind": "sweep-invocation", "acbench.sweep.continues": stored})
        tracking.set_run_status(stored, "RUNNING")
        return stored, dataclasses.replace(space, experiment=info["experiment"])
    if stored:
        log.warning("the study's parent run %s is not in this tracking store; starting a new parent run", stored)
    tags = {"acbench.kind": "sweep", "acbench.sweep.study": study_name, "acbench.sweep.storage": label,
            "acbench.git_commit": tracking.git_commit()}
    if project_run:
        parent = project_run
        tracking.log_to_run(parent, tags={**tags, "mlflow.runName": f"sweep-{study_name}"})
        space = dataclasses.replace(space, experiment=tracking.run_info(parent)["experiment"])
    else:
        parent = tracking.create_run(space.experiment, f"sweep-{study_name}", tags)
    tracking.log_to_run(parent, params={
        "sweep.study": study_name, "sweep.storage": label, "sweep.sampler": space.sampler, "sweep.seed": space.seed,
        "sweep.objectives": ",".join(f"{o.metric}:{o.direction}" for o in space.objectives),
        **{f"fixed.{k}": v for k, v in space.fixed.items()}},
        texts={"sweep.yaml": Path(space.source).read_text()} if Path(space.source).is_file() else None)
    study.set_user_attr(PARENT_ATTR, parent)
    return parent, space


def _objective(trial: optuna.Trial, ctx: _Context):
    sampled = ctx.space.suggest(trial)
    run_name = f"{ctx.study_name}-trial-{trial.number}"
    tags = {"acbench.sweep.study": ctx.study_name, "acbench.sweep.trial": trial.number}
    ctx.ran.append((trial.number, "RUNNING"))
    trial.set_user_attr("worker", f"{socket.gethostname()}:{os.getpid()}")  # which machine/process ran it
    seeds = list(ctx.space.seeds) or [None]
    try:
        configs = [ctx.space.config(sampled, seed) for seed in seeds]
    except ConfigError as err:
        _prune(trial, ctx, sampled, run_name, tags, str(err))
    per_seed = []
    tests: dict[str, dict] = {}
    with Heartbeat(trial, ctx.heartbeat_s) if ctx.heartbeat_s else nullcontext():
        for seed, cfg in zip(seeds, configs):
            name = run_name if seed is None else f"{run_name}-seed{seed}"
            try:
                outcome = ctx.run_trial(cfg, name)
            except Exception as err:
                child = _child_run(ctx, name)
                if _invalid_combination(err) and child is None and not per_seed:  # raised before any run started
                    _prune(trial, ctx, sampled, run_name, tags, str(err))
                _fail(trial, ctx, child, tags, f"{type(err).__name__}: {err}")
                raise
            trial.set_user_attr("mlflow_run_id", outcome.run_id)
            tests[name] = {"p": task_pvalues(outcome.metrics), "delta": task_deltas(outcome.metrics)}
            trial.set_user_attr(TESTS_ATTR, tests)  # the study's family of tests (summary.family_table)
            _warn_on_failure(tracking.log_to_run, outcome.run_id,
                             tags={**tags, "acbench.sweep.trial_state": "COMPLETE",
                                   **({} if seed is None else {"acbench.sweep.seed": seed})})
            per_seed.append(_objective_values(trial, ctx, outcome))
    # repeats over seeds: the objective is the mean over seeds
    values = [sum(v) / len(v) for v in zip(*per_seed)]
    if len(per_seed) > 1:
        trial.set_user_attr("per_seed", {str(s): v for s, v in zip(seeds, per_seed)})
    ctx.ran[-1] = (trial.number, "COMPLETE")
    log.info("trial %d %s -> %s", trial.number, sampled, dict(zip((o.metric for o in ctx.space.objectives), values)))
    return values[0] if len(values) == 1 else values


def _invalid_combination(err: Exception) -> bool:
    """A user error (acbench.errors) says the sampled combination cannot run: prune. An unreachable tracking
    server says nothing about the combination, and any other exception is a bug: both fail the trial."""
    return isinstance(err, ACBenchError) and not isinstance(err, tracking.TrackingError)


def _objective_values(trial, ctx: _Context, outcome) -> list[float]:
    """The objectives logged by one run; a missing one fails the trial with what the run did log."""
    values = []
    for objective in ctx.space.objectives:
        value = outcome.metrics.get(objective.metric)
        if value is None or value != value:
            known = ", ".join(sorted(k for k in outcome.metrics if "/" in k)[:20])
            reason = f"the run logged no '{objective.metric}' (objective); it logged: {known}"
            if objective.metric.startswith("stats/"):
                reason += (" (an interval bound is absent when the run's tasks report no item scores or sit at "
                           "their floor: see the run's acbench.stats.<task> tags)")
            trial.set_user_attr("fail_reason", reason)
            _warn_on_failure(tracking.log_to_run, outcome.run_id, tags={"acbench.sweep.trial_state": "FAIL"})
            raise RuntimeError(reason)
        values.append(float(value))
    return values


def _prune(trial, ctx: _Context, sampled: dict, run_name: str, tags: dict, reason: str):
    """Record why the combination is invalid (trial attr + a KILLED child run) and prune the trial."""
    trial.set_user_attr("reason", reason[:2000])
    ctx.ran[-1] = (trial.number, "PRUNED")
    log.warning("trial %d %s pruned: %s", trial.number, sampled, reason.splitlines()[-1][:300])
    try:
        child = tracking.create_run(ctx.space.experiment, run_name, {
            **tags, "mlflow.parentRunId": ctx.parent_id, "acbench.sweep.trial_state": "PRUNED",
            "acbench.sweep.reason": reason[:4000]})
        tracking.log_to_run(child, params=sampled)
        tracking.set_run_status(child, "KILLED")
        trial.set_user_attr("mlflow_run_id", child)
    except Exception as err:  # the trial is pruned either way; the record of it is a convenience
        log.warning("trial %d: could not record the pruned trial in MLflow: %s", trial.number, err)
    raise optuna.TrialPruned(reason)


def _fail(trial, ctx: _Context, child: str | None, tags: dict, reason: str) -> None:
    trial.set_user_attr("fail_reason", reason[:2000])
    ctx.ran[-1] = (trial.number, "FAIL")
    if child:
        trial.set_user_attr("mlflow_run_id", child)
        _warn_on_failure(tracking.log_to_run, child, tags={**tags, "acbench.sweep.trial_state": "FAIL"})


def _child_run(ctx: _Context, run_name: str) -> str | None:
    runs = tracking.search_runs([ctx.space.experiment], f"tags.`mlflow.parentRunId` = '{ctx.parent_id}' "
                                f"and attributes.run_name = '{run_name}'")
    return None if runs.empty else str(runs.iloc[-1]["run_id"])


def update_parent(study, space: SweepSpace, parent_id: str) -> None:
    """Refresh the parent run's trials table, best/Pareto table and figure (after every trial)."""
    try:
        trials, front = trial_tables(study, space)
        import matplotlib.pyplot as plt

        figure = front_figure(trials, front, space)
        name = "pareto_front" if len(space.objectives) > 1 else "best_trial"
        family, family_tags, family_values = family_table(study)
        tracking.log_to_run(parent_id, metrics={**summary_metrics(trials, front, space), **family_values},
                            tags=family_tags,
                            tables={"sweep/trials.json": _jsonable(trials), f"sweep/{name}.json": _jsonable(front),
                                    "sweep/p_values.json": _jsonable(family)},
                            texts={f"sweep/{name}.csv": front.to_csv(index=False), "sweep/trials.csv": trials.to_csv(index=False)},
                            figures={f"figures/sweep/{name}.png": figure})
        plt.close(figure)
    except Exception as err:  # a failed summary must not stop the sweep; the next trial rewrites it
        log.warning("could not update the sweep's parent run %s: %s", parent_id, err)


def _jsonable(frame):
    return frame.astype(object).where(frame.notna(), None)


def _warn_on_failure(fn, *args, **kwargs) -> None:
    try:
        fn(*args, **kwargs)
    except Exception as err:
        log.warning("tracking call %s failed: %s", getattr(fn, "__name__", fn), err)
