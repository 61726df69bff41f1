"""The Optuna side of a sweep: storage, the study, resuming it, and recovering trials of killed workers.

    study = open_study(space, "quick", storage=None)      # sweeps/quick.journal, created or loaded
    recover_stale_trials(study, stale_after=600)         # RUNNING trials whose worker stopped beating

Storage: an empty value means a journal file `sweeps/<study>.journal` under the working directory
(Optuna's JournalStorage with a file backend: safe for several processes on one machine, or on
several machines sharing the file system with working locks). Anything with `://` is a database URL
for Optuna's RDBStorage (`sqlite:///sweeps/q.db` on one machine, `postgresql+psycopg://...` across machines);
a path ending in `.journal` is a journal file at that path.

Workers beat: while a trial runs, a thread writes the time into the trial's `heartbeat` user attribute.
A RUNNING trial whose beat is older than `stale_after` seconds belonged to a worker that died (killed,
machine lost); the next worker to start marks it FAIL and enqueues its params again, so it is not lost.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import optuna
from optuna.trial import TrialState

from acbench.config import ConfigError
from acbench.sweep.space import SweepSpace

log = logging.getLogger(__name__)

HEARTBEAT_ATTR = "heartbeat"
RETRY_ATTR = "retry_of"


def storage_label(storage: str | None, study_name: str) -> str:
    """The storage as given, or the default journal path; credentials in a URL are masked."""
    if not storage:
        return str(Path("sweeps") / f"{study_name}.journal")
    if "://" in storage and "@" in storage:
        scheme, _, rest = storage.partition("://")
        return f"{scheme}://***@{rest.rpartition('@')[2]}"
    return storage


def make_storage(storage: str | None, study_name: str):
    """An Optuna storage object for a URL or journal path (see the module docstring)."""
    if storage and "://" in storage:
        from acbench.tracking import sqlite_init_lock

        storage = pg_driver(storage)
        with sqlite_init_lock(storage):  # Optuna creates its SQLite schema on first use without a lock
            return optuna.storages.RDBStorage(storage)
    from optuna.storages.journal import JournalFileBackend

    path = Path(storage) if storage else Path("sweeps") / f"{study_name}.journal"
    path.parent.mkdir(parents=True, exist_ok=True)
    return optuna.storages.JournalStorage(JournalFileBackend(str(path)))


def pg_driver(url: str) -> str:
    """A bare `postgresql://` URL means psycopg2 to SQLAlchemy; acbench installs psycopg 3, so name it."""
    import importlib.util

    scheme, sep, rest = url.partition("://")
    if scheme in ("postgresql", "postgres") and importlib.util.find_spec("psycopg2") is None:
        return f"postgresql+psycopg://{rest}"
    return url


def make_sampler(space: SweepSpace, seed: int | None) -> optuna.samplers.BaseSampler:
    if space.sampler == "grid":
        return optuna.samplers.GridSampler(space.grid(), seed=seed)
    if space.sampler == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if space.sampler == "nsga2":
        return optuna.samplers.NSGAIISampler(seed=seed)
    return optuna.samplers.TPESampler(seed=seed)


def open_study(space: SweepSpace, study_name: str, storage: str | None) -> optuna.Study:
    """Create the study, or load it when it exists (resume); a changed objective list is an error.

    The sampler is not stored by Optuna: each invocation builds it from the file. Its seed is offset by
    the number of trials already in the study, so a resumed or second worker does not replay the same
    random draws (and a single worker stays reproducible). Enqueued points are added only at creation.
    """
    store = make_storage(storage, study_name)
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


def recover_stale_trials(study: optuna.Study, stale_after: float, on_recovered=None) -> list[int]:
    """Mark RUNNING trials without a recent heartbeat FAIL and enqueue their params again.

    Returns the numbers of the recovered trials. A trial with no heartbeat at all counts from its start.
    `on_recovered(number)` is called for each (the runner marks the trial's orphaned MLflow run KILLED).
    """
    now = time.time()
    recovered = []
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        last = trial.user_attrs.get(HEARTBEAT_ATTR)
        if last is None and trial.datetime_start is not None:
            last = trial.datetime_start.timestamp()
        if last is None or now - float(last) < stale_after:
            continue
        # Optuna has no public call to fail another worker's trial outside RDB heartbeats; pinned optuna==5.0.
        storage = study._storage
        try:
            storage.set_trial_user_attr(trial._trial_id, "fail_reason", f"worker stopped beating ({now - last:.0f}s)")
            if storage.set_trial_state_values(trial._trial_id, TrialState.FAIL) is False:
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
    """Writes the time into a trial's user attribute every `interval` seconds while the trial runs."""

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
