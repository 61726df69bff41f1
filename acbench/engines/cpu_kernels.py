"""Faster CPU kernels for the engine's calls: prepacked oneDNN linears and grouped-query attention without
copies. Outside an engine call the model is plain transformers.

    from acbench.engines.cpu_kernels import CPUKernels
    kernels = CPUKernels(model)            # finds what applies; packs nothing yet
    with kernels.active():                 # linears packed, GQA attention in place, for this block only
        model.generate(...)

Both change which kernel computes a result, not the arithmetic: float32 throughout, outputs differ from the
plain model's by float noise at most (as between two batch sizes), so greedy outputs stay the same unless two
tokens tie within that noise. bench/engine_throughput.py checks identical outputs on every run.

Packed linears. `F.linear` on a float32 CPU tensor calls MKL's sgemm on the weight as stored ([out, in], read
transposed). On this project's 2-core AVX-512 CPU that is far from the machine's speed at the shapes of
decoding, worst on the output head: SmolLM2's 49,152 x 576 head took 24.6 ms for 16 rows through `F.linear`
and 7.2 ms through oneDNN with the weight reordered once into its blocked layout (3.4x); the 1,536 x 576 MLP
projections 0.27 ms against 0.17 ms (max |diff| 1e-4 on those shapes). The ops are the ones PyTorch's own
compiler uses for prepacked CPU linears (`torch.ops.mkldnn._reorder_linear_weight` / `_linear_pointwise`).
Only layers whose class is exactly `torch.nn.Linear` with a float32 weight on the CPU and no per-instance
forward are packed: a compressed-tensors layer that still quantizes its activations (W8A8, FP8 dynamic) keeps
its own wrapper, so its numbers stay faithful; weight-only layers are plain dense layers after loading
(`acbench.models.run_dense`) and are packed like any other. Grad-enabled calls use `F.linear` (the packed op
has no backward). A packed copy of every eligible weight lives beside the original (SmolLM2-135M: +540 MB),
so packing is skipped, with a log line, when the copies would take more than half of the memory available at
that moment. A weight changed in place or replaced after packing (its storage or version counter moved) is
packed again when the next `active()` block starts. Where the ops are missing or give other numbers than
`F.linear` (another platform or build), a probe at the first pack says so in the log and the layers keep
`F.linear`.

Grouped-query attention. transformers' SDPA path copies every key/value head `num_key_value_groups` times
(`repeat_kv`) whenever an attention mask is given, which is every step of a padded or continuous batch;
`scaled_dot_product_attention(..., enable_gqa=True)` reads the shared heads in place. SmolLM2 (9 query heads
on 3 key/value heads), 9 rows decoding over 1,500 cached tokens: 8.0 ms a layer with the copies, 1.4 ms
without, outputs bit-identical. Within `active()` a model whose attention is "sdpa" runs through
`GQA_SDPA`, registered with transformers' `AttentionInterface` (masks built as for "sdpa"); models on
other attention (eager for bf16 on CPU, flash on GPU) are left alone, and calls with arguments this
function does not handle (position bias, attention sinks, softcapping, attention outputs) go to
transformers' own SDPA function. An argument it does not know at all is an error (`UnknownAttentionArgument`),
never ignored; hf_contract.py checks the rest of what this relies on in transformers.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

import torch

from acbench.engines.hf_contract import (
    TransformersContractError,
    contract_broken,
    attention_implementation,
    check_sdpa_function,
)

log = logging.getLogger(__name__)

GQA_SDPA = "acbench_sdpa_gqa"

# oneDNN picks the blocked layout for an expected number of rows; measured here, a layout packed for 16
# (the engine's default batch) was as fast or faster than one packed for 1 at every batch from 1 to 128.
PACK_ROWS_HINT = 16


def available_memory() -> int | None:
    """Bytes of memory available right now (Linux), or None where it cannot be read."""
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def probe() -> str | None:
    """Why packed linears cannot be used here (None when they can): missing ops or numbers off F.linear."""
    ops = torch.ops.mkldnn
    if not torch.backends.mkldnn.is_available() or not all(
            hasattr(ops, name) for name in ("_reorder_linear_weight", "_linear_pointwise")):
        return "this torch build has no oneDNN linear ops"
    generator = torch.Generator().manual_seed(0)
    weight, bias = torch.randn(48, 40, generator=generator), torch.randn(48, generator=generator)
    x = torch.randn(3, 5, 40, generator=generator)
    try:
        with torch.inference_mode():
            got = ops._linear_pointwise(x, ops._reorder_linear_weight(weight, PACK_ROWS_HINT), bias, "none", [], "")
    except RuntimeError as error:
        return f"oneDNN linear failed: {str(error).splitlines()[0]}"
    if not torch.allclose(got, torch.nn.functional.linear(x, weight, bias), rtol=1e-4, atol=1e-4):
        return "oneDNN linear disagrees with F.linear"
    return None


def runs_own_forward(module: torch.nn.Module) -> bool:
    """No per-instance forward, or one that is just the class's own bound to the module (loaders that dispatch
    a model sometimes set that on the output head): nothing would be skipped by replacing it."""
    own = vars(module).get("forward")
    return own is None or (getattr(own, "__func__", None) is type(module).forward and own.__self__ is module)


def eligible(module: torch.nn.Module) -> bool:
    weight = getattr(module, "weight", None)
    return (type(module) is torch.nn.Linear and runs_own_forward(module) and weight is not None
            and weight.dtype == torch.float32 and weight.device.type == "cpu")


class PackedLinears:
    """The eligible linear layers of one model and their packed weights (see the module docstring)."""

    def __init__(self, model: torch.nn.Module):
        self.modules = [m for m in model.modules() if eligible(m)]
        self.packs: dict[int, tuple[tuple[int, int], torch.Tensor]] = {}  # id(module) -> (weight key, pack)
        self.disabled: str | None = None  # why packing is off, once decided
        self._depth = 0  # active() blocks may nest (an engine call inside another); the outermost patches

    @staticmethod
    def _key(weight: torch.Tensor) -> tuple[int, int]:
        return weight.data_ptr(), weight._version

    def _refresh(self) -> bool:
        """Pack every layer whose weight is new or changed; False when packing is (now) off."""
        if self.disabled is not None:
            return False
        stale = [m for m in self.modules if self.packs.get(id(m), (None,))[0] != self._key(m.weight)]
        if not stale:
            return bool(self.modules)
        if not self.packs:
            reason = probe()
            need = sum(m.weight.numel() * m.weight.element_size() for m in stale)
            free = available_memory()
            if reason is None and free is not None and need > free // 2:
                reason = f"packed copies need {need / 2**30:.1f} GiB, more than half of the {free / 2**30:.1f} GiB available"
            if reason is not None:
                self.disabled = reason
                log.info("linear layers run through F.linear: %s", reason)
                return False
        with torch.no_grad():
            for m in stale:
                pack = torch.ops.mkldnn._reorder_linear_weight(m.weight.detach(), PACK_ROWS_HINT)
                self.packs[id(m)] = (self._key(m.weight), pack)
        return True

    @contextmanager
    def active(self) -> Iterator[None]:
        """Within the block, eligible layers run through their packed weights; restored on the way out."""
        if self._depth or not self._refresh():
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        patched = []
        self._depth += 1
        try:
            for m in self.modules:
                if not runs_own_forward(m):  # wrapped since we looked (a quantization hook): leave it alone
                    continue
                patched.append((m, vars(m).get("forward")))
                m.forward = _packed_forward(m, self.packs[id(m)][1])
            yield
        finally:
            self._depth -= 1
            for m, before in patched:
                if before is None:
                    del m.forward
                else:
                    m.forward = before


def _packed_forward(module: torch.nn.Linear, pack: torch.Tensor):
    linear = torch.ops.mkldnn._linear_pointwise

    def forward(x: torch.Tensor) -> torch.Tensor:
        if torch.is_grad_enabled() or x.dtype != torch.float32 or x.device.type != "cpu":
            return torch.nn.functional.linear(x, module.weight, module.bias)
        return linear(x, pack, module.bias, "none", [], "")

    return forward


# -- grouped-query attention --------------------------------------------------------------------------

# Every argument transformers' SDPA function may get besides the named ones, sorted by what it does there.
# Deferred: they change what it computes or returns; a call that sets one goes to transformers' own function.
_DEFERRED = frozenset({"position_bias", "s_aux", "sinks", "softcap", "output_attentions", "head_mask"})
# Bookkeeping the SDPA computation does not read (the mask already holds positions and windows; the flash
# kernels' packing arguments are not SDPA's). Seen from Llama, Qwen2, Mistral and Gemma calls.
_BOOKKEEPING = frozenset({"position_ids", "cache_position", "use_cache", "past_key_values", "sliding_window",
                          "output_hidden_states", "num_items_in_batch", "output_router_logits", "cu_seq_lens_q",
                          "cu_seq_lens_k", "max_length_q", "max_length_k", "seq_idx", "layer_idx"})


class UnknownAttentionArgument(TransformersContractError):
    """An attention call passed an argument gqa_sdpa_attention does not know: ignoring it could change results."""


def gqa_sdpa_attention(module, query, key, value, attention_mask, dropout: float = 0.0, scaling=None,
                       is_causal=None, **kwargs):
    """transformers' SDPA attention, with key/value heads shared in place (`enable_gqa`) instead of copied."""
    unknown = sorted(set(kwargs) - _DEFERRED - _BOOKKEEPING)
    if unknown:
        import transformers

        raise UnknownAttentionArgument(
            f"transformers {transformers.__version__} passes the attention argument(s) {unknown}, which acbench's "
            "CPU attention (acbench/engines/cpu_kernels.py) does not know: it would ignore them and could compute "
            "something else. Install a transformers version pyproject.toml allows, or teach _DEFERRED/_BOOKKEEPING "
            "what they do (scripts/transformers_compat.sh checks a new version).")
    if any(kwargs.get(name) is not None and kwargs.get(name) is not False for name in _DEFERRED):
        from transformers import AttentionInterface

        return AttentionInterface()["sdpa"](module, query, key, value, attention_mask, dropout=dropout,
                                            scaling=scaling, is_causal=is_causal, **kwargs)
    q_length, kv_length = query.shape[2], key.shape[2]
    causal = is_causal if is_causal is not None else getattr(module, "is_causal", True)
    causal = q_length > 1 and attention_mask is None and causal
    if causal and kv_length > q_length:  # as transformers does: an upper-left causal mask over the first columns
        key, value = key[:, :, :q_length], value[:, :, :q_length]
    out = torch.nn.functional.scaled_dot_product_attention(
        query, key, value, attn_mask=attention_mask, dropout_p=dropout, scale=scaling, is_causal=causal,
        enable_gqa=key.shape[1] != query.shape[1])
    return out.transpose(1, 2).contiguous(), None


