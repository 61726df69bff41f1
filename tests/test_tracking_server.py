"""A real `mlflow server` (started by tracking/start_server.sh on a free port): a run, a sweep trial and a
registered checkpoint go to it over HTTP. The server is always stopped; the whole test is time-bounded."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

import mlflow  # noqa: E402  (a hard dependency: fail, never skip)

from acbench import tracking  # noqa: E402
from acbench.sweep import runner  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 150  # a cold server on a busy 2-core machine


@pytest.fixture()
def server(tmp_path, wait_healthy, free_port):
    port = free_port()
    env = {**os.environ, "BACKEND": f"sqlite:///{tmp_path}/server.db", "ARTIFACTS": str(tmp_path / "artifacts"),
           "PORT": str(port), "WORKERS": "1", "MLFLOW_BIN": str(Path(sys.executable).parent / "mlflow")}
    log = (tmp_path / "server.log").open("w")
    # own session: the server's uvicorn workers are stopped with it as one process group
    proc = subprocess.Popen(["bash", str(REPO / "tracking" / "start_server.sh")], env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc, tmp_path / "server.log", START_TIMEOUT_S)
        yield url, tmp_path
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        log.close()


def fake_run_experiment(cfg, parent_run_id=None, run_name=None):
    with tracking.tracked_run(cfg.experiment, run_name, parent_run_id) as run_id:
        tracking.log_params({"method": cfg.compression.method, "bits": cfg.compression.bits})
        metrics = {"retention/overall": 0.5 + cfg.compression.bits / 100}
        tracking.log_metrics(metrics)
    return SimpleNamespace(run_id=run_id, metrics=metrics, checkpoint=None, model_version=None)


def test_run_sweep_and_registry_over_http(server, monkeypatch):
    url, tmp = server
    monkeypatch.setenv("MLFLOW_TRACKING_URI", url)
    monkeypatch.delenv("MLFLOW_RUN_ID", raising=False)
    monkeypatch.chdir(tmp)
    assert tracking.check_tracking() == url

    checkpoint = tmp / "ckpt"
    checkpoint.mkdir()
    (checkpoint / "config.json").write_text('{"model_type": "tiny"}')
    with tracking.tracked_run("server-test", "one-run") as run_id:
        tracking.log_params({"method": "rtn"})
        tracking.log_metrics({"retention/overall": 0.9})
        version = tracking.register_checkpoint(checkpoint, "acbench-tiny", {"method": "rtn", "bits": 4})
    tracking.set_model_alias("acbench-tiny", "best-rtn", version)
    local = mlflow.artifacts.download_artifacts("models:/acbench-tiny@best-rtn", dst_path=str(tmp / "down"))
    assert (Path(local) / "config.json").read_text() == '{"model_type": "tiny"}'
    assert tracking.run_info(run_id)["metrics"]["retention/overall"] == 0.9
    # artifacts went through the server's proxy into its artifact directory, not to a client-side path
    assert list((tmp / "artifacts").rglob("config.json"))

    space = tmp / "space.yaml"
    space.write_text("experiment: server-sweep\nfixed: {method: rtn, tasks: needle}\nparams: {bits: [4, 8]}\n")
    result = runner.run_sweep(space, study_name="srv", trials=1, run=fake_run_experiment)
    assert result.ran == [(0, "COMPLETE")]
    kids = tracking.search_runs(["server-sweep"], f"tags.`mlflow.parentRunId` = '{result.parent_run_id}'")
    assert len(kids) == 1 and kids.iloc[0]["status"] == "FINISHED"
    assert tracking.run_info(result.parent_run_id)["tags"]["acbench.kind"] == "sweep"
