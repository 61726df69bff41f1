"""Many comparisons at once: p-values of every trial of a sweep (or run of a grid) adjusted as one family.

    tests = task_pvalues(outcome.metrics)             # {"needle": 0.03, ...} from a run's stats/<cap>/<task>/p_value
    table = adjust_family({"trial 0": tests0, "trial 1": tests1})   # one row per (member, task) with p_family

Within one run, Holm's correction already covers that run's tasks (stats/compare.py). A sweep or grid compares
many configurations with the original, so by chance alone some trial would show a "significant" drop: the
family here is every paired task test of every member (trial, seed repeat or grid run), and Holm's step-down
correction keeps the chance of even one false "significant drop" in the whole study below 5 %. Holm rather
than Benjamini-Hochberg: the claim a reader takes from a study is "this configuration drops", a family-wise
statement, and Holm needs no assumption about how the tests depend on each other (they share the original's
items, so they do).
"""

from __future__ import annotations

import pandas as pd

from acbench.stats.inference import ALPHA, holm

METHOD = "holm"


def task_pvalues(metrics: dict[str, float]) -> dict[str, float]:
    """task -> the paired test's p-value (before any correction) of one run's logged metrics."""
    out = {}
    for key, value in metrics.items():
        parts = str(key).split("/")
        if len(parts) == 4 and parts[0] == "stats" and parts[3] == "p_value" and value == value:
            out[parts[2]] = float(value)
    return out


def task_deltas(metrics: dict[str, float]) -> dict[str, float]:
    """task -> compressed - original headline (0-100) of one run's logged metrics."""
    out = {}
    for key, value in metrics.items():
        parts = str(key).split("/")
        if len(parts) == 4 and parts[0] == "stats" and parts[3] == "delta" and value == value:
            out[parts[2]] = float(value)
    return out


def adjust_family(members: dict[str, dict[str, float]], deltas: dict[str, dict[str, float]] | None = None,
                  alpha: float = ALPHA) -> pd.DataFrame:
    """One row per (member, task): p_value, p_family (Holm over every test of every member), the delta and
    significant_drop (p_family < alpha and the delta below 0)."""
    rows = [{"member": m, "task": t, "p_value": p} for m, tests in members.items() for t, p in tests.items()]
    frame = pd.DataFrame(rows, columns=["member", "task", "p_value"])
    frame["p_family"] = holm(frame["p_value"].to_numpy(dtype=float)) if len(frame) else []
    deltas = deltas or {}
    frame["delta"] = [deltas.get(m, {}).get(t) for m, t in zip(frame["member"], frame["task"])]
    frame["significant_drop"] = [bool(p < alpha and d is not None and d == d and d < 0)
                                 for p, d in zip(frame["p_family"], frame["delta"])]
    return frame


def describe(frame: pd.DataFrame, what: str) -> str:
    """The family and the method, for the parent run's tag."""
    members = frame["member"].nunique() if len(frame) else 0
    return (f"{METHOD}: step-down Holm over all {len(frame)} paired task tests of the {members} {what} "
            f"(family-wise error {ALPHA:g})")


def family_metrics(frame: pd.DataFrame) -> dict[str, float]:
    """Counts for the parent run: tests in the family and significant drops after the family's correction."""
    return {"family/tests": float(len(frame)), "family/significant_drops": float(frame["significant_drop"].sum())
            if len(frame) else 0.0, "family/min_p_family": float(frame["p_family"].min()) if len(frame) else 1.0}
