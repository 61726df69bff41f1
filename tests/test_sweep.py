"""Sweeps: parent + child runs, pruning, resume, Pareto front, two worker processes, stale trials, grids.

A fake `run_experiment` (no model, no compression), given to `run_sweep(run=...)` by the `sweep` fixture, logs
plausible metrics into a real MLflow run in a temporary SQLite store; it rejects group sizes that do not divide
576 before any run starts with a user error (ConfigError), like `prepare`.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import optuna  # noqa: E402  (a hard dependency: fail, never skip)
import mlflow  # noqa: E402  (a hard dependency: fail, never skip)

from acbench.config import ConfigError, RunConfig  # noqa: E402
from acbench.sweep import grid as grid_mod  # noqa: E402
from acbench.sweep import runner  # noqa: E402
from acbench.sweep.space import load_space  # noqa: E402
from acbench.sweep.study import HEARTBEAT_ATTR, RETRY_ATTR, make_storage, open_study  # noqa: E402

REPO = Path(__file__).resolve().parents[1]

FAKE = textwrap.dedent('''
    """A stand-in for acbench.run.run_experiment: real MLflow logging, made-up but deterministic metrics."""
    from types import SimpleNamespace
    from acbench import tracking
    from acbench.errors import ConfigError

    def fake_run_experiment(cfg, parent_run_id=None, run_name=None):
        c = cfg.compression
        if c.group_size and 576 % c.group_size:
            raise ConfigError(f"group_size {c.group_size} does not divide the layer width 576")
        group = c.group_size or 576
        metrics = {"model/size_mb": round(270.0 * (c.bits + 32 / group) / 16, 4),
                   "retention/overall": round(1 - 0.5 ** c.bits - 0.001 * group, 4),
                   "long_context/score": round(0.8 * (1 - 0.5 ** c.bits), 4), "base/long_context/score": 0.8}
        with tracking.tracked_run(cfg.experiment, run_name, parent_run_id, {"acbench.config_hash": cfg.config_hash()}) as run_id:
            tracking.log_params({"model": cfg.model.name, "method": c.method, "bits": c.bits,
                                 "group_size": c.group_size, "profile": cfg.profile})
            tracking.log_metrics(metrics)
        return SimpleNamespace(run_id=run_id, metrics=dict(metrics), checkpoint=None, model_version=None)
''')

SPACE = """
experiment: {experiment}
sampler: {sampler}
seed: 0
objectives:
{objectives}
fixed: {{method: rtn, tasks: needle}}
params:
  bits: [2, 4, 8]
  group_size: {groups}
