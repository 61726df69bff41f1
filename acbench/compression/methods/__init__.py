"""Compression methods: one module each, found through one registry.

    from acbench.compression.methods import get_method, method_parts
    get_method("gptq").bits                  # (2, 3, 4, 8)
    prune, quant = method_parts("wanda+rtn")  # the Wanda and RTN method objects

Each module declares one class (its facts, its checks, its llm-compressor modifiers, its label) and
registers it with `@register_method`; `CompressionSpec`, `build_recipe`, `validate_against_model` and the
report's setting label ask the registry. Importing this package loads neither torch nor llmcompressor.
Adding a method: see "Adding a method" in acbench/compression/README.md.
"""

# Every method, imported by hand; the import order is the registration order, which `all_methods()` and the
# "unknown method" message follow, so keep it (and keep import sorters off it).
# isort: off
from acbench.compression.methods import rtn, gptq, awq, smoothquant, fp8  # noqa: F401  quantization
from acbench.compression.methods import magnitude, wanda, sparsegpt  # noqa: F401  pruning
# isort: on
from acbench.compression.methods._base import (
    CALIBRATION_PARAMS,
    WEIGHT_BITS,
    LabelArgs,
    Method,
    PruningMethod,
    QuantizationMethod,
)
from acbench.compression.methods._registry import (
    all_methods,
    get_method,
    method_parts,
    pruning_methods,
    quantization_methods,
    register_method,
    registered_methods,
    unregister_method,
)

__all__ = [
    "CALIBRATION_PARAMS",
    "WEIGHT_BITS",
    "LabelArgs",
    "Method",
    "PruningMethod",
    "QuantizationMethod",
    "all_methods",
    "get_method",
    "method_parts",
    "pruning_methods",
    "quantization_methods",
    "register_method",
    "registered_methods",
    "unregister_method",
]
