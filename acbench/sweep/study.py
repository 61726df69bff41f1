"""The Optuna side of a sweep: storage, the study, resuming it, and recovering trials of killed workers.

    study, store = open_study(space, "quick", storage=None, stale_after=600)   # sweeps/quick.journal
    recover_stale_trials(study, store, stale_after=600)   # journal: RUNNING trials whose worker stopped beating

Storage: an empty value means a journal file `sweeps/<study>.journal` under the working directory
(Optuna's JournalStorage with a file backend: safe for several processes on one machine, or on
several machines sharing the file system with working locks). Anything with `://` is a database URL
for Optuna's RDBStorage (`sqlite:///sweeps/q.db` on one machine, `postgresql+psycopg://...` across machines);
a path ending in `.journal` is a journal file at that path.

Once per study. Creating Optuna's schema and the study, and the study's MLflow parent run, happen under
`study_lock`: a PostgreSQL advisory lock for a PostgreSQL storage (workers on several machines), a file lock
beside a SQLite database or a journal file otherwise. Without it, workers started at the same moment on a
fresh database crash in Optuna's schema creation (`UniqueViolation ... CREATE TYPE studydirection`) or each
start a parent run of their own. Other databases (MySQL) get no lock: create the study once first
(`acbench sweep SPACE --trials 0`), then start the workers.

Dead workers. On a database storage, Optuna's own heartbeat runs (`heartbeat_interval`, `grace_period` =
`stale_after`): a RUNNING trial whose worker stopped beating is failed by the next worker to start a trial and
enqueued again by `RetryStaleTrial` (Optuna's `RetryHeartbeatStaleTrialCallback`, which also tells the runner
so it can mark the orphaned MLflow run KILLED). Optuna's journal storage has no heartbeat, so on a journal a
thread (`Heartbeat`) writes the time into the trial's `heartbeat` user attribute, and `recover_stale_trials`
fails and re-enqueues RUNNING trials whose beat is older than `stale_after`, through the storage's public API.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import optuna
from optuna.storages import RetryHeartbeatStaleTrialCallback
from optuna.trial import FrozenTrial, TrialState

from acbench.config import ConfigError
from acbench.sweep.space import SweepSpace

log = logging.getLogger(__name__)

HEARTBEAT_ATTR = "heartbeat"
RETRY_ATTR = "retry_of"
LOCK_TIMEOUT_S = 300.0


def storage_label(storage: str | None, study_name: str) -> str:
    """The storage as given, or the default journal path; credentials in a URL are masked."""
    if not storage:
        return str(Path("sweeps") / f"{study_name}.journal")
    if "://" in storage and "@" in storage:
        scheme, _, rest = storage.partition("://")
        return f"{scheme}://***@{rest.rpartition('@')[2]}"
    return storage


def journal_path(storage: str | None, study_name: str) -> Path:
    return Path(storage) if storage else Path("sweeps") / f"{study_name}.journal"


class RetryStaleTrial(RetryHeartbeatStaleTrialCallback):
    """Optuna's retry of a trial whose worker stopped beating, with acbench's `retry_of` attribute and a hook
    (`on_recovered(number)`) the runner sets to mark the dead worker's MLflow run KILLED."""

    def __init__(self) -> None:
        super().__init__(max_retry=None)
        self.on_recovered: Callable[[int], None] | None = None

    def __call__(self, study: optuna.Study, trial: FrozenTrial) -> None:
        trial.set_user_attr(RETRY_ATTR, trial.number)  # the copy Optuna hands over; the retry inherits it
        super().__call__(study, trial)
        log.warning("trial %d: its worker stopped beating; Optuna failed it and it is enqueued again", trial.number)
        if self.on_recovered is not None:
            self.on_recovered(trial.number)


