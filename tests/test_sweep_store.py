"""Shared stores: several `acbench sweep` processes on a fresh SQLite store at once; runs whose process died.

No model here: `--trials 0` creates the study and its parent run, which is all the first use of a store needs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

mlflow = pytest.importorskip("mlflow")
from mlflow.tracking import MlflowClient  # noqa: E402

from acbench import tracking  # noqa: E402

REPO = Path(__file__).resolve().parents[1]

SPACE = textwrap.dedent("""
    experiment: race
    sampler: random
    fixed: {method: rtn, tasks: needle}
    params:
      bits: [4, 8]
""")


def test_sweeps_started_at_once_on_a_fresh_sqlite_store_all_succeed(tmp_path):
    (tmp_path / "space.yaml").write_text(SPACE)
    env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path}/mlflow.db", "ACBENCH_CACHE": str(tmp_path / "cache")}
    env.pop("MLFLOW_RUN_ID", None)
    # both stores are fresh SQLite files: MLflow's tracking store and Optuna's RDB storage
    procs = [subprocess.Popen([sys.executable, "-m", "acbench.cli", "sweep", "space.yaml", "--study", f"s{i}",
                               "--trials", "0", "--storage", f"sqlite:///{tmp_path}/optuna.db"],
                              cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i in range(4)]
    outs = [p.communicate(timeout=300) for p in procs]
    for proc, (_, err) in zip(procs, outs):
        assert proc.returncode == 0, err[-3000:]  # was: table _alembic_tmp_tags already exists
    client = MlflowClient(tracking_uri=env["MLFLOW_TRACKING_URI"])
    parents = client.search_runs([client.get_experiment_by_name("race").experiment_id])
    assert sorted(r.data.tags["acbench.sweep.study"] for r in parents) == ["s0", "s1", "s2", "s3"]
    assert (tmp_path / "mlflow.db.lock").exists() and (tmp_path / "optuna.db.lock").exists()


def test_sqlite_lock_times_out_with_a_message_naming_the_fix(tmp_path):
    import fcntl

    uri = f"sqlite:///{tmp_path}/busy.db"
    with open(tmp_path / "busy.db.lock", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(tracking.TrackingError, match="--trials 0"):
            with tracking.sqlite_init_lock(uri, timeout=0.3):
                pass
    assert tracking.sqlite_path("sqlite:///rel/m.db?x=1").as_posix() == "rel/m.db"
    assert tracking.sqlite_path("sqlite://") is None and tracking.sqlite_path("postgresql://h/db") is None


def test_a_run_whose_process_died_is_marked_killed_by_the_next_start(isolated_tracking):
    tracking.check_tracking()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    mine = tracking.owner_tags()
    client = MlflowClient()
    experiment = tracking.ensure_experiment("claims")
    orphan = client.create_run(experiment, tags={**mine, "acbench.owner.pid": str(dead.pid)}).info.run_id
    alive = client.create_run(experiment, tags=mine).info.run_id  # this very process: alive
    elsewhere = client.create_run(experiment, tags={**mine, "acbench.owner.host": "another-machine",
                                                    "acbench.owner.pid": str(dead.pid)}).info.run_id
    rebooted = client.create_run(experiment, tags={**mine, "acbench.owner.boot": "an-earlier-boot"}).info.run_id
    untagged = client.create_run(experiment).info.run_id  # e.g. a sweep's parent: never touched
    with tracking.tracked_run("claims", "next") as run_id:
        closed = tracking.claim_run()
    assert sorted(closed) == sorted([orphan, rebooted])
    status = {r: client.get_run(r).info.status for r in (orphan, alive, elsewhere, rebooted, untagged, run_id)}
    assert status == {orphan: "KILLED", alive: "RUNNING", elsewhere: "RUNNING", rebooted: "KILLED",
                      untagged: "RUNNING", run_id: "FINISHED"}
    assert f"pid {dead.pid}" in client.get_run(orphan).data.tags["acbench.end_reason"]
    assert client.get_run(run_id).data.tags["acbench.owner.pid"] == str(os.getpid())


def test_a_run_killed_right_after_it_was_created_is_never_left_running(isolated_tracking):
    """kill -9 between MLflow's start_run and anything else the run does: the run was born with its owner tags,
    so the next start on this host marks it KILLED (it used to stay RUNNING for good)."""
    tracking.check_tracking()
    code = ("import os, signal\nfrom acbench import tracking\n"
            "with tracking.tracked_run('born', 'doomed') as run_id:\n"
            "    print(run_id, flush=True)\n    os.kill(os.getpid(), signal.SIGKILL)\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == -9, done.stderr[-2000:]
    doomed = done.stdout.split()[0]
    client = MlflowClient()
    assert client.get_run(doomed).info.status == "RUNNING"
    with tracking.tracked_run("born", "next"):
        closed = tracking.claim_run()
    assert closed == [doomed] and client.get_run(doomed).info.status == "KILLED"


def test_each_worker_gets_its_own_cache_and_a_share_of_the_cores(tmp_path, monkeypatch):
    from acbench.sweep.workers import worker_command, worker_env

    monkeypatch.setattr("acbench.threads.usable_cores", lambda: 8)
    env = worker_env(1, 4, tmp_path, base={"MLFLOW_RUN_ID": "the-driver's", "PATH": "/bin"})
    assert env["ACBENCH_CACHE"] == str(tmp_path / "worker-1") and env["OMP_NUM_THREADS"] == "2"
    assert "MLFLOW_RUN_ID" not in env and env["PATH"] == "/bin"
    assert worker_env(0, 4, tmp_path, base={"OMP_NUM_THREADS": "3"})["OMP_NUM_THREADS"] == "3"  # the user's wins
    assert "OMP_NUM_THREADS" not in worker_env(0, 4, tmp_path, base={"ACBENCH_THREADS": "5"})
    assert worker_env(0, 16, tmp_path, base={})["OMP_NUM_THREADS"] == "1"
    cmd = worker_command("s.yaml", "st", "postgresql+psycopg://h/optuna", 3, None, 600.0)
    assert cmd[1:] == ["-m", "acbench.cli", "sweep", "s.yaml", "--study", "st", "--stale-after", "600.0",
                       "--storage", "postgresql+psycopg://h/optuna", "--trials", "3"]
