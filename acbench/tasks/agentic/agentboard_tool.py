"""AgentBoard's tool-task step (`agentboard/tasks/tool.py`, `agentboard/utils/tool/helpers.py`), shared by the five
tool environments acbench runs: academia, weather, movie (tool_query) and todo, sheet (tool_operation).

    checkout = ToolCheckout("/src/AgentBoard", "movie", "tool_query")   # prompt, tool names, texts (read with ast)
    class AgentBoardMovieEnv(AgentBoardToolEnv):
        ARGUMENTS = {"get_search_movie": ("movie_name",), ...}         # each tool's arguments, in its step's order
        def run_tool(self, tool, kwargs): ...                           # the result, or raise Refused(message)
    env.step('get_search_movie with Action Input: {"movie_name": "Heat"}')   # (observation, grounded)

A step as AgentBoard's `EvalTool.evaluate_env` takes it: the model output goes through the VanillaAgent's action
parser, then the `name with Action Input: input` split (no split: a format error, the task's text, not grounded,
nothing runs); the input is read as a Python literal (AgentBoard `eval`s it) and a bad one answers
"ERROR | Exception(<parse_action's message>)"; the environment answers the call (`act`); grounded unless the answer
starts with "ERROR | ". An answer naming a network error (helpers.py's list) ends the episode, not solved, as
tool.py stops it; so does an exception out of the environment's step, and a failure of acbench's HTTP client that
the environment names (`network_exceptions`: AgentBoard's calls have no timeout and would wait for ever).

The default `act` is the step of the environments that log subgoals (`<tool>_env.py` of academia, weather, movie
and todo): `check_valid_actions` lists `prompts/Raw/<tool>_raw.json`'s tool names; an unknown name is "Invalid
action"; a tool's result is the observation and logs a subgoal (the result, as the tool's `log_path` cleans it);
a refused call (the tool's own `(False, message)`) is grounded and logs "Calling <tool> with <input> failed"; an
exception in the call answers `ERROR | Name(message)`: not grounded, no subgoal, no update. After any other call:
done when "finish" or "Finish" is anywhere in the call; unless the observation holds "Invalid", r = max(r, gold
subgoals matched / gold subgoals) (each environment's matching rule). Success: done and r = 1 (todo also checks
the account's final state). The sheet environment scores cells instead and has its own `act`.

Texts are read from the checkout's Python files with `ast` (never imported or run): string constants, and
f-strings as `str.format` templates (`template_strings`); a missing file or text fails naming the file.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from acbench.tasks.agentic.agentboard import (AgentBoardFilesError, LayoutTexts, VanillaLayout, agentboard_action,
                                              checkout_root, function_node, function_strings, pick, read_prompt_file,
                                              require)
from acbench.tasks.agentic.paper import count_matches, split_call
from acbench.tasks.base import Sample

HELPERS_FILE = "agentboard/utils/tool/helpers.py"
TASK_FILE = "agentboard/tasks/tool.py"
CHECK = "check_valid_actions"  # main_results_all_tasks.yaml: env.tool-query/tool-operation.check_actions
ENV_CLASSES = {"academia": "AcademiaEnv", "weather": "WeatherEnv", "movie": "MovieEnv", "todo": "TodoEnv",
               "sheet": "SheetEnv"}
TOOLS_FILES = {"sheet": "agentboard/utils/sheet/sheets_tools.py"}  # else agentboard/utils/<tool>/<tool>_tools.py


# --- texts of the checkout, read with ast ------------------------------------------------------------------------
def _template(node: ast.JoinedStr) -> str:
    return "".join(str(v.value).replace("{", "{{").replace("}", "}}") if isinstance(v, ast.Constant) else "{}"
                   for v in node.values)


def template_strings(path: Path, function: str, owner: str | None = None) -> list[str]:
    """The texts of `owner.function` (or a module-level `function`) in source order: string constants as they are,
    f-strings as `str.format` templates (`f"Task {task_id} is gone."` -> `"Task {} is gone."`)."""
    node = function_node(path, function, owner)
    inside = {id(v) for n in ast.walk(node) if isinstance(n, ast.JoinedStr) for v in ast.walk(n) if v is not n}
    found = []
    for n in ast.walk(node):
        if isinstance(n, ast.JoinedStr) and id(n) not in inside:
            found.append((n.lineno, n.col_offset, _template(n)))
        elif isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in inside:
            found.append((n.lineno, n.col_offset, n.value))
    return [text for _, _, text in sorted(found)]


def function_lists(path: Path, function: str, owner: str | None = None) -> list[list]:
    """The literal lists inside a function (e.g. the operators a tool accepts), in source order."""
    found = []
    for n in ast.walk(function_node(path, function, owner)):
        if isinstance(n, ast.List):
            try:
                found.append((n.lineno, n.col_offset, ast.literal_eval(n)))
            except ValueError:
                continue
    return [value for _, _, value in sorted(found, key=lambda f: (f[0], f[1]))]


def refusals(path: Path, function: str, owner: str) -> list[str]:
    """The messages a tool refuses with (its `return False, "<message>"` statements, in source order)."""
    node = function_node(path, function, owner)
    found = [r for r in ast.walk(node) if isinstance(r, ast.Return) and isinstance(r.value, ast.Tuple)
             and len(r.value.elts) == 2 and isinstance(r.value.elts[0], ast.Constant) and r.value.elts[0].value is False
             and isinstance(r.value.elts[1], ast.Constant) and isinstance(r.value.elts[1].value, str)]
    return [r.value.elts[1].value for r in sorted(found, key=lambda r: (r.lineno, r.col_offset))]


def action_names(root: Path, relative: str) -> list[str]:
    """The tool names of a `prompts/Raw/<tool>_raw.json` (what `check_valid_actions` lists)."""
    path = require(root, relative)
    try:
        return [t["name"] for t in json.loads(path.read_text(encoding="utf-8"))["tool_set_message"]]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise AgentBoardFilesError(f"{path}: no tool_set_message list of named tools ({exc})") from None


@dataclass(frozen=True)
class ToolTexts:
    """What tool.py and helpers.py say around any tool environment's answers."""

    first_observation: str  # the task's first observation for a tool other than weather
    weather_first_observation: str  # weather's (it also asks for get_latitude_longitude)
    format_error: str  # the observation for an output without `<name> with Action Input: <input>`
    bad_input: str  # parse_action's message for an input that does not evaluate
    network_errors: list[str]  # names that end an episode when an observation holds one
    layout: LayoutTexts

    @classmethod
    def read(cls, root: Path) -> "ToolTexts":
        helpers = require(root, HELPERS_FILE)
        bad_input = pick(function_strings(helpers, "parse_action"), f"{helpers} (parse_action)",
                         "the bad-input message", lambda s: " " in s and s.endswith("."))
        network_errors = function_strings(helpers, "contains_network_error")
        if not network_errors:
            raise AgentBoardFilesError(f"{helpers} (contains_network_error): no error names")
        task = require(root, TASK_FILE)
        evaluate = function_strings(task, "evaluate_env", "EvalTool")
        where = f"{task} (EvalTool.evaluate_env)"
        format_error = pick(evaluate, where, "the format-error message",
                            lambda s: "format" in s.lower() and "Action Input" in s)
        notes = [s for s in evaluate if "'finish'" in s]
        if not notes:
            raise AgentBoardFilesError(f"{where}: cannot find the first observation (a changed AgentBoard?)")
        return cls(min(notes, key=len), max(notes, key=len), format_error, bad_input, network_errors,
                   LayoutTexts.read(root))


