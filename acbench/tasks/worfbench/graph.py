"""Workflow text <-> graph: parse `Node:` / `Edge:` answers and enumerate gold node orders.

    from acbench.tasks.worfbench.graph import parse_workflow, gold_orders
    wf = parse_workflow("Node:\\n1: boil water\\n2: grind beans\\n3: brew\\nEdge: (START,1) (START,2) (1,3) (2,3) (3,END)")
    wf.nodes   # ['boil water', 'grind beans', 'brew']
    wf.edges   # {(0, 1), (0, 2), (1, 3), (2, 3), (3, 4)}: START is 0, END is len(nodes) + 1
    gold_orders(wf)   # [[1, 2, 3], [2, 1, 3]]

Nodes are numbered by position (1..n) in the order written; edges name nodes by the labels the text
uses, which are mapped to those positions, so a model that numbers from 0 or skips a number still parses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import islice

import networkx as nx

MAX_ORDERS = 20  # topological orders of the gold DAG tried for the node chain score
# Graphs of this many nodes or more, START and END included as upstream counts them, are scored against
# the written order only (enumerating orders of wide graphs explodes).
WRITTEN_ORDER_MIN_NODES = 10

# Patterns are written so that no two repeats can share the same characters: `^\s*` under MULTILINE, or
# `\s*(.*\S)`, backtrack quadratically on a megabyte of newlines or spaces. `[^\S\n]` = blank but not "\n".
_NODE_HEADER = re.compile(r"^[^\S\n]*(?:\*+[^\S\n]*)?nodes?[^\S\n]*(?:\*+[^\S\n]*)?:", re.IGNORECASE | re.MULTILINE)
_EDGE_HEADER = re.compile(r"^[^\S\n]*(?:\*+[^\S\n]*)?edges?[^\S\n]*(?:\*+[^\S\n]*)?:", re.IGNORECASE | re.MULTILINE)
_NODE_LINE = re.compile(r"^\s*(?:[-*]\s*)?(?:node\s*)?(\d+)\s*[:.)]\s*(\S.*)$", re.IGNORECASE)
_EDGE = re.compile(r"\(\s*(START|\d+)\s*,\s*(END|\d+)\s*\)", re.IGNORECASE)
# The stop string ")\nNode:" takes the closing parenthesis of the last edge with it: accept that one pair open.
_OPEN_LAST_EDGE = re.compile(r"\(\s*(START|\d+)\s*,\s*(END|\d+)\s*$", re.IGNORECASE)


class WorkflowParseError(ValueError):
    """The text holds no usable workflow (no nodes, or no edges between known nodes)."""


@dataclass
class Workflow:
    """Subtask texts in written order, and edges between positions (0 = START, len(nodes)+1 = END)."""

    nodes: list[str]
    edges: set[tuple[int, int]] = field(default_factory=set)

    @property
    def end(self) -> int:
        return len(self.nodes) + 1


def _split_sections(text: str) -> tuple[str, str]:
    """The node section (first `Node:` block, up to its edge list) and the edge section after it."""
    header = _NODE_HEADER.search(text)
    body = text[header.end() :] if header else text
    edge_header = _EDGE_HEADER.search(body)
    first_edge = _EDGE.search(body)
    # The node list ends at the edge header, or failing that at the first edge pair.
    cut = edge_header.start() if edge_header else (first_edge.start() if first_edge else len(body))
    edges = body[cut:]
    # A model that starts a second answer after its edge list: keep only the first one.
    again = _NODE_HEADER.search(edges)
    if again:
        edges = edges[: again.start()]
    return body[:cut], edges


def _label(digits: str) -> int | str:
    """A node label as a number ("01" is 1); absurdly long ones stay text (int() refuses > 4300 digits)."""
    return int(digits) if len(digits) <= 30 else digits


def parse_workflow(text: str) -> Workflow:
    """Parse a WorfBench answer; raises WorkflowParseError with a short reason when unusable.

    Node lines are `N: text` or `N. text` (also `N) text`); edges are `(a,b)` with a a number or START
    and b a number or END. Edges naming unknown nodes are dropped. No edges left = unparseable.
    """
    if not isinstance(text, str) or not text.strip():
        raise WorkflowParseError("empty output")
    node_part, edge_part = _split_sections(text)
    labels: dict[int | str, int] = {}  # label written in the text -> position (1-based)
    nodes: list[str] = []
    for line in node_part.splitlines():
        m = _NODE_LINE.match(line)
        if not m:
            continue
        label, content = _label(m.group(1)), m.group(2).strip()
        if label in labels:  # a repeated label starts a new list: the first list is the answer
            break
        nodes.append(content)
        labels[label] = len(nodes)
    if not nodes:
        raise WorkflowParseError("no numbered nodes")
    end = len(nodes) + 1
    edges: set[tuple[int, int]] = set()
    pairs = _EDGE.findall(edge_part) + _OPEN_LAST_EDGE.findall(edge_part.rstrip())
    for a, b in pairs:
        src = 0 if a.upper() == "START" else labels.get(_label(a))
        dst = end if b.upper() == "END" else labels.get(_label(b))
        if src is not None and dst is not None and src != dst:
            edges.add((src, dst))
    if not edges:
        found = _EDGE.search(edge_part)
        raise WorkflowParseError("edges name unknown nodes" if found else "no edges")
    return Workflow(nodes=nodes, edges=edges)


def gold_orders(gold: Workflow, max_orders: int = MAX_ORDERS) -> list[list[int]]:
    """Node orders (positions 1..n, no START/END) the node chain score compares against.

    Up to `max_orders` topological orders of the gold DAG; the written order alone for graphs of
    WRITTEN_ORDER_MIN_NODES or more nodes (START and END counted) or for gold that is not a DAG.
    """
    written = list(range(1, len(gold.nodes) + 1))
    if len(gold.nodes) + 2 >= WRITTEN_ORDER_MIN_NODES:
        return [written]
    graph = nx.DiGraph()
    graph.add_nodes_from(written)
    # START precedes and END follows every node anyway: only edges between subtasks constrain the order.
    graph.add_edges_from((a, b) for a, b in gold.edges if a != 0 and b != gold.end)
    if not nx.is_directed_acyclic_graph(graph):
        return [written]
    return [list(order) for order in islice(nx.all_topological_sorts(graph), max_orders)]
