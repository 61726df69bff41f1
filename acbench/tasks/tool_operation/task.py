"""The Tool-Operation task (AgentBoard style): reach a target todo list or spreadsheet through tool calls.

    acbench evaluate --tasks tool_operation

AgentBoard's own todo and sheet environments call Todoist and Google Sheets: `tool_operation.subset=agentboard`
fails when the task is built, naming what they need (acbench does not run them against the live services yet).

Multi-turn (see agentic/loop.py); metrics are described in agentic/agent_task.py and README.md.
"""

from __future__ import annotations

import os

from acbench.errors import ConfigError
from acbench.tasks.agentic.agent_task import AgentTask
from acbench.tasks.agentic.agentboard import ENV_VAR
from acbench.tasks.agentic.agentboard_live import live_tools_error, tool_list
from acbench.tasks.agentic.env import balanced
from acbench.tasks.agentic.paper import ToolPaper
from acbench.tasks.base import Sample
from acbench.tasks.tool_operation.env import ToolOperationEnv, load_operation_suite

__all__ = ["ToolOperationTask", "operation_kind"]

TOOLS = ("todo", "sheet")  # AgentBoard's tool-operation environments, both live services


class ToolOperationTask(AgentTask):
    """Tool-Operation: reach a target state of a todo list and a spreadsheet through tool calls.

    Args:
        subset: `acbench` (the default: our simulators). `agentboard` (AgentBoard's todo and sheet environments,
            which call Todoist and Google Sheets) is an error that names the keys they need: acbench does not run
            them against the live services yet, and never replaces them with its simulators.
        agentboard: the AgentBoard checkout (where the sheet's credential file would be); None:
            $ACBENCH_AGENTBOARD_DIR.
        tools: AgentBoard's environments meant (todo, sheet; default both).
    """

    name = "tool_operation"
    rescores_stored = True  # stored episodes are replayed with the current rules on every run
    version = "2"  # 2: paper scoring (AgentBoard rules) beside acbench's `_strict` rules

    def __init__(self, profile: str = "quick", max_steps: int | None = None, max_new_tokens: int | None = None,
                 batch_size: int | None = None, scoring: str = "paper", subset: str = "acbench",
                 agentboard: str | None = None, tools: str | list[str] | None = None):
        super().__init__(profile, max_steps, max_new_tokens, batch_size, scoring)
        self.subset = str(subset)
        if self.subset not in ("acbench", "agentboard"):
            raise ConfigError(f"unknown tool_operation subset '{self.subset}': choose from acbench, agentboard")
        if self.subset == "acbench":
            if agentboard is not None or tools is not None:
                raise ConfigError("options `agentboard` and `tools` are for tool_operation subset=agentboard")
            return
        live = tool_list(tools, list(TOOLS), TOOLS, "tool_operation")
        checkout = agentboard if agentboard is not None else os.environ.get(ENV_VAR)
        raise live_tools_error("tool_operation", live, checkout)

    def load(self, source: str | None = None, limit: int | None = None) -> list[Sample]:
        return balanced(load_operation_suite(source), limit if limit is not None else self.default_limit)

    def make_env(self, sample: Sample) -> ToolOperationEnv:
        return ToolOperationEnv(sample)

    def gold_actions(self, sample: Sample) -> list[str] | None:
        env = ToolOperationEnv(sample)
        return [env.agentboard_call(call) for call in sample.data["gold_actions"]]

    def make_paper(self, sample: Sample, env: ToolOperationEnv) -> ToolPaper:
        """Todo episodes score gold subgoals and the final todo state; sheet episodes the target sheet."""
        return ToolPaper.from_gold(lambda: ToolOperationEnv(sample), sample.data["gold_actions"],
                                   operation_kind(sample.data["conditions"]))


def operation_kind(conditions: list[dict]) -> str:
    """`todo` when the target state is about tasks, else `sheet`: the AgentBoard environment it stands for."""
    return "todo" if any(c["type"] in ("task", "no_task") for c in conditions) else "sheet"
