"""Tool-Query environment: answer questions about an offline academic graph through tool calls.

    samples = load_query_suite()           # data/questions.jsonl over academia.json
    env = ToolQueryEnv(samples[0])
    env.step('loadPaperNet()'); env.step('paperNodeCheck("Sparse Graph Retrieval")')
    env.step('finish("ICML")')             # ends the episode; success if the answer is right

Two graphs: PaperNet (papers, directed citations) and AuthorNet (authors, co-authorship). A graph
must be loaded before its tools answer. Progress is the fraction of gold subgoals obtained: the
observations the gold tool calls produce, plus the correct answer given to `finish`. Success needs
the correct answer in a `finish` call.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from acbench.tasks.agentic.tool_env import ToolEnv, ToolError, norm_text, tool
from acbench.tasks.base import Sample

DATA = Path(__file__).parent / "data"


@lru_cache(maxsize=4)
def load_graph(path: str) -> dict:
    graph = json.loads(Path(path).read_text())
    graph["paper_index"] = {p["title"]: p for p in graph["papers"]}
    graph["author_index"] = {a["name"]: a for a in graph["authors"]}
    return graph


def load_query_suite(source: str | Path | None = None) -> list[Sample]:
    """Questions from `questions.jsonl` in `source` (a folder that also holds `academia.json`)."""
    root = Path(source) if source else DATA
    qfile = root / "questions.jsonl" if root.is_dir() else root
    if not qfile.is_file():
        raise FileNotFoundError(f"Tool-Query questions not found: {qfile}")
    graph_file = qfile.with_name("academia.json")
    if not graph_file.is_file():
        raise FileNotFoundError(f"Tool-Query graph not found next to the questions: {graph_file}")
    example_file = qfile.with_name("example.md")
    example = example_file.read_text().strip() if example_file.exists() else ""
    samples = []
    for line in qfile.read_text().splitlines():
        if line.strip():
            item = json.loads(line)
            data = {**item, "graph": str(graph_file), "example": example}
            samples.append(Sample(id=str(item["id"]), data=data, target=item["answer"]))
    return samples


class ToolQueryEnv(ToolEnv):
    """One question over the academic graph; see the module docstring."""

    preamble = (
        "You answer a question about an academic graph by calling tools. PaperNet holds papers and "
        "citations; AuthorNet holds authors and co-authorship. Load a graph before using it. "
        "Node names must be written exactly (paper titles, author names)."
    )

    def __init__(self, sample: Sample | dict, graph: dict | None = None):
        super().__init__()
        data = sample.data if isinstance(sample, Sample) else sample
        self.graph = graph or load_graph(data["graph"])
        self.question = data["question"]
        self.answer = data["answer"]
        self.subgoals = [norm_text(s) for s in data["subgoals"]]
        self.examples = data.get("example", "")
        self.goal = f"Question: {self.question}"
        self.reset()

    def reset(self) -> str:
        self.loaded: set[str] = set()
        self.reached: set[int] = set()
        self.done = self.success = False
        self.progress = 0.0
        self.last_parse_error = None
        return "Nothing is loaded yet. Use the tools to find the answer, then give it to the finish tool."

    def step(self, action_text: str) -> tuple[str, bool]:
        observation, valid = super().step(action_text)
        if valid:  # a subgoal is reached when its gold observation is produced
            seen = norm_text(observation)
            self.reached |= {i for i, s in enumerate(self.subgoals[:-1]) if s == seen}
            self.update_progress()
        return observation, valid

    def update_progress(self) -> None:
        self.progress = len(self.reached) / len(self.subgoals) if self.subgoals else float(self.success)

    # --- tools -------------------------------------------------------------------------------
    def _need(self, net: str) -> None:
        if net not in self.loaded:
            raise ToolError(f"{net} is not loaded; call load{net}() first")

    def _paper(self, title) -> dict:
        self._need("PaperNet")
        paper = self.graph["paper_index"].get(str(title).strip())
        if paper is None:
            raise ToolError(f"no paper titled '{title}' in PaperNet")
        return paper

    def _author(self, name) -> dict:
        self._need("AuthorNet")
        author = self.graph["author_index"].get(str(name).strip())
        if author is None:
            raise ToolError(f"no author named '{name}' in AuthorNet")
        return author

    @tool("loadPaperNet()")
    def load_paper_net(self):
        """Load PaperNet (papers and who cites whom)."""
        self.loaded.add("PaperNet")
        return f"PaperNet loaded: {len(self.graph['papers'])} papers."

    @tool("loadAuthorNet()")
    def load_author_net(self):
        """Load AuthorNet (authors and who wrote with whom)."""
        self.loaded.add("AuthorNet")
        return f"AuthorNet loaded: {len(self.graph['authors'])} authors."

    @tool("neighbourCheck(graph, node)")
    def neighbour_check(self, graph, node):
        """In PaperNet: the papers that paper `node` cites. In AuthorNet: the co-authors of author `node`."""
        if graph == "PaperNet":
            return sorted(self._paper(node)["cites"])
        if graph == "AuthorNet":
            name = self._author(node)["name"]
            return sorted({a for p in self.graph["papers"] if name in p["authors"] for a in p["authors"]} - {name})
        raise ToolError(f"unknown graph '{graph}'; use \"PaperNet\" or \"AuthorNet\"")

    @tool("paperNodeCheck(node)")
    def paper_node_check(self, node):
        """The paper's year, venue and authors (needs PaperNet)."""
        paper = self._paper(node)
        return {"title": paper["title"], "year": paper["year"], "venue": paper["venue"], "authors": paper["authors"]}

    @tool("authorNodeCheck(node)")
    def author_node_check(self, node):
        """The author's organization and papers (needs AuthorNet)."""
        author = self._author(node)
        papers = sorted(p["title"] for p in self.graph["papers"] if author["name"] in p["authors"])
        return {"name": author["name"], "organization": author["organization"], "papers": papers}

    @tool("authorEdgeCheck(node1, node2)")
    def author_edge_check(self, node1, node2):
        """The papers that two authors wrote together (needs AuthorNet)."""
        a, b = self._author(node1)["name"], self._author(node2)["name"]
        return sorted(p["title"] for p in self.graph["papers"] if a in p["authors"] and b in p["authors"])

    @tool("paperEdgeCheck(node1, node2)")
    def paper_edge_check(self, node1, node2):
        """Whether paper node1 cites paper node2 (needs PaperNet)."""
        source, target = self._paper(node1), self._paper(node2)
        return "yes" if target["title"] in source["cites"] else "no"

    @tool("finish(answer)")
    def finish(self, answer):
        """Give the final answer and end the episode."""
        self.done = True
        self.success = norm_text(answer) == norm_text(self.answer)
        if self.success:
            self.reached.add(len(self.subgoals) - 1)  # the last subgoal is the answer itself
        return f"Episode finished with answer: {answer}"
