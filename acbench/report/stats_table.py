"""The per-task statistics of tracked runs: one row per configuration (and seed) and task.

    frame = task_stats_table(runs)         # runs: collect_runs(...) output
    print(to_markdown(display_task_stats(frame)))

Columns: base, compressed and delta (the task's headline on 0-100) with their 95 % paired intervals, the paired
test's p-value before and after Holm, whether the drop is significant, the minimum detectable effect, and the
floor status ("at floor (n items)"), the share of bootstrap draws where the retention is undefined, and the
plain note "too few items (n) to detect a drop of 10 points" where the MDE says so. How to read them:
acbench/stats/README.md.
"""

from __future__ import annotations

import pandas as pd

from acbench.report.tables import KEY, STATS_TAG, _int, _present, with_settings
from acbench.stats.inference import small_sample_note

QUANTITIES = ("base", "compressed", "delta", "retention")


def task_stats_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Numbers, unrounded; empty when no run logged `stats/...`."""
    columns = [*KEY, "seed", "task", "status", "n", *[f"{q}{x}" for q in QUANTITIES for x in ("", "_lo", "_hi")],
               "p_value", "p_holm", "significant_drop", "mde", "retention_undefined", "too_few_items"]
    tasks = sorted({(str(c).split("/")[1], str(c).split("/")[2]) for c in runs.columns
                    if str(c).startswith("stats/") and str(c).endswith("/p_value") and str(c).count("/") == 3})
    if runs.empty or not tasks:
        return pd.DataFrame(columns=columns)
    runs = with_settings(runs)
    runs = runs[runs["kind"] != "single"]  # compression, reference and KV-cache runs (tables.run_setting)
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
            for name in columns[len(KEY) + 4:-1]:
                row[name] = last.get(prefix + name)
            # the plain note where the MDE says the items cannot show a 10-point drop (stats/README.md)
            row["too_few_items"] = small_sample_note(row["n"], float(row["mde"]) if _present(row["mde"]) else
                                                     float("nan")) if _present(row["n"]) else ""
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
    out["note"] = [str(v) if _present(v) else "" for v in frame["too_few_items"]]
    return out


def _cell(value, lo, hi, scale: float, digits: int) -> str:
    if not _present(value):
        return ""
    text = f"{float(value) * scale:.{digits}f}"
    if _present(lo) and _present(hi):
        text += f" [{float(lo) * scale:.{digits}f}, {float(hi) * scale:.{digits}f}]"
    return text
