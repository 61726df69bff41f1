"""The Tool-Operation task (AgentBoard style): reach a target todo list or spreadsheet through tool calls.

    acbench evaluate --tasks tool_operation
    TODO_KEY=... SHEET_EMAIL=... acbench evaluate --tasks tool_operation \
        --task-option tool_operation.subset=agentboard --task-option tool_operation.agentboard=/src/AgentBoard \
        --data tool_operation=/src/AgentBoard/data

`subset=agentboard` plays AgentBoard's todo and sheet items against the live Todoist and Google Sheets, as its
code does (agentboard.py, todo_live.py, sheet_live.py); a missing key or an unreachable service fails when the task
is built. Multi-turn (see agentic/loop.py); metrics are described in agentic/agent_task.py and README.md.
"""

from __future__ import annotations

import os

from acbench.errors import ConfigError
from acbench.tasks.agentic.agent_task import AgentTask, group_metrics
from acbench.tasks.agentic.agentboard import EnvironmentRules, file_sha256
from acbench.tasks.agentic.agentboard_live import require_keys, tool_list
from acbench.tasks.agentic.env import balanced
from acbench.tasks.agentic.paper import ToolPaper
from acbench.tasks.base import Sample, TaskResult
from acbench.tasks.tool_operation.agentboard import TOOLS, OperationCheckout, operation_dir, operation_samples
from acbench.tasks.tool_operation.env import ToolOperationEnv, load_operation_suite

__all__ = ["ToolOperationTask", "operation_kind"]


class ToolOperationTask(AgentTask):
    """Tool-Operation: reach a target state of a todo list and a spreadsheet through tool calls.

    Args:
        subset: `acbench` (the default: our simulators) or `agentboard`: AgentBoard's todo and sheet items against
            the live Todoist (TODO_KEY) and Google Sheets (SHEET_EMAIL and the checkout's
            agentboard/utils/sheet/credential.json), as its environments run them. The todo reset deletes every
            project of the account: use one made for this. Episodes run one at a time (one account).
        agentboard: the AgentBoard checkout (prompts, messages, projects.json, the credential file); None:
            $ACBENCH_AGENTBOARD_DIR. Its data/tool-operation (the data archive unpacked there) is the default data.
        tools: AgentBoard's environments to play (todo, sheet; default both).
        sheet_pause: seconds to wait before each step of a sheet episode (AgentBoard's tool.py waits 10, to stay
            within Google's request quota); None: 10.
    """

    name = "tool_operation"
    rescores_stored = True  # stored episodes are replayed with the current rules on every run (acbench's subset)
    version = "2"  # 2: paper scoring (AgentBoard rules) beside acbench's `_strict` rules

    def __init__(self, profile: str = "quick", max_steps: int | None = None, max_new_tokens: int | None = None,
                 batch_size: int | None = None, scoring: str = "paper", subset: str = "acbench",
                 agentboard: str | None = None, tools: str | list[str] | None = None,
                 sheet_pause: float | None = None):
        super().__init__(profile, max_steps, max_new_tokens, batch_size, scoring)
        self.subset = str(subset)
        if self.subset not in ("acbench", "agentboard"):
            raise ConfigError(f"unknown tool_operation subset '{self.subset}': choose from acbench, agentboard")
        if self.subset == "acbench":  # no further settings: acbench's results keep their key
            if agentboard is not None or tools is not None or sheet_pause is not None:
                raise ConfigError("options `agentboard`, `tools` and `sheet_pause` are for tool_operation "
                                  "subset=agentboard")
            return
        self.data_sha256 = None  # set by load
        self.tools = tool_list(tools, list(TOOLS), TOOLS, "tool_operation")
        if batch_size is not None and int(batch_size) != 1:
            raise ConfigError("tool_operation subset=agentboard plays one episode at a time (each resets the one "
                              "live account): leave batch_size out or set it to 1")
        self.batch_size = 1
        self.sheet_pause = 10.0 if sheet_pause is None else float(sheet_pause)
        if self.sheet_pause < 0:
            raise ConfigError(f"tool_operation.sheet_pause must be at least 0, got {sheet_pause}")
        require_keys("tool_operation", self.tools, agentboard)
        self._checkout = OperationCheckout(agentboard, self.tools)  # a missing file fails here, before any model
        self.agentboard = str(self._checkout.root.resolve())
        self.prompt_sha256 = {t: file_sha256(p) for t, p in self._checkout.prompt_paths.items()}  # results key
        self._services = self._connect()
        self.rescores_stored = False  # a replay would call the live services again
        self.default_limit = None  # AgentBoard's items are the point: all of them unless --limit says less

    def _connect(self) -> dict:
        """A client per live service, each checked now: unreachable or refusing the key fails within seconds."""
        services = {}
        if "todo" in self.tools:
            from acbench.tasks.tool_operation.todo_live import TodoistClient

            services["todo"] = TodoistClient(os.environ["TODO_KEY"])
            services["todo"].check()
        if "sheet" in self.tools:
            from acbench.tasks.tool_operation.sheet_live import SheetsService

            services["sheet"] = SheetsService(self._checkout.credential, os.environ["SHEET_EMAIL"],
                                              self._checkout.sheet.reference_id)
            services["sheet"].check()
        return services

    def load(self, source: str | None = None, limit: int | None = None) -> list[Sample]:
        if self.subset == "agentboard":
            folder = operation_dir(source if source is not None else self._checkout.root / "data")
            samples = operation_samples(folder, self.tools)  # a bad item fails here, before any model
            self.data_sha256 = file_sha256(folder / "test.jsonl")  # part of the results key
            return balanced(samples, limit)
        return balanced(load_operation_suite(source), limit if limit is not None else self.default_limit)

    def make_env(self, sample: Sample):
        if self.subset == "agentboard":
            if sample.data["tool"] == "todo":
                from acbench.tasks.tool_operation.todo_live import AgentBoardTodoEnv

                return AgentBoardTodoEnv(sample, self._checkout, self._services["todo"])
            from acbench.tasks.tool_operation.sheet_live import AgentBoardSheetEnv

            return AgentBoardSheetEnv(sample, self._checkout, self._services["sheet"], pause=self.sheet_pause)
        return ToolOperationEnv(sample)

    def gold_actions(self, sample: Sample) -> list[str] | None:
        """The data's gold calls; AgentBoard's items have gold subgoals or target sheets, no gold calls."""
        if self.subset == "agentboard":
            return None
        env = ToolOperationEnv(sample)
        return [env.agentboard_call(call) for call in sample.data["gold_actions"]]

    def make_paper(self, sample: Sample, env):
        """Todo episodes score gold subgoals and the final todo state; sheet episodes the target sheet
        (AgentBoard's subset: its environments keep their own rules)."""
        if self.subset == "agentboard":
            return EnvironmentRules(env)
        return ToolPaper.from_gold(lambda: ToolOperationEnv(sample), sample.data["gold_actions"],
                                   operation_kind(sample.data["conditions"]))

    def aggregate(self, records: list[dict]) -> TaskResult:
        result = super().aggregate(records)
        if self.subset == "agentboard":  # per environment, as AgentBoard's tool-operation mixes two
            result.metrics.update(group_metrics(self.name, records))
        return result


def operation_kind(conditions: list[dict]) -> str:
    """`todo` when the target state is about tasks, else `sheet`: the AgentBoard environment it stands for."""
    return "todo" if any(c["type"] in ("task", "no_task") for c in conditions) else "sheet"
