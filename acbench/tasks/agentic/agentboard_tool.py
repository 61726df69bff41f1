"""AgentBoard's tool-task step (`agentboard/tasks/tool.py`), shared by its tool environments that acbench runs.

    texts = ToolTexts.read(root)                     # its first observation, format error, bad input, network errors
    class TodoEnv(AgentBoardToolEnv):
        def act(self, name, params, text): ...       # one parsed call, as the environment's own step runs it
    env.step('get_projects with Action Input: {}')   # (observation, grounded)

A step as AgentBoard's `EvalTool.evaluate_env` takes it: the model output goes through its action parser, then its
`name with Action Input: input` split (no split: a format error, the task's text, not grounded, nothing runs); the
input is read as a Python literal (AgentBoard `eval`s it) and a bad one answers "ERROR | Exception(<its message>)";
the environment answers the call (`act`); grounded unless the answer starts with "ERROR | "; an answer naming a
network error (helpers.py's list) ends the episode, not solved, as does an exception out of the environment, and
here also any failure of the HTTP client (a timeout included: AgentBoard has none and would wait for ever).

Texts are read from the checkout's Python files with `ast` (never imported or run): string constants, and f-strings
as `str.format` templates (`template_strings`).
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from pathlib import Path

from acbench.tasks.agentic.agentboard import (AgentBoardFilesError, LayoutTexts, VanillaLayout, _module,
                                              agentboard_action, function_strings, pick, require)
from acbench.tasks.agentic.paper import split_call

HELPERS_FILE = "agentboard/utils/tool/helpers.py"
TASK_FILE = "agentboard/tasks/tool.py"
CHECK = "check_valid_actions"  # main_results_all_tasks.yaml: env.tool-query/tool-operation.check_actions


def _template(node: ast.JoinedStr) -> str:
    parts = []
    for value in node.values:
        if isinstance(value, ast.Constant):
            parts.append(str(value.value).replace("{", "{{").replace("}", "}}"))
        else:
            parts.append("{}")
    return "".join(parts)


def template_strings(path: Path, function: str, owner: str | None = None) -> list[str]:
    """The texts of `owner.function` (or a module-level `function`) in source order: string constants as they are,
    f-strings as `str.format` templates (`f"Task {task_id} is gone."` -> `"Task {} is gone."`)."""
    function_strings(path, function, owner)  # the same errors for a missing class or function
    tree = _module(str(path), path.stat().st_mtime_ns)
    scope = tree if owner is None else next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == owner)
    node = next(n for n in scope.body if isinstance(n, ast.FunctionDef) and n.name == function)
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
    function_strings(path, function, owner)
    tree = _module(str(path), path.stat().st_mtime_ns)
    scope = tree if owner is None else next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == owner)
    node = next(n for n in scope.body if isinstance(n, ast.FunctionDef) and n.name == function)
    found = []
    for n in ast.walk(node):
        if isinstance(n, ast.List):
            try:
                found.append((n.lineno, n.col_offset, ast.literal_eval(n)))
            except ValueError:
                continue
    return [value for _, _, value in sorted(found, key=lambda f: (f[0], f[1]))]


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
    format_error: str  # the observation for an output without `<name> with Action Input: <input>`
    bad_input: str  # parse_action's message for an input that does not evaluate
    network_errors: tuple[str, ...]  # names that end an episode when an observation holds one
    layout: LayoutTexts

    @classmethod
    def read(cls, root: Path) -> "ToolTexts":
        helpers = require(root, HELPERS_FILE)
        bad_input = pick(function_strings(helpers, "parse_action"), f"{helpers} (parse_action)",
                         "the bad-input message", lambda s: " " in s and s.endswith("."))
        network_errors = tuple(function_strings(helpers, "contains_network_error"))
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
        return cls(min(notes, key=len), format_error, bad_input, network_errors, LayoutTexts.read(root))


def exception_text(exc: BaseException) -> str:
    """An exception as AgentBoard's environments render it: `Name(message)`."""
    return f"{type(exc).__name__}({exc})"


class AgentBoardToolEnv:
    """One AgentBoard tool episode (the Environment protocol; the loop uses its `layout`). A subclass sets `layout`,
    `goal`, `error` (its "ERROR | " prefix) and implements `act`; its `reset` calls `start()`.

    `reward` is AgentBoard's r and `progress` the same value (one rule set: the `_strict` metrics equal the paper
    ones); `done`: AgentBoard's done, also set when the episode is aborted (`aborted`: a network error, or an
    exception out of the environment); `success` is the subclass's. `last_kind`: `format_error`, `error` (an
    "ERROR | " answer), `check` or `result`.
    """

    answers_check = True  # check_valid_actions is a call the environment answers itself
    texts: ToolTexts
    layout: VanillaLayout
    error: str

    def start(self) -> str:
        self.reward = self.progress = 0.0
        self.done = self.success = self.aborted = False
        self.last_parse_error: str | None = None
        self.last_valid, self.last_kind = True, "result"
        self.last_observation = self.texts.first_observation
        self.network_failure = False  # set by a client whose request failed
        return self.last_observation

    @property
    def instruction(self) -> str:
        return self.layout.instruction

    @property
    def examples(self) -> str:
        return "\n".join(self.layout.examples)

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
            return self._answer("format_error", self.texts.format_error)
        name, raw = call
        try:
            params = ast.literal_eval(raw)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            self.last_parse_error = "the input is not a Python literal"
            return self._answer("error", f"{self.error}Exception({self.texts.bad_input})")
        try:
            observation, kind = self.act(name, params, f"Action: {name} with Action Input: {raw}")
        except Exception as exc:  # noqa: BLE001 - tool.py ends the episode on an exception out of the environment
            self.aborted = self.done = True
            self.success = False
            return self._answer("error", self.error + exception_text(exc))
        self.progress = self.reward
        return self._answer(kind, observation)

    def act(self, name: str, params, text: str) -> tuple[str, str]:
        """Answer one parsed call (`text`: the call as the environment's step receives it): (observation, kind)."""
        raise NotImplementedError

    def _answer(self, kind: str, observation: str) -> tuple[str, bool]:
        valid = kind != "format_error" and not observation.startswith(self.error)
        self.last_kind, self.last_observation, self.last_valid = kind, observation, valid
        if self.network_failure or any(word in observation for word in self.texts.network_errors):
            # tool.py stops the episode on such an observation, whatever its kind; it is not a success
            self.aborted = self.done = True
        if self.aborted:
            self.success = False
        return observation, valid
