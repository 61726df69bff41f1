"""The Tool-Operation task (AgentBoard style): reach a target todo list or spreadsheet through tool calls.

    acbench evaluate --tasks tool_operation

Multi-turn (see agentic/loop.py); metrics are described in agentic/agent_task.py and README.md.
"""

from __future__ import annotations

from acbench.tasks.agentic.agent_task import AgentTask
from acbench.tasks.agentic.env import balanced
from acbench.tasks.agentic.paper import ToolPaper
from acbench.tasks.base import Sample
from acbench.tasks.tool_operation.env import ToolOperationEnv, load_operation_suite

__all__ = ["ToolOperationTask", "operation_kind"]


class ToolOperationTask(AgentTask):
    """Tool-Operation: reach a target state of a todo list and a spreadsheet through tool calls."""

    name = "tool_operation"
    rescores_stored = True  # stored episodes are replayed with the current rules on every run
    version = "2"  # 2: paper scoring (AgentBoard rules) beside acbench's `_strict` rules

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
