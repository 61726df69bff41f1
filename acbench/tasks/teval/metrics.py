"""T-Eval aggregation: per-item score fields -> ability x format scores, ability scores, overall.

    metrics = aggregate_metrics(records)   # {"instruct/json": 50.0, "plan": ..., "overall": ..., "json": ...}

All metrics are on a 0-100 scale, like the paper's tables. An ability score is the mean of its string
and JSON scores (whichever the data holds); `overall` is the mean of the six ability scores; `str` and
`json` are the means over abilities of each format's score.
"""

from __future__ import annotations

from statistics import mean

ABILITIES: tuple[str, ...] = ("instruct", "plan", "reason", "retrieve", "understand", "review")
FORMATS: tuple[str, ...] = ("str", "json")
# The record field that is an ability's per-item score.
ITEM_FIELD = {"plan": "f1", "reason": "thought", "retrieve": "name", "understand": "args", "review": "correct"}


def item_score(record: dict, ability: str) -> float:
    """An item's score for one ability (instruct: (format + args_em) / 2)."""
    if ability == "instruct":
        return (record["format"] + record["args_em"]) / 2
    return float(record[ITEM_FIELD[ability]])


def aggregate_metrics(records: list[dict]) -> dict[str, float]:
    """Metrics from scored records (each with `abilities`, `response_format`, the score fields, `parse_error`)."""
    per: dict[tuple[str, str], list[float]] = {}
    extra: dict[str, list[float]] = {}
    for r in records:
        fmt = r["response_format"]
        for ability in r["abilities"]:
            per.setdefault((ability, fmt), []).append(item_score(r, ability))
        if "instruct" in r["abilities"]:
            extra.setdefault(f"instruct/{fmt}/format", []).append(r["format"])
            extra.setdefault(f"instruct/{fmt}/args_em", []).append(r["args_em"])
        if "plan" in r["abilities"]:
            extra.setdefault(f"plan/{fmt}/precision", []).append(r["precision"])
            extra.setdefault(f"plan/{fmt}/recall", []).append(r["recall"])
        extra.setdefault(f"parse_rate/{fmt}", []).append(float(r.get("parse_error") is None))

    metrics: dict[str, float] = {}
    abilities: dict[str, float] = {}
    by_format: dict[str, list[float]] = {fmt: [] for fmt in FORMATS}
    for ability in ABILITIES:
        scores = []
        for fmt in FORMATS:
            if (ability, fmt) in per:
                value = 100 * mean(per[(ability, fmt)])
                metrics[f"{ability}/{fmt}"] = value
                by_format[fmt].append(value)
                scores.append(value)
        if scores:
            abilities[ability] = mean(scores)
    metrics.update(abilities)
    for fmt, values in by_format.items():
        if values:
            metrics[fmt] = mean(values)
    for key, values in extra.items():
        metrics[key] = 100 * mean(values)
    metrics["overall"] = mean(abilities.values()) if abilities else 0.0
    return {k: float(v) for k, v in metrics.items()}


def ability_figure(metrics: dict[str, float]):
    """Bar chart of string vs JSON score per ability (a matplotlib Figure, no pyplot state)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 3.2))
    ax = fig.add_subplot()
    width = 0.38
    for offset, fmt in ((-width / 2, "str"), (width / 2, "json")):
        values = [metrics.get(f"{a}/{fmt}", 0.0) for a in ABILITIES]
        ax.bar([i + offset for i in range(len(ABILITIES))], values, width, label=fmt)
    ax.set_xticks(range(len(ABILITIES)), ABILITIES)
    ax.set_ylim(0, 100)
    ax.set_ylabel("score")
    ax.set_title(f"T-Eval: overall {metrics.get('overall', 0.0):.1f}")
    ax.legend()
    fig.tight_layout()
    return fig
