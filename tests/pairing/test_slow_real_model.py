"""The real embedded model (slow): a pre-compressed checkpoint against it, and its KV-cache axis."""

from __future__ import annotations

import pytest

from acbench.config import RunConfig
from acbench.run import run_experiment


@pytest.mark.slow
def test_precompressed_checkpoint_against_the_embedded_model_with_kv4(isolated_tracking):
    from acbench.compression import CompressionSpec, compress
    from acbench.models import resolve_model

    checkpoint = compress(CompressionSpec(method="rtn", bits=4, group_size=64), resolve_model()).path
    cfg = RunConfig.from_params({"method": "none", "model": str(checkpoint), "reference": "smollm2-135m",
                                 "kv_bits": "4", "tasks": "needle,pddl", "limit": "2",
                                 "likelihood": "false"})  # the likelihood under KV4 has its own tests (minutes here)
    outcome = run_experiment(cfg)
    m = outcome.metrics
    assert 4 < m["model/bits_per_weight"] < 5 and m["model/compression_ratio"] > 1
    assert "analysis/erank_diff" in m and "analysis/jaccard_at_3" in m
    assert any(k.startswith("stats/") for k in m) and outcome.model_version is not None
