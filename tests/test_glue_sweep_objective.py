"""A sweep trial's fate, decided by `runner._objective`, in milliseconds (issue 16).

tests/test_glue_sweep_prune.py runs the whole chain on the tiny model (the real `run_experiment`); this file
pins the decision rule and its records case by case with an in-memory Optuna study and MLflow calls
recorded instead of made, so that mutation testing (scripts/mutation.py sweep) can afford to run it per
mutant. The rule: an invalid combination (an ACBenchError from the config, or from the run before it started
a child run) is PRUNED with its reason and a KILLED child run; any other error (a plain ValueError from a
bug, a TrackingError), or an ACBenchError once a run exists or once a seed has finished, is a FAIL with its
reason; otherwise the objective is the mean over seeds.
"""

from __future__ import annotations

from types import SimpleNamespace

import optuna
import pandas as pd
import pytest
from optuna.trial import TrialState

from acbench.errors import ConfigError
from acbench.sweep import runner
from acbench.tracking import TrackingError
from acbench.sweep.space import Objective, Param, SweepSpace


CURRENT: dict = {}  # the context and study of the trial being run, for checks made from inside run_experiment


class Tracking:
    """Records the tracking calls the runner makes; `children` are the runs `search_runs` finds."""

    def __init__(self, monkeypatch, children=(), fail_create=False):
        self.calls, self.children, self.fail_create = [], list(children), fail_create
        for name in ("create_run", "log_to_run", "set_run_status", "search_runs"):
            monkeypatch.setattr(runner.tracking, name, getattr(self, name))

    def create_run(self, experiment, run_name, tags=None):
        if self.fail_create:
            raise ConnectionError("tracking server went away")
        self.calls.append(("create_run", experiment, run_name, tags))
        return f"child-{len(self.calls)}"

    def log_to_run(self, run_id, **kwargs):
        self.calls.append(("log_to_run", run_id, kwargs))

    def set_run_status(self, run_id, status):
        self.calls.append(("set_run_status", run_id, status))

    def search_runs(self, experiments, filter_string="", include_deleted=False):
        self.calls.append(("search_runs", experiments, filter_string))
        return pd.DataFrame({"run_id": self.children}) if self.children else pd.DataFrame()


def space(seeds=(), choices=(4, 5)) -> SweepSpace:
    return SweepSpace(params=(Param("bits", choices=tuple(choices)),), objectives=(Objective("retention/overall"),),
                      fixed={"method": "rtn", "tasks": "needle"}, experiment="exp", sampler="random",
                      seeds=tuple(seeds))


def run_one(monkeypatch, sp: SweepSpace, bits: int, run_experiment, heartbeat_s: float = 60.0):
    ctx = runner._Context(sp, "study", "parent-1", heartbeat_s=heartbeat_s, run=run_experiment)
    CURRENT["ctx"] = ctx
    study = optuna.create_study(directions=["maximize"] * len(sp.objectives))
    CURRENT["study"] = study
    study.enqueue_trial({"bits": bits})
    study.optimize(lambda t: runner._objective(t, ctx), n_trials=1, catch=(Exception,))
    return study.trials[0], ctx


def outcome(value, run_id="run-ok"):
    return SimpleNamespace(run_id=run_id, metrics={"retention/overall": value, "model/size_mb": 1.0})


def never(cfg, parent_run_id=None, run_name=None):
    raise AssertionError("an invalid config must not start a run")


def test_an_invalid_config_is_pruned_with_a_killed_child_run(monkeypatch):
    rec = Tracking(monkeypatch)
    trial, ctx = run_one(monkeypatch, space(), 5, never)
    assert trial.state == TrialState.PRUNED and ctx.ran == [(0, "PRUNED")]
    reason = trial.user_attrs["reason"]
    assert reason.endswith("bits must be 2, 3, 4 or 8, not 5")
    assert rec.calls == [
        ("create_run", "exp", "study-trial-0",
         {"acbench.sweep.study": "study", "acbench.sweep.trial": 0, "mlflow.parentRunId": "parent-1",
          "acbench.sweep.trial_state": "PRUNED", "acbench.sweep.reason": reason}),
        ("log_to_run", "child-1", {"params": {"bits": 5}}),
        ("set_run_status", "child-1", "KILLED")]
    assert trial.user_attrs["mlflow_run_id"] == "child-1"


