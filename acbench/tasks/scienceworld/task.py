"""ScienceWorld as an agent task: the PyPI `scienceworld` simulator (needs Java) behind the agent loop.

    acbench run --method none --tasks scienceworld          # quick: acbench's subset, 2 episodes x 6 steps
    ScienceWorldTask(tasks="boil,find-living-thing", variations=2)
    ScienceWorldTask(profile="paper")       # AgentBoard's problems, label file from the hub (once, then cached)
    ScienceWorldTask(profile="paper", labels="/data/agentboard/data/scienceworld/test.jsonl")   # offline

Two problem sets (option `subset`): `acbench` (six tasks, simplification `easy`; paper progress is the
simulator's own subgoal score / 100) and `agentboard` (AgentBoard's problems, simplifications and subgoal
regexes from its label file, which ships only in AgentBoard's data archive on the hub: `hub.py` fetches it
unless `labels` names a copy; the paper profile's default). At most `batch_size` episodes (default
LIVE_EPISODES), so as many Java simulators, run at once. See README.md for what is and is not reproduced.
"""

from __future__ import annotations

import os
from pathlib import Path

from acbench.errors import ConfigError
from acbench.tasks.agentic.agent_task import AgentTask
from acbench.tasks.agentic.env import balanced
from acbench.tasks.base import Sample
from acbench.tasks.scienceworld import agentboard, hub
from acbench.tasks.agentic.agentboard import ENV_VAR
from acbench.tasks.scienceworld.agentboard import CHECK, ScienceWorldCheckout, file_sha256, read_labels

