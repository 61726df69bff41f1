"""Shared fixtures: a tiny random Llama-like checkpoint, and an isolated MLflow store + acbench cache."""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

import pytest

os.environ.setdefault("ACBENCH_NO_PROGRESS", "1")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"

# In CI (CI=true) a skipped test is a failure unless it needs hardware CI does not have: a missing hard
# dependency or a missing data file must not turn into a quietly green run. The one data exception: an upstream
# checkout that CI cannot fetch (no network but the package registries); the test says so in its reason.
SKIPS_ALLOWED_IN_CI = ("CUDA", "GPU", "accelerator", "not reachable from CI")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") != "true" or not report.skipped or hasattr(report, "wasxfail"):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    if not any(word in reason for word in SKIPS_ALLOWED_IN_CI):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI ({reason}): a hard dependency or a data file is missing; fix the set-up"


def make_tiny_model(path: Path, hidden: int = 128, intermediate: int = 256, seed: int = 0) -> Path:
    """Write a tiny randomly initialised LlamaForCausalLM (bf16) + the SmolLM2 tokenizer into `path`."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    from acbench.models import resolve_model

    tokenizer = AutoTokenizer.from_pretrained(resolve_model())
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=hidden, intermediate_size=intermediate, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, head_dim=hidden // 4, max_position_embeddings=512,
        tie_word_embeddings=True, bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(seed)
    LlamaForCausalLM(config).to(torch.bfloat16).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """Path of a tiny checkpoint shared by the whole session (read-only by convention)."""
    return make_tiny_model(tmp_path_factory.mktemp("tiny") / "tiny-llama")


@pytest.fixture
def isolated_tracking(tmp_path, monkeypatch) -> Path:
    """A fresh sqlite MLflow store and acbench cache in tmp_path, which becomes the working directory."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path}/mlflow.db")
    monkeypatch.setenv("ACBENCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("MLFLOW_RUN_ID", raising=False)
    return tmp_path


class Hung(Exception):
    """A block guarded by `no_hang` ran out of its CPU budget: super-linear work on a degenerate input."""


@contextlib.contextmanager
def _no_hang(cpu_seconds: float = 60.0):
    """Fail a block that never finishes, without timing it.

    The inputs it guards are sized so that linear work takes a fraction of a second and super-linear work (a
    backtracking regex or a quadratic loop over a megabyte: 10^12 steps) takes hours, so the budget sits 100x
    above the one and far below the other: it tells the two apart on any machine, loaded or not, and is not a
    measurement. CPU time of this process (ITIMER_PROF), so other processes on the machine do not count.
    """

    def expire(signum, frame):
        raise Hung(f"no result after {cpu_seconds} s of CPU: the work on this input is not linear")

    previous = signal.signal(signal.SIGPROF, expire)
    signal.setitimer(signal.ITIMER_PROF, cpu_seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


@pytest.fixture
def no_hang():
    """The context manager `no_hang(cpu_seconds=60)`: a block on a degenerate input must finish (see _no_hang)."""
    return _no_hang


def _wait_healthy(url: str, proc, log_path: Path, timeout_s: float, what: str = "mlflow server") -> None:
    """Poll `url`/health until it answers 200; fail with the server log's tail if it exits or times out."""
    import time
    import urllib.request

    deadline = time.monotonic() + timeout_s
    while True:
        if proc.poll() is not None:
            pytest.fail(f"{what} exited: {log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url + "/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"{what} not healthy after {timeout_s}s: {log_path.read_text()[-3000:]}")
        time.sleep(0.5)


@pytest.fixture(scope="session")
def wait_healthy():
    """The function `(url, proc, log_path, timeout_s, what)` that waits for a server a test started."""
    return _wait_healthy


def _free_port() -> int:
    """A TCP port on loopback that nothing listens on now (the OS picks it; a server started next binds it)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def free_port():
    """The function `() -> int` that finds a free loopback port for a server a test starts."""
    return _free_port
