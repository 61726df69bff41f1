"""The per-task statistics of tracked runs: one row per configuration (and seed) and task.

    frame = task_stats_table(runs)         # runs: collect_runs(...) output
    print(to_markdown(display_task_stats(frame)))

Columns: base, compressed and delta (the task's headline on 0-100) with their 95 % paired intervals, the paired
test's p-value before and after Holm, whether the drop is significant, the minimum detectable effect, and the
floor status ("at floor (n items)"). How to read them: acbench/stats/README.md.
"""

from __future__ import annotations

import pandas as pd

from acbench.report.tables import KEY, STATS_TAG, _int, _present, setting

QUANTITIES = ("base", "compressed", "delta", "retention")


def task_stats_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Numbers, unrounded; empty when no run logged `stats/...`."""
    columns = [*KEY, "seed", "task", "status", "n", *[f"{q}{x}" for q in QUANTITIES for x in ("", "_lo", "_hi")],
               "p_value", "p_holm", "significant_drop", "mde"]
    tasks = sorted({(str(c).split("/")[1], str(c).split("/")[2]) for c in runs.columns
                    if str(c).startswith("stats/") and str(c).endswith("/p_value") and str(c).count("/") == 3})
    if runs.empty or not tasks:
        return pd.DataFrame(columns=columns)
    runs = runs[runs["method"] != "none"].copy()
    runs["setting"] = [setting(r.method, r.bits, r.group_size, r.sparsity, r.pattern) for r in runs.itertuples()]
    if "seed" not in runs:
        runs["seed"] = None
    rows = []
    for key, group in runs.groupby([*KEY, "seed"], sort=False, dropna=False):
        last = group.ffill().iloc[-1]
        for cap, task in tasks:
            prefix = f"stats/{cap}/{task}/"
            if not _present(last.get(prefix + "p_value")):
                continue
            row = dict(zip([*KEY, "seed"], key))
            row.update({"task": task, "n": last.get(prefix + "n")})
            status = last.get(STATS_TAG + task)
            row["status"] = (f"at floor ({_int(row['n'])} items)" if status == "floor"
                             else str(status) if _present(status) else "")
            for name in columns[len(KEY) + 4:]:
                row[name] = last.get(prefix + name)
            rows.append(row)
    return pd.DataFrame(rows).reindex(columns=columns)


def display_task_stats(frame: pd.DataFrame) -> pd.DataFrame:
    """Rounded strings: `value [lo, hi]` per quantity, 1 decimal (headlines on 0-100, retention in %), p-values 3
    significant digits, drops marked."""
    out = pd.DataFrame(index=frame.index)
    for col in [*KEY, "seed", "task", "status"]:
        out[col] = [str(v) if _present(v) else "" for v in frame[col]]
    out["n"] = [_int(v) if _present(v) else "" for v in frame["n"]]
    for q in QUANTITIES:
        scale = 100.0 if q == "retention" else 1.0  # headlines are on 0-100 already (acbench/metrics.py)
        digits = 1
        label = "retention %" if q == "retention" else q
        out[label] = [_cell(r[q], r[f"{q}_lo"], r[f"{q}_hi"], scale, digits) for _, r in frame.iterrows()]
    for col in ("p_value", "p_holm", "mde"):
        out[col] = [f"{float(v):.3g}" if _present(v) else "" for v in frame[col]]
    out["drop"] = ["significant" if v == 1.0 else "" for v in frame["significant_drop"]]
    return out


def _cell(value, lo, hi, scale: float, digits: int) -> str:
    if not _present(value):
        return ""
    text = f"{float(value) * scale:.{digits}f}"
    if _present(lo) and _present(hi):
        text += f" [{float(lo) * scale:.{digits}f}, {float(hi) * scale:.{digits}f}]"
    return text
