"""A base for tool-calling environments: a table of tools, safe call parsing, uniform observations.

A subclass registers tools with `@tool("name(a, b, c=None)")`; the method's docstring is the
description the model sees. A tool raises `ToolError` for a call that cannot be carried out (unknown
entity, wrong state); it must check everything before it changes state, so an invalid call changes
nothing. Results are shown as compact JSON.
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any

from acbench.tasks.agentic.env import ToolCallError, bind_arguments, parse_tool_call


class ToolError(ValueError):
    """A well-formed call that the environment refuses (unknown entity, wrong state)."""


def tool(signature: str):
    """Mark a method as a tool with the signature shown to the model, e.g. `"add_task(project, content, due=None)"`."""
    name, _, params = signature.partition("(")
    names = [p.strip() for p in params.rstrip(")").split(",") if p.strip()]

    def mark(fn):
        fn.tool_signature = signature
        fn.tool_name = name.strip()
        fn.tool_params = [p.split("=")[0].strip() for p in names]
        fn.tool_optional = sum("=" in p for p in names)
        return fn

    return mark


class ToolEnv:
    """Dispatches `tool(args)` actions to methods marked with `@tool`; subclasses define progress."""

    preamble = ""  # what the tools act on, shown before the tool list

    def __init__(self):
        self.tools = {}
        for cls in reversed(type(self).__mro__):  # definition order, so the tool list reads naturally
            for attr, value in vars(cls).items():
                if hasattr(value, "tool_signature"):
                    self.tools[value.tool_name] = getattr(self, attr)
        self.done = False
        self.success = False
        self.progress = 0.0
        self.last_parse_error: str | None = None

    @property
    def instruction(self) -> str:
        lines = [f"- {fn.tool_signature}: {' '.join((fn.__doc__ or '').split())}" for fn in self.tools.values()]
        return (
            f"{self.preamble}\nTools:\n" + "\n".join(lines) + "\n"
            "Call exactly one tool per turn, on one line: the tool name, then `with Action Input:` and a "
            "dict of its arguments (Python literals: True, False, None), e.g. `Action: get_tasks with Action Input: {\"project\": \"Home\"}` "
            "or `Action: get_projects with Action Input: {}`. `check valid actions` lists the tools. "
            "A call that fails changes nothing."
        )

    def valid_actions(self) -> list[str]:
        return [fn.tool_signature for fn in self.tools.values()]

    def step(self, action_text: str) -> tuple[str, bool]:
        self.last_parse_error = None
        try:
            name, args, kwargs = parse_tool_call(action_text)
            fn = self.tools.get(name)
            if fn is None:
                raise ToolCallError(f"unknown tool '{name}'; the tools are {', '.join(self.tools)}")
            bound = bind_arguments(name, fn.tool_params, args, kwargs, fn.tool_optional)
        except ToolCallError as exc:
            self.last_parse_error = str(exc)
            return f"Invalid action: {exc}. Nothing changed.", False
        try:
            result = fn(**bound)
        except ToolError as exc:
            return f"Error: {exc}. Nothing changed.", False
        self.update_progress()
        return render(result), True

    def agentboard_call(self, call: str) -> str:
        """A call written `tool(arg, key=value)` in AgentBoard's form `tool with Action Input: {json}`.

        The prompt asks for this form: AgentBoard's evaluator (paper scoring) reads only it.
        """
        name, args, kwargs = parse_tool_call(call)
        fn = self.tools[name]
        bound = bind_arguments(name, fn.tool_params, args, kwargs, fn.tool_optional)
        text = json.dumps(bound, ensure_ascii=False)
        try:
            ast.literal_eval(text)
        except ValueError:  # true/false/null: AgentBoard evaluates the input as Python, so write Python
            text = repr(bound)
        return f"{name} with Action Input: {text}"

    def update_progress(self) -> None:
        """Recompute `progress`, `success` and `done` after a successful call."""
        raise NotImplementedError


def render(result: Any) -> str:
    return result if isinstance(result, str) else json.dumps(result, ensure_ascii=False)


def norm_text(value: Any) -> str:
    """Lower-case, trimmed, quotes/final period removed; numbers like 3.0 read as 3."""
    text = str(value).strip().strip("\"'`").strip().rstrip(".").lower()
    text = re.sub(r"\s+", " ", text)
    try:
        number = float(text)
        return str(int(number)) if number == int(number) else str(number)
    except (ValueError, OverflowError):
        return text
