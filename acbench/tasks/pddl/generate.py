"""Generate our built-in PDDL problems (blocksworld, gripper) deterministically, with difficulty labels.

    python -m acbench.tasks.pddl.generate            # rewrites data/*/p*.pddl + index.json

Each problem is solved optimally by breadth-first search; its optimal plan length decides the label
(`easy`: at most EASY_MAX_PLAN steps). No goal literal is true at the start. Per domain we keep the
first 6 easy and 6 hard problems that a seeded random stream produces, so the files are reproducible
and a test checks they match.
"""

from __future__ import annotations

import json
import random
import tempfile
from pathlib import Path

from acbench.tasks.pddl.env import EASY_MAX_PLAN, builtin_pddl_dir
from acbench.tasks.pddl.world import PDDLWorld

PER_LABEL = 6
SEEDS = {"blocksworld": 1234, "gripper": 4321}


def _towers(rng: random.Random, blocks: list[str]) -> list[list[str]]:
    order = blocks[:]
    rng.shuffle(order)
    towers: list[list[str]] = []
    for b in order:
        if towers and rng.random() < 0.6:
            rng.choice(towers).append(b)
        else:
            towers.append([b])
    return towers


def blocksworld_problem(rng: random.Random, name: str) -> str:
    n = rng.randint(3, 5)
    blocks = [f"b{i}" for i in range(1, n + 1)]
    init = ["(arm-empty)"]
    for tower in _towers(rng, blocks):
        init.append(f"(on-table {tower[0]})")
        init += [f"(on {up} {down})" for down, up in zip(tower, tower[1:])]
        init.append(f"(clear {tower[-1]})")
    goal = []
    for tower in _towers(rng, blocks):
        goal += [f"(on {up} {down})" for down, up in zip(tower, tower[1:])]
    if not goal:  # every block alone on the table: ask for one pair
        goal = [f"(on {blocks[0]} {blocks[1]})"]
    return _problem(name, "blocksworld", f"{' '.join(blocks)} - block", init, goal)


def gripper_problem(rng: random.Random, name: str) -> str:
    rooms = ["kitchen", "hall", "garden"][: rng.randint(2, 3)]
    balls = [f"ball{i}" for i in range(1, rng.randint(1, 4) + 1)]
    init = [f"(at-robot {rng.choice(rooms)})", "(free left)", "(free right)"]
    init += [f"(at {b} {rng.choice(rooms)})" for b in balls]
    goal = [f"(at {b} {rng.choice(rooms)})" for b in balls]
    objects = f"{' '.join(rooms)} - room {' '.join(balls)} - ball left right - gripper"
    return _problem(name, "gripper", objects, init, goal)


def _problem(name: str, domain: str, objects: str, init: list[str], goal: list[str]) -> str:
    body = "\n    ".join(init)
    goals = "\n      ".join(goal)
    return (
        f"(define (problem {name})\n  (:domain {domain})\n  (:objects {objects})\n"
        f"  (:init\n    {body})\n  (:goal\n    (and\n      {goals})))\n"
    )


def generate(domain: str, out_dir: Path) -> dict[str, dict]:
    """Write PER_LABEL easy + PER_LABEL hard problems for `domain` into out_dir; return the index."""
    make = {"blocksworld": blocksworld_problem, "gripper": gripper_problem}[domain]
    rng = random.Random(SEEDS[domain])
    domain_file = builtin_pddl_dir() / domain / "domain.pddl"
    kept: dict[str, list[tuple[str, int]]] = {"easy": [], "hard": []}
    seen = set()
    with tempfile.TemporaryDirectory() as tmp:
        for attempt in range(10_000):
            if all(len(v) >= PER_LABEL for v in kept.values()):
                break
            text = make(rng, "candidate")
            path = Path(tmp) / "candidate.pddl"
            path.write_text(text)
            world = PDDLWorld.from_files(domain_file, path)
            if world.goal_fraction(world.init) > 0 or text in seen:  # progress must start at 0
                continue
            plan = world.shortest_plan(max_states=200_000)
            if not plan:
                continue
            seen.add(text)
            label = "easy" if len(plan) <= EASY_MAX_PLAN else "hard"
            if len(kept[label]) < PER_LABEL:
                kept[label].append((text, len(plan)))
    index = {}
    items = sorted(kept["easy"] + kept["hard"], key=lambda t: t[1])  # p01 easiest ... p12 hardest
    for i, (text, length) in enumerate(items, 1):
        fname = f"p{i:02d}.pddl"
        (out_dir / fname).write_text(text.replace("(problem candidate)", f"(problem {domain}-p{i:02d})"))
        index[fname] = {"difficulty": "easy" if length <= EASY_MAX_PLAN else "hard", "optimal_plan_length": length}
    (out_dir / "index.json").write_text(json.dumps(index, indent=1) + "\n")
    return index


if __name__ == "__main__":
    for name in SEEDS:
        print(name, generate(name, builtin_pddl_dir() / name))
