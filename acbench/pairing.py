"""Which two models a run compares, and what is logged about the second one.

A run evaluates a "base" model and, unless it runs one model alone, a second one on the same items:

| run | base role | other model | results key of the other |
|---|---|---|---|
| `method=gptq` (any method) | `model` (or `reference`) | its compressed checkpoint, at `kv_bits` | `comp-<checkpoint key>-<base key>` |
| `method=none reference=R` | `R` | `model` as it is (distilled, GPTQ, AWQ, compressed-tensors, GGUF), at `kv_bits` | `base-<key of model>` |
| `method=none kv_bits=4` | `model` | the same weights under a 4-bit KV cache | `base-<key of model + kv4>` |

The base always runs with a 16-bit KV cache. Results are keyed by the model actually evaluated (its resolved
path, dtype, backend, context and KV precision), so a model's results are shared by every run that
evaluates it, in either role.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from acbench import tracking
from acbench.config import RunConfig
from acbench.models import resolve_model
from acbench.reference import check_loadable, checkpoint_format, measure_checkpoint, tokenizer_mismatch

log = logging.getLogger(__name__)


@dataclass
class ComparedModel:
    """The `model` of a reference run: where it is, how it is stored, and whether it shares the base's tokens."""

    ref: str
    path: Path
    fmt: str
    tokenizer_note: str | None  # None: same tokenizer; else why top-k and energy are skipped


def prepare_compared(cfg: RunConfig, base_path: Path) -> ComparedModel | None:
    """Resolve and check the compared model of a reference run (cheap: configs and tokenizers only)."""
    if cfg.compared_model is None:
        return None
    path = resolve_model(cfg.compared_model, trust_remote_code=cfg.model.trust_remote_code)
    fmt = checkpoint_format(cfg.compared_model, path)
    check_loadable(fmt, cfg.engine.backend)
    note = tokenizer_mismatch(base_path, path, cfg.model.trust_remote_code)
    if note:
        log.warning("%s vs %s: %s; the top-k and energy analyses will be skipped", cfg.compared_model,
                    cfg.base_model, note)
    return ComparedModel(cfg.compared_model, path, fmt, note)


def model_key(cfg: RunConfig, path: Path, kv_bits: str = "16") -> str:
    """Identity of an evaluated model + engine settings that can move outputs (the results cache key)."""
    blob = f"{Path(path).resolve()}|{cfg.model.dtype}|{cfg.engine.backend}|{cfg.engine.max_context}"
    if kv_bits != "16":  # appended only when set, so 16-bit keys stay those of earlier versions
        blob += f"|kv{kv_bits}"
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


def other_model(cfg: RunConfig, base_path: Path, compared: ComparedModel | None, compressed) -> tuple[Path, str] | None:
    """(path, results key) of the model compared with the base, or None for a single-model run."""
    kv = cfg.engine.kv_bits
    if compressed is not None:
        # the checkpoint's own cache key: spec, library versions, source files and calibration dtype
        key = f"comp-{compressed.key}-{model_key(cfg, base_path)}"
        return compressed.path, key if kv == "16" else f"{key}-kv{kv}"
    if compared is not None:
        return compared.path, f"base-{model_key(cfg, compared.path, kv)}"
    if kv != "16":
        return base_path, f"base-{model_key(cfg, base_path, kv)}"
    return None


def run_name(cfg: RunConfig) -> str:
    """`<model>-<method>`, `<model>-vs-<reference>`, with `-kv<bits>` when the KV cache is quantized."""
    short = cfg.model.name.split("/")[-1]
    name = f"{short}-vs-{cfg.model.reference.split('/')[-1]}" if cfg.compared_model else f"{short}-{cfg.compression.method}"
    return name if cfg.engine.kv_bits == "16" else f"{name}-kv{cfg.engine.kv_bits}"


def log_pairing(cfg: RunConfig, base_path: Path, compared: ComparedModel | None) -> dict[str, float]:
    """Tags saying what is compared with what; for a reference run also the stored size of both models.

    Returns the `model/*` metrics of a reference run (size_mb, bits_per_weight, compression_ratio against the
    reference as evaluated, reference_size_mb, reference_bits_per_weight); {} otherwise.
    """
    kind = ("compression" if cfg.compression.method != "none" else "reference" if compared
            else "kv_cache" if cfg.engine.kv_bits != "16" else "single")
    tags = {"acbench.comparison": kind, "acbench.kv_bits": cfg.engine.kv_bits}
    if cfg.engine.kv_bits != "16":
        tags["acbench.note.kv_cache"] = (
            f"the compared model reads earlier tokens' keys/values from a {cfg.engine.kv_bits}-bit cache "
            "(acbench/engines/kv.py); the base runs at 16 bits; analyses feed texts token by token through it")
    metrics: dict[str, float] = {}
    if compared is not None:
        tags.update({"acbench.reference": cfg.base_model, "acbench.model_format": compared.fmt,
                     "acbench.analysis.tokenizers": "same" if compared.tokenizer_note is None else
                     f"differ: {compared.tokenizer_note}; top-k and energy skipped, ERank per model on its own tokens"})
        sizes = measure_checkpoint(compared.ref, compared.path)
        ref_sizes = measure_checkpoint(str(base_path), base_path)  # the reference as evaluated
        metrics = {"model/size_mb": sizes["size_mb"], "model/bits_per_weight": sizes["bits_per_weight"],
                   "model/reference_size_mb": ref_sizes["size_mb"],
                   "model/reference_bits_per_weight": ref_sizes["bits_per_weight"],
                   "model/compression_ratio": ref_sizes["size_mb"] / sizes["size_mb"]}
        tracking.log_metrics(metrics)
    tracking.set_tags(tags)
    return metrics


def external_checkpoint(compared: ComparedModel, metrics: dict[str, float]):
    """A `CompressionResult` for a checkpoint compressed elsewhere, so it registers like acbench's own.

    A GGUF model is registered as its `.gguf` file (copied into a folder of its own), not as the dequantized
    copy acbench runs.
    """
    from acbench.compression import CompressionResult
    from acbench.models import cache_dir
    from acbench.reference import gguf_file

    path = compared.path
    gguf = gguf_file(compared.ref)
    if gguf is not None:
        path = cache_dir() / "registered" / f"{gguf.stem}-{gguf.stat().st_size}"
        if not (path / gguf.name).exists():
            import shutil

            path.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(gguf, path / gguf.name)
    key = "external-" + hashlib.sha256(f"{compared.ref}|{Path(compared.path).resolve()}".encode()).hexdigest()[:12]
    stats = {k.split("/", 1)[1]: v for k, v in metrics.items()}
    return CompressionResult(path=path, stats=stats, key=key)
