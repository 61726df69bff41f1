"""Gold trajectories of the agent environments, for the gold likelihood (acbench/likelihood/).

    steps = gold_steps(sample, env, paper, actions, engine, max_steps=6, max_new_tokens=48)

An expert trajectory is replayed through the agent loop's own `Episode`: at each step the prompt is exactly the
one generation would see there (instruction, goal, first observation, then the gold actions so far with the
environment's own observations, trimmed to the context as the loop trims it), and the reference is the gold
action written as the loop's history writes it, `Action: <action>`. The first `max_steps` actions count (the
episode length generation gets). Where the expert actions come from:
- PDDL: an optimal plan found by breadth-first search over acbench's own simulator (`acbench/tasks/pddl/gold.py`);
- Tool-Query, Tool-Operation: the data's `gold_actions`, written in AgentBoard's form
  `tool with Action Input: {...}` that the prompt asks for.
"""

from __future__ import annotations

from acbench.engines.base import Engine
from acbench.tasks.agentic.env import Environment
from acbench.tasks.agentic.loop import Episode, close_env
from acbench.tasks.agentic.paper import PaperScorer
from acbench.tasks.base import GoldStep, Sample

def gold_steps(sample: Sample, env: Environment, paper: PaperScorer, actions: list[str], engine: Engine,
               max_steps: int, max_new_tokens: int) -> list[GoldStep]:
    """One GoldStep per expert action (at most `max_steps`): the loop's request at that point and the action."""
    episode = Episode(sample, env, max_steps, paper)
    steps = []
    try:
        for action in actions[:max_steps]:
            steps.append(GoldStep(episode.request(engine, max_new_tokens), (f"Action: {action}",)))
            episode.act(f"Action: {action}")
    finally:
        close_env(env)
    return steps
