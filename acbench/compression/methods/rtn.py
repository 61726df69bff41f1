"""`rtn`: round-to-nearest weight-only integer quantization (W2/3/4/8 A16, per group or per channel).

No calibration data: `QuantizationModifier` with an explicit `config_groups` scheme. The baseline that
every calibrated method has to beat.
"""

from __future__ import annotations

from acbench.compression.methods._base import QuantizationMethod, int_weight_scheme
from acbench.compression.methods._registry import register_method


@register_method
class RTN(QuantizationMethod):
    """Round-to-nearest integer weights, symmetric by default."""

    name = "rtn"
    bits = (2, 3, 4, 8)
    grouped = True
    params = ("bits", "group_size", "symmetric")

    def modifiers(self, spec) -> list:
        """One `QuantizationModifier` with our integer weight scheme."""
        from llmcompressor.modifiers.quantization import QuantizationModifier

        return [QuantizationModifier(config_groups=int_weight_scheme(spec), ignore=list(spec.ignore))]
