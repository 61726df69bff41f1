"""Progress bars for long work (tqdm), silenced with ACBENCH_NO_PROGRESS=1 (e.g. in CI logs)."""

from __future__ import annotations

import os

from tqdm.auto import tqdm

if os.environ.get("ACBENCH_NO_PROGRESS", "") not in ("", "0"):
    # Also quiets the bars of the libraries we call (llm-compressor, transformers), which honour TQDM_DISABLE.
    os.environ.setdefault("TQDM_DISABLE", "1")


def progress_bar(total: int | None = None, desc: str = "", initial: int = 0, disable: bool = False, **kwargs) -> tqdm:
    """A tqdm bar, usable as a context manager."""
    disable = disable or os.environ.get("ACBENCH_NO_PROGRESS", "") not in ("", "0")
    return tqdm(total=total, desc=desc, initial=initial, disable=disable, dynamic_ncols=True, **kwargs)
