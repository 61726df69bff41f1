"""The game environment (AgentBoard's Jericho category): a Z-machine game behind acbench's agent loop.

    env = GameEnv("game.z8", backend="textworld")              # a generated TextWorld game (the default suite)
    env = GameEnv("zork1.z5", backend="jericho", subgoals=[...])  # a real Jericho game file
    paper = GamePaper(env, subgoals)                          # AgentBoard's progress, success and grounding

Both backends run the game in Jericho's Frotz interpreter. A TextWorld game is played through TextWorld's
own state tracking, which gives the admissible commands and the remaining winning policy at every step
(acbench's `_strict` rules); a Jericho file is played by `jericho.FrotzEnv` directly. The paper scorer
reads the same observations with AgentBoard's rules (observation snippets as subgoals).
"""

from __future__ import annotations

import re
import warnings

# Jericho's interpreter reads at most this many bytes of a command (jericho.jericho.INPUT_BUFFER_SIZE)
INPUT_BYTES = 200
_SCORE_NOTE = re.compile(r"\[Your score .*?\]")
_PUNCT = re.compile(r"[^a-zA-Z0-9\s]")
_BLANKS = re.compile(r"\n\s*\n\s*\n+")
# Inform's standard answers when its parser did not understand a command
PARSER_FAILURES = (
    "not a verb i recogni", "i didn't understand", "i only understood you as far as", "you can't see any such thing",
    "i beg your pardon", "that noun did not make sense", "you seem to want to talk to someone",
    "i don't know the word", "you used the word",
)
_DIRECTIONS = {"n": "north", "s": "south", "e": "east", "w": "west", "u": "up", "d": "down",
               "ne": "northeast", "nw": "northwest", "se": "southeast", "sw": "southwest"}
_ALIASES = {"l": "look", "i": "inventory", "inv": "inventory", "x": "examine", "get": "take"}
GENERIC_ACTIONS = ["look", "inventory", "examine <object>", "take <object>", "drop <object>", "open <object>",
                   "north", "south", "east", "west", "up", "down"]

INSTRUCTION = (
    "You are playing a text adventure game. Each turn, write one short command in plain English, for example "
    "`look`, `inventory`, `go north`, `examine table`, `take lamp`, `take coin from purse`, `open gate`, "
    "`unlock gate with key`, `put coin into purse`. `check valid actions` lists the commands you can use now."
)
EXAMPLE = (
    "Example (another game): Goal: put the coin into the purse.\nObservation: -= Hall =- You are in a hall. "
    "There is a purse on the floor. Exits: west.\nAction: go west\nObservation: -= Study =- You see a desk. "
    "A coin is on the desk.\nAction: take coin\nObservation: You take the coin from the desk.\nAction: go east\n"
    "Observation: -= Hall =- You are in a hall. There is a purse on the floor.\nAction: put coin into purse\n"
    "Observation: You put the coin into the purse. *** The End ***"
)


def agentboard_command(action: str) -> str:
    """The command sent to the game: AgentBoard's cut (before the first `,` and `.`, at most 20 words),
    single-line, then at most `INPUT_BYTES - 2` UTF-8 bytes (cut on a character boundary). Linear time."""
    action = action.split(",", 1)[0].split(".", 1)[0]
    action = " ".join(action.split(" ", 20)[:20])
    action = " ".join(action.replace("\r", " ").replace("\n", " ").split())
    data = action.encode("utf-8")[:INPUT_BYTES - 2]
    return data.decode("utf-8", errors="ignore").strip()


def clean_observation(raw: str) -> str:
    """The game's text without the interpreter's trailing prompt and status line, blank runs collapsed."""
    cut = raw.rfind("\n>")
    if cut >= 0:
        raw = raw[:cut]
    return _BLANKS.sub("\n\n", raw).strip()


