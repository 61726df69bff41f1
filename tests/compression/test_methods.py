"""The method registry: one module per method; adding one is one class (a throwaway one here), keys unchanged."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from pydantic import ValidationError

import acbench.compression.spec as spec_module
from acbench.compression import CompressionSpec, all_methods
from acbench.compression.methods import (
    WEIGHT_BITS,
    Method,
    PruningMethod,
    QuantizationMethod,
    get_method,
    method_parts,
    register_method,
    registered_methods,
    unregister_method,
)
from acbench.report.tables import setting

# Cache keys computed with the code BEFORE the registry existed (commit c50a131, method tables in spec.py),
# under these fixed library versions. The registry must leave every key as it was: a changed key silently
# orphans every cached checkpoint.
FIXED_VERSIONS = {"llmcompressor": "0.14.0.1", "compressed-tensors": "0.0", "torch": "2.0", "transformers": "5.0",
                  "acbench.compression.recipe": "2"}
KEYS_BEFORE_THE_REGISTRY = [
    ("none", {}, "abbad9baf6173acc"),
    ("rtn", {}, "40806ff439028078"),
    ("gptq", {}, "c937601f6865d444"),
    ("gptq", {"group_size": None}, "148fda0b70f97655"),
    ("awq", {}, "16a488de906a8785"),
    ("smoothquant", {}, "0961c4705e1cccee"),
    ("fp8", {}, "178fa4d5a6d2fb72"),
    ("magnitude", {"pattern": "2:4"}, "8881d17c9b241191"),
    ("wanda", {}, "67e1b49994887d45"),
    ("sparsegpt", {"dampening": 0.05}, "ea04fda8ebbc6274"),
    ("sparsegpt+gptq", {"pattern": "2:4"}, "7e476cf8949f2bea"),
    ("wanda+rtn", {"sparsity": 0.3}, "81e623b200187554"),
    ("magnitude+fp8", {}, "b10d2aabaa5a0479"),
    ("wanda+awq", {"pattern": "1:4"}, "576d106ca6e141ec"),
    ("magnitude+smoothquant", {"calib_samples": 7}, "879dbb351689eadf"),
]


@pytest.mark.parametrize(("method", "fields", "key"), KEYS_BEFORE_THE_REGISTRY)
def test_cache_keys_are_those_of_the_code_before_the_registry(monkeypatch, method, fields, key):
    monkeypatch.setattr(spec_module, "library_versions", lambda: dict(FIXED_VERSIONS))
    assert CompressionSpec(method=method, **fields).cache_key() == key


def test_the_registry_holds_the_eight_methods_in_order():
    assert [(m.name, m.kind) for m in registered_methods()] == [
        ("rtn", "quantization"), ("gptq", "quantization"), ("awq", "quantization"), ("smoothquant", "quantization"),
        ("fp8", "quantization"), ("magnitude", "pruning"), ("wanda", "pruning"), ("sparsegpt", "pruning")]
    assert all_methods()[:9] == ["none", "rtn", "gptq", "awq", "smoothquant", "fp8", "magnitude", "wanda", "sparsegpt"]
    assert all_methods()[9:12] == ["magnitude+rtn", "magnitude+gptq", "magnitude+awq"]
    assert len(all_methods()) == 1 + 8 + 3 * 5


def test_every_method_declares_facts_the_spec_can_read():
    fields = set(CompressionSpec.model_fields)
    for method in registered_methods():
        assert set(method.params) <= fields, method
        if isinstance(method, QuantizationMethod):
            assert "bits" in method.params and set(method.bits) <= set(WEIGHT_BITS)
            assert ("group_size" in method.params) == method.grouped, method
        else:
            assert {"sparsity", "pattern"} <= set(method.params)


def test_method_parts_reads_a_logged_name_without_raising():
    assert [p and p.name for p in method_parts("wanda+rtn")] == ["wanda", "rtn"]
    assert [p and p.name for p in method_parts("gptq")] == [None, "gptq"]
    assert [p and p.name for p in method_parts("sparsegpt")] == ["sparsegpt", None]
    assert method_parts("gptq+wanda") == (None, None)  # wrong order: neither part is where it belongs
    assert method_parts("nosuch") == (None, None)


def test_spaces_around_plus_do_not_drop_the_quantizers_defaults():
    # Before the registry, "wanda + awq" missed AWQ's asymmetric default and "wanda + fp8" its 8 bits.
    assert CompressionSpec(method="wanda + awq") == CompressionSpec(method="wanda+awq")
    assert CompressionSpec(method="wanda + awq").symmetric is False
    assert CompressionSpec(method="magnitude + fp8").bits == 8


# ---- adding a method is one class ------------------------------------------------------------------------
class ToyQuant(QuantizationMethod):
    """A throwaway 2/3-bit per-channel quantizer that calibrates and reads `dampening`."""

    name = "toyq"
    bits = (2, 3)
    bits_note = "toyq is low-bit only"
    default_bits = 2
    calibrated = True
    params = ("bits", "dampening")

    def modifiers(self, spec) -> list:
        from llmcompressor.modifiers.quantization import QuantizationModifier

        weights = {"num_bits": spec.bits, "type": "int", "symmetric": True, "strategy": "channel"}
        return [QuantizationModifier(config_groups={"group_0": {"targets": ["Linear"], "weights": weights}},
                                     ignore=list(spec.ignore))]

    def label(self, args) -> str:
        return f"T{args.bits}"


class ToyPrune(PruningMethod):
    """A throwaway pruner (magnitude under another name) that reads `seed` too."""

    name = "toyprune"
    params = ("sparsity", "pattern", "seed")

    def modifiers(self, spec) -> list:
        from acbench.compression._modifiers import OneShotMagnitudePruningModifier

        return [OneShotMagnitudePruningModifier(sparsity=spec.sparsity, n_m=spec.n_m, ignore=list(spec.ignore))]


@contextmanager
def _registered(*classes):
    for cls in classes:
        register_method(cls)
    try:
        yield
    finally:
        for cls in classes:
            unregister_method(cls.name)


@pytest.fixture
def toys():
    with _registered(ToyQuant, ToyPrune):
        yield


def _error(**kwargs) -> str:
    with pytest.raises(ValidationError) as info:
        CompressionSpec(**kwargs)
    return str(info.value)


def test_a_registered_method_is_accepted_checked_and_keyed(toys):
    assert all_methods()[:11] == ["none", "rtn", "gptq", "awq", "smoothquant", "fp8", "toyq", "magnitude", "wanda",
                                  "sparsegpt", "toyprune"]
    assert {"toyprune+toyq", "wanda+toyq", "toyprune+gptq"} <= set(all_methods())
    assert "rtn, gptq, awq, smoothquant, fp8, toyq (quantization); magnitude, wanda, sparsegpt, toyprune" in (
        _error(method="nosuch"))
    spec = CompressionSpec(method="toyq")
    assert spec.bits == 2 and spec.quantization == "toyq" and spec.pruning is None and spec.needs_calibration
    assert spec.effective_params() == {"method": "toyq", "ignore": ["lm_head"], "bits": 2, "dampening": 0.01,
                                       "calib_samples": 128, "calib_seq_len": 512, "calib_source": None, "seed": 0}
    assert spec.cache_key() != CompressionSpec(method="toyq", dampening=0.05).cache_key()
    assert spec.cache_key() == CompressionSpec(method="toyq", actorder="group").cache_key()  # not one it reads
    # the kind's checks, with the method's facts
    assert "method 'toyq' cannot produce 4-bit weights; allowed bits: 2, 3 (toyq is low-bit only)" in (
        _error(method="toyq", bits=4))
    assert "method 'toyq' quantizes weights per channel; group_size does not apply" in (
        _error(method="toyq", group_size=32))
    assert "method 'toyprune' with sparsity 0 prunes nothing" in _error(method="toyprune", sparsity=0.0)
    assert "does not prune; use e.g. method='sparsegpt+toyq'" in _error(method="toyq", pattern="2:4")
    # combinations compose the two parts' params; toyprune does not calibrate, so seed is its own
    both = CompressionSpec(method="toyprune+toyq", pattern="2:4", seed=3)
    assert both.effective_params() == {"method": "toyprune+toyq", "ignore": ["lm_head"], "bits": 2,
                                       "dampening": 0.01, "sparsity": 0.5, "pattern": "2:4", "calib_samples": 128,
                                       "calib_seq_len": 512, "calib_source": None, "seed": 3}
    assert CompressionSpec(method="toyprune").effective_params() == {
        "method": "toyprune", "ignore": ["lm_head"], "sparsity": 0.5, "pattern": "unstructured", "seed": 0}


def test_a_registered_method_is_built_and_labelled(toys):
    from acbench.compression.recipe import build_recipe

    recipe = build_recipe(CompressionSpec(method="toyprune+toyq", pattern="2:4", bits=3))
    assert [type(m).__name__ for m in recipe] == ["OneShotMagnitudePruningModifier", "QuantizationModifier"]
    assert recipe[0].n_m == (2, 4) and recipe[0].sparsity == 0.5
    weights = recipe[1].config_groups["group_0"].weights
    assert (weights.num_bits, weights.strategy, weights.group_size) == (3, "channel", None)
    assert setting("toyq", "2") == "T2"
    assert setting("wanda+toyq", 3.0, None, 0.5, "2:4") == "2:4 + T3"
    assert setting("toyprune+gptq", 4, 64, "0.25", "unstructured") == "25% + W4 g64"


def test_an_unregistered_method_is_unknown_again():
    with _registered(ToyQuant):
        assert CompressionSpec(method="toyq").method == "toyq"
    assert "toyq" not in all_methods()
    assert "unknown method 'toyq'" in _error(method="toyq")
    assert setting("toyq", 2) == "original"
    with pytest.raises(KeyError):
        get_method("toyq")


def test_registration_rejects_malformed_methods():
    class Again(QuantizationMethod):
        name = "rtn"
        bits = (4,)

    class Combined(PruningMethod):
        name = "a+b"

    class Wide(QuantizationMethod):
        name = "wide"
        bits = (16,)

    class NoKind(Method):
        name = "nokind"

    class Muddled(QuantizationMethod):
        name = "muddled"
        kind = "pruning"
        bits = (4,)

    with pytest.raises(ValueError, match="'rtn' is already registered"):
        register_method(Again)
    with pytest.raises(ValueError, match="lowercase identifier"):
        register_method(Combined)
    with pytest.raises(ValueError, match=r"bits \(16,\) must be some of \(2, 3, 4, 8\)"):
        register_method(Wide)
    with pytest.raises(ValueError, match="subclass QuantizationMethod or PruningMethod"):
        register_method(NoKind)
    with pytest.raises(ValueError, match="kind 'pruning' contradicts its base class"):
        register_method(Muddled)
    assert [m.name for m in registered_methods()] == ["rtn", "gptq", "awq", "smoothquant", "fp8", "magnitude",
                                                      "wanda", "sparsegpt"]


# ---- the kinds' shared helpers, checks and labels, by hand --------------------------------------------------
def test_pruning_ignore_adds_a_dot_tolerant_variant_of_every_entry():
    from acbench.compression.methods._base import pruning_ignore

    assert pruning_ignore(("lm_head", "model.norm", "re:.*gate$", r"re:model\.layers\.0\..*")) == [
        "lm_head", "model.norm", "re:.*gate$", r"re:model\.layers\.0\..*",  # the entries as given, first
        r"re:lm_head\.?$",  # a plain name: escaped, anchored, with an optional trailing dot
        r"re:model\.norm\.?$",  # its dots escaped
        r"re:.*gate\.?$",  # a pattern's own `$` moves after the optional dot
        r"re:model\.layers\.0\..*\.?$",  # a pattern without `$` is kept whole and anchored
    ]
    assert pruning_ignore([]) == []
    # what the variants are for: SparsityModifierBase names a module "lm_head." (a trailing dot)
    import re

    variants = pruning_ignore(["lm_head", "re:.*gate$"])[2:]
    assert [bool(re.match(v.removeprefix("re:"), "lm_head.")) for v in variants] == [True, False]
    assert [bool(re.match(v.removeprefix("re:"), "model.layers.3.mlp.gate.")) for v in variants] == [False, True]
    assert not any(re.match(v.removeprefix("re:"), "lm_heads.") for v in variants)


def test_weight_args_and_the_integer_scheme_are_these_dicts():
    from acbench.compression.methods._base import int_weight_scheme, weight_args

    grouped = CompressionSpec(method="rtn", bits=3, group_size=32, symmetric=False)
    assert weight_args(grouped) == {"num_bits": 3, "type": "int", "symmetric": False, "strategy": "group",
                                    "group_size": 32}
    per_channel = CompressionSpec(method="gptq", bits=8, group_size=None)
    assert weight_args(per_channel) == {"num_bits": 8, "type": "int", "symmetric": True, "strategy": "channel",
                                        "group_size": None}
    assert int_weight_scheme(grouped) == {"group_0": {"targets": ["Linear"], "weights": {
        "num_bits": 3, "type": "int", "symmetric": False, "strategy": "group", "group_size": 32}}}


def test_every_methods_label_piece():
    from acbench.compression.methods import LabelArgs

    def label(name, bits="4", group_size=None, sparsity=None, pattern=None):
        return get_method(name).label(LabelArgs(bits, group_size, sparsity, pattern))

    assert label("rtn", "3", "32") == "W3 g32" and label("gptq", "8") == "W8 per-channel"
    assert label("awq", "4", "128") == "W4 g128"
    assert label("fp8", "8", "64") == "FP8" and label("smoothquant", "8") == "W8A8"
    for name in ("magnitude", "wanda", "sparsegpt"):
        assert label(name, pattern="2:4", sparsity=0.5) == "2:4"
        assert label(name, sparsity=0.7) == "70%"  # 0.7 * 101 would round to 71
        assert label(name, sparsity="0.25") == "25%"  # read back from MLflow as text
        assert label(name) == "pruned"  # no sparsity logged


def test_the_base_method_says_what_it_lacks():
    from acbench.compression.methods import LabelArgs

    class Bare(Method):
        name = "bare"
        kind = "quantization"

    with pytest.raises(NotImplementedError, match="^method 'bare' builds no modifiers$"):
        Bare().modifiers(CompressionSpec())
    with pytest.raises(NotImplementedError, match="^method 'bare' has no label$"):
        Bare().label(LabelArgs("4", None, None, None))
    assert repr(Bare()) == "<quantization method 'bare'>"


@pytest.mark.parametrize("method", ["fp8", "smoothquant"])
def test_per_channel_symmetric_only_methods(method):
    # group_size written out at its default (64) is no request for groups; another one is
    assert CompressionSpec(method=method, group_size=64).group_size == 64
    assert CompressionSpec(method=method, group_size=None).group_size is None
    assert f"method '{method}' quantizes weights per channel; group_size does not apply (leave it unset)" in (
        _error(method=method, group_size=128))
    assert CompressionSpec(method=method, symmetric=True).symmetric is True
    assert f"method '{method}' is symmetric only; symmetric=False does not apply" in (
        _error(method=method, symmetric=False))


def test_registration_messages_and_limits():
    class Nameless(QuantizationMethod):
        bits = (4,)

    class Nothing(PruningMethod):
        name = "none"

    class Again(PruningMethod):
        name = "wanda"

    class BadDefault(QuantizationMethod):
        name = "baddefault"
        bits = (4,)
        default_bits = 8

    class AllWidths(QuantizationMethod):  # every storable width, and no default bits: both allowed
        name = "allwidths"
        bits = (2, 3, 4, 8)

    with pytest.raises(ValueError, match=r"^method name None: need a lowercase identifier \(no '\+'\), other than"):
        register_method(Nameless)
    with pytest.raises(ValueError, match=r"^method name 'none': need a lowercase identifier"):
        register_method(Nothing)
    with pytest.raises(ValueError, match=r"^method 'wanda' is already registered \(Wanda\)$"):
        register_method(Again)
    with pytest.raises(ValueError, match=r"^method 'baddefault': default_bits 8 is not one of its bits \(4,\)$"):
        register_method(BadDefault)
    with _registered(AllWidths):
        assert get_method("allwidths").bits == (2, 3, 4, 8) and get_method("allwidths").default_bits is None
    assert "allwidths" not in all_methods() and "baddefault" not in all_methods()
