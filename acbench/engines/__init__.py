"""Engines: one protocol, two backends (transformers; vLLM as an optional GPU extra), loaded lazily."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from acbench.engines.base import Engine, ForwardOutput, GenerationRequest, cut_at_stop

__all__ = ["Engine", "ForwardOutput", "GenerationRequest", "LazyEngine", "cut_at_stop", "load_engine"]


def load_engine(model_path: str | Path, backend: str = "hf", dtype: str = "auto", batch_size: int = 16,
                max_context: int | None = None, trust_remote_code: bool = False, kv_bits: str = "16",
                **vllm_parallel: Any) -> Engine:
    """Build an engine for a local checkpoint with the chosen backend; `vllm_parallel` (tensor_parallel,
    pipeline_parallel, distributed_backend) goes to the vLLM engine only."""
    if backend == "hf":
        from acbench.engines.hf import HFEngine

        return HFEngine(model_path, dtype=dtype, batch_size=batch_size, max_context=max_context,
                        trust_remote_code=trust_remote_code, kv_bits=kv_bits)
    if backend == "vllm":
        from acbench.engines.vllm import VLLMEngine

        return VLLMEngine(model_path, dtype=dtype, max_context=max_context, trust_remote_code=trust_remote_code,
                          kv_bits=kv_bits, **vllm_parallel)
    raise ValueError(f"unknown backend '{backend}': use 'hf' or 'vllm'")


class LazyEngine:
    """Loads the real engine on first use, so a run whose results are all cached never loads the model."""

    def __init__(self, **load_kwargs: Any):
        self._kwargs = load_kwargs
        self._engine: Engine | None = None

    @property
    def loaded(self) -> bool:
        return self._engine is not None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if self._engine is None:
            self._engine = load_engine(**self._kwargs)
        return getattr(self._engine, name)
