"""AgentBoard's tool-query items, and its academia episodes as AgentBoard runs them (`tool_query.subset=agentboard`):
its questions, graphs, tools, texts and progress rate, read at run time from a checkout and its data archive.

    checkout = AcademiaCheckout("/src/AgentBoard")                 # prompt and texts, read at run time
    samples = tool_samples("/data/agentboard/data", ["academia"])   # its data/tool-query: test.jsonl
    env = AgentBoardAcademiaEnv(samples[0], checkout)
    env.step('loadPaperNet with Action Input: {}')                  # its observation, grounded

Follows `agentboard/environment/academia_env.py`, `agentboard/utils/academia/academia_tools.py` and the step loop
of `agentboard/tasks/tool.py` of hkust-nlp/AgentBoard:

- Items: the lines of `tool-query/test.jsonl` of the chosen tools (goal, `subgoals`, `difficulty`,
  `additional_info`; a weather item also its `init_config`), numbered by their line in the file (id
  `<tool>/<n>`). Graphs: the six pickles of `tool-query/academia/raw/` (networkx graphs and id/name tables).
  AgentBoard loads them with plain pickle; here an unpickler that builds only networkx graph classes and plain data
  (`GraphUnpickler`) reads them, so a tampered archive cannot run code.
- Prompt: the VanillaAgent layout (`acbench/tasks/agentic/agentboard.py`) with `academia_prompt.json` and the help
  command `check_valid_actions`; the first observation is the task's (tool.py) for a non-weather tool.
- A step (`acbench/tasks/agentic/agentboard_tool.py`, shared with weather, movie, todo and sheet): the output goes
  through AgentBoard's action parser, then its `name with Action Input: input` split; no split is a format error
  (the task's text, not grounded, nothing runs). The input is read as a Python literal (AgentBoard `eval`s it: the
  one difference, see README.md). Tools answer with the graphs' own objects; a refused
  call (graph not loaded, unknown node, no edge, an exception inside the tool) is grounded and adds the subgoal
  "Calling <tool> with <input> failed"; an unknown name, a bad input or an exception outside the tool gives
  "ERROR | ..." (not grounded, no update). After any other step: done when "finish" or "Finish" is anywhere in the
  call; unless the observation holds "Invalid", r = max(r, gold subgoals matched (each predicted value used once)
  / gold subgoals). An observation naming a network error ends the episode (tool.py stops it). Success: done and
  r = 1.

The messages are read from the checkout's Python files with `ast` (never imported or run); a missing file or
phrase fails with the file named.
"""

from __future__ import annotations

import copy
import logging
import pickle
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from acbench.tasks.agentic.agentboard import AgentBoardFilesError, pick
from acbench.tasks.agentic.agentboard_tool import (AgentBoardToolEnv, Refused, ToolCheckout, archive_dir,
                                                   exception_text, finish, read_items)
from acbench.tasks.base import Sample

log = logging.getLogger(__name__)

GRAPHS = ("paper_net", "author_net", "title2id_dict", "author2id_dict", "id2title_dict", "id2author_dict")
RAW_DIR = "academia/raw"  # under the archive's tool-query folder
NETS = ("PaperNet", "AuthorNet")


def _with_spaces(strings: list[str], holes: int) -> list[str]:
    """The messages among a function's strings: text with spaces and `holes` format fields."""
    return [s for s in strings if " " in s and s.count("{}") == holes and "\\" not in s]


class AcademiaCheckout(ToolCheckout):
    """What the academia episodes need from an AgentBoard checkout (see the module docstring)."""

    def __init__(self, root=None):
        super().__init__(root, "academia", "tool_query")
        tools = self.tools_path

        def strings(function: str) -> list[str]:
            return self.strings(function, "academia_toolkits")

        self.loaded = {net: pick(strings(f"load{net}"), f"{tools} (load{net})", "the loaded message",
                                 lambda s: " " in s and "{}" not in s) for net in NETS}
        self.unloaded, self.no_node = {}, {}
        for net, function in zip(NETS, ("paperNodeCheck", "authorNodeCheck")):
            found = strings(function)
            unloaded, no_node = _with_spaces(found, 0), _with_spaces(found, 1)
            if not unloaded or not no_node:
                raise AgentBoardFilesError(f"{tools} ({function}): cannot find its messages (a changed AgentBoard?)")
            self.unloaded[net], self.no_node[net] = unloaded[0], no_node[0]
        self.no_edge = pick(_with_spaces(strings("paperEdgeCheck"), 2), f"{tools} (paperEdgeCheck)",
                            "the no-edge message", lambda s: True)


