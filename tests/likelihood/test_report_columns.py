"""The report table shows the gold NLL delta per capability and the perplexity ratio beside the headlines."""

from __future__ import annotations

import pandas as pd

from acbench.report.tables import comparison_table, display


def _runs(with_gold: bool) -> pd.DataFrame:
    row = {"run_id": "abcdef0123", "model": "m", "method": "gptq", "bits": 4, "group_size": 64, "sparsity": None,
           "pattern": None, "profile": "quick", "seed": None, "start_time": 1, "model/size_mb": 100.0,
           "compressed/tool_use/score": 10.0, "base/tool_use/score": 11.0}
    if with_gold:
        row.update({"stats/tool_use/gold_nll_delta": 0.12, "stats/tool_use/gold_nll_delta_lo": 0.08,
                    "stats/tool_use/gold_nll_delta_hi": 0.16, "stats/language/essays/perplexity_ratio": 1.05,
                    "stats/language/essays/perplexity_ratio_lo": 1.04, "stats/language/essays/perplexity_ratio_hi": 1.06})
    return pd.DataFrame([row])


def test_gold_nll_and_perplexity_columns_beside_the_headlines():
    shown = display(comparison_table(_runs(True)))
    compressed = shown[shown["method"] == "gptq"].iloc[0]
    assert compressed["ΔNLL tool_use"] == "0.120 [0.080, 0.160]"
    assert compressed["ppl ×"] == "1.050 [1.040, 1.060]"


def test_runs_without_the_measures_get_no_empty_columns():
    shown = display(comparison_table(_runs(False)))
    assert "ΔNLL tool_use" not in shown.columns and "ppl ×" not in shown.columns
