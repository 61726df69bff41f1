"""Write our built-in WorfBench suite as upstream-format graph_eval.json files (deterministic).

    python -m acbench.tasks.worfbench.suite.build          # rewrites acbench/tasks/worfbench/data/<type>/

Four task types, as WorfBench groups its tasks: function call, embodied, problem solving, open-grounded.
Every item is hand-written in the type's module (`function_call.py`, ...) as (task text, subtask list,
edge string); this script adds the type's system prompt, checks each gold graph (a DAG whose every node
lies on a path from START to END) and writes the JSON.
"""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx

from acbench.tasks.worfbench.graph import parse_workflow
from acbench.tasks.worfbench.suite import embodied, function_call, open_grounded, problem_solving

OUT_DIR = Path(__file__).resolve().parents[1] / "data"

_FORMAT = (
    "Write the subtasks as a numbered list under 'Node:', one per line ('1: ...'), then the dependencies on "
    "one line after 'Edge:' as pairs (x,y) meaning subtask x must finish before subtask y starts. Use "
    "(START,x) for subtasks that can begin at once and (x,END) for subtasks nothing else waits for. "
    "Subtasks that do not depend on each other get no edge between them, so they can run in parallel.\n"
    "Keep your output in this format:\nNode:\n1: <subtask 1>\n2: <subtask 2>\n...\n"
    "Edge: (START,1) ... (n,END)"
)
SYSTEM_PROMPTS = {
    "function_call": (
        "You are a task planner for an assistant that calls web APIs. Given a user request and the list of "
        "APIs available, break the request into subtasks, each answerable by one API call, and work out "
        "which calls need the results of others.\n" + _FORMAT
    ),
    "embodied": (
        "You are a task planner for a household robot in a text world. Given what the robot sees and its "
        "goal, break the goal into subtasks, each done with the listed actions, and work out which "
        "subtasks must come before others.\n" + _FORMAT
    ),
    "problem_solving": (
        "You are a task planner for a question-answering agent with tools. Given a question and the tools "
        "available, break the question into subtasks, each done with one tool, and work out which "
        "subtasks need the answers of others.\n" + _FORMAT
    ),
    "open_grounded": (
        "You are a task planner who writes practical how-to plans. Given a goal from everyday life, break "
        "it into concrete steps and work out which steps must come before others.\n" + _FORMAT
    ),
}
MODULES = {"function_call": function_call, "embodied": embodied, "problem_solving": problem_solving, "open_grounded": open_grounded}


def answer_text(nodes: list[str], edges: str) -> str:
    """The gold assistant turn in upstream layout."""
    return "Node:\n" + "".join(f"{i}: {text}\n" for i, text in enumerate(nodes, 1)) + f"Edge: {edges}"


def check_graph(answer: str, where: str) -> None:
    """Every subtask has an edge, the graph is acyclic, and every node lies between START and END."""
    wf = parse_workflow(answer)
    graph = nx.DiGraph(list(wf.edges))
    graph.add_nodes_from(range(wf.end + 1))
    if not nx.is_directed_acyclic_graph(graph):
        raise ValueError(f"{where}: the gold graph has a cycle")
    for node in range(1, wf.end):
        if not (nx.has_path(graph, 0, node) and nx.has_path(graph, node, wf.end)):
            raise ValueError(f"{where}: subtask {node} is not on a path from START to END")


def build_records(task: str) -> list[dict]:
    """graph_eval.json records for one task type."""
    records = []
    for i, (user, nodes, edges) in enumerate(MODULES[task].ITEMS, 1):
        answer = answer_text(nodes, edges)
        check_graph(answer, f"{task} item {i}")
        records.append(
            {
                "source": task,
                "id": f"{task}_{i:02d}",
                "target": "graph",
                "category": "eval",
                "conversations": [
                    {"role": "system", "content": SYSTEM_PROMPTS[task]},
                    {"role": "user", "content": user},
                    {"role": "assistant", "content": answer},
                ],
            }
        )
    return records


def main(out_dir: Path = OUT_DIR) -> None:
    for task in MODULES:
        path = out_dir / task / "graph_eval.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(build_records(task), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"{path}: {len(MODULES[task].ITEMS)} items")


if __name__ == "__main__":
    main()
