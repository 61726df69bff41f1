"""A model against a reference: checkpoints compressed elsewhere, and whether two models share a tokenizer.

    from acbench.reference import checkpoint_format, measure_checkpoint, tokenizer_mismatch
    checkpoint_format("model.Q4_K_M.gguf", path)       # "gguf" | "gptq" | "awq" | "compressed-tensors" | "dense" | ...
    measure_checkpoint("org/model-GPTQ", path)         # {"size_mb": ..., "bits_per_weight": ...} from the files
    tokenizer_mismatch(path_a, path_b)                 # None, or why top-k and energy cannot pair positions

Measurement of a checkpoint made elsewhere (`model/size_mb`, `model/bits_per_weight`), from the files only:
- GGUF: size_mb is the `.gguf` file; bits_per_weight = stored bits / values of the 2-D tensors of the decoder
  blocks (`blk.*`), read from the GGUF header (the dequantized safetensors copy acbench runs is not measured).
- safetensors (dense, GPTQ, AWQ, compressed-tensors, FP8): size_mb is the `*.safetensors` files; bits_per_weight
  = every stored byte whose tensor name starts with a Linear layer of the decoder (`qweight`, `scales`,
  `qzeros`, `g_idx`, `weight_packed`, `weight_scale`...; biases excluded) x 8 / the layers' weights, the layers
  and their shapes taken from the config on the meta device (the same layers acbench's own methods target).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from acbench.models import ALIASES, ModelError

# transformers needs one of these to load the format; compressed-tensors and fp8 load with what is installed.
FORMAT_LIBRARIES = {"gptq": ("gptqmodel",), "awq": ("gptqmodel", "awq")}


def gguf_file(ref: str) -> Path | None:
    """The `.gguf` file behind a model reference (a path or an alias shipped as GGUF), else None."""
    if ref in ALIASES and ALIASES[ref].filename and ALIASES[ref].filename.endswith(".gguf"):
        from acbench.models import _package_file

        return _package_file(ALIASES[ref].package, ALIASES[ref].filename)
    path = Path(ref).expanduser()
    return path if path.suffix == ".gguf" else None


def checkpoint_format(ref: str, path: str | Path) -> str:
    """How the model's weights are stored: "gguf", the config's `quant_method` (gptq, awq, ...), or "dense"."""
    if gguf_file(ref) is not None:
        return "gguf"
    config = Path(path) / "config.json"
    quant = json.loads(config.read_text()).get("quantization_config") or {} if config.is_file() else {}
    return str(quant.get("quant_method") or "dense")


def check_loadable(fmt: str, backend: str) -> None:
    """A GPTQ/AWQ checkpoint needs its kernel library under transformers: say so before any weights load."""
    needed = FORMAT_LIBRARIES.get(fmt)
    if backend == "hf" and needed and not any(importlib.util.find_spec(lib) for lib in needed):
        raise ModelError(f"a {fmt.upper()} checkpoint loads in transformers only with {' or '.join(needed)} "
                         f"installed (pip install {needed[0]}; a GPU machine), or use backend=vllm; a "
                         "compressed-tensors checkpoint of the same model loads on CPU")


def measure_checkpoint(ref: str, path: str | Path) -> dict[str, float]:
    """size_mb and bits_per_weight of a model as stored (see the module docstring)."""
    gguf = gguf_file(ref)
    if gguf is not None:
        return {"size_mb": gguf.stat().st_size / 2**20, "bits_per_weight": gguf_bits_per_weight(gguf)}
    from acbench.compression.measure import tensor_bytes, weights_size_mb
    from acbench.compression.validate import targeted_layers

    shapes = targeted_layers(path).shapes
    sizes = tensor_bytes(path)
    stored = sum(size for name, size in sizes.items()
                 if not name.endswith(".bias") and _layer_of(name, shapes) is not None)
    n_weights = sum(o * i for o, i in shapes.values())
    return {"size_mb": weights_size_mb(path), "bits_per_weight": 8 * stored / n_weights}


def _layer_of(tensor_name: str, shapes: dict) -> str | None:
    """The targeted layer a stored tensor belongs to (`model.layers.0.q_proj.qweight` -> `model.layers.0.q_proj`)."""
    layer = tensor_name.rsplit(".", 1)[0]
    if layer in shapes:
        return layer
    # compressed-tensors and some exporters write `<layer>.weight_scale` etc.; GGUF-style names never reach here
    return None


def gguf_bits_per_weight(path: str | Path) -> float:
    """Stored bits per value over the decoder blocks' 2-D tensors of a GGUF file (header and index only)."""
    from gguf import GGUFReader

    stored = values = 0
    for tensor in GGUFReader(str(path)).tensors:
        if tensor.name.startswith("blk.") and len(tensor.shape) == 2:
            stored += int(tensor.n_bytes)
            values += int(tensor.n_elements)
    if not values:
        raise ModelError(f"{path}: no 2-D decoder tensors (blk.*) to measure")
    return 8 * stored / values


def tokenizer_mismatch(path_a: str | Path, path_b: str | Path, trust_remote_code: bool = False) -> str | None:
    """None when both checkpoints map every text to the same ids over the same output vocabulary; else why not.

    Compares the token -> id tables (added tokens included) and the configs' `vocab_size` (the logits width).
    Only tokenizer files and configs are read.
    """
    if Path(path_a).resolve() == Path(path_b).resolve():
        return None
    from transformers import AutoConfig, AutoTokenizer

    vocab_a = AutoTokenizer.from_pretrained(path_a, trust_remote_code=trust_remote_code).get_vocab()
    vocab_b = AutoTokenizer.from_pretrained(path_b, trust_remote_code=trust_remote_code).get_vocab()
    if vocab_a != vocab_b:
        differ = sum(1 for tok in set(vocab_a) | set(vocab_b) if vocab_a.get(tok) != vocab_b.get(tok))
        return f"tokenizers differ ({len(vocab_a)} vs {len(vocab_b)} tokens; {differ} tokens map to different ids)"
    size_a = AutoConfig.from_pretrained(path_a, trust_remote_code=trust_remote_code).get_text_config().vocab_size
    size_b = AutoConfig.from_pretrained(path_b, trust_remote_code=trust_remote_code).get_text_config().vocab_size
    if size_a != size_b:
        return f"output vocabularies differ (vocab_size {size_a} vs {size_b})"
    return None
