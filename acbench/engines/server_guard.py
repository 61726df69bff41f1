"""Keeps a server's whole process tree tied to the acbench process that started it (stdlib only).

    python acbench/engines/server_guard.py PARENT_PID -- vllm serve ...

acbench starts this script as the leader of a new session (its own process group), and it starts the server
in that group: vLLM's API server spawns its engine core as further processes, all in the same group. The
guard ends the whole group, with SIGTERM and then SIGKILL, when any of these happens: the server exits by
itself, the guard gets SIGTERM/SIGINT/SIGHUP (acbench stopping it), or PARENT_PID is no longer its parent
(acbench died, `kill -9` included: nothing else would be left to clean up). So a run leaves no server behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

POLL_S = 0.2  # how soon a dead parent is noticed
GRACE_S = float(os.environ.get("ACBENCH_SERVER_GRACE_S", "10"))  # to exit on SIGTERM before SIGKILL


def end_group(child: subprocess.Popen) -> None:
    """SIGTERM to the group (the guard ignores it), a grace period, then SIGKILL to the group, guard included."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        os.killpg(0, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        child.wait(timeout=GRACE_S)
    except subprocess.TimeoutExpired:
        pass
    time.sleep(POLL_S)  # the server's own children get a moment after it
    os.killpg(0, signal.SIGKILL)  # whatever is left, and this guard with it


def main(argv: list[str]) -> int:
    parent, command = int(argv[0]), argv[argv.index("--") + 1:]
    asked = []
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda signum, frame: asked.append(signum))
    child = subprocess.Popen(command)  # inherits stdout/stderr: the server's log file
    while child.poll() is None and not asked and os.getppid() == parent:
        time.sleep(POLL_S)
    end_group(child)
    return 0  # not reached: end_group kills the guard too


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
