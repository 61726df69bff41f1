"""The report shows what each run compared (issue 26): compression, reference, KV-cache and combinations each get
a row with the evaluated model's scores, its setting and its retention against what it was compared with."""

from __future__ import annotations

import pandas as pd
import pytest

from acbench.config import load_config
from acbench.report.stats_table import task_stats_table
from acbench.report.tables import comparison_kind, comparison_table, display, normalise_runs


def _run(i: int, flat: dict, base: float, comp: float | None, extra: dict | None = None) -> dict:
    """One finished run as MLflow's search_runs frame has it: the params run_experiment logs, needle scores."""
    params = load_config({"tasks": "needle", **flat}).flat_params()
    row = {"run_id": f"r{i}", "start_time": i, "status": "FINISHED",
           "metrics.base/long_context/score": base, **{f"metrics.{k}": v for k, v in (extra or {}).items()}}
    if comp is not None:
        row.update({"metrics.compressed/long_context/score": comp, "metrics.retention/long_context": comp / base,
                    "metrics.retention/overall": comp / base})
    row.update({f"params.{k}": str(v) for k, v in params.items()})
    return row


def _runs() -> pd.DataFrame:
    return normalise_runs(pd.DataFrame([
        _run(0, {"method": "gptq"}, 88.47, 80.0, {"model/size_mb": 100.0, "model/original_size_mb": 270.0}),
        _run(1, {"method": "none", "kv_bits": "4"}, 88.47, 79.26),
        _run(2, {"method": "none", "model": "/ckpts/smollm2-w4", "reference": "smollm2-135m"}, 88.47, 74.18,
             {"model/size_mb": 90.0, "model/reference_size_mb": 270.0}),
        _run(3, {"method": "gptq", "kv_bits": "8"}, 88.47, 70.0, {"model/size_mb": 100.0}),
        _run(4, {"method": "none"}, 88.0, None, {"model/size_mb": 270.0}),
    ]))


def test_comparison_kinds():
    assert comparison_kind("gptq") == "compression"
    assert comparison_kind("gptq", None, "4") == "compression"  # a combination is still a compression run
    assert comparison_kind("none", "smollm2-135m") == "reference"
    assert comparison_kind("none", None, "4") == "kv_cache"
    assert comparison_kind("none", None, "16") == comparison_kind("none") == "single"


def test_every_run_type_gets_a_row_with_its_setting_scores_and_retention():
    table = comparison_table(_runs())
    rows = {(r["model"], r["method"], r["setting"]): r for _, r in table.iterrows()}
    # compression: the compressed checkpoint against its original
    gptq = rows[("smollm2-135m", "gptq", "W4 g64")]
    assert gptq["long_context"] == 80.0 and gptq["retention/long_context"] == pytest.approx(80.0 / 88.47)
    assert gptq["compared_with"] == "original"
    # KV cache: the same weights under a 4-bit cache, with its retention (it used to show as a base row)
    kv = rows[("smollm2-135m", "none", "KV4")]
    assert kv["long_context"] == 79.26 and kv["retention/overall"] == pytest.approx(79.26 / 88.47)
    assert kv["compared_with"] == "original at KV16"
    # reference: the evaluated checkpoint under its own name, against the reference
    ref = rows[("/ckpts/smollm2-w4", "none", "vs smollm2-135m")]
    assert ref["long_context"] == 74.18 and ref["retention/long_context"] == pytest.approx(74.18 / 88.47)
    assert ref["compared_with"] == "smollm2-135m" and ref["size_mb"] == 90.0
    # a combination: compression and a quantized KV cache
    combo = rows[("smollm2-135m", "gptq", "W4 g64 + KV8")]
    assert combo["long_context"] == 70.0 and combo["retention/long_context"] == pytest.approx(70.0 / 88.47)
    # the original rows: one per model compared against, never the evaluated checkpoint's name
    bases = table[table["method"] == "base"]
    assert list(bases["model"]) == ["smollm2-135m"]
    assert bases.iloc[0]["long_context"] == 88.0  # the latest run that logged it (the single run)
    assert not any(m == "/ckpts/smollm2-w4" for m in bases["model"])
    shown = display(table)
    assert set(shown["setting"]) == {"original", "W4 g64", "KV4", "vs smollm2-135m", "W4 g64 + KV8"}


def test_the_per_task_table_includes_reference_and_kv_runs_with_the_small_n_note():
    stats = {"stats/long_context/needle/p_value": 0.5, "stats/long_context/needle/n": 4.0,
             "stats/long_context/needle/mde": 38.2, "stats/long_context/needle/base": 88.47}
    runs = normalise_runs(pd.DataFrame([
        _run(0, {"method": "none", "kv_bits": "4"}, 88.47, 79.26, stats),
        _run(1, {"method": "none", "model": "/ckpts/smollm2-w4", "reference": "smollm2-135m"}, 88.47, 74.18, stats),
    ]))
    frame = task_stats_table(runs)
    assert list(frame["setting"]) == ["KV4", "vs smollm2-135m"]
    assert frame.iloc[0]["too_few_items"] == ("too few items (4) to detect a drop of 10 points "
                                              "(detectable at 80 % power: 38.2)")
