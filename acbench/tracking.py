"""MLflow: runs, params, metrics, artifacts and the model registry. The only module that imports mlflow.

The tracking URI is MLflow's own default (`sqlite:///mlflow.db` in the working directory) unless
MLFLOW_TRACKING_URI says otherwise. Inside `mlflow run`, the run that MLflow created is reused
(MLFLOW_RUN_ID), never a second top-level run.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import tempfile
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import mlflow
from mlflow.tracking import MlflowClient

log = logging.getLogger(__name__)


class TrackingError(RuntimeError):
    """The tracking store cannot be used (e.g. an unreachable server)."""


def tracking_uri() -> str:
    return mlflow.get_tracking_uri()


def check_tracking(timeout: float = 5.0) -> str:
    """Fail fast, before any heavy work, when the configured tracking server does not answer."""
    uri = tracking_uri()
    if uri.startswith(("http://", "https://")):
        try:
            with urllib.request.urlopen(uri.rstrip("/") + "/health", timeout=timeout) as response:
                if response.status != 200:
                    raise TrackingError(f"tracking server {uri} answered {response.status} on /health")
        except (urllib.error.URLError, OSError) as err:
            raise TrackingError(
                f"tracking server {uri} is unreachable ({err}); start it (see tracking/README.md) "
                "or unset MLFLOW_TRACKING_URI to use the local sqlite store"
            ) from None
    return uri


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5,
                             cwd=Path(__file__).resolve().parent)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


@contextmanager
def tracked_run(experiment: str, run_name: str | None = None, parent_run_id: str | None = None,
                tags: dict[str, str] | None = None) -> Iterator[str]:
    """Start (or, under `mlflow run`, attach to) a run; yields its id; marks it FAILED on an exception."""
    if not os.environ.get("MLFLOW_RUN_ID"):
        mlflow.set_experiment(experiment)
    all_tags = dict(tags or {})
    if parent_run_id:
        all_tags["mlflow.parentRunId"] = parent_run_id
    run = mlflow.start_run(run_name=run_name, tags=all_tags or None, nested=mlflow.active_run() is not None)
    try:
        yield run.info.run_id
    except BaseException:
        mlflow.end_run(status="KILLED" if _interrupted() else "FAILED")
        raise
    else:
        mlflow.end_run(status="FINISHED")


def _interrupted() -> bool:
    import sys

    return isinstance(sys.exc_info()[1], KeyboardInterrupt)


def log_params(params: dict[str, Any]) -> None:
    """Log params; a key `mlflow run` already logged with another spelling (`4.0` vs `4`) goes to `resolved.<key>`."""
    run = mlflow.active_run()
    existing = MlflowClient().get_run(run.info.run_id).data.params
    fresh = {}
    for key, value in params.items():
        text = "None" if value is None else str(value)
        text = text[:6000]
        if key in existing:
            if existing[key] != text:
                fresh[f"resolved.{key}"] = text
        else:
            fresh[key] = text
    if fresh:
        mlflow.log_params(fresh)


def log_metrics(metrics: dict[str, float], step: int | None = None) -> None:
    clean = {k: float(v) for k, v in metrics.items() if v is not None and v == v}  # NaN dropped, not logged
    if clean:
        mlflow.log_metrics(clean, step=step)


def set_tags(tags: dict[str, Any]) -> None:
    mlflow.set_tags({k: str(v) for k, v in tags.items()})


def log_dict(data: dict, artifact_file: str) -> None:
    mlflow.log_dict(data, artifact_file)


def log_file(path: str | Path, artifact_path: str | None = None) -> None:
    mlflow.log_artifact(str(path), artifact_path)


def log_figure(figure, artifact_file: str) -> None:
    mlflow.log_figure(figure, artifact_file)


def log_table(frame, artifact_file: str) -> None:
    mlflow.log_table(frame, artifact_file)


def log_records(records: list[dict], artifact_file: str) -> None:
    """Per-item results as a JSONL artifact (prompt, output, score, parse error)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(artifact_file).name
        path.write_text("".join(json.dumps(r, default=str) + "\n" for r in records))
        mlflow.log_artifact(str(path), str(Path(artifact_file).parent) if "/" in artifact_file else None)


def register_checkpoint(checkpoint_dir: str | Path, model_name: str, tags: dict[str, Any]) -> str:
    """Log the checkpoint under `checkpoint/` and register it as a new version of `model_name`.

    MLflow 3 `register_model` wants a LoggedModel; a version pointing at the run's artifacts avoids copying
    the checkpoint twice. Returns the version number.
    """
    run = mlflow.active_run()
    mlflow.log_artifacts(str(checkpoint_dir), "checkpoint")
    client = MlflowClient()
    try:
        client.get_registered_model(model_name)
    except mlflow.exceptions.MlflowException:
        client.create_registered_model(model_name, description="Compressed checkpoints produced by ACBench runs")
    version = client.create_model_version(
        model_name,
        source=f"{run.info.artifact_uri}/checkpoint",
        run_id=run.info.run_id,
        tags={k: str(v) for k, v in tags.items()},
    )
    return str(version.version)


def run_metrics(run_id: str) -> dict[str, float]:
    """The latest value of every metric logged on a run."""
    return dict(MlflowClient().get_run(run_id).data.metrics)
