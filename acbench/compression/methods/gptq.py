"""`gptq`: GPTQ ([Frantar et al. 2022](https://arxiv.org/abs/2210.17323)), calibrated.

Quantizes one column at a time and spreads its rounding error over the remaining columns using the inverse
Hessian of the layer inputs. `GPTQModifier` (`dampening`, `actorder`, symmetric by default). After a
pruning step it is our `SparsityKeepingGPTQModifier`, which keeps the pruned zeros (see `_modifiers.py`).
"""

from __future__ import annotations

from typing import Any

from acbench.compression.methods._base import QuantizationMethod, int_weight_scheme
from acbench.compression.methods._registry import register_method


def gptq_modifier(spec, **scheme: Any):
    """A GPTQ modifier with the spec's dampening, actorder and ignore list; zero-keeping after pruning.

    Args:
        spec: the compression spec.
        **scheme: how to quantize (`config_groups=...`, or `targets=..., scheme="W8A8"`).
    """
    from llmcompressor.modifiers.quantization import GPTQModifier

    from acbench.compression._modifiers import SparsityKeepingGPTQModifier

    # After pruning, GPTQ must not refill the zeros (see _modifiers); alone it is plain GPTQ.
    cls = SparsityKeepingGPTQModifier if spec.pruning else GPTQModifier
    return cls(**scheme, ignore=list(spec.ignore), dampening_frac=spec.dampening, actorder=spec.actorder)


@register_method
class GPTQ(QuantizationMethod):
    """GPTQ integer weights, per group or per channel."""

    name = "gptq"
    bits = (2, 3, 4, 8)
    grouped = True
    calibrated = True
    params = ("bits", "group_size", "symmetric", "dampening", "actorder")

    def modifiers(self, spec) -> list:
        """One GPTQ modifier with our integer weight scheme."""
        return [gptq_modifier(spec, config_groups=int_weight_scheme(spec))]
