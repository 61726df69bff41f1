"""Paper scoring of the agent tasks: AgentBoard's metric definitions, applied to acbench's environments.

Each episode gets a paper scorer next to its environment. The environment drives the interaction and
acbench's own (`_strict`) metrics; the scorer watches the same model outputs and keeps AgentBoard's
progress rate `r`, success and grounding (specs/paper-scoring.md section 6). A scorer owns a private copy
of the world, stepped only by the actions AgentBoard would have executed, so the two rule sets never
disturb each other.

    scorer = ToolPaper.from_gold(make_env, gold, "query")  # Tool-Query; "todo", "sheet" for Tool-Operation
    grounded, observation = scorer.step(output, action)
"""

from __future__ import annotations

import ast
import copy
import re
from collections.abc import Callable
from typing import Any, Protocol

from acbench.tasks.agentic.env import bind_arguments, parse_tool_call
from acbench.tasks.agentic.tool_env import ToolEnv, ToolError

_WS = re.compile(r"\s*")
_CALL = re.compile(r"with\s*Action Input:")
_PREFIX = re.compile(r"action\s*:\s*", re.IGNORECASE)
FORMAT_ERROR = 'Format error, please respond in the format of "Action: [your action] with Action Input: [input]"'
ERROR = "ERROR | "


class PaperScorer(Protocol):
    """AgentBoard's view of one episode: `progress` is r, `done` ends the paper episode."""

    progress: float
    done: bool
    success: bool

    def step(self, output: str, action: str | None) -> tuple[bool, str]: ...


# --- the tool-call format ------------------------------------------------------------------------
def split_call(text: str) -> tuple[str, str] | None:
    """`(name, input)` as AgentBoard's `\\s*(.*?)\\s*with\\s*Action Input:\\s*(.*?)$` search finds them.

    The regex backtracks quadratically on long text without a match; this gives the same groups in
    linear time. The match starts on the line of the first occurrence of `with Action Input:` whose
    remainder (after whitespace) holds no newline; the name is that line's text before it, the input
    the remainder. None when there is no such occurrence (a format error).
    """
    last_newline = text.rfind("\n")
    for match in _CALL.finditer(text):
        start_input = _WS.match(text, match.end()).end()
        if start_input <= last_newline:  # `(.*?)$` cannot cross a newline
            continue
        end_name = match.start()
        while end_name > 0 and text[end_name - 1].isspace():
            end_name -= 1
        line_start = text.rfind("\n", 0, end_name) + 1
        start_name = _WS.match(text, line_start).end()
        return text[start_name:max(start_name, end_name)], text[start_input:]
    return None


def parse_agentboard_call(output: str) -> tuple[str, str] | None:
    """The tool name and raw input of a model output, or None for a format error.

    The split is upstream's (on the stripped output), then its re-split of
    `"Action: " + name + " with Action Input: " + input`. A leading `Action:` is taken off the name:
    acbench's transcript writes it before every action, where AgentBoard's prompt already ends with it.
    """
    found = split_call(output.strip())
    if found is None:
        return None
    name, raw = found
    prefix = _PREFIX.match(name)
    if prefix:
        name = name[prefix.end():]
    return split_call(f"{name} with Action Input: {raw}")


# --- Tool-Query and Tool-Operation -------------------------------------------------------------------
def count_matches(gold: list, predicted: list) -> int:
    """Multiset matching by exact equality: each gold subgoal consumes one equal predicted value."""
    pool, count = list(predicted), 0
    for subgoal in gold:
        if subgoal in pool:
            pool.remove(subgoal)
            count += 1
    return count


def todo_state(env: ToolEnv) -> dict:
    """The todo list without task ids (upstream compares its todo state with ids removed)."""
    return {p: [{k: v for k, v in t.items() if k != "id"} for t in tasks]
            for p, tasks in env.state["projects"].items()}


def sheet_grid(env: ToolEnv) -> list[list]:
    """All values of the spreadsheet, header row first, as a spreadsheet would return them."""
    sheet = env.state["sheet"]
    return [list(sheet["columns"])] + [list(row) for row in sheet["rows"]]


def sheet_match(current: list[list], target: list[list]) -> float:
    """Equal cells / cells of the top-left overlap (columns from the first rows); 0 for no overlap."""
    rows = min(len(current), len(target))
    cols = min(len(current[0]) if current else 0, len(target[0]) if target else 0)
    if not rows or not cols:
        return 0.0
    equal = sum(j < len(current[i]) and j < len(target[i]) and current[i][j] == target[i][j]
                for i in range(rows) for j in range(cols))
    return equal / (rows * cols)


def _raw_result(env: ToolEnv, name: str, kwargs: dict, kind: str):
    """Call a tool and return its raw result; Tool-Query's finish returns the answer (lists sorted)."""
    result = env.tools[name](**kwargs)
    if kind == "query" and name == "finish":
        answer = kwargs["answer"]
        return sorted(answer) if isinstance(answer, list) else answer
    return copy.deepcopy(result)  # tools may return live state, which later calls change


