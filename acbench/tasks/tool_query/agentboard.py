"""AgentBoard's academia episodes as AgentBoard runs them (`tool_query.subset=agentboard`): its questions, graphs,
tools, texts and progress rate, read at run time from a checkout and its data archive.

    checkout = AcademiaCheckout("/src/AgentBoard")                 # prompt and texts, read at run time
    samples = academia_samples(checkout.data_dir)                   # its data/tool-query: test.jsonl + academia/raw
    env = AgentBoardAcademiaEnv(samples[0], checkout)
    env.step('loadPaperNet with Action Input: {}')                  # its observation, grounded

Follows `agentboard/environment/academia_env.py`, `agentboard/utils/academia/academia_tools.py` and the step loop
of `agentboard/tasks/tool.py` of hkust-nlp/AgentBoard:

- Items: the `academia` lines of `tool-query/test.jsonl` (goal, `subgoals`, `difficulty`, `additional_info`),
  numbered by their line in the file. Graphs: the six pickles of `tool-query/academia/raw/` (networkx graphs and
  id/name tables). AgentBoard loads them with plain pickle; here an unpickler that builds only networkx graph
  classes and plain data (`GraphUnpickler`) reads them, so a tampered archive cannot run code.
- Prompt: the VanillaAgent layout (`acbench/tasks/agentic/agentboard.py`) with `academia_prompt.json` and the help
  command `check_valid_actions`; the first observation is the task's (tool.py) for a non-weather tool.
- A step: the output goes through AgentBoard's action parser, then its `name with Action Input: input` split; no
  split is a format error (the task's text, not grounded, nothing runs). The input is read as a Python literal
  (AgentBoard `eval`s it: the one difference, see README.md). Tools answer with the graphs' own objects; a refused
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

import ast
import copy
import json
import logging
import pickle
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from acbench.tasks.agentic.agentboard import (AgentBoardFilesError, LayoutTexts, VanillaLayout, agentboard_action,
                                              checkout_root, function_strings, pick, read_prompt_file, require)
from acbench.tasks.agentic.paper import count_matches, split_call
from acbench.tasks.base import Sample

log = logging.getLogger(__name__)

TOOLS_FILE = "agentboard/utils/academia/academia_tools.py"
ENV_FILE = "agentboard/environment/academia_env.py"
HELPERS_FILE = "agentboard/utils/tool/helpers.py"
TASK_FILE = "agentboard/tasks/tool.py"
PROMPT_FILE = "agentboard/prompts/VanillaAgent/academia_prompt.json"
RAW_FILE = "agentboard/prompts/Raw/academia_raw.json"
CHECK = "check_valid_actions"  # main_results_all_tasks.yaml env.tool-query.check_actions
GRAPHS = ("paper_net", "author_net", "title2id_dict", "author2id_dict", "id2title_dict", "id2author_dict")
RAW_DIR = "academia/raw"  # under the archive's tool-query folder
NETS = ("PaperNet", "AuthorNet")


def _with_spaces(strings: list[str], holes: int) -> list[str]:
    """The messages among a function's strings: text with spaces and `holes` format fields."""
    return [s for s in strings if " " in s and s.count("{}") == holes and "\\" not in s]


class AcademiaCheckout:
    """What the academia episodes need from an AgentBoard checkout (see the module docstring)."""

    def __init__(self, root=None):
        self.root = checkout_root(root, "tool_query")
        self.prompt_path = require(self.root, PROMPT_FILE)
        self.prompt = read_prompt_file(self.root, PROMPT_FILE)
        raw = require(self.root, RAW_FILE)
        try:
            self.action_names = [t["name"] for t in json.loads(raw.read_text(encoding="utf-8"))["tool_set_message"]]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise AgentBoardFilesError(f"{raw}: no tool_set_message list of named tools ({exc})") from None
        tools = require(self.root, TOOLS_FILE)

        def strings(function: str, owner: str | None = "academia_toolkits") -> list[str]:
            return function_strings(tools, function, owner)

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
        wrapper = strings("log_path", None)
        where = f"{tools} (log_path)"
        self.failed = (pick(wrapper, where, "the failed-subgoal lead", lambda s: s.endswith(" ") and s[:1].isalpha()),
                       pick(wrapper, where, "the failed-subgoal middle",
                            lambda s: s.startswith(" ") and s.endswith(" ")),
                       pick(wrapper, where, "the failed-subgoal end", lambda s: s.startswith(" ") and s[-1:].isalpha()))
        env = require(self.root, ENV_FILE)
        step = function_strings(env, "step", "AcademiaEnv")
        where = f"{env} (AcademiaEnv.step)"
        self.valid_lead = pick(step, where, "the valid-actions message", lambda s: "{}" in s and "valid actions" in s)
        self.invalid = pick(step, where, "the invalid-action message", lambda s: "{}" in s and "Invalid" in s)
        self.error = pick(step, where, "the error prefix", lambda s: s.rstrip().endswith("|"))
        helpers = require(self.root, HELPERS_FILE)
        self.bad_input = pick(function_strings(helpers, "parse_action"), f"{helpers} (parse_action)",
                              "the bad-input message", lambda s: " " in s and s.endswith("."))
        self.network_errors = function_strings(helpers, "contains_network_error")
        if not self.network_errors:
            raise AgentBoardFilesError(f"{helpers} (contains_network_error): no error names")
        task = require(self.root, TASK_FILE)
        evaluate = function_strings(task, "evaluate_env", "EvalTool")
        where = f"{task} (EvalTool.evaluate_env)"
        self.format_error = pick(evaluate, where, "the format-error message",
                                 lambda s: "format" in s.lower() and "Action Input" in s)
        finish_notes = [s for s in evaluate if "'finish'" in s]
        if not finish_notes:
            raise AgentBoardFilesError(f"{where}: cannot find the first observation (a changed AgentBoard?)")
        self.first_observation = min(finish_notes, key=len)  # the weather tool's note is longer
        self.layout_texts = LayoutTexts.read(self.root)

    def layout(self) -> VanillaLayout:
        examples = self.prompt["examples"]
        return VanillaLayout(self.layout_texts, self.prompt["system_msg"], self.prompt["instruction"],
                             [examples] if isinstance(examples, str) else list(examples), check_actions=CHECK)


