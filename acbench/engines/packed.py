"""Linear layers through oneDNN with prepacked weights, on CPU, while the engine runs.

    from acbench.engines.packed import PackedLinears
    packed = PackedLinears(model)          # finds the eligible layers; packs nothing yet
    with packed.active():                  # each eligible nn.Linear runs through its packed copy
        model.generate(...)
    # outside the block the model is the plain transformers model again

Why. `F.linear` on a float32 CPU tensor calls MKL's sgemm on the weight as stored ([out, in], read
transposed). On this project's 2-core AVX-512 CPU that is far from the machine's speed at the shapes of
decoding, worst on the output head: SmolLM2's 49,152 x 576 head took 24.6 ms for 16 rows through `F.linear`
and 7.2 ms through oneDNN with the weight reordered once into its blocked layout (3.4x); the 1,536 x 576 MLP
projections 0.27 ms against 0.17 ms. Same float32 arithmetic, another summation order: outputs differ by
float noise (max |diff| 1e-4 on those shapes, as between any two batch sizes), so greedy outputs stay the
same unless two tokens tie within that noise (16 of 16 equal on SmolLM2; bench/engine_throughput.py checks
it on every run). The ops are the ones PyTorch's own compiler uses for prepacked CPU linears
(`torch.ops.mkldnn._reorder_linear_weight` / `_linear_pointwise`).

What is packed. Only layers whose class is exactly `torch.nn.Linear` with a float32 weight on the CPU and no
per-instance forward: a compressed-tensors layer that still quantizes its activations (W8A8, FP8 dynamic)
keeps its own wrapper, so its numbers stay faithful; weight-only layers are plain dense layers after loading
(`acbench.models.run_dense`) and are packed like any other. Grad-enabled calls use `F.linear` (the packed op
has no backward).

Costs and limits. A packed copy of every eligible weight lives beside the original (SmolLM2-135M: +540 MB in
float32), so packing is skipped, with a log line, when the copies would take more than half of the memory
available at that moment. A weight changed in place or replaced after packing (its storage or version
counter moved) is packed again when the next `active()` block starts. Where the ops are missing or give
other numbers than `F.linear` (another platform or build), a probe at the first pack says so in the log and
the layers keep `F.linear`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

import torch

log = logging.getLogger(__name__)

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


def eligible(module: torch.nn.Module) -> bool:
    weight = getattr(module, "weight", None)
    return (type(module) is torch.nn.Linear and "forward" not in vars(module) and weight is not None
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
                if "forward" in vars(m):  # wrapped since we looked (a quantization hook): leave it alone
                    continue
                m.forward = _packed_forward(m, self.packs[id(m)][1])
                patched.append(m)
            yield
        finally:
            self._depth -= 1
            for m in patched:
                del m.forward


def _packed_forward(module: torch.nn.Linear, pack: torch.Tensor):
    linear = torch.ops.mkldnn._linear_pointwise

    def forward(x: torch.Tensor) -> torch.Tensor:
        if torch.is_grad_enabled() or x.dtype != torch.float32 or x.device.type != "cpu":
            return torch.nn.functional.linear(x, module.weight, module.bias)
        return linear(x, pack, module.bias, "none", [], "")

    return forward
