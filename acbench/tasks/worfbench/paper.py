"""Paper scoring for WorfBench: the node chain and graph P/R/F1 the ACBench paper's evaluator gives.

    from acbench.tasks.worfbench.paper import score_paper
    score_paper(prediction_text, gold_text, similarity)
    # {'node_precision': ..., ..., 'graph_f1': ..., 'paper_reason': None}

Rules (specs/paper-scoring.md §1, upstream zjunlp/WorfBench `node_eval.py` and `graph_evaluator.py`),
quirks included: nodes are every `digits[:.] text` line anywhere in the text, edges keep the raw numbers
written, START/END are nodes 0 and n+1 of both lists, graph F1 pairs edges by index (not through the
matching) and counts START/END, the node chain starts its LIS at 1. Where upstream crashes, skips or asserts,
the item scores 0 with a `paper_reason` instead. `similarity(a, b)` must compute the matrix as upstream
does (`Embedder.upstream_similarity`); tests pass a fake.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice

import networkx as nx
import numpy as np

from acbench.scoring.matching import lis_length, upstream_matching

Similarity = Callable[[list[str], list[str]], np.ndarray]

MATCH_THRESHOLD = 0.6
MAX_ORDERS = 20  # topological orders tried, the first ones in networkx's order
SINGLE_SEQUENCE_MIN_NODES = 10  # gold lists (START/END included) this long are used as written, START/END kept
FIELDS = ("node_precision", "node_recall", "node_f1", "graph_precision", "graph_recall", "graph_f1")
ANCHORS = ("START", "END")

# Upstream's node pattern is `digits, [:.], one space, the rest of the line`. Matching a single digit
# before the separator finds the same lines and the same text (a longer digit run cannot change where the
# separator is) but stays linear on a megabyte of digits, where the `\d+` form backtracks quadratically.
_NODE = re.compile(r"\d[:.] ([^\n]+)")
_EDGE = re.compile(r"\(\s*(\d+|START)\s*,\s*(\d+|END)\s*\)")  # case-sensitive, as upstream


@dataclass
class PaperWorkflow:
    """Parsed as upstream parses: nodes = [START, *texts, END], edges = raw (a, b) pairs in written order."""

    nodes: list[str]
    edges: list[tuple[int, int]]


def parse_paper(text: str) -> PaperWorkflow | None:
    """Upstream's `workflow_to_graph_list`; None where it returns [] (the item is skipped = scores 0).

    No `Node` substring, no edge, or an edge number `int()` refuses (over Python's digit limit) = None.
    """
    if not isinstance(text, str) or "Node" not in text:
        return None
    nodes = ["START", *(m.group(1).strip() for m in _NODE.finditer(text)), "END"]
    edges = []
    for a, b in _EDGE.findall(text):
        try:
            edges.append((0 if a == "START" else int(a), len(nodes) - 1 if b == "END" else int(b)))
        except ValueError:  # upstream's try/except turns this into an unparseable item
            return None
    return PaperWorkflow(nodes, edges) if edges else None


def gold_sequences(gold: PaperWorkflow) -> list[list[str]] | None:
    """Upstream's `all_topological_sorts`: the gold node sequences the chain is scored against.

    Lists of >= 10 entries are used whole, START and END still in. Otherwise the first 20 topological sorts
    (networkx order, vertices 0..n+1 added in order) with entries whose text is START/END removed. None
    where upstream fails: a cycle, or an edge to an index past the list. Sorts are taken lazily: the first
    20 are the same as those of the full list upstream builds.
    """
    if len(gold.nodes) >= SINGLE_SEQUENCE_MIN_NODES:
        return [list(gold.nodes)]
    if any(max(a, b) >= len(gold.nodes) for a, b in gold.edges):
        return None
    graph = nx.DiGraph()
    graph.add_nodes_from(range(len(gold.nodes)))
    graph.add_edges_from(gold.edges)
    if not nx.is_directed_acyclic_graph(graph):
        return None
    return [[gold.nodes[i] for i in order if gold.nodes[i] not in ANCHORS]
            for order in islice(nx.all_topological_sorts(graph), MAX_ORDERS)]


Scores = tuple[float, float, float]


def _match(similarity: Similarity, pred: list[str], gold: list[str]) -> dict[int, int]:
    return upstream_matching(np.asarray(similarity(pred, gold), dtype=np.float64), MATCH_THRESHOLD)


def node_chain_paper(pred: PaperWorkflow, sequences: list[list[str]], similarity: Similarity) -> tuple[Scores, str | None]:
    """Upstream's `t_eval_nodes`: best (P, R, F1) over gold sequences, first strictly better kept."""
    pred_nodes = [t for t in pred.nodes if t not in ANCHORS]
    if not pred_nodes:
        return (0.0, 0.0, 0.0), "no_node_lines"  # upstream: empty encode / max() of nothing
    best, best_f1 = (0.0, 0.0, 0.0), 0.0
    cache: dict[tuple[str, ...], Scores] = {}  # a text sequence scores the same twice
    for sequence in sequences:
        if not sequence:
            return (0.0, 0.0, 0.0), "gold_no_nodes"  # upstream divides by len(gold) = 0
        key = tuple(sequence)
        if key not in cache:
            mapping = _match(similarity, pred_nodes, sequence)
            matched = [mapping[i] for i in range(len(pred_nodes)) if i in mapping]
            correct = max(1, lis_length(matched))  # upstream's dp starts every position at 1
            recall, precision = correct / len(sequence), correct / len(pred_nodes)
            cache[key] = (precision, recall, 2 * recall * precision / (recall + precision))
        if cache[key][2] > best_f1:
            best, best_f1 = cache[key], cache[key][2]
    return best, None


def _largest_component(vertices: list[int], edges: list[tuple[int, int]]) -> int:
    graph = nx.Graph()
    graph.add_nodes_from(vertices)
    graph.add_edges_from(edges)
    return max(len(c) for c in nx.connected_components(graph))


def graph_paper(pred: PaperWorkflow, gold: PaperWorkflow, similarity: Similarity) -> tuple[Scores, str | None]:
    """Upstream's `t_eval_graph`: LCC of index-pair public edges over matched nodes, /(n+2) each side."""
    mapping = _match(similarity, pred.nodes, gold.nodes)
    if not mapping:
        return (0.0, 0.0, 0.0), "no_match"  # upstream: max() of no component
    matched_pred, matched_gold = set(mapping), set(mapping.values())
    gold_edges = {e for e in gold.edges if e[0] in matched_gold and e[1] in matched_gold}
    public = [e for e in pred.edges if e[0] in matched_pred and e[1] in matched_pred and e in gold_edges]
    precision = _largest_component(sorted(matched_pred), public) / len(pred.nodes)
    recall = _largest_component(sorted(matched_gold), public) / len(gold.nodes)
    if precision + recall == 0:
        return (0.0, 0.0, 0.0), "no_match"
    return (precision, recall, 2 * precision * recall / (precision + recall)), None


def score_paper(prediction: str, gold_text: str | PaperWorkflow, similarity: Similarity) -> dict:
    """The six paper scores of one item and `paper_reason` (None, or why upstream would give no number)."""
    gold = gold_text if isinstance(gold_text, PaperWorkflow) else parse_paper(gold_text)
    zero = dict.fromkeys(FIELDS, 0.0)
    pred = parse_paper(prediction)
    if pred is None:  # upstream skips the item before it looks at the gold
        return {**zero, "paper_reason": "unparseable"}
    if gold is None:
        return {**zero, "paper_reason": "gold_unparseable"}  # upstream crashes in both scores
    sequences = gold_sequences(gold)
    if sequences is None:
        node, node_reason = (0.0, 0.0, 0.0), "gold_not_sortable"
    else:
        node, node_reason = node_chain_paper(pred, sequences, similarity)
    graph, graph_reason = graph_paper(pred, gold, similarity)
    reasons = [r for r in dict.fromkeys((node_reason, graph_reason)) if r]
    return {**dict(zip(FIELDS, (*node, *graph))), "paper_reason": ",".join(reasons) or None}


def gold_problem(gold_text: str) -> str | None:
    """Why upstream's evaluator would fail on this gold (`gold_unparseable`, `gold_not_sortable`), or None."""
    gold = parse_paper(gold_text)
    if gold is None:
        return "gold_unparseable"
    sequences = gold_sequences(gold)
    if sequences is None:
        return "gold_not_sortable"
    return "gold_no_nodes" if any(not s for s in sequences) else None
