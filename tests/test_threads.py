"""CPU thread sharing: cores from affinity and cgroup quota, split between live acbench processes."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from acbench import threads


def test_usable_cores_honours_the_cgroup_quota(tmp_path):
    affinity = len(os.sched_getaffinity(0))
    (tmp_path / "cpu.max").write_text("150000 100000\n")  # 1.5 CPUs -> 1 whole core
    assert threads.usable_cores(tmp_path) == 1
    (tmp_path / "cpu.max").write_text("max 100000\n")
    assert threads.usable_cores(tmp_path) == affinity
    (tmp_path / "cpu.max").unlink()
    (tmp_path / "cpu").mkdir()
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("-1\n")  # cgroup v1, unlimited
    (tmp_path / "cpu" / "cpu.cfs_period_us").write_text("100000\n")
    assert threads.usable_cores(tmp_path) == affinity
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("100000\n")
    assert threads.usable_cores(tmp_path) == 1


def test_live_processes_split_the_cores(tmp_path, monkeypatch):
    monkeypatch.setenv("ACBENCH_CACHE", str(tmp_path))
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.delenv("ACBENCH_THREADS", raising=False)
    monkeypatch.setattr(threads, "_registration", None)
    monkeypatch.setattr(threads, "usable_cores", lambda: 4)
    monkeypatch.setattr(threads, "busy_elsewhere", lambda: 0.0)  # whatever else this machine runs now
    monkeypatch.setattr(threads, "_busy_sample", None)
    threads.register()
    assert threads.live_processes() == 1 and threads.thread_share() == 4

    code = ("import time; from acbench import threads; threads.register(); print('ready', flush=True); "
            "time.sleep(60)")
    other = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "ACBENCH_CACHE": str(tmp_path)})
    try:
        assert other.stdout.readline().strip() == "ready"
        assert threads.live_processes() == 2 and threads.thread_share() == 2
    finally:
        other.kill()
        other.wait()
    # a killed process leaves its file behind but not its lock: it no longer counts, and its file goes
    assert (tmp_path / "procs" / f"{other.pid}.lock").exists()
    assert threads.live_processes() == 1
    assert not (tmp_path / "procs" / f"{other.pid}.lock").exists()


@pytest.mark.parametrize("variable", ["OMP_NUM_THREADS", "ACBENCH_THREADS"])
def test_a_users_thread_setting_wins(monkeypatch, variable):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.delenv("ACBENCH_THREADS", raising=False)  # a developer's own setting would win over the test's
    monkeypatch.setenv(variable, "3")
    assert threads.thread_share() == 3


def _stat(tmp_path, cpus: int, running: int):
    lines = ["cpu  1 2 3 4"] + [f"cpu{i} 1 2 3 4" for i in range(cpus)] + [f"procs_running {running}", "procs_blocked 0"]
    (tmp_path / "stat").write_text("\n".join(lines) + "\n")
    return tmp_path / "stat"


def test_busy_elsewhere_counts_other_runnable_tasks_scaled_to_our_cores(tmp_path, monkeypatch):
    monkeypatch.setattr(threads, "usable_cores", lambda: 2)
    assert threads.busy_elsewhere(_stat(tmp_path, 2, 1), interval=0) == 0  # only the caller runs
    assert threads.busy_elsewhere(_stat(tmp_path, 2, 2), interval=0) == 1  # one neighbour
    assert threads.busy_elsewhere(_stat(tmp_path, 64, 33), interval=0) == 1  # a host of 64: 32 x 2/64
    assert threads.busy_elsewhere(tmp_path / "missing", interval=0) == 0


@pytest.mark.parametrize("running, expected", [(1, 2), (2, 1), (5, 1)])
def test_a_busy_neighbour_takes_a_thread_away(tmp_path, monkeypatch, running, expected):
    # 2 cores, this process alone among acbench processes: one CPU-bound neighbour (any nice level) leaves it
    # one thread, so that no OpenMP thread waits at a barrier for a sibling the neighbour displaced
    monkeypatch.setenv("ACBENCH_CACHE", str(tmp_path))
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.delenv("ACBENCH_THREADS", raising=False)
    monkeypatch.setattr(threads, "_registration", None)
    monkeypatch.setattr(threads, "usable_cores", lambda: 2)
    stat = _stat(tmp_path, 2, running)
    real = threads.busy_elsewhere
    monkeypatch.setattr(threads, "busy_elsewhere", lambda: real(stat, interval=0))
    monkeypatch.setattr(threads, "_busy_sample", None)
    assert threads.thread_share() == expected
