"""Workarounds for running llm-compressor 0.14.0.1 on a machine without an accelerator. One place, small.

    from acbench.compression._cpu_shims import cpu_shims
    with cpu_shims():
        oneshot(...)

AWQ pins the cached activations of each layer before its grid search (`IntermediatesCache.pin_memory`)
so that host-to-device copies can be asynchronous. Pinning needs an accelerator: on a CPU-only machine it
raises "Cannot access accelerator device when none is available". With no accelerator there is no copy
to speed up, so the pin step becomes a no-op. tests/compression/test_cpu_shims.py checks that the bug is
still there upstream; when that test fails, delete this module and its use in run.py.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


def accelerator_present() -> bool:
    """True when torch sees a CUDA/XPU/MPS-like accelerator (then no shim is needed)."""
    import torch

    return bool(torch.accelerator.is_available())


@contextlib.contextmanager
def cpu_shims() -> Iterator[None]:
    """Make `IntermediatesCache.pin_memory` a no-op while inside, when no accelerator is present."""
    if accelerator_present():
        yield
        return
    from llmcompressor.pipelines.cache import IntermediatesCache

    original = IntermediatesCache.pin_memory

    def _no_pin(self, batch_index, input_names=None):  # nothing to pin for: values stay on the CPU
        return None

    IntermediatesCache.pin_memory = _no_pin
    try:
        yield
    finally:
        IntermediatesCache.pin_memory = original
