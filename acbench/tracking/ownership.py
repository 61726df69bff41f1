"""Which process owns a run (`acbench.owner.*` tags), and runs whose process died (kill -9) marked KILLED."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import mlflow
from mlflow.tracking import MlflowClient

log = logging.getLogger(__name__)


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

