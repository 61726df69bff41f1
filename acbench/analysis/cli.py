"""`acbench analyze`: compare an original and a compressed model from their references.

    acbench analyze --original smollm2-135m --compressed ~/.cache/acbench/compressed/<name>
    python -c "from acbench.analysis.cli import analyze_main; print(analyze_main('smollm2-135m', 'ckpt_dir'))"

Both references go through `acbench.models.resolve_model` (alias, checkpoint directory, .gguf, hub id).
"""

from __future__ import annotations

import json
from pathlib import Path

from acbench.analysis.compare import AnalysisResult, compare_models
from acbench.analysis.texts import load_texts


def analyze_main(
    original: str,
    compressed: str,
    texts: str | None = None,
    ks: tuple[int, ...] = (1, 3, 5, 10, 20),
    max_length: int = 128,
    batch_size: int = 8,
    out_dir: str | None = None,
    dtype: str = "auto",
    device: str | None = None,
    progress: bool = True,
) -> dict[str, float]:
    """Resolve both models, build an HFEngine for each, compare them and return the metrics.

    Args:
        original: model reference of the uncompressed model.
        compressed: model reference of the compressed model (e.g. a compressed-tensors checkpoint dir).
        texts: optional user text file (see `acbench.analysis.texts.load_records`); None = built-in set.
        ks, max_length, batch_size: as in `compare_models`.
        out_dir: if given, also write metrics.json, info.json, the tables (CSV) and the figures (PNG) there.
        dtype, device: passed to `HFEngine` (e.g. dtype="float32" for bit-stable comparisons).
        progress: show progress bars.

    Returns:
        The `analysis/...` metrics.
    """
    from acbench.engines.hf import HFEngine
    from acbench.models import resolve_model

    text_list = load_texts(texts) if texts else None
    engine_o = HFEngine(resolve_model(original), dtype=dtype, device=device, batch_size=batch_size)
    engine_c = HFEngine(resolve_model(compressed), dtype=dtype, device=device, batch_size=batch_size)
    result = compare_models(engine_o, engine_c, texts=text_list, ks=ks, max_length=max_length,
                            batch_size=batch_size, progress=progress)
    if out_dir:
        write_result(result, out_dir)
    return result.metrics


def write_result(result: AnalysisResult, out_dir: str | Path) -> Path:
    """Write metrics.json, info.json, tables as CSV and figures as PNG into `out_dir`; returns it."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(json.dumps(result.metrics, indent=2, sort_keys=True))
    (out / "info.json").write_text(json.dumps(result.info, indent=2, sort_keys=True))
    for name, frame in result.tables.items():
        frame.to_csv(out / f"{name}.csv", index=False)
    for name, figure in result.figures.items():
        figure.savefig(out / name, dpi=120)
    return out
