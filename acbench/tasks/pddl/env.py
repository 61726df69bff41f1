"""PDDL planning environment (AgentBoard style) and its problem suites.

    env = PDDLEnv("data/blocksworld/domain.pddl", "data/blocksworld/p01.pddl")
    print(env.reset())                       # the full initial state
    obs, valid = env.step("(pick-up b1)")    # or "pick up b1", "stack b1 on b2"
    env.progress                             # fraction of goal literals true now

    samples = load_pddl_suite(builtin_pddl_dir())          # our blocksworld + gripper problems
    samples = load_pddl_suite("/path/to/agentboard/pddl")  # any folder of <domain>/domain.pddl + problems

Actions are written in PDDL form `(name arg1 arg2)`; natural wording is also read: the action name
may be split into words ("pick up" for `pick-up`/`pickup`) and filler words such as "on", "from",
"the" between arguments are ignored. `look` shows the state again.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from acbench.errors import ConfigError
from acbench.tasks.pddl.world import PDDLWorld, atom_text
from acbench.tasks.base import Sample

EASY_MAX_PLAN = 6  # problems whose optimal plan has at most this many steps are "easy"
FILLER = {"on", "onto", "from", "to", "in", "into", "with", "the", "a", "an", "at", "up", "down", "off",
          "and", "using", "block", "ball", "room", "gripper", "of", "top"}


def _norm(name: str) -> str:
    return re.sub(r"[-_\s]", "", name.lower())


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


class PDDLEnv:
    """One PDDL problem as an agent environment; see the module docstring for the action format."""

    def __init__(self, domain: str | Path, problem: str | Path, example: str | None = None):
        self.world = PDDLWorld.from_files(domain, problem)
        example_file = Path(domain).with_name("example.md")
        self.examples = example if example is not None else (
            example_file.read_text().strip() if example_file.exists() else self._generic_example()
        )
        w = self.world
        schemas = "\n".join(_flat(s.text) for s in w.schemas.values())
        demo = self._demo_action()
        self.instruction = (
            f"You are a planning agent in the PDDL domain '{w.domain_name}'. You change the world one action "
            f"at a time until the goal holds.\nThe actions, as PDDL schemas (parameters, preconditions, "
            f"effects):\n{schemas}\n"
            f"Write exactly one action per turn, in PDDL form with real object names, e.g. `Action: {demo}`. "
            f"Other commands: `check valid actions` lists the actions applicable now; `look` shows the state. "
            f"An action whose preconditions are false changes nothing."
        )
        self.goal = "The goal is to reach a state where: " + ", ".join(w.goal_literals()) + "."
        self.reset()

    def reset(self) -> str:
        self.state = self.world.init
        self.progress = self.world.goal_fraction(self.state)
        self.done = self.success = self.progress == 1.0
        self.last_parse_error: str | None = None
        return self.describe()

    def describe(self) -> str:
        objects = ", ".join(sorted(self.world.objects))
        facts = ", ".join(atom_text(a) for a in sorted(self.state))
        return f"Objects: {objects}. Current state: {facts}."

    def valid_actions(self) -> list[str]:
        return ["(" + " ".join((name, *args)) + ")" for name, args in self.world.applicable(self.state)]

    def parse(self, text: str) -> tuple[str, tuple[str, ...]]:
        """Read an action name and arguments from PDDL or natural wording; ValueError if impossible."""
        tokens = re.sub(r"[(),.;:'\"`]", " ", text.lower()).split()
        if not tokens:
            raise ValueError("empty action")
        names = {_norm(n): n for n in self.world.schemas}
        for k in range(min(3, len(tokens)), 0, -1):  # longest multi-word action name first
            name = names.get(_norm("".join(tokens[:k])))
            if name:
                break
        else:
            known = ", ".join(self.world.schemas)
            raise ValueError(f"unknown action '{tokens[0]}'; the actions are: {known}")
        objects = {o.lower(): o for o in self.world.objects}
        args = []
        for token in tokens[k:]:
            if token in objects:
                args.append(objects[token])
            elif token not in FILLER:
                raise ValueError(f"unknown object '{token}'")
        return name, tuple(args)

    def step(self, action_text: str) -> tuple[str, bool]:
        self.last_parse_error = None
        if action_text.strip().lower() in ("look", "(look)"):
            return self.describe(), True
        try:
            name, args = self.parse(action_text)
        except ValueError as exc:
            self.last_parse_error = str(exc)
            return f"Invalid action: {exc}. Nothing changed.", False
        ok, why = self.world.check(self.state, name, args)
        if not ok:
            return f"Invalid action: {why}. Nothing changed.", False
        before, self.state = self.state, self.world.apply(self.state, name, args)
        self.progress = self.world.goal_fraction(self.state)
        self.done = self.success = self.progress == 1.0
        gained = ", ".join(atom_text(a) for a in sorted(self.state - before)) or "nothing"
        lost = ", ".join(atom_text(a) for a in sorted(before - self.state)) or "nothing"
        done = " The goal is reached." if self.done else ""
        return f"You did ({' '.join((name, *args))}). Now true: {gained}. No longer true: {lost}.{done}", True

    def _demo_action(self) -> str:
        """An action in the right form with real object names (types respected, not necessarily applicable)."""
        schema = next(iter(self.world.schemas.values()))
        args = []
        for kinds in schema.types:
            fits = sorted(o for o, ts in self.world.objects.items() if not kinds or kinds & ts)
            args.append(fits[len(args) % len(fits)] if fits else "x")
        return "(" + " ".join((schema.name, *args)) + ")"

    def _generic_example(self) -> str:
        """A format example for a domain without example.md: what the commands look like."""
        first = next(iter(self.world.schemas.values()))
        args = " ".join(f"<{p.lstrip('?')}>" for p in first.params)
        return (
            "Example of the format:\nAction: check valid actions\n"
            "Observation: Valid actions: ...\n"
            f"Action: ({first.name} {args})\nObservation: You did (...). Now true: ... No longer true: ..."
        ).replace(" )", ")")


def builtin_pddl_dir() -> Path:
    return Path(__file__).parent / "data"


def label_difficulty(world: PDDLWorld) -> tuple[str, int | None]:
    """`easy` if an optimal plan of at most EASY_MAX_PLAN steps exists, else `hard` (bounded search)."""
    plan = world.shortest_plan(max_states=5_000, max_depth=EASY_MAX_PLAN)
    return ("easy", len(plan)) if plan is not None else ("hard", None)


def problem_samples(domain: str | Path, problems: list[str | Path], group: str | None = None) -> list[Sample]:
    """Samples for explicit problem files of one domain; difficulty from index.json or a bounded search."""
    domain = Path(domain)
    if not domain.is_file():
        raise FileNotFoundError(f"PDDL domain file not found: {domain}")
    index_file = domain.with_name("index.json")
    index = json.loads(index_file.read_text()) if index_file.exists() else {}
    group = group or domain.parent.name
    samples = []
    for problem in problems:
        problem = Path(problem)
        if not problem.is_file():
            raise FileNotFoundError(f"PDDL problem file not found: {problem}")
        meta = index.get(problem.name)
        if meta is None:
            difficulty, length = label_difficulty(PDDLWorld.from_files(domain, problem))
            meta = {"difficulty": difficulty, "optimal_plan_length": length}
        samples.append(Sample(
            id=f"{group}/{problem.stem}",
            data={"domain": str(domain), "problem": str(problem), "group": group, **meta},
        ))
    return samples


def load_pddl_suite(root: str | Path, domains: list[str] | None = None) -> list[Sample]:
    """All problems of a folder holding `domain.pddl`, or of its subfolders that each hold one."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"PDDL suite folder not found: {root}")
    dirs = [root] if (root / "domain.pddl").exists() else sorted(
        d for d in root.iterdir() if (d / "domain.pddl").exists()
    )
    if domains:
        unknown = sorted(set(domains) - {d.name for d in dirs})
        if unknown:
            raise ConfigError(f"no PDDL domain folder(s) {unknown} in {root}; found {[d.name for d in dirs]}")
        dirs = [d for d in dirs if d.name in domains]
    if not dirs:
        raise FileNotFoundError(f"no domain.pddl in {root} or its subfolders")
    samples = []
    for d in dirs:
        problems = sorted(p for p in d.glob("*.pddl") if p.name != "domain.pddl")
        samples += problem_samples(d / "domain.pddl", problems)
    return samples
