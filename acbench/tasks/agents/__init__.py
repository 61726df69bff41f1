"""Real-world agent tasks (AgentBoard style): PDDL planning, Tool-Query, Tool-Operation.

    from acbench.tasks.agents import PDDLTask
    task = PDDLTask(profile="quick")
    result = task.run(engine, task.load(), ResultStore("results/pddl.jsonl"))
"""

from acbench.tasks.agents.task import PDDLTask, ToolOperationTask, ToolQueryTask

__all__ = ["PDDLTask", "ToolQueryTask", "ToolOperationTask"]
