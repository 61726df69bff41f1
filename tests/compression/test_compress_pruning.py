"""Every pruning method and pattern, through compress() on the tiny model: measured sparsity = requested."""

from __future__ import annotations

import pytest
import torch

from acbench.compression import CompressionSpec, compress
from acbench.compression._masks import max_nonzeros_per_group, zero_fraction

CASES = [
    ("magnitude", "unstructured", 0.5),
    ("magnitude", "unstructured", 0.3),
    ("magnitude", "2:4", 0.5),
    ("magnitude", "1:4", 0.75),
    ("wanda", "unstructured", 0.5),
    ("wanda", "unstructured", 0.3),
    ("wanda", "2:4", 0.5),
    ("sparsegpt", "unstructured", 0.5),
    ("sparsegpt", "unstructured", 0.3),
    ("sparsegpt", "2:4", 0.5),
]


@pytest.mark.parametrize(("method", "pattern", "sparsity"), CASES)
def test_measured_sparsity_matches_request(
    tiny_model, cache_root, quick, load_back, targeted_weights, method, pattern, sparsity
):
    kwargs = {"pattern": pattern} if pattern != "unstructured" else {"sparsity": sparsity}
    result = compress(CompressionSpec(method=method, **kwargs, **quick), tiny_model, cache_root=cache_root)
    # Wanda/SparseGPT prune int(sparsity * width) per row: 38/128 for 0.3, hence the tolerance.
    assert result.stats["sparsity"] == pytest.approx(sparsity, abs=0.01)
    assert result.stats["bits_per_weight"] == 16.0  # saved dense: pruning does not shrink the file
    assert result.stats["compression_ratio"] == pytest.approx(1.0, abs=1e-3)

    model, _ = load_back(result.path)
    weights = targeted_weights(model)
    measured = sum(int((w == 0).sum()) for w in weights.values()) / sum(w.numel() for w in weights.values())
    assert measured == pytest.approx(result.stats["sparsity"], abs=1e-9)
    if pattern != "unstructured":
        n, m = map(int, pattern.split(":"))
        assert all(max_nonzeros_per_group(w, m) <= n for w in weights.values())
    original, _ = load_back(tiny_model)
    # The tied embedding / lm_head is ignored: it must come out untouched.
    assert torch.equal(model.model.embed_tokens.weight, original.model.embed_tokens.weight)
    assert zero_fraction(model.lm_head.weight) == 0.0


def test_pruning_then_gptq_keeps_the_2_4_pattern(tiny_model, cache_root, quick, load_back, targeted_weights):
    spec = CompressionSpec(method="sparsegpt+gptq", pattern="2:4", **quick)
    result = compress(spec, tiny_model, cache_root=cache_root)
    model, _ = load_back(result.path)
    assert all(max_nonzeros_per_group(w, 4) <= 2 for w in targeted_weights(model).values())
    assert result.stats["sparsity"] >= 0.5 and result.stats["bits_per_weight"] < 4.5


def test_pruning_then_rtn_keeps_unstructured_sparsity(tiny_model, cache_root, quick):
    result = compress(CompressionSpec(method="wanda+rtn", sparsity=0.3, **quick), tiny_model, cache_root=cache_root)
    assert result.stats["sparsity"] >= 0.29 and result.stats["bits_per_weight"] < 4.5