def test_a_user_error_before_any_run_started_is_pruned(monkeypatch):
    rec = Tracking(monkeypatch, children=[])

    def invalid(cfg, parent_run_id=None, run_name=None):
        assert parent_run_id == "parent-1" and run_name == "study-trial-0" and cfg.compression.bits == 4
        raise ConfigError("group_size=48 does not divide ...")

    trial, ctx = run_one(monkeypatch, space(), 4, invalid)
    reason = "group_size=48 does not divide ..."
    assert trial.state == TrialState.PRUNED and trial.user_attrs["reason"] == reason
    assert ctx.ran == [(0, "PRUNED")]
    assert rec.calls == [
        ("search_runs", ["exp"], "tags.`mlflow.parentRunId` = 'parent-1' and attributes.run_name = 'study-trial-0'"),
        ("create_run", "exp", "study-trial-0",
         {"acbench.sweep.study": "study", "acbench.sweep.trial": 0, "mlflow.parentRunId": "parent-1",
          "acbench.sweep.trial_state": "PRUNED", "acbench.sweep.reason": reason}),
        ("log_to_run", "child-2", {"params": {"bits": 4}}),
        ("set_run_status", "child-2", "KILLED")]


def test_a_user_error_inside_a_started_run_is_a_failure(monkeypatch):
    rec = Tracking(monkeypatch, children=["run-a", "run-b", "run-c"])

    def broken(cfg, parent_run_id=None, run_name=None):
        raise ConfigError("bad item")

    trial, ctx = run_one(monkeypatch, space(), 4, broken)
    assert trial.state == TrialState.FAIL and ctx.ran == [(0, "FAIL")]
    assert trial.user_attrs["fail_reason"] == "ConfigError: bad item" and "reason" not in trial.user_attrs
    assert trial.user_attrs["mlflow_run_id"] == "run-c"  # the latest run of that name
    assert rec.calls[-1] == ("log_to_run", "run-c", {"tags": {"acbench.sweep.study": "study", "acbench.sweep.trial": 0,
                                                              "acbench.sweep.trial_state": "FAIL"}})
    assert not any(c[0] == "create_run" for c in rec.calls)


@pytest.mark.parametrize("error", [RuntimeError("out of memory"), ValueError("a bug in a task's loader"),
                                   TrackingError("tracking server at http://x is unreachable")])
def test_any_other_error_is_a_failure_even_before_a_run(monkeypatch, error):
    # a plain ValueError is a bug (only ACBenchError means "the user's combination"); an unreachable tracking
    # server is an outage, not a property of the sampled params
    rec = Tracking(monkeypatch, children=[])

    def crash(cfg, parent_run_id=None, run_name=None):
        raise error

    trial, ctx = run_one(monkeypatch, space(), 4, crash)
    assert trial.state == TrialState.FAIL and ctx.ran == [(0, "FAIL")]
    assert trial.user_attrs["fail_reason"] == f"{type(error).__name__}: {error}"
    assert "reason" not in trial.user_attrs and "mlflow_run_id" not in trial.user_attrs
    assert [c[0] for c in rec.calls] == ["search_runs"]


def test_a_user_error_on_a_later_seed_is_a_failure_not_a_pruned_combination(monkeypatch):
    Tracking(monkeypatch, children=[])
    seen = []

    def second_seed_breaks(cfg, parent_run_id=None, run_name=None):
        seen.append((run_name, cfg.compression.seed))
        if len(seen) == 2:
            raise ConfigError("late")
        return outcome(0.9)

    trial, ctx = run_one(monkeypatch, space(seeds=(0, 1)), 4, second_seed_breaks)
    assert seen == [("study-trial-0-seed0", 0), ("study-trial-0-seed1", 1)]
    assert trial.state == TrialState.FAIL and trial.user_attrs["fail_reason"] == "ConfigError: late"
    assert ctx.ran == [(0, "FAIL")]


