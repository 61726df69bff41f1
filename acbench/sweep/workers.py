"""`acbench sweep ... --workers N`: N worker processes on one study, each as a separate machine would be.

    acbench sweep sweeps/quantization.yaml --study q --storage postgresql+psycopg://acbench@db/optuna \\
        --workers 2 --trials 3                      # 2 processes x 3 trials, one parent run, one study

The driver creates the study and its MLflow parent run first (so concurrent first use cannot race), then
starts N `acbench sweep ... --trials T` processes. Each worker gets its own cache directory
(`ACBENCH_CACHE=<worker cache>/worker-<i>`: models, checkpoints and base results are not shared, as on
separate machines) and `cores // N` torch threads through `OMP_NUM_THREADS` unless the user set
`OMP_NUM_THREADS` or `ACBENCH_THREADS` (workers with separate caches do not see each other in
`acbench.threads`' process count). Their output is streamed with a `[w<i>]` prefix and kept in
`<worker cache>/worker-<i>.log`.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)
STOP_GRACE_S = 60.0  # a worker told to stop (Ctrl-C) requeues its trial; after this it is killed


@dataclass
class WorkerResult:
    """One worker process: its index, exit code, cache directory and log file."""

    index: int
    returncode: int
    cache: Path
    log_file: Path


def worker_env(index: int, workers: int, cache_root: Path, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of worker `index`: its own ACBENCH_CACHE and, unless set by the user, its thread share."""
    from acbench.threads import usable_cores

    env = dict(os.environ if base is None else base)
    env["ACBENCH_CACHE"] = str(cache_root / f"worker-{index}")
    if not env.get("OMP_NUM_THREADS", "").strip() and not env.get("ACBENCH_THREADS", "").strip():
        env["OMP_NUM_THREADS"] = str(max(1, usable_cores() // workers))
    env.pop("MLFLOW_RUN_ID", None)  # the driver attached to it; workers must make children of the parent
    env.setdefault("ACBENCH_NO_PROGRESS", "1")  # N progress bars on one terminal are unreadable
    return env


def worker_command(space: str, study: str, storage: str | None, trials: int | None, total: int | None,
                   stale_after: float) -> list[str]:
    """The `acbench sweep` command line of one worker (the same interpreter as the driver)."""
    cmd = [sys.executable, "-m", "acbench.cli", "sweep", space, "--study", study, "--stale-after", str(stale_after)]
    if storage:
        cmd += ["--storage", storage]
    if trials is not None:
        cmd += ["--trials", str(trials)]
    if total is not None:
        cmd += ["--total", str(total)]
    return cmd


def run_workers(space: str, study: str, storage: str | None, trials: int | None, total: int | None,
                stale_after: float, workers: int, cache_root: str | Path | None = None) -> list[WorkerResult]:
    """Start `workers` worker processes on an existing study and wait for all of them.

    Args:
        space: the sweep file.
        study: the study name (created beforehand by the caller).
        storage: the Optuna storage every worker opens (a database URL for several machines).
        trials: trials each worker runs at most.
        total: every worker stops once the study holds this many complete + pruned + running trials.
        stale_after: passed to each worker (`--stale-after`).
        workers: the number of processes.
        cache_root: parent of the per-worker caches (default `<acbench cache>/workers`).

    Returns:
        One WorkerResult per worker, in index order.
    """
    from acbench.models import cache_dir

    root = Path(cache_root) if cache_root else cache_dir() / "workers"
    root.mkdir(parents=True, exist_ok=True)
    cmd = worker_command(space, study, storage, trials, total, stale_after)
    procs, pumps, logs = [], [], []
    try:
        for index in range(workers):
            log_file = root / f"worker-{index}.log"
            logs.append(log_file)
            proc = subprocess.Popen(cmd, env=worker_env(index, workers, root), stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, text=True, errors="replace", start_new_session=True)
            procs.append(proc)
            pump = threading.Thread(target=_pump, args=(proc, index, log_file), daemon=True)
            pump.start()
            pumps.append(pump)
        for proc in procs:
            proc.wait()
    except KeyboardInterrupt:
        _stop(procs)
        raise
    finally:
        for pump in pumps:
            pump.join(timeout=10)
    return [WorkerResult(i, p.returncode, root / f"worker-{i}", logs[i]) for i, p in enumerate(procs)]


def _pump(proc: subprocess.Popen, index: int, log_file: Path) -> None:
    """Copy a worker's output to the driver's stderr (prefixed) and to its log file."""
    with log_file.open("a") as out:
        for line in proc.stdout:
            out.write(line)
            out.flush()
            sys.stderr.write(f"[w{index}] {line}")


def _stop(procs: list[subprocess.Popen]) -> None:
    """Ctrl-C: each worker gets SIGINT (it requeues its running trial), then SIGKILL after a grace period."""
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
    for proc in procs:
        try:
            proc.wait(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