class ToolPaper:
    """AgentBoard's tool rules on a private copy of an acbench tool environment.

    Args:
        env: a fresh environment, stepped only by the calls AgentBoard would execute.
        kind: `query` (academia), `todo` or `sheet` (the two Tool-Operation environments).
        gold: the gold subgoals (query, todo): raw results of the gold calls.
        gold_todo: the todo state after the gold calls (todo success).
        target: the sheet after the gold calls (sheet progress).
    """

    def __init__(self, env: ToolEnv, kind: str, gold: list | None = None, gold_todo: dict | None = None,
                 target: list[list] | None = None):
        if kind not in ("query", "todo", "sheet"):
            raise ValueError(f"unknown tool environment kind '{kind}'")
        self.env, self.kind = env, kind
        self.gold, self.gold_todo, self.target = list(gold or []), gold_todo, target
        self.subgoals: list = []
        self.progress = 0.0
        self.done = self.success = False

    @classmethod
    def from_gold(cls, make_env: Callable[[], ToolEnv], gold_actions: list[str], kind: str) -> ToolPaper:
        """Replay the gold calls (acbench syntax) in a fresh environment to get the gold subgoals/target."""
        env = make_env()
        gold = []
        for call in gold_actions:
            name, args, kwargs = parse_tool_call(call)
            fn = env.tools[name]
            gold.append(_raw_result(env, name, bind_arguments(name, fn.tool_params, args, kwargs,
                                                               fn.tool_optional), kind))
        if kind == "sheet":
            return cls(make_env(), kind, target=sheet_grid(env))
        return cls(make_env(), kind, gold=gold, gold_todo=todo_state(env) if kind == "todo" else None)

    def _finished(self, action: str) -> bool:
        return "finish" in action.lower() if self.kind == "sheet" else ("finish" in action or "Finish" in action)

    def _update(self, observation: Any) -> None:
        if "Invalid" in str(observation):  # upstream skips the progress update for such observations
            return
        if self.kind == "sheet":
            self.progress = max(self.progress, sheet_match(sheet_grid(self.env), self.target))
        elif self.gold:
            self.progress = max(self.progress, count_matches(self.gold, self.subgoals) / len(self.gold))

    def _end(self, done: bool) -> None:
        self.done = done
        if done:
            self.success = self.progress == 1.0 and (self.kind != "todo" or todo_state(self.env) == self.gold_todo)

    def step(self, output: str, action: str | None = None) -> tuple[bool, str]:
        """Score one model output; returns (grounded, AgentBoard-style observation)."""
        call = parse_agentboard_call(output)
        if call is None:
            return False, FORMAT_ERROR
        name, raw = call
        text = f"Action: {name} with Action Input: {raw}"
        try:
            params = ast.literal_eval(raw)  # upstream eval()s; literal inputs read the same
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError) as exc:
            return False, f"{ERROR}{type(exc).__name__}({exc})"
        if self.kind == "query" and name == "neighborCheck":
            name = "neighbourCheck"
        fn = self.env.tools.get(name)
        if fn is None:
            if name == "check_valid_actions" and self.kind != "sheet":
                observation = "You can use following valid actions: " + str(list(self.env.tools))
                self._update(observation)
                self._end(self._finished(text))
                return True, observation
            self._end(self._finished(text))  # done is set before the skipped update, as upstream
            return False, f"{ERROR}Invalid action: {name}."
        required = fn.tool_params[:len(fn.tool_params) - fn.tool_optional]
        try:  # upstream indexes the input by argument name: a missing one raises, extra ones are ignored
            kwargs = {p: params[p] for p in required}
            if isinstance(params, dict):
                kwargs.update({p: params[p] for p in fn.tool_params[len(required):] if p in params})
        except (KeyError, TypeError, IndexError) as exc:
            return self._tool_exception(exc)
        try:
            result = _raw_result(self.env, name, kwargs, self.kind)
        except ToolError as exc:
            if self.kind == "sheet":  # the sheet tools raise; the error still updates r
                return self._tool_exception(exc)
            self.subgoals.append(f"Calling {name} with {kwargs} failed")  # a failed call, still grounded
            observation: Any = str(exc)
        except Exception as exc:  # noqa: BLE001 - any other failure is upstream's "ERROR | " branch
            return self._tool_exception(exc)
        else:
            if self.kind != "sheet":
                self.subgoals.append(result)
            observation = result
        self._update(observation)
        self._end(self._finished(text))
        return True, str(observation)

    def _tool_exception(self, exc: Exception) -> tuple[bool, str]:
        """A call that raised: ERROR, not done; only the sheet still updates r (upstream's except branch)."""
        observation = f"{ERROR}{type(exc).__name__}({exc})"
        if self.kind == "sheet":
            self.done = False
            self._update(observation)
        return False, observation
