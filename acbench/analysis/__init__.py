"""How a compressed model differs from its original: ERank, top-k ranking consistency, energy.

    from acbench.analysis import compare_models
    result = compare_models(original_engine, compressed_engine)   # AnalysisResult(metrics, tables, figures, info)

The functions `erank` and `energy` live in the submodules of the same name (not re-exported here,
so that `acbench.analysis.erank` stays the module). See README.md here for definitions and names.
"""

from acbench.analysis.compare import AnalysisError, AnalysisResult, compare_models
from acbench.analysis.energy import position_buckets
from acbench.analysis.erank import diff_erank, weight_erank, weight_erank_per_layer
from acbench.analysis.texts import TEXTS_VERSION, load_records, load_texts, texts_digest
from acbench.analysis.topk import consistency_by_k, kendall_tau_b, spearman_rho, topk_consistency

__all__ = [
    "AnalysisError",
    "AnalysisResult",
    "TEXTS_VERSION",
    "compare_models",
    "consistency_by_k",
    "diff_erank",
    "kendall_tau_b",
    "load_records",
    "load_texts",
    "position_buckets",
    "spearman_rho",
    "texts_digest",
    "topk_consistency",
    "weight_erank",
    "weight_erank_per_layer",
]
