"""AgentBoard's PDDL games: checked against recorded outputs of AgentBoard's own environment code.

Fixtures (scripts/agentboard_pddl_fixtures.py ran AgentBoard's pddl_env.py on them):
- fixtures/agentboard_pddl_tests.json: acbench's own test problems (fixtures/agentboard_pddl/); the literal-level
  checks (state, valid actions, validity, kind of answer, progress, done, won) need no AgentBoard checkout.
- fixtures/agentboard_pddl.json: AgentBoard's own problems; with a checkout ($ACBENCH_AGENTBOARD_DIR) every
  observation and goal sentence is compared too.
"""

import json
import os
from collections import Counter
from pathlib import Path

import pytest

from acbench.engines.scripted import ScriptedEngine
from acbench.tasks.agentic.agentboard import (AgentBoardFilesError, LayoutTexts, VanillaLayout, agentboard_action)
from acbench.tasks.pddl.agentboard import AgentBoardPDDLEnv, PDDLCheckout, agentboard_samples, tokens
from acbench.tasks.pddl.world import PDDLWorld, UnsupportedPDDLError
from acbench.tasks.agentic.loop import prompt_tokens
from acbench.tasks.pddl.task import PDDLTask
from acbench.tasks.base import ResultStore

FIXTURES = Path(__file__).parent / "fixtures"
TEST_GAMES = FIXTURES / "agentboard_pddl"
CHECKOUT = os.environ.get("ACBENCH_AGENTBOARD_DIR")
needs_checkout = pytest.mark.skipif(
    not CHECKOUT or not (Path(CHECKOUT) / "agentboard/environment/pddl_env/pddl_env.py").is_file(),
    reason="no AgentBoard checkout in $ACBENCH_AGENTBOARD_DIR (its repository is not reachable from CI)")

# a stand-in checkout with acbench's own wording, in AgentBoard's file layout
FAKE_ENV = '''
predicate_map = {"on": "{} sits on {}.", "holding": "You hold {}.", "on": "{} is on {}."}

class PDDL:
    def get_goal_and_obs(self, obs):
        return "Reach this: " + ", ".join(obs)

    def step(self, action):
        if "check" in action:
            return "Valid actions: " + ", ".join(action)
        a = "The action is not valid: it changed nothing."
        b = "The action is not valid: it names no action."
        return a, b

    def update(self, action, obs):
        obs += " Goal reached."
'''
FAKE_AGENT = '''
class VanillaAgent:
    def make_prompt(self, need_goal=False, check_actions="check valid actions", check_inventory="inventory"):
        query = "\\nWorked examples:\\n" + "Your goal: " + "Help command: " + "Help command: inventory\\n"
        return query + "\\n" + ": " + "\\nAction: "
'''


def write_checkout(root: Path, skip: str | None = None) -> Path:
    files = {
        "agentboard/environment/pddl_env/pddl_env.py": FAKE_ENV,
        "agentboard/agents/vanilla_agent.py": FAKE_AGENT,
        "agentboard/prompts/VanillaAgent/pddl_vanilla_prompt.json": json.dumps({
            game: {"system_msg": f"System for {game}.", "instruction": f"Play {game}.\n",
                   "examples": [f"Example for {game}."]}
            for game in ("gripper", "blockworld", "barman", "tyreworld")}),
    }
    for relative, text in files.items():
        if relative != skip:
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            (root / relative).write_text(text)
    return root


@pytest.fixture
def fake_checkout(tmp_path) -> PDDLCheckout:
    return PDDLCheckout(write_checkout(tmp_path / "AgentBoard"))


def literal_set(atoms) -> list[str]:
    return sorted(" ".join(a) for a in atoms)


def env_for(checkout: PDDLCheckout, root: Path, game: str, index: int) -> AgentBoardPDDLEnv:
    sample = [s for s in agentboard_samples(root, [game]) if s.data["index"] == index][0]
    return AgentBoardPDDLEnv(sample, checkout)


