"""What AgentBoard's tool-query environments (academia, weather, movie) share: the checkout's texts, the items of
its `tool-query/test.jsonl`, and one step of its `EvalTool.evaluate_env` loop around an environment's `step`.

    checkout = ToolCheckout("/src/AgentBoard", "movie")            # prompt and messages, read with ast
    samples = tool_samples("/data/agentboard/data", ["movie"])      # the archive's movie lines
    env = AgentBoardMovieEnv(samples[0], checkout, services)        # a subclass of AgentBoardToolEnv (movie.py)
    env.step('get_search_movie with Action Input: {"movie_name": "Heat"}')

Follows `agentboard/tasks/tool.py`, `agentboard/utils/tool/helpers.py` and the `<tool>_env.py` files of
hkust-nlp/AgentBoard (their common shape; each environment's tools live in its own module here):

- A step: the output goes through the VanillaAgent's action parser, then the `name with Action Input: input`
  split; no split is a format error (the task's text, not grounded, nothing runs). The input is read as a Python
  literal (AgentBoard `eval`s it). `check_valid_actions` lists the tool names of `prompts/Raw/<tool>_raw.json`;
  an unknown name is "Invalid action"; a tool's result is the observation and a subgoal (as the tool's
  `log_path` logs it: the result, cleaned by the environment's rule), a refused call (the tool's own
  `(False, message)`) is grounded and logs "Calling <tool> with <input> failed"; an exception anywhere in the
  call answers `ERROR | Name(message)`: not grounded, no subgoal, no update.
- After any other step: done when "finish" or "Finish" is anywhere in the call; unless the observation holds
  "Invalid", r = max(r, gold subgoals matched / gold subgoals) (each environment's matching rule). An observation
  naming a network error (helpers.py's list) ends the episode, not solved, as tool.py stops it; so does an
  exception while matching (tool.py's `except` around the step). Success: done and r = 1.
"""

from __future__ import annotations

import ast
import json
import logging
from pathlib import Path
from typing import Any

from acbench.tasks.agentic.agentboard import (AgentBoardFilesError, LayoutTexts, VanillaLayout, agentboard_action,
                                              checkout_root, function_node, function_strings, pick, read_prompt_file,
                                              require)
from acbench.tasks.agentic.paper import count_matches, split_call
from acbench.tasks.base import Sample

log = logging.getLogger(__name__)

HELPERS_FILE = "agentboard/utils/tool/helpers.py"
TASK_FILE = "agentboard/tasks/tool.py"
CHECK = "check_valid_actions"  # main_results_all_tasks.yaml env.tool-query.check_actions
ENV_CLASSES = {"academia": "AcademiaEnv", "weather": "WeatherEnv", "movie": "MovieEnv"}


class ToolCheckout:
    """What one tool-query environment needs from an AgentBoard checkout: its prompt and tool names, the
    messages of its `<tool>_env.py` step, its tools' failed-call subgoal, helpers.py's and tool.py's texts."""

    def __init__(self, root, tool: str):
        self.root = checkout_root(root, "tool_query")
        self.tool = tool
        self.prompt_path = require(self.root, f"agentboard/prompts/VanillaAgent/{tool}_prompt.json")
        self.prompt = read_prompt_file(self.root, f"agentboard/prompts/VanillaAgent/{tool}_prompt.json")
        raw = require(self.root, f"agentboard/prompts/Raw/{tool}_raw.json")
        try:
            self.action_names = [t["name"] for t in json.loads(raw.read_text(encoding="utf-8"))["tool_set_message"]]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise AgentBoardFilesError(f"{raw}: no tool_set_message list of named tools ({exc})") from None
        self.tools_path = require(self.root, f"agentboard/utils/{tool}/{tool}_tools.py")
        wrapper = function_strings(self.tools_path, "log_path", None)
        where = f"{self.tools_path} (log_path)"
        self.failed = (pick(wrapper, where, "the failed-subgoal lead", lambda s: s.endswith(" ") and s[:1].isalpha()),
                       pick(wrapper, where, "the failed-subgoal middle",
                            lambda s: s.startswith(" ") and s.endswith(" ")),
                       pick(wrapper, where, "the failed-subgoal end", lambda s: s.startswith(" ") and s[-1:].isalpha()))
        env = require(self.root, f"agentboard/environment/{tool}_env.py")
        step = function_strings(env, "step", ENV_CLASSES[tool])
        where = f"{env} ({ENV_CLASSES[tool]}.step)"
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
        # the weather episodes start with the longer note (it also asks for get_latitude_longitude)
        self.first_observation = (max if tool == "weather" else min)(finish_notes, key=len)
        self.layout_texts = LayoutTexts.read(self.root)

    def strings(self, function: str, owner: str | None) -> list[str]:
        """String constants of a function of the tools module."""
        return function_strings(self.tools_path, function, owner)

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


def tool_samples(source: str | Path, tools: list[str]) -> list[Sample]:
    """The items of `tools` in the archive's tool-query/test.jsonl, numbered by their line (id `<tool>/<n>`);
    a weather item also needs additional_info.init_config's current_date and current_location."""
    folder = query_dir(source)
    path = folder / "test.jsonl"
    items = read_items(path)
    samples = []
    for index, item in enumerate(items):
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
    skipped = sorted({item["additional_info"]["tool"] for item in items} - set(tools))
    if skipped:
        log.info("%s: items of %s left out (tool_query.tools=%s)", path, ", ".join(skipped), ",".join(tools))
    if not samples:
        raise AgentBoardFilesError(f"{path}: no {' or '.join(tools)} items (additional_info.tool)")
    return samples