def clean_up_text(observation: str) -> str:
    """AgentBoard's clean-up of a Jericho observation: newlines to spaces, space runs to one, score notes out."""
    text = re.sub(r" {2,}", " ", observation.replace("\n", " "))
    return _SCORE_NOTE.sub("", text)


def match_style(observation: str, pattern: str) -> bool:
    """AgentBoard's subgoal test: the pattern is a substring once both lose every non-alphanumeric but spaces."""
    return _PUNCT.sub("", pattern) in _PUNCT.sub("", observation)


def normalise_command(command: str) -> str:
    """Lower case, single spaces, trailing punctuation off, `e`/`east` -> `go east`, `x` -> `examine`, ..."""
    words = command.lower().strip().rstrip(".!?;").split()
    if not words:
        return ""
    words[0] = _ALIASES.get(words[0], words[0])
    if len(words) == 1 and (words[0] in _DIRECTIONS or words[0] in _DIRECTIONS.values()):
        words = ["go", _DIRECTIONS.get(words[0], words[0])]
    elif words[0] == "go" and len(words) == 2:
        words[1] = _DIRECTIONS.get(words[1], words[1])
    return " ".join(words)


def parser_failed(observation: str) -> bool:
    lowered = observation.lower()
    return any(phrase in lowered for phrase in PARSER_FAILURES)


class GameEnv:
    """One episode of a Z-machine game (implements acbench's Environment protocol).

    Args:
        path: the game file (.z3/.z5/.z8).
        backend: `textworld` (a TextWorld game with its `.json` beside it) or `jericho` (any Jericho game file).
        goal: the episode's goal text.
        subgoals: observation snippets (Jericho backend: the `_strict` progress counts those seen).
    """

    instruction, examples = INSTRUCTION, EXAMPLE

    def __init__(self, path: str, backend: str, goal: str, subgoals: list[str] | None = None):
        if backend not in ("textworld", "jericho"):
            raise ValueError(f"unknown game backend '{backend}'")
        self.path, self.backend, self.subgoals = path, backend, list(subgoals or [])
        self.goal = f"Goal: {goal}"
        self.progress, self.done, self.success = 0.0, False, False
        self.last_parse_error: str | None = None
        self.last_observation = ""
        self.steps = 0  # commands sent to the game: tells the paper scorer whether this turn reached it
        self.score = 0
        self._game = None
        self._admissible: list[str] = []
        self._policy_start = 0
        self._seen: set[int] = set()

    # --- the protocol ------------------------------------------------------------------------------
    def reset(self) -> str:
        if self.backend == "textworld":
            import textworld

            infos = textworld.EnvInfos(admissible_commands=True, policy_commands=True, won=True, lost=True,
                                       objective=True)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # Jericho's "not fully supported": TextWorld tracks the state
                self._game = textworld.start(self.path, request_infos=infos)
                state = self._game.reset()
            self._admissible = list(state.admissible_commands or [])
            self._policy_start = len(state.policy_commands or [])
            text = state.feedback
            objective = state.objective or ""
            if objective and objective in text:  # the banner and the objective (the goal says it) go
                text = text[text.index(objective) + len(objective):]
        else:
            import jericho

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # "not fully supported": score and victory are then unknown
                self._game = jericho.FrotzEnv(self.path)
            text, _ = self._game.reset()
        self.last_observation = clean_observation(text)
        return self.last_observation

    def close(self) -> None:
        """Close the game's interpreter (the agent loop calls it when the episode ends)."""
        if self._game is not None:
            self._game.close()
            self._game = None

    def valid_actions(self) -> list[str]:
        if self.backend == "textworld":
            return sorted(self._admissible)
        if self._game.bindings:
            try:
                return sorted(self._game.get_valid_actions(use_parallel=False))
            except Exception:  # noqa: BLE001 - jericho's action search needs optional parts; fall back
                pass
        return list(GENERIC_ACTIONS)

    def step(self, action_text: str) -> tuple[str, bool]:
        command = agentboard_command(action_text)
        self.steps += 1
        if self.backend == "textworld":
            observation, valid = self._step_textworld(command)
        else:
            observation, valid = self._step_jericho(command)
        self.last_observation = observation
        self.last_parse_error = "the game's parser did not understand it" if parser_failed(observation) else None
        return observation, valid

    # --- backends ----------------------------------------------------------------------------------
    def _step_textworld(self, command: str) -> tuple[str, bool]:
        admissible = {normalise_command(a) for a in self._admissible}
        valid = normalise_command(command) in admissible
        state, _, done = self._game.step(command)
        self._admissible = list(state.admissible_commands or [])
        if state.won:
            self.progress, self.success = 1.0, True
        elif not state.lost and self._policy_start:
            remaining = len(state.policy_commands or [])
            self.progress = max(0.0, (self._policy_start - remaining) / self._policy_start)
        self.done = bool(done or state.won or state.lost)
        return clean_observation(state.feedback), valid

    def _step_jericho(self, command: str) -> tuple[str, bool]:
        raw, _, done, info = self._game.step(command)
        observation = clean_observation(raw)
        self.score = int(info.get("score", 0))
        flat = clean_up_text(observation)
        for i, pattern in enumerate(self.subgoals):
            if i not in self._seen and match_style(flat, pattern):
                self._seen.add(i)
        victory = bool(self._game.victory())
        max_score = self._game.get_max_score() if self._game.is_fully_supported else 0
        if self.subgoals:
            self.progress = len(self._seen) / len(self.subgoals)
        elif max_score > 0:
            self.progress = max(0.0, min(1.0, self.score / max_score))
        self.success = victory or (bool(self.subgoals) and len(self._seen) == len(self.subgoals))
        if self.success:
            self.progress = 1.0
        ended = "*** " in observation and ("RESTART" in observation or "The End" in observation)
        self.done = bool(done or self.success or ended)
        return observation, not parser_failed(observation)