class ToolCheckout:
    """What one tool environment needs from an AgentBoard checkout: its prompt and tool names, the messages of its
    `<tool>_env.py` step and, where its tools log subgoals, their failed-call subgoal; with tool.py's and
    helpers.py's texts (`texts`, read once per checkout where several environments share them)."""

    logs_subgoals = True  # its step answers check_valid_actions and its tools log a refused call (all but sheet)

    def __init__(self, root, tool: str, task: str, texts: ToolTexts | None = None):
        self.root = checkout_root(root, task)
        self.tool = tool
        self.texts = ToolTexts.read(self.root) if texts is None else texts
        self.first_observation = (self.texts.weather_first_observation if tool == "weather"
                                  else self.texts.first_observation)
        relative = f"agentboard/prompts/VanillaAgent/{tool}_prompt.json"
        self.prompt_path = require(self.root, relative)
        self.prompt = read_prompt_file(self.root, relative)
        self.action_names = action_names(self.root, f"agentboard/prompts/Raw/{tool}_raw.json")
        self.tools_path = require(self.root, TOOLS_FILES.get(tool, f"agentboard/utils/{tool}/{tool}_tools.py"))
        self.env_path = require(self.root, f"agentboard/environment/{tool}_env.py")
        step = template_strings(self.env_path, "step", ENV_CLASSES[tool])
        where = f"{self.env_path} ({ENV_CLASSES[tool]}.step)"
        self.error = pick(step, where, "the error prefix", lambda s: s.rstrip().endswith("|"))
        self.invalid = pick(step, where, "the invalid-action message", lambda s: "{}" in s and "Invalid" in s)
        if self.logs_subgoals:
            self.valid_lead = pick(step, where, "the valid-actions message",
                                   lambda s: "{}" in s and "valid actions" in s)
            wrapper = function_strings(self.tools_path, "log_path")
            where = f"{self.tools_path} (log_path)"
            self.failed = (
                pick(wrapper, where, "the failed-subgoal lead", lambda s: s.endswith(" ") and s[:1].isalpha()),
                pick(wrapper, where, "the failed-subgoal middle", lambda s: s.startswith(" ") and s.endswith(" ")),
                pick(wrapper, where, "the failed-subgoal end", lambda s: s.startswith(" ") and s[-1:].isalpha()))

    @property
    def format_error(self) -> str:
        return self.texts.format_error

    @property
    def bad_input(self) -> str:
        return self.texts.bad_input

    @property
    def network_errors(self) -> list[str]:
        return self.texts.network_errors

    def strings(self, function: str, owner: str | None) -> list[str]:
        """The texts of a function of the tools module (f-strings as templates)."""
        return template_strings(self.tools_path, function, owner)

    def layout(self) -> VanillaLayout:
        examples = self.prompt["examples"]
        return VanillaLayout(self.texts.layout, self.prompt["system_msg"], self.prompt["instruction"],
                             [examples] if isinstance(examples, str) else list(examples), check_actions=CHECK)


