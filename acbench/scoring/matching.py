"""Matching of predicted to gold steps: maximum-weight bipartite matching, then the longest increasing
subsequence (LIS) of matched gold indices in prediction order. Used by T-Eval plan and WorfBench.

Two matchings: `max_weight_matching` (scipy, acbench's `_strict` rules) and `upstream_matching` (networkx's
blossom algorithm on the graph the upstream evaluators build, for paper scoring: ties resolve as theirs do).
"""

from __future__ import annotations

from bisect import bisect_left

import numpy as np
from scipy.optimize import linear_sum_assignment


def max_weight_matching(similarity: np.ndarray, threshold: float) -> dict[int, int]:
    """Map predicted index -> gold index, maximising total similarity over pairs with similarity > threshold."""
    sim = np.asarray(similarity, dtype=float)
    if sim.size == 0:
        return {}
    weights = np.where(sim > threshold, sim, 0.0)
    rows, cols = linear_sum_assignment(weights, maximize=True)
    return {int(r): int(c) for r, c in zip(rows, cols) if weights[r, c] > 0}


def upstream_matching(similarity: np.ndarray, threshold: float) -> dict[int, int]:
    """Predicted index -> gold index exactly as WorfBench's `match_node` and T-Eval's plan evaluator match.

    An undirected graph with vertex `i` per predicted row and `str(j)` per gold column, one edge weighted by
    the similarity per pair above `threshold`, added row-major; `networkx.max_weight_matching` with its
    defaults (maximum weight, not maximum cardinality). Equal weights (repeated texts) resolve by the
    blossom algorithm for this insertion order, so the order of `add_edge` calls is part of the metric.
    Unmatched predicted rows are absent from the result (upstream maps them to -1).
    """
    import networkx as nx

    sim = np.asarray(similarity, dtype=np.float64)
    graph = nx.Graph()
    for i in range(sim.shape[0]):
        for j in range(sim.shape[1] if sim.ndim == 2 else 0):
            if sim[i, j] > threshold:
                graph.add_edge(i, str(j), weight=sim[i, j])
    mapping: dict[int, int] = {}
    for a, b in nx.max_weight_matching(graph):
        pred, gold = (a, b) if isinstance(a, int) else (b, a)
        mapping[int(pred)] = int(gold)
    return mapping


def lis_length(sequence: list[int]) -> int:
    """Length of the longest strictly increasing subsequence (patience sorting, O(n log n))."""
    tails: list[int] = []
    for x in sequence:
        i = bisect_left(tails, x)
        if i == len(tails):
            tails.append(x)
        else:
            tails[i] = x
    return len(tails)


def precision_recall_f1(hits: float, n_pred: int, n_gold: int) -> tuple[float, float, float]:
    """P = hits/|pred|, R = hits/|gold|, F1 their harmonic mean (0 when either is 0)."""
    p = hits / n_pred if n_pred else 0.0
    r = hits / n_gold if n_gold else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f1
