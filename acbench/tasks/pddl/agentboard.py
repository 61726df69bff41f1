"""AgentBoard's PDDL games as AgentBoard runs them: its 60 problems, prompts, observation sentences and rules.

    games = PDDLCheckout("/src/AgentBoard")                         # prompts and sentences, read at run time
    samples = agentboard_samples(games.pddl_dir)                    # gripper 20, blockworld 10, barman 20, tyreworld 10
    env = AgentBoardPDDLEnv(samples[0], games)
    env.reset()                                                     # "Ball1 is a ball. Ball1 is at rooma. ..."
    env.step("check valid actions")                                 # "Valid actions are: ..."

Follows `agentboard/environment/pddl_env/pddl_env.py` and `agentboard/tasks/pddl.py` of hkust-nlp/AgentBoard:

- Problems: per game its problem files in sorted path order (pddlgym's `fix_problem_index` order), at most 20
  (`env_num_per_task`); AgentBoard's games are gripper, blockworld, barman and tyreworld, in that order.
  Difficulty: from AgentBoard's label file (`data/pddl/test.jsonl` of its data archive, one line per problem in
  that order) when given, else unlabelled.
- Sentences: every literal through the `predicate_map` of the checkout's pddl_env.py (read with `ast`, not run):
  a name it maps is formatted with the arguments, any other is `name arg1 arg2`. States are sentences, each
  `str.capitalize`d, sorted, joined by spaces; barman and tyreworld show only the facts that became true after
  the first observation. Goals: the sorted sentences, joined by ", ", after AgentBoard's goal phrase.
- Actions: any text with "check" lists the valid actions (their sentences, then "check valid actions", and
  "look around" for barman and tyreworld; pddlgym lists no action on one object twice); "look around" shows the
  state. Otherwise the first token that names a listed action, and the object names among the tokens, in order
  (cut to the action's arity; fewer is unreadable). An unreadable text, or an action whose preconditions fail or that changes nothing, is invalid and
  changes nothing; AgentBoard's two invalid-action messages are read from the checkout.
- Progress r: 0 at reset; after a valid action, max(r, goal literals true / goal literals). Done and success when
  the goal holds after a valid action; " The goal is satisfied." (read from the checkout) ends that observation.

Differences that remain (README.md): the valid actions are listed in sorted order (AgentBoard: set order, which
changes with Python's hash seed); "look around" lists the facts sorted (set order upstream); tokens are runs of
characters other than spaces and ( ) [ ] { } , ; : ! ? quotes, with trailing periods dropped (AgentBoard: nltk's
word_tokenize, which differs on rare texts such as "b1.b2" or "b1's").
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

from acbench.tasks.agentic.agentboard import (AgentBoardFilesError, LayoutTexts, VanillaLayout,
                                             agentboard_action, checkout_root, function_strings, module_dict, pick,
                                             read_prompt_file, require)
from acbench.tasks.pddl.world import PDDLWorld, State
from acbench.tasks.base import Sample

log = logging.getLogger(__name__)

GAMES = ("gripper", "blockworld", "barman", "tyreworld")  # main_results_all_tasks.yaml env.pddl.game_name
PROBLEMS = {"gripper": 20, "blockworld": 10, "barman": 20, "tyreworld": 10}  # tasks/pddl.py Num_Problems
PER_GAME = 20  # env_num_per_task
CHANGES_ONLY = ("barman", "tyreworld")  # observations after the first show only new facts; "look around" offered
CHECK = "check valid actions"
LOOK = "look around"
PROMPT_FILE = "agentboard/prompts/VanillaAgent/pddl_vanilla_prompt.json"
ENV_FILE = "agentboard/environment/pddl_env/pddl_env.py"
PDDL_DIR = "agentboard/environment/pddl_env/pddlgym/pddl"  # <game>.pddl + <game>/ problems (pddlgym's layout)
_TOKEN = re.compile(r"[^\s()\[\]{},;:!?\"'`]+")


class PDDLCheckout:
    """What the PDDL games need from an AgentBoard checkout: prompts, sentences, messages, problem folder."""

    def __init__(self, root=None):
        self.root = checkout_root(root, "pddl")
        self.prompt_path = require(self.root, PROMPT_FILE)
        self.prompts = read_prompt_file(self.root, PROMPT_FILE, GAMES)
        env_path = require(self.root, ENV_FILE)
        self.sentences: dict[str, str] = module_dict(env_path, "predicate_map")
        step = function_strings(env_path, "step", "PDDL")
        where = f"{env_path} (PDDL.step)"
        self.valid_lead = pick(step, where, "the valid-actions phrase", lambda s: s.lower().startswith("valid actions"))
        invalid = [s for s in step if s.startswith("The action is not valid")]
        if len(invalid) != 2:
            raise AgentBoardFilesError(f"{where}: expected its two invalid-action messages, found {len(invalid)}")
        self.no_effect, self.unreadable = invalid  # in source order: precondition/effect first, parse failure second
        self.goal_done = pick(function_strings(env_path, "update", "PDDL"), f"{env_path} (PDDL.update)",
                              "the goal-satisfied phrase", lambda s: "goal" in s.lower() and " " in s)
        self.goal_lead = pick(function_strings(env_path, "get_goal_and_obs", "PDDL"),
                              f"{env_path} (PDDL.get_goal_and_obs)", "the goal phrase", lambda s: s.endswith(": "))
        self.layout_texts = LayoutTexts.read(self.root)
        self.pddl_dir = self.root / PDDL_DIR

    def layout(self, game: str) -> VanillaLayout:
        prompt = self.prompts[game]
        return VanillaLayout(self.layout_texts, prompt["system_msg"], prompt["instruction"], list(prompt["examples"]),
                             check_actions=CHECK)

    def sentence(self, atom: tuple[str, ...]) -> str:
        template = self.sentences.get(atom[0])
        return template.format(*atom[1:]) if template is not None else atom[0] + " " + " ".join(atom[1:])


def game_files(root: Path, game: str) -> tuple[Path, list[Path]]:
    """A game's domain and its problems, sorted: `<root>/<game>/domain.pddl` + problems, or pddlgym's
    `<root>/<game>.pddl` + `<root>/<game>/*.pddl`."""
    folder = root / game
    if (folder / "domain.pddl").is_file():
        domain = folder / "domain.pddl"
    elif (root / f"{game}.pddl").is_file():
        domain = root / f"{game}.pddl"
    else:
        raise AgentBoardFilesError(f"no PDDL domain for AgentBoard's game {game}: expected {folder / 'domain.pddl'} "
                                   f"(or pddlgym's layout, {root / (game + '.pddl')})")
    problems = sorted(p for p in folder.glob("*.pddl") if p.name != "domain.pddl") if folder.is_dir() else []
    if not problems:
        raise AgentBoardFilesError(f"no problem files (*.pddl) for AgentBoard's game {game} in {folder}")
    return domain, problems


def read_pddl_labels(path: str | Path) -> list[str]:
    """The difficulty of each line of AgentBoard's data/pddl/test.jsonl, in order."""
    path = Path(path)
    if not path.is_file():
        raise AgentBoardFilesError(f"AgentBoard PDDL label file not found: {path} (its data/pddl/test.jsonl)")
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise AgentBoardFilesError(f"{path} line {number}: not JSON ({exc.msg})") from None
        if not isinstance(row, dict) or row.get("difficulty") not in ("easy", "hard"):
            raise AgentBoardFilesError(f"{path} line {number}: a label needs difficulty easy or hard")
        found.append(row["difficulty"])
    return found


