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

from acbench.errors import ACBenchError
from acbench.metrics import mlflow_metrics

log = logging.getLogger(__name__)


class TrackingError(ACBenchError):
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
    init_store(uri)  # a fresh SQLite store is created once, under a lock, however many processes start at once
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


def log_checkpoint_model(checkpoint_dir: str | Path, params: dict[str, Any] | None = None,
                         tags: dict[str, Any] | None = None, name: str = "checkpoint") -> str:
    """Log a checkpoint directory as an MLflow 3 LoggedModel of the active run; returns its `model_id`.

    The model holds the checkpoint files plus an `MLmodel` whose signature says text in, text out (the
    registry showed an empty schema before). Nothing is pickled: the checkpoint stays safetensors.

    Args:
        checkpoint_dir: The compressed checkpoint (config, tokenizer, safetensors).
        params: Compression parameters, shown on the model page.
        tags: Extra tags of the model.
        name: The model's name within the run.
    """
    from mlflow.entities import LoggedModelOutput
    from mlflow.models import Model, ModelSignature
    from mlflow.types import ColSpec, Schema

    run = mlflow.active_run()
    client = MlflowClient()
    model = client.create_logged_model(
        run.info.experiment_id, name=name, source_run_id=run.info.run_id, model_type="acbench-checkpoint",
        params={k: ("None" if v is None else str(v))[:6000] for k, v in (params or {}).items()},
        tags={k: str(v) for k, v in (tags or {}).items()})
    try:
        client.log_model_artifacts(model.model_id, str(checkpoint_dir))
        signature = ModelSignature(Schema([ColSpec("string", "prompt")]), Schema([ColSpec("string", "output")]))
        card = Model(artifact_path=name, run_id=run.info.run_id, model_id=model.model_id, signature=signature)
        card.add_flavor("acbench", format="safetensors", loader="transformers.AutoModelForCausalLM")
        with tempfile.TemporaryDirectory() as tmp:
            card.save(str(Path(tmp) / "MLmodel"))
            client.log_model_artifact(model.model_id, str(Path(tmp) / "MLmodel"))
    except BaseException:
        client.finalize_logged_model(model.model_id, "FAILED")
        raise
    client.finalize_logged_model(model.model_id, "READY")
    client.log_outputs(run.info.run_id, [LoggedModelOutput(model.model_id, 0)])  # the run's "Logged models"
    return model.model_id


def register_checkpoint(checkpoint_dir: str | Path, model_name: str, tags: dict[str, Any], *,
                        model_id: str | None = None, description: str | None = None) -> str:
    """Register a logged checkpoint model as a new version of `model_name`; returns the version number.

    The version's source is `models:/<model_id>` (MLflow 3's model-centric registry), so the checkpoint is
    stored once, in the LoggedModel. Without `model_id` the checkpoint is logged first (`log_checkpoint_model`).

    Args:
        checkpoint_dir: The checkpoint, logged when `model_id` is None.
        model_name: Registered model name, e.g. `acbench-smollm2-135m`.
        tags: Version tags (method and parameters).
        model_id: An already logged model of the active run.
        description: The version's description (a short model card, Markdown).
    """
    if model_id is None:
        model_id = log_checkpoint_model(checkpoint_dir, params=tags)
    client = MlflowClient()
    try:
        client.get_registered_model(model_name)
    except mlflow.exceptions.MlflowException:
        try:
            client.create_registered_model(model_name, description="Compressed checkpoints produced by ACBench runs")
        except mlflow.exceptions.MlflowException:  # another sweep worker created it in the meantime
            client.get_registered_model(model_name)
    # register_model (not create_model_version) also tags the LoggedModel with its versions, the UI's link
    version = mlflow.register_model(f"models:/{model_id}", model_name, tags={k: str(v) for k, v in tags.items()})
    if description:
        client.update_model_version(model_name, version.version, description=description)
    return str(version.version)


def set_description(text: str) -> None:
    """The active run's description (the `mlflow.note.content` tag the UI shows as Markdown)."""
    mlflow.set_tag("mlflow.note.content", text)


def run_link(run_id: str) -> str:
    """Where the UI shows a run: a full URL on a tracking server, else the `#/...` route of `mlflow ui`."""
    run = MlflowClient().get_run(run_id)
    route = f"#/experiments/{run.info.experiment_id}/runs/{run_id}"
    uri = tracking_uri()
    return f"{uri.rstrip('/')}/{route}" if uri.startswith(("http://", "https://")) else route


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


def run_metrics(run_id: str) -> dict[str, float]:
    """The latest value of every metric logged on a run."""
    return dict(MlflowClient().get_run(run_id).data.metrics)


# ---- runs driven from outside an active run: sweep parents, reports, the registry (sweep.py, report.py) ----


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


def model_versions(name_prefix: str = "acbench-") -> list[dict[str, Any]]:
    """Every registered version whose model name starts with `name_prefix`: name, version, run_id, tags, aliases."""
    client = MlflowClient()
    out = []
    for model in client.search_registered_models(filter_string=f"name LIKE '{name_prefix}%'"):
        for version in client.search_model_versions(f"name='{model.name}'"):
            out.append({"name": model.name, "version": str(version.version), "run_id": version.run_id,
                        "tags": dict(version.tags), "aliases": list(getattr(version, "aliases", []) or [])})
    return out


