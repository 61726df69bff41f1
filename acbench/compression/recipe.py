"""`build_recipe(spec)`: the one place a `CompressionSpec` becomes llm-compressor modifiers.

    from acbench.compression import CompressionSpec
    from acbench.compression.recipe import build_recipe
    build_recipe(CompressionSpec(method="wanda+rtn", pattern="2:4"))
    # [WandaPruningModifier(sparsity=0.5, mask_structure='2:4', ...), QuantizationModifier(...)]

Order: pruning first, then quantization, so the quantizer sees (and keeps) the zeros. Each method's
modifiers come from its module in `acbench.compression.methods`.
"""

from __future__ import annotations

from acbench.compression.methods import method_parts
from acbench.compression.spec import CompressionSpec


def build_recipe(spec: CompressionSpec) -> list:
    """The llm-compressor modifiers for `spec` (empty for method 'none').

    Args:
        spec: a validated compression spec.

    Returns:
        A list of modifier instances, pruning first, to pass as `oneshot(recipe=...)`.
    """
    modifiers: list = []
    for part in method_parts(spec.method):
        if part is not None:
            modifiers += part.modifiers(spec)
    return modifiers
