"""ScienceWorld through the agent loop with scripted outputs (episodes need Java and the PyPI `scienceworld`).

AgentBoard's label format is written here from what its code reads (`agentboard/environment/scienceworld_env.py`):
`goal`, `subgoals` (regexes), `difficulty`, `additional_info.env_name` and `additional_info.var`.
"""

from __future__ import annotations

import io
import json
import shutil
import tarfile

import pytest

from acbench.engines.scripted import ScriptedEngine
from acbench.tasks.base import ResultStore
from acbench.tasks.registry import make_task
from acbench.tasks.scienceworld.agentboard import CHECK, SubgoalPaper, file_sha256

needs_java = pytest.mark.skipif(shutil.which("java") is None,
                                reason="ScienceWorld needs a Java runtime (scripts/setup.sh)")


def _label(task: str, var: int, subgoals: list[str], difficulty: str = "easy", goal: str = "Do the task.") -> dict:
    return {"goal": goal, "subgoals": subgoals, "difficulty": difficulty,
            "additional_info": {"env_name": task, "var": var}}


def _write(path, rows) -> str:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n")
    return str(path)


@needs_java
def test_subset_task_names_exist():
    from scienceworld import ScienceWorldEnv

    from acbench.tasks.scienceworld.task import SUBSET

    names = ScienceWorldEnv("", envStepLimit=10).get_task_names()
    assert set(SUBSET) <= set(names)


@needs_java
def test_scripted_episode_scores_progress_success_and_grounding(tmp_path):
    task = make_task("scienceworld", tasks="boil", max_steps=3)
    samples = task.load(limit=1)
    assert [s.id for s in samples] == ["boil/0"]
    # one accepted action, one the simulator does not know, then a valid-actions check
    engine = ScriptedEngine(["Action: look around", "Action: fly to the moon", "Action: check valid actions"])
    result = task.run(engine, samples, ResultStore(tmp_path / "r.jsonl"))
    record = result.records[0]
    assert [t["valid"] for t in record["trajectory"]] == [True, False, True]
    assert record["grounding_acc"] == pytest.approx(2 / 3) and record["grounding_acc_strict"] == pytest.approx(2 / 3)
    assert record["progress_rate"] == 0.0 and record["success"] is False
    assert result.metrics["scienceworld/progress_rate"] == 0.0
    assert result.main == "scienceworld/progress_rate"


@needs_java
def test_focus_on_the_substance_scores_a_subgoal(tmp_path):
    task = make_task("scienceworld", tasks="boil", max_steps=2, scoring="strict")
    samples = task.load(limit=1)
    # the boil task's first subgoal is focusing on the water; it is in the kitchen, so go there first
    engine = ScriptedEngine(["Action: go to kitchen", "Action: look around"])
    record = task.run(engine, samples, ResultStore(tmp_path / "r.jsonl")).records[0]
    assert record["trajectory"][0]["valid"] in (True, False)  # the door may be closed in variation 0
    assert 0.0 <= record["progress_rate_strict"] <= 1.0


def test_data_files_are_refused():
    with pytest.raises(ValueError, match="takes no data source"):
        make_task("scienceworld").load(source="x.jsonl")


@needs_java
@pytest.mark.slow
def test_real_model_plays_two_episodes(tmp_path):
    from acbench.engines.hf import HFEngine
    from acbench.models import resolve_model

    task = make_task("scienceworld")
    result = task.run(HFEngine(resolve_model()), task.load(), ResultStore(tmp_path / "r.jsonl"))
    assert len(result.records) == 2 and 0.0 <= result.score <= 1.0


# --- AgentBoard's problems (subset=agentboard) --------------------------------------------------------------
def test_profiles_pick_the_subset_and_check_options():
    assert make_task("scienceworld").subset == "acbench"
    assert make_task("scienceworld", profile="paper", subset="acbench").subset == "acbench"
    with pytest.raises(FileNotFoundError, match="ScienceWorld label file not found: /nonexistent/test.jsonl"):
        make_task("scienceworld", subset="agentboard", labels="/nonexistent/test.jsonl")
    with pytest.raises(ValueError, match="unknown scienceworld subset 'alfworld'"):
        make_task("scienceworld", subset="alfworld")
    with pytest.raises(ValueError, match="needs subset=agentboard"):
        make_task("scienceworld", labels="x.jsonl")


