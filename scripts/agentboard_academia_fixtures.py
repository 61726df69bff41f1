"""Record what AgentBoard's own academia tool environment answers to scripted model outputs (fixtures: data).

    python scripts/agentboard_academia_fixtures.py --agentboard /src/AgentBoard --scratch /tmp/ab-academia \
        --out tests/tasks/tool_query/fixtures/agentboard_academia.json

Runs AgentBoard's `agentboard/environment/academia_env.py` (class AcademiaEnv, with its
`agentboard/utils/academia/academia_tools.py`), its `extract_action_name_and_action_input` and
`contains_network_error` (`agentboard/utils/tool/helpers.py`) and its VanillaAgent's
`action_parser_for_special_llms`, on acbench's own small graphs and questions
(tests/tasks/tool_query/fixtures/agentboard_academia_data.json, written as AgentBoard's data archive lays them out
under `--scratch`: `data/tool-query/test.jsonl` and `data/tool-query/academia/raw/*.pkl`, networkx graphs pickled).
acbench is not imported. Needs networkx, pandas and python-dotenv (AgentBoard's imports); `jsonlines`, which
the academia code imports but never uses on these paths, is given an empty stand-in when it is not installed.

Each step follows one iteration of the step loop of `EvalTool.evaluate_env` (`agentboard/tasks/tool.py`;
agentboard_tool_fixtures.py, shared with the weather/movie script): the model output goes through the action parser,
then the name/input split; no split is a format error (no environment step, not grounded); otherwise
`env.step("Action: <name> with Action Input: <input>")`; grounded unless the observation starts with "ERROR | "; an
observation naming a network error ends the episode, as would `done`. Per step it writes the parsed action, name and
input, the kind of answer, the observation (None for a format error: its text is the task's, compared with a
checkout only), the progress rate (env.reward), done, grounded, the new action-path subgoal (repr) and whether the
episode was aborted. The outputs below are acbench's own, covering valid, invalid, `check_valid_actions`, repeated
and goal-reaching calls.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import sys
import types

from agentboard_tool_fixtures import run_episode, write_fixture  # beside this script

SCRIPTS = [
    {"item": 0, "outputs": [
        'Action: paperNodeCheck with Action Input: {"node": "Sparse Routing in Mixture Models"}',
        "check_valid_actions with Action Input: {}",
        "Action: loadPaperNet",
        "loadPaperNet with Action Input: ",
        "loadPaperNet with Action Input: {}",
        "paperNodeCheck with Action Input: {'node': 'No Such Paper'}",
        'paperNodeCheck with Action Input: {"title": "Sparse Routing in Mixture Models"}',
        "paperNodeCheck with Action Input: {node: 1}",
        "searchPaper with Action Input: {}",
        'Action: paperNodeCheck with Action Input: {"node": "Sparse Routing in Mixture Models"}',
        'Action: paperNodeCheck with Action Input: {"node": "Sparse Routing in Mixture Models"}',
        'I know it now.\nAction: finish with Action Input: {"answer": "ICML"}',
    ]},
    {"item": 1, "outputs": [
        "I should load the author graph.\nAction: loadAuthorNet with Action Input: {}",
        'neighbourCheck with Action Input: {"graph": "AuthorNet", "node": "Ada Lin"}',
        'neighborCheck with Action Input: {"graph": "PaperNet", "node": "Sparse Routing in Mixture Models"}',
        'neighbourCheck with Action Input: {"graph": "CitationNet", "node": "Ada Lin"}',
        'neighbourCheck with Action Input: {"graph": "AuthorNet", "node": ["Ada Lin"]}',
        'authorEdgeCheck with Action Input: {"node1": "Bo Chen", "node2": "Cy Diaz"}',
        'authorEdgeCheck with Action Input: {"node1": "Ada Lin", "node2": "Cy Diaz"}',
        'authorEdgeCheck with Action Input: {"node1": "Cy Diaz", "node2": "Dee Evans"}',
        'authorNodeCheck with Action Input: {"node": "Bo Chen"}',
        'finish with Action Input: {"answer": ["Quantized Agents Act Worse", 3]}',
        'finish with Action Input: {"answer": ["Quantized Agents Act Worse"]}',
    ]},
    {"item": 2, "outputs": [
        "loadPaperNet with Action Input: {}",
        'paperNodeCheck with Action Input: {"node": "Invalid Inputs Considered Harmful"}',
        'paperNodeCheck with Action Input: {"node": "Invalid Inputs Considered Harmful"}',
        'paperEdgeCheck with Action Input: {"node1": "Invalid Inputs Considered Harmful", '
        '"node2": "Sparse Routing in Mixture Models"}',
        'paperEdgeCheck with Action Input: {"node1": "Graph Retrieval at Scale", '
        '"node2": "Sparse Routing in Mixture Models"}',
        'neighbourCheck with Action Input: {"graph": "PaperNet", "node": "Graph Retrieval at Scale"}',
        'neighbourCheck with Action Input: {"graph": "PaperNet", "node": "Quantized Agents Act Worse"}',
        'neighbourCheck with Action Input: {"graph": "PaperNet", "node": "Invalid Inputs Considered Harmful"}',
        'authorNodeCheck with Action Input: {"node": "Dee Evans"}',
        'loadAuthorNet with Action Input: {"note": "finish later"}',
    ]},
    {"item": 4, "outputs": [
        "loadPaperNet with Action Input: {}",
        'paperNodeCheck with Action Input: {"node": "HTTPError Handling in Crawlers"}',
        'finish with Action Input: {"answer": 2018}',
    ]},
    {"item": 0, "outputs": [
        "Action: loadPaperNet with Action Input: {}",
        'Action: paperNodeCheck with Action Input: {"node": "Sparse Routing in Mixture Models"}',
        'Action: finish with Action Input: {"answer": "ICML"}',
    ]},
]


def write_archive(data: dict, root: str) -> None:
    """The test graphs and questions as AgentBoard's data archive holds them, under `root`/data/tool-query."""
    import networkx as nx

    raw = os.path.join(root, "data", "tool-query", "academia", "raw")
    os.makedirs(raw, exist_ok=True)
    papers, authors = nx.DiGraph(), nx.Graph()
    for paper in data["papers"]:
        papers.add_node(paper["id"], **paper["attrs"])
    papers.add_edges_from(data["citations"])
    for author in data["authors"]:
        authors.add_node(author["id"], **author["attrs"])
    for a, b, attrs in data["collaborations"]:
        authors.add_edge(a, b, **attrs)
    tables = {
        "paper_net": papers, "author_net": authors,
        "title2id_dict": {p["title"]: p["id"] for p in data["papers"]},
        "id2title_dict": {p["id"]: p["title"] for p in data["papers"]},
        "author2id_dict": {a["name"]: a["id"] for a in data["authors"]},
        "id2author_dict": {a["id"]: a["name"] for a in data["authors"]},
    }
    for name, value in tables.items():
        with open(os.path.join(raw, name + ".pkl"), "wb") as f:
            pickle.dump(value, f)
    with open(os.path.join(root, "data", "tool-query", "test.jsonl"), "w", encoding="utf-8") as f:
        for item in data["items"]:
            f.write(json.dumps(item) + "\n")


