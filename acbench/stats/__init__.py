"""Uncertainty of every base-versus-compressed comparison, from item-level scores (see README.md here).

    from acbench.stats import compare_results
    run_stats = compare_results(base_results, compressed_results)   # TaskResult.items of both models
    metrics, tags, rows = run_stats.metrics(), run_stats.tags(), run_stats.summary()

`paired.py` aligns items, `bootstrap.py` draws stratified paired resamples and builds intervals,
`inference.py` holds the tests, Holm and the MDE, `compare.py` puts them together, `naming.py` names metrics.
Repeats over calibration seeds are aggregated by the report (acbench/report/tables.py).
"""

from acbench.stats.compare import RunStats, TaskStats, compare_results
from acbench.stats.inference import floor_test, holm, mcnemar_exact, mde, paired_test, small_sample_note
from acbench.stats.naming import bound_metric
from acbench.stats.paired import PairedTask, from_arrays, pair_items

__all__ = ["PairedTask", "RunStats", "TaskStats", "bound_metric", "compare_results", "floor_test", "from_arrays",
           "holm", "mcnemar_exact", "mde", "pair_items", "paired_test", "small_sample_note"]
