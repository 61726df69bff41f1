"""`magnitude`: magnitude pruning ([Han et al. 2015](https://arxiv.org/abs/1506.02626)), no calibration.

Keeps the largest |w| with one threshold per layer (unstructured) or the n largest of every m consecutive
weights along the input dimension (N:M). Our own `OneShotMagnitudePruningModifier` (`_modifiers.py`):
llm-compressor's `MagnitudePruningModifier` updates its masks only on training steps, so in `oneshot` it
prunes nothing, and it has no N:M structure.
"""

from __future__ import annotations

from acbench.compression.methods._base import PruningMethod
from acbench.compression.methods._registry import register_method


@register_method
class Magnitude(PruningMethod):
    """One-shot magnitude pruning, unstructured or N:M."""

    name = "magnitude"

    def modifiers(self, spec) -> list:
        """Our `OneShotMagnitudePruningModifier` (plain ignore names: it matches modules itself)."""
        from acbench.compression._modifiers import OneShotMagnitudePruningModifier

        return [
            OneShotMagnitudePruningModifier(
                sparsity=spec.sparsity, n_m=spec.n_m, targets=["Linear"], ignore=list(spec.ignore)
            )
        ]