# acbench's subset: one task per ScienceWorld topic that AgentBoard's science suite covers (state changes,
# finding living things, measuring, electricity, classification, life stages), simplification "easy".
SUBSET = ("boil", "find-living-thing", "use-thermometer", "power-component", "find-non-living-thing", "lifespan-longest-lived")
HARD = {"boil", "use-thermometer", "power-component"}
SUBSETS = ("acbench", "agentboard")
PROFILE_SUBSET = {"quick": "acbench", "paper": "agentboard"}
LIVE_EPISODES = 8  # default batch_size: each live episode holds its own Java simulator (a JVM process)
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

    answers_check = False  # True with AgentBoard's prompt: exactly `check valid actions` is answered here

    def __init__(self, task: str, variation: int, step_limit: int = 100, simplifications: str = "easy",
                 goal: str | None = None, show_inventory: bool = False,
                 checkout: agentboard.ScienceWorldCheckout | None = None):
        from scienceworld import ScienceWorldEnv as _Sim

        self._sim = _Sim("", envStepLimit=step_limit)
        self.task, self.variation = task, variation
        self.simplifications, self.goal_text, self.show_inventory = simplifications, goal, show_inventory
        self.progress, self.done, self.success = 0.0, False, False
        self.last_parse_error: str | None = None
        self.last_observation = ""
        self.goal = ""
        self.score = 0
        self.steps = 0  # simulator steps taken: tells the paper scorer whether this turn reached the simulator
        self.checkout, self.layout = checkout, None
        if checkout is not None:  # AgentBoard's prompt layout and action parser (agentboard.ScienceWorldCheckout)
            from acbench.tasks.agentic.agentboard import agentboard_action

            self.layout, self.answers_check, self.extract_action = checkout.layout(), True, agentboard_action

    def close(self) -> None:
        """Stop this episode's Java simulator (the agent loop calls it when the episode ends)."""
        self._sim.close()

    def reset(self) -> str:
        """Load the task variation; the first observation (AgentBoard's set-up adds the inventory to it)."""
        self._sim.load(self.task, self.variation, simplificationStr=self.simplifications)
        observation, _ = self._sim.reset()
        goal = self.goal_text or self._sim.get_task_description()
        self.goal = goal if self.checkout is not None else f"Goal: {goal}"  # AgentBoard's goal line has no prefix
        if self.show_inventory:
            observation += "\n" + self._sim.inventory()
        self.last_observation = observation
        return observation

    def action_combinations(self) -> set[str]:
        """Every valid action-object combination in the current state (what AgentBoard grounds actions on)."""
        return {a["action"] for a in self._sim.get_valid_action_object_combinations_with_templates()}

    def valid_actions(self) -> list[str]:
        return sorted(self._sim.get_possible_actions())

    def step(self, action_text: str) -> tuple[str, bool]:
        if self.checkout is not None and action_text.strip() == CHECK:  # AgentBoard answers it, no simulator step
            self.last_parse_error = None
            actions = [a for a in self._sim.get_possible_actions() if "reset" not in a] + [CHECK]
            return self.checkout.valid_lead + ", ".join(actions), True
        observation, _, done, info = self._sim.step(action_text)
        self.steps += 1
        self.last_observation = observation
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
    """ScienceWorld problems with progress, success and grounding, paper and strict.

    Args:
        subset: `acbench` (acbench's six tasks) or `agentboard` (AgentBoard's problems from `labels`);
            None: the profile's (quick: acbench, paper: agentboard).
        labels: AgentBoard's label file (its data/scienceworld/test.jsonl), only for `agentboard`; None: read
            from AgentBoard's data archive on the hub (hub.py: fetched once; offline it fails at once).
        tasks: ScienceWorld task names, comma-separated or a list. acbench: the tasks to play (default: SUBSET);
            agentboard: keep only the labelled problems of these tasks.
        variations: acbench only: variations per task (0..n-1, default 1).
        agentboard: agentboard only: an AgentBoard checkout, for AgentBoard's prompt (agentboard.ScienceWorldCheckout);
            None: $ACBENCH_AGENTBOARD_DIR if set, else acbench's prompt.
        batch_size: at most this many episodes, each with its own Java simulator, run at once (default
            LIVE_EPISODES; the model answers the live episodes' turns as one batch).
    """

    name = "scienceworld"
    version = "3"

    def __init__(self, profile: str = "quick", max_steps: int | None = None, max_new_tokens: int | None = None,
                 batch_size: int | None = None, scoring: str = "paper", tasks: str | list[str] | None = None,
                 variations: int | None = None, subset: str | None = None, labels: str | None = None,
                 agentboard: str | None = None):
        super().__init__(profile, max_steps, max_new_tokens, LIVE_EPISODES if batch_size is None else int(batch_size),
                         scoring)
        if self.batch_size < 1:
            raise ConfigError(f"batch_size must be at least 1 (episodes, so Java simulators, at once), got {batch_size}")
        self.subset = PROFILE_SUBSET[profile] if subset is None else str(subset)
        if self.subset not in SUBSETS:
            raise ConfigError(f"unknown scienceworld subset '{self.subset}': choose from {', '.join(SUBSETS)}")
        if isinstance(tasks, str):
            tasks = [t.strip() for t in tasks.split(",") if t.strip()]
        self.labels, self.labels_sha256 = labels, None
        self.agentboard, self.prompt_sha256, self._checkout = None, None, None
        if self.subset == "acbench":
            if labels is not None:
                raise ConfigError("option `labels` is AgentBoard's label file: it needs subset=agentboard")
            if agentboard is not None:
                raise ConfigError("option `agentboard` (an AgentBoard checkout, for its prompt) needs subset=agentboard")
            self.tasks = list(tasks or SUBSET)
            self.variations = 1 if variations is None else int(variations)
            if self.variations < 1:
                raise ConfigError("variations must be at least 1")
            return
        if variations is not None:
            raise ConfigError("option `variations` is for subset=acbench: AgentBoard's label file names each variation")
        if agentboard is not None or os.environ.get(ENV_VAR):  # AgentBoard's prompt; a missing file fails here
            self._checkout = ScienceWorldCheckout(agentboard)
            self.agentboard = str(self._checkout.root.resolve())
            self.prompt_sha256 = file_sha256(self._checkout.prompt_path)  # part of the results key
        path = hub.hub_labels() if labels is None else Path(labels)  # offline and uncached: fails here, at once
        problems = read_labels(path)  # a bad file fails here, before any model loads
        # the results key holds the file's sha256; the hub's file is named by its source, not a cache path
        self.labels = hub.SOURCE if labels is None else str(path.resolve())
        self.labels_sha256 = file_sha256(path)
        if tasks:
            unknown = sorted(set(tasks) - {p.data["task"] for p in problems})
            if unknown:
                raise ConfigError(f"{path} has no problems of task(s) {unknown} (option tasks)")
            problems = [p for p in problems if p.data["task"] in tasks]
        self.tasks = list(dict.fromkeys(p.data["task"] for p in problems))
        self.variations = None
        self._problems = problems

    def load(self, source: str | None = None, limit: int | None = None) -> list[Sample]:
        if source is not None:
            raise ConfigError("scienceworld takes no data source: its tasks are built into the simulator (option "
                             "`tasks`), AgentBoard's from its label file (option `labels`, else the hub)")
        limit = limit if limit is not None else self.default_limit
        if self.subset == "agentboard":
            return balanced(self._problems, limit)
        samples = [Sample(id=f"{t}/{v}", data={"task": t, "variation": v, "group": t,
                                               "difficulty": "hard" if t in HARD else "easy"})
                   for v in range(self.variations) for t in self.tasks]
        return samples[:limit] if limit else samples

    def make_env(self, sample: Sample) -> ScienceWorldEnv:
        data = sample.data
        if self.subset == "agentboard":
            return ScienceWorldEnv(data["task"], data["variation"], step_limit=agentboard.STEP_LIMIT,
                                   simplifications=agentboard.SIMPLIFICATIONS, goal=data["goal"], show_inventory=True,
                                   checkout=self._checkout)
        return ScienceWorldEnv(data["task"], data["variation"])

    def make_paper(self, sample: Sample, env: ScienceWorldEnv):
        if self.subset == "agentboard":
            return agentboard.SubgoalPaper(env, sample.data["subgoals"])
        return ScienceWorldPaper(env)