def test_a_complete_trial_averages_its_seeds_and_tags_each_run(monkeypatch):
    rec = Tracking(monkeypatch)
    values = iter([0.5, 0.75])

    def ok(cfg, parent_run_id=None, run_name=None):
        return outcome(next(values), run_id=f"run-{cfg.compression.seed}")

    trial, ctx = run_one(monkeypatch, space(seeds=(3, 4)), 4, ok)
    assert trial.state == TrialState.COMPLETE and trial.value == 0.625 and ctx.ran == [(0, "COMPLETE")]
    assert trial.user_attrs["per_seed"] == {"3": [0.5], "4": [0.75]}
    assert trial.user_attrs["mlflow_run_id"] == "run-4"
    tags = [c for c in rec.calls if c[0] == "log_to_run"]
    assert tags == [("log_to_run", f"run-{s}", {"tags": {"acbench.sweep.study": "study", "acbench.sweep.trial": 0,
                                                          "acbench.sweep.trial_state": "COMPLETE",
                                                          "acbench.sweep.seed": s}}) for s in (3, 4)]


def test_a_complete_trial_without_seeds_has_no_seed_tags(monkeypatch):
    rec = Tracking(monkeypatch)
    trial, _ = run_one(monkeypatch, space(), 4, lambda cfg, parent_run_id=None, run_name=None: outcome(0.25))
    assert trial.value == 0.25 and "per_seed" not in trial.user_attrs
    assert rec.calls == [("log_to_run", "run-ok", {"tags": {"acbench.sweep.study": "study", "acbench.sweep.trial": 0,
                                                             "acbench.sweep.trial_state": "COMPLETE"}})]


def test_a_long_reason_is_cut_and_a_tracking_failure_still_prunes(monkeypatch):
    rec = Tracking(monkeypatch, children=[])
    long = "x" * 5000

    def invalid(cfg, parent_run_id=None, run_name=None):
        raise ConfigError(long)

    trial, _ = run_one(monkeypatch, space(), 4, invalid)
    assert trial.user_attrs["reason"] == "x" * 2000
    assert rec.calls[1][3]["acbench.sweep.reason"] == "x" * 4000
    Tracking(monkeypatch, fail_create=True)
    trial, ctx = run_one(monkeypatch, space(), 5, never)
    assert trial.state == TrialState.PRUNED and "mlflow_run_id" not in trial.user_attrs
    assert ctx.ran == [(0, "PRUNED")]


@pytest.mark.parametrize("metrics", [{}, {"retention/overall": float("nan")}])
def test_a_run_without_the_objective_fails_with_what_it_logged(monkeypatch, metrics):
    rec = Tracking(monkeypatch)

    def partial(cfg, parent_run_id=None, run_name=None):
        return SimpleNamespace(run_id="run-x", metrics={**metrics, "model/size_mb": 1.0, "plain": 2.0})

    trial, _ = run_one(monkeypatch, space(), 4, partial)
    assert trial.state == TrialState.FAIL
    logged = "model/size_mb, retention/overall" if metrics else "model/size_mb"  # names with a '/', sorted
    assert trial.user_attrs["fail_reason"] == f"the run logged no 'retention/overall' (objective); it logged: {logged}"
    assert rec.calls[-1] == ("log_to_run", "run-x", {"tags": {"acbench.sweep.trial_state": "FAIL"}})


def test_a_running_trial_is_marked_and_names_its_worker(monkeypatch):
    import os
    import socket

    Tracking(monkeypatch)
    seen = []

    def ok(cfg, parent_run_id=None, run_name=None):
        seen.append(list(CURRENT["ctx"].ran))
        return outcome(0.5)

    trial, ctx = run_one(monkeypatch, space(), 4, ok)
    assert seen == [[(0, "RUNNING")]] and ctx.ran == [(0, "COMPLETE")]
    assert trial.user_attrs["worker"] == f"{socket.gethostname()}:{os.getpid()}"


def test_the_heartbeat_beats_while_the_run_runs(monkeypatch):
    import time

    from acbench.sweep.study import HEARTBEAT_ATTR

    Tracking(monkeypatch)

    def slow(cfg, parent_run_id=None, run_name=None):
        storage, study = CURRENT["study"]._storage, CURRENT["study"]
        trial_id = study._storage.get_all_trials(study._study_id)[0]._trial_id
        first = storage.get_trial_user_attrs(trial_id)[HEARTBEAT_ATTR]
        for _ in range(400):  # a beat every 10 ms: wait for one, at most 4 s
            time.sleep(0.01)
            if storage.get_trial_user_attrs(trial_id)[HEARTBEAT_ATTR] != first:
                return outcome(1.0)
        raise RuntimeError("no heartbeat while the run ran")

    trial, _ = run_one(monkeypatch, space(), 4, slow, heartbeat_s=0.01)
    assert trial.state == TrialState.COMPLETE, trial.user_attrs.get("fail_reason")