def make_storage(storage: str | None, study_name: str, stale_after: float | None = None):
    """An Optuna storage object for a URL or journal path (see the module docstring). With `stale_after`, a
    database storage runs Optuna's heartbeat and retries trials whose worker stopped beating."""
    if storage and "://" in storage:
        heartbeat = {}
        if stale_after is not None:
            heartbeat = {"heartbeat_interval": max(1, int(stale_after / 10)), "grace_period": max(1, int(stale_after)),
                         "heartbeat_stale_trial_callback": RetryStaleTrial()}
        with warnings.catch_warnings():  # Optuna marks its heartbeat experimental (since 2.9)
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return optuna.storages.RDBStorage(pg_driver(storage), **heartbeat)
    from optuna.storages.journal import JournalFileBackend

    path = journal_path(storage, study_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    return optuna.storages.JournalStorage(JournalFileBackend(str(path)))


def optuna_heartbeat(store) -> bool:
    """Whether Optuna's own heartbeat watches this storage's trials (a database storage with stale_after)."""
    return isinstance(store, optuna.storages.RDBStorage) and store.get_heartbeat_interval() is not None


def pg_driver(url: str) -> str:
    """A bare `postgresql://` URL means psycopg2 to SQLAlchemy; acbench installs psycopg 3, so name it."""
    import importlib.util

    scheme, sep, rest = url.partition("://")
    if scheme in ("postgresql", "postgres") and importlib.util.find_spec("psycopg2") is None:
        return f"postgresql+psycopg://{rest}"
    return url


@contextmanager
def study_lock(storage: str | None, study_name: str, timeout: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """Hold the lock under which a study is created and given its parent run (see the module docstring)."""
    if storage and "://" in storage:
        url = pg_driver(storage)
        if url.startswith(("postgresql", "postgres")):
            with _pg_advisory_lock(url, timeout):
                yield
            return
        from acbench.tracking import sqlite_path

        path = sqlite_path(url)
        if path is None:  # MySQL and others: no lock (documented)
            yield
            return
    else:
        path = journal_path(storage, study_name)
    with _file_lock(path.with_name(path.name + ".lock"), timeout):
        yield


# One key for every acbench study in a database: Optuna's schema is per database, and opening a study is short.
_PG_LOCK_KEY = int.from_bytes(hashlib.sha256(b"acbench.sweep.study").digest()[:8], "big", signed=True)


@contextmanager
def _pg_advisory_lock(url: str, timeout: float) -> Iterator[None]:
    """A session-level PostgreSQL advisory lock on a connection of its own, released (or dropped with the
    connection, should this process die) on the way out."""
    import sqlalchemy

    engine = sqlalchemy.create_engine(url, poolclass=sqlalchemy.pool.NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sqlalchemy.text(f"SET lock_timeout = '{int(timeout * 1000)}ms'"))
            try:
                conn.execute(sqlalchemy.text("SELECT pg_advisory_lock(:key)"), {"key": _PG_LOCK_KEY})
            except sqlalchemy.exc.OperationalError as err:
                raise ConfigError(f"waited {timeout:.0f}s for another worker to create the study in {url.split('@')[-1]}; "
                                  f"if none is running, check the database ({str(err.orig).splitlines()[0]})") from err
            try:
                yield
            finally:
                conn.execute(sqlalchemy.text("SELECT pg_advisory_unlock(:key)"), {"key": _PG_LOCK_KEY})
    finally:
        engine.dispose()


@contextmanager
def _file_lock(path: Path, timeout: float) -> Iterator[None]:
    """An exclusive `fcntl` lock on `path` (created if missing), waited for at most `timeout` seconds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise ConfigError(f"waited {timeout:.0f}s for {path} (another worker is creating the study); "
                                      "if none is, delete the lock file") from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def make_sampler(space: SweepSpace, seed: int | None) -> optuna.samplers.BaseSampler:
    if space.sampler == "grid":
        return optuna.samplers.GridSampler(space.grid(), seed=seed)
    if space.sampler == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if space.sampler == "nsga2":
        return optuna.samplers.NSGAIISampler(seed=seed)
    return optuna.samplers.TPESampler(seed=seed)


def open_study(space: SweepSpace, study_name: str, storage: str | None, stale_after: float | None = None):
    """(study, storage object): the study created, or loaded when it exists (resume), under `study_lock`;
    a changed objective list is an error. `stale_after`: see make_storage.

    The sampler is not stored by Optuna: each invocation builds it from the file. Its seed is offset by
    the number of trials already in the study, so a resumed or second worker does not replay the same
    random draws (and a single worker stays reproducible). Enqueued points are added only at creation.
    """
    with study_lock(storage, study_name):
        store = make_storage(storage, study_name, stale_after)
        return _create_or_load(space, study_name, store), store


def _create_or_load(space: SweepSpace, study_name: str, store) -> optuna.Study:
    try:
        existing = optuna.load_study(study_name=study_name, storage=store)
    except KeyError:
        existing = None
    n_before = len(existing.trials) if existing else 0
    running = sum(t.state == TrialState.RUNNING for t in existing.trials) if existing else 0
    seed = None if space.seed is None else space.seed + n_before + (threading.get_native_id() if running else 0)
    study = optuna.create_study(study_name=study_name, storage=store, directions=space.directions,
                                sampler=make_sampler(space, seed), load_if_exists=True)
    wanted = [d.upper() for d in space.directions]
    have = [d.name for d in study.directions]
    if have != wanted:
        raise ConfigError(f"study '{study_name}' optimises {have}, but {space.source} asks for {wanted}: "
                          "use another --study name for other objectives")
    metrics = [o.metric for o in space.objectives]
    if study.user_attrs.get("objectives", metrics) != metrics:
        raise ConfigError(f"study '{study_name}' optimises {study.user_attrs['objectives']}, not {metrics}")
    if existing is None:
        study.set_user_attr("objectives", metrics)
        study.set_user_attr("space_digest", space.digest())
        study.set_user_attr("space_file", space.source)
        for point in space.enqueue:
            study.enqueue_trial(point, skip_if_exists=True)
    elif study.user_attrs.get("space_digest") != space.digest():
        log.warning("study '%s' was created from a different search space than %s; continuing with the new one",
                    study_name, space.source)
    return study


def recover_stale_trials(study: optuna.Study, store, stale_after: float, on_recovered=None) -> list[int]:
    """Journal storage: mark RUNNING trials without a recent heartbeat FAIL and enqueue their params again.

    Returns the numbers of the recovered trials. A trial with no heartbeat at all counts from its start.
    `on_recovered(number)` is called for each (the runner marks the trial's orphaned MLflow run KILLED).
    A storage with Optuna's heartbeat (`optuna_heartbeat`) is left to Optuna, which fails and retries stale
    trials whenever a worker starts one.
    """
    if optuna_heartbeat(store):
        return []
    now = time.time()
    recovered = []
    study_id = store.get_study_id_from_name(study.study_name)
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        last = trial.user_attrs.get(HEARTBEAT_ATTR)
        if last is None and trial.datetime_start is not None:
            last = trial.datetime_start.timestamp()
        if last is None or now - float(last) < stale_after:
            continue
        trial_id = store.get_trial_id_from_study_id_trial_number(study_id, trial.number)
        try:
            store.set_trial_user_attr(trial_id, "fail_reason", f"worker stopped beating ({now - last:.0f}s)")
            if store.set_trial_state_values(trial_id, TrialState.FAIL) is False:
                continue
        except (optuna.exceptions.UpdateFinishedTrialError, RuntimeError, KeyError):
            continue  # it finished, or another worker recovered it first
        study.enqueue_trial(trial.params, user_attrs={RETRY_ATTR: trial.number})
        recovered.append(trial.number)
        if on_recovered is not None:
            on_recovered(trial.number)
        log.warning("trial %d: its worker stopped %.0fs ago; marked FAIL and enqueued again", trial.number, now - last)
    return recovered


class Heartbeat:
    """Writes the time into a trial's user attribute every `interval` seconds while the trial runs (journal
    storage only: a database storage has Optuna's heartbeat)."""

    def __init__(self, trial: optuna.Trial, interval: float):
        self._trial, self._interval = trial, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True, name=f"heartbeat-{trial.number}")

    def __enter__(self) -> "Heartbeat":
        self._trial.set_user_attr(HEARTBEAT_ATTR, time.time())
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _beat(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._trial.set_user_attr(HEARTBEAT_ATTR, time.time())
            except Exception as err:  # a storage hiccup must not kill the trial; the next beat retries
                log.warning("trial %d: heartbeat failed: %s", self._trial.number, err)


def study_counts(study: optuna.Study) -> dict[str, int]:
    """Trials per state name, e.g. {'COMPLETE': 3, 'PRUNED': 1}."""
    counts: dict[str, int] = {}
    for trial in study.get_trials(deepcopy=False):
        counts[trial.state.name] = counts.get(trial.state.name, 0) + 1
    return counts
