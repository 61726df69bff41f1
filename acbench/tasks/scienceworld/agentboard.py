"""AgentBoard's ScienceWorld problems: its label file and its subgoal progress rule (read, not copied).

    samples = read_labels("/data/agentboard/data/scienceworld/test.jsonl")   # AgentBoard's data/scienceworld/test.jsonl
    paper = SubgoalPaper(env, samples[0].data["subgoals"])                   # r, success, grounding per step

AgentBoard (hkust-nlp/AgentBoard, `agentboard/environment/scienceworld_env.py`, `agentboard/tasks/scienceworld.py`,
`eval_configs/main_results_all_tasks.yaml`) takes its ScienceWorld problems from a label file that ships only in
its data archive (`data.tar.gz` on the hub), one JSON object a line:

    {"goal": "...", "subgoals": ["regex", ...], "difficulty": "easy"|"hard",
     "additional_info": {"env_name": "<ScienceWorld task name>", "var": <variation>}}

Every problem is loaded with the same simplifications (below) and a 30-step simulator limit; the goal shown to the
agent is the label's `goal`. Progress is the fraction of the label's subgoal regexes that have matched
(`re.search`) an observation of any step so far; the episode is solved when all have.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from acbench.errors import ConfigError
from acbench.tasks.agentic.agentboard import (LayoutTexts, VanillaLayout, checkout_root, file_sha256,
                                              function_strings, pick, read_prompt_file, require)
from acbench.tasks.base import Sample

# AgentBoard's EvalScienceworld.build_simplification_str: the same for every problem
SIMPLIFICATIONS = "selfWateringFlowerPots,openContainers,openDoors,noElectricalAction"
STEP_LIMIT = 30  # envStepLimit of AgentBoard's eval config
CHECK = "check valid actions"  # the only text AgentBoard's environment answers itself


def _known_tasks() -> set[str]:
    """ScienceWorld's task names from the package's own task table (no Java needed)."""
    from scienceworld.constants import TASK_PATH

    return {row["task_name"] for row in json.loads(Path(TASK_PATH).read_text())}


def _task_name(name: str) -> str:
    from scienceworld.utils import infer_task

    return infer_task(name)


def read_labels(path: str | Path) -> list[Sample]:
    """Samples for AgentBoard's ScienceWorld label file, in its order, checked line by line.

    As upstream keys its problems by `<env_name>_<var>`, a repeated problem keeps its first place and takes the
    last line's label.

    Raises:
        FileNotFoundError: the file does not exist.
        ValueError: a line is not a label in AgentBoard's format, names a task ScienceWorld does not have, or an
            electrical task (AgentBoard's `noElectricalAction` simplification makes ScienceWorld refuse those).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"AgentBoard ScienceWorld label file not found: {path} (option labels: AgentBoard's "
                                f"data/scienceworld/test.jsonl from its data archive)")
    known = _known_tasks()
    by_key: dict[str, dict] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            label = _check_label(line, number, path, known)
            by_key[f"{label['task']}_{label['variation']}"] = label  # dict order: the first place is kept
    if not by_key:
        raise ConfigError(f"{path} has no labels")
    return [Sample(f"{label['task']}/{label['variation']}", label) for label in by_key.values()]


def _check_label(line: str, number: int, path: Path, known: set[str]) -> dict:
    where = f"{path} line {number}"
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{where}: not JSON ({exc.msg})") from None
    if not isinstance(row, dict):
        raise ConfigError(f"{where}: a label is a JSON object")
    missing = [k for k in ("goal", "subgoals", "difficulty", "additional_info") if k not in row]
    if missing:
        raise ConfigError(f"{where}: missing {', '.join(missing)} (AgentBoard's label has goal, subgoals, difficulty, "
                         f"additional_info.env_name and additional_info.var)")
    info = row["additional_info"]
    if not isinstance(info, dict) or "env_name" not in info or "var" not in info:
        raise ConfigError(f"{where}: additional_info must hold env_name (the ScienceWorld task) and var (its variation)")
    task, variation = info["env_name"], info["var"]
    if not isinstance(task, str) or _task_name(task) not in known:
        raise ConfigError(f"{where}: '{task}' is not a ScienceWorld task "
                         f"(scienceworld's tasks: {', '.join(sorted(known))})")
    name = _task_name(task)
    if "power-component" in name or "conductivity" in name:
        raise ConfigError(f"{where}: '{task}' is an electrical task, which ScienceWorld refuses under AgentBoard's "
                         f"noElectricalAction simplification")
    if isinstance(variation, bool) or not isinstance(variation, int) or variation < 0:
        raise ConfigError(f"{where}: additional_info.var must be a variation number (0, 1, ...), got {variation!r}")
    if not isinstance(row["goal"], str) or not row["goal"].strip():
        raise ConfigError(f"{where}: goal must be a non-empty string")
    subgoals = row["subgoals"]
    if not isinstance(subgoals, list) or not subgoals or not all(isinstance(s, str) for s in subgoals):
        # an empty list would divide by zero upstream; a string (the hub viewer's format) is not a list of regexes
        raise ConfigError(f"{where}: subgoals must be a non-empty list of regular expressions (strings)")
    for pattern in subgoals:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(f"{where}: subgoal {pattern!r} is not a valid regular expression ({exc})") from None
    if row["difficulty"] not in ("easy", "hard"):
        raise ConfigError(f"{where}: difficulty must be easy or hard, got {row['difficulty']!r}")
    return {"task": task, "variation": variation, "goal": row["goal"], "subgoals": list(subgoals),
            "difficulty": row["difficulty"], "group": name}


