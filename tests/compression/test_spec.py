"""CompressionSpec: every bad field gives a clear error at construction; cache keys are stable."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from acbench.compression import CompressionSpec, all_methods


def _error(**kwargs) -> str:
    with pytest.raises(ValidationError) as info:
        CompressionSpec(**kwargs)
    return str(info.value)


def test_every_listed_method_builds_with_its_defaults():
    for method in all_methods():
        spec = CompressionSpec(method=method)  # fp8 and smoothquant default to their only width, 8 bits
        assert spec.method == method
        assert spec.bits == (8 if method.split("+")[-1] in ("fp8", "smoothquant") else 4)


def test_unknown_method_lists_the_choices():
    message = _error(method="gptq4")
    assert "unknown method 'gptq4'" in message and "sparsegpt+gptq" in message


@pytest.mark.parametrize(
    ("method", "bits", "allowed"),
    [("fp8", 4, "allowed bits: 8"), ("smoothquant", 4, "allowed bits: 8"), ("awq", 8, "allowed bits: 4"), ("awq", 3, "allowed bits: 4")],
)
def test_bits_a_method_cannot_do(method, bits, allowed):
    message = _error(method=method, bits=bits)
    assert f"'{method}' cannot produce {bits}-bit" in message and allowed in message


def test_bits_outside_the_supported_set():
    assert "bits must be 2, 3, 4 or 8" in _error(method="rtn", bits=5)


def test_bits_on_pruning_only_method():
    assert "does not apply to 'wanda'" in _error(method="wanda", bits=8)


@pytest.mark.parametrize("sparsity", [-0.1, 1.0, 1.5])
def test_sparsity_outside_unit_interval(sparsity):
    assert "sparsity must be in [0, 1)" in _error(method="wanda", sparsity=sparsity)


def test_pattern_with_contradicting_sparsity():
    message = _error(method="sparsegpt", pattern="2:4", sparsity=0.6)
    assert "pattern '2:4' keeps 2 of every 4" in message and "sparsity 0.5" in message


def test_pattern_alone_sets_the_sparsity():
    assert CompressionSpec(method="wanda", pattern="2:4").sparsity == 0.5
    assert CompressionSpec(method="magnitude", pattern="1:4").sparsity == 0.75
    assert CompressionSpec(method="magnitude", pattern="2:4", sparsity=0.5).n_m == (2, 4)


@pytest.mark.parametrize("pattern", ["4:2", "0:4", "2-4", "block"])
def test_malformed_patterns(pattern):
    assert "pattern" in _error(method="wanda", pattern=pattern)


def test_pattern_or_sparsity_on_quant_only_method():
    assert "does not prune" in _error(method="gptq", pattern="2:4")
    assert "does not prune" in _error(method="rtn", sparsity=0.3)


def test_group_size_forms():
    assert CompressionSpec(method="gptq", group_size=-1).group_size is None
    assert CompressionSpec(method="gptq", group_size=None).group_size is None
    assert "positive integer" in _error(method="gptq", group_size=0)
    assert "group_size does not apply" in _error(method="fp8", bits=8, group_size=128)


def test_unknown_field_is_an_error():
    assert "extra" in _error(method="gptq", bitz=4).lower()


def test_awq_defaults_to_asymmetric():
    assert CompressionSpec(method="awq").symmetric is False
    assert CompressionSpec(method="gptq").symmetric is True
    assert CompressionSpec(method="awq", symmetric=True).symmetric is True


def test_cache_key_stable_and_sensitive():
    a = CompressionSpec(method="gptq", bits=4, group_size=64)
    assert a.cache_key() == CompressionSpec(method="gptq").cache_key()
    assert a.cache_key() != CompressionSpec(method="gptq", group_size=32).cache_key()
    assert a.cache_key() != CompressionSpec(method="gptq", seed=1).cache_key()
    assert a.cache_key() != a.cache_key(extra={"model": "other"})
    # Fields the method ignores do not change the key: RTN reads no calibration data.
    assert CompressionSpec(method="rtn").cache_key() == CompressionSpec(method="rtn", calib_samples=7).cache_key()


def test_cache_key_includes_llmcompressor_version(monkeypatch):
    import acbench.compression.spec as spec_module

    spec = CompressionSpec(method="gptq")
    before = spec.cache_key()
    real = spec_module.library_versions
    monkeypatch.setattr(spec_module, "library_versions", lambda: {**real(), "llmcompressor": "99.0"})
    assert spec.cache_key() != before


def test_spec_is_frozen():
    spec = CompressionSpec(method="gptq")
    with pytest.raises(ValidationError):
        spec.bits = 8


def test_import_is_light():
    import subprocess
    import sys

    code = "import sys, acbench.compression; print('llmcompressor' in sys.modules, 'torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