# --- data ------------------------------------------------------------------------------------------------------
def archive_dir(source: str | Path, name: str) -> Path:
    """The data archive's `name` folder (tool-query, tool-operation): `source` itself (holding test.jsonl), or its
    `name` sub-folder (the archive's data/ folder)."""
    root = Path(source).expanduser()
    if (root / name).is_dir() and not (root / "test.jsonl").is_file():
        root = root / name
    return root


def read_items(path: Path, name: str) -> list[tuple[int, dict]]:
    """The items of an archive's `<name>/test.jsonl` with their line index (blank lines skipped), each checked
    for the fields every AgentBoard tool task reads (goal, additional_info.tool)."""
    if not path.is_file():
        raise AgentBoardFilesError(f"AgentBoard {name} items not found: {path} (its data archive's "
                                   f"data/{name}/test.jsonl)")
    items = []
    for index, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise AgentBoardFilesError(f"{path} line {index + 1}: not JSON ({exc.msg})") from None
        info = item.get("additional_info") if isinstance(item, dict) else None
        if not isinstance(info, dict) or not isinstance(info.get("tool"), str) or not isinstance(item.get("goal"), str):
            raise AgentBoardFilesError(f"{path} line {index + 1}: an item needs goal and additional_info.tool")
        items.append((index, item))
    return items


# --- the environment -------------------------------------------------------------------------------------------
class Refused(Exception):
    """A tool call the tool itself refuses (its `(False, message)`): grounded, and logged as a failed subgoal."""


def exception_text(exc: BaseException) -> str:
    """An exception as AgentBoard's environments render it: `Name(message)`."""
    return f"{type(exc).__name__}({exc})"


def finish(answer):
    """The tools' `finish`: a list answer is sorted (an unsortable list raises: an ERROR answer)."""
    return sorted(answer) if type(answer) is list else answer