def test_checkout_texts_are_read_not_copied(fake_checkout):
    c = fake_checkout
    assert c.sentences["on"] == "{} is on {}."  # the later duplicate key wins, as when Python runs the file
    assert (c.valid_lead, c.no_effect, c.unreadable, c.goal_done, c.goal_lead) == (
        "Valid actions: ", "The action is not valid: it changed nothing.", "The action is not valid: it names no action.",
        " Goal reached.", "Reach this: ")
    assert c.layout_texts == LayoutTexts("\nWorked examples:\n", "Your goal: ", "Help command: ",
                                         "Help command: inventory\n", "\nAction: ")
    assert c.sentence(("on", "a", "b")) == "a is on b." and c.sentence(("clear", "a")) == "clear a"


@pytest.mark.parametrize("missing", ["agentboard/environment/pddl_env/pddl_env.py", "agentboard/agents/vanilla_agent.py",
                                     "agentboard/prompts/VanillaAgent/pddl_vanilla_prompt.json"])
def test_a_checkout_without_a_file_names_it(tmp_path, missing):
    root = write_checkout(tmp_path / "ab", skip=missing)
    with pytest.raises(AgentBoardFilesError, match=missing.replace(".", r"\.")):
        PDDLCheckout(root)


def test_no_checkout_names_the_option_and_the_variable(monkeypatch):
    monkeypatch.delenv("ACBENCH_AGENTBOARD_DIR", raising=False)
    with pytest.raises(AgentBoardFilesError, match="pddl.agentboard=.*ACBENCH_AGENTBOARD_DIR"):
        PDDLTask(subset="agentboard")


def test_a_folder_without_a_game_or_with_an_unreadable_problem_fails_before_any_model(tmp_path, fake_checkout):
    with pytest.raises(AgentBoardFilesError, match="gripper"):
        agentboard_samples(TEST_GAMES)  # no gripper (nor barman) in the test folder
    games = tmp_path / "games"
    (games / "blockworld").mkdir(parents=True)
    (games / "blockworld/domain.pddl").write_text("""(define (domain d) (:requirements :strips :universal-preconditions)
      (:predicates (p ?x))
      (:action a :parameters (?x) :precondition (forall (?y) (p ?y)) :effect (p ?x)))""")
    (games / "blockworld/p1.pddl").write_text("(define (problem q) (:domain d) (:objects o) (:init) (:goal (p o)))")
    with pytest.raises(UnsupportedPDDLError, match=r"p1\.pddl.*domain.*forall"):
        agentboard_samples(games, ["blockworld"])


def test_tyreworld_layout_is_read_leniently():
    world = PDDLWorld.from_files(TEST_GAMES / "tyreworld.pddl", TEST_GAMES / "tyreworld/t1.pddl")
    assert any(":typing" in fix for fix in world.layout_fixes) and any("order" in fix for fix in world.layout_fixes)
    assert world.objects["pump"] >= {"tool", "thing"}


@pytest.mark.parametrize("index", [0, 1])
def test_replays_agentboard_outputs_on_acbench_problems(fake_checkout, index):
    script = json.loads((FIXTURES / "agentboard_pddl_tests.json").read_text())["scripts"][index]
    env = env_for(fake_checkout, TEST_GAMES, script["game"], script["index"])
    assert literal_set(env.state) == script["literals"]
    for number, step in enumerate(script["steps"]):
        env.step(step["action"])
        where = f"{script['game']} step {number} ({step['action']})"
        assert env.last_kind == step["kind"], where
        assert env.last_valid == step["valid"], where
        assert env.reward == pytest.approx(step["reward"]), where
        assert (env.won, env.done) == (step["won"], step["done"]), where
        assert literal_set(env.state) == step["literals"], where
        if "valid_actions" in step:
            assert literal_set((n, *args) for n, args in env.listed()) == step["valid_actions"], where


