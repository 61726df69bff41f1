"""Our two llm-compressor modifiers. Imported only inside `methods/*.modifiers` (it imports llmcompressor).

- `OneShotMagnitudePruningModifier`: magnitude pruning that acts in oneshot. llm-compressor's own
  MagnitudePruningModifier updates its masks only on training steps, so in `oneshot` it prunes nothing,
  and it has no N:M structure.
- `SparsityKeepingGPTQModifier`: GPTQ that leaves pruned weights at zero. GPTQ spreads each column's
  rounding error over the columns not yet quantized, zeros included, so after a pruning step plain GPTQ
  refills the pruned weights. We zero them again right after each module is quantized, before the
  sequential pipeline propagates activations; a zero quantizes exactly to the zero point, so the saved
  checkpoint keeps the sparsity. RTN/AWQ/FP8 map zero to zero by themselves and need nothing.
"""

from __future__ import annotations

import torch
from compressed_tensors.offload import update_offload_parameter
from compressed_tensors.utils import match_named_modules
from loguru import logger
from pydantic import Field

from llmcompressor.core import State
from llmcompressor.modifiers import Modifier
from llmcompressor.modifiers.quantization import GPTQModifier

from acbench.compression._masks import magnitude_keep_mask


class OneShotMagnitudePruningModifier(Modifier):
    """Zero the smallest-magnitude weights of every targeted layer when the recipe is initialised.

    Needs no calibration data. Unstructured: one threshold per layer. N:M: n largest of every m
    consecutive weights along the input dimension are kept.

    Args:
        sparsity: fraction of each layer's weights to zero (unstructured).
        n_m: (n kept, m) for N:M, or None for unstructured.
        targets: module types/names to prune.
        ignore: modules left untouched.
    """

    sparsity: float
    n_m: tuple[int, int] | None = None
    targets: list[str] = Field(default_factory=lambda: ["Linear"])
    ignore: list[str] = Field(default_factory=list)

    def on_initialize(self, state: State, **kwargs) -> bool:
        """Prune all targeted layers in place."""
        count = 0
        with torch.no_grad():
            for name, module in match_named_modules(state.model, self.targets, self.ignore):
                weight = module.weight
                keep = magnitude_keep_mask(weight, self.sparsity, self.n_m)
                update_offload_parameter(module, "weight", weight * keep.to(weight.dtype))
                count += 1
        logger.info(f"magnitude pruning: {count} layers, sparsity {self.sparsity:g}, n:m {self.n_m}")
        return True


class SparsityKeepingGPTQModifier(GPTQModifier):
    """GPTQModifier that re-zeroes weights that were exactly zero before quantization (see module doc)."""

    def compress_module_list(self, module_list):
        """Quantize like GPTQ, then restore each module's zeros."""
        masks = {module: module.weight.detach() == 0 for module in module_list}
        super().compress_module_list(module_list)
        with torch.no_grad():
            for module, zeros in masks.items():
                if zeros.any():
                    update_offload_parameter(module, "weight", module.weight.masked_fill(zeros, 0.0))
