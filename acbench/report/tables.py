"""Comparison tables from tracked runs, in the paper's layout: rows model x method (+ setting), columns
capability scores and retention; and a same-memory-budget table (score versus weight size).

    runs = collect_runs(["acbench"])          # one row per finished run, params + metrics
    table = comparison_table(runs)             # numbers, one row per model/method/setting (+ a base row)
    print(to_markdown(display(table)))         # rounded, retention in %
    budget = budget_table(table)               # sorted by size; `best_at_size`: nothing smaller scores higher

Several runs of one configuration and seed (task subsets run separately, reruns) merge: for each column the
latest run that logged it wins. A configuration is every logged parameter that can move a result
(acbench.config.PARAMS): runs that differ only in one the label does not show (calib_samples, dampening,
symmetric, kv_bits, ...) get their own rows, the difference named in `setting`, e.g. `W4 g64 (calib_samples=64)`. Repeats over calibration seeds then average into one row, with the spread
across seeds beside the per-item interval (`<column>_sd`, `seeds`). Intervals come from each run's paired
statistics (`stats/...`, acbench/stats/README.md) as `<column>_lo` / `<column>_hi`.

Every run that compared two models gets a row of the model it evaluated (`compressed/<capability>/score`), with
its retention against what it was compared with (`run_setting`): a compression (`W4 g64`), a reference run
(the evaluated model under its own name, `vs <reference>`), a KV-cache run (`KV4`), or a combination
(`W4 g64 + KV8`); `compared_with` names the other side. The base row of a model comes from `base/<capability>/score`
of the runs that compared against it (a reference run's base is its reference; sizes `model/original_size_mb`,
`model/reference_size_mb`) and of its single `method=none` runs (size `model/size_mb`). Every capability
score is on 0-100 (acbench/metrics.py), so the `score` column (their mean) averages like with like.
"""

from __future__ import annotations

import re

import pandas as pd

from acbench import metrics as names
from acbench.compression.methods import LabelArgs, method_parts
from acbench.config import PARAMS
from acbench.tasks.base import CAPABILITIES

KEY = ["model", "method", "setting", "profile"]
# Every logged run parameter that can move a result (acbench.config.PARAMS; speed and bookkeeping are left out).
_PARAMS = [name for name, param in PARAMS.items() if param.result]
# What a row's label shows (`setting`) or merges on purpose: seeds average, task subsets and limits combine.
_LABELLED = ("model", "method", "bits", "group_size", "sparsity", "pattern", "profile", "seed", "tasks", "limit",
             "reference", "kv_bits")  # the last two: in `setting` and `compared_with` (`run_setting`)
# Any other result-deciding param in which runs of one label differ is named in the row (`variant`), so runs
# that differ only in e.g. calib_samples, dampening, symmetric or kv_bits are never merged.
_VARIANT = [name for name in _PARAMS if name not in _LABELLED]
_EMPTY = ("", "''", '""')  # how `mlflow run` logs a -P parameter left at its empty default
STATS_TAG = "acbench.stats."
_LEGACY = re.compile(r"^([a-z_]+)/score$")  # acbench 0.1: `<capability>/score`, mixed scales
_SKIP_KINDS = {"sweep", "sweep-invocation", "report", "grid"}


def collect_runs(experiments: list[str]) -> pd.DataFrame:
    """Finished compress/evaluate runs of the experiments: run_id, start_time, params, metrics (no prefixes)."""
    from acbench import tracking

    raw = tracking.search_runs(experiments)
    return normalise_runs(raw)


def normalise_runs(raw: pd.DataFrame) -> pd.DataFrame:
    """Keep FINISHED runs that have a method (not sweep parents or reports); strip the column prefixes."""
    if raw.empty or "params.method" not in raw:
        return pd.DataFrame(columns=["run_id", "start_time", *_PARAMS, "variant"])
    frame = raw[(raw["status"] == "FINISHED") & raw["params.method"].notna()]
    if "tags.acbench.kind" in frame:
        frame = frame[~frame["tags.acbench.kind"].isin(_SKIP_KINDS)]
    out = pd.DataFrame({"run_id": frame["run_id"], "start_time": frame["start_time"]})
    for name in _PARAMS:
        # `mlflow run` logs its -P values first (an empty default as ''); acbench then logs the value it
        # actually used under `resolved.<name>` (MLflow params cannot change), which wins here.
        value, resolved = frame.get(f"params.{name}"), frame.get(f"params.resolved.{name}")
        if resolved is not None:
            value = resolved if value is None else resolved.combine_first(value)
        out[name] = value.where(~value.isin(_EMPTY), None) if value is not None else None
    out["variant"] = _variants(out)
    metrics = frame[[c for c in frame.columns if c.startswith("metrics.")]]
    metrics.columns = [c[len("metrics."):] for c in metrics.columns]
    # acbench.stats.<task> = measured | floor | no_items ...: kept under the tag's own name
    tags = frame[[c for c in frame.columns if c.startswith("tags." + STATS_TAG)]]
    tags.columns = [c[len("tags."):] for c in tags.columns]
    return pd.concat([out, metrics, tags], axis=1).sort_values("start_time").reset_index(drop=True)