class SubgoalPaper:
    """AgentBoard's ScienceWorld rules on the observations an episode's simulator gave.

    After each step the simulator answered, every subgoal regex that `re.search` finds in the observation is
    done for good; r = done / subgoals (so several may count in one step, and r never falls). Done and success
    when all are done. Grounded: the action is exactly `check valid actions`, or it is one of the simulator's valid
    action-object combinations *after* the step (upstream asks the action space once the action has run).
    A query the loop answered that upstream would have sent to the simulator (`Check valid actions.`) is not
    grounded and scores nothing: the simulator knows no such action.

    `env` needs `steps` (simulator steps so far), `last_observation` and `action_combinations()`.
    """

    def __init__(self, env, subgoals: list[str]):
        self.env = env
        self.patterns = [re.compile(p) for p in subgoals]
        self.finished = [False] * len(self.patterns)
        self.progress, self.done, self.success = 0.0, False, False
        self._seen = 0

    def step(self, output: str, action: str | None) -> tuple[bool, str]:
        stepped, self._seen = self.env.steps != self._seen, self.env.steps
        if action is None:
            return False, "no action"
        if not stepped:  # the loop answered a valid-actions query itself
            grounded = action == CHECK
            return grounded, "Valid actions are listed." if grounded else "No known action matches that input."
        observation = self.env.last_observation
        for i, pattern in enumerate(self.patterns):
            if not self.finished[i] and pattern.search(observation):
                self.finished[i] = True
        self.progress = sum(self.finished) / len(self.finished)
        self.done = self.success = all(self.finished)
        grounded = action in self.env.action_combinations()
        return grounded, observation


PROMPT_FILE = "agentboard/prompts/VanillaAgent/scienceworld_base.json"
ENV_FILE = "agentboard/environment/scienceworld_env.py"


class ScienceWorldCheckout:
    """AgentBoard's ScienceWorld prompt and valid-actions phrase, read from a local checkout at run time.

    With it the episode is prompted as AgentBoard's VanillaAgent prompts it (acbench/tasks/agentic/agentboard.py:
    system message, instruction and example of `agentboard/prompts/VanillaAgent/scienceworld_base.json`, the goal,
    the `check valid actions` and `inventory` help lines, the last 100 history items), the action is read with
    its parser, and exactly `check valid actions` is answered as its Scienceworld.step answers it: the phrase of
    the checkout's scienceworld_env.py and the simulator's possible actions (no `reset`), without a simulator step.
    """

    def __init__(self, root=None):
        self.root = checkout_root(root, "scienceworld")
        self.prompt_path = require(self.root, PROMPT_FILE)
        self.prompt = read_prompt_file(self.root, PROMPT_FILE)
        env_path = require(self.root, ENV_FILE)
        self.valid_lead = pick(function_strings(env_path, "step", "Scienceworld"), f"{env_path} (Scienceworld.step)",
                               "the valid-actions phrase", lambda s: "valid actions" in s and s.endswith(": "))
        self.layout_texts = LayoutTexts.read(self.root)

    def layout(self):
        examples = self.prompt["examples"]
        return VanillaLayout(self.layout_texts, self.prompt["system_msg"], self.prompt["instruction"],
                             [examples] if isinstance(examples, str) else list(examples), check_actions=CHECK,
                             check_inventory=True)
