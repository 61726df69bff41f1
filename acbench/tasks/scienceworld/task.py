"""ScienceWorld as an agent task: the PyPI `scienceworld` simulator (needs Java) behind the agent loop.

    acbench run --method none --tasks scienceworld          # quick: 2 episodes x 6 steps
    ScienceWorldTask(tasks="boil,find-living-thing", variations=2)

Progress is ScienceWorld's own score / 100: the simulator scores each task by an ordered list of
subgoals (focus on the substance, heat it, ...), so the score is a subgoal progress rate. Not AgentBoard's
annotation file (not available offline): see README.md for exactly what differs.
"""

from __future__ import annotations

from acbench.tasks.agents.agent_task import AgentTask
from acbench.tasks.base import Sample

# acbench's subset: one task per ScienceWorld topic that AgentBoard's science suite covers (state changes,
# finding living things, measuring, electricity, classification, life stages), simplification "easy".
SUBSET = ("boil", "find-living-thing", "use-thermometer", "power-component", "find-non-living-thing", "lifespan-longest-lived")
HARD = {"boil", "use-thermometer", "power-component"}
INSTRUCTION = ("You are an agent in ScienceWorld, a text simulation of a house with rooms, objects and substances. "
               "Each turn, write one action such as `look around`, `go to kitchen`, `open door to kitchen`, "
               "`pick up thermometer`, `focus on water`, `move pot to stove`, `activate stove`, `wait1`. "
               "`check valid actions` lists what you can do. Focus only on the object the task names: focusing "
               "on a wrong object ends the episode.")
EXAMPLE = ("Example (another task): Goal: find a plant.\nAction: look around\nObservation: This room is called the "
           "hallway. ... A door to the greenhouse (that is open)\nAction: go to greenhouse\nObservation: You move to "
           "the greenhouse.\nAction: focus on apple tree\nObservation: You focus on the apple tree.")


class ScienceWorldEnv:
    """One episode of a ScienceWorld task variation (implements acbench's Environment protocol)."""

    instruction, examples = INSTRUCTION, EXAMPLE

    def __init__(self, task: str, variation: int, step_limit: int = 100):
        from scienceworld import ScienceWorldEnv as _Sim

        self._sim = _Sim("", envStepLimit=step_limit)
        self.task, self.variation = task, variation
        self.progress, self.done, self.success = 0.0, False, False
        self.last_parse_error: str | None = None
        self.goal = ""
        self.score = 0
        self.steps = 0  # simulator steps taken: tells the paper scorer whether this turn reached the simulator

    def reset(self) -> str:
        self._sim.load(self.task, self.variation, simplificationStr="easy")
        observation, _ = self._sim.reset()
        self.goal = f"Goal: {self._sim.get_task_description()}"
        return observation

    def valid_actions(self) -> list[str]:
        return sorted(self._sim.get_possible_actions())

    def step(self, action_text: str) -> tuple[str, bool]:
        observation, _, done, info = self._sim.step(action_text)
        self.steps += 1
        valid = not observation.startswith("No known action matches")
        self.last_parse_error = None if valid else "not a ScienceWorld action"
        self.score = int(info["score"])
        if self.score < 0:  # a wrong focus ends the task with -100 in ScienceWorld: counted as no progress
            self.done = True
        else:
            self.progress = self.score / 100
        self.done = self.done or bool(done)
        self.success = self.score >= 100
        return observation, valid


class ScienceWorldPaper:
    """The paper-rule view: r = max over steps of the simulator's score / 100 after each accepted action;
    grounded iff the simulator accepted the action; done when the simulator ends the task."""

    def __init__(self, env: ScienceWorldEnv):
        self.env = env
        self.progress, self.done, self.success = 0.0, False, False
        self._seen = 0

    def step(self, output: str, action: str | None) -> tuple[bool, str]:
        # the loop steps the environment first; this reads the verdict the simulator just gave
        stepped, self._seen = self.env.steps != self._seen, self.env.steps
        if action is not None and not stepped:  # `check valid actions`, answered by the loop: grounded
            return True, "Valid actions are listed."
        grounded = action is not None and self.env.last_parse_error is None
        if grounded and self.env.score > 0:
            self.progress = max(self.progress, self.env.score / 100)
        self.done, self.success = self.env.done, self.env.success
        return grounded, "accepted" if grounded else "No known action matches that input."


class ScienceWorldTask(AgentTask):
    """ScienceWorld tasks (acbench's subset) with progress, success and grounding, paper and strict.

    Args:
        tasks: ScienceWorld task names, comma-separated or a list (default: SUBSET).
        variations: variations per task (0..n-1).
    """

    name = "scienceworld"
    version = "1"

    def __init__(self, profile: str = "quick", max_steps: int | None = None, max_new_tokens: int | None = None,
                 batch_size: int | None = None, scoring: str = "paper", tasks: str | list[str] | None = None,
                 variations: int = 1):
        super().__init__(profile, max_steps, max_new_tokens, batch_size, scoring)
        self.tasks = [t.strip() for t in tasks.split(",")] if isinstance(tasks, str) else list(tasks or SUBSET)
        self.variations = int(variations)
        if self.variations < 1:
            raise ValueError("variations must be at least 1")

    def load(self, source: str | None = None, limit: int | None = None) -> list[Sample]:
        if source is not None:
            raise ValueError("scienceworld has no data files: its tasks are built into the simulator (option `tasks`)")
        samples = [Sample(id=f"{t}/{v}", data={"task": t, "variation": v, "group": t,
                                               "difficulty": "hard" if t in HARD else "easy"})
                   for v in range(self.variations) for t in self.tasks]
        limit = limit if limit is not None else self.default_limit
        return samples[:limit] if limit else samples

    def make_env(self, sample: Sample) -> ScienceWorldEnv:
        return ScienceWorldEnv(sample.data["task"], sample.data["variation"])

    def make_paper(self, sample: Sample, env: ScienceWorldEnv) -> ScienceWorldPaper:
        return ScienceWorldPaper(env)