def same_text(ours: str, theirs: str, kind: str) -> bool:
    """Equal, up to the order of listed items where AgentBoard's order is a Python set's."""
    if kind == "check":
        (lead, _, items), (their_lead, _, their_items) = ours.partition(": "), theirs.partition(": ")
        return lead == their_lead and Counter(items.split(", ")) == Counter(their_items.split(", "))
    if kind == "look":
        return Counter(ours.split()) == Counter(theirs.split())
    return ours == theirs


@needs_checkout
@pytest.mark.parametrize("fixture", ["agentboard_pddl.json", "agentboard_pddl_tests.json"])
def test_observation_sentences_equal_agentboards(fixture):
    checkout = PDDLCheckout(CHECKOUT)
    data = json.loads((FIXTURES / fixture).read_text())
    root = checkout.pddl_dir if data["suite"] == "agentboard" else TEST_GAMES
    for script in data["scripts"]:
        env = env_for(checkout, root, script["game"], script["index"])
        assert Path(env.world.problem_name) and env.goal == script["goal"]
        assert env.reset() == script["observation"]
        for number, step in enumerate(script["steps"]):
            observation, valid = env.step(step["action"])
            where = f"{script['game']}/{script['problem_file']} step {number} ({step['action']})"
            assert (env.last_kind, valid, env.won) == (step["kind"], step["valid"], step["won"]), where
            assert env.reward == pytest.approx(step["reward"]), where
            assert same_text(observation, step["observation"], step["kind"]), where


def test_action_reading_follows_agentboard():
    assert agentboard_action("Action: stack b1 b2\nObservation: x") == "stack b1 b2"
    assert agentboard_action("My next action is to pickup b1") == "pickup b1"
    assert agentboard_action("The next action:\n\npickup b2") == "pickup b2"
    assert agentboard_action("open boot\nthen more") == "open boot"
    assert agentboard_action("'/pickup b3/'") == "pickup b3"
    assert agentboard_action("") == ""
    assert tokens("Pick up ball1, at rooma. (with arm left).") == ["pick", "up", "ball1", "at", "rooma", "with",
                                                                   "arm", "left"]


def test_layout_is_system_then_one_user_message_with_the_last_memory_items(fake_checkout):
    layout: VanillaLayout = fake_checkout.layout("blockworld")
    layout.memory_size = 3
    layout.reset("Reach this: a.", "first")
    layout.update("pickup a", "second")
    system, user = layout.messages()
    assert system == {"role": "system", "content": "System for blockworld."}
    assert user["content"] == ("Play blockworld.\n\nWorked examples:\nExample for blockworld.\nYour goal: Reach this: a.\n"
                               "Help command: check valid actions\n" "Observation: first\nAction: pickup a\n"
                               "Observation: second\nAction: ")
    layout.update("stack a b", "third")  # five items: the oldest two drop out of the memory
    assert "first" not in layout.messages()[1]["content"] and "Action: pickup a" not in layout.messages()[1]["content"]
    engine = ScriptedEngine([], max_context=10_000)
    full = layout.fit(engine, 10_000)
    assert full == layout.messages()
    short = layout.fit(engine, prompt_tokens(full, engine) - 1)[1]["content"]  # one token short: the oldest item goes
    assert "Observation: second" not in short and short.endswith("Action: stack a b\nObservation: third\nAction: ")


