"""Record what AgentBoard's own PDDL environment answers to scripted action sequences (fixtures: data, not code).

    python3 -m venv /tmp/ab && /tmp/ab/bin/pip install "gym==0.24.0" "numpy<2" matplotlib imageio pillow nltk
    PYTHONHASHSEED=0 /tmp/ab/bin/python scripts/agentboard_pddl_fixtures.py --agentboard /src/AgentBoard \
        --out tests/tasks/pddl/fixtures/agentboard_pddl.json                      # AgentBoard's own problems
    PYTHONHASHSEED=0 /tmp/ab/bin/python scripts/agentboard_pddl_fixtures.py --agentboard /src/AgentBoard \
        --suite tests --out tests/tasks/pddl/fixtures/agentboard_pddl_tests.json  # acbench's test problems

Runs AgentBoard's `agentboard/environment/pddl_env/pddl_env.py` (class PDDL, with its vendored pddlgym and the
PDDL files of its checkout) in a separate environment of its own: acbench is not imported. For each script
(game, problem index, actions) it writes the first observation, the goal and, per action, AgentBoard's
observation, progress rate (reward), done, won and action_is_valid; next to them, for checks that need no
sentences, the state's literals after the step and, after "check valid actions", the valid actions as literals.
Each step also gets its kind: `check` (valid actions listed), `look` (state shown), `unreadable` (AgentBoard's
text_to_action found no action), `no_effect` (an action that failed or changed nothing) or `state` (a valid step).
tests/tasks/pddl/test_agentboard.py replays the same actions in acbench's AgentBoardPDDLEnv.

`--suite tests` runs the same class on acbench's own test problems (tests/tasks/pddl/fixtures/agentboard_pddl/
<game>.pddl + <game>/ problems, pddlgym's layout, under AgentBoard's game names) by pointing pddlgym's environment at those files:
those fixtures need no AgentBoard checkout to be checked (literals, validity, kinds, progress).

Two things are changed around AgentBoard's code, neither inside it: `nltk.download` does nothing (no network
here) and `nltk.word_tokenize` runs with `preserve_line=True` (nltk's punkt sentence data is not installable
from PyPI; on one-line action texts it only matters for a period in the middle of the text). The actions below
are acbench's own; the goal-reaching ones are optimal plans found by acbench's planner, written in several forms
(PDDL, plain words, AgentBoard's own sentences).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys

SCRIPTS = [
    {"game": "blockworld", "index": 0, "actions": [
        "check valid actions", "stack b1 b2", "pickup b1", "look around", "dance on the table",
        "(unstack b2 b3)", "(unstack b2 b3)", "Putdown b2.", "unstack b3 from b1", "putdown b3", "pickup b2",
        "stack b2 b1", "check valid actions", "pickup b3", "Action: stack b3 b2"]},
    {"game": "gripper", "index": 0, "actions": [
        "check valid actions", "Pick up ball1 at rooma with arm left.", "pick ball1 rooma left",
        "(pick ball2 rooma right)", "move rooma rooma", "Move from rooma to roomb.", "drop ball1 roomb left",
        "drop ball2 roomb right", "look around", "move roomb rooma", "pick ball3 rooma left", "pick ball4 rooma right",
        "move rooma roomb", "drop ball3 roomb left", "drop ball4 roomb right"]},
    {"game": "gripper", "index": 1, "actions": [
        "check valid actions", "pick ball1", "pick ball1 rooma left right extra", "CHECK", "hello"]},
    {"game": "tyreworld", "index": 0, "actions": [
        "check valid actions", "fetch wrench from boot", "Open boot.", "open boot", "fetch jack from boot",
        "fetch pump boot", "fetch r1 boot", "Fetch wrench from boot.", "look around", "inflate r1",
        "Loosen the nut nuts1 on the hub the-hub1.", "jack-up the hub the-hub1", "undo nuts1 the-hub1",
        "remove-wheel w1 the-hub1", "put-away w1 boot", "check valid actions", "put-on-wheel r1 the-hub1"]},
    {"game": "barman", "index": 0, "actions": [
        "check valid actions", "right grasp shot2", "right grasp shot2",
        "fill-shot shot2 ingredient2 right left dispenser2", "check valid actions", "look around",
        "right leave shot2", "left grasp shot1", "fill-shot glass shot1 with ingredient1 with left and right holding "
        "dispenser1", "pour-shot-to-clean-shaker shot1 ingredient1 shaker1 left l0 l1", "nonsense"]},
]


TEST_SCRIPTS = [
    {"game": "blockworld", "index": 0, "actions": [
        "check valid actions", "pickup red", "unstack green red", "unstack green red", "putdown green",
        "stack green blue", "pickup red", "stack red blue", "look around", "Check the state", "pickup green",
        "stack green red"]},
    {"game": "tyreworld", "index": 0, "actions": [
        "fetch pump trunk", "check valid actions", "open trunk", "fetch pump from trunk", "fetch s1 trunk",
        "inflate s1", "inflate s1", "inflate s2", "look around", "put-away s1 in trunk", "close trunk",
        "open the trunk", "close trunk"]},
]
TEST_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "tasks", "pddl", "fixtures",
                        "agentboard_pddl")


def literal_text(literal) -> str:
    return " ".join([literal.predicate.name, *(str(v.name) for v in literal.variables)])


def run_script(pddl_cls, script: dict) -> dict:
    env = pddl_cls(problem_index=script["index"], game_name=script["game"])
    record = {**script, "problem_file": os.path.basename(env.env.unwrapped._problem.problem_fname), "goal": env._get_goal(),
              "observation": env._get_obs(), "literals": sorted(literal_text(x) for x in env.last_obs.literals),
              "steps": []}
    for action in script["actions"]:
        lowered = action.lower()
        kind = ("check" if "check" in lowered else "look" if "look around" in lowered
                else "unreadable" if env.text_to_action(action) is None else None)
        observation, reward, done, infos = env.step(action)
        valid = bool(infos.get("action_is_valid", False))
        kind = kind or ("state" if valid else "no_effect")
        step = {"action": action, "kind": kind, "observation": observation, "reward": reward, "done": bool(done),
                "won": env.won,
                "valid": valid,
                "literals": sorted(literal_text(x) for x in env.last_obs.literals)}
        if "check" in action.lower():
            step["valid_actions"] = sorted(literal_text(x)
                                           for x in env.env.action_space.all_ground_literals(env.last_obs))
        record["steps"].append(step)
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agentboard", required=True, help="an AgentBoard checkout")
    parser.add_argument("--out", required=True)
    parser.add_argument("--suite", choices=("agentboard", "tests"), default="agentboard")
    args = parser.parse_args()
    import nltk

    nltk.download = lambda *a, **k: True
    nltk.word_tokenize = functools.partial(nltk.word_tokenize, preserve_line=True)
    root = os.path.abspath(args.agentboard)
    sys.path[:0] = [os.path.join(root, "agentboard"), os.path.join(root, "agentboard", "environment", "pddl_env")]
    from environment.pddl_env.pddl_env import PDDL

    scripts = SCRIPTS
    if args.suite == "tests":
        import pddlgym
        from pddlgym.core import PDDLEnv

        def make(name, **_):  # "PDDLEnv<Game>-v0" -> acbench's test files for that game, registered settings
            game = name[len("PDDLEnv"):-len("-v0")].lower()
            return PDDLEnv(os.path.join(TEST_DIR, game + ".pddl"), os.path.join(TEST_DIR, game), operators_as_actions=True,
                           dynamic_action_space=True)

        pddlgym.make = make
        scripts = TEST_SCRIPTS
    stdout = sys.stdout
    sys.stdout = sys.stderr  # AgentBoard prints each reward
    try:
        records = [run_script(PDDL, s) for s in scripts]
    finally:
        sys.stdout = stdout
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump({"source": "hkust-nlp/AgentBoard agentboard/environment/pddl_env/pddl_env.py", "suite": args.suite,
                   "commit": os.environ.get("AGENTBOARD_COMMIT", ""), "python_hash_seed": os.environ.get("PYTHONHASHSEED"),
                   "scripts": records}, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
