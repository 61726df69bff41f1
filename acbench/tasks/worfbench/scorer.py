"""WorfEval: node chain and graph precision/recall/F1 of a predicted workflow against the gold one.

    from acbench.scoring.embeddings import get_embedder
    from acbench.tasks.worfbench.scorer import score_workflow
    score_workflow(prediction_text, gold_text, get_embedder().similarity)
    # {'node_precision': ..., 'node_recall': ..., 'node_f1': ..., 'graph_precision': ..., ..., 'parse_error': None}

`similarity(a, b)` is any function returning the len(a) x len(b) matrix of clamped cosine similarities
(`Embedder.similarity`); tests pass a fake one so scores can be worked out by hand.
"""

from __future__ import annotations

from collections.abc import Callable

import networkx as nx
import numpy as np

from acbench.scoring.matching import lis_length, max_weight_matching, precision_recall_f1
from acbench.tasks.worfbench.graph import Workflow, WorkflowParseError, gold_orders, parse_workflow

Similarity = Callable[[list[str], list[str]], np.ndarray]

MATCH_THRESHOLD = 0.6  # a predicted and a gold node match when their cosine similarity exceeds this
_TIE_BREAK = 1e-6  # among equal similarities, prefer pairs at the same relative position (see match_nodes)

FIELDS = ("node_precision", "node_recall", "node_f1", "graph_precision", "graph_recall", "graph_f1")


def match_nodes(sim: np.ndarray, gold_rank: list[int] | None = None, threshold: float = MATCH_THRESHOLD) -> dict[int, int]:
    """Maximum-weight bipartite matching of predicted rows to gold columns over pairs with sim > threshold.

    `gold_rank[j]` is gold node j's place in the order being scored (default: written order). Equal
    similarities (e.g. a subtask that occurs twice, like 'go to the countertop') are resolved towards
    predicted and gold nodes at the same relative place, so duplicates do not cross by accident.
    """
    n_pred, n_gold = sim.shape
    if n_pred == 0 or n_gold == 0:
        return {}
    rank = np.asarray(gold_rank if gold_rank is not None else range(n_gold), dtype=float)
    pred_pos = np.arange(n_pred) / max(n_pred - 1, 1)
    gold_pos = rank / max(n_gold - 1, 1)
    distance = np.abs(pred_pos[:, None] - gold_pos[None, :])  # in [0, 1]
    # Eligibility is decided on the raw similarity; the nudge only orders otherwise-equal pairs.
    weights = np.where(sim > threshold, sim - _TIE_BREAK * distance, 0.0)
    return max_weight_matching(weights, threshold=0.0)


def node_chain_scores(pred: Workflow, gold: Workflow, sim: np.ndarray) -> tuple[float, float, float]:
    """Best (P, R, F1) over the gold node orders: LIS of matched gold ranks in predicted order."""
    best = (0.0, 0.0, 0.0)
    for order in gold_orders(gold):
        rank = [0] * len(gold.nodes)
        for place, position in enumerate(order):
            rank[position - 1] = place
        mapping = match_nodes(sim, rank)
        ranks_in_pred_order = [rank[mapping[i]] for i in range(len(pred.nodes)) if i in mapping]
        scores = precision_recall_f1(lis_length(ranks_in_pred_order), len(pred.nodes), len(gold.nodes))
        if scores[2] > best[2]:
            best = scores
    return best


def graph_scores(pred: Workflow, gold: Workflow, sim: np.ndarray) -> tuple[float, float, float]:
    """(P, R, F1) from the largest connected component of correctly placed predicted edges.

    A predicted edge counts when both ends map to gold nodes (START to START, END to END, subtasks by
    the node matching) and the mapped edge is a gold edge. START and END connect components (so parallel
    branches joined only at START/END form one), but only subtasks are counted, in the component and in
    |pred| and |gold|: a perfect answer scores 1, an answer with no matched subtask 0.
    """
    mapping = {i + 1: j + 1 for i, j in match_nodes(sim).items()}
    mapping[0], mapping[pred.end] = 0, gold.end
    kept = nx.Graph()
    for a, b in pred.edges:
        if a in mapping and b in mapping and (mapping[a], mapping[b]) in gold.edges:
            kept.add_edge(mapping[a], mapping[b])
    anchors = {0, gold.end}
    hits = max((len(component - anchors) for component in nx.connected_components(kept)), default=0)
    return precision_recall_f1(hits, len(pred.nodes), len(gold.nodes))


def score_workflow(prediction: str, gold_text: str | Workflow, similarity: Similarity) -> dict:
    """All six scores for one item, plus `parse_error` (None, or why the prediction scored 0)."""
    try:
        gold = gold_text if isinstance(gold_text, Workflow) else parse_workflow(gold_text)
    except WorkflowParseError as err:  # loadable for paper scoring only (the loader warns): 0 here
        return {**dict.fromkeys(FIELDS, 0.0), "n_pred_nodes": 0, "n_gold_nodes": 0, "parse_error": f"gold: {err}"}
    try:
        pred = parse_workflow(prediction)
    except WorkflowParseError as err:
        return {**dict.fromkeys(FIELDS, 0.0), "n_pred_nodes": 0, "n_gold_nodes": len(gold.nodes), "parse_error": str(err)}
    sim = np.asarray(similarity(pred.nodes, gold.nodes), dtype=float)
    node_p, node_r, node_f1 = node_chain_scores(pred, gold, sim)
    graph_p, graph_r, graph_f1 = graph_scores(pred, gold, sim)
    return {
        "node_precision": node_p,
        "node_recall": node_r,
        "node_f1": node_f1,
        "graph_precision": graph_p,
        "graph_recall": graph_r,
        "graph_f1": graph_f1,
        "n_pred_nodes": len(pred.nodes),
        "n_gold_nodes": len(gold.nodes),
        "parse_error": None,
    }