def agentboard_samples(root: str | Path, games: list[str] | None = None, labels: str | Path | None = None,
                       ) -> list[Sample]:
    """AgentBoard's PDDL problems under `root`, game by game; every file is parsed here, so a file our engine
    cannot read fails now (UnsupportedPDDLError names it and the construct), before any model loads.

    Labels follow AgentBoard's order over all four games (line k is the k-th problem of gripper, blockworld,
    barman, tyreworld); with a subset of games each keeps its own lines (AgentBoard's code would start at line 1).
    """
    root = Path(root)
    if not root.is_dir():
        raise AgentBoardFilesError(f"AgentBoard PDDL folder not found: {root}")
    games = list(games or GAMES)
    unknown = sorted(set(games) - set(GAMES))
    if unknown:
        raise AgentBoardFilesError(f"{unknown}: not AgentBoard PDDL games (they are {', '.join(GAMES)})")
    difficulties = read_pddl_labels(labels) if labels is not None else None
    expected = sum(min(PER_GAME, PROBLEMS[g]) for g in GAMES)
    if difficulties is not None and len(difficulties) < expected:
        raise AgentBoardFilesError(f"{labels}: {len(difficulties)} labels, AgentBoard's 4 games have {expected} problems")
    samples, offset = [], {}
    position = 0
    for game in GAMES:
        offset[game] = position
        position += min(PER_GAME, PROBLEMS[game])
    for game in [g for g in GAMES if g in games]:
        domain, problems = game_files(root, game)
        wanted = min(PER_GAME, PROBLEMS[game])
        if len(problems) < wanted:
            log.warning("%s: %d problem files, AgentBoard runs %d", root / game, len(problems), wanted)
        for index, problem in enumerate(problems[:wanted]):
            PDDLWorld.from_files(domain, problem)  # fail now, naming the file and the construct
            difficulty = difficulties[offset[game] + index] if difficulties is not None else None
            samples.append(Sample(id=f"{game}/{problem.stem}", data={
                "domain": str(domain), "problem": str(problem), "group": game, "game": game, "index": index,
                "difficulty": difficulty}))
    return samples


