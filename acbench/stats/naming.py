"""Metric names of the statistics, in one place (the run logs them, the report and sweeps read them).

    stats/<capability>/<task>/{base,compressed,delta,retention}[_lo|_hi]   per task
    stats/<capability>/<task>/{p_value,p_holm,mde,n,floor,p_floor,significant_drop}
    stats/<capability>/{base,compressed,delta,retention}[_lo|_hi]          per capability
    stats/overall/{base,compressed,delta,retention}[_lo|_hi]               mean over capabilities
"""

from __future__ import annotations

from acbench.metrics import parse_capability_metric

BOUNDS = ("lo", "hi")


def task_prefix(capability: str, task: str) -> str:
    return f"stats/{capability}/{task}"


def interval_metrics(prefix: str, quantity: str, value: tuple[float, float, float]) -> dict[str, float]:
    est, lo, hi = value
    return {f"{prefix}/{quantity}": est, f"{prefix}/{quantity}_lo": lo, f"{prefix}/{quantity}_hi": hi}


def bound_metric(metric: str, bound: str, task_capability: dict[str, str] | None = None) -> str:
    """The interval bound standing for a point metric: `retention/overall` + lo -> `stats/overall/retention_lo`.

    Understood: `retention/overall`, `retention/<capability>`, `retention/task/<task>` (with
    `task_capability`), `compressed/<capability>/score` and `base/<capability>/score` (also the older
    `<capability>/score`, -> compressed score). Anything else is a ValueError.
    """
    if bound not in BOUNDS:
        raise ValueError(f"bound must be one of {BOUNDS}, got {bound!r}")
    parts = metric.split("/")
    if parts[0] == "retention" and len(parts) == 3 and parts[1] == "task":
        cap = (task_capability or {}).get(parts[2])
        if cap is None:
            raise ValueError(f"unknown task in '{metric}'")
        return f"{task_prefix(cap, parts[2])}/retention_{bound}"
    if parts[0] == "retention" and len(parts) == 2:
        return f"stats/{parts[1]}/retention_{bound}"
    if (role_cap := parse_capability_metric(metric)) is not None:  # `<role>/<capability>/score`
        return f"stats/{role_cap[1]}/{role_cap[0]}_{bound}"
    if len(parts) == 2 and parts[1] == "score":  # the name before roles were explicit: the compressed model
        return f"stats/{parts[0]}/compressed_{bound}"
    raise ValueError(f"no interval bound for metric '{metric}': use retention/overall, retention/<capability>, "
                     "retention/task/<task> or <capability>/score")
