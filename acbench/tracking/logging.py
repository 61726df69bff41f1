"""What the active run logs: params, metrics (named by acbench.metrics), tags, artifacts, dataset inputs."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import mlflow
from mlflow.tracking import MlflowClient

from acbench.metrics import mlflow_metrics


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


def log_metrics(metrics: dict[str, float], step: int | None = None, model_id: str | None = None) -> dict[str, float]:
    """Log metrics on the active run; with `model_id` they are also linked to that logged model.

    Returns what was logged, under the names MLflow holds (`acbench.metrics.mlflow_metrics`: sanitised names,
    NaN dropped, e.g. a correlation that is undefined for k = 1), so callers never read them back.
    """
    clean = mlflow_metrics(metrics)
    if clean:
        mlflow.log_metrics(clean, step=step, model_id=model_id)
    return clean


def set_tags(tags: dict[str, Any]) -> None:
    mlflow.set_tags({k: str(v) for k, v in tags.items()})


def log_dict(data: dict, artifact_file: str) -> None:
    mlflow.log_dict(data, artifact_file)


def log_file(path: str | Path, artifact_path: str | None = None) -> None:
    mlflow.log_artifact(str(path), artifact_path)


def log_text(text: str, artifact_file: str) -> None:
    mlflow.log_text(text, artifact_file)


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


def log_dataset(name: str, rows: list[dict[str, Any]], source: str, digest: str,
                tags: dict[str, Any] | None = None, context: str = "eval") -> None:
    """Log what a task evaluated as an MLflow dataset input of the active run (the UI's Datasets panel).

    Only the schema and row count are stored, not the rows.

    Args:
        name: The task name.
        rows: One dict per sample (its ids).
        source: A local data file or directory, an http(s) URL, or a hub dataset id.
        digest: A stable hash of the samples and settings (the task's results key).
        tags: Extra tags of the input (task version, sample count).
        context: How the data was used.
    """
    import warnings

    import pandas as pd
    from mlflow.data.dataset_source_registry import resolve_dataset_source
    from mlflow.data.http_dataset_source import HTTPDatasetSource

    if not source.startswith(("http://", "https://", "/")) and not Path(source).exists():
        source = f"https://huggingface.co/datasets/{source}"  # a hub dataset id
    if source.startswith(("http://", "https://")):
        resolved = HTTPDatasetSource(source)
    else:
        with warnings.catch_warnings():  # "can be interpreted in multiple ways": all local artifact sources
            warnings.simplefilter("ignore")
            resolved = resolve_dataset_source(str(Path(source).resolve()))
    frame = pd.DataFrame(rows or [{"id": None}]).astype("string")
    dataset = mlflow.data.from_pandas(frame, source=resolved, name=name, digest=digest)
    for attempt in range(3):
        try:
            mlflow.log_input(dataset, context=context, tags={k: str(v) for k, v in (tags or {}).items()})
            return
        except mlflow.exceptions.MlflowException as err:
            # Two runs logging the same dataset at once (sweep workers) race on MLflow's insert into `datasets`
            # (a unique-key violation); the retry finds the row the other run made and links to it.
            if attempt == 2 or "unique" not in str(err).lower():
                raise

