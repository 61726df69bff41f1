"""`smoothquant`: SmoothQuant ([Xiao et al. 2022](https://arxiv.org/abs/2211.10438)), W8A8, calibrated.

Migrates activation outliers into the weights with per-channel scales (`smoothing_strength` = alpha), then
int8 per-channel weights and dynamic int8 per-token activations: `SmoothQuantModifier` then
`GPTQModifier(scheme="W8A8")`.
"""

from __future__ import annotations

from acbench.compression.methods._base import QuantizationMethod
from acbench.compression.methods._registry import register_method
from acbench.compression.methods.gptq import gptq_modifier


@register_method
class SmoothQuant(QuantizationMethod):
    """Smoothing, then W8A8 through GPTQ."""

    name = "smoothquant"
    bits = (8,)  # W8A8: int8 weights and int8 per-token activations
    bits_note = "smoothquant is W8A8"
    symmetric_only = True
    default_bits = 8  # its only width, so `-P method=smoothquant` needs no bits
    calibrated = True
    params = ("bits", "dampening", "actorder", "smoothing_strength")

    def modifiers(self, spec) -> list:
        """`SmoothQuantModifier(smoothing_strength)` then GPTQ with the W8A8 preset."""
        from llmcompressor.modifiers.transform import SmoothQuantModifier

        return [
            SmoothQuantModifier(smoothing_strength=spec.smoothing_strength),
            gptq_modifier(spec, targets=["Linear"], scheme="W8A8"),
        ]

    def label(self, args) -> str:
        """Always `W8A8`."""
        return "W8A8"