class AgentBoardToolEnv:
    """One AgentBoard tool episode (the Environment protocol; the loop uses its `layout`).

    A subclass names its tools and their arguments in `ARGUMENTS` (in the order AgentBoard's step reads them) and
    runs them in `run_tool` (by default its `tools` object's method of that name), returning the result or raising
    `Refused`; `subgoal_of` is what a result logs as
    subgoal, `matched` counts gold subgoals found, `solved` adds to r = 1 for success; `reset_tools` sets the tools'
    state for an episode. An environment with another step overrides `act`.

    `reward` is AgentBoard's r and `progress` the same value (one rule set: the `_strict` metrics equal the paper
    ones); `done`: AgentBoard's done, also set when the episode is aborted (`aborted`: a network error, or an
    exception out of the environment's step); `success`: done, not aborted, r = 1 (and `solved`). `subgoals`: the
    action path's subgoals; `last_kind`: the kind of the last answer (`format_error`, `error`, `check`, `failed`,
    `result` or `crashed`).
    """

    answers_check = True  # check_valid_actions is a call the environment answers itself
    ARGUMENTS: dict[str, tuple[str, ...]] = {}
    ALIASES: dict[str, str] = {}
    network_exceptions: tuple[type[BaseException], ...] = ()  # acbench's client failures that end the episode

    def __init__(self, sample: Sample, checkout: ToolCheckout):
        self.checkout = checkout
        self.goal, self.gold = sample.data["goal"], sample.data.get("subgoals")
        self.layout = checkout.layout()
        self.start()

    @property
    def instruction(self) -> str:
        return self.layout.instruction

    @property
    def examples(self) -> str:
        return "\n".join(self.layout.examples)

    def reset(self) -> str:
        return self.start()

    def start(self) -> str:
        """The episode's bookkeeping and the tools' state (`reset_tools`) as at its start; the first observation."""
        self.subgoals: list = []
        self.reward = self.progress = 0.0
        self.done = self.success = self.aborted = False
        self.last_parse_error: str | None = None
        self.last_valid, self.last_kind = True, "result"
        self.last_observation = self.checkout.first_observation
        self.network_failure = False  # set when acbench's client failed (network_exceptions)
        self.reset_tools()
        return self.last_observation

    def reset_tools(self) -> None:
        """A subclass's tool state at the start of an episode."""

    def valid_actions(self) -> list[str]:
        return list(self.checkout.action_names)

    def extract_action(self, output: str) -> str:
        """The call as AgentBoard's agent memory holds it (`<name> with Action Input: <input>`); "" when the output
        has no such call (a format error, as AgentBoard records it)."""
        call = split_call(agentboard_action(output).strip())
        return "" if call is None else f"{call[0]} with Action Input: {call[1]}"

    def step(self, action_text: str) -> tuple[str, bool]:
        self.last_parse_error = None
        call = split_call(action_text.strip())
        if call is None:
            self.last_parse_error = "no `<tool> with Action Input: <input>` call"
            return self._answer("format_error", self.checkout.format_error)
        name, raw = call
        try:
            params = ast.literal_eval(raw)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            self.last_parse_error = "the input is not a Python literal"
            return self._answer("error", f"{self.checkout.error}Exception({self.checkout.bad_input})")
        try:
            observation, kind = self.act(name, params, f"Action: {name} with Action Input: {raw}")
        except Exception as exc:  # noqa: BLE001 - raised out of AgentBoard's step: tool.py ends the episode
            return self._answer("crashed", self.checkout.error + exception_text(exc), abort=True)
        self.progress = self.reward
        return self._answer(kind, observation)

    def act(self, name: str, params, text: str) -> tuple[str, str]:
        """Answer one parsed call (`text`: the call as the environment's step receives it): (observation, kind)."""
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
            self.network_failure = isinstance(exc, self.network_exceptions)
            return self.checkout.error + exception_text(exc), "error"
        observation = str(observation)
        self.done = "finish" in text or "Finish" in text
        if "Invalid" not in observation:
            self.reward = max(self.reward, self.matched() / len(self.gold))
        self.success = self.done and self.solved(observation)
        return observation, kind

    def _answer(self, kind: str, observation: str, abort: bool = False) -> tuple[str, bool]:
        valid = kind != "format_error" and not observation.startswith(self.checkout.error)
        self.last_kind, self.last_observation, self.last_valid = kind, observation, valid
        if abort or self.network_failure or any(word in observation for word in self.checkout.network_errors):
            # tool.py stops the episode on such an observation, whatever its kind; it is not a success
            self.aborted = self.done = True
        if self.aborted:
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
        """The tool's result, or Refused: by default the method of the subclass's `tools` named after it."""
        return getattr(self.tools, tool)(**kwargs)

    def subgoal_of(self, result: Any) -> Any:
        """What the action path logs as the subgoal of a result (academia: the result itself)."""
        return result

    def matched(self) -> int:
        """Gold subgoals found among the logged ones, each logged value used once (exact equality)."""
        return count_matches(self.gold, self.subgoals)

    def solved(self, observation: str) -> bool:
        """Whether a done episode is a success (called once it is done)."""
        return self.reward == 1.0
