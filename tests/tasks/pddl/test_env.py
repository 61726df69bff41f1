"""PDDL simulator: real AgentBoard files, our built-in suites, invalid and malformed actions."""

import json
from pathlib import Path

import pytest

from acbench.tasks.pddl.env import PDDLEnv, builtin_pddl_dir, load_pddl_suite
from acbench.tasks.pddl.world import PDDLWorld, UnsupportedPDDLError

AGENTBOARD = Path(__file__).parents[3] / ".." / "shared" / "data" / "pddl"
needs_agentboard = pytest.mark.skipif(not AGENTBOARD.is_dir(), reason="shared AgentBoard PDDL data not present")
BUILTIN = builtin_pddl_dir()


def run(env, actions):
    return [env.step(a) for a in actions]


@needs_agentboard
def test_agentboard_blockworld_problem1_partial_then_full_plan():
    env = PDDLEnv(AGENTBOARD / "blockworld/domain.pddl", AGENTBOARD / "blockworld/problem1.pddl")
    assert env.progress == 0.0  # goal (on b3 b2), (on b2 b1): neither holds at the start
    plan = ["(unstack b2 b3)", "(putdown b2)", "(unstack b3 b1)", "(putdown b3)", "(pickup b2)", "(stack b2 b1)"]
    results = run(env, plan)
    assert all(valid for _, valid in results)
    assert env.progress == 0.5 and not env.done  # (on b2 b1) holds, (on b3 b2) not yet
    run(env, ["pick up b3", "stack b3 on b2"])  # natural wording works too
    assert env.progress == 1.0 and env.done and env.success


@needs_agentboard
def test_agentboard_gripper_prob01_plan_reaches_goal():
    env = PDDLEnv(AGENTBOARD / "gripper/domain.pddl", AGENTBOARD / "gripper/prob01.pddl")
    trip = ["(pick {a} rooma left)", "(pick {b} rooma right)", "(move rooma roomb)",
            "(drop {a} roomb left)", "(drop {b} roomb right)"]
    run(env, [s.format(a="ball1", b="ball2") for s in trip])
    assert env.progress == 0.5
    results = run(env, ["(move roomb rooma)"] + [s.format(a="ball3", b="ball4") for s in trip])
    assert all(valid for _, valid in results)
    assert env.success and env.progress == 1.0


@needs_agentboard
def test_bfs_plan_on_agentboard_problem_is_optimal_and_replays():
    world = PDDLWorld.from_files(AGENTBOARD / "blockworld/domain.pddl", AGENTBOARD / "blockworld/problem1.pddl")
    plan = world.shortest_plan()
    assert len(plan) == 8  # hand-checked: four moves to clear the stack, four to build the goal
    env = PDDLEnv(AGENTBOARD / "blockworld/domain.pddl", AGENTBOARD / "blockworld/problem1.pddl")
    assert all(valid for _, valid in run(env, plan)) and env.success


@needs_agentboard
def test_agentboard_suite_loads_with_computed_difficulty(tmp_path):
    folder = tmp_path / "blockworld"  # a copy with two problems keeps the labelling search short
    folder.mkdir()
    for name in ("domain.pddl", "problem1.pddl", "problem2.pddl"):
        (folder / name).write_text((AGENTBOARD / "blockworld" / name).read_text())
    samples = {s.id: s for s in load_pddl_suite(tmp_path, domains=["blockworld"])}
    assert sorted(samples) == ["blockworld/problem1", "blockworld/problem2"]
    assert samples["blockworld/problem2"].data["difficulty"] == "easy"  # optimal plan: 6 steps
    assert samples["blockworld/problem1"].data["difficulty"] == "hard"  # optimal plan: 8 steps
    with pytest.raises(ValueError, match="no PDDL domain folder"):
        load_pddl_suite(tmp_path, domains=["sokoban"])