# --- data ------------------------------------------------------------------------------------------------------
def query_dir(source: str | Path) -> Path:
    """The archive's tool-query folder: `source` itself (test.jsonl + academia/), or its `tool-query` sub-folder
    (the archive's data/ folder)."""
    root = archive_dir(source, "tool-query")
    if not root.is_dir():
        raise AgentBoardFilesError(f"AgentBoard tool-query data folder not found: {root} (its data archive's "
                                   f"data/tool-query, with test.jsonl and academia/raw/)")
    return root


def tool_samples(source: str | Path, tools: list[str]) -> list[Sample]:
    """The items of `tools` in the archive's tool-query/test.jsonl, numbered by their line (id `<tool>/<n>`);
    a weather item also needs additional_info.init_config's current_date and current_location."""
    folder = query_dir(source)
    path = folder / "test.jsonl"
    items = read_items(path, "tool-query")
    samples = []
    for index, item in items:
        info = item["additional_info"]
        tool = info["tool"]
        if tool not in tools:
            continue
        where = f"{path} line {index + 1}"
        subgoals = item.get("subgoals")
        if not isinstance(subgoals, list) or not subgoals:
            raise AgentBoardFilesError(f"{where}: the {tool} item needs a non-empty subgoals list")
        difficulty = item.get("difficulty")
        data = {"goal": item["goal"], "subgoals": subgoals, "difficulty": difficulty if difficulty in ("easy", "hard")
                else None, "group": tool, "index": index, "folder": str(folder)}
        if tool == "weather":
            config = info.get("init_config")
            if not isinstance(config, dict) or not all(isinstance(config.get(k), str)
                                                       for k in ("current_date", "current_location")):
                raise AgentBoardFilesError(f"{where}: a weather item needs additional_info.init_config with "
                                           f"current_date and current_location")
            data.update(current_date=config["current_date"], current_location=config["current_location"])
        samples.append(Sample(id=f"{tool}/{index}", target=info.get("answer"), data=data))
    skipped = sorted({item["additional_info"]["tool"] for _, item in items} - set(tools))
    if skipped:
        log.info("%s: items of %s left out (tool_query.tools=%s)", path, ", ".join(skipped), ",".join(tools))
    if not samples:
        raise AgentBoardFilesError(f"{path}: no {' or '.join(tools)} items (additional_info.tool)")
    return samples


def graph_files(folder: Path) -> dict[str, Path]:
    paths = {name: folder / RAW_DIR / f"{name}.pkl" for name in GRAPHS}
    for path in paths.values():
        if not path.is_file():
            raise AgentBoardFilesError(f"AgentBoard academia graph file not found: {path} (its data archive's "
                                       f"data/tool-query/{RAW_DIR}/{path.name})")
    return paths


@dataclass(frozen=True)
class Graphs:
    """The archive's academia graphs and tables, as pickled there (read once per folder and file version)."""

    paper_net: Any
    author_net: Any
    title2id_dict: dict
    author2id_dict: dict
    id2title_dict: dict
    id2author_dict: dict


def read_graphs(folder: str | Path) -> Graphs:
    paths = graph_files(Path(folder))
    return _read_graphs(tuple((name, str(p), p.stat().st_mtime_ns) for name, p in paths.items()))


class GraphUnpickler(pickle.Unpickler):
    """Builds networkx's graph classes (with the views a graph caches), builtin containers and numpy scalars and
    arrays; any other global a pickle names (os.system, builtins.eval, ...) is refused before it is looked up."""

    BUILTINS = {"dict", "list", "set", "frozenset", "tuple", "object", "str", "bytes", "bytearray", "int", "float",
                "complex", "bool"}
    ALLOWED = {("copyreg", "_reconstructor"), ("_codecs", "encode"),  # bytes under protocols 0-2
               ("collections", "OrderedDict"), ("collections", "defaultdict"), ("numpy", "dtype"), ("numpy", "ndarray"),
               *((f"numpy.{core}.multiarray", name) for core in ("core", "_core") for name in ("_reconstruct", "scalar")),
               *((f"numpy.{core}.numeric", "_frombuffer") for core in ("core", "_core"))}  # arrays under protocol 5

    def find_class(self, module: str, name: str):
        module = {"__builtin__": "builtins", "copy_reg": "copyreg"}.get(module, module)  # protocol 0/1 names
        if "." not in name:
            if (module == "builtins" and name in self.BUILTINS) or (module, name) in self.ALLOWED:
                return super().find_class(module, name)
            if module.startswith("networkx.classes."):
                found = super().find_class(module, name)
                if isinstance(found, type):  # graph and view classes; none of the module's functions
                    return found
        raise pickle.UnpicklingError(f"refused to build {module}.{name}: only networkx graphs and plain data are "
                                     f"read from an academia graph file")


@lru_cache(maxsize=2)
def _read_graphs(files: tuple[tuple[str, str, int], ...]) -> Graphs:
    tables = {}
    for name, path, _ in files:
        try:
            with open(path, "rb") as f:
                tables[name] = GraphUnpickler(f).load()
        except Exception as exc:  # noqa: BLE001 - any unpickling failure is a bad file
            raise AgentBoardFilesError(f"{path}: cannot be read as a pickled graph or table "
                                       f"({type(exc).__name__}: {exc})") from None
    return Graphs(**tables)


