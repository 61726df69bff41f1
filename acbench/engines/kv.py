"""KV-cache precision: an N-bit key/value cache for the transformers engine, and its checks.

    from acbench.engines.kv import parse_kv_bits, quantized_cache, incremental_forward
    parse_kv_bits(4)                          # "4"   (allowed: "16", "8", "4", "fp8")
    cache = quantized_cache(model, "4")       # pass as past_key_values to model.generate / model(...)
    logits, hidden = incremental_forward(model, token_ids, "4")   # the analyses' pass under the cache

What is simulated, precisely. Each layer's cache (`TokenwiseQuantizedLayer`, a transformers `DynamicLayer`)
quantizes every key and value vector once, when it is written: asymmetric round-to-nearest with HQQ's
quantizer (`hqq`, `optimize=False`), one scale and zero point per group of `KV_GROUP` consecutive channels of
one head at one position (a group never mixes tokens, heads or batch rows, so an output does not depend on
which other prompts share its batch). A step reads the earlier tokens' dequantized keys and values and its
own tokens' keys and values in full precision, as transformers' `QuantizedCache` does (without its
full-precision residual window: every earlier token is read at N bits). The dequantized values are what is
stored, so numbers equal an N-bit store with no memory saving: this measures quality, not memory or speed.

Backends tried on CPU (transformers 5.17): `optimum-quanto` (4 and 2 bits only) compiles a C++ extension at
first use (two minutes here); HQQ does 8 and 4 bits at once, so HQQ is the dependency. FP8 KV is vLLM's
`kv_cache_dtype="fp8"` (GPU); the transformers path has none and says so.
"""

from __future__ import annotations

from typing import Any

from acbench.errors import ACBenchError

KV_CHOICES = ("16", "8", "4", "fp8")
HF_KV = ("16", "8", "4")
VLLM_KV = {"16": "auto", "fp8": "fp8"}
KV_GROUP = 32  # channels per scale/zero point; divides every head_dim in use (64, 128) and the test model's 32


class KVCacheError(ACBenchError):
    """A KV-cache precision this backend or model cannot run."""


def parse_kv_bits(value: Any) -> str:
    """Normalise a KV precision (16, "8", 4.0, "FP8", None) to one of KV_CHOICES; anything else is an error."""
    if value is None or value == "":
        return "16"
    text = str(value).strip().lower()
    if text.endswith(".0"):
        text = text[:-2]
    if text in ("fp16", "bf16", "none"):
        text = "16"
    if text not in KV_CHOICES:
        raise KVCacheError(f"kv_bits must be one of {', '.join(KV_CHOICES)} (16 = no KV quantization), got '{value}'")
    return text


def check_kv_backend(kv_bits: str, backend: str) -> None:
    """Refuse a precision the engine backend does not have, before any model loads."""
    if backend == "hf" and kv_bits not in HF_KV:
        raise KVCacheError(f"kv_bits={kv_bits} needs backend=vllm (GPU): the transformers engine quantizes the KV "
                           f"cache to {', '.join(HF_KV)} bits only")
    if backend == "vllm" and kv_bits not in VLLM_KV:
        raise KVCacheError(f"kv_bits={kv_bits}: vLLM's kv_cache_dtype has no integer {kv_bits}-bit cache; use "
                           f"kv_bits=fp8 with backend=vllm, or backend=hf for 8/4-bit")


def check_head_dim(config, kv_bits: str) -> None:
    """The per-head groups must tile head_dim."""
    if kv_bits == "16":
        return
    text = config.get_text_config(decoder=True) if hasattr(config, "get_text_config") else config
    head_dim = getattr(text, "head_dim", None) or text.hidden_size // text.num_attention_heads
    if head_dim % KV_GROUP:
        raise KVCacheError(f"KV quantization groups of {KV_GROUP} channels do not divide this model's head_dim {head_dim}")


def _layer_class():
    import torch
    from transformers.cache_utils import DynamicLayer

    class TokenwiseQuantizedLayer(DynamicLayer):
        """A dynamic cache layer whose stored keys/values went through N-bit RTN (see the module docstring)."""

        def __init__(self, nbits: int):
            super().__init__()
            self.nbits = nbits

        def _fake_quant(self, tensor: torch.Tensor) -> torch.Tensor:
            from hqq.core.quantize import Quantizer

            # contiguous groups of KV_GROUP along the channel axis (axis=1 after hqq's reshape(-1, group))
            w_q, meta = Quantizer.quantize(tensor.contiguous(), nbits=self.nbits, group_size=KV_GROUP, optimize=False,
                                           axis=1, compute_dtype=tensor.dtype, device=str(tensor.device), bitpack=False)
            meta["compute_dtype"] = torch.float32  # hqq dequantizes to float16 unless told
            return Quantizer.dequantize(w_q, meta).reshape(tensor.shape).to(tensor.dtype)

        def update(self, key_states, value_states, *args, **kwargs):
            if not self.is_initialized:
                self.lazy_initialization(key_states, value_states)
                keys, values = key_states, value_states
                self.keys, self.values = self._fake_quant(key_states), self._fake_quant(value_states)
                return keys, values
            keys = torch.cat([self.keys, key_states], dim=-2)  # earlier tokens at N bits, this step's at full
            values = torch.cat([self.values, value_states], dim=-2)
            self.keys = torch.cat([self.keys, self._fake_quant(key_states)], dim=-2)
            self.values = torch.cat([self.values, self._fake_quant(value_states)], dim=-2)
            return keys, values

    return TokenwiseQuantizedLayer


def quantized_cache(model, kv_bits: str):
    """A fresh cache for one `generate` call or one text; None at 16 bits (the model's own cache)."""
    if kv_bits == "16":
        return None
    if kv_bits not in HF_KV:
        raise KVCacheError(f"the transformers engine has no {kv_bits} KV cache")
    from transformers.cache_utils import Cache

    from acbench.engines.hf_contract import check_cache_layers

    check_cache_layers()  # the layer below subclasses DynamicLayer and relies on its state
    config = model.config.get_text_config(decoder=True)
    layer = _layer_class()
    return Cache(layers=[layer(int(kv_bits)) for _ in range(config.num_hidden_layers)])


def incremental_forward(model, token_ids, kv_bits: str):
    """Logits and final hidden states of one text, fed one token at a time through an N-bit cache.

    Position t is computed from the dequantized cache of tokens 0..t-1 and its own token in full precision,
    which is exactly what generation under the cache does. Returns (seq x vocab, seq x d) float32 tensors.
    """
    import torch

    cache = quantized_cache(model, kv_bits)
    ids = token_ids.reshape(1, -1).to(model.device)
    logits, hidden = [], []
    with torch.inference_mode():
        for t in range(ids.shape[1]):
            out = model(input_ids=ids[:, t:t + 1], past_key_values=cache, use_cache=True, output_hidden_states=True)
            cache = out.past_key_values
            logits.append(out.logits[0, -1].float())
            hidden.append(out.hidden_states[-1][0, -1].float())
    return torch.stack(logits), torch.stack(hidden)
