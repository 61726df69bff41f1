"""`sparsegpt`: SparseGPT ([Frantar & Alistarh 2023](https://arxiv.org/abs/2301.00774)), calibrated.

Chooses the mask and updates the remaining weights with the inverse Hessian to compensate:
`SparseGPTModifier(sparsity, mask_structure, dampening_frac)`.
"""

from __future__ import annotations

from acbench.compression.methods._base import PruningMethod, mask_structure, pruning_ignore
from acbench.compression.methods._registry import register_method


@register_method
class SparseGPT(PruningMethod):
    """SparseGPT pruning, unstructured or N:M."""

    name = "sparsegpt"
    calibrated = True
    params = ("sparsity", "pattern", "dampening")

    def modifiers(self, spec) -> list:
        """One `SparseGPTModifier`, with the dot-tolerant ignore list."""
        from llmcompressor.modifiers.pruning import SparseGPTModifier

        return [
            SparseGPTModifier(
                sparsity=spec.sparsity,
                mask_structure=mask_structure(spec),
                dampening_frac=spec.dampening,
                targets=["Linear"],
                ignore=pruning_ignore(spec.ignore),
            )
        ]