def test_label_file_is_read_in_order_with_upstream_duplicate_rule(tmp_path):
    rows = [_label("boil", 3, ["a"], "hard", goal="first boil"), _label("melt", 0, ["b", "c"]),
            "", _label("find-living-thing", 2, ["d"], "hard"), _label("boil", 3, ["e"], "easy", goal="second boil")]
    path = _write(tmp_path / "test.jsonl", rows)
    task = make_task("scienceworld", profile="paper", labels=path)
    assert task.subset == "agentboard" and task.max_steps == 30
    assert task.labels == str((tmp_path / "test.jsonl").resolve()) and task.labels_sha256 == file_sha256(path)
    samples = task.load()
    # upstream keys problems by `<task>_<var>`: the repeated boil/3 keeps its first place and the last label
    assert [s.id for s in samples] == ["boil/3", "melt/0", "find-living-thing/2"]
    assert samples[0].data == {"task": "boil", "variation": 3, "goal": "second boil", "subgoals": ["e"],
                               "difficulty": "easy", "group": "boil"}
    assert task.tasks == ["boil", "melt", "find-living-thing"] and task.variations is None
    # quick takes 2, one per difficulty; `tasks` keeps only those tasks' problems
    quick = make_task("scienceworld", subset="agentboard", labels=path)
    assert [s.id for s in quick.load()] == ["boil/3", "find-living-thing/2"]
    only = make_task("scienceworld", subset="agentboard", labels=path, tasks="melt")
    assert [s.id for s in only.load()] == ["melt/0"]
    with pytest.raises(ValueError, match=r"has no problems of task\(s\) \['freeze'\]"):
        make_task("scienceworld", subset="agentboard", labels=path, tasks="melt,freeze")
    with pytest.raises(ValueError, match="`variations` is for subset=acbench"):
        make_task("scienceworld", subset="agentboard", labels=path, variations=2)


@pytest.mark.parametrize("row, message", [
    ("{not json", "line 1: not JSON"),
    ("[1, 2]", "line 1: a label is a JSON object"),
    (json.dumps({"goal": "g", "subgoals": ["a"]}), "line 1: missing difficulty, additional_info"),
    (json.dumps({**_label("boil", 0, ["a"]), "additional_info": {"env_name": "boil"}}), "must hold env_name"),
    (json.dumps(_label("bake-a-cake", 0, ["a"])), "'bake-a-cake' is not a ScienceWorld task"),
    (json.dumps(_label("power-component", 0, ["a"])), "electrical task, which ScienceWorld refuses"),
    (json.dumps(_label("test-conductivity", 1, ["a"])), "electrical task"),
    (json.dumps(_label("boil", -1, ["a"])), "var must be a variation number"),
    (json.dumps(_label("boil", True, ["a"])), "var must be a variation number"),
    (json.dumps(_label("boil", 0, [])), "subgoals must be a non-empty list"),
    (json.dumps(_label("boil", 0, "Subgoal 1: a Subgoal 2: b")), "subgoals must be a non-empty list"),
    (json.dumps(_label("boil", 0, ["(unclosed"])), r"subgoal '\(unclosed' is not a valid regular expression"),
    (json.dumps(_label("boil", 0, ["a"], "medium")), "difficulty must be easy or hard, got 'medium'"),
    (json.dumps(_label("boil", 0, ["a"], goal=" ")), "goal must be a non-empty string"),
])
def test_bad_label_lines_are_clear_errors(tmp_path, row, message):
    path = _write(tmp_path / "test.jsonl", [row])
    with pytest.raises(ValueError, match=message):
        make_task("scienceworld", subset="agentboard", labels=path)
    with pytest.raises(ValueError, match="has no labels"):
        make_task("scienceworld", subset="agentboard", labels=_write(tmp_path / "empty.jsonl", [""]))


