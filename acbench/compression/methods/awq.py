"""`awq`: Activation-aware Weight Quantization ([Lin et al. 2023](https://arxiv.org/abs/2306.00978)), calibrated.

Searches per-channel scales that protect the weights seeing large activations, folds them into the previous
op, then quantizes: `AWQModifier()` (a transform in llm-compressor 0.14) followed by `QuantizationModifier`.
Int4 only here, asymmetric (with zero points) by default as in the paper. Needs `_cpu_shims` on CPU.
"""

from __future__ import annotations

from acbench.compression.methods._base import QuantizationMethod, int_weight_scheme
from acbench.compression.methods._registry import register_method


@register_method
class AWQ(QuantizationMethod):
    """AWQ scale search, then integer weights."""

    name = "awq"
    bits = (4,)  # AWQ's scale search is defined for low-bit weight-only quantization (W4A16)
    grouped = True
    calibrated = True
    default_symmetric = False
    params = ("bits", "group_size", "symmetric")

    def modifiers(self, spec) -> list:
        """`AWQModifier()` then a `QuantizationModifier` with our integer weight scheme."""
        from llmcompressor.modifiers.quantization import QuantizationModifier
        from llmcompressor.modifiers.transform import AWQModifier

        return [AWQModifier(), QuantizationModifier(config_groups=int_weight_scheme(spec), ignore=list(spec.ignore))]