def test_an_error_of_a_started_run_is_recorded_on_that_run(monkeypatch):
    rec = Tracking(monkeypatch, children=["run-a"])

    def crash(cfg, parent_run_id=None, run_name=None):
        raise KeyError("lost")

    trial, _ = run_one(monkeypatch, space(seeds=(2,)), 4, crash)
    assert trial.state == TrialState.FAIL and trial.user_attrs["fail_reason"] == "KeyError: 'lost'"
    assert rec.calls == [
        ("search_runs", ["exp"], "tags.`mlflow.parentRunId` = 'parent-1' and attributes.run_name = "
                                 "'study-trial-0-seed2'"),
        ("log_to_run", "run-a", {"tags": {"acbench.sweep.study": "study", "acbench.sweep.trial": 0,
                                          "acbench.sweep.trial_state": "FAIL"}})]
    long = "y" * 3000
    Tracking(monkeypatch)

    def crash_long(cfg, parent_run_id=None, run_name=None):
        raise RuntimeError(long)

    trial, _ = run_one(monkeypatch, space(), 4, crash_long)
    assert trial.user_attrs["fail_reason"] == ("RuntimeError: " + long)[:2000]


def test_two_objectives_return_both_values(monkeypatch):
    Tracking(monkeypatch)
    sp = SweepSpace(params=(Param("bits", choices=(4,)),),
                    objectives=(Objective("retention/overall"), Objective("model/size_mb", "minimize")),
                    fixed={"method": "rtn", "tasks": "needle"}, experiment="exp", sampler="random")
    trial, _ = run_one(monkeypatch, sp, 4, lambda cfg, parent_run_id=None, run_name=None: outcome(0.25))
    assert trial.state == TrialState.COMPLETE and trial.values == [0.25, 1.0]


def test_the_log_says_what_happened(monkeypatch, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="acbench.sweep.runner")
    Tracking(monkeypatch)
    run_one(monkeypatch, space(), 4, lambda cfg, parent_run_id=None, run_name=None: outcome(0.25))
    ours = lambda: [r.getMessage() for r in caplog.records if r.name == "acbench.sweep.runner"]  # noqa: E731
    assert ours() == ["trial 0 {'bits': 4} -> {'retention/overall': 0.25}"]
    caplog.clear()
    reason = "first line\n" + "z" * 400

    def invalid(cfg, parent_run_id=None, run_name=None):
        raise ConfigError(reason)

    Tracking(monkeypatch, fail_create=True)
    run_one(monkeypatch, space(), 4, invalid)
    optuna_says = [r.getMessage() for r in caplog.records if r.name.startswith("optuna")]
    assert optuna_says[-1] == f"Trial 0 pruned. {reason}"  # the reason travels with the TrialPruned exception
    assert ours() == ["trial 0 {'bits': 4} pruned: " + "z" * 300,
                               "trial 0: could not record the pruned trial in MLflow: tracking server went away"]


def test_a_missing_objective_names_what_the_run_logged():
    class FakeTrial:
        user_attrs: dict = {}

        def set_user_attr(self, key, value):
            self.user_attrs[key] = value

    metrics = {f"m/{i:02d}": 1.0 for i in range(25)}
    metrics["plain"] = 2.0
    ctx = runner._Context(SweepSpace(params=(), objectives=(Objective("stats/overall/retention_lo"),)), "s", "p", 1.0)
    with pytest.raises(RuntimeError) as err:
        runner._objective_values(FakeTrial(), ctx, SimpleNamespace(run_id="r", metrics=metrics))
    expected = ("the run logged no 'stats/overall/retention_lo' (objective); it logged: "
                + ", ".join(f"m/{i:02d}" for i in range(20))
                + " (an interval bound is absent when the run's tasks report no item scores or sit at their floor: "
                  "see the run's acbench.stats.<task> tags)")
    assert str(err.value) == expected and FakeTrial.user_attrs["fail_reason"] == expected
