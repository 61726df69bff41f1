"""A distributed sweep on a real engine: PostgreSQL (Optuna's RDB storage and MLflow's backend store) and an
MLflow tracking server, both started by `tracking/start_postgres.sh`, then `acbench sweep --workers 2 --trials 3`
on the tiny model: two worker processes with their own caches, as two machines would be.

Checked: 6 trials, each run exactly once (none lost, none twice), all COMPLETE; one parent run holding 6 child
runs; every checkpoint registered exactly once, by the run that made it. Everything the test starts is stopped
in the fixture's teardown, whatever happens.

The race: three workers started at the same moment on a fresh PostgreSQL database and tracking store (no
`--trials 0` first), as a lab starts them on three machines. Without `study_lock` one crashed in Optuna's schema
creation (`UniqueViolation ... CREATE TYPE studydirection`) and the others each made a parent run. Their runs
are a stand-in for run_experiment (real MLflow logging, no model), so the test is about the shared stores only.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import pytest

optuna = pytest.importorskip("optuna")
mlflow = pytest.importorskip("mlflow")
from mlflow.tracking import MlflowClient  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 180  # initdb + a cold MLflow server migrating an empty PostgreSQL database, on a busy 2-core box
SWEEP_TIMEOUT_S = 600
POINTS = [{"bits": b, "group_size": g} for b in (4, 8) for g in (32, 64, 128)]  # 6 distinct checkpoints

SPACE = """
experiment: pg-sweep
sampler: random
seed: 0
objectives:
  - {{metric: model/size_mb, direction: minimize}}
fixed: {{model: {model}, method: rtn, tasks: needle, analysis: false, batch_size: 1}}
task_options:
  needle: {{lengths: [60], depths: [0, 100], max_new_tokens: 8}}
params:
  bits: [4, 8]
  group_size: [32, 64, 128]
enqueue: {enqueue}
"""


def postgres_bin() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb")) or ([shutil.which("initdb")] if shutil.which("initdb") else [])
    return str(Path(found[-1]).parent) if found else None


def read_env(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


@pytest.fixture()
def pg_server(tmp_path, wait_healthy, free_port):
    """PostgreSQL + MLflow server on free loopback ports; yields the client settings (acbench.env)."""
    if postgres_bin() is None:
        pytest.skip("PostgreSQL (initdb) is not installed: scripts/setup.sh installs it")
    # a short path (the socket path is limited to 107 bytes) that PostgreSQL's unprivileged user can reach
    root = Path(tempfile.mkdtemp(prefix="acb-pg-", dir="/tmp"))
    env = {**os.environ, "PGPORT": str(free_port()), "PORT": str(free_port()), "WORKERS": "1", "PG_FAST": "1",
           "MLFLOW_BIN": str(Path(sys.executable).parent / "mlflow")}
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen(["bash", str(REPO / "tracking" / "start_postgres.sh"), str(root)], env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{env['PORT']}"
        wait_healthy(url, proc, tmp_path / "server.log", START_TIMEOUT_S, what="start_postgres.sh")
        settings = read_env(root / "acbench.env")
        assert settings["MLFLOW_TRACKING_URI"] == url
        yield settings
    finally:
        # the script's trap stops the server, then PostgreSQL (pg_ctl stop -m fast)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        subprocess.run(["bash", str(REPO / "tracking" / "start_postgres.sh"), str(root), "stop"], env=env,
                       capture_output=True, timeout=90)  # no-op unless the trap could not stop it
        log.close()
        shutil.rmtree(root, ignore_errors=True)


RACE_WORKER = """
import sys
from types import SimpleNamespace

from acbench import tracking
from acbench.sweep import runner


def fake_run(cfg, parent_run_id=None, run_name=None):
    metrics = {"model/size_mb": float(cfg.compression.bits * 10 + cfg.compression.group_size)}
    with tracking.tracked_run(cfg.experiment, run_name, parent_run_id, {}) as run_id:
        tracking.log_metrics(metrics)
    return SimpleNamespace(run_id=run_id, metrics=metrics, checkpoint=None, model_version=None)