def _variants(runs: pd.DataFrame) -> pd.Series:
    """Per run, `name=value` of each `_VARIANT` param whose logged values differ among the runs that share its
    label (model, method, bits, group size, sparsity, pattern, profile); '' when they all agree."""
    variant = pd.Series("", index=runs.index, dtype=object)
    label = ["model", "method", "bits", "group_size", "sparsity", "pattern", "profile"]
    for _, group in runs.groupby(label, sort=False, dropna=False):
        values = group[_VARIANT].astype(object)
        text = values.where(values.notna(), "None").astype(str)  # not logged (NaN) reads like None
        differing = [name for name in _VARIANT if text[name].nunique() > 1]
        variant[group.index] = [", ".join(f"{n}={text.at[i, n]}" for n in differing) for i in group.index]
    return variant


def setting(method: str, bits=None, group_size=None, sparsity=None, pattern=None) -> str:
    """A short label of what the method did: `W4 g64`, `W8A8`, `50%`, `2:4 + W4 g128`.

    Each method labels its own part (`Method.label`, acbench/compression/methods); the values are a run's
    logged params, read back as text or NaN, so they are tidied into `LabelArgs` first.
    """
    args = LabelArgs(
        bits=_int(bits),
        group_size=_int(group_size) if _present(group_size) else None,
        sparsity=sparsity if _present(sparsity) else None,
        pattern=str(pattern) if pattern and str(pattern) not in ("unstructured", "None", "nan") else None,
    )
    out = [part.label(args) for part in method_parts(str(method)) if part is not None]
    return " + ".join(out) or "original"


def _present(value) -> bool:
    return value is not None and str(value) not in ("None", "nan", "") and value == value


def _int(value) -> str:
    try:
        return str(int(float(value)))
    except (TypeError, ValueError):
        return str(value)


def comparison_kind(method, reference=None, kv_bits=None) -> str:
    """What a run compared (as `acbench.pairing.log_pairing` tags it): `compression` (any method), `reference`
    (method none, `model` against `reference`), `kv_cache` (method none, the model under a quantized KV
    cache) or `single` (method none alone: the original's scores only)."""
    if _present(method) and str(method) != "none":
        return "compression"
    if _present(reference):
        return "reference"
    if _present(kv_bits) and str(kv_bits) != "16":
        return "kv_cache"
    return "single"


def _short(name) -> str:
    return str(name).rstrip("/").split("/")[-1]


def run_setting(run) -> tuple[str, str, str, str]:
    """(evaluated model, its setting, compared with, base model) of a run (a row of `normalise_runs`).

    Compression: `W4 g64` against its original; a reference run: `vs <reference>` (the model as it is) against
    the reference; a KV-cache run: `KV4` against the same weights at a 16-bit cache; a quantized KV cache on top
    of any of them adds ` + KV4`. A compression with `reference` set compresses the reference's weights."""
    get = run.get if hasattr(run, "get") else lambda k, d=None: getattr(run, k, d)
    kind = comparison_kind(get("method"), get("reference"), get("kv_bits"))
    kv = get("kv_bits")
    kv_label = f"KV{kv}" if _present(kv) and str(kv) != "16" else ""
    model, reference = get("model"), get("reference")
    if kind == "compression":
        label = setting(get("method"), get("bits"), get("group_size"), get("sparsity"), get("pattern"))
        evaluated = reference if _present(reference) else model
        text = f"{label} + {kv_label}" if kv_label else label
        return evaluated, text, "original", evaluated
    if kind == "reference":
        text = f"vs {_short(reference)}" + (f" + {kv_label}" if kv_label else "")
        return model, text, _short(reference), reference
    if kind == "kv_cache":
        return model, kv_label, "original at KV16", model
    return model, "original", "", model