def _register_attention() -> None:
    """Register GQA_SDPA with transformers' public interfaces, masks built by the function "sdpa" uses."""
    from transformers import AttentionInterface
    from transformers.masking_utils import AttentionMaskInterface

    check_sdpa_function()
    AttentionInterface.register(GQA_SDPA, gqa_sdpa_attention)
    AttentionMaskInterface.register(GQA_SDPA, AttentionMaskInterface()["sdpa"])


# -- both, while the engine runs ----------------------------------------------------------------------

class CPUKernels:
    """Packed linears and in-place GQA attention for one CPU model, switched on per `active()` block."""

    def __init__(self, model: torch.nn.Module):
        self.model = model
        self.linears = PackedLinears(model)

    @contextmanager
    def active(self) -> Iterator[None]:
        with self.linears.active(), self._attention():
            yield

    @contextmanager
    def _attention(self) -> Iterator[None]:
        if attention_implementation(self.model) != "sdpa":  # eager, flash, or a nested block
            yield
            return
        _register_attention()
        self.model.set_attn_implementation(GQA_SDPA)
        if attention_implementation(self.model) != GQA_SDPA:
            self.model.set_attn_implementation("sdpa")
            contract_broken("set_attn_implementation(name) makes the model run the function registered under that name")
        try:
            yield
        finally:
            self.model.set_attn_implementation("sdpa")
