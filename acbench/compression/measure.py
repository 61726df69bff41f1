"""Measurements of a checkpoint on disk and of the compressing process (no llm-compressor needed).

    from acbench.compression.measure import weights_size_mb, bits_per_weight
    weights_size_mb(path); bits_per_weight(path, targets)

Definitions (also logged as `model/*` metrics):
- size_mb: bytes of the checkpoint's weight files (`*.safetensors`) / 2**20; tokenizer and config excluded.
- bits_per_weight: every stored bit that belongs to the targeted layers' weights (the weight tensor or
  its packed form, plus scales, zero points, shape and index tensors named `weight_*`) divided by the
  number of weights those layers hold. bf16 dense = 16; W4 g64 with bf16 scales = 4.25 (+ zero points).
- sparsity: fraction of exact zeros over the targeted Linear weights, read from the model after loading
  it back (quantized weights are unpacked, so a pruned-then-quantized zero counts as zero).
- peak_memory_mb: the process's peak resident memory (Linux VmHWM, reset at the start of the step;
  elsewhere the lifetime peak from `resource`).
Pruned checkpoints are saved dense: sparsity is a property of the weights, not of the file size, and
gives no speed-up in transformers.
"""

from __future__ import annotations

import json
import math
import struct
from pathlib import Path

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def weight_files(path: str | Path) -> list[Path]:
    """The safetensors files of a checkpoint directory."""
    files = sorted(Path(path).glob("*.safetensors"))
    if not files:
        raise FileNotFoundError(f"no .safetensors files in {path}")
    return files


def weights_size_mb(path: str | Path) -> float:
    """Size of the checkpoint's weight files in MiB."""
    return sum(f.stat().st_size for f in weight_files(path)) / 2**20


def _headers(path: str | Path) -> dict[str, dict]:
    """Every tensor's safetensors header entry (dtype, shape, data_offsets), without reading the data."""
    entries: dict[str, dict] = {}
    for file in weight_files(path):
        with open(file, "rb") as handle:
            (length,) = struct.unpack("<Q", handle.read(8))
            header = json.loads(handle.read(length))
        entries.update({name: info for name, info in header.items() if name != "__metadata__"})
    return entries


def tensor_bytes(path: str | Path) -> dict[str, int]:
    """Stored bytes of every tensor in a checkpoint, read from the safetensors headers only."""
    return {name: info["data_offsets"][1] - info["data_offsets"][0] for name, info in _headers(path).items()}


def parameter_count(path: str | Path) -> int:
    """Number of stored values in a (dense) checkpoint, read from the safetensors headers only."""
    return sum(math.prod(info["shape"]) for info in _headers(path).values())


def bits_per_weight(path: str | Path, shapes: dict[str, tuple[int, int]]) -> float:
    """Stored bits of the targeted layers' weight tensors (incl. scales/zero points) per weight.

    Args:
        path: checkpoint directory.
        shapes: targeted layer name -> (out_features, in_features).
    """
    sizes = tensor_bytes(path)
    n_weights = sum(o * i for o, i in shapes.values())
    stored = 0
    for layer in shapes:
        prefix = f"{layer}.weight"
        found = [n for n in sizes if n == prefix or n.startswith(prefix + "_")]
        if not found:
            raise KeyError(f"no stored weight for layer {layer} in {path}")
        stored += sum(sizes[n] for n in found)
    return 8 * stored / n_weights


def targeted_sparsity(model, shapes: dict[str, tuple[int, int]]) -> float:
    """Fraction of exact zeros over the targeted layers' weights of a loaded (float) model."""
    modules = dict(model.named_modules())
    zeros = total = 0
    for layer in shapes:
        weight = modules[layer].weight
        zeros += int((weight == 0).sum())
        total += weight.numel()
    return zeros / total


def original_sparsity(path: str | Path, shapes: dict[str, tuple[int, int]]) -> float:
    """Fraction of exact zeros over targeted weights of an uncompressed checkpoint, read tensor by tensor."""
    from safetensors import safe_open

    zeros = total = 0
    for file in weight_files(path):
        with safe_open(str(file), framework="pt") as handle:
            for name in handle.keys():
                if name.endswith(".weight") and name[: -len(".weight")] in shapes:
                    tensor = handle.get_tensor(name)
                    zeros += int((tensor == 0).sum())
                    total += tensor.numel()
    return zeros / total if total else 0.0


def reset_peak_memory() -> None:
    """Reset the kernel's resident-memory high-water mark for this process (Linux; no-op elsewhere)."""
    try:
        _CLEAR_REFS.write_text("5")
    except OSError:
        pass


def peak_memory_mb() -> float:
    """Peak resident memory of this process in MiB since the last reset (VmHWM), or its lifetime peak."""
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource
    import sys

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024
