"""The compression cache key and validation of combined methods against a model (issue 16).

The key claims to cover every library version that moves weights, the recipe version, the model's files, the
calibration dtype and a local calibration file's bytes; a key that misses one reuses a stale checkpoint.
"""

from __future__ import annotations

import os
import shutil

import pytest

import acbench.compression.spec as spec_module
from acbench.compression import CompressionError, CompressionSpec, validate_against_model
from acbench.compression.run import compression_key
from acbench.compression.validate import targeted_layers

LIBRARIES = ("llmcompressor", "compressed-tensors", "torch", "transformers")


def _versions(monkeypatch, **changed):
    real = spec_module.metadata.version

    def version(name):
        if name in changed:
            if changed[name] is None:
                raise spec_module.metadata.PackageNotFoundError(name)
            return changed[name]
        return real(name)

    monkeypatch.setattr(spec_module.metadata, "version", version)


@pytest.mark.parametrize("library", LIBRARIES)
def test_the_key_changes_with_every_library_version_it_names(monkeypatch, library):
    spec = CompressionSpec(method="gptq")
    before = spec.cache_key()
    _versions(monkeypatch, **{library: "0.0.1-other"})
    assert spec_module.library_versions()[library] == "0.0.1-other"
    assert spec.cache_key() != before
    _versions(monkeypatch, **{library: None})
    assert spec_module.library_versions()[library] == "missing"
    assert spec.cache_key() != before


def test_the_key_reads_exactly_those_versions_and_the_recipe_version(monkeypatch):
    _versions(monkeypatch, **{name: f"{i}.0" for i, name in enumerate(LIBRARIES)})
    assert spec_module.library_versions() == {"llmcompressor": "0.0", "compressed-tensors": "1.0", "torch": "2.0",
                                              "transformers": "3.0",
                                              "acbench.compression.recipe": str(spec_module.RECIPE_VERSION)}
    spec = CompressionSpec(method="gptq")
    before = spec.cache_key()
    assert spec.cache_key() == before and len(before) == 16 and int(before, 16) >= 0
    monkeypatch.setattr(spec_module, "RECIPE_VERSION", spec_module.RECIPE_VERSION + 1)
    assert spec.cache_key() != before


def test_the_key_holds_what_the_method_uses_and_nothing_else():
    key = lambda **kw: CompressionSpec(**kw).cache_key()  # noqa: E731
    # combined methods: both halves' settings count
    assert key(method="wanda+gptq") != key(method="wanda+rtn")
    assert key(method="wanda+gptq") != key(method="wanda+gptq", sparsity=0.6)
    assert key(method="wanda+gptq") != key(method="wanda+gptq", group_size=32)
    assert key(method="wanda+gptq") != key(method="wanda+gptq", dampening=0.05)
    assert key(method="sparsegpt") != key(method="sparsegpt", dampening=0.05)
    assert key(method="smoothquant", bits=8) != key(method="smoothquant", bits=8, smoothing_strength=0.8)
    assert key(method="gptq") != key(method="gptq", actorder="group")
    assert key(method="rtn") != key(method="rtn", symmetric=False)
    assert key(method="magnitude") != key(method="magnitude", pattern="2:4")
    assert key(method="gptq") != key(method="gptq", ignore=["lm_head", "re:.*down_proj"])
    for field, value in (("calib_samples", 7), ("calib_seq_len", 64), ("calib_source", "x.txt"), ("seed", 3)):
        assert key(method="wanda") != key(method="wanda", **{field: value})  # wanda calibrates
        assert key(method="magnitude") == key(method="magnitude", **{field: value})  # magnitude does not
    # settings the method ignores do not split the cache
    assert key(method="rtn") == key(method="rtn", dampening=0.05, actorder="group", smoothing_strength=0.9)
    assert key(method="fp8") == key(method="fp8", group_size=None)
    assert key(method="magnitude") == key(method="magnitude", dampening=0.05)
    assert key(method="none") == key(method="none", seed=5, ignore=["x"], calib_samples=3)
    assert key(method="none") != key(method="rtn")