# --- the environment -------------------------------------------------------------------------------------------
class Refused(Exception):
    """A tool call the tool itself refuses (its `(False, message)`): grounded, and logged as a failed subgoal."""


def exception_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}({exc})"


class AgentBoardToolEnv:
    """One AgentBoard tool-query item (implements the Environment protocol; the loop uses its `layout`).

    A subclass names its tools and their arguments in `ARGUMENTS` (in the order AgentBoard's step reads them) and
    runs them in `run_tool`, returning the result or raising `Refused`; `subgoal_of` is what a result logs as
    subgoal, `matched` counts gold subgoals found.

    `reward` is AgentBoard's r and `progress` the same value (one rule set here: the `_strict` metrics equal the
    paper ones); `done` is AgentBoard's done, also set when a network error or an exception while matching ends
    the episode (`aborted`); `success`: done, not aborted, r = 1. `subgoals`: its action path's subgoals;
    `last_kind`: the kind of the last answer (`format_error`, `error`, `check`, `failed`, `result` or `crashed`).
    """

    answers_check = True  # check_valid_actions is a tool call here
    ARGUMENTS: dict[str, tuple[str, ...]] = {}
    ALIASES: dict[str, str] = {}
    network_exceptions: tuple[type[BaseException], ...] = ()  # also end the episode (whatever their text)

    def __init__(self, sample: Sample, checkout: ToolCheckout):
        self.checkout = checkout
        self.gold = sample.data["subgoals"]
        self.layout = checkout.layout()
        self.instruction = self.layout.instruction
        self.examples = "\n".join(self.layout.examples)
        self.goal = sample.data["goal"]
        self.reset()

    def reset(self) -> str:
        self.subgoals: list = []
        self.reward = self.progress = 0.0
        self.done = self.success = self.aborted = False
        self.last_parse_error: str | None = None
        self.last_valid, self.last_kind = True, "result"
        self.last_observation = self.checkout.first_observation
        self.reset_tools()
        return self.last_observation

    def reset_tools(self) -> None:
        """A subclass's tool state at the start of an episode."""

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
        try:
            tool = self.ALIASES.get(name, name)
            if name == CHECK:
                observation, kind = self.checkout.valid_lead.format(self.valid_actions()), "check"
            elif tool in self.ARGUMENTS:
                # AgentBoard's step indexes the input by name, in this order: a missing one raises
                observation, kind = self._call(tool, {key: params[key] for key in self.ARGUMENTS[tool]})
            else:
                observation, kind = self.checkout.invalid.format(name), "error"
        except Exception as exc:  # noqa: BLE001 - AgentBoard's step turns any exception into an ERROR answer
            network = isinstance(exc, self.network_exceptions)
            return self._answer("error", self.checkout.error + exception_text(exc), False, network)
        text_observation = str(observation)
        self.done = "finish" in text or "Finish" in text
        if "Invalid" not in text_observation:
            try:
                self.reward = max(self.reward, self.matched() / len(self.gold))
            except Exception as exc:  # noqa: BLE001 - raised out of AgentBoard's step: tool.py ends the episode
                return self._answer("crashed", self.checkout.error + exception_text(exc), False, True)
        self.progress, self.success = self.reward, self.done and self.reward == 1.0
        return self._answer(kind, text_observation, not text_observation.startswith(self.checkout.error))

    def _answer(self, kind: str, observation: str, valid: bool, abort: bool = False) -> tuple[str, bool]:
        self.last_kind, self.last_observation, self.last_valid = kind, observation, valid
        if abort or any(word in observation for word in self.checkout.network_errors):
            # tool.py stops the episode on such an observation, whatever its kind; it is not a success
            self.aborted = self.done = True
            self.success = False
        return observation, valid

    def _call(self, tool: str, kwargs: dict) -> tuple[Any, str]:
        """Run a tool; its result or refusal goes to the subgoals, as AgentBoard's action path logs it."""
        try:
            result = self.run_tool(tool, kwargs)
        except Refused as refusal:
            lead, middle, end = self.checkout.failed
            self.subgoals.append(f"{lead}{tool}{middle}{kwargs}{end}")
            return refusal.args[0], "failed"
        self.subgoals.append(self.subgoal_of(result))
        return result, "result"

    def run_tool(self, tool: str, kwargs: dict) -> Any:
        raise NotImplementedError

    def subgoal_of(self, result: Any) -> Any:
        """What the action path logs as the subgoal of a result (academia: the result itself)."""
        return result

    def matched(self) -> int:
        """Gold subgoals found among the logged ones, each logged value used once (exact equality)."""
        return count_matches(self.gold, self.subgoals)


def finish(answer):
    """The tools' `finish`: a list answer is sorted (an unsortable list raises: an ERROR answer)."""
    return sorted(answer) if type(answer) is list else answer


def refusals(checkout: ToolCheckout, function: str, owner: str) -> list[str]:
    """The messages a tool of the checkout's tools module refuses with (its `return False, "<message>"`
    statements, in source order), read with ast."""
    node = function_node(checkout.tools_path, function, owner)
    found = [r for r in ast.walk(node) if isinstance(r, ast.Return) and isinstance(r.value, ast.Tuple)
             and len(r.value.elts) == 2 and isinstance(r.value.elts[0], ast.Constant) and r.value.elts[0].value is False
             and isinstance(r.value.elts[1], ast.Constant) and isinstance(r.value.elts[1].value, str)]
    return [r.value.elts[1].value for r in sorted(found, key=lambda r: (r.lineno, r.col_offset))]
