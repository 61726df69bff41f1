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


def _proc(tmp_path, tasks: list[tuple[int, str, int, int]]):
    """A fake /proc: (pid, state, nice, cpu last run on) per thread, one thread a process."""
    root = tmp_path / "proc"
    for k, (pid, state, nice, cpu) in enumerate(tasks):
        task = root / str(pid) / "task" / str(pid)
        task.mkdir(parents=True, exist_ok=True)
        fields = [state] + ["0"] * 36
        fields[16], fields[36] = str(nice), str(cpu)  # proc(5) fields 19 and 39
        (task / "stat").write_text(f"{pid} (a name) with) spaces) " + " ".join(fields) + "\n")
    return root


def test_busy_elsewhere_weighs_other_runnable_threads_by_priority_on_our_cpus(tmp_path, monkeypatch):
    monkeypatch.setattr(threads.os, "sched_getaffinity", lambda pid: {0, 1})
    monkeypatch.setattr(threads.os, "getpriority", lambda which, who: 0)
    me = threads.os.getpid()
    assert threads.busy_elsewhere(_proc(tmp_path / "a", [(me, "R", 0, 0)]), interval=0) == 0  # only the caller
    assert threads.busy_elsewhere(_proc(tmp_path / "b", [(me, "R", 0, 0), (901, "R", 0, 1)]), interval=0) == 1
    assert threads.busy_elsewhere(_proc(tmp_path / "c", [(901, "S", 0, 1), (902, "R", 0, 7)]), interval=0) == 0
    niced = threads.busy_elsewhere(_proc(tmp_path / "d", [(901, "R", 19, 1)]), interval=0)
    assert niced == pytest.approx(1.25 ** -19)  # a nice-19 spinner gets about 1.4 % of a core beside us
    assert threads.busy_elsewhere(_proc(tmp_path / "e", [(901, "R", -5, 0)]), interval=0) == 1  # at most 1
    assert threads.busy_elsewhere(tmp_path / "missing", interval=0) == 0


@pytest.mark.parametrize("neighbours, expected", [([], 2), ([(901, "R", 0, 1)], 1), ([(901, "R", 19, 1)], 2),
                                                  ([(901, "R", 0, 0), (902, "R", 0, 1), (903, "R", 0, 1)], 1)])
def test_a_busy_neighbour_takes_a_thread_away_unless_it_runs_at_a_lower_priority(tmp_path, monkeypatch,
                                                                                neighbours, expected):
    # 2 cores, this process alone among acbench processes: a CPU-bound neighbour at our priority leaves it one
    # thread, so that no OpenMP thread waits at a barrier for a sibling the neighbour displaced; a nice-19 one
    # barely runs while we do and leaves both
    monkeypatch.setenv("ACBENCH_CACHE", str(tmp_path))
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.delenv("ACBENCH_THREADS", raising=False)
    monkeypatch.setattr(threads, "_registration", None)
    monkeypatch.setattr(threads, "usable_cores", lambda: 2)
    monkeypatch.setattr(threads.os, "sched_getaffinity", lambda pid: {0, 1})
    monkeypatch.setattr(threads.os, "getpriority", lambda which, who: 0)
    proc = _proc(tmp_path, neighbours)
    real = threads.busy_elsewhere
    monkeypatch.setattr(threads, "busy_elsewhere", lambda: real(proc, interval=0))
    monkeypatch.setattr(threads, "_busy_sample", None)
    assert threads.thread_share() == expected