def academia_samples(source: str | Path) -> list[Sample]:
    """The academia items of the archive's tool-query folder (other tools' items are left out), with the graphs
    read now: a missing or unreadable file fails here, before any model loads."""
    folder = query_dir(source)
    read_items(folder / "test.jsonl", "tool-query")
    read_graphs(folder)
    return tool_samples(folder, ["academia"])


# --- the environment -------------------------------------------------------------------------------------------
class AgentBoardAcademiaEnv(AgentBoardToolEnv):
    """One AgentBoard academia item (agentboard_tool.AgentBoardToolEnv with academia_tools.py's tools)."""

    ARGUMENTS = {"loadPaperNet": (), "loadAuthorNet": (), "neighbourCheck": ("graph", "node"),
                 "paperNodeCheck": ("node",), "authorNodeCheck": ("node",), "authorEdgeCheck": ("node1", "node2"),
                 "paperEdgeCheck": ("node1", "node2"), "finish": ("answer",)}
    ALIASES = {"neighborCheck": "neighbourCheck"}

    def __init__(self, sample: Sample, checkout: AcademiaCheckout):
        self.graphs = read_graphs(sample.data["folder"])
        self.tools = {"loadPaperNet": self._load_papers, "loadAuthorNet": self._load_authors,
                      "neighbourCheck": self._neighbours, "paperNodeCheck": self._paper_node,
                      "authorNodeCheck": self._author_node, "authorEdgeCheck": self._author_edge,
                      "paperEdgeCheck": self._paper_edge, "finish": finish}
        super().__init__(sample, checkout)

    def reset_tools(self) -> None:
        self.loaded: set[str] = set()

    def run_tool(self, tool: str, kwargs: dict) -> Any:
        return self.tools[tool](**kwargs)

    # --- the tools (academia_tools.py's behaviour) --------------------------------------------------------------
    def _need(self, net: str) -> None:
        if net not in self.loaded:
            raise Refused(self.checkout.unloaded[net])

    def _net(self, net: str):
        """The graph, the name -> id table and the id -> name table of a net."""
        g = self.graphs
        return (g.paper_net, g.title2id_dict, g.id2title_dict) if net == "PaperNet" else (
            g.author_net, g.author2id_dict, g.id2author_dict)

    def _load_papers(self):
        self.loaded.add("PaperNet")
        return self.checkout.loaded["PaperNet"]

    def _load_authors(self):
        self.loaded.add("AuthorNet")
        return self.checkout.loaded["AuthorNet"]

    def _node_id(self, net: str, table: dict, node):
        if node not in table:
            raise Refused(self.checkout.no_node[net].format(node))
        return table[node]

    def _guarded(self, work):
        """A tool's body: a refusal stays one, any other exception becomes a refusal naming it."""
        try:
            return work()
        except Refused:
            raise
        except Exception as exc:  # noqa: BLE001 - the academia tools return any exception as a failed call
            raise Refused(exception_text(exc)) from None

    def _neighbours(self, graph, node):
        if graph in NETS:
            self._need(graph)

        def work():
            if graph not in NETS:  # AgentBoard then asks the name itself for neighbours: an AttributeError
                return getattr(graph, "neighbors")
            net, table, names = self._net(graph)
            return [names[n] for n in net.neighbors(self._node_id(graph, table, node))]

        return self._guarded(work)

    def _paper_node(self, node):
        self._need("PaperNet")
        net, table, _ = self._net("PaperNet")
        return self._guarded(lambda: net.nodes[self._node_id("PaperNet", table, node)])

    def _author_node(self, node):
        self._need("AuthorNet")
        net, table, _ = self._net("AuthorNet")
        return self._guarded(lambda: copy.deepcopy(net.nodes[self._node_id("AuthorNet", table, node)]))

    def _edge(self, name: str, node1, node2):
        net, table, _ = self._net(name)
        first, second = self._node_id(name, table, node1), self._node_id(name, table, node2)
        if second not in net.neighbors(first):
            raise Refused(self.checkout.no_edge.format(node1, node2))
        return net.edges[first, second]

    def _author_edge(self, node1, node2):
        self._need("AuthorNet")

        def work():
            edge = self._edge("AuthorNet", node1, node2)
            papers = edge["collaborative_papers"]
            titled = copy.deepcopy(edge)
            for i in range(len(papers)):
                titled["collaborative_papers"][i] = self.graphs.id2title_dict[papers[i]]
            return titled

        return self._guarded(work)

    def _paper_edge(self, node1, node2):
        self._need("PaperNet")
        return self._guarded(lambda: self._edge("PaperNet", node1, node2))