class _FakeSim:
    """Just what SubgoalPaper reads of an environment: steps, the last observation, the action space."""

    def __init__(self):
        self.steps, self.last_observation, self.space = 0, "", set()

    def answer(self, observation: str, space: set[str]):
        self.steps += 1
        self.last_observation, self.space = observation, space

    def action_combinations(self):
        return self.space


def test_subgoal_progress_hand_computed():
    env = _FakeSim()
    paper = SubgoalPaper(env, ["You move to the kitchen", r"thermometer\b", r"focus on (the )?water", "boil"])
    env.answer("You move to the kitchen.", {"look around"})
    assert paper.step("Action: go to kitchen", "go to kitchen") == (False, "You move to the kitchen.")
    assert paper.progress == 0.25 and not paper.done
    # the loop answers the exact query itself: grounded, nothing matched; a looser one would have gone to the
    # simulator upstream (no such action): not grounded
    assert paper.step("Action: check valid actions", CHECK) == (True, "Valid actions are listed.")
    assert paper.step("Action: Check valid actions.", "Check valid actions.")[0] is False
    assert paper.progress == 0.25
    # a subgoal stays done; one observation can finish several (here 2 and 3): r = 3 / 4
    env.answer("You move to the kitchen. You focus on the water. The thermometer reads 10C.", {"look around"})
    assert paper.step("Action: look around", "look around")[0] is True
    assert paper.progress == 0.75 and not paper.success
    env.answer("Nothing happens.", set())
    assert paper.step("Action: wait", "wait") == (False, "Nothing happens.")
    assert paper.progress == 0.75
    env.answer("The water begins to boil.", set())
    paper.step("Action: wait1", "wait1")
    assert paper.progress == 1.0 and paper.done and paper.success
    assert paper.step("output", None) == (False, "no action")


@needs_java
def test_agentboard_episode_on_the_simulator(tmp_path):
    # boil, variation 0 under AgentBoard's simplifications: doors are open, the thermometer is in the kitchen
    label = _label("boil", 0, ["You move to the kitchen", "thermometer to the inventory", "You focus on the water"],
                   "hard", goal="Boil the water in the kitchen.")
    task = make_task("scienceworld", subset="agentboard", labels=_write(tmp_path / "test.jsonl", [label]),
                     max_steps=5)
    samples = task.load()
    actions = ["go to kitchen", "look around", "fly to the moon", "check valid actions", "pick up thermometer"]
    engine = ScriptedEngine([f"Action: {a}" for a in actions])
    record = task.run(engine, samples, ResultStore(tmp_path / "r.jsonl")).records[0]
    prompt = record["prompt"]
    assert "Goal: Boil the water in the kitchen." in prompt and "In your inventory, you see:" in prompt
    assert [t["progress"] for t in record["trajectory"]] == pytest.approx([1 / 3, 1 / 3, 1 / 3, 1 / 3, 2 / 3])
    assert record["progress_rate"] == pytest.approx(2 / 3) and record["success"] is False
    # upstream grounds on the action space *after* the step: once in the kitchen `go to kitchen` is no longer an
    # action, nor `pick up thermometer` once it is held; `look around` stays one; the query is grounded
    assert [t["valid"] for t in record["trajectory"]] == [False, True, False, True, False]
    assert record["grounding_acc"] == pytest.approx(2 / 5)
    # strict: the simulator accepted all but `fly to the moon`; no scored subgoal of boil was reached
    assert [t["valid_strict"] for t in record["trajectory"]] == [True, True, False, True, True]
    assert record["progress_rate_strict"] == 0.0 and record["difficulty"] == "hard" and record["group"] == "boil"


def test_a_changed_label_file_changes_the_results_key(tmp_path):
    from acbench.config import RunConfig
    from acbench.evaluate import setup_tasks

    path = _write(tmp_path / "test.jsonl", [_label("boil", 0, ["a"])])

    def key():
        options = {"scienceworld": {"subset": "agentboard", "labels": path}}
        cfg = RunConfig.from_params({"method": "none", "tasks": "scienceworld"}, base={"task_options": options})
        return setup_tasks(cfg)[0].key

    first = key()
    assert key() == first
    _write(tmp_path / "test.jsonl", [_label("boil", 0, ["b"])])  # same problem ids, another subgoal
    assert key() != first