enqueue: {enqueue}
"""
SINGLE = "  - {metric: retention/overall, direction: maximize}"
MULTI = SINGLE + "\n  - {metric: model/size_mb, direction: minimize}"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """One SQLite tracking store + working directory for the module (creating a store takes seconds), holding
    `fake_run.py` (FAKE) for worker processes to import."""
    tmp = tmp_path_factory.mktemp("sweep")
    (tmp / "fake_run.py").write_text(FAKE)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp}/mlflow.db")
        mp.delenv("MLFLOW_RUN_ID", raising=False)
        mp.setenv("ACBENCH_NO_PROGRESS", "1")
        mp.chdir(tmp)
        yield tmp


@pytest.fixture(scope="module")
def fake_run(store):
    """FAKE's `fake_run_experiment`, imported from the store's copy (the one worker processes import)."""
    spec = importlib.util.spec_from_file_location("fake_run", store / "fake_run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.fake_run_experiment


@pytest.fixture()
def sweep(fake_run):
    """`run_sweep` with the fake run for every trial: `sweep(path, study_name=..., trials=...)`."""
    return functools.partial(runner.run_sweep, run=fake_run)


@pytest.fixture()
def client(store):
    return mlflow.tracking.MlflowClient()


def load_study(name: str):
    """A study as the runner stored it (the default journal storage for that name)."""
    return optuna.load_study(study_name=name, storage=make_storage(None, name))


def write_space(tmp: Path, name: str, *, sampler="random", objectives=SINGLE, groups="[32, 64, 128]",
                enqueue="[{bits: 4, group_size: 128}]") -> Path:
    path = tmp / f"{name}.yaml"
    path.write_text(SPACE.format(experiment=f"exp-{name}", sampler=sampler, objectives=objectives,
                                 groups=groups, enqueue=enqueue))
    return path


def children(experiment: str, parent: str):
    runs = mlflow.search_runs(experiment_names=[experiment], filter_string=f"tags.`mlflow.parentRunId` = '{parent}'")
    return runs.sort_values("tags.acbench.sweep.trial", key=lambda s: s.astype(int)).reset_index(drop=True)


def test_space_file_errors_are_clear(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("params: {bitz: [4, 8]}\n")
    with pytest.raises(ConfigError, match="'bitz' in 'params' is not a run parameter"):
        load_space(bad)
    bad.write_text("params: {bits: [4]}\nobjectives: [{metric: x, direction: up}]\n")
    with pytest.raises(ConfigError, match="maximize or minimize"):
        load_space(bad)
    bad.write_text("params: {bits: [4]}\nfixed: {bits: 8}\n")
    with pytest.raises(ConfigError, match="both fixed and sampled"):
        load_space(bad)
    bad.write_text("params: {sparsity: {low: 0.3, high: 0.7, when: {method: [wanda]}}}\nsampler: grid\n")
    with pytest.raises(ConfigError, match="conditional"):
        load_space(bad)
    # values are checked against the parameter schema (acbench.config.PARAMS) when the file loads
    bad.write_text("params: {bits: [4, four]}\n")
    with pytest.raises(ConfigError) as err:
        load_space(bad)
    assert str(err.value) == f"{bad}: param 'bits': parameter 'bits' must be an integer, got 'four'"
    bad.write_text("params: {method: {low: 1, high: 3}}\n")
    with pytest.raises(ConfigError) as err:
        load_space(bad)
    assert str(err.value) == f"{bad}: param 'method' is a str parameter: give choices, not a range"


def test_conditional_params_and_config(tmp_path):
    path = tmp_path / "cond.yaml"
    path.write_text("fixed: {tasks: needle}\nparams:\n  method: [gptq, wanda]\n"
                    "  sparsity: {low: 0.3, high: 0.7, step: 0.2, when: {method: [wanda]}}\n"
                    "  bits: {choices: [4, 8], when: {method: [gptq]}}\n")
    space = load_space(path)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    seen = set()
    for _ in range(12):
        trial = study.ask()
        sampled = space.suggest(trial)
        seen.add(tuple(sorted(sampled)))
        cfg = space.config(sampled)  # every sampled combination is a valid RunConfig
        assert cfg.compression.method == sampled["method"]
        study.tell(trial, 0.0)
    assert seen == {("bits", "method"), ("method", "sparsity")}


def test_sweep_parent_children_prune_and_resume(store, sweep, client):
    path = write_space(store, "single")
    first = sweep(path, study_name="single", trials=4)
    assert len(first.ran) == 4 and first.ran[0] == (0, "PRUNED")  # the enqueued bits=4, group 128
    kids = children("exp-single", first.parent_run_id)
    assert list(kids["tags.acbench.sweep.trial"]) == ["0", "1", "2", "3"]
    assert kids.loc[0, "status"] == "KILLED" and kids.loc[0, "tags.acbench.sweep.trial_state"] == "PRUNED"
    assert "does not divide" in kids.loc[0, "tags.acbench.sweep.reason"]
    study = load_study("single")
    assert study.user_attrs["mlflow_parent_run_id"] == first.parent_run_id

    second = sweep(path, study_name="single", trials=2)  # resume: same study, same parent
    assert second.parent_run_id == first.parent_run_id
    assert [n for n, _ in second.ran] == [4, 5]
    assert sum(second.counts.values()) == 6
    kids = children("exp-single", first.parent_run_id)
    assert len(kids) == 6 and kids["tags.acbench.sweep.trial"].nunique() == 6

    parent = client.get_run(first.parent_run_id)
    assert parent.info.status == "FINISHED" and parent.data.tags["acbench.kind"] == "sweep"
    complete = kids[kids["status"] == "FINISHED"]
    assert parent.data.metrics["best/retention/overall"] == pytest.approx(complete["metrics.retention/overall"].max())
    assert parent.data.metrics["trials/total"] == 6
    files = {a.path for a in client.list_artifacts(first.parent_run_id, "sweep")}
    assert {"sweep/trials.json", "sweep/best_trial.json", "sweep/trials.csv"} <= files
    assert [a.path for a in client.list_artifacts(first.parent_run_id, "figures/sweep")] == ["figures/sweep/best_trial.png"]


def test_multi_objective_pareto_front_logged(store, sweep, client):
    path = write_space(store, "multi", objectives=MULTI, groups="[32, 64, 192]", enqueue="[]")
    result = sweep(path, study_name="multi", trials=6)
    study = load_study("multi")
    front_numbers = sorted(t.number for t in study.best_trials)
    assert sorted(result.front["trial"]) == front_numbers
    local = client.download_artifacts(result.parent_run_id, "sweep/pareto_front.json")
    table = json.loads(Path(local).read_text())
    assert sorted(row[0] for row in table["data"]) == front_numbers
    assert client.get_run(result.parent_run_id).data.metrics["pareto/size"] == len(front_numbers)
    assert [a.path for a in client.list_artifacts(result.parent_run_id, "figures/sweep")] == ["figures/sweep/pareto_front.png"]
    # every Pareto point is not dominated by any complete trial
    done = [t for t in study.trials if t.state.name == "COMPLETE"]
    for t in study.best_trials:
        assert not any(o.values[0] > t.values[0] and o.values[1] < t.values[1] for o in done)


def test_changed_objectives_refuse_to_resume(store, sweep):
    path = write_space(store, "change", objectives=SINGLE, enqueue="[]")
    sweep(path, study_name="change", trials=0)
    changed = write_space(store, "change", objectives=MULTI, enqueue="[]")
    with pytest.raises(ConfigError, match="another --study"):
        sweep(changed, study_name="change", trials=1)


def test_stale_trial_of_a_dead_worker_is_retried(store, sweep, client):
    path = write_space(store, "stale", enqueue="[]")
    sweep(path, study_name="stale", trials=0)
    study, _ = open_study(load_space(path), "stale", None)
    dead = study.ask({"bits": optuna.distributions.CategoricalDistribution([2, 4, 8]),
                      "group_size": optuna.distributions.CategoricalDistribution([32, 64, 128])})
    dead.set_user_attr(HEARTBEAT_ATTR, time.time() - 3600)  # its worker died an hour ago
    parent = study.user_attrs["mlflow_parent_run_id"]
    orphan = client.create_run(client.get_experiment_by_name("exp-stale").experiment_id, run_name="stale-trial-0",
                               tags={"mlflow.parentRunId": parent}).info.run_id  # the dead worker's trial run
    result = sweep(path, study_name="stale", trials=1, stale_after=60)
    assert client.get_run(orphan).info.status == "KILLED"
    assert "stopped beating" in client.get_run(orphan).data.tags["acbench.end_reason"]
    study = load_study("stale")
    assert study.trials[0].state.name == "FAIL"
    retry = study.trials[1]
    assert retry.user_attrs[RETRY_ATTR] == 0 and retry.params == study.trials[0].params
    assert result.ran == [(1, retry.state.name)]


def test_a_database_study_uses_optunas_heartbeat_and_retry(store, sweep, client):
    """On a database storage a dead worker's trial is found by Optuna's heartbeat (grace period = stale_after),
    failed and retried by RetryStaleTrial; the dead run is marked KILLED as on a journal."""
    from acbench.sweep.study import optuna_heartbeat

    url = f"sqlite:///{store}/heartbeat.db"
    path = write_space(store, "beat", groups="[32, 64]", enqueue="[]")
    sweep(path, study_name="beat", storage=url, trials=0)
    study, storage = open_study(load_space(path), "beat", url, stale_after=1)
    assert optuna_heartbeat(storage)
    dead = study.ask({"bits": optuna.distributions.CategoricalDistribution([2, 4, 8]),
                      "group_size": optuna.distributions.CategoricalDistribution([32, 64, 128])})
    storage.record_heartbeat(storage.get_trial_id_from_study_id_trial_number(
        storage.get_study_id_from_name("beat"), dead.number))  # it beat once, then its worker died
    parent = study.user_attrs["mlflow_parent_run_id"]
    orphan = client.create_run(client.get_experiment_by_name("exp-beat").experiment_id, run_name="beat-trial-0",
                               tags={"mlflow.parentRunId": parent}).info.run_id
    time.sleep(2.5)  # past the 1 s grace period (a wait for the state under test, not a timing)
    result = sweep(path, study_name="beat", storage=url, trials=1, stale_after=1)
    trials = optuna.load_study(study_name="beat", storage=url).trials
    assert trials[0].state.name == "FAIL"
    assert trials[1].user_attrs[RETRY_ATTR] == 0 and trials[1].params == trials[0].params
    assert trials[1].system_attrs["failed_trial"] == 0  # Optuna's own record of the retry
    assert result.ran == [(1, "COMPLETE")] and trials[1].state.name == "COMPLETE"
    assert client.get_run(orphan).info.status == "KILLED"
    assert HEARTBEAT_ATTR not in trials[1].user_attrs  # no hand-written heartbeat on a database storage


def test_three_workers_started_at_once_on_a_fresh_store_share_one_study(tmp_path):
    """No `--trials 0` first: three workers race to create the study (fresh SQLite storage and tracking store)
    and its parent run; every trial runs exactly once, under one parent."""
    (tmp_path / "fake_run.py").write_text(FAKE)
    path = write_space(tmp_path, "race", groups="[32, 64]", enqueue="[]")
    (tmp_path / "worker.py").write_text(textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(tmp_path)!r})
        import fake_run
        from acbench.sweep import runner
        result = runner.run_sweep({str(path)!r}, study_name="race", storage="sqlite:///{tmp_path}/optuna.db",
                                  trials=2, run=fake_run.fake_run_experiment)
        print("RAN", [n for n, _ in result.ran])
    """))
    env = {**os.environ, "PYTHONPATH": str(REPO), "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path}/mlflow.db"}
    env.pop("MLFLOW_RUN_ID", None)
    procs = [subprocess.Popen([sys.executable, "worker.py"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(3)]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err[-3000:]
    ran = sorted(n for out, _ in outs for n in json.loads(out.split("RAN", 1)[1].strip()))
    assert ran == list(range(6))
    study = optuna.load_study(study_name="race", storage=f"sqlite:///{tmp_path}/optuna.db")
    assert [t.state.name for t in study.trials] == ["COMPLETE"] * 6
    client = mlflow.tracking.MlflowClient(tracking_uri=env["MLFLOW_TRACKING_URI"])
    runs = client.search_runs([client.get_experiment_by_name("exp-race").experiment_id], max_results=100)
    parents = [r for r in runs if r.data.tags.get("acbench.kind") == "sweep"]
    assert len(parents) == 1 and len(runs) == 7


def test_two_worker_processes_share_one_study(store, sweep):
    path = write_space(store, "workers", groups="[32, 64]", enqueue="[]")
    sweep(path, study_name="workers", trials=0)  # create study + parent before the workers
    script = store / "worker.py"
    script.write_text(textwrap.dedent(f"""
        import sys, logging
        sys.path.insert(0, {str(store)!r})
        import fake_run
        from acbench.sweep import runner
        result = runner.run_sweep({str(path)!r}, study_name="workers", trials=2, run=fake_run.fake_run_experiment)
        print("RAN", [n for n, _ in result.ran])
    """))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [subprocess.Popen([sys.executable, str(script)], cwd=store, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=240) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err[-3000:]
    ran = [json.loads(out.split("RAN", 1)[1].strip()) for out, _ in outs]
    assert sorted(ran[0] + ran[1]) == list(range(4))  # no trial lost, none run twice
    study = load_study("workers")
    assert [t.state.name for t in study.trials] == ["COMPLETE"] * 4
    parent = study.user_attrs["mlflow_parent_run_id"]
    kids = children("exp-workers", parent)
    assert sorted(kids["tags.acbench.sweep.trial"].astype(int)) == list(range(4))
    assert set(kids["status"]) == {"FINISHED"}


def test_cli_sweep_and_total(store, fake_run, capsys, monkeypatch):
    import acbench.run
    from acbench.cli import main

    monkeypatch.setattr(acbench.run, "run_experiment", fake_run)  # what `acbench sweep` runs for each trial

    path = write_space(store, "cli", groups="[32, 64]", enqueue="[]")
    assert main(["sweep", str(path), "--trials", "2", "--study", "cli", "--storage", ""]) == 0
    out = capsys.readouterr().out
    assert '"this_invocation": [\n    "0:COMPLETE",\n    "1:COMPLETE"' in out
    assert main(["sweep", str(path), "--total", "3", "--study", "cli"]) == 0  # tops up to 3 trials
    assert '"2:COMPLETE"' in capsys.readouterr().out
    assert main(["sweep", str(path), "--study", "cli"]) == 2  # neither --trials nor --total


def test_experiment_files_load():
    quick = RunConfig.from_yaml(REPO / "experiments" / "quick.yaml")
    assert quick.profile == "quick"
    grids = sorted((REPO / "experiments").glob("paper_*.yaml"))
    assert grids
    for path in grids:
        configs = grid_mod.load_grid(path)
        assert configs and all(cfg.profile == "paper" for _, cfg in configs)
        assert len({cfg.config_hash() for _, cfg in configs}) == len(configs)
    assert load_space(REPO / "sweeps" / "quick.yaml").grid()["group_size"] == [32, 64, 128]


@pytest.mark.parametrize("name", ["quick", "quantization", "pruning", "pruning_quant", "paper"])
def test_shipped_sweep_spaces_sample_valid_configs(name):
    """Every enqueued point and 60 random draws of each shipped space make a valid run config (no model loaded)."""
    space = load_space(REPO / "sweeps" / f"{name}.yaml")
    study = optuna.create_study(directions=space.directions, sampler=optuna.samplers.RandomSampler(seed=0))
    configs = [space.config(point) for point in space.enqueue]
    for _ in range(60):
        trial = study.ask()
        configs.append(space.config(space.suggest(trial)))
        study.tell(trial, [0.0] * len(space.directions))
    methods = {cfg.compression.method for cfg in configs}
    assert methods == set(space.params[0].choices) if space.params[0].name == "method" else methods == {"rtn"}
    if name == "pruning":
        assert {cfg.compression.pattern for cfg in configs} == {"unstructured", "2:4", "4:8"}
        assert all(cfg.compression.sparsity == 0.5 for cfg in configs if cfg.compression.pattern != "unstructured")


def test_grid_runs_and_skips_finished(store, fake_run, tmp_path):
    path = tmp_path / "grid.yaml"
    path.write_text("experiment: exp-grid\nbase: {tasks: needle, method: rtn}\n"
                    "grid: {bits: [4, 8]}\nruns: [{group_size: 64}, {group_size: 128}]\n")
    configs = grid_mod.load_grid(path)
    assert [label for label, _ in configs] == ["bits=4, group_size=64", "bits=4, group_size=128",
                                               "bits=8, group_size=64", "bits=8, group_size=128"]
    rows = grid_mod.run_grid(path, run=fake_run)
    assert [r["status"].split(":")[0] for r in rows] == ["finished", "invalid", "finished", "invalid"]
    again = grid_mod.run_grid(path, run=fake_run)
    assert [r["status"] for r in again][0] == "skipped (finished before)"
    assert again[0]["run_id"] == rows[0]["run_id"]


def test_ctrl_c_requeues_the_interrupted_trial(store, sweep, client):
    path = write_space(store, "interrupt", groups="[32, 64]", enqueue="[{bits: 8, group_size: 32}]")

    def interrupted(cfg, parent_run_id=None, run_name=None):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        runner.run_sweep(path, study_name="interrupt", trials=2, run=interrupted)
    study = load_study("interrupt")
    assert [t.state.name for t in study.trials] == ["FAIL", "WAITING"]
    parent = study.user_attrs["mlflow_parent_run_id"]
    assert client.get_run(parent).info.status == "KILLED"
    result = sweep(path, study_name="interrupt", trials=1)  # resumes with the interrupted params
    study = load_study("interrupt")
    assert result.ran == [(1, "COMPLETE")] and result.parent_run_id == parent
    assert study.trials[1].params == {"bits": 8, "group_size": 32} and study.trials[1].user_attrs[RETRY_ATTR] == 0


def test_grid_repeats_over_seeds(tmp_path):
    path = tmp_path / "seeds.yaml"
    path.write_text("base: {tasks: needle, method: rtn}\nruns: [{bits: 4}, {bits: 8}]\nseeds: [0, 1, 2]\n")
    configs = grid_mod.load_grid(path)
    assert [label for label, _ in configs] == ["bits=4, seed=0", "bits=4, seed=1", "bits=4, seed=2",
                                               "bits=8, seed=0", "bits=8, seed=1", "bits=8, seed=2"]
    assert [cfg.compression.seed for _, cfg in configs] == [0, 1, 2, 0, 1, 2]
    assert len({cfg.config_hash() for _, cfg in configs}) == 6  # each repeat is its own run
    path.write_text("base: {tasks: needle, method: rtn}\nruns: [{seed: 3}]\nseeds: [0, 1]\n")
    with pytest.raises(ConfigError, match="use one"):
        grid_mod.load_grid(path)
    path.write_text("base: {tasks: needle}\nseeds: [0, 0]\n")
    with pytest.raises(ConfigError, match="distinct integers"):
        grid_mod.load_grid(path)


def test_objective_bound_names_the_interval_metric(tmp_path):
    path = tmp_path / "bound.yaml"
    path.write_text("params: {bits: [4, 8]}\nobjectives:\n  - {metric: retention/overall, direction: maximize, bound: lo}\n"
                    "  - {metric: retention/task/needle, direction: maximize, bound: hi}\n")
    space = load_space(path)
    assert [o.metric for o in space.objectives] == ["stats/overall/retention_lo",
                                                    "stats/long_context/needle/retention_hi"]
    path.write_text("params: {bits: [4]}\nobjectives: [{metric: model/size_mb, bound: lo}]\n")
    with pytest.raises(ConfigError, match="no interval bound"):
        load_space(path)
    path.write_text("params: {bits: [4]}\nobjectives: [{metric: retention/overall, bound: middle}]\n")
    with pytest.raises(ConfigError, match="bound must be one of"):
        load_space(path)


def test_sweep_repeats_each_trial_over_seeds_and_averages_the_bound(store):
    from types import SimpleNamespace

    path = store / "seeded.yaml"
    path.write_text("experiment: exp-seeded\nsampler: grid\nseed: 0\nseeds: [0, 1]\nfixed: {method: rtn, tasks: needle}\n"
                    "objectives: [{metric: retention/overall, direction: maximize, bound: lo}]\n"
                    "params: {bits: [4]}\n")
    calls = []

    def fake(cfg, parent_run_id=None, run_name=None):
        calls.append((cfg.compression.seed, run_name))
        bound = 0.5 + 0.1 * cfg.compression.seed  # 0.5 for seed 0, 0.6 for seed 1
        return SimpleNamespace(run_id=f"fake-{run_name}", metrics={"stats/overall/retention_lo": bound})

    result = runner.run_sweep(path, study_name="seeded", trials=1, run=fake)
    assert calls == [(0, "seeded-trial-0-seed0"), (1, "seeded-trial-0-seed1")]
    study = load_study("seeded")
    assert study.trials[0].value == pytest.approx(0.55)  # the mean of the two seeds' lower bounds
    assert study.trials[0].user_attrs["per_seed"] == {"0": [0.5], "1": [0.6]}
    assert result.ran == [(0, "COMPLETE")]
