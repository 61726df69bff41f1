"""Promote the best registered checkpoint per method to a registry alias, e.g. `acbench-smollm2-135m@best-gptq`.

    promotions = promote_best(runs, metric="retention/overall")   # runs: collect_runs(...) output
    # then: mlflow.artifacts.download_artifacts("models:/acbench-smollm2-135m@best-gptq")

Only versions whose run is among `runs` (the reported experiments) compete; each version's score is its
run's `metric`. Ties go to the newest version. A version made by a sweep trial on the selection half of the
items (`split=select`) never competes: its numbers are those it was chosen on, biased upward by the choice;
the sweep's confirmation run (`split=confirm`, acbench/sweep/confirm.py) registers the same checkpoint with
numbers from held-back items, and that version competes.
"""

from __future__ import annotations

import re

import pandas as pd


def alias_for(method: str) -> str:
    """`best-<method>` with characters MLflow aliases do not allow replaced (`sparsegpt+gptq` -> `best-sparsegpt-gptq`)."""
    return "best-" + re.sub(r"[^A-Za-z0-9_-]+", "-", method).strip("-").lower()


def choose_best(versions: list[dict], runs: pd.DataFrame, metric: str, higher_is_better: bool = True) -> list[dict]:
    """The best version per (registered model, method): dicts with name, alias, version, run_id, value."""
    if runs.empty or metric not in runs:
        return []
    values = dict(zip(runs["run_id"], runs[metric]))
    methods = dict(zip(runs["run_id"], runs["method"]))
    splits = dict(zip(runs["run_id"], runs["split"])) if "split" in runs else {}
    best: dict[tuple[str, str], dict] = {}
    for v in versions:
        if (v["tags"].get("split") or splits.get(v["run_id"])) == "select":
            continue  # selection numbers: the winner's curse (module docstring)
        value = values.get(v["run_id"])
        if value is None or value != value:
            continue
        method = v["tags"].get("method") or methods.get(v["run_id"])
        key = (v["name"], method)
        candidate = {"name": v["name"], "method": method, "alias": alias_for(method), "version": v["version"],
                     "run_id": v["run_id"], "value": float(value)}
        current = best.get(key)
        better = current is None or (value > current["value"] if higher_is_better else value < current["value"])
        tie_newer = current is not None and value == current["value"] and int(v["version"]) > int(current["version"])
        if better or tie_newer:
            best[key] = candidate
    return sorted(best.values(), key=lambda d: (d["name"], d["method"]))


def promote_best(runs: pd.DataFrame, metric: str = "retention/overall", higher_is_better: bool = True) -> list[dict]:
    """Set `best-<method>` on the best version of each registered model; returns what was set."""
    from acbench import tracking

    chosen = choose_best(tracking.model_versions(), runs, metric, higher_is_better)
    for item in chosen:
        item["previous"] = tracking.model_alias_version(item["name"], item["alias"])
        tracking.set_model_alias(item["name"], item["alias"], item["version"])
    return chosen
