"""The compression cache: hits are marked cached, and a killed run's leftovers are never taken as a result."""

from __future__ import annotations

import json
import os

from acbench.compression import CompressionSpec, compress
from acbench.compression.run import MARKER, compression_key


def test_second_call_is_a_cache_hit(tiny_model, tmp_path, quick):
    spec = CompressionSpec(method="rtn", **quick)
    first = compress(spec, tiny_model, cache_root=tmp_path)
    second = compress(spec, tiny_model, cache_root=tmp_path)
    assert first.stats["cached"] is False and second.stats["cached"] is True
    assert second.path == first.path == tmp_path / first.key
    assert {k: v for k, v in second.stats.items() if k != "cached"} == {
        k: v for k, v in first.stats.items() if k != "cached"}
    recorded = json.loads((first.path / MARKER).read_text())
    assert recorded["spec"]["method"] == "rtn" and "llmcompressor" in recorded["versions"]
    assert [p.name for p in tmp_path.iterdir()] == [first.key]  # no temp dirs left behind


def test_leftovers_of_a_killed_run_are_not_a_checkpoint(tiny_model, tmp_path, quick):
    spec = CompressionSpec(method="magnitude", sparsity=0.5, **quick)
    key = compression_key(spec, tiny_model)
    # A run killed mid-write: its temp dir (dead pid) and, worse, a final dir without the marker.
    dead_pid = 2**22 + 12345
    while _alive(dead_pid):
        dead_pid += 1
    stale = tmp_path / f".tmp-{key}-{dead_pid}-abc"
    stale.mkdir()
    (stale / "config.json").write_text("{}")
    half = tmp_path / key
    half.mkdir()
    (half / "model.safetensors").write_bytes(b"truncated")

    result = compress(spec, tiny_model, cache_root=tmp_path)
    assert result.stats["cached"] is False and result.stats["sparsity"] == 0.5
    assert (result.path / MARKER).exists() and (result.path / "model.safetensors").stat().st_size > 1000
    assert not stale.exists()


def test_method_none_returns_the_original(tiny_model, tmp_path):
    result = compress(CompressionSpec(method="none"), tiny_model, cache_root=tmp_path)
    assert result.path == tiny_model.resolve() and result.key is None
    assert result.stats["compression_ratio"] == 1.0 and result.stats["bits_per_weight"] == 16.0
    assert result.stats["sparsity"] < 0.01 and result.stats["size_mb"] == result.stats["original_size_mb"]
    assert not any(tmp_path.iterdir())


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
