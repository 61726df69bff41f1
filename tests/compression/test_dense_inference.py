"""Compressed checkpoints at the original's speed: weight-only layers run as plain dense layers after loading,
with outputs identical to compressed-tensors' own wrapped path; activation-quantized layers keep the wrapper."""

from __future__ import annotations

import pytest
import torch
from transformers import AutoModelForCausalLM

from acbench.compression import CompressionSpec, compress
from acbench.models import load_model

CASES = [("rtn", {}, "dense"), ("gptq", {}, "dense"), ("fp8", {"bits": 8}, "wrapped"),
         ("smoothquant", {"bits": 8}, "wrapped")]


@pytest.mark.parametrize(("method", "extra", "expected"), CASES, ids=[c[0] for c in CASES])
def test_loaded_compressed_model_matches_the_wrapped_path(tiny_model, cache_root, quick, method, extra, expected):
    path = compress(CompressionSpec(method=method, **extra, **quick), tiny_model, cache_root=cache_root).path
    reference = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32).eval()  # compressed-tensors' path
    model, tokenizer = load_model(path)
    tokenizer.pad_token, tokenizer.padding_side = tokenizer.eos_token, "left"
    batch = tokenizer(["Tools: search, calendar. Plan:", "a"], return_tensors="pt", padding=True)
    with torch.no_grad():
        want, got = reference(**batch).logits, model(**batch).logits
        gen_want = reference.generate(**batch, max_new_tokens=6, do_sample=False)
        gen_got = model.generate(**batch, max_new_tokens=6, do_sample=False)
    assert torch.equal(want, got) and torch.equal(gen_want, gen_got)

    quantized = [m for m in model.modules() if getattr(m, "quantization_scheme", None) is not None]
    assert len(quantized) == 14  # 2 layers x 7 linear layers; lm_head stays unquantized
    wrapped = sum("forward" in vars(m) for m in quantized)
    assert wrapped == (0 if expected == "dense" else len(quantized))
    # compressed-tensors' CPU-to-CPU offload layer is gone from every module (a wrapper per call, a cache
    # lookup per weight read); the reference, loaded the plain way, still has it
    from compressed_tensors.offload.cache import OffloadCache

    def offloaded(m):
        return sum(isinstance(x._parameters, OffloadCache) or hasattr(x, "_original_forward_func") for x in m.modules())

    assert offloaded(model) == 0 and offloaded(reference) > 0
    assert sum("forward" in vars(m) for m in model.modules()) == wrapped
