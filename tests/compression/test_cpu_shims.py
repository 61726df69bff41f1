"""The AWQ pin_memory shim: the upstream bug must still exist (else remove the shim), and the shim fixes it."""

from __future__ import annotations

import pytest
import torch

from acbench.compression._cpu_shims import accelerator_present, cpu_shims

pytestmark = pytest.mark.skipif(accelerator_present(), reason="the bug shows only without an accelerator")


def _cache():
    from llmcompressor.pipelines.cache import IntermediatesCache, IntermediateValue

    return IntermediatesCache([{"hidden": IntermediateValue(torch.ones(2, 3), torch.device("cpu"))}])


def test_upstream_pin_memory_still_fails_without_accelerator():
    """When this fails, llm-compressor fixed it: delete _cpu_shims.py and its use in run.py."""
    with pytest.raises(RuntimeError, match="accelerator"):
        _cache().pin_memory(0)


def test_shim_makes_pinning_a_no_op_and_restores_it():
    from llmcompressor.pipelines.cache import IntermediatesCache

    original = IntermediatesCache.pin_memory
    cache = _cache()
    with cpu_shims():
        cache.pin_memory(0)
        assert torch.equal(cache.fetch(0)["hidden"], torch.ones(2, 3))
    assert IntermediatesCache.pin_memory is original
