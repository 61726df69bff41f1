"""The Tool-Query task (AgentBoard style): questions over an offline academic graph, or AgentBoard's academia items.

    acbench evaluate --tasks tool_query
    acbench evaluate --tasks tool_query --task-option tool_query.subset=agentboard \
        --task-option tool_query.agentboard=/src/AgentBoard --data tool_query=/src/AgentBoard/data

Multi-turn (see agentic/loop.py); metrics are described in agentic/agent_task.py and README.md.
"""

from __future__ import annotations

import os
from pathlib import Path

from acbench.errors import ConfigError
from acbench.tasks.agentic.agent_task import AgentTask, group_metrics
from acbench.tasks.agentic.agentboard import ENV_VAR, EnvironmentRules, file_sha256
from acbench.tasks.agentic.agentboard_live import LIVE_TOOLS, live_tools_error, tool_list
from acbench.tasks.agentic.env import balanced
from acbench.tasks.agentic.paper import ToolPaper
from acbench.tasks.base import Sample, TaskResult
from acbench.tasks.tool_query.agentboard import AcademiaCheckout, AgentBoardAcademiaEnv, academia_samples, query_dir
from acbench.tasks.tool_query.env import ToolQueryEnv, load_query_suite

__all__ = ["ToolQueryTask"]

TOOLS = ("academia", "weather", "movie")  # AgentBoard's tool-query environments


class ToolQueryTask(AgentTask):
    """Tool-Query: questions over an offline academic graph, answered through tool calls.

    Args:
        subset: `acbench` (our graph, questions and prompt) or `agentboard` (AgentBoard's academia items, graphs,
            tools, texts and rules: agentboard.py). None: `agentboard` when option `agentboard` or `tools` is
            given, or on the paper profile when $ACBENCH_AGENTBOARD_DIR names a checkout whose data/tool-query
            holds test.jsonl; else `acbench`.
        agentboard: the AgentBoard checkout (prompt and texts are read from it at run time); None:
            $ACBENCH_AGENTBOARD_DIR. Its data/tool-query (the data archive unpacked there) is the default data.
        tools: AgentBoard's tool-query environments to play (default academia). weather and movie call live
            web services, which acbench does not run yet: naming them is an error that says what they need.
    """

    name = "tool_query"
    rescores_stored = True  # stored episodes are replayed with the current rules on every run
    version = "2"  # 2: paper scoring (AgentBoard rules) beside acbench's `_strict` rules

    def __init__(self, profile: str = "quick", max_steps: int | None = None, max_new_tokens: int | None = None,
                 batch_size: int | None = None, scoring: str = "paper", subset: str | None = None,
                 agentboard: str | None = None, tools: str | list[str] | None = None):
        super().__init__(profile, max_steps, max_new_tokens, batch_size, scoring)
        named = os.environ.get(ENV_VAR)
        present = bool(named) and (Path(named) / "data" / "tool-query" / "test.jsonl").is_file()
        default = "agentboard" if agentboard is not None or tools is not None or (profile == "paper" and present) \
            else "acbench"
        self.subset = str(subset) if subset is not None else default
        if self.subset not in ("acbench", "agentboard"):
            raise ConfigError(f"unknown tool_query subset '{self.subset}': choose from acbench, agentboard")
        self.agentboard, self.tools, self.prompt_sha256, self.data_sha256 = None, None, None, None
        if self.subset == "acbench":
            if agentboard is not None or tools is not None:
                raise ConfigError("options `agentboard` and `tools` are for tool_query subset=agentboard")
            return
        self.tools = tool_list(tools, ["academia"], TOOLS, "tool_query")
        live = [t for t in self.tools if t in LIVE_TOOLS]
        if live:
            checkout = agentboard if agentboard is not None else named
            raise live_tools_error("tool_query", live, checkout, ("academia",))
        self._checkout = AcademiaCheckout(agentboard)  # a missing file fails here, before any model loads
        self.agentboard = str(self._checkout.root.resolve())
        self.prompt_sha256 = file_sha256(self._checkout.prompt_path)  # part of the results key
        self.default_limit = None  # AgentBoard's items are the point: all of them unless --limit says less

    def load(self, source: str | None = None, limit: int | None = None) -> list[Sample]:
        if self.subset == "agentboard":
            folder = query_dir(source if source is not None else self._checkout.root / "data")
            samples = academia_samples(folder)  # a missing or unreadable file fails here, before any model
            self.data_sha256 = file_sha256(folder / "test.jsonl")  # part of the results key
            return balanced(samples, limit)
        return balanced(load_query_suite(source), limit if limit is not None else self.default_limit)

    def make_env(self, sample: Sample) -> ToolQueryEnv | AgentBoardAcademiaEnv:
        if self.subset == "agentboard":
            return AgentBoardAcademiaEnv(sample, self._checkout)
        return ToolQueryEnv(sample)

    def gold_actions(self, sample: Sample) -> list[str] | None:
        """The data's gold calls; AgentBoard's items have gold subgoals but no gold calls: none for that subset."""
        if self.subset == "agentboard":
            return None
        env = ToolQueryEnv(sample)
        return [env.agentboard_call(call) for call in sample.data["gold_actions"]]

    def make_paper(self, sample: Sample, env: ToolQueryEnv | AgentBoardAcademiaEnv):
        """Gold subgoals: the raw results of the gold calls, replayed once per episode, and the answer
        (AgentBoard's subset: its environment keeps its own rules)."""
        if self.subset == "agentboard":
            return EnvironmentRules(env)
        return ToolPaper.from_gold(lambda: ToolQueryEnv(sample), sample.data["gold_actions"], "query")

    def aggregate(self, records: list[dict]) -> TaskResult:
        result = super().aggregate(records)
        if self.subset == "agentboard":  # per tool, as AgentBoard's tool-query mixes three
            result.metrics.update(group_metrics(self.name, records))
        return result

