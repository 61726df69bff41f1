"""Quantization methods on the tiny model: measured bits, and the checkpoint loads back and generates."""

from __future__ import annotations

import json

import pytest
import torch

from acbench.compression import CompressionSpec, compress

# (method, extra spec fields, expected bits per weight range). W4 g64 with bf16 scales: 4 + 16/64 = 4.25,
# plus packed int4 zero points for asymmetric AWQ (+ 4/64 = 4.3125). Per-channel 8-bit: 8 + 16/in_features
# for a bf16 scale per output row (in 128 or 256 here). A few bytes of `weight_shape` per layer on top.
CASES = [
    ("rtn", {}, (4.25, 4.26)),
    ("rtn", {"bits": 8, "group_size": None}, (8.06, 8.13)),
    ("gptq", {}, (4.25, 4.26)),
    ("fp8", {"bits": 8}, (8.06, 8.13)),
    ("awq", {}, (4.3125, 4.33)),
    ("smoothquant", {"bits": 8}, (8.06, 8.13)),
]


@pytest.mark.parametrize(("method", "extra", "bits_range"), CASES, ids=[f"{m}-{e}" for m, e, _ in CASES])
def test_quantize_load_back_generate(tiny_model, cache_root, quick, load_back, method, extra, bits_range):
    result = compress(CompressionSpec(method=method, **extra, **quick), tiny_model, cache_root=cache_root)
    stats = result.stats
    low, high = bits_range
    assert low <= stats["bits_per_weight"] <= high
    assert stats["size_mb"] < stats["original_size_mb"] and stats["compression_ratio"] > 1.0
    assert stats["cached"] is False and stats["compress_s"] > 0 and stats["peak_memory_mb"] > 0
    config = json.loads((result.path / "config.json").read_text())
    assert config["quantization_config"]["quant_method"] == "compressed-tensors"
    # calibrated in float32 on this CPU, saved in the checkpoint's own dtype (the bits above count bf16 scales)
    assert (config.get("dtype") or config.get("torch_dtype")) == "bfloat16"

    model, tokenizer = load_back(result.path)
    prompt = tokenizer("Tools:", return_tensors="pt")
    with torch.no_grad():
        out = model.generate(**prompt, max_new_tokens=5, do_sample=False, min_new_tokens=5)
    assert out.shape[1] == prompt["input_ids"].shape[1] + 5

    original, _ = load_back(tiny_model)
    with torch.no_grad():
        base = original(**prompt).logits
        mine = model(**prompt).logits
    assert torch.isfinite(mine).all()
    assert not torch.equal(base, mine)  # the weights really changed


def test_bits_per_weight_counts_only_targeted_layers(tiny_model, load_back):
    from acbench.compression.measure import bits_per_weight
    from acbench.compression.validate import targeted_layers

    shapes = targeted_layers(tiny_model).shapes
    assert bits_per_weight(tiny_model, shapes) == 16.0  # bf16 original


def test_compute_dtype_is_float32_on_cpu_only_when_it_fits(tiny_model, monkeypatch):
    import psutil

    from acbench.compression.run import compute_dtype

    assert compute_dtype(tiny_model) == "float32"
    tiny = psutil.virtual_memory()._replace(available=1024)
    monkeypatch.setattr(psutil, "virtual_memory", lambda: tiny)
    assert compute_dtype(tiny_model) == "bfloat16"  # float32 weights would not fit: the checkpoint's dtype
