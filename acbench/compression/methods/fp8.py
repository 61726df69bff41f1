"""`fp8`: FP8 E4M3 weights (per-channel scales) and dynamic per-token FP8 activations, no calibration.

`QuantizationModifier(scheme="FP8_DYNAMIC")`. 8-bit only; group size does not apply.
"""

from __future__ import annotations

from acbench.compression.methods._base import QuantizationMethod
from acbench.compression.methods._registry import register_method


@register_method
class FP8(QuantizationMethod):
    """FP8 dynamic quantization."""

    name = "fp8"
    bits = (8,)  # FP8 E4M3 weights, dynamic per-token FP8 activations
    bits_note = "fp8 is 8-bit floating point"
    symmetric_only = True
    default_bits = 8  # its only width, so `-P method=fp8` needs no bits
    params = ("bits",)

    def modifiers(self, spec) -> list:
        """One `QuantizationModifier` with the FP8_DYNAMIC preset."""
        from llmcompressor.modifiers.quantization import QuantizationModifier

        return [QuantizationModifier(targets=["Linear"], scheme="FP8_DYNAMIC", ignore=list(spec.ignore))]

    def label(self, args) -> str:
        """Always `FP8`."""
        return "FP8"
