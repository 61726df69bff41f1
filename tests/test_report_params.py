"""The report's key is every result-deciding run parameter (acbench.config.PARAMS), not a hand-kept list."""

from __future__ import annotations

import pandas as pd

from acbench.config import PARAMS, load_config
from acbench.report.tables import _PARAMS, comparison_table, normalise_runs


def _raw(runs: list[dict]) -> pd.DataFrame:
    """MLflow's search_runs frame for finished runs that logged `params` and a compressed/base needle score."""
    rows = []
    for i, (params, score) in enumerate(runs):
        row = {"run_id": f"r{i}", "start_time": i, "status": "FINISHED",
               "metrics.compressed/long_context/score": score, "metrics.base/long_context/score": 90.0,
               "metrics.retention/long_context": score / 90.0}
        row.update({f"params.{k}": str(v) for k, v in params.items()})
        rows.append(row)
    return pd.DataFrame(rows)


def _logged(**flat) -> dict:
    """The params run_experiment logs for these flat settings (RunConfig.flat_params)."""
    return load_config({"tasks": "needle", **flat}).flat_params()


def test_the_report_reads_every_result_deciding_param_and_no_other():
    assert set(_PARAMS) == {name for name, p in PARAMS.items() if p.result}
    assert {"calib_samples", "dampening", "symmetric", "kv_bits", "reference", "dtype"} <= set(_PARAMS)
    assert not {"batch_size", "tensor_parallel", "experiment"} & set(_PARAMS)


def test_runs_that_differ_only_in_calibration_dampening_or_symmetric_are_not_merged():
    runs = normalise_runs(_raw([
        (_logged(method="gptq", calib_samples="16"), 60.0),
        (_logged(method="gptq", calib_samples="64"), 80.0),
        (_logged(method="gptq", dampening="0.1"), 70.0),
        (_logged(method="rtn", symmetric="false"), 50.0),
        (_logged(method="rtn"), 40.0),
        (_logged(method="rtn"), 45.0),  # a rerun of the same configuration: merges (latest wins)
    ]))
    table = comparison_table(runs)
    rows = dict(zip(table["setting"], table["long_context"]))
    assert rows == {"original": 90.0,
                    "W4 g64 (calib_samples=16, dampening=0.01)": 60.0,
                    "W4 g64 (calib_samples=64, dampening=0.01)": 80.0,
                    "W4 g64 (calib_samples=16, dampening=0.1)": 70.0,
                    "W4 g64 (symmetric=False)": 50.0,
                    "W4 g64 (symmetric=True)": 45.0}


def test_one_configuration_keeps_its_plain_label_and_mlflow_empties_are_missing():
    params = {**_logged(method="gptq"), "sparsity": "''"}  # `mlflow run` logged the -P default ''
    runs = normalise_runs(_raw([(params, 60.0), (_logged(method="gptq"), 62.0)]))
    assert list(runs["variant"]) == ["", ""] and runs["sparsity"].isna().all()
    table = comparison_table(runs)
    assert list(table["setting"]) == ["original", "W4 g64"] and table["long_context"].iloc[1] == 62.0
