"""`wanda`: Wanda ([Sun et al. 2023](https://arxiv.org/abs/2306.11695)), calibrated.

Prunes by |w| times the norm of the matching input feature, per output row:
`WandaPruningModifier(sparsity, mask_structure)`.
"""

from __future__ import annotations

from acbench.compression.methods._base import PruningMethod, mask_structure, pruning_ignore
from acbench.compression.methods._registry import register_method


@register_method
class Wanda(PruningMethod):
    """Wanda pruning, unstructured or N:M."""

    name = "wanda"
    calibrated = True

    def modifiers(self, spec) -> list:
        """One `WandaPruningModifier`, with the dot-tolerant ignore list."""
        from llmcompressor.modifiers.pruning import WandaPruningModifier

        return [
            WandaPruningModifier(
                sparsity=spec.sparsity,
                mask_structure=mask_structure(spec),
                targets=["Linear"],
                ignore=pruning_ignore(spec.ignore),
            )
        ]
