"""The multi-turn agent framework: the batched loop, the Environment protocol, AgentTask, the AgentBoard
paper-scoring base, the shared tool-environment base and AgentBoard checkout reading; see README.md.

The benchmarks built on it live beside it: tasks/pddl, tasks/tool_query, tasks/tool_operation, tasks/game,
tasks/scienceworld. This package imports none of them.
"""
