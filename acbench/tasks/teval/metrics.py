"""T-Eval aggregation: per-item score fields -> ability x format scores, ability scores, overall.

    metrics = aggregate_metrics(records)           # paper values under their names, strict ones + "_strict"
    items, weights, floor = headline_items(records, "paper")   # the decomposition of `overall`

All metrics are on a 0-100 scale, like the paper's tables. Each record holds every score field twice: `m`
(paper, upstream's rules) and `m_strict` (acbench's rules). An ability score is the mean of its string and
JSON scores (whichever the data holds); `overall` is the mean of the ability scores; `str` and `json` are the
means over abilities of each format's score.

Paper aggregation follows upstream's files: the instruct format and args_em means and the review mean are
rounded to 4 decimals per file and format (`instruct_evaluator.py` 152, `review_evaluator.py` 126), and
Review is the string file alone (`convert_results.py` 21: a JSON review answer never equals the gold).
"""

from __future__ import annotations

from statistics import mean

import numpy as np

from acbench.tasks.base import ItemScore

ABILITIES: tuple[str, ...] = ("instruct", "plan", "reason", "retrieve", "understand", "review")
FORMATS: tuple[str, ...] = ("str", "json")
# The record field that is an ability's per-item score.
ITEM_FIELD = {"plan": "f1", "reason": "thought", "retrieve": "name", "understand": "args", "review": "correct"}
REVIEW_CHANCE = {"str": 0.2, "json": 0.5}  # five choices A-E; a yes/no is_finished


def _suffix(mode: str) -> str:
    return "" if mode == "paper" else "_strict"


def item_score(record: dict, ability: str, mode: str = "paper") -> float:
    """An item's score for one ability (instruct: (format + args_em) / 2), 0-1."""
    sfx = _suffix(mode)
    if ability == "instruct":
        return (record["format" + sfx] + record["args_em" + sfx]) / 2
    return float(record[ITEM_FIELD[ability] + sfx])


def _counts(records: list[dict], mode: str) -> tuple[dict, dict]:
    """Ability x format scores (0-1, paper rounding applied) and the per-item values behind them."""
    sfx = _suffix(mode)
    per: dict[tuple[str, str], list[float]] = {}
    for r in records:
        for ability in r["abilities"]:
            per.setdefault((ability, r["response_format"]), []).append(item_score(r, ability, mode))
    cells: dict[tuple[str, str], float] = {}
    for (ability, fmt), values in per.items():
        if mode == "paper" and ability == "instruct":
            rows = [r for r in records if "instruct" in r["abilities"] and r["response_format"] == fmt]
            fmt_mean = np.round(np.mean([r["format" + sfx] for r in rows]), decimals=4)
            em_mean = np.round(np.mean([r["args_em" + sfx] for r in rows]), decimals=4)
            cells[(ability, fmt)] = float((fmt_mean + em_mean) / 2)
        elif mode == "paper" and ability == "review":
            cells[(ability, fmt)] = float(np.round(np.mean(values), decimals=4))
        else:
            cells[(ability, fmt)] = mean(values)
    return cells, per


def _in_ability(ability: str, fmt: str, mode: str) -> bool:
    """Whether a format's score feeds the ability (paper Review is the string file only)."""
    return not (mode == "paper" and ability == "review" and fmt == "json")


def _feeds(cells: dict, mode: str) -> dict[str, list[str]]:
    """Ability -> the formats whose score feeds it."""
    feeds: dict[str, list[str]] = {}
    for ability in ABILITIES:
        fmts = [f for f in FORMATS if (ability, f) in cells and _in_ability(ability, f, mode)]
        if fmts:
            feeds[ability] = fmts
    return feeds


def _mode_metrics(records: list[dict], mode: str) -> dict[str, float]:
    sfx = _suffix(mode)
    cells, _ = _counts(records, mode)
    metrics: dict[str, float] = {}
    by_format: dict[str, list[float]] = {fmt: [] for fmt in FORMATS}
    for (ability, fmt), value in cells.items():
        metrics[f"{ability}/{fmt}{sfx}"] = 100 * value
    feeds = _feeds(cells, mode)
    for ability, fmts in feeds.items():
        metrics[ability + sfx] = mean(100 * cells[(ability, f)] for f in fmts)
        for f in fmts:
            by_format[f].append(100 * cells[(ability, f)])
    for fmt, values in by_format.items():
        if values:
            metrics[fmt + sfx] = mean(values)
    for fmt in FORMATS:
        rows = [r for r in records if r["response_format"] == fmt]
        if any("instruct" in r["abilities"] for r in rows):
            instruct = [r for r in rows if "instruct" in r["abilities"]]
            for field in ("format", "args_em"):
                value = mean(r[field + sfx] for r in instruct)
                value = float(np.round(value, decimals=4)) if mode == "paper" else value
                metrics[f"instruct/{fmt}/{field}{sfx}"] = 100 * value
        plans = [r for r in rows if "plan" in r["abilities"]]
        for field in ("precision", "recall"):
            if plans:
                metrics[f"plan/{fmt}/{field}{sfx}"] = 100 * mean(r[field + sfx] for r in plans)
    metrics["overall" + sfx] = mean(metrics[a + sfx] for a in feeds) if feeds else 0.0
    return metrics


def aggregate_metrics(records: list[dict]) -> dict[str, float]:
    """Paper metrics under their names, strict ones as `<name>_strict`, plus `parse_rate/<fmt>` (strict parse)."""
    metrics = {**_mode_metrics(records, "paper"), **_mode_metrics(records, "strict")}
    for fmt in FORMATS:
        rows = [r for r in records if r["response_format"] == fmt]
        if rows:
            metrics[f"parse_rate/{fmt}"] = 100 * mean(float(r.get("parse_error") is None) for r in rows)
    return {k: float(v) for k, v in metrics.items()}


def item_group(record: dict) -> str:
    """The record's file-and-format group: `instruct_json`, `plan_str`, `reason_retrieve_understand_json`..."""
    base = record["kind"].removesuffix("_str").removesuffix("_json")
    return f"{base}_{record['response_format']}"


def headline_items(records: list[dict], mode: str) -> tuple[list[ItemScore], dict[str, float], float]:
    """Items, group weights and chance floor that decompose `overall` (paper) or `overall_strict`.

    With A abilities and F_a formats feeding ability a, overall = sum_a (100 / A) mean_f cell(a, f). A record's
    value is 100 * sum over its abilities of score / F_a and every group weighs 1 / A, so the weighted group
    means give overall exactly, up to paper's 4-decimal rounding of the instruct and review cells (at most
    0.5e-4 per cell, 100 / A * 1e-4 on overall).
    """
    cells, _ = _counts(records, mode)
    feeds = _feeds(cells, mode)
    if not feeds:
        return [], {}, 0.0
    n_abilities = len(feeds)
    items: list[ItemScore] = []
    for r in records:
        fmt = r["response_format"]
        shares = [a for a in r["abilities"] if fmt in feeds.get(a, [])]
        if not shares:
            continue  # e.g. a JSON review answer, outside paper's overall
        value = 100 * sum(item_score(r, a, mode) / len(feeds[a]) for a in shares)
        items.append(ItemScore(id=str(r["id"]), value=value, group=item_group(r)))
    weights = {g: 1.0 / n_abilities for g in {i.group for i in items}}
    floor = 0.0
    if "review" in feeds:  # chance: 1 in 5 letters (strict JSON review: 1 in 2)
        floor = 100 / n_abilities * mean(REVIEW_CHANCE[f] for f in feeds["review"])
    return items, weights, floor


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
