"""The expert trajectory of a PDDL problem, for the gold likelihood (acbench/tasks/agentic/gold.py).

    plan = pddl_plan("domain.pddl", "problem.pddl")     # PDDL-form actions, or None

An optimal plan found by breadth-first search over acbench's own simulator (`PDDLWorld.shortest_plan`), at most
GOLD_SEARCH_STATES states: a problem it cannot solve within that has no gold.
"""

from __future__ import annotations

from functools import lru_cache

from acbench.tasks.pddl.world import PDDLWorld

GOLD_SEARCH_STATES = 50_000


@lru_cache(maxsize=256)
def pddl_plan(domain: str, problem: str) -> tuple[str, ...] | None:
    """An optimal plan of a PDDL problem (PDDL-form actions), or None if the bounded search finds none."""
    plan = PDDLWorld.from_files(domain, problem).shortest_plan(max_states=GOLD_SEARCH_STATES)
    return None if plan is None else tuple(plan)
