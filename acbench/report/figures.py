"""Report figures: retention per capability per method (bars), and score versus weight size (scatter).

Both carry error bars where the runs logged paired statistics: the 95 % interval over items (`_lo`, `_hi`
columns of the comparison table); a capability without a retention (every task at its floor) has no bar.

    fig = retention_bars(comparison_table(runs))
    fig = budget_scatter(budget_table(table))
"""

from __future__ import annotations

import pandas as pd


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def retention_bars(table: pd.DataFrame):
    """One panel per model: for each capability a group of bars, one per method/setting; 100% dashed."""
    plt = _plt()
    caps = [c.split("/", 1)[1] for c in table.columns
            if c.startswith("retention/") and c != "retention/overall" and table[c].notna().any()]
    rows = table[(table["method"] != "base")]
    models = list(dict.fromkeys(rows["model"]))
    figure, axes = plt.subplots(1, max(1, len(models)), figsize=(max(6.0, 5.5 * len(models)), 4.4), squeeze=False)
    for ax, model in zip(axes[0], models or [None]):
        part = rows[rows["model"] == model]
        labels = [f"{m} {s}" for m, s in zip(part["method"], part["setting"])]
        width = 0.8 / max(1, len(part))
        for i, (label, (_, row)) in enumerate(zip(labels, part.iterrows())):
            values = [100 * row[f"retention/{c}"] if pd.notna(row[f"retention/{c}"]) else 0.0 for c in caps]
            lo = [_value(row, f"retention/{c}_lo", v / 100) for c, v in zip(caps, values)]
            hi = [_value(row, f"retention/{c}_hi", v / 100) for c, v in zip(caps, values)]
            errors = [[max(0.0, v - 100 * a) for v, a in zip(values, lo)], [max(0.0, 100 * b - v) for v, b in zip(values, hi)]]
            ax.bar([k + i * width - 0.4 + width / 2 for k in range(len(caps))], values, width, label=label,
                   yerr=errors, capsize=2, error_kw={"elinewidth": 0.8})
        ax.axhline(100, color="0.3", linestyle="--", linewidth=1)
        ax.set_xticks(range(len(caps)))
        ax.set_xticklabels(caps, fontsize=8)
        ax.set_ylabel("retention (% of the original model)")
        ax.set_title(str(model).split("/")[-1] if model else "no compressed runs", fontsize=10)
        if len(part):
            ax.legend(fontsize=7)
        ax.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    return figure


def _value(row, column: str, default: float) -> float:
    """row[column] when the table has it and it is a number, else `default` (no error bar)."""
    value = row.get(column) if hasattr(row, "get") else None
    return float(value) if value is not None and pd.notna(value) else float(default)


def budget_scatter(budget: pd.DataFrame):
    """Mean capability score versus weight size: colour = method, marker = model; best-at-size joined."""
    plt = _plt()
    figure, ax = plt.subplots(figsize=(7.0, 4.8))
    markers = "os^DvP*X"
    models = list(dict.fromkeys(budget["model"]))
    methods = list(dict.fromkeys(budget["method"]))
    for _, row in budget.iterrows():
        colour = "black" if row["method"] == "base" else f"C{methods.index(row['method']) % 10}"
        lo, hi = _value(row, "score_lo", row["score"]), _value(row, "score_hi", row["score"])
        if hi > lo:
            ax.errorbar(row["size_mb"], row["score"], yerr=[[row["score"] - lo], [hi - row["score"]]], color=colour,
                        linewidth=0.8, capsize=2, zorder=2)
        ax.scatter(row["size_mb"], row["score"], color=colour, marker=markers[models.index(row["model"]) % len(markers)],
                   s=60 if row["method"] == "base" else 40, zorder=3)
        ax.annotate(f"{row['method']} {row['setting']}", (row["size_mb"], row["score"]), textcoords="offset points",
                    xytext=(4, 3), fontsize=7)
    best = budget[budget["best_at_size"]]
    if len(best) > 1:
        ax.step(best["size_mb"], best["score"], where="post", color="C3", alpha=0.6, label="best at this size")
    for i, model in enumerate(models):
        ax.scatter([], [], color="0.4", marker=markers[i % len(markers)], label=str(model).split("/")[-1])
    ax.set_xlabel("weights size (MB)")
    ax.set_ylabel("mean capability score")
    ax.set_title("Same memory budget: score versus size")
    ax.grid(alpha=0.3)
    if len(budget):
        ax.legend(fontsize=7)
    figure.tight_layout()
    return figure
