"""The game task through the agent loop with scripted outputs: generated TextWorld games and Jericho files.

Hand-computed values come from the games of `SUITE` (TextWorld 1.7.0, fixed seeds):
tw-easy-1: walkthrough `go south`, `take sock`; tw-hard-1: `take keycard from board`, `unlock box with keycard`,
`open box`, `take iron from box` (the paper subgoal of each step is the first line of its observation).
"""

from __future__ import annotations

import json
import os

import pytest

from acbench.engines.scripted import ScriptedEngine
from acbench.tasks.base import ResultStore, headline_from_items
from acbench.tasks.game.textworld_games import SUITE, build_game, file_sha256
from acbench.tasks.registry import make_task

EASY, HARD = SUITE[0], SUITE[1]


@pytest.fixture(scope="module", autouse=True)
def game_cache(tmp_path_factory):
    """Games are built once for the module, in a private acbench cache."""
    old = os.environ.get("ACBENCH_CACHE")
    os.environ["ACBENCH_CACHE"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if old is None:
        os.environ.pop("ACBENCH_CACHE")
    else:
        os.environ["ACBENCH_CACHE"] = old


def _play(task, samples, actions: dict[str, list[str]]):
    """Run the task with each episode answering its own scripted actions (picked by the goal text)."""
    goals = {s.id: s.data["goal"] for s in samples}

    def script(request):
        first = request.messages[0]["content"]
        sid = next(i for i, goal in goals.items() if goal in first)
        turn = (len(request.messages) - 1) // 2
        return f"Action: {actions[sid][turn]}"

    return task.run(ScriptedEngine(script), samples, ResultStore(None))


def test_default_suite_is_textworld_and_records_its_source():
    task = make_task("game")
    samples = task.load()
    assert [s.id for s in samples] == ["tw-easy-1", "tw-hard-1"]  # quick: 2 episodes, one per difficulty
    assert task.max_steps == 6 and task.game_source == "textworld"
    easy = samples[0].data
    assert easy["walkthrough"] == ["go south", "take sock"]
    assert easy["subgoals"] == ["-= Vault =-", "You pick up the sock from the ground."]
    assert easy["sha256"] == file_sha256(easy["path"]) and task.game_sha256["tw-easy-1"] == easy["sha256"]
    assert samples[1].data["walkthrough"] == ["take keycard from board", "unlock box with keycard", "open box",
                                              "take iron from box"]


def test_winning_walkthroughs_reach_progress_one_and_success():
    task = make_task("game")
    samples = task.load()
    result = _play(task, samples, {s.id: s.data["walkthrough"] for s in samples})
    for record in result.records:
        assert record["progress_rate"] == 1.0 and record["progress_rate_strict"] == 1.0
        assert record["success"] is True and record["success_strict"] is True
        assert record["grounding_acc"] == 1.0 and record["grounding_acc_strict"] == 1.0
    easy, hard = result.records
    assert [t["progress"] for t in easy["trajectory"]] == [0.5, 1.0]
    assert [t["progress_strict"] for t in hard["trajectory"]] == [0.25, 0.5, 0.75, 1.0]
    assert easy["steps"] == 2 and hard["steps"] == 4  # the episode ends when the game is won
    assert easy["game_source"] == "textworld:seed=101,rooms=2,objects=3,quest_length=2"
    assert hard["game_sha256"] == samples[1].data["sha256"]
    assert result.metrics["game/success_rate"] == 1.0 and result.main == "game/progress_rate"


def test_losing_play_scores_hand_computed_progress_and_grounding():
    task = make_task("game", max_steps=4)
    samples = [s for s in task.load() if s.id == "tw-hard-1"]
    actions = ["take keycard from board", "fly to the moon", "check valid actions", "drop keycard"]
    record = _play(task, samples, {"tw-hard-1": actions}).records[0]
    # paper: the first step shows subgoal 1 of 4; nothing else matches. strict: 3 of 4 policy steps left, then
    # 4 again after the drop (best so far is kept)
    assert [t["progress"] for t in record["trajectory"]] == [0.25, 0.25, 0.25, 0.25]
    assert [t["progress_strict"] for t in record["trajectory"]] == [0.25, 0.25, 0.25, 0.0]
    assert record["progress_rate"] == 0.25 and record["progress_rate_strict"] == 0.25
    assert record["success"] is False and record["success_strict"] is False
    # paper: every observation lacks `[!`, so all 4 are grounded; strict: `fly to the moon` is not admissible
    assert [t["valid"] for t in record["trajectory"]] == [True, True, True, True]
    assert [t["valid_strict"] for t in record["trajectory"]] == [True, False, True, True]
    assert record["grounding_acc"] == 1.0 and record["grounding_acc_strict"] == 0.75
    assert record["parse_errors"] == 1 and "parser" in record["parse_error"]
    assert "Valid actions: " in record["trajectory"][2]["observation"]


def test_same_seed_same_game_file_and_same_episode(tmp_path):
    first = build_game(EASY, root=tmp_path / "a")
    second = build_game(EASY, root=tmp_path / "b")
    assert first["sha256"] == second["sha256"] == file_sha256(second["path"])
    assert first["subgoals"] == second["subgoals"] and first["walkthrough"] == second["walkthrough"]
    again = build_game(EASY, root=tmp_path / "a")  # cached: not rebuilt
    assert again["path"] == first["path"] and os.path.getmtime(first["path"]) == os.path.getmtime(again["path"])
    task = make_task("game", max_steps=3)
    samples = [s for s in task.load() if s.id == "tw-easy-1"]
    plays = [_play(task, samples, {"tw-easy-1": ["look", "go south", "inventory"]}).records[0] for _ in range(2)]
    assert plays[0]["trajectory"] == plays[1]["trajectory"]


def test_item_scores_decompose_both_headlines(tmp_path):
    # a Jericho run of a generated game file: two labelled episodes where the two rule sets disagree
    game = build_game(EASY)["path"]
    labels = tmp_path / "labels.jsonl"
    rows = [{"goal": "first", "subgoals": ["-= Vault =-", "You've just shown up in a vault"], "difficulty": "easy"},
            {"goal": "second", "subgoals": ["You pick up the sock from the ground"], "difficulty": "hard"}]
    labels.write_text("\n".join(json.dumps(r) for r in rows))
    for scoring, values in (("paper", [0.5, 0.0]), ("strict", [1.0, 0.0])):
        task = make_task("game", game_source=f"{game},{game}", labels=str(labels), max_steps=1, scoring=scoring)
        samples = task.load(limit=None)
        assert [s.id for s in samples] == ["game", "game+"]
        # `go south` shows both snippets of episode 1: paper counts one per step (0.5), strict both (1.0, solved)
        result = _play(task, samples, {"game": ["go south"], "game+": ["go south"]})
        assert [i.value for i in result.items] == values
        assert result.score == headline_from_items(result.items) == sum(values) / 2
        assert result.main == ("game/progress_rate" if scoring == "paper" else "game/progress_rate_strict")
        first = result.records[0]
        assert first["success"] is False and first["success_strict"] is True
        assert first["game_source"] == game and first["game_sha256"] == file_sha256(game)


def test_missing_jericho_file_fails_at_construction():
    with pytest.raises(FileNotFoundError, match="Jericho game file not found: /nonexistent/zork1.z5"):
        make_task("game", game_source="/nonexistent/zork1.z5")


def test_bad_options_are_clear_errors(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("x")
    with pytest.raises(ValueError, match="not a Z-machine game file"):
        make_task("game", game_source=str(text))
    with pytest.raises(ValueError, match="for Jericho game files"):
        make_task("game", labels="x.jsonl")
    with pytest.raises(ValueError, match="no data files"):
        make_task("game").load(source="x.jsonl")


def test_megabyte_action_is_handled_in_linear_work(no_hang):
    task = make_task("game", max_steps=2)
    samples = [s for s in task.load() if s.id == "tw-easy-1"]
    junk = {"tw-easy-1": ["a" * 1_000_000, "é, " * 350_000]}
    with no_hang():
        record = _play(task, samples, junk).records[0]
    assert record["steps"] == 2 and record["progress_rate"] == 0.0 and record["progress_rate_strict"] == 0.0
    assert record["trajectory"][0]["valid_strict"] is False


@pytest.mark.slow
def test_real_model_plays_two_episodes(tmp_path):
    from acbench.engines.hf import HFEngine
    from acbench.models import resolve_model

    task = make_task("game")
    result = task.run(HFEngine(resolve_model()), task.load(), ResultStore(tmp_path / "r.jsonl"))
    assert len(result.records) == 2 and 0.0 <= result.score <= 1.0
    assert all(r["game_source"].startswith("textworld:") for r in result.records)


def test_agentboard_helpers():
    from acbench.tasks.game.env import agentboard_command, clean_up_text, match_style, normalise_command

    assert agentboard_command("take key, then open door") == "take key"
    assert agentboard_command("open box. take iron") == "open box"
    assert agentboard_command(" ".join(f"w{i}" for i in range(25))) == " ".join(f"w{i}" for i in range(20))
    assert len(agentboard_command("é" * 1_000_000).encode()) == 198
    # upstream order: spaces collapsed first, then the score note removed (its two neighbouring spaces stay)
    assert clean_up_text("You win.\n\n  [Your score has gone up]  Done") == "You win.  Done"
    assert match_style("  Attic  You find an attic", "-= Attic =-")
    assert not match_style("Attic", "-= Kitchen =-")
    assert normalise_command("E") == "go east" and normalise_command("x box.") == "examine box"


def test_loose_check_query_is_grounded_for_paper_only():
    task = make_task("game", max_steps=1)
    samples = [s for s in task.load() if s.id == "tw-easy-1"]
    record = _play(task, samples, {"tw-easy-1": ["check the actions please"]}).records[0]
    # AgentBoard answers any text with "check" and "action" with the valid actions; the game does not know it
    assert record["trajectory"][0]["valid"] is True and record["trajectory"][0]["valid_strict"] is False
    assert record["trajectory"][0]["paper_observation"].startswith("You can take the following actions: ")


# --- a hand-written Inform 7 game through the Jericho backend -------------------------------------------------
# No package on PyPI ships a real interactive-fiction game file (checked: jericho, textworld, pyfrotz, fernz,
# mcp-server-if), so this story is written here and compiled at test time with the Inform 7 compiler that
# TextWorld bundles: the Standard Rules' parser, scoring and ending, not TextWorld's generated game code.
LANTERN = '''"Lantern Cellar" by "ACBench tests"

The story headline is "A two-room test game".
Use scoring.
The maximum score is 2.

The Cellar is a room. "A damp cellar. A ladder leads up into the dark."
The brass lantern is in the Cellar. The description of the brass lantern is "An old brass lantern."
The Attic is up from the Cellar. "A dusty attic with a small window."

Instead of going up from the Cellar when the player does not carry the brass lantern:
\tsay "It is too dark to climb without a light."

After taking the brass lantern for the first time:
\tincrease the score by 1;
\tsay "You take the brass lantern. It hums faintly."

After going up from the Cellar:
\tincrease the score by 1;
\tsay "You climb into the attic, lantern held high.";
\tend the story finally saying "You have found the attic".
'''


@pytest.fixture(scope="module")
def lantern(tmp_path_factory) -> str:
    from textworld.generator.inform7.world2inform7 import compile_inform7_game

    path = tmp_path_factory.mktemp("inform7") / "lantern.z8"
    compile_inform7_game(LANTERN, str(path))
    return str(path)


def test_hand_written_inform7_game_with_labels_through_jericho(lantern, tmp_path):
    labels = tmp_path / "labels.jsonl"
    labels.write_text(json.dumps({"goal": "Reach the attic.", "difficulty": "easy",
                                  "subgoals": ["You take the brass lantern", "You climb into the attic"]}))
    task = make_task("game", game_source=lantern, labels=str(labels), max_steps=6)
    samples = task.load()
    assert [s.id for s in samples] == ["lantern"] and samples[0].data["backend"] == "jericho"
    record = _play(task, samples, {"lantern": ["up", "xyzzy", "take lantern", "up", "look", "look"]}).records[0]
    first = record["prompt"]
    assert "Goal: Reach the attic." in first and "A damp cellar. A ladder leads up into the dark." in first
    trajectory = record["trajectory"]
    # the interpreter's prompt and status line are cut off the observation the agent reads
    assert trajectory[0]["observation"] == "It is too dark to climb without a light."
    assert "*** You have found the attic ***" in trajectory[3]["observation"]
    # both rule sets: one subgoal on step 3, the other on step 4; the story's end stops the episode there
    assert [t["progress"] for t in trajectory] == [0.0, 0.0, 0.5, 1.0]
    assert [t["progress_strict"] for t in trajectory] == [0.0, 0.0, 0.5, 1.0]
    assert record["success"] is True and record["success_strict"] is True and record["steps"] == 4
    # strict: Inform's "That's not a verb I recognise." is a parser failure; paper: no `[!`, so grounded
    assert [t["valid_strict"] for t in trajectory] == [True, False, True, True]
    assert record["grounding_acc"] == 1.0 and record["grounding_acc_strict"] == 0.75
    assert record["game_source"] == lantern and record["game_sha256"] == file_sha256(lantern)


def test_hand_written_inform7_game_without_labels(lantern):
    task = make_task("game", game_source=lantern, max_steps=6)
    samples = task.load()
    record = _play(task, samples, {"lantern": ["take lantern", "up", "look"]}).records[0]
    # Jericho knows no score of a game outside its suite (is_fully_supported is False): progress stays 0 in both
    # rule sets; the story's end ends the episode, which AgentBoard's no-label branch counts as a win
    assert record["steps"] == 2 and record["progress_rate"] == 0.0 and record["progress_rate_strict"] == 0.0
    assert record["success"] is True and record["success_strict"] is False
    assert record["trajectory"][0]["valid"] is True and record["trajectory"][0]["valid_strict"] is True


# --- AgentBoard's prompt and environment texts (subset=agentboard), from a stand-in checkout ------------------
FAKE_JERICHO_ENV = '''
class Jericho:
    def step(self, action):
        return "Things you may do now: " + ", ".join(action)

    @classmethod
    def from_config(cls, cfg):
        return cfg.get("game_name", "x"), "No goal known."

game_goals = {"lantern": "Find the attic."}
game_init_obs = {}
'''
FAKE_VANILLA = '''
class VanillaAgent:
    def make_prompt(self, need_goal=False, check_actions="check valid actions", check_inventory="inventory"):
        query = "\\nWorked examples:\\n" + "Your goal: " + "Help command: " + "Help command: inventory\\n"
        return query + "\\n" + ": " + "\\nAction: "
'''


def write_jericho_checkout(root, games=("lantern",)):
    files = {
        "agentboard/environment/jericho_env.py": FAKE_JERICHO_ENV,
        "agentboard/agents/vanilla_agent.py": FAKE_VANILLA,
        "agentboard/prompts/VanillaAgent/jericho_vanilla_prompt.json": json.dumps(
            {"system_msg": "You play games.", "instruction": "Play the game.\n", "examples": ["An example."]}),
        "eval_configs/main_results_all_tasks.yaml": "env:\n  jericho:\n    game_name: [" + ", ".join(games) + "]\n",
    }
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    return root


def test_agentboard_subset_prompt_goal_and_observations(lantern, tmp_path):
    checkout = write_jericho_checkout(tmp_path / "AgentBoard")
    labels = tmp_path / "labels.jsonl"
    labels.write_text(json.dumps({"difficulty": "easy", "subgoals": ["You take the brass lantern",
                                                                     "You climb into the attic"]}))
    task = make_task("game", game_source=lantern, labels=str(labels), subset="agentboard", agentboard=str(checkout),
                     max_steps=6)
    samples = task.load()
    outputs = iter(["Action: check valid actions", "take lantern.", "up", "look"])
    engine = ScriptedEngine(lambda request: next(outputs))
    record = task.run(engine, samples, ResultStore(None)).records[0]
    system, user = engine.requests[0].messages
    assert system == {"role": "system", "content": "You play games."}
    # the checkout's goal for the game (not the label's), and the game's own opening, cleaned as AgentBoard does
    assert user["content"].startswith("Play the game.\n\nWorked examples:\nAn example.\nYour goal: Find the attic.\n"
                                      "Help command: check valid actions\nHelp command: inventory\nObservation: ")
    opening = user["content"].split("Observation: ", 1)[1]
    assert opening.endswith("\nAction: ") and "\n" not in opening[:-len("\nAction: ")]  # newlines became spaces
    assert "A damp cellar. A ladder leads up into the dark." in opening
    trajectory = record["trajectory"]
    assert trajectory[0]["observation"].startswith("Things you may do now: ")
    assert trajectory[0]["observation"].endswith(", check valid actions") and trajectory[0]["valid"] is True
    assert trajectory[1]["action"] == "take lantern." and "You take the brass lantern" in trajectory[1]["observation"]
    assert [t["progress"] for t in trajectory] == [0.0, 0.5, 1.0] and record["success"] is True
    later = engine.requests[1].messages[1]["content"]
    assert later.endswith("Observation: " + trajectory[0]["observation"] + "\nAction: ")


def test_agentboard_subset_reads_its_game_list_from_a_folder(lantern, tmp_path):
    folder = tmp_path / "suite"
    folder.mkdir()
    (folder / "lantern.z8").write_bytes(open(lantern, "rb").read())
    checkout = write_jericho_checkout(tmp_path / "AgentBoard")
    task = make_task("game", game_source=str(folder), subset="agentboard", agentboard=str(checkout))
    assert [s.id for s in task.load()] == ["lantern"]
    missing = write_jericho_checkout(tmp_path / "AgentBoard2", games=("lantern", "zork1"))
    with pytest.raises(ValueError, match=r"zork1 is not in .*zork1\.z5 or zork1\.z8"):
        make_task("game", game_source=str(folder), subset="agentboard", agentboard=str(missing))
    with pytest.raises(ValueError, match="subset=agentboard plays Jericho game files"):
        make_task("game", subset="agentboard", agentboard=str(checkout))