class GamePaper:
    """AgentBoard's Jericho rules on the observations an episode's game gave.

    r = 0 at reset; after each step, the first not-yet-matched subgoal (in list order) that matches the
    observation scores a point: r = max(r, points / subgoals) (one point per step at most). Done when r = 1
    or the game ended; success = r = 1. A text with "check" and "action" (any case) is AgentBoard's valid-
    action query: grounded, no progress. Any other step is grounded unless its observation holds `[!`.
    Without subgoals (a Jericho file given without labels) r = score / max score and success = the game
    ended, AgentBoard's no-annotation branch made a rate (see README.md).
    """

    def __init__(self, env: GameEnv, subgoals: list[str]):
        self.env = env
        self.remaining = list(subgoals)
        self.total = len(subgoals)
        self.points = 0
        self.progress, self.done, self.success = 0.0, False, False
        self._seen = 0

    def step(self, output: str, action: str | None) -> tuple[bool, str]:
        stepped, self._seen = self.env.steps != self._seen, self.env.steps
        if action is None:
            return False, "no action"
        lowered = action.strip().lower()
        if "check" in lowered and "action" in lowered:
            return True, "You can take the following actions: " + ", ".join(self.env.valid_actions())
        if not stepped:  # cannot happen with the loop (it only answers the exact check form itself)
            return False, "not sent to the game"
        observation = clean_up_text(self.env.last_observation)
        if self.total:
            for pattern in self.remaining:
                if match_style(observation, pattern):
                    self.points += 1
                    self.progress = max(self.progress, self.points / self.total)
                    self.remaining.remove(pattern)
                    break
            self.success = self.progress == 1.0
            self.done = self.success or self.env.done
        else:
            game = self.env._game
            max_score = game.get_max_score() if getattr(game, "is_fully_supported", False) else 0
            if max_score > 0:
                self.progress = max(self.progress, min(1.0, self.env.score / max_score))
            self.done = self.success = self.env.done
        return "[!" not in observation, observation
