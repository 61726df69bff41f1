"""Jericho games with AgentBoard's prompt and environment texts (`game.subset=agentboard`), read from a checkout.

    checkout = JerichoCheckout("/src/AgentBoard")
    env = AgentBoardGameEnv("/games/zork1.z5", "zork1", subgoals=[...], checkout=checkout)

Follows `agentboard/environment/jericho_env.py`, `agentboard/tasks/jericho.py` and the `jericho` entry of
`eval_configs/main_results_all_tasks.yaml` of hkust-nlp/AgentBoard:

- Prompt: AgentBoard's VanillaAgent layout (`acbench/tasks/agentic/agentboard.py`) with the system message,
  instruction and examples of `agentboard/prompts/VanillaAgent/jericho_vanilla_prompt.json`, the help lines for
  `check valid actions` and `inventory`, memory 100.
- Goal and first observation: AgentBoard's hand-written ones for its games (`game_goals` and `game_init_obs` of
  the checkout's jericho_env.py, keyed by the game file's name, e.g. `zork1`). For a game it has none for, the
  label's `goal` (acbench's addition) or AgentBoard's own fallback text, and the game's real first observation
  with AgentBoard's clean-up (copyright block out, newlines to spaces, space runs to one) where AgentBoard would
  show its fallback text.
- Steps: a text with "check" and "action" lists the game's valid actions and "check valid actions", after the
  checkout's phrase, without a game step; anything else is cut as AgentBoard cuts it and sent to the game; the
  observation is cleaned as AgentBoard cleans it (newlines to spaces, score notes out). Grounded unless the
  observation holds `[!`. Progress and success: GamePaper (subgoal snippets, AgentBoard's rule).
"""

from __future__ import annotations

import re
from pathlib import Path

from acbench.tasks.agentic.agentboard import (LayoutTexts, VanillaLayout, agentboard_action, checkout_root,
                                              function_strings, module_dict, pick, read_prompt_file, require)
from acbench.tasks.game.env import GameEnv, clean_up_text

PROMPT_FILE = "agentboard/prompts/VanillaAgent/jericho_vanilla_prompt.json"
ENV_FILE = "agentboard/environment/jericho_env.py"
CHECK = "check valid actions"
_COPYRIGHT = re.compile(r"-----([\s\S]*?)-----")


class JerichoCheckout:
    """What the Jericho games need from an AgentBoard checkout (see the module docstring)."""

    def __init__(self, root=None):
        self.root = checkout_root(root, "game")
        self.prompt_path = require(self.root, PROMPT_FILE)
        self.prompt = read_prompt_file(self.root, PROMPT_FILE)
        env_path = require(self.root, ENV_FILE)
        self.goals: dict[str, str] = module_dict(env_path, "game_goals")
        self.first_observations: dict[str, str] = module_dict(env_path, "game_init_obs")
        self.valid_lead = pick(function_strings(env_path, "step", "Jericho"), f"{env_path} (Jericho.step)",
                               "the valid-actions phrase", lambda s: s.endswith(": "))
        self.fallback = pick(function_strings(env_path, "from_config", "Jericho"), f"{env_path} (Jericho.from_config)",
                             "the text of a game without a goal", lambda s: " " in s and s.endswith("."))
        self.layout_texts = LayoutTexts.read(self.root)

    def layout(self) -> VanillaLayout:
        examples = self.prompt["examples"]
        return VanillaLayout(self.layout_texts, self.prompt["system_msg"], self.prompt["instruction"],
                             [examples] if isinstance(examples, str) else list(examples), check_actions=CHECK,
                             check_inventory=True)


def first_observation(text: str) -> str:
    """AgentBoard's clean-up of a game's opening text (its Jericho.get_init_obs)."""
    return re.sub(r" {2,}", " ", _COPYRIGHT.sub("", text).replace("\n", " "))


class AgentBoardGameEnv(GameEnv):
    """A Jericho game file with AgentBoard's prompt, goal, observations and valid-action answer."""

    answers_check = True

    def __init__(self, path: str, name: str, subgoals: list[str], checkout: JerichoCheckout,
                 label_goal: str | None = None):
        goal = checkout.goals.get(name) or label_goal or checkout.fallback
        super().__init__(path, "jericho", goal, subgoals)
        self.goal = goal  # AgentBoard's goal line has no "Goal: " prefix of acbench's
        self.name, self.checkout = name, checkout
        self.layout = checkout.layout()
        self.instruction = self.layout.instruction
        self.examples = "\n".join(self.layout.examples)

    def extract_action(self, output: str) -> str:
        return agentboard_action(output)

    def reset(self) -> str:
        opening = super().reset()
        self.last_observation = self.checkout.first_observations.get(self.name) or first_observation(opening)
        return self.last_observation

    def step(self, action_text: str) -> tuple[str, bool]:
        lowered = action_text.strip().lower()
        self.last_parse_error = None
        if "check" in lowered and "action" in lowered:
            return self.checkout.valid_lead + ", ".join(self.valid_actions() + [CHECK]), True
        observation, _ = super().step(action_text)
        self.last_observation = clean_up_text(observation)
        return self.last_observation, "[!" not in self.last_observation


def game_name(path: str | Path) -> str:
    """AgentBoard's name of a game file: its stem (`zork1.z5` -> `zork1`)."""
    return Path(path).stem