def capabilities(runs: pd.DataFrame) -> list[str]:
    """Capabilities with a `base/` or `compressed/<capability>/score` column, in a stable (paper) order."""
    found = {parsed[1] for c in runs.columns if (parsed := names.parse_capability_metric(c))}
    return [c for c in CAPABILITIES if c in found] + sorted(found - set(CAPABILITIES))


def legacy_runs(runs: pd.DataFrame) -> pd.Series:
    """Mask of runs logged by acbench 0.1: they hold `<capability>/score` (no role; mixed scales), a name that
    `acbench.metrics` never writes, so their numbers cannot join the report's 0-100 headlines."""
    old = [c for c in runs.columns if _LEGACY.match(c) and c.split("/")[0] in CAPABILITIES]
    if not old:
        return pd.Series(False, index=runs.index)
    return runs[old].notna().any(axis=1)


def comparison_table(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per model x method x setting x profile, plus a `base` row per model, numbers unrounded.

    Beside each capability score and retention: `_lo` / `_hi` (the run's 95 % paired interval) and, when the
    configuration ran with several seeds, `_sd` (spread across seeds); `drops` names the tasks whose drop is
    significant after Holm, `at_floor` those without a retention because the original is at its floor.
    """
    caps = capabilities(runs)
    headlines = [*caps, "score", *[f"retention/{c}" for c in caps], "retention/overall"]
    beside = [*[f"gold_nll/{c}" for c in caps], "ppl_ratio"]  # likelihood deltas beside them (acbench/likelihood/)
    values = [*headlines, *beside]
    columns = ["model", "method", "setting", "profile", "size_mb", "bits_per_weight", *headlines, "runs",
               "seeds", "drops", "at_floor", "compared_with", *beside,
               *[f"{v}_{x}" for v in values for x in ("lo", "hi", "sd")], "run_id"]
    if runs.empty or not caps:
        return pd.DataFrame(columns=columns)
    runs = with_settings(runs)
    rows = []
    compressed = runs[runs["kind"] != "single"]  # compression, reference and KV-cache runs: one row each
    for key, group in compressed.groupby([*KEY, "compared_with"], sort=False, dropna=False):
        per_seed = [_run_values(g.ffill().iloc[-1], caps) for _, g in group.groupby("seed", sort=False, dropna=False)]
        row = dict(zip([*KEY, "compared_with"], key))
        row.update(_across_seeds(per_seed, values))
        row.update({"runs": len(group), "run_id": group.iloc[-1]["run_id"]})
        rows.append(row)
    rows += _base_rows(runs, caps)
    table = pd.DataFrame(rows).reindex(columns=columns)
    table["score"] = table[caps].mean(axis=1, skipna=True)
    empty = [c for c in beside if table[c].isna().all()]  # runs without the likelihood measures: no empty columns
    table = table.drop(columns=[f"{c}{x}" for c in empty for x in ("", "_lo", "_hi", "_sd")], errors="ignore")
    table["_base"] = table["method"] != "base"
    table = table.sort_values(["model", "profile", "_base", "method", "size_mb"], ascending=[True, True, True, True, False])
    return table.drop(columns="_base").reset_index(drop=True)


def with_settings(runs: pd.DataFrame) -> pd.DataFrame:
    """`runs` with `kind`, the evaluated `model`, its `setting`, `compared_with` and `base_model` (run_setting)."""
    runs = runs.copy()
    for name in ("reference", "kv_bits", "seed"):
        if name not in runs:
            runs[name] = None
    runs["kind"] = [comparison_kind(m, r, k) for m, r, k in zip(runs["method"], runs["reference"], runs["kv_bits"])]
    described = [run_setting(row) for _, row in runs.iterrows()]
    runs["model"] = [d[0] for d in described]
    runs["setting"] = [d[1] for d in described]
    runs["compared_with"] = [d[2] for d in described]
    runs["base_model"] = [d[3] for d in described]
    if "variant" in runs:  # runs of one label that differ in another result-deciding param: their own rows
        runs["setting"] = [f"{s} ({v})" if isinstance(v, str) and v else s for s, v in zip(runs["setting"], runs["variant"])]
    return runs


def _run_values(last: pd.Series, caps: list[str]) -> dict:
    """One configuration and seed: its scores, retentions and their intervals, drops and floors."""
    out = {"size_mb": last.get("model/size_mb"), "bits_per_weight": last.get("model/bits_per_weight")}
    for c in caps:
        out[c] = last.get(names.capability_metric(names.COMPRESSED, c))
        out[f"{c}_lo"], out[f"{c}_hi"] = last.get(f"stats/{c}/compressed_lo"), last.get(f"stats/{c}/compressed_hi")
        for x in ("", "_lo", "_hi"):
            out[f"retention/{c}{x}"] = last.get(f"stats/{c}/retention{x}") if x else last.get(f"retention/{c}")
    out["retention/overall"] = last.get("retention/overall")
    out["retention/overall_lo"], out["retention/overall_hi"] = (last.get("stats/overall/retention_lo"),
                                                                last.get("stats/overall/retention_hi"))
    out["score_lo"], out["score_hi"] = last.get("stats/overall/compressed_lo"), last.get("stats/overall/compressed_hi")
    for c in caps:  # the gold likelihood's paired delta, compressed - base (nats per reference token)
        for x in ("", "_lo", "_hi"):
            out[f"gold_nll/{c}{x}"] = last.get(f"stats/{c}/gold_nll_delta{x}")
    ratio = sorted(str(k) for k in last.index if str(k).startswith("stats/language/")
                   and str(k).endswith("/perplexity_ratio") and _present(last.get(k)))
    for x in ("", "_lo", "_hi"):
        out[f"ppl_ratio{x}"] = last.get(ratio[0] + x) if ratio else None
    out["drops"] = ", ".join(t for t, d in _task_values(last, "significant_drop").items() if d == 1.0)
    n = _task_values(last, "n")
    out["at_floor"] = ", ".join(f"{t} ({_int(n.get(t))} items)" for t in _tasks_with_tag(last, "floor"))
    return out


def _task_values(last: pd.Series, name: str) -> dict[str, float]:
    """task -> `stats/<capability>/<task>/<name>` of one run."""
    out = {}
    for col, value in last.items():
        parts = str(col).split("/")
        if len(parts) == 4 and parts[0] == "stats" and parts[3] == name and _present(value):
            out[parts[2]] = float(value)
    return out


def _tasks_with_tag(last: pd.Series, status: str) -> list[str]:
    return [str(c)[len(STATS_TAG):] for c, v in last.items() if str(c).startswith(STATS_TAG) and v == status]


def _across_seeds(per_seed: list[dict], values: list[str]) -> dict:
    """The mean over seeds of every number (intervals too); `<value>_sd` across seeds when there are several."""
    frame = pd.DataFrame(per_seed)
    out = {"seeds": len(per_seed)}
    for col in frame.columns:
        if col in ("drops", "at_floor", "compared_with"):
            out[col] = "; ".join(dict.fromkeys(v for v in frame[col] if v))  # the same tasks name themselves once
            continue
        numbers = pd.to_numeric(frame[col], errors="coerce")
        out[col] = numbers.mean() if numbers.notna().any() else None
        if col in values and numbers.notna().sum() > 1:
            out[f"{col}_sd"] = numbers.std(ddof=1)
    return out


def _base_rows(runs: pd.DataFrame, caps: list[str]) -> list[dict]:
    """The original model's scores, from compressed runs' `base/...` metrics and from `method=none` runs."""
    frames = []
    comp = runs[runs["kind"] != "single"]
    if len(comp):  # the model each run compared against: a reference run's is its reference, not `model`
        sizes = [r.get("model/reference_size_mb") if r["kind"] == "reference" else
                 r.get("model/original_size_mb") if r["kind"] == "compression" else None for _, r in comp.iterrows()]
        part = pd.DataFrame({"model": comp["base_model"], "profile": comp["profile"], "start_time": comp["start_time"],
                             "run_id": comp["run_id"], "size_mb": sizes})
        for c in caps:
            part[c] = comp.get(names.capability_metric(names.BASE, c))
            part[f"{c}_lo"], part[f"{c}_hi"] = comp.get(f"stats/{c}/base_lo"), comp.get(f"stats/{c}/base_hi")
        part["score_lo"], part["score_hi"] = comp.get("stats/overall/base_lo"), comp.get("stats/overall/base_hi")
        frames.append(part)
    none = runs[runs["kind"] == "single"]
    if len(none):
        part = pd.DataFrame({"model": none["model"], "profile": none["profile"], "start_time": none["start_time"],
                             "run_id": none["run_id"], "size_mb": none.get("model/size_mb")})
        for c in caps:
            part[c] = none.get(names.capability_metric(names.BASE, c))
        frames.append(part)
    if not frames:
        return []
    base = pd.concat(frames).sort_values("start_time")
    rows = []
    for (model, profile), group in base.groupby(["model", "profile"], sort=False, dropna=False):
        last = group.ffill().iloc[-1]
        if all(pd.isna(last.get(c)) for c in caps):
            continue
        bounds = [f"{c}_{x}" for c in [*caps, "score"] for x in ("lo", "hi")]
        rows.append({"model": model, "method": "base", "setting": "original", "profile": profile,
                     "size_mb": last.get("size_mb"), "bits_per_weight": None, **{c: last.get(c) for c in caps},
                     **{b: last.get(b) for b in bounds}, "runs": len(group), "run_id": last["run_id"]})
    return rows


def budget_table(table: pd.DataFrame) -> pd.DataFrame:
    """Every row with a size, smallest first; `best_at_size` marks rows no smaller-or-equal row beats.

    Read it as a memory budget: for a budget B, the best choice is the last `best_at_size` row with
    size_mb <= B. Models and methods compete in one list (the paper's same-memory comparison).
    """
    cols = ["model", "method", "setting", "profile", "size_mb", "score", "retention/overall"]
    cols += [c for c in ("score_lo", "score_hi", "retention/overall_lo", "retention/overall_hi") if c in table]
    frame = table.dropna(subset=["size_mb", "score"])[cols].sort_values(["size_mb", "score"], ascending=[True, False])
    best, top = [], float("-inf")
    for score in frame["score"]:
        best.append(score > top)
        top = max(top, score)
    frame = frame.assign(best_at_size=best)
    return frame.reset_index(drop=True)


def display(table: pd.DataFrame) -> pd.DataFrame:
    """Rounded strings for reading: sizes 1 decimal, scores (0-100) 1, retention as a percentage with 1 decimal.

    A value with an interval reads `0.400 [0.310, 0.490]`; with a spread across seeds, ` ±0.010` follows.
    The `_lo`, `_hi` and `_sd` columns themselves are folded into their value's cell.
    """
    out = pd.DataFrame(index=table.index)
    extra = {c for c in table.columns if str(c).endswith(("_lo", "_hi", "_sd")) and str(c)[:-3] in table.columns}
    for col in table.columns:
        if col in extra:
            continue
        values = table[col]
        if col == "run_id":
            out[col] = values.astype(str).str[:8]
        elif col.startswith("gold_nll/"):
            out[f"ΔNLL {col.split('/', 1)[1]}"] = _with_interval(table, col, 3)
        elif col == "ppl_ratio":
            out["ppl ×"] = _with_interval(table, col, 3)
        elif col.startswith("retention/"):
            out[f"ret. {col.split('/', 1)[1]} %"] = _with_interval(table, col, 1, 100.0)
        elif col in ("size_mb", "bits_per_weight"):
            out[col] = [_fmt(v, 1 if col == "size_mb" else 2) for v in values]
        elif col in ("runs", "seeds"):
            out[col] = [_int(v) if _present(v) else "" for v in values]
        elif pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            out[col] = _with_interval(table, col, 1)  # the capability scores and their mean, on 0-100
        else:
            out[col] = values.where(values.notna(), "") if values.dtype == object else values
    return out


def _with_interval(table: pd.DataFrame, col: str, digits: int, scale: float = 1.0) -> list[str]:
    def num(name, i):
        v = table[name].iloc[i] if name in table else None
        return float(v) * scale if _present(v) else None

    cells = []
    for i in range(len(table)):
        value, lo, hi, sd = num(col, i), num(f"{col}_lo", i), num(f"{col}_hi", i), num(f"{col}_sd", i)
        text = f"{value:.{digits}f}" if value is not None else ""
        if text and lo is not None and hi is not None:
            text += f" [{lo:.{digits}f}, {hi:.{digits}f}]"
        if text and sd is not None:
            text += f" ±{sd:.{digits}f}"
        cells.append(text)
    return cells


def _fmt(value, digits: int) -> str:
    return f"{float(value):.{digits}f}" if _present(value) else ""