def test_effective_params_of_a_combined_method_are_hand_listed():
    spec = CompressionSpec(method="sparsegpt+gptq", pattern="2:4", bits=4, group_size=64, calib_samples=8,
                           calib_seq_len=32, seed=2)
    assert spec.effective_params() == {
        "method": "sparsegpt+gptq", "ignore": ["lm_head"], "bits": 4, "group_size": 64, "symmetric": True,
        "dampening": 0.01, "actorder": "static", "sparsity": 0.5, "pattern": "2:4", "calib_samples": 8,
        "calib_seq_len": 32, "calib_source": None, "seed": 2}
    assert CompressionSpec(method="smoothquant", bits=8).effective_params() == {
        "method": "smoothquant", "ignore": ["lm_head"], "bits": 8, "dampening": 0.01, "actorder": "static",
        "smoothing_strength": 0.5, "calib_samples": 128, "calib_seq_len": 512, "calib_source": None, "seed": 0}
    assert CompressionSpec(method="magnitude+fp8").effective_params() == {
        "method": "magnitude+fp8", "ignore": ["lm_head"], "bits": 8, "sparsity": 0.5, "pattern": "unstructured"}


@pytest.fixture
def model_copy(tiny_model, tmp_path):
    return shutil.copytree(tiny_model, tmp_path / "model")


def test_the_key_follows_a_local_calibration_files_bytes(model_copy, tmp_path):
    calib = tmp_path / "calib.txt"
    calib.write_text("alpha beta gamma\n")
    spec = CompressionSpec(method="gptq", group_size=32, calib_source=str(calib))
    first = compression_key(spec, model_copy, "float32")
    assert compression_key(spec, model_copy, "float32") == first
    stat = calib.stat()
    calib.write_text("alpha beta GAMMA\n")  # same size, same name
    os.utime(calib, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # and the same time: only the bytes differ
    assert compression_key(spec, model_copy, "float32") != first
    calib.write_text("alpha beta gamma\n")
    assert compression_key(spec, model_copy, "float32") == first  # content-addressed, not time-addressed
    # a method that reads no calibration data ignores the file
    rtn = CompressionSpec(method="rtn", group_size=32)
    assert compression_key(rtn, model_copy, "float32") == compression_key(
        CompressionSpec(method="rtn", group_size=32), model_copy, "float32")


def test_the_key_follows_the_model_files_and_the_calibration_dtype(model_copy, tmp_path):
    spec = CompressionSpec(method="rtn", group_size=32)
    first = compression_key(spec, model_copy, "float32")
    assert compression_key(spec, model_copy, "bfloat16") != first
    other = shutil.copytree(model_copy, tmp_path / "elsewhere")
    assert compression_key(spec, other, "float32") != first  # another checkpoint
    weights = next(model_copy.glob("*.safetensors"))
    stat = weights.stat()
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # the weights were rewritten
    assert compression_key(spec, model_copy, "float32") != first


def test_combined_methods_are_validated_against_the_model(tmp_path):
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("_tests_conftest", Path(__file__).parent / "conftest.py")
    conftest = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conftest)
    model = conftest.make_tiny_model(tmp_path / "m192", intermediate=192)  # down_proj reads 192: 128 does not divide it
    layers = targeted_layers(model)
    assert len(layers.shapes) == 14 and "lm_head" not in layers.shapes
    assert layers.n_weights == 2 * (128 * 128 + 64 * 128 + 64 * 128 + 128 * 128 + 3 * 192 * 128)
    with pytest.raises(CompressionError) as err:
        validate_against_model(CompressionSpec(method="wanda+gptq", group_size=128), model)
    assert str(err.value) == ("group_size=128 does not divide the input width of 2 of 14 targeted layers: "
                              "mlp.down_proj (in 192) in layers 0-1. Group sizes that fit every layer: 16, 32, 64, "
                              "or None (per-channel)")
    assert validate_against_model(CompressionSpec(method="wanda+gptq", group_size=64), model).shapes == layers.shapes
    assert validate_against_model(CompressionSpec(method="wanda+gptq", group_size=None), model)
    # leaving the odd layer out makes 128 fit
    ignored = CompressionSpec(method="sparsegpt+rtn", group_size=128, ignore=["lm_head", "re:.*down_proj"])
    assert len(validate_against_model(ignored, model).shapes) == 12
    # a pattern's m must divide the widths too, after the pruning half of a combination
    with pytest.raises(CompressionError, match=r"^pattern 5:128 needs input widths that are multiples of 128; "
                                               r"these are not: mlp\.down_proj \(in 192\) in layers 0-1$"):
        validate_against_model(CompressionSpec(method="sparsegpt+gptq", pattern="5:128", group_size=64), model)
    # a quantization without groups (fp8) after pruning has no group size to check
    assert validate_against_model(CompressionSpec(method="magnitude+fp8", pattern="2:4"), model)
    # the calibration file is checked only when some half of the method calibrates
    missing = str(tmp_path / "no-such.txt")
    with pytest.raises(CompressionError, match="calibration file not found"):
        validate_against_model(CompressionSpec(method="magnitude+gptq", calib_source=missing), model)
    assert validate_against_model(CompressionSpec(method="magnitude+rtn", calib_source=missing), model)


