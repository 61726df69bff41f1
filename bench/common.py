"""Shared harness of the benchmarks: contenders alternate over repeats; ratios are medians with their spread.

A benchmark measures each contender several times in turn (A, B, C, A, B, C, ...), so a disturbed phase
(another process waking up) hits every contender alike instead of deciding the result. Each ratio line reads

    ratio acbench engine / one-at-a-time generate: 6.12x  (min 5.90x, max 6.31x over 3 repeats)

Run benchmarks alone on the machine: two torch processes on two cores slow each other 10-15x.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


def alternate(contenders: dict[str, Callable[[], Any]], repeats: int = 3) -> tuple[dict[str, list[float]], dict[str, Any]]:
    """Run every contender `repeats` times, interleaved; returns (seconds per run, last output) per contender."""
    seconds: dict[str, list[float]] = {name: [] for name in contenders}
    outputs: dict[str, Any] = {}
    for _ in range(repeats):
        for name, run in contenders.items():
            start = time.perf_counter()
            outputs[name] = run()
            seconds[name].append(time.perf_counter() - start)
    return seconds, outputs


def ratio_line(label: str, baseline: list[float], contender: list[float], work: float = 1.0,
               baseline_work: float | None = None) -> str:
    """Median speed-up of `contender` over `baseline` (per unit of work), with min and max over the repeats.

    Repeat i of one is paired with repeat i of the other (they ran back to back), so the spread shows how
    stable the comparison is, not just each side's noise.
    """
    baseline_work = work if baseline_work is None else baseline_work
    ratios = [(b / baseline_work) / (c / work) for b, c in zip(baseline, contender)]
    return (f"ratio {label}: {statistics.median(ratios):.2f}x  (min {min(ratios):.2f}x, max {max(ratios):.2f}x "
            f"over {len(ratios)} repeats)")


def seconds_line(name: str, seconds: list[float], tokens: int | None = None) -> str:
    """Median wall time of a contender (and tokens/s when `tokens` is given)."""
    median = statistics.median(seconds)
    rate = f", {tokens / median:8.1f} tokens/s" if tokens else ""
    return f"{name:34} median {median:7.2f} s (min {min(seconds):.2f}, max {max(seconds):.2f}){rate}"


def machine_line() -> str:
    """What the numbers were measured on."""
    import os

    import torch

    from acbench.threads import usable_cores

    return (f"torch {torch.__version__}, {torch.get_num_threads()} threads, {usable_cores()} usable cores, "
            f"load average {os.getloadavg()[0]:.2f}")
