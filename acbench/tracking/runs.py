"""Runs: the active run of `acbench run` (attached to `mlflow run`'s when MLFLOW_RUN_ID is set), its
description and link, and runs driven from outside an active run (sweep parents, reports, queries).
"""

from __future__ import annotations

import os
import subprocess
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import mlflow
from mlflow.tracking import MlflowClient

from acbench.metrics import mlflow_metrics
from acbench.tracking.ownership import owner_tags
from acbench.tracking.store import tracking_uri


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
    """Start (or, under `mlflow run`, attach to) a run; yields its id; marks it FAILED on an exception.

    The run is created with its owner tags (`acbench.owner.*`), so a process killed at any moment after the
    run exists leaves a run the next start on this host can tell is orphaned (claim_run marks it KILLED).
    """
    if not os.environ.get("MLFLOW_RUN_ID"):
        mlflow.set_experiment(experiment)
    all_tags = {**owner_tags(), **(tags or {})}
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


def set_description(text: str) -> None:
    """The active run's description (the `mlflow.note.content` tag the UI shows as Markdown)."""
    mlflow.set_tag("mlflow.note.content", text)


def run_link(run_id: str) -> str:
    """Where the UI shows a run: a full URL on a tracking server, else the `#/...` route of `mlflow ui`."""
    run = MlflowClient().get_run(run_id)
    route = f"#/experiments/{run.info.experiment_id}/runs/{run_id}"
    uri = tracking_uri()
    return f"{uri.rstrip('/')}/{route}" if uri.startswith(("http://", "https://")) else route


def ensure_experiment(name: str) -> str:
    """The id of experiment `name`, created if missing (do this before starting parallel workers)."""
    client = MlflowClient()
    found = client.get_experiment_by_name(name)
    if found is not None:
        if found.lifecycle_stage == "deleted":
            client.restore_experiment(found.experiment_id)
        return found.experiment_id
    try:
        return client.create_experiment(name)
    except mlflow.exceptions.MlflowException:  # created by another process in the meantime
        return client.get_experiment_by_name(name).experiment_id


def create_run(experiment: str, run_name: str, tags: dict[str, Any] | None = None) -> str:
    """Create a RUNNING run without making it the active run (e.g. a sweep's parent); returns its id."""
    run = MlflowClient().create_run(ensure_experiment(experiment), run_name=run_name,
                                    tags={k: str(v) for k, v in (tags or {}).items()})
    return run.info.run_id


def run_info(run_id: str) -> dict[str, Any] | None:
    """Status, name, experiment name, tags, params and metrics of a run; None if it does not exist or is deleted."""
    client = MlflowClient()
    try:
        run = client.get_run(run_id)
    except mlflow.exceptions.MlflowException:
        return None
    if run.info.lifecycle_stage == "deleted":
        return None
    return {"run_id": run_id, "status": run.info.status, "run_name": run.info.run_name,
            "experiment": client.get_experiment(run.info.experiment_id).name,
            "artifact_uri": run.info.artifact_uri, "tags": dict(run.data.tags),
            "params": dict(run.data.params), "metrics": dict(run.data.metrics)}


def set_run_status(run_id: str, status: str) -> None:
    """RUNNING re-opens a run; FINISHED, FAILED or KILLED end it."""
    client = MlflowClient()
    if status == "RUNNING":
        client.update_run(run_id, status="RUNNING")
    else:
        client.set_terminated(run_id, status=status)


def log_to_run(run_id: str, *, params: dict[str, Any] | None = None, metrics: dict[str, float] | None = None,
               tags: dict[str, Any] | None = None, tables: dict[str, Any] | None = None,
               figures: dict[str, Any] | None = None, dicts: dict[str, dict] | None = None,
               texts: dict[str, str] | None = None) -> None:
    """Log to a run that is not the active one (artifacts are overwritten, so repeated calls update them).

    `tables` are pandas DataFrames written as `{"columns": [...], "data": [[...], ...]}` JSON (the layout of
    `mlflow.log_table`, but replaced rather than appended to on a second call).

    A param that already holds another value is logged as `resolved.<key>` (MLflow forbids changing it).
    """
    client = MlflowClient()
    if params:
        existing = client.get_run(run_id).data.params
        for key, value in params.items():
            text = ("None" if value is None else str(value))[:6000]
            if key not in existing:
                client.log_param(run_id, key, text)
            elif existing[key] != text:
                client.log_param(run_id, f"resolved.{key}", text)
    for key, value in mlflow_metrics(metrics or {}).items():
        client.log_metric(run_id, key, value)
    for key, value in (tags or {}).items():
        client.set_tag(run_id, key, str(value))
    for name, frame in (tables or {}).items():
        # log_table appends to an existing table; writing the same {columns, data} JSON replaces it.
        split = frame.to_dict(orient="split")
        client.log_dict(run_id, {"columns": [str(c) for c in split["columns"]], "data": split["data"]}, name)
    for name, figure in (figures or {}).items():
        client.log_figure(run_id, figure, name)
    for name, data in (dicts or {}).items():
        client.log_dict(run_id, data, name)
    for name, text in (texts or {}).items():
        client.log_text(run_id, text, name)


def search_runs(experiments: list[str], filter_string: str = "", include_deleted: bool = False):
    """Runs of the named experiments as a pandas DataFrame (mlflow.search_runs columns:
    run_id, status, start_time, params.*, metrics.*, tags.*); empty if no experiment exists."""
    import pandas as pd

    client = MlflowClient()
    ids = [e.experiment_id for e in (client.get_experiment_by_name(n) for n in experiments) if e is not None]
    if not ids:
        return pd.DataFrame()
    view = mlflow.entities.ViewType.ALL if include_deleted else mlflow.entities.ViewType.ACTIVE_ONLY
    return mlflow.search_runs(experiment_ids=ids, filter_string=filter_string, run_view_type=view,
                              order_by=["attributes.start_time ASC"])


def list_experiments() -> list[str]:
    """Names of the active experiments in the tracking store."""
    return [e.name for e in MlflowClient().search_experiments()]

