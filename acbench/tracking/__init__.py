"""MLflow: runs, params, metrics, artifacts and the model registry. The only package that imports mlflow.

    from acbench import tracking
    with tracking.tracked_run("acbench", "smollm2-gptq") as run_id:
        tracking.log_metrics({"retention/overall": 0.93})

The tracking URI is MLflow's own default (`sqlite:///mlflow.db` in the working directory) unless
MLFLOW_TRACKING_URI says otherwise. Inside `mlflow run`, the run that MLflow created is reused
(MLFLOW_RUN_ID), never a second top-level run. Callers use the names below through this package:

    store.py       the tracking URI, a server check, one-time SQLite store creation (TrackingError)
    runs.py        the active run, its description and link; runs driven from outside (sweeps, reports)
    logging.py     params, metrics (named and sanitised by acbench.metrics), tags, artifacts, datasets
    registry.py    checkpoints as LoggedModels, registered versions, aliases
    ownership.py   owner tags of a run; runs whose process died marked KILLED
    traces.py      evaluated items as MLflow traces with assessments (acbench/items.py builds them)
"""

from acbench.tracking.logging import (
    log_dataset,
    log_dict,
    log_figure,
    log_file,
    log_metrics,
    log_params,
    log_records,
    log_table,
    log_text,
    set_tags,
)
from acbench.tracking.ownership import claim_run, mark_killed, owner_tags
from acbench.tracking.registry import (
    log_checkpoint_model,
    model_alias_version,
    model_versions,
    register_checkpoint,
    set_model_alias,
)
from acbench.tracking.runs import (
    create_run,
    ensure_experiment,
    git_commit,
    list_experiments,
    log_to_run,
    run_info,
    run_flips,
    run_link,
    search_runs,
    set_description,
    set_run_status,
    tracked_run,
)
from acbench.tracking.traces import log_item_traces, logged_spans, trace_id_for
from acbench.tracking.store import TrackingError, check_tracking, init_store, sqlite_init_lock, sqlite_path, tracking_uri

__all__ = [
    "TrackingError", "check_tracking", "claim_run", "create_run", "ensure_experiment", "git_commit", "init_store",
    "list_experiments", "log_checkpoint_model", "log_item_traces", "logged_spans", "trace_id_for", "log_dataset", "log_dict", "log_figure", "log_file", "log_metrics",
    "log_params", "log_records", "log_table", "log_text", "log_to_run", "mark_killed", "model_alias_version",
    "model_versions", "owner_tags", "register_checkpoint", "run_flips", "run_info", "run_link", "search_runs", "set_description",
    "set_model_alias", "set_run_status", "set_tags", "sqlite_init_lock", "sqlite_path", "tracked_run", "tracking_uri",
]
