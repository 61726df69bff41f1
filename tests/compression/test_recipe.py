"""Snapshot of the modifiers each spec produces: types and the arguments that matter."""

from __future__ import annotations

import pytest

from acbench.compression import CompressionSpec
from acbench.compression.recipe import build_recipe


def _summary(method: str, **kwargs) -> list[tuple[str, dict]]:
    out = []
    for modifier in build_recipe(CompressionSpec(method=method, **kwargs)):
        args = {}
        for name in ("sparsity", "mask_structure", "n_m", "scheme", "smoothing_strength", "dampening_frac", "actorder",
                     "targets"):
            if name in type(modifier).model_fields and getattr(modifier, name) is not None:
                value = getattr(modifier, name)
                args[name] = value.value if hasattr(value, "value") else value
        groups = getattr(modifier, "config_groups", None)
        if groups:
            weights = groups["group_0"].weights
            args["weights"] = (weights.num_bits, weights.type, weights.strategy, weights.group_size, weights.symmetric)
            args["group_targets"] = list(groups["group_0"].targets)
        if "ignore" in type(modifier).model_fields:
            args["ignore"] = list(modifier.ignore or [])
        out.append((type(modifier).__name__, args))
    return out


def test_none_is_empty():
    assert build_recipe(CompressionSpec(method="none")) == []


def test_rtn():
    assert _summary("rtn", bits=3, group_size=32, symmetric=False) == [
        ("QuantizationModifier", {"targets": ["Linear"], "weights": (3, "int", "group", 32, False),
                                  "group_targets": ["Linear"], "ignore": ["lm_head"]})
    ]


def test_gptq_per_channel():
    assert _summary("gptq", group_size=None, bits=8, dampening=0.05) == [
        ("GPTQModifier", {"dampening_frac": 0.05, "actorder": "static", "targets": ["Linear"],
                          "weights": (8, "int", "channel", None, True), "group_targets": ["Linear"],
                          "ignore": ["lm_head"]})
    ]


def test_awq_is_a_transform_then_asymmetric_int4():
    assert _summary("awq") == [
        ("AWQModifier", {}),
        ("QuantizationModifier", {"targets": ["Linear"], "weights": (4, "int", "group", 64, False),
                                  "group_targets": ["Linear"], "ignore": ["lm_head"]}),
    ]


def test_smoothquant_is_smoothing_then_w8a8_gptq():
    assert _summary("smoothquant", bits=8, smoothing_strength=0.8) == [
        ("SmoothQuantModifier", {"smoothing_strength": 0.8, "ignore": []}),
        ("GPTQModifier", {"scheme": "W8A8", "dampening_frac": 0.01, "actorder": "static", "targets": ["Linear"],
                          "ignore": ["lm_head"]}),
    ]


def test_fp8_dynamic():
    assert _summary("fp8", bits=8) == [
        ("QuantizationModifier", {"scheme": "FP8_DYNAMIC", "targets": ["Linear"], "ignore": ["lm_head"]})]


def test_magnitude_is_ours_with_n_m():
    assert _summary("magnitude", pattern="2:4") == [
        ("OneShotMagnitudePruningModifier", {"sparsity": 0.5, "n_m": (2, 4), "targets": ["Linear"],
                                             "ignore": ["lm_head"]})
    ]


@pytest.mark.parametrize(("pattern", "structure"), [("2:4", "2:4"), ("1:4", "3:4"), ("unstructured", "0:0")])
def test_wanda_mask_structure_counts_pruned_weights(pattern, structure):
    [(name, args)] = _summary("wanda", pattern=pattern)
    assert name == "WandaPruningModifier" and args["mask_structure"] == structure
    assert "lm_head" in args["ignore"] and r"re:lm_head\.?$" in args["ignore"]


def test_wanda_modifier_arguments():
    assert _summary("wanda", sparsity=0.3, ignore=["lm_head", "re:.*gate$"]) == [
        ("WandaPruningModifier", {"sparsity": 0.3, "mask_structure": "0:0", "targets": ["Linear"],
                                  "ignore": ["lm_head", "re:.*gate$", r"re:lm_head\.?$", r"re:.*gate\.?$"]})
    ]


def test_sparsegpt_modifier_arguments():
    assert _summary("sparsegpt", pattern="2:4", dampening=0.05, ignore=["model.norm"]) == [
        ("SparseGPTModifier", {"sparsity": 0.5, "mask_structure": "2:4", "dampening_frac": 0.05,
                               "targets": ["Linear"], "ignore": ["model.norm", r"re:model\.norm\.?$"]})
    ]


def test_combination_prunes_first_and_keeps_zeros_through_gptq():
    assert [n for n, _ in _summary("sparsegpt+gptq", pattern="2:4")] == ["SparseGPTModifier", "SparsityKeepingGPTQModifier"]
    assert [n for n, _ in _summary("wanda+rtn", sparsity=0.3)] == ["WandaPruningModifier", "QuantizationModifier"]
    assert [n for n, _ in _summary("magnitude+smoothquant", bits=8)] == [
        "OneShotMagnitudePruningModifier", "SmoothQuantModifier", "SparsityKeepingGPTQModifier"]