def set_model_alias(name: str, alias: str, version: str) -> None:
    """Point `name@alias` at `version` (moving the alias if it pointed elsewhere)."""
    MlflowClient().set_registered_model_alias(name, alias, str(version))


def model_alias_version(name: str, alias: str) -> str | None:
    """The version `name@alias` points at, or None."""
    try:
        return str(MlflowClient().get_model_version_by_alias(name, alias).version)
    except mlflow.exceptions.MlflowException:
        return None


# ---- store initialisation and runs whose process died (several workers on one store; kill -9) ----

_initialised_stores: set[str] = set()


def sqlite_path(uri: str) -> Path | None:
    """The database file of a `sqlite:///...` URL (relative or absolute), None for other URLs and `:memory:`."""
    if not uri.startswith("sqlite:///"):
        return None
    path = uri[len("sqlite:///"):].split("?", 1)[0]
    return Path(path) if path and path != ":memory:" else None


@contextmanager
def sqlite_init_lock(uri: str, timeout: float = 300.0) -> Iterator[None]:
    """Hold an exclusive `fcntl` lock on `<db>.lock` beside a SQLite database (no-op for other URLs).

    MLflow's tracking store and Optuna's RDB storage both create and migrate their schema on first
    connection, without a lock: two processes doing it at once crash (`table _alembic_tmp_tags already
    exists`). Whoever holds this lock initialises; the others then find the schema up to date.
    """
    import fcntl
    import time

    path = sqlite_path(uri)
    if path is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = path.with_name(path.name + ".lock")
    with open(lock, "a") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TrackingError(
                        f"waited {timeout:.0f}s for {lock} (another process is creating the store {uri}); if none "
                        "is, delete the lock file, or create the store once first: `acbench sweep SPACE --trials 0`"
                    ) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def init_store(uri: str | None = None) -> None:
    """Create (or migrate) a local SQLite tracking store once, under `sqlite_init_lock`; other stores: no-op.

    Call before the first MLflow call of a process that may start beside others (sweep workers, grids).
    The stores MLflow builds here are cached per URI, so later calls in this process do not migrate again.
    """
    uri = uri or tracking_uri()
    if uri in _initialised_stores or sqlite_path(uri) is None:
        return
    with sqlite_init_lock(uri):
        client = MlflowClient(tracking_uri=uri, registry_uri=uri)
        client.search_experiments(max_results=1)  # tracking tables
        client.search_registered_models(max_results=1)  # registry tables (same file)
    _initialised_stores.add(uri)


def _proc_start(pid: int) -> str:
    """The start time of process `pid` in clock ticks since boot (guards against pid reuse); '' if unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def owner_tags() -> dict[str, str]:
    """Which process runs the active run: host, boot, pid and the pid's start time (`acbench.owner.*`)."""
    import socket

    return {"acbench.owner.host": socket.gethostname(), "acbench.owner.boot": _boot_id(),
            "acbench.owner.pid": str(os.getpid()), "acbench.owner.pid_start": _proc_start(os.getpid())}


def _owner_alive(tags: dict[str, str]) -> bool:
    """False only when the run's owner provably ran on this machine and is gone (rebooted, exited, pid reused)."""
    if tags.get("acbench.owner.boot") != _boot_id():
        return False  # same host name, another boot: every process of that boot is gone
    try:
        pid = int(tags.get("acbench.owner.pid", ""))
        os.kill(pid, 0)
    except ValueError:
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by another user
    return _proc_start(pid) == tags.get("acbench.owner.pid_start", "")


def claim_run() -> list[str]:
    """Tag the active run with its owner process, and mark KILLED the RUNNING runs of its experiment whose
    owner process on this host is gone (a `kill -9`, a lost machine's reboot); returns their ids.

    Runs owned by other hosts are left alone: only they can tell whether their process lives (sweeps mark a
    dead worker's trial run KILLED from its stale heartbeat instead).
    """
    import socket

    run = mlflow.active_run()
    mine = owner_tags()
    mlflow.set_tags(mine)
    client = MlflowClient()
    host = socket.gethostname().replace("'", "")
    stale = client.search_runs([run.info.experiment_id], max_results=1000,
                               filter_string=f"attributes.status = 'RUNNING' and tags.`acbench.owner.host` = '{host}'")
    closed = []
    for other in stale:
        if other.info.run_id == run.info.run_id or _owner_alive(other.data.tags):
            continue
        mark_killed(other.info.run_id, f"its process (pid {other.data.tags.get('acbench.owner.pid')} on {host}) "
                    f"was gone when run {run.info.run_id} started")
        closed.append(other.info.run_id)
    return closed


def mark_killed(run_id: str, reason: str) -> None:
    """End a run whose process died as KILLED, with the reason in the tag `acbench.end_reason`."""
    client = MlflowClient()
    client.set_tag(run_id, "acbench.end_reason", reason[:4000])
    client.set_terminated(run_id, status="KILLED")
    log.warning("run %s marked KILLED: %s", run_id, reason)