def test_the_key_is_the_sha256_of_this_exact_json(monkeypatch):
    """Pinned: a changed key format silently re-compresses every cached checkpoint, so it must be deliberate."""
    import hashlib
    from pathlib import Path

    _versions(monkeypatch, **{name: "1.0" for name in LIBRARIES})
    monkeypatch.setattr(spec_module, "RECIPE_VERSION", 7)
    spec = CompressionSpec(method="rtn", bits=8, group_size=32)
    blob = ('{"extra": {"model_path": "/m"}, "params": {"bits": 8, "group_size": 32, "ignore": ["lm_head"], '
            '"method": "rtn", "symmetric": true}, "versions": {"acbench.compression.recipe": "7", '
            '"compressed-tensors": "1.0", "llmcompressor": "1.0", "torch": "1.0", "transformers": "1.0"}}')
    assert spec.cache_key(extra={"model_path": Path("/m")}) == hashlib.sha256(blob.encode()).hexdigest()[:16]
    assert spec.cache_key() == hashlib.sha256(blob.replace('{"model_path": "/m"}', "{}").encode()).hexdigest()[:16]


def _make_tiny(path, **kw):
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("_tests_conftest", Path(__file__).parent / "conftest.py")
    conftest = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conftest)
    return conftest.make_tiny_model(path, **kw)


def test_validation_edge_cases_on_the_model(tiny_model, tmp_path):
    from acbench.compression.validate import describe_layers

    # method none: the targeted layers as the spec's ignore list says, no other check
    everything = validate_against_model(CompressionSpec(method="none"), tiny_model)
    assert everything.shapes == targeted_layers(tiny_model).shapes and len(everything.shapes) == 14
    fewer = validate_against_model(CompressionSpec(method="none", ignore=["lm_head", "re:.*mlp.*"]), tiny_model)
    assert sorted(fewer.shapes) == sorted(n for n in everything.shapes if ".mlp." not in n)
    assert fewer.shapes["model.layers.1.self_attn.k_proj"] == (64, 128)
    # nothing left to compress
    with pytest.raises(CompressionError) as err:
        targeted_layers(tiny_model, ignore=["re:.*"])
    assert str(err.value) == f"no Linear layers to compress in {tiny_model} (ignore=['re:.*'])"
    with pytest.raises(CompressionError) as err:
        targeted_layers(tmp_path)
    assert str(err.value) == f"{tmp_path} is not a transformers checkpoint (no config.json)"
    # widths 128 and 200 share only 8: no common group size fits, only per-channel
    odd = _make_tiny(tmp_path / "m200", intermediate=200)
    with pytest.raises(CompressionError) as err:
        validate_against_model(CompressionSpec(method="rtn", group_size=64), odd)
    assert str(err.value) == ("group_size=64 does not divide the input width of 2 of 14 targeted layers: "
                              "mlp.down_proj (in 200) in layers 0-1. Group sizes that fit every layer: "
                              "None (per-channel)")
    # names without a layer index are listed on their own; indices are written as ranges
    assert describe_layers({"model.layers.0.mlp.down_proj": 200, "model.layers.2.mlp.down_proj": 200,
                            "model.layers.3.mlp.down_proj": 200, "lm_head": 100}) == (
        "mlp.down_proj (in 200) in layers 0, 2-3; lm_head (in 100)")
