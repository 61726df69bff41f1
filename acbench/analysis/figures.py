"""Figures of the analyses, built as standalone matplotlib `Figure`s (no pyplot state, nothing shown).

    fig = consistency_figure(summary_frame); fig.savefig("analysis_consistency_vs_k.png")
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure


def energy_histogram(energy_original: np.ndarray, energy_compressed: np.ndarray, buckets: np.ndarray) -> Figure:
    """Overlaid histograms of E_o and E_c for early and late tokens, plus the histogram of |E_o - E_c|."""
    fig = Figure(figsize=(13, 3.8))
    axes = fig.subplots(1, 3)
    for ax, bucket in zip(axes[:2], ("early", "late")):
        select = buckets == bucket
        values = np.concatenate([energy_original[select], energy_compressed[select]])
        if values.size:
            bins = np.histogram_bin_edges(values, bins=40)
            ax.hist(energy_original[select], bins=bins, alpha=0.55, label="original")
            ax.hist(energy_compressed[select], bins=bins, alpha=0.55, label="compressed")
            ax.legend()
        ax.set_title(f"{bucket} tokens (n={int(select.sum())})")
        ax.set_xlabel("energy E = -logsumexp(logits / T)")
    delta = np.abs(energy_original - energy_compressed)
    if delta.size:
        axes[2].hist(delta, bins=40, color="gray")
    axes[2].set_title(f"|E_o - E_c| (mean {delta.mean() if delta.size else float('nan'):.3g})")
    axes[2].set_xlabel("|ΔE|")
    axes[0].set_ylabel("positions")
    fig.tight_layout()
    return fig


def consistency_figure(summary: pd.DataFrame) -> Figure:
    """Mean Jaccard, Kendall τ and Spearman ρ against k (columns k, jaccard, kendall, spearman)."""
    fig = Figure(figsize=(5.5, 3.8))
    ax = fig.subplots()
    for column, marker in (("jaccard", "o"), ("kendall", "s"), ("spearman", "^")):
        ax.plot(summary["k"], summary[column], marker=marker, label=column)
    ax.set_xscale("log")
    ax.set_xticks(list(summary["k"]))
    ax.set_xticklabels([str(k) for k in summary["k"]])
    ax.set_xlabel("k (top-k of the original model)")
    ax.set_ylabel("mean over positions")
    ax.set_ylim(min(0.0, float(np.nanmin(summary[["jaccard", "kendall", "spearman"]].to_numpy(dtype=float), initial=0.0))), 1.02)
    ax.set_title("top-k ranking consistency")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return fig


def weight_erank_figure(per_layer: pd.DataFrame) -> Figure:
    """Weight ERank of each linear layer (in model order) for both models, and their difference."""
    fig = Figure(figsize=(12, 5.5))
    top, bottom = fig.subplots(2, 1, sharex=True)
    x = np.arange(len(per_layer))
    top.plot(x, per_layer["erank_original"], ".-", label="original", linewidth=0.8)
    top.plot(x, per_layer["erank_compressed"], ".-", label="compressed", linewidth=0.8)
    top.set_ylabel("weight ERank")
    top.legend()
    top.set_title("weight ERank per linear layer (singular values)")
    bottom.bar(x, per_layer["erank_diff"], color="gray")
    bottom.axhline(0.0, color="black", linewidth=0.5)
    bottom.set_ylabel("compressed - original")
    step = max(1, len(per_layer) // 30)  # label a readable subset of layer names
    bottom.set_xticks(x[::step])
    bottom.set_xticklabels(per_layer["layer"].iloc[::step], rotation=90, fontsize=6)
    fig.tight_layout()
    return fig
