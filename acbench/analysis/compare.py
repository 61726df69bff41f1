"""Compare an original and a compressed model on the same texts: ERank, top-k consistency, energy.

    from acbench.analysis import compare_models
    from acbench.engines.hf import HFEngine
    result = compare_models(HFEngine(original_dir), HFEngine(compressed_dir))
    result.metrics["analysis/jaccard@3"], result.figures["analysis_energy_hist.png"]

Both engines must share the tokenizer: their `forward` must return the same mask and token ids for the
same texts, else the comparison would pair different tokens (an `AnalysisError` says so). Texts run in
batches; after each batch only per-position numbers are kept, so memory is bounded by one batch's logits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import torch
from matplotlib.figure import Figure

from acbench.analysis.energy import energy, position_buckets, position_index
from acbench.analysis.erank import diff_erank, erank, weight_erank_per_layer
from acbench.analysis.figures import consistency_figure, energy_histogram, weight_erank_figure
from acbench.analysis.texts import TEXTS_VERSION, load_texts, texts_digest
from acbench.analysis.topk import consistency_by_k
from acbench.engines.base import ForwardOutput
from acbench.errors import ACBenchError
from acbench.progress import progress_bar


class AnalysisError(ACBenchError):
    """The two models cannot be compared position by position (different tokens, shapes or vocabularies)."""


@dataclass
class AnalysisResult:
    """Metrics (`analysis/...`, finite floats only), raw tables, figures, and what the numbers depend on.

    `tables` maps a table name (`analysis_*`, no extension) to a DataFrame of raw per-text, per-position
    or per-layer numbers; `figures` maps a file name (`analysis_*.png`) to a matplotlib Figure; `info`
    records the text set (version, digest, count), the number of positions, ks, max_length, temperature.
    """

    metrics: dict[str, float]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures: dict[str, Figure] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)


def compare_models(
    original_engine,
    compressed_engine,
    texts: list[str] | None = None,
    ks: tuple[int, ...] = (1, 3, 5, 10, 20),
    max_length: int = 128,
    batch_size: int = 8,
    temperature: float = 1.0,
    weight_erank: bool = True,
    progress: bool = True,
    same_tokenizer: bool = True,
) -> AnalysisResult:
    """Run both engines' `forward` on `texts` and compare them.

    Args:
        original_engine: engine of the uncompressed model (anything with `forward(texts, max_length)`).
        compressed_engine: engine of the compressed model, sharing the original's tokenizer.
        texts: evaluation texts; None = the built-in set (`acbench.analysis.texts`).
        ks: top-k sizes for the consistency curve (correlations are not reported for k = 1).
        max_length: tokens per text (longer texts are truncated by the engine).
        batch_size: texts per forward call; bounds memory (batch x seq x vocab logits per model).
        temperature: T of the energy E = -T logsumexp(logits / T).
        weight_erank: also compare per-layer weight ERank when both engines expose a torch `.model`.
        progress: show a progress bar over batches.
        same_tokenizer: False for two models with different tokenizers (a distilled model against its
            reference): only the representation ERank is computed, each model on its own tokens of the same
            texts; top-k consistency, energy and weight ERank, which pair positions or layers, are skipped
            and `info["skipped"]` says why.

    Raises:
        AnalysisError: the engines tokenise differently or return mismatched shapes.
        ValueError: no texts, a bad k or batch size.
    """
    source_is_builtin = texts is None
    texts = load_texts() if texts is None else list(texts)
    if not texts:
        raise ValueError("compare_models needs at least one text")
    if batch_size < 1 or not ks or min(ks) < 1:
        raise ValueError(f"batch_size and every k must be >= 1 (got batch_size={batch_size}, ks={ks})")
    ks = tuple(sorted(set(int(k) for k in ks)))

    per_text, per_position = [], []
    with progress_bar(total=len(texts), desc="analysis", disable=not progress) as bar:
        for start in range(0, len(texts), batch_size):
            batch = texts[start : start + batch_size]
            out_o = original_engine.forward(batch, max_length)
            out_c = compressed_engine.forward(batch, max_length)
            if not same_tokenizer:
                per_text.extend(_erank_rows(out_o, out_c, start, aligned=False))
                del out_o, out_c
                bar.update(len(batch))
                continue
            _check_aligned(out_o, out_c, start)
            per_text.extend(_erank_rows(out_o, out_c, start))
            per_position.append(_position_frame(out_o, out_c, start, ks, temperature))
            del out_o, out_c
            bar.update(len(batch))

    text_frame = pd.DataFrame(per_text)
    if not same_tokenizer:
        return _erank_only(text_frame, texts, source_is_builtin, max_length)
    position_frame = pd.concat(per_position, ignore_index=True)
    summary = _consistency_summary(position_frame, ks)

    metrics = _erank_metrics(text_frame)
    for row in summary.itertuples():
        metrics[f"analysis/jaccard@{row.k}"] = row.jaccard
        if row.k > 1:
            metrics[f"analysis/kendall@{row.k}"] = row.kendall
            metrics[f"analysis/spearman@{row.k}"] = row.spearman
    metrics.update(_energy_metrics(position_frame))

    tables = {
        "analysis_per_position": position_frame,
        "analysis_erank_per_text": text_frame,
        "analysis_consistency_vs_k": summary,
    }
    figures = {
        "analysis_energy_hist.png": energy_histogram(
            position_frame["energy_original"].to_numpy(),
            position_frame["energy_compressed"].to_numpy(),
            position_frame["bucket"].to_numpy(),
        ),
        "analysis_consistency_vs_k.png": consistency_figure(summary),
    }
    models = (getattr(original_engine, "model", None), getattr(compressed_engine, "model", None))
    if weight_erank and all(isinstance(m, torch.nn.Module) for m in models):
        layers = pd.DataFrame(weight_erank_per_layer(*models))
        if len(layers):
            metrics["analysis/weight_erank_original"] = float(layers["erank_original"].mean())
            metrics["analysis/weight_erank_compressed"] = float(layers["erank_compressed"].mean())
            metrics["analysis/weight_erank_diff"] = float(layers["erank_diff"].mean())
            tables["analysis_weight_erank_per_layer"] = layers
            figures["analysis_weight_erank_per_layer.png"] = weight_erank_figure(layers)

    info = {
        "texts_version": TEXTS_VERSION if source_is_builtin else "user",
        "texts_digest": texts_digest(texts),
        "n_texts": len(texts),
        "n_positions": len(position_frame),
        "ks": list(ks),
        "max_length": max_length,
        "temperature": temperature,
    }
    finite = {name: float(value) for name, value in metrics.items() if math.isfinite(value)}
    return AnalysisResult(metrics=finite, tables=tables, figures=figures, info=info)


def _check_aligned(out_o: ForwardOutput, out_c: ForwardOutput, start: int) -> None:
    """Both models must see the same tokens at the same places, else position-wise numbers are meaningless."""
    where = f"texts {start}..{start + out_o.mask.shape[0] - 1}"
    if out_o.mask.shape != out_c.mask.shape or not torch.equal(out_o.mask.bool(), out_c.mask.bool()):
        raise AnalysisError(
            f"{where}: the two engines padded/truncated differently (masks {tuple(out_o.mask.shape)} vs "
            f"{tuple(out_c.mask.shape)}); compare models that share a tokenizer and padding side"
        )
    if out_o.input_ids is not None and out_c.input_ids is not None and not torch.equal(out_o.input_ids, out_c.input_ids):
        raise AnalysisError(f"{where}: the two engines produced different token ids; the models must share a tokenizer")
    if out_o.logits.shape != out_c.logits.shape:
        raise AnalysisError(
            f"{where}: logits shapes differ ({tuple(out_o.logits.shape)} vs {tuple(out_c.logits.shape)}); "
            "the models must share the vocabulary"
        )
    if out_o.logits.shape[:2] != out_o.mask.shape or out_o.hidden.shape[:2] != out_o.mask.shape:
        raise AnalysisError(f"{where}: logits/hidden do not match the mask shape {tuple(out_o.mask.shape)}")


def _erank_rows(out_o: ForwardOutput, out_c: ForwardOutput, start: int, aligned: bool = True) -> list[dict]:
    """Per-text ERank of the final hidden states over real tokens; texts under 2 tokens get NaN (no spread).

    Unaligned (different tokenizers): each model's ERank over its own real tokens; `n_tokens` is the
    original's count and `n_tokens_compressed` the other's.
    """
    rows = []
    for i in range(out_o.mask.shape[0]):
        real = out_o.mask[i].bool()
        real_c = out_c.mask[i].bool() if not aligned else real
        n = int(real.sum())
        if min(n, int(real_c.sum())) >= 2:
            e_o, e_c = erank(out_o.hidden[i][real]), erank(out_c.hidden[i][real_c])
            diff, growth = diff_erank(e_o, e_c)
        else:
            e_o = e_c = diff = growth = math.nan
        row = {"text_index": start + i, "n_tokens": n, "erank_original": e_o, "erank_compressed": e_c,
               "erank_diff": diff, "erank_growth_pct": growth}
        if not aligned:
            row["n_tokens_compressed"] = int(real_c.sum())
        rows.append(row)
    return rows


def _erank_only(text_frame: pd.DataFrame, texts: list[str], builtin: bool, max_length: int) -> AnalysisResult:
    """The result of a comparison across tokenizers: representation ERank only (see `compare_models`)."""
    metrics = {k: v for k, v in _erank_metrics(text_frame).items() if math.isfinite(v)}
    info = {"texts_version": TEXTS_VERSION if builtin else "user", "texts_digest": texts_digest(texts),
            "n_texts": len(texts), "max_length": max_length,
            "skipped": "topk,energy,weight_erank: the models' tokenizers differ, so positions cannot be paired"}
    return AnalysisResult(metrics=metrics, tables={"analysis_erank_per_text": text_frame}, info=info)


def _position_frame(out_o: ForwardOutput, out_c: ForwardOutput, start: int, ks: tuple[int, ...], temperature: float) -> pd.DataFrame:
    """One row per real token: where it is, both energies, and top-k consistency for every k."""
    mask = out_o.mask.bool()
    rows, cols = mask.nonzero(as_tuple=True)  # row-major, so positions stay in text order
    e_o = energy(out_o.logits, temperature)[mask]
    e_c = energy(out_c.logits, temperature)[mask]
    columns = {
        "text_index": (rows + start).numpy(),
        "position": position_index(mask)[mask].numpy(),
        "bucket": position_buckets(mask)[mask.numpy()],
        "token_id": out_o.input_ids[mask].numpy() if out_o.input_ids is not None else np.full(len(rows), -1),
        "energy_original": e_o.double().numpy(),
        "energy_compressed": e_c.double().numpy(),
        "energy_delta": (e_o.double() - e_c.double()).abs().numpy(),
    }
    for name, values in consistency_by_k(out_o.logits[mask], out_c.logits[mask], ks).items():
        columns[name] = values.numpy()
    return pd.DataFrame(columns)


def _consistency_summary(positions: pd.DataFrame, ks: tuple[int, ...]) -> pd.DataFrame:
    """Mean Jaccard / τ / ρ per k over positions (NaN correlations excluded, counted in n_valid)."""
    rows = []
    for k in ks:
        row = {"k": k, "jaccard": positions[f"jaccard@{k}"].mean(), "kendall": math.nan, "spearman": math.nan,
               "n_positions": len(positions), "n_valid_correlation": 0}
        if k > 1:
            row.update(kendall=positions[f"kendall@{k}"].mean(skipna=True),
                       spearman=positions[f"spearman@{k}"].mean(skipna=True),
                       n_valid_correlation=int(positions[f"kendall@{k}"].notna().sum()))
        rows.append(row)
    return pd.DataFrame(rows)


def _erank_metrics(text_frame: pd.DataFrame) -> dict[str, float]:
    metrics = {}
    for column in ("erank_original", "erank_compressed", "erank_diff", "erank_growth_pct"):
        metrics[f"analysis/{column}"] = float(text_frame[column].mean(skipna=True))
        metrics[f"analysis/{column}_std"] = float(text_frame[column].std(skipna=True, ddof=0))
    return metrics


def _energy_metrics(positions: pd.DataFrame) -> dict[str, float]:
    metrics = {
        "analysis/energy_delta": float(positions["energy_delta"].mean()),
        "analysis/energy_original": float(positions["energy_original"].mean()),
        "analysis/energy_compressed": float(positions["energy_compressed"].mean()),
    }
    for bucket in ("early", "late"):
        select = positions["bucket"] == bucket
        metrics[f"analysis/energy_delta_{bucket}"] = float(positions.loc[select, "energy_delta"].mean()) if select.any() else math.nan
    return metrics
