"""`build_recipe(spec)`: the one place a `CompressionSpec` becomes llm-compressor modifiers.

    from acbench.compression import CompressionSpec
    from acbench.compression.recipe import build_recipe
    build_recipe(CompressionSpec(method="wanda+rtn", pattern="2:4"))
    # [WandaPruningModifier(sparsity=0.5, mask_structure='2:4', ...), QuantizationModifier(...)]

Order: pruning first, then quantization, so the quantizer sees (and keeps) the zeros.
"""

from __future__ import annotations

import re
from typing import Any

from acbench.compression.spec import CompressionSpec


def weight_args(spec: CompressionSpec) -> dict[str, Any]:
    """compressed-tensors QuantizationArgs (as a dict) for an integer weight-only scheme."""
    grouped = spec.group_size is not None
    return {
        "num_bits": spec.bits,
        "type": "int",
        "symmetric": spec.symmetric,
        "strategy": "group" if grouped else "channel",
        "group_size": spec.group_size if grouped else None,
    }


def _int_weight_scheme(spec: CompressionSpec) -> dict[str, Any]:
    return {"group_0": {"targets": ["Linear"], "weights": weight_args(spec)}}


def pruning_ignore(ignore: tuple[str, ...] | list[str]) -> list[str]:
    """Ignore list for llm-compressor's Wanda/SparseGPT that also matches their module names.

    With targets=["Linear"], SparsityModifierBase 0.14.0.1 names each module `f"{layer}.{sub}"` with an
    empty `sub`, i.e. with a trailing dot ("lm_head."), so a plain name in `ignore` never matches and the
    tied lm_head (= the embedding table) gets pruned. Each entry gets a variant that allows the dot.
    """
    entries = list(ignore)
    for entry in ignore:
        if entry.startswith("re:"):
            body = entry.removeprefix("re:")
            entries.append("re:" + (body[:-1] if body.endswith("$") else body) + r"\.?$")
        else:
            entries.append("re:" + re.escape(entry) + r"\.?$")
    return entries


def _pruning_modifiers(spec: CompressionSpec) -> list:
    from llmcompressor.modifiers.pruning import SparseGPTModifier, WandaPruningModifier

    from acbench.compression._modifiers import OneShotMagnitudePruningModifier

    n_m = spec.n_m
    if spec.pruning == "magnitude":
        return [
            OneShotMagnitudePruningModifier(sparsity=spec.sparsity, n_m=n_m, targets=["Linear"], ignore=list(spec.ignore))
        ]
    ignore = pruning_ignore(spec.ignore)
    # llm-compressor's mask_structure "a:b" prunes a of every b weights; ours keeps n of every m.
    structure = f"{n_m[1] - n_m[0]}:{n_m[1]}" if n_m else "0:0"
    if spec.pruning == "wanda":
        return [WandaPruningModifier(sparsity=spec.sparsity, mask_structure=structure, targets=["Linear"], ignore=ignore)]
    return [
        SparseGPTModifier(
            sparsity=spec.sparsity,
            mask_structure=structure,
            dampening_frac=spec.dampening,
            targets=["Linear"],
            ignore=ignore,
        )
    ]


def _quant_modifiers(spec: CompressionSpec) -> list:
    from llmcompressor.modifiers.quantization import GPTQModifier, QuantizationModifier
    from llmcompressor.modifiers.transform import AWQModifier, SmoothQuantModifier

    from acbench.compression._modifiers import SparsityKeepingGPTQModifier

    ignore = list(spec.ignore)
    # After pruning, GPTQ must not refill the zeros (see _modifiers); alone it is plain GPTQ.
    gptq_cls = SparsityKeepingGPTQModifier if spec.pruning else GPTQModifier
    quant = spec.quantization
    if quant == "rtn":
        return [QuantizationModifier(config_groups=_int_weight_scheme(spec), ignore=ignore)]
    if quant == "gptq":
        return [
            gptq_cls(
                config_groups=_int_weight_scheme(spec),
                ignore=ignore,
                dampening_frac=spec.dampening,
                actorder=spec.actorder,
            )
        ]
    if quant == "awq":
        return [AWQModifier(), QuantizationModifier(config_groups=_int_weight_scheme(spec), ignore=ignore)]
    if quant == "smoothquant":
        return [
            SmoothQuantModifier(smoothing_strength=spec.smoothing_strength),
            gptq_cls(
                targets=["Linear"],
                scheme="W8A8",
                ignore=ignore,
                dampening_frac=spec.dampening,
                actorder=spec.actorder,
            ),
        ]
    if quant == "fp8":
        return [QuantizationModifier(targets=["Linear"], scheme="FP8_DYNAMIC", ignore=ignore)]
    raise AssertionError(f"unhandled quantization method {quant!r}")


def build_recipe(spec: CompressionSpec) -> list:
    """The llm-compressor modifiers for `spec` (empty for method 'none').

    Args:
        spec: a validated compression spec.

    Returns:
        A list of modifier instances, pruning first, to pass as `oneshot(recipe=...)`.
    """
    modifiers: list = []
    if spec.pruning:
        modifiers += _pruning_modifiers(spec)
    if spec.quantization:
        modifiers += _quant_modifiers(spec)
    return modifiers
