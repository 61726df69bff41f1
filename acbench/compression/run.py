"""`compress(spec, model_path)`: run llm-compressor once per distinct request, cache and measure the result.

    from acbench.compression import CompressionSpec, compress
    result = compress(CompressionSpec(method="wanda", pattern="2:4", calib_samples=32, calib_seq_len=256), path)
    result.path     # <cache_dir()>/compressed/<key>/  (compressed-tensors checkpoint + tokenizer)
    result.stats    # size_mb, original_size_mb, compression_ratio, sparsity, bits_per_weight, compress_s, ...

The checkpoint is written into a temporary sibling directory and moved into place with `os.replace`, so a
killed run never leaves a half checkpoint under the cache key (its temp dir is removed by the next run).
Every checkpoint is loaded back with transformers and run on a short text before it is cached.
Pruned checkpoints are saved dense: `sparsity` measures the weights, not the file, and gives no speed-up.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from acbench.compression import measure
from acbench.compression.calibration import is_local_source
from acbench.compression.spec import CompressionSpec, library_versions
from acbench.compression.validate import CompressionError, TargetLayers, validate_against_model
from acbench.threads import share_cores

log = logging.getLogger(__name__)
MARKER = "acbench_compression.json"


@dataclass(frozen=True)
class CompressionResult:
    """Where the compressed checkpoint is and what was measured.

    Attributes:
        path: checkpoint directory (the original one for method 'none').
        stats: size_mb, original_size_mb, compression_ratio, sparsity, bits_per_weight, compress_s,
            peak_memory_mb (floats) and cached (bool). See `measure` for the definitions.
        key: the cache key (None for method 'none').
    """

    path: Path
    stats: dict[str, Any]
    key: str | None = None


def default_cache_root() -> Path:
    """`<acbench cache>/compressed`, where checkpoints live under their cache key."""
    from acbench.models import cache_dir

    return cache_dir() / "compressed"


def compress(spec: CompressionSpec, model_path: str | Path, cache_root: str | Path | None = None,
             targets: TargetLayers | None = None) -> CompressionResult:
    """Compress the checkpoint at `model_path` as `spec` says, or return the cached result.

    Args:
        spec: what to do.
        model_path: a local transformers checkpoint (see `acbench.models.resolve_model`).
        cache_root: directory holding one `<key>/` folder per compressed checkpoint
            (default `<acbench cache>/compressed`).
        targets: what `validate_against_model(spec, model_path)` returned, when the caller has validated
            already (a run validates before any heavy work); None validates here.

    Raises:
        CompressionError: the spec cannot work on this model (raised before any weight is loaded).
    """
    model_path = Path(model_path).resolve()
    if targets is None:
        targets = validate_against_model(spec, model_path)
    original_mb = measure.weights_size_mb(model_path)
    if spec.method == "none":
        return CompressionResult(model_path, _original_stats(model_path, targets, original_mb))
    work_dtype = compute_dtype(model_path)  # decided once: the key and the calibration must agree
    key = compression_key(spec, model_path, work_dtype)
    root = Path(cache_root) if cache_root is not None else default_cache_root()
    root.mkdir(parents=True, exist_ok=True)
    final = root / key
    if (final / MARKER).exists():
        stats = json.loads((final / MARKER).read_text())["stats"]
        log.info("compression cache hit: %s", final)
        return CompressionResult(final, {**stats, "cached": True}, key)
    if final.exists():  # not written by us (we only ever move whole, marked dirs into place)
        shutil.rmtree(final)
    _remove_stale_temps(root, key)
    tmp = Path(tempfile.mkdtemp(dir=root, prefix=f".tmp-{key}-{os.getpid()}-"))
    share_cores()  # calibration is matmul-bound: never oversubscribe the cores with another acbench process
    try:
        stats = _compress_into(spec, model_path, tmp, targets, original_mb, work_dtype)
        (tmp / MARKER).write_text(
            json.dumps(
                {"key": key, "spec": spec.model_dump(mode="json"), "source_model": str(model_path),
                 "versions": library_versions(), "stats": stats},
                indent=2,
            )
        )
        try:
            os.replace(tmp, final)
        except OSError:  # a concurrent run finished first: keep its checkpoint
            if not (final / MARKER).exists():
                raise
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return CompressionResult(final, {**stats, "cached": False}, key)


def compression_key(spec: CompressionSpec, model_path: str | Path, work_dtype: str | None = None) -> str:
    """The cache key of `spec` applied to the checkpoint at `model_path`, calibrated in `work_dtype`
    (default: what `compute_dtype` picks on this machine now)."""
    model_path = Path(model_path).resolve()
    return spec.cache_key(extra=_fingerprint(spec, model_path, work_dtype or compute_dtype(model_path)))


def _compress_into(
    spec: CompressionSpec, model_path: Path, out: Path, targets: TargetLayers, original_mb: float, work_dtype: str
) -> dict[str, Any]:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from acbench.compression._cpu_shims import cpu_shims
    from acbench.compression.calibration import calibration_dataset
    from acbench.compression.recipe import build_recipe

    measure.reset_peak_memory()
    start = time.perf_counter()
    torch.manual_seed(spec.seed)
    tokenizer = AutoTokenizer.from_pretrained(model_path)
    dataset = (
        calibration_dataset(tokenizer, spec.calib_samples, spec.calib_seq_len, spec.calib_source, spec.seed)
        if spec.needs_calibration
        else None
    )
    recipe = build_recipe(spec)
    log.info("compressing %s with %s: %s", model_path.name, spec.method, [type(m).__name__ for m in recipe])
    from llmcompressor import oneshot

    # The checkpoint is saved in its own dtype (bf16 for SmolLM2), so unquantized parts and scales keep their
    # size; on a CPU the calibration itself may run in float32 (see `compute_dtype`).
    model = AutoModelForCausalLM.from_pretrained(model_path, dtype="auto")
    saved_dtype = model.dtype
    if getattr(torch, work_dtype) != saved_dtype:
        log.info("calibrating in %s on the CPU, saving in %s", work_dtype, saved_dtype)
        model = model.to(getattr(torch, work_dtype))
    with cpu_shims():
        oneshot(
            model=model,
            tokenizer=tokenizer,
            recipe=recipe,
            dataset=dataset,
            num_calibration_samples=spec.calib_samples,
            max_seq_length=spec.calib_seq_len,
            shuffle_calibration_samples=False,
        )
    model = model.to(saved_dtype)  # casts float weights and scales only; integer zero points stay as they are
    model.save_pretrained(out, save_compressed=True)
    tokenizer.save_pretrained(out)
    del model
    compress_s = time.perf_counter() - start
    sparsity = _load_back_and_check(out, targets)
    size_mb = measure.weights_size_mb(out)
    return {
        "size_mb": size_mb,
        "original_size_mb": original_mb,
        "compression_ratio": original_mb / size_mb,
        "sparsity": sparsity,
        "bits_per_weight": measure.bits_per_weight(out, targets.shapes),
        "compress_s": compress_s,
        "peak_memory_mb": measure.peak_memory_mb(),
    }


def _load_back_and_check(path: Path, targets: TargetLayers) -> float:
    """Load the saved checkpoint with plain transformers, run one short text, return the measured sparsity."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32).eval()
    # transformers keeps quantized layers packed until the first forward pass, which unpacks them to
    # float: run it before reading weights.
    with torch.no_grad():
        ids = tokenizer("The quick brown fox jumps over the lazy dog.", return_tensors="pt")
        logits = model(**ids).logits
    if not torch.isfinite(logits).all():
        raise CompressionError(f"the compressed checkpoint produces non-finite logits ({path}); not cached")
    return measure.targeted_sparsity(model, targets.shapes)