@needs_java
@pytest.mark.slow
def test_real_model_plays_an_agentboard_problem(tmp_path):
    from acbench.engines.hf import HFEngine
    from acbench.models import resolve_model

    label = _label("boil", 0, ["You move to the kitchen", "You focus on the water"], "hard", goal="Boil water.")
    task = make_task("scienceworld", subset="agentboard", labels=_write(tmp_path / "test.jsonl", [label]))
    record = task.run(HFEngine(resolve_model()), task.load(), ResultStore(tmp_path / "r.jsonl")).records[0]
    assert record["id"] == "boil/0" and 0 < record["steps"] <= len(record["trajectory"]) <= task.max_steps
    assert record["progress_rate"] in (0.0, 0.5, 1.0) and 0.0 <= record["grounding_acc"] <= 1.0


# --- AgentBoard's label file from the hub (hub.py) ----------------------------------------------------------
def _archive(path, members: dict[str, bytes], links: dict[str, str] | None = None):
    """A tar.gz with these file members (names as given, hostile ones included) and symlink members."""
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            tar.addfile(info)
    return path


@pytest.fixture
def hub(tmp_path, monkeypatch):
    """A fake hub: hf_hub_download answers with the archive built at `hub.archive`; calls are recorded."""
    import huggingface_hub

    class Hub:
        archive = tmp_path / "hf" / "data.tar.gz"
        calls: list[dict] = []

    def download(repo_id, filename, **kwargs):
        Hub.calls.append({"repo_id": repo_id, "filename": filename, **kwargs})
        return str(Hub.archive)

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", download)
    monkeypatch.setenv("ACBENCH_CACHE", str(tmp_path / "cache"))
    (tmp_path / "hf").mkdir()
    return Hub


def test_paper_profile_reads_agentboard_labels_from_the_hub_archive(tmp_path, hub):
    from acbench.tasks.scienceworld import hub as hub_module

    labels = "\n".join(json.dumps(_label(t, v, ["x"], d)) for t, v, d in
                       [("boil", 0, "hard"), ("melt", 1, "easy"), ("find-living-thing", 2, "easy")]) + "\n"
    _archive(hub.archive, {"./data/pddl/test.jsonl": b"{}\n", "../evil": b"outside", "data/../../evil2": b"x",
                           "./data/scienceworld/test.jsonl": labels.encode()})
    task = make_task("scienceworld", profile="paper")
    assert [s.id for s in task.load()] == ["boil/0", "melt/1", "find-living-thing/2"]
    assert hub.calls[0] == {"repo_id": "hkust-nlp/agentboard", "filename": "data.tar.gz", "repo_type": "dataset",
                            "local_files_only": True}
    extracted = list((tmp_path / "cache" / "agentboard").rglob("*"))
    label_file = next(p for p in extracted if p.name == "test.jsonl")
    assert label_file.read_text() == labels and label_file.relative_to(tmp_path / "cache" / "agentboard").parts[1:] \
        == ("scienceworld", "test.jsonl")
    # only the label file was written: no hostile member anywhere near the cache or the archive
    assert sorted(p.name for p in extracted if p.is_file()) == ["test.jsonl"]
    assert not list(tmp_path.rglob("evil*"))
    # the results key names the hub's file and pins its content
    assert task.labels == hub_module.SOURCE
    assert hub_module.SOURCE == "hf://datasets/hkust-nlp/agentboard/data.tar.gz#data/scienceworld/test.jsonl"
    assert task.labels_sha256 == file_sha256(label_file)
    # read out once: a second task reuses the file (the archive is not opened again)
    label_file.write_text(json.dumps(_label("melt", 1, ["y"])) + "\n")
    again = make_task("scienceworld", profile="paper", tasks="melt")
    assert [s.data["subgoals"] for s in again.load()] == [["y"]] and again.labels_sha256 != task.labels_sha256


