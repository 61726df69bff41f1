"""The needle heatmap: depth (rows) x context length (columns), colour = mean value of the cell (0-1).

    fig = heatmap_figure(records)   # records with `length`, `depth`, `heatmap_recall` (the paper's colouring)
    fig.savefig("needle_heatmap.png")
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # no display on servers and in CI

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def heatmap_grid(records: list[dict], key: str = "heatmap_recall") -> tuple[list[int], list[float], np.ndarray]:
    """Sorted lengths, sorted depths and a depths x lengths matrix of mean `key` values (NaN where no record)."""
    lengths = sorted({int(r["length"]) for r in records})
    depths = sorted({float(r["depth"]) for r in records})
    grid = np.full((len(depths), len(lengths)), np.nan)
    for i, depth in enumerate(depths):
        for j, length in enumerate(lengths):
            scores = [r[key] for r in records if float(r["depth"]) == depth and int(r["length"]) == length]
            if scores:
                grid[i, j] = float(np.mean(scores))
    return lengths, depths, grid


def heatmap_figure(records: list[dict], title: str = "Needle in a haystack", key: str = "heatmap_recall"):
    """A matplotlib Figure of the grid, red (0) to green (1), each cell annotated with its value."""
    lengths, depths, grid = heatmap_grid(records, key)
    fig, ax = plt.subplots(figsize=(min(1.2 + 0.9 * len(lengths), 24.0), 1.2 + 0.45 * len(depths)))
    image = ax.imshow(grid, cmap="RdYlGn", vmin=0.0, vmax=1.0, aspect="auto")
    step = max(1, len(lengths) // 20)  # the paper grid has 71 lengths: label every few
    ax.set_xticks(range(0, len(lengths), step), [str(n) for n in lengths[::step]], rotation=90 if step > 1 else 0)
    ax.set_yticks(range(len(depths)), [f"{d:g}%" for d in depths])
    ax.set_xlabel("context length (tokens)")
    ax.set_ylabel("needle depth")
    ax.set_title(title)
    for i in range(len(depths)):
        for j in range(len(lengths) if len(lengths) <= 20 else 0):  # numbers only where they fit
            if not np.isnan(grid[i, j]):
                ax.text(j, i, f"{grid[i, j]:.2f}", ha="center", va="center", fontsize=8)
    fig.colorbar(image, ax=ax, label=key.replace("_", " "))
    fig.tight_layout()
    plt.close(fig)  # the caller saves or logs it; keep pyplot's registry from growing
    return fig
