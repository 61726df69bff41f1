"""WorfBench workflow generation with WorfEval scoring (node chain F1, graph F1). See README.md."""

from acbench.tasks.worfbench.dataset import load_graph_eval
from acbench.tasks.worfbench.graph import Workflow, WorkflowParseError, gold_orders, parse_workflow
from acbench.tasks.worfbench.scorer import graph_scores, node_chain_scores, score_workflow
from acbench.tasks.worfbench.task import WorfBenchTask

__all__ = [
    "WorfBenchTask",
    "Workflow",
    "WorkflowParseError",
    "gold_orders",
    "graph_scores",
    "load_graph_eval",
    "node_chain_scores",
    "parse_workflow",
    "score_workflow",
]
