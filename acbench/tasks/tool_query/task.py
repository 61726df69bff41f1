"""The Tool-Query task (AgentBoard style): questions over an offline academic graph, answered through tool calls.

    acbench evaluate --tasks tool_query

Multi-turn (see agentic/loop.py); metrics are described in agentic/agent_task.py and README.md.
"""

from __future__ import annotations

from acbench.tasks.agentic.agent_task import AgentTask
from acbench.tasks.agentic.env import balanced
from acbench.tasks.agentic.paper import ToolPaper
from acbench.tasks.base import Sample
from acbench.tasks.tool_query.env import ToolQueryEnv, load_query_suite

__all__ = ["ToolQueryTask"]


class ToolQueryTask(AgentTask):
    """Tool-Query: questions over an offline academic graph, answered through tool calls."""

    name = "tool_query"
    rescores_stored = True  # stored episodes are replayed with the current rules on every run
    version = "2"  # 2: paper scoring (AgentBoard rules) beside acbench's `_strict` rules

    def load(self, source: str | None = None, limit: int | None = None) -> list[Sample]:
        return balanced(load_query_suite(source), limit if limit is not None else self.default_limit)

    def make_env(self, sample: Sample) -> ToolQueryEnv:
        return ToolQueryEnv(sample)

    def gold_actions(self, sample: Sample) -> list[str] | None:
        env = ToolQueryEnv(sample)
        return [env.agentboard_call(call) for call in sample.data["gold_actions"]]

    def make_paper(self, sample: Sample, env: ToolQueryEnv) -> ToolPaper:
        """Gold subgoals: the raw results of the gold calls, replayed once per episode, and the answer."""
        return ToolPaper.from_gold(lambda: ToolQueryEnv(sample), sample.data["gold_actions"], "query")
