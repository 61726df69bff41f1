"""Paper scoring of the PDDL task: AgentBoard's PDDL rules on a private copy of the world (see agentic/paper.py).

    scorer = PDDLPaper(env.world, env.parse)
    grounded, observation = scorer.step(output, action)
"""

from __future__ import annotations

from collections.abc import Callable

from acbench.tasks.pddl.world import PDDLWorld


class PDDLPaper:
    """AgentBoard's PDDL rules: r starts at 0 and rises only after a valid, state-changing action.

    Grounded: "check" anywhere in the action (case-insensitive), "look around", or an action that parses
    and changes the state. Done (and success) when a state change makes the goal hold.
    """

    def __init__(self, world: PDDLWorld, parse: Callable[[str], tuple[str, tuple[str, ...]]]):
        self.world, self.parse = world, parse
        self.state = world.init
        self.progress = 0.0
        self.done = self.success = False

    def step(self, output: str, action: str | None) -> tuple[bool, str]:
        text = action or ""
        lowered = text.lower()
        if "check" in lowered:  # upstream answers any text with "check" with the valid actions
            return True, "Valid actions are listed."
        if "look around" in lowered:
            return True, "The state is shown."
        try:
            name, args = self.parse(text)
        except ValueError:
            return False, "The action is not valid and therefore takes no effect."
        if not self.world.check(self.state, name, args)[0]:
            return False, "The action is not valid and therefore takes no effect."
        new = self.world.apply(self.state, name, args)
        if new == self.state:  # upstream compares observations: an action without effect is invalid
            return False, "The action is not valid and therefore takes no effect."
        self.state = new
        fraction = self.world.goal_fraction(new)
        self.progress = max(self.progress, fraction)
        self.done = self.success = fraction == 1.0
        return True, "The action changed the state."
