"""What the agent loop needs of an environment, and helpers shared by the environments.

An environment is a real simulator: `reset()` gives the first observation, `step(action_text)`
changes the state (or, for an invalid action, changes nothing and says why) and returns
`(observation, valid)`. `progress` is the current fraction of subgoals reached; the loop keeps the
highest value ever seen. `last_parse_error` is set by `step` when the text was not an action at all
(as opposed to a well-formed action whose preconditions fail).
"""

from __future__ import annotations

import ast
import json
from collections import defaultdict
from typing import Any, Protocol, runtime_checkable

from acbench.tasks.base import Sample


@runtime_checkable
class Environment(Protocol):
    """One episode's simulator."""

    instruction: str  # the task description and the action format
    examples: str  # a worked example of the interaction
    goal: str  # what this episode asks for
    progress: float  # fraction of subgoals reached now, in [0, 1]
    done: bool  # the episode is over (goal reached or the agent finished)
    success: bool  # the episode is solved
    last_parse_error: str | None

    def reset(self) -> str: ...

    def step(self, action_text: str) -> tuple[str, bool]: ...

    def valid_actions(self) -> list[str]: ...


class ToolCallError(ValueError):
    """An action that is not a well-formed tool call."""


def parse_tool_call(text: str) -> tuple[str, list[Any], dict[str, Any]]:
    """Parse `name(arg, key=value)` or `name {json}` / `name with Action Input: {json}` safely.

    The braces form is read as JSON, or else as a Python dict literal (as AgentBoard reads it).

    Arguments must be literals (strings, numbers, lists, dicts, True/False/None); they are read with
    `ast.literal_eval` on the parsed syntax tree or `json.loads`, never evaluated as code.

    Returns:
        (tool name, positional arguments, keyword arguments).

    Raises:
        ToolCallError: the text is not a call with literal arguments.
    """
    text = text.strip().rstrip(".;")
    if not text:
        raise ToolCallError("empty action")
    head, sep, rest = text.partition("{")
    if sep and "(" not in head:  # AgentBoard style: `tool with Action Input: {"k": v}`
        name = head.replace("with Action Input:", " ").replace("Action Input:", " ").strip()
        try:
            kwargs = json.loads("{" + rest)
        except json.JSONDecodeError as exc:
            try:  # AgentBoard reads the input as a Python literal (True, 'single quotes')
                kwargs = ast.literal_eval("{" + rest)
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                raise ToolCallError(f"arguments are not valid JSON: {exc.msg}") from exc
        if not name.isidentifier() or not isinstance(kwargs, dict):
            raise ToolCallError("expected `tool_name {json object}`")
        return name, [], kwargs
    if "(" not in text:
        if text.isidentifier():  # a call without arguments may omit the parentheses
            return text, [], {}
        raise ToolCallError("expected a tool call such as `tool_name(argument, ...)`")
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError as exc:
        raise ToolCallError(f"not a valid call: {exc.msg}") from exc
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
        raise ToolCallError("expected a tool call such as `tool_name(argument, ...)`")
    try:
        args = [ast.literal_eval(a) for a in node.args]
        kwargs = {k.arg: ast.literal_eval(k.value) for k in node.keywords if k.arg}
    except (ValueError, TypeError) as exc:  # TypeError: an unhashable dict key or set item, `{[1]: 2}`
        raise ToolCallError("arguments must be literals (quoted strings, numbers, lists)") from exc
    if len(kwargs) != len(node.keywords):
        raise ToolCallError("**kwargs are not allowed")
    # `tool({"k": v})`: a single dict argument is the keyword arguments
    if len(args) == 1 and not kwargs and isinstance(args[0], dict):
        kwargs, args = args[0], []
    return node.func.id, args, kwargs


def bind_arguments(tool: str, params: list[str], args: list, kwargs: dict, optional: int = 0) -> dict:
    """Map positional and keyword arguments onto a tool's parameter names, with a clear error.

    The last `optional` parameters may be omitted.
    """
    if len(args) > len(params):
        raise ToolCallError(f"{tool} takes {len(params)} argument(s) ({', '.join(params)}), got {len(args)}")
    bound = dict(zip(params, args))
    for key, value in kwargs.items():
        if key not in params:
            raise ToolCallError(f"{tool} has no argument '{key}'; it takes ({', '.join(params)})")
        if key in bound:
            raise ToolCallError(f"{tool} got argument '{key}' twice")
        bound[key] = value
    missing = [p for p in params[: len(params) - optional] if p not in bound]
    if missing:
        raise ToolCallError(f"{tool} is missing argument(s): {', '.join(missing)}")
    return bound


def balanced(samples: list[Sample], n: int | None, key=lambda s: s.data.get("difficulty")) -> list[Sample]:
    """The first `n` samples taken round-robin across groups (e.g. easy/hard), stable within a group."""
    if n is None or n >= len(samples):
        return list(samples)
    groups: dict[Any, list[Sample]] = defaultdict(list)
    for s in samples:
        groups[key(s)].append(s)
    queues = list(groups.values())
    picked: list[Sample] = []
    while len(picked) < n:
        for queue in queues:
            if queue and len(picked) < n:
                picked.append(queue.pop(0))
    return picked
