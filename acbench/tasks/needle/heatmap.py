"""The needle heatmap: depth (rows) x context length (columns), colour = mean score of the cell.

    fig = heatmap_figure(records)   # records with `length`, `depth`, `score`
    fig.savefig("needle_heatmap.png")
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # no display on servers and in CI

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def heatmap_grid(records: list[dict]) -> tuple[list[int], list[float], np.ndarray]:
    """Sorted lengths, sorted depths and a depths x lengths matrix of mean scores (NaN where no record)."""
    lengths = sorted({int(r["length"]) for r in records})
    depths = sorted({float(r["depth"]) for r in records})
    grid = np.full((len(depths), len(lengths)), np.nan)
    for i, depth in enumerate(depths):
        for j, length in enumerate(lengths):
            scores = [r["score"] for r in records if float(r["depth"]) == depth and int(r["length"]) == length]
            if scores:
                grid[i, j] = float(np.mean(scores))
    return lengths, depths, grid


def heatmap_figure(records: list[dict], title: str = "Needle in a haystack"):
    """A matplotlib Figure of the grid, red (0) to green (1), each cell annotated with its score."""
    lengths, depths, grid = heatmap_grid(records)
    fig, ax = plt.subplots(figsize=(1.2 + 0.9 * len(lengths), 1.2 + 0.45 * len(depths)))
    image = ax.imshow(grid, cmap="RdYlGn", vmin=0.0, vmax=1.0, aspect="auto")
    ax.set_xticks(range(len(lengths)), [str(n) for n in lengths])
    ax.set_yticks(range(len(depths)), [f"{d:g}%" for d in depths])
    ax.set_xlabel("context length (tokens)")
    ax.set_ylabel("needle depth")
    ax.set_title(title)
    for i in range(len(depths)):
        for j in range(len(lengths)):
            if not np.isnan(grid[i, j]):
                ax.text(j, i, f"{grid[i, j]:.2f}", ha="center", va="center", fontsize=8)
    fig.colorbar(image, ax=ax, label="score")
    fig.tight_layout()
    plt.close(fig)  # the caller saves or logs it; keep pyplot's registry from growing
    return fig