@pytest.mark.parametrize("members, links, message", [
    ({"data/alfworld/test.jsonl": b"{}"}, {}, "has no data/scienceworld/test.jsonl"),
    ({}, {"data/scienceworld/test.jsonl": "/etc/passwd"}, "is not a regular file"),
])
def test_a_broken_hub_archive_is_a_clear_error(tmp_path, hub, members, links, message):
    from acbench.errors import ACBenchError

    _archive(hub.archive, members, links)
    with pytest.raises(ACBenchError, match=f"{message}.*scienceworld.labels=.*scienceworld.subset=acbench"):
        make_task("scienceworld", profile="paper")
    hub.archive.write_bytes(b"not gzip")
    with pytest.raises(ACBenchError, match="is not a readable tar.gz archive"):
        make_task("scienceworld", profile="paper")


def test_offline_without_a_cached_archive_fails_at_once(tmp_path, monkeypatch):
    import huggingface_hub
    from huggingface_hub import constants

    from acbench.errors import ACBenchError

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "empty-hf-cache"))  # the real hf_hub_download
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("ACBENCH_CACHE", str(tmp_path / "cache"))
    calls: list[dict] = []
    real_download = huggingface_hub.hf_hub_download

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real_download(*args, **kwargs)

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", spy)
    with pytest.raises(ACBenchError, match=r"^scienceworld subset=agentboard \(the paper profile's default\): "
                                           r"AgentBoard's ScienceWorld problems are in data.tar.gz of the hub dataset "
                                           r"hkust-nlp/agentboard, which is not in the Hugging Face cache, and the hub "
                                           r"cannot be reached \(offline\); pass AgentBoard's label file yourself, "
                                           r"scienceworld.labels=<path .*task_options: \{scienceworld: \{labels: "
                                           r".*scienceworld.subset=acbench"):
        make_task("scienceworld", profile="paper")
    # the cache was asked, and no download was tried (its retry loop would take a minute and more)
    assert calls and all(kwargs.get("local_files_only") for kwargs in calls)

    # no HF_HUB_OFFLINE, but the host is unreachable: the same error, and no download is attempted
    monkeypatch.delenv("HF_HUB_OFFLINE")
    from acbench.tasks.scienceworld import hub as hub_module
    from huggingface_hub.errors import LocalEntryNotFoundError

    def local_only(repo_id, filename, **kwargs):
        assert kwargs.get("local_files_only"), "a download was attempted while offline"
        raise LocalEntryNotFoundError("not cached")

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", local_only)
    monkeypatch.setattr(hub_module.socket, "create_connection", lambda *a, **k: (_ for _ in ()).throw(OSError("down")))
    with pytest.raises(ACBenchError, match="the hub cannot be reached"):
        make_task("scienceworld", profile="paper")


# --- how many simulators live at once -------------------------------------------------------------------------
def test_at_most_batch_size_simulators_live_at_once(tmp_path, monkeypatch):
    import scienceworld

    from acbench.tasks.scienceworld.task import LIVE_EPISODES

    max_steps = 2
    sims: list = []
    live_at_start: list[int] = []

    class FakeSim:
        """Counts, at each simulator start, the simulators not yet closed (the loop closes an episode's at its end)."""

        def __init__(self, task_name, envStepLimit):
            live_at_start.append(1 + sum(not s.closed for s in sims))
            sims.append(self)
            self.steps, self.closed = 0, False

        def close(self):
            self.closed = True

        def load(self, task, variation, simplificationStr):
            pass

        def reset(self):
            return "You are in the kitchen.", {}

        def inventory(self):
            return "In your inventory, you see: nothing"

        def step(self, action):
            self.steps += 1
            return "You look around.", 0, False, {"score": 0}

        def get_valid_action_object_combinations_with_templates(self):
            return [{"action": "look around"}]

    class Counting(ScriptedEngine):
        widths: list[int] = []

        def generate(self, requests, progress=True):
            self.widths.append(len(requests))
            return super().generate(requests, progress)

    monkeypatch.setattr(scienceworld, "ScienceWorldEnv", FakeSim)
    rows = [_label("boil", v, ["nothing matches this"]) for v in range(20)]
    path = _write(tmp_path / "test.jsonl", rows)
    task = make_task("scienceworld", profile="paper", labels=path, max_steps=max_steps)
    assert task.batch_size == LIVE_EPISODES == 8
    engine = Counting(lambda request: "Action: look around")
    records = task.run(engine, task.load(), ResultStore(tmp_path / "r.jsonl")).records
    assert len(records) == len(sims) == 20 and all(s.steps == max_steps and s.closed for s in sims)
    assert max(live_at_start) == 8 and max(engine.widths) == 8
    # an explicit bound is kept; 0 (unbounded in the loop) is refused
    sims.clear(), live_at_start.clear()
    task = make_task("scienceworld", profile="paper", labels=path, max_steps=max_steps, batch_size=3)
    task.run(ScriptedEngine(lambda request: "Action: look around"), task.load(), ResultStore(tmp_path / "r3.jsonl"))
    assert max(live_at_start) == 3 and len(sims) == 20
    with pytest.raises(ValueError, match="batch_size must be at least 1"):
        make_task("scienceworld", batch_size=0)