# --- data ------------------------------------------------------------------------------------------------------
def query_dir(source: str | Path) -> Path:
    """The archive's tool-query folder: `source` itself (test.jsonl + academia/), or its `tool-query` sub-folder
    (the archive's data/ folder)."""
    root = Path(source).expanduser()
    if (root / "tool-query").is_dir() and not (root / "test.jsonl").is_file():
        root = root / "tool-query"
    if not root.is_dir():
        raise AgentBoardFilesError(f"AgentBoard tool-query data folder not found: {root} (its data archive's "
                                   f"data/tool-query, with test.jsonl and academia/raw/)")
    return root


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


def read_items(path: Path) -> list[dict]:
    """Every line of tool-query/test.jsonl, checked for the fields AgentBoard reads."""
    if not path.is_file():
        raise AgentBoardFilesError(f"AgentBoard tool-query questions not found: {path} (its data archive's "
                                   f"data/tool-query/test.jsonl)")
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise AgentBoardFilesError(f"{path} line {number}: not JSON ({exc.msg})") from None
        info = item.get("additional_info") if isinstance(item, dict) else None
        if not isinstance(info, dict) or not isinstance(info.get("tool"), str) or not isinstance(item.get("goal"), str):
            raise AgentBoardFilesError(f"{path} line {number}: an item needs goal and additional_info.tool")
        items.append(item)
    return items


def academia_samples(source: str | Path) -> list[Sample]:
    """The academia items of the archive's tool-query folder (other tools' items are left out), with the graphs
    read now: a missing or unreadable file fails here, before any model loads."""
    folder = query_dir(source)
    path = folder / "test.jsonl"
    items = read_items(path)
    read_graphs(folder)
    samples = []
    for index, item in enumerate(items):
        if item["additional_info"]["tool"] != "academia":
            continue
        subgoals = item.get("subgoals")
        if not isinstance(subgoals, list) or not subgoals:
            raise AgentBoardFilesError(f"{path} line {index + 1}: an academia item needs a non-empty subgoals list")
        difficulty = item.get("difficulty")
        samples.append(Sample(id=f"academia/{index}", target=item["additional_info"].get("answer"), data={
            "goal": item["goal"], "subgoals": subgoals, "difficulty": difficulty if difficulty in ("easy", "hard")
            else None, "group": "academia", "index": index, "folder": str(folder)}))
    skipped = len(items) - len(samples)
    if skipped:
        log.info("%s: %d items of other tools (weather, movie) left out: they call live services", path, skipped)
    if not samples:
        raise AgentBoardFilesError(f"{path}: no academia items (additional_info.tool == 'academia')")
    return samples


# --- the environment -------------------------------------------------------------------------------------------
class Refused(Exception):
    """A tool call the academia tools refuse: grounded, and logged as a failed subgoal."""


def _exception_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}({exc})"