def run_script(env_cls, helpers, parser, item: dict, outputs: list[str]) -> dict:
    env = env_cls(dataset={"goal": item["goal"], "ground_truth": item["additional_info"]["answer"],
                           "ground_truth_subgoals": item["subgoals"]})
    path: list[dict] = []
    env.action_path = path
    return {"item": item} | run_episode(env, helpers, parser, outputs, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agentboard", required=True, help="an AgentBoard checkout")
    parser.add_argument("--scratch", required=True, help="a folder for the archive's files and PROJECT_PATH")
    parser.add_argument("--out", required=True)
    parser.add_argument("--data", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                                        "tasks", "tool_query", "fixtures",
                                                        "agentboard_academia_data.json"))
    args = parser.parse_args()
    with open(args.data, encoding="utf-8") as f:
        data = json.load(f)
    checkout, scratch = os.path.abspath(args.agentboard), os.path.abspath(args.scratch)
    write_archive(data, scratch)
    link = os.path.join(scratch, "agentboard")  # PROJECT_PATH: the archive's data/ beside the checkout's code
    if not os.path.exists(link):
        os.symlink(os.path.join(checkout, "agentboard"), link)
    os.environ["PROJECT_PATH"] = scratch
    try:
        import jsonlines  # noqa: F401
    except ImportError:
        sys.modules["jsonlines"] = types.ModuleType("jsonlines")
    sys.path[:0] = [os.path.join(checkout, "agentboard")]
    from agents.vanilla_agent import VanillaAgent
    from environment.academia_env import AcademiaEnv
    from utils.tool import helpers

    records = [run_script(AcademiaEnv, helpers, VanillaAgent.action_parser_for_special_llms,
                          data["items"][s["item"]], s["outputs"]) | {"index": s["item"]} for s in SCRIPTS]
    write_fixture(args.out, "hkust-nlp/AgentBoard agentboard/environment/academia_env.py, "
                            "agentboard/utils/academia/academia_tools.py", scripts=records)


if __name__ == "__main__":
    main()