def test_invalid_action_leaves_state_unchanged_and_says_why():
    env = PDDLEnv(BUILTIN / "blocksworld/domain.pddl", BUILTIN / "blocksworld/p01.pddl")
    before = env.state
    obs, valid = env.step("(stack b1 b2)")  # the arm holds nothing
    assert not valid and env.state == before and "(holding b1) is false" in obs
    assert env.last_parse_error is None  # well-formed, just not applicable
    obs, valid = env.step("(fly b1)")
    assert not valid and env.state == before and env.last_parse_error.startswith("unknown action")
    obs, valid = env.step("(pick-up b9)")
    assert not valid and "unknown object 'b9'" in obs and env.state == before
    obs, valid = env.step("(pick-up b1 b2)")
    assert not valid and "takes 1 argument" in obs
    assert env.step("")[1] is False


def test_types_equality_and_negative_preconditions():
    env = PDDLEnv(BUILTIN / "gripper/domain.pddl", BUILTIN / "gripper/p01.pddl")
    robot = next(a[1] for a in env.state if a[0] == "at-robot")
    obs, valid = env.step(f"(pick {robot} ball1 left)")  # a room where a ball belongs
    assert not valid and "not of type ball" in obs
    obs, valid = env.step(f"(move {robot} {robot})")
    assert not valid and "(not (= ?from ?to)) is false" in obs
    other = next(o for o, ts in env.world.objects.items() if "room" in ts and o != robot)
    obs, valid = env.step(f"move from {robot} to {other}")
    assert valid and ("at-robot", other) in env.state and ("at-robot", robot) not in env.state


def test_valid_actions_are_exactly_the_applicable_ones():
    env = PDDLEnv(BUILTIN / "blocksworld/domain.pddl", BUILTIN / "blocksworld/p07.pddl")
    actions = env.valid_actions()
    assert actions
    for action in actions:
        name, args = env.parse(action)
        assert env.world.check(env.state, name, args)[0]
    # every other grounding of pick-up is refused
    for block in sorted(env.world.objects):
        assert (f"(pick-up {block})" in actions) == env.world.check(env.state, "pick-up", (block,))[0]


@pytest.mark.parametrize("domain", ["blocksworld", "gripper"])
def test_builtin_suite_labels_match_optimal_plans(domain):
    index = json.loads((BUILTIN / domain / "index.json").read_text())
    assert len(index) >= 10
    assert {m["difficulty"] for m in index.values()} == {"easy", "hard"}
    for name, meta in index.items():
        world = PDDLWorld.from_files(BUILTIN / domain / "domain.pddl", BUILTIN / domain / name)
        assert world.goal_fraction(world.init) == 0.0
        if meta["difficulty"] == "easy":  # keep the test fast: re-solve the short ones
            assert len(world.shortest_plan()) == meta["optimal_plan_length"], name
        assert meta["difficulty"] == ("easy" if meta["optimal_plan_length"] <= 6 else "hard")


def test_unsupported_pddl_is_a_clear_error(tmp_path):
    domain = tmp_path / "domain.pddl"
    domain.write_text("""(define (domain d) (:requirements :strips :disjunctive-preconditions)
      (:predicates (p ?x) (q ?x))
      (:action a :parameters (?x) :precondition (or (p ?x) (q ?x)) :effect (p ?x)))""")
    problem = tmp_path / "p.pddl"
    problem.write_text("(define (problem p) (:domain d) (:objects o) (:init (q o)) (:goal (p o)))")
    with pytest.raises(UnsupportedPDDLError, match="not a STRIPS literal"):
        PDDLWorld.from_files(domain, problem)
    problem.write_text("(define (problem p) (:domain d) (:objects o) (:init (q o)")  # cut file
    with pytest.raises(UnsupportedPDDLError, match=r"cannot read the PDDL problem .*p\.pddl"):
        PDDLWorld.from_files(domain, problem)


def test_look_and_generic_example_for_a_domain_without_example(tmp_path):
    for name in ("domain.pddl", "p01.pddl"):
        src = BUILTIN / "blocksworld" / name
        (tmp_path / name).write_text(src.read_text())
    env = PDDLEnv(tmp_path / "domain.pddl", tmp_path / "p01.pddl")
    assert "check valid actions" in env.examples and "(pick-up <b>)" in env.examples
    obs, valid = env.step("look")
    assert valid and obs.startswith("Objects: b1")
