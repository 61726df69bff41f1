"""The tracking store: its URI, a fail-fast check of a server, and one-time creation of a SQLite store.

The tracking URI is MLflow's own default (`sqlite:///mlflow.db` in the working directory) unless
MLFLOW_TRACKING_URI says otherwise. A fresh SQLite store is created once, under a file lock, however many
processes (sweep workers, grids) start at once.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import mlflow
from mlflow.tracking import MlflowClient

from acbench.errors import ACBenchError


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