def _original_stats(model_path: Path, targets: TargetLayers, original_mb: float) -> dict[str, Any]:
    return {
        "size_mb": original_mb,
        "original_size_mb": original_mb,
        "compression_ratio": 1.0,
        "sparsity": measure.original_sparsity(model_path, targets.shapes),
        "bits_per_weight": measure.bits_per_weight(model_path, targets.shapes),
        "compress_s": 0.0,
        "peak_memory_mb": 0.0,
        "cached": False,
    }


def _fingerprint(spec: CompressionSpec, model_path: Path, work_dtype: str) -> dict[str, Any]:
    """What besides the spec decides the result: the model's files, the calibration dtype and a local
    calibration file's bytes."""
    files = sorted(model_path.glob("*.safetensors")) + [model_path / "config.json"]
    model = [[f.name, f.stat().st_size, f.stat().st_mtime_ns] for f in files if f.exists()]
    extra: dict[str, Any] = {"model_path": str(model_path), "model_files": model, "compute_dtype": work_dtype}
    source = spec.calib_source
    if spec.needs_calibration and source is not None and is_local_source(source):
        extra["calib_sha256"] = hashlib.sha256(Path(source).expanduser().read_bytes()).hexdigest()
    return extra


def compute_dtype(model_path: Path) -> str:
    """The dtype llm-compressor calibrates in: float32 on a machine without an accelerator when the float32
    weights take at most a quarter of the free memory, else the checkpoint's own dtype.

    CPUs without bf16 matrix units run bf16 matmuls slower than float32 (measured here on SmolLM2: GPTQ
    206 s -> 74 s, AWQ from over an hour to 269 s); a GPU computes in the checkpoint's dtype, as
    llm-compressor expects.
    The checkpoint is saved in its own dtype either way; the choice is part of the cache key.
    """
    import psutil

    from acbench.compression._cpu_shims import accelerator_present

    config = json.loads((model_path / "config.json").read_text())
    own = str(config.get("dtype") or config.get("torch_dtype") or "float32")
    if accelerator_present() or own == "float32":
        return own
    n_params = measure.parameter_count(model_path)
    fits = 4 * n_params <= psutil.virtual_memory().available / 4
    return "float32" if fits else own


def _remove_stale_temps(root: Path, key: str) -> None:
    """Delete temp dirs that a killed run left for this key (their process is gone)."""
    import psutil

    for tmp in root.glob(f".tmp-{key}-*"):
        parts = tmp.name.split("-")
        pid = int(parts[3]) if len(parts) > 3 and parts[3].isdigit() else None
        if pid is None or not psutil.pid_exists(pid) or pid == os.getpid():
            shutil.rmtree(tmp, ignore_errors=True)