def test_task_runs_agentboard_games_with_per_game_metrics(tmp_path, fake_checkout):
    plans = {"Play blockworld.": iter(["check valid actions", "unstack green red", "putdown green", "pickup red",
                                       "stack red blue", "pickup green", "stack green red"]),
             "Play tyreworld.": iter(["Action: open trunk", "fetch pump trunk"])}

    def script(request):
        user = request.messages[1]["content"]
        return next(plans[user.split("\n")[0]], "wait")

    task = PDDLTask(subset="agentboard", agentboard=str(fake_checkout.root), domains="blockworld,tyreworld",
                    max_steps=7)
    samples = task.load(str(TEST_GAMES))
    assert [s.id for s in samples] == ["blockworld/t1", "tyreworld/t1"]
    result = task.run(ScriptedEngine(script), samples, ResultStore(tmp_path / "r.jsonl"))
    by_id = {r["id"]: r for r in result.records}
    blocks, boot = by_id["blockworld/t1"], by_id["tyreworld/t1"]
    assert blocks["success"] and blocks["progress_rate"] == 1.0 and blocks["steps"] == 7
    # the stand-in map words `on`; other facts read `name args`, each capitalized, sorted, joined by spaces
    assert blocks["trajectory"][-1]["observation"] == ("Arm-empty  Clear green Green is on red. On-table blue "
                                                       "Red is on blue. Goal reached.")
    assert blocks["trajectory"][0]["observation"].startswith("Valid actions: ")
    assert blocks["system"] == "System for blockworld." and blocks["prompt"].startswith("Play blockworld.")
    assert boot["progress_rate"] == pytest.approx(1 / 3) and not boot["success"] and boot["steps"] == 7
    assert [t["observation"] for t in boot["trajectory"][:3]] == ["Isopen trunk", "Have pump",
                                                                  "The action is not valid: it names no action."]
    metrics = result.metrics
    assert metrics["pddl/blockworld/progress_rate"] == 1.0 and metrics["pddl/blockworld/success_rate"] == 1.0
    assert metrics["pddl/tyreworld/progress_rate"] == pytest.approx(1 / 3)
    assert metrics["pddl/progress_rate"] == pytest.approx((1 + 1 / 3) / 2)


def test_saved_actions_replay_without_a_model(fake_checkout):
    task = PDDLTask(subset="agentboard", agentboard=str(fake_checkout.root), domains="blockworld", max_steps=30)
    samples = task.load(str(TEST_GAMES))
    plan = "check valid actions\nunstack green red\nputdown green\npickup red\nstack red blue"
    result = task.score_predictions(samples, {"blockworld/t1": plan})
    record = result.records[0]
    assert [t["progress"] for t in record["trajectory"]] == [0.0, 0.0, 0.0, 0.0, 0.5]
    assert record["steps"] == 5 and record["grounding_acc"] == 1.0 and not record["success"]
    assert result.metrics["pddl/blockworld/progress_rate"] == 0.5


def test_labels_follow_agentboards_order_over_the_four_games(tmp_path):
    labels = tmp_path / "test.jsonl"
    # gripper 20, blockworld 10, barman 20, tyreworld 10: blockworld's first problem is line 21, tyreworld's line 51
    rows = ["hard"] * 60
    rows[20], rows[50] = "easy", "easy"
    labels.write_text("\n".join(json.dumps({"difficulty": d}) for d in rows))
    samples = agentboard_samples(TEST_GAMES, ["blockworld", "tyreworld"], labels)
    assert [(s.id, s.data["difficulty"]) for s in samples] == [("blockworld/t1", "easy"), ("tyreworld/t1", "easy")]
    labels.write_text("\n".join(json.dumps({"difficulty": d}) for d in rows[:59]))
    with pytest.raises(AgentBoardFilesError, match="59 labels"):
        agentboard_samples(TEST_GAMES, ["blockworld"], labels)
    assert agentboard_samples(TEST_GAMES, ["blockworld"])[0].data["difficulty"] is None  # unlabelled


def test_paper_profile_picks_agentboard_only_where_a_checkout_is_named(monkeypatch, fake_checkout):
    monkeypatch.delenv("ACBENCH_AGENTBOARD_DIR", raising=False)
    assert PDDLTask(profile="paper").subset == "acbench" and PDDLTask().subset == "acbench"
    monkeypatch.setenv("ACBENCH_AGENTBOARD_DIR", str(fake_checkout.root))
    task = PDDLTask(profile="paper")
    assert task.subset == "agentboard" and task.max_steps == 30 and task.default_limit is None
    assert PDDLTask().subset == "acbench"  # quick: our suite unless asked
    assert PDDLTask(agentboard=str(fake_checkout.root)).subset == "agentboard"  # naming a checkout asks for it
    with pytest.raises(ValueError, match="unknown pddl subset"):
        PDDLTask(subset="upstream")