result = runner.run_sweep(sys.argv[1], study_name="race", storage=sys.argv[2], trials=2, run=fake_run)
print("RAN", [number for number, _ in result.ran])
"""


def test_three_workers_started_at_once_on_a_fresh_postgres_study(pg_server, tmp_path, monkeypatch):
    space = tmp_path / "race.yaml"
    space.write_text(SPACE.replace("pg-sweep", "pg-race").format(model="smollm2-135m", enqueue=POINTS))
    (tmp_path / "worker.py").write_text(RACE_WORKER)
    env = {**os.environ, **pg_server, "PYTHONPATH": str(REPO)}
    env.pop("MLFLOW_RUN_ID", None)
    storage = pg_server["ACBENCH_OPTUNA_STORAGE"]
    procs = [subprocess.Popen([sys.executable, "worker.py", str(space), storage], cwd=tmp_path, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(3)]
    outs = [p.communicate(timeout=SWEEP_TIMEOUT_S)[0] for p in procs]
    for proc, out in zip(procs, outs):
        assert proc.returncode == 0, out[-4000:]
    ran = sorted(n for out in outs for n in json.loads(out.split("RAN", 1)[1].strip()))
    assert ran == list(range(6))  # every trial exactly once

    monkeypatch.setenv("PGPASSFILE", pg_server["PGPASSFILE"])
    study = optuna.load_study(study_name="race", storage=storage)
    assert [t.state.name for t in study.trials] == ["COMPLETE"] * 6
    client = MlflowClient(tracking_uri=pg_server["MLFLOW_TRACKING_URI"])
    runs = client.search_runs([client.get_experiment_by_name("pg-race").experiment_id], max_results=100)
    parents = [r for r in runs if r.data.tags.get("acbench.kind") == "sweep"]
    assert len(parents) == 1 and study.user_attrs["mlflow_parent_run_id"] == parents[0].info.run_id
    kids = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parents[0].info.run_id]
    assert len(kids) == len(runs) - 1 == 6
    print(f"\npostgres race: 3 workers started at once on a fresh study: {len(ran)} trials run exactly once, "
          f"{len(parents)} parent run")


def test_two_workers_share_a_postgres_study(pg_server, tiny_model, tmp_path, monkeypatch):
    space = tmp_path / "pg.yaml"
    space.write_text(SPACE.format(model=tiny_model, enqueue=POINTS))
    env = {**os.environ, **pg_server}
    env.pop("MLFLOW_RUN_ID", None)
    env.pop("OMP_NUM_THREADS", None)  # the driver gives each worker its share of the cores
    storage = pg_server["ACBENCH_OPTUNA_STORAGE"]
    assert storage.startswith("postgresql+psycopg://") and ":" not in storage.split("@")[0].split("//")[1]  # no password
    cmd = [sys.executable, "-m", "acbench.cli", "sweep", str(space), "--study", "pg", "--workers", "2",
           "--trials", "3", "--worker-cache", str(tmp_path / "workers")]  # --storage from ACBENCH_OPTUNA_STORAGE
    done = subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=SWEEP_TIMEOUT_S)
    assert done.returncode == 0, (done.stdout + done.stderr)[-6000:]

    monkeypatch.setenv("PGPASSFILE", pg_server["PGPASSFILE"])
    study = optuna.load_study(study_name="pg", storage=storage)
    trials = study.get_trials(deepcopy=False)
    numbers = [t.number for t in trials]
    assert sorted(numbers) == list(range(6))
    assert [t.state.name for t in trials] == ["COMPLETE"] * 6, [t.user_attrs.get("fail_reason") for t in trials]
    assert sorted((t.params["bits"], t.params["group_size"]) for t in trials) == sorted(
        (p["bits"], p["group_size"]) for p in POINTS)  # every enqueued point once
    per_worker = Counter(t.user_attrs["worker"] for t in trials)
    assert sorted(per_worker.values()) == [3, 3], per_worker  # two processes, three trials each
    for index in range(2):  # each worker filled its own cache, as a separate machine would
        made = [p for p in (tmp_path / "workers" / f"worker-{index}" / "compressed").iterdir()
                if not p.name.startswith(".")]
        assert len(made) == 3, made

    client = MlflowClient(tracking_uri=pg_server["MLFLOW_TRACKING_URI"])
    experiment = client.get_experiment_by_name("pg-sweep")
    runs = client.search_runs([experiment.experiment_id], max_results=100)
    parents = [r for r in runs if r.data.tags.get("acbench.kind") == "sweep"]
    assert len(parents) == 1 and parents[0].info.status == "FINISHED"
    parent = parents[0].info.run_id
    assert study.user_attrs["mlflow_parent_run_id"] == parent
    kids = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parent]
    assert len(kids) == len(runs) - 1 == 6  # nothing outside the parent
    assert sorted(int(r.data.tags["acbench.sweep.trial"]) for r in kids) == list(range(6))
    assert {r.info.status for r in kids} == {"FINISHED"}
    assert {t.user_attrs["mlflow_run_id"] for t in trials} == {r.info.run_id for r in kids}

    name = f"acbench-{Path(tiny_model).name}"
    versions = client.search_model_versions(f"name='{name}'")
    by_run = Counter(v.run_id for v in versions)
    assert sorted(by_run) == sorted(r.info.run_id for r in kids) and set(by_run.values()) == {1}  # each once

    lost = 6 - len(set(numbers))
    duplicated = len(kids) - len({r.data.tags["acbench.sweep.trial"] for r in kids})
    print(f"\npostgres sweep: 2 workers x 3 trials: {len(kids)} trials run, {lost} lost, {duplicated} duplicated; "
          f"{len(versions)} checkpoints registered once each")