FAKE_SCIENCEWORLD_ENV = '''
class Scienceworld:
    def step(self, action):
        if action == "check valid actions":
            return f"Pick one of the valid actions: {action}"
'''
FAKE_VANILLA = '''
class VanillaAgent:
    def make_prompt(self, need_goal=False, check_actions="check valid actions", check_inventory="inventory"):
        query = "\\nWorked examples:\\n" + "Your goal: " + "Help command: " + "Help command: inventory\\n"
        return query + "\\n" + ": " + "\\nAction: "
'''


def _checkout(root):
    files = {"agentboard/environment/scienceworld_env.py": FAKE_SCIENCEWORLD_ENV,
             "agentboard/agents/vanilla_agent.py": FAKE_VANILLA,
             "agentboard/prompts/VanillaAgent/scienceworld_base.json": json.dumps(
                 {"system_msg": "You do science.", "instruction": "Do the experiment.\n", "examples": "An example."})}
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    return str(root)


def test_agentboard_prompt_needs_its_files_and_the_subset(tmp_path):
    labels = _write(tmp_path / "test.jsonl", [_label("boil", 0, ["kitchen"])])
    with pytest.raises(ValueError, match="scienceworld_base.json"):
        make_task("scienceworld", subset="agentboard", labels=labels, agentboard=str(tmp_path))
    with pytest.raises(ValueError, match="checkout, for its prompt.* needs subset=agentboard"):
        make_task("scienceworld", subset="acbench", agentboard=_checkout(tmp_path / "ab"))


@needs_java
def test_agentboard_prompt_layout_and_its_valid_actions_answer(tmp_path):
    label = _label("boil", 0, ["You move to the kitchen"], goal="Boil the water in the kitchen.")
    task = make_task("scienceworld", subset="agentboard", labels=_write(tmp_path / "test.jsonl", [label]),
                     agentboard=_checkout(tmp_path / "AgentBoard"), max_steps=3)
    outputs = iter(["check valid actions", "Check valid actions.", "go to kitchen"])
    engine = ScriptedEngine(lambda request: next(outputs))
    record = task.run(engine, task.load(), ResultStore(tmp_path / "r.jsonl")).records[0]
    system, user = engine.requests[0].messages
    assert system["content"] == "You do science." and user["content"].startswith(
        "Do the experiment.\n\nWorked examples:\nAn example.\nYour goal: Boil the water in the kitchen.\n"
        "Help command: check valid actions\nHelp command: inventory\nObservation: ")
    assert "In your inventory, you see:" in user["content"] and user["content"].endswith("\nAction: ")
    first, second, third = record["trajectory"]
    # exactly the query: answered with the checkout's phrase, no simulator step, grounded
    assert first["observation"].startswith("Pick one of the valid actions: ") and first["observation"].endswith(
        ", check valid actions") and first["valid"] is True
    # anything else goes to the simulator, as upstream: not a ScienceWorld action, not grounded
    assert second["observation"].startswith("No known action matches") and second["valid"] is False
    assert third["progress"] == 1.0 and record["success"] is True