def tokens(text: str) -> list[str]:
    """Words of an action text (see the module docstring: close to nltk's word_tokenize on action texts)."""
    return [t for t in (m.rstrip(".") for m in _TOKEN.findall(text.lower())) if t]


class AgentBoardPDDLEnv:
    """One AgentBoard PDDL problem (implements the Environment protocol; the loop uses its `layout`).

    `progress`, `done`, `success` are acbench's view (goal fraction now); `reward` and `won` are AgentBoard's r
    and success; `last_valid` its `action_is_valid`; `last_kind` which answer the last step gave (`check`, `look`,
    `unreadable`, `no_effect` or `state`).
    """

    answers_check = True  # "check valid actions" goes to step(), as in AgentBoard

    def __init__(self, sample: Sample, checkout: PDDLCheckout):
        self.game = sample.data["game"]
        self.world = PDDLWorld.from_files(sample.data["domain"], sample.data["problem"])
        self.checkout = checkout
        self.layout = checkout.layout(self.game)
        self.instruction = self.layout.instruction
        self.examples = "\n".join(self.layout.examples)
        goal = sorted(checkout.sentence(a) for a in self.world.goal_pos)
        self.goal = checkout.goal_lead + ", ".join(goal)
        self.names = {a.lower(): a for a in self.world.schemas}
        self.objects = {o.lower(): o for o in self.world.objects}
        self.reset()

    def extract_action(self, output: str) -> str:
        return agentboard_action(output)

    def reset(self) -> str:
        self.state: State = self.world.init
        self.reward, self.won = 0.0, False
        self.progress = self.world.goal_fraction(self.state)
        self.done = self.success = False
        self.last_parse_error: str | None = None
        self.last_valid, self.last_kind = True, "state"
        self.last_observation = self.describe(self.state)
        return self.last_observation

    def describe(self, state: State, before: State | None = None) -> str:
        facts = state - before if before is not None and self.game in CHANGES_ONLY else state
        return " ".join(sorted(self.checkout.sentence(a).capitalize() for a in facts))

    def listed(self) -> list[tuple[str, tuple[str, ...]]]:
        """The applicable actions AgentBoard's action space holds: pddlgym grounds no action on one object twice
        (an action such as `move rooma rooma` can still be executed, but is never listed nor makes its name valid)."""
        return [(name, args) for name, args in self.world.applicable(self.state) if len(set(args)) == len(args)]

    def valid_actions(self) -> list[str]:
        found = sorted(self.checkout.sentence((name, *args)) for name, args in self.listed())
        return found + [CHECK] + ([LOOK] if self.game in CHANGES_ONLY else [])

    def read_action(self, text: str) -> tuple[str, tuple[str, ...]] | None:
        """AgentBoard's text_to_action: a listed action's name among the tokens, then its objects."""
        words = tokens(text)
        applicable = {name for name, _ in self.listed()}
        name = next((self.names[w] for w in words if w in self.names and self.names[w] in applicable), None)
        if name is None:
            return None
        arity = len(self.world.schemas[name].params)
        args = [self.objects[w] for w in words if w in self.objects][:arity]
        return (name, tuple(args)) if len(args) == arity else None

    def step(self, action_text: str) -> tuple[str, bool]:
        self.last_parse_error = None
        lowered = action_text.lower()
        if "check" in lowered:
            return self._answer("check", self.checkout.valid_lead + ", ".join(self.valid_actions()), True)
        if LOOK in lowered:
            facts = " ".join(sorted(self.checkout.sentence(a).capitalize() for a in self.state))
            return self._answer("look", facts, True)
        parsed = self.read_action(action_text)
        if parsed is None:
            self.last_parse_error = "no applicable action with its objects in the text"
            return self._answer("unreadable", self.checkout.unreadable, False)
        name, args = parsed
        new = self.world.apply(self.state, name, args) if self.world.check(self.state, name, args)[0] else self.state
        if new == self.state:  # upstream compares observations: a refused action or one without effect
            return self._answer("no_effect", self.checkout.no_effect, False)
        before, self.state = self.state, new
        self.progress = self.world.goal_fraction(new)
        self.reward = max(self.reward, self.progress)
        self.won = self.done = self.success = self.progress == 1.0
        observation = self.describe(new, before) + (self.checkout.goal_done if self.won else "")
        return self._answer("state", observation, True)

    def _answer(self, kind: str, observation: str, valid: bool) -> tuple[str, bool]:
        self.last_kind, self.last_observation, self.last_valid = kind, observation, valid
        return observation, valid