class AgentBoardAcademiaEnv:
    """One AgentBoard academia item (implements the Environment protocol; the loop uses its `layout`).

    `reward` is AgentBoard's r and `progress` the same value (one rule set here: the `_strict` metrics equal the
    paper ones); `done` is AgentBoard's done, also set when an observation naming a network error ends the episode
    (`aborted`); `success`: done, not aborted, r = 1. `subgoals`: its action path's subgoals; `last_kind`: the kind
    of the last answer (`format_error`, `error`, `check`, `failed` or `result`).
    """

    answers_check = True  # check_valid_actions is a tool call here

    def __init__(self, sample: Sample, checkout: AcademiaCheckout):
        self.checkout = checkout
        self.graphs = read_graphs(sample.data["folder"])
        self.gold = sample.data["subgoals"]
        self.layout = checkout.layout()
        self.instruction = self.layout.instruction
        self.examples = "\n".join(self.layout.examples)
        self.goal = sample.data["goal"]
        self.tools = {"loadPaperNet": self._load_papers, "loadAuthorNet": self._load_authors,
                      "neighbourCheck": self._neighbours, "paperNodeCheck": self._paper_node,
                      "authorNodeCheck": self._author_node, "authorEdgeCheck": self._author_edge,
                      "paperEdgeCheck": self._paper_edge, "finish": self._finish}
        self.reset()

    def reset(self) -> str:
        self.loaded: set[str] = set()
        self.subgoals: list = []
        self.reward = self.progress = 0.0
        self.done = self.success = self.aborted = False
        self.last_parse_error: str | None = None
        self.last_valid, self.last_kind = True, "result"
        self.last_observation = self.checkout.first_observation
        return self.last_observation

    def valid_actions(self) -> list[str]:
        return list(self.checkout.action_names)

    def extract_action(self, output: str) -> str:
        """The call as AgentBoard's agent memory holds it (`<name> with Action Input: <input>`); "" when the
        output has no such call (a format error, as AgentBoard records it)."""
        call = split_call(agentboard_action(output).strip())
        return "" if call is None else f"{call[0]} with Action Input: {call[1]}"

    def step(self, action_text: str) -> tuple[str, bool]:
        self.last_parse_error = None
        call = split_call(action_text.strip())
        if call is None:
            self.last_parse_error = "no `<tool> with Action Input: <input>` call"
            return self._answer("format_error", self.checkout.format_error, False)
        name, raw = call
        text = f"Action: {name} with Action Input: {raw}"
        try:
            params = ast.literal_eval(raw)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            self.last_parse_error = "the input is not a Python literal"
            return self._answer("error", f"{self.checkout.error}Exception({self.checkout.bad_input})", False)
        kind = "result"
        try:
            if name == CHECK:
                observation, kind = self.checkout.valid_lead.format(self.valid_actions()), "check"
            elif name in self.tools or name == "neighborCheck":
                tool = "neighbourCheck" if name == "neighborCheck" else name
                observation, kind = self._call(tool, self._arguments(tool, params))
            else:
                observation, kind = self.checkout.invalid.format(name), "error"
        except Exception as exc:  # noqa: BLE001 - AgentBoard's step turns any exception into an ERROR answer
            return self._answer("error", self.checkout.error + _exception_text(exc), False)
        text_observation = str(observation)
        self.done = "finish" in text or "Finish" in text
        if "Invalid" not in text_observation:
            self.reward = max(self.reward, count_matches(self.gold, self.subgoals) / len(self.gold))
        self.progress, self.success = self.reward, self.done and self.reward == 1.0
        return self._answer(kind, text_observation, not text_observation.startswith(self.checkout.error))

    def _answer(self, kind: str, observation: str, valid: bool) -> tuple[str, bool]:
        self.last_kind, self.last_observation, self.last_valid = kind, observation, valid
        if any(word in observation for word in self.checkout.network_errors):
            # tool.py stops the episode on such an observation, whatever its kind; it is not a success
            self.aborted = self.done = True
            self.success = False
        return observation, valid

    @staticmethod
    def _arguments(tool: str, params) -> dict:
        """The arguments AgentBoard's step passes (it indexes the input by name: a missing one raises)."""
        names = {"neighbourCheck": ("graph", "node"), "paperNodeCheck": ("node",), "authorNodeCheck": ("node",),
                 "authorEdgeCheck": ("node1", "node2"), "paperEdgeCheck": ("node1", "node2"), "finish": ("answer",)}
        return {key: params[key] for key in names.get(tool, ())}

    def _call(self, tool: str, kwargs: dict) -> tuple[Any, str]:
        """Run a tool; its result or refusal goes to the subgoals, as AgentBoard's action path logs it."""
        try:
            result = self.tools[tool](**kwargs)
        except Refused as refusal:
            lead, middle, end = self.checkout.failed
            self.subgoals.append(f"{lead}{tool}{middle}{kwargs}{end}")
            return refusal.args[0], "failed"
        self.subgoals.append(result)
        return result, "result"

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
            raise Refused(_exception_text(exc)) from None

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

    def _finish(self, answer):
        return sorted(answer) if type(answer) is list else answer  # an unsortable list raises: an ERROR answer
