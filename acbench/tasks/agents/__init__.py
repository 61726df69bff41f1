"""Deprecated: the agent tasks moved. Removed in acbench 0.4.

    from acbench.tasks.pddl.task import PDDLTask                    # was acbench.tasks.agents
    from acbench.tasks.tool_query.task import ToolQueryTask
    from acbench.tasks.tool_operation.task import ToolOperationTask

The multi-turn framework (loop, Environment, AgentTask, paper-scoring base) is `acbench.tasks.agentic`.
"""

import warnings

from acbench.tasks.pddl.task import PDDLTask
from acbench.tasks.tool_operation.task import ToolOperationTask
from acbench.tasks.tool_query.task import ToolQueryTask

warnings.warn("acbench.tasks.agents is deprecated and will be removed in acbench 0.4: import PDDLTask from "
              "acbench.tasks.pddl.task, ToolQueryTask from acbench.tasks.tool_query.task, ToolOperationTask from "
              "acbench.tasks.tool_operation.task (the framework is acbench.tasks.agentic)",
              DeprecationWarning, stacklevel=2)

__all__ = ["PDDLTask", "ToolQueryTask", "ToolOperationTask"]
