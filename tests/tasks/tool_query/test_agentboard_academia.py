"""AgentBoard's academia episodes (tool_query.subset=agentboard), checked against AgentBoard's own code's outputs.

Fixtures (scripts/agentboard_academia_fixtures.py ran AgentBoard's academia_env.py and academia_tools.py on them):
- fixtures/agentboard_academia_data.json: acbench's own small graphs and questions, written here in the layout of
  AgentBoard's data archive (networkx graphs pickled);
- fixtures/agentboard_academia.json: per scripted model output, AgentBoard's kind of answer, observation, progress
  rate, done, grounding and subgoal. Without a checkout every step's kind, r, done, grounding and abort is
  compared, and every observation that comes from the data (tool results, Python errors); with a checkout
  ($ACBENCH_AGENTBOARD_DIR) every observation and subgoal is compared too.
"""

import json
import os
import pickle
import re
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acbench.engines.scripted import ScriptedEngine
from acbench.errors import ConfigError
from acbench.tasks.agentic.agentboard import AgentBoardFilesError
from acbench.tasks.agentic.agentboard_live import LiveServiceError
from acbench.tasks.base import ResultStore
from acbench.tasks.tool_query.agentboard import AcademiaCheckout, AgentBoardAcademiaEnv, academia_samples
from acbench.tasks.tool_query.task import ToolQueryTask

FIXTURES = Path(__file__).parent / "fixtures"
DATA = json.loads((FIXTURES / "agentboard_academia_data.json").read_text())
RECORDED = json.loads((FIXTURES / "agentboard_academia.json").read_text())
CHECKOUT = os.environ.get("ACBENCH_AGENTBOARD_DIR")
needs_checkout = pytest.mark.skipif(
    not CHECKOUT or not (Path(CHECKOUT) / "agentboard/environment/academia_env.py").is_file(),
    reason="no AgentBoard checkout in $ACBENCH_AGENTBOARD_DIR (its repository is not reachable from CI)")

# a stand-in checkout with acbench's own wording, in AgentBoard's file layout (strings are read with ast, never run)
FAKE_TOOLS = '''
def log_path(func):
    def wrapper(*args, **kwargs):
        return "Call " + func.__name__ + " on " + str(kwargs) + " refused"
    return wrapper

class academia_toolkits:
    def loadPaperNet(self):
        open("{}/data/paper_net.pkl")
        return True, "Papers ready."

    def loadAuthorNet(self):
        return True, "Authors ready."

    def paperNodeCheck(self, node=None):
        return "Load papers before asking.", "No paper {} here."

    def authorNodeCheck(self, node=None):
        return "Load authors before asking.", "No author {} here."

    def paperEdgeCheck(self, node1=None, node2=None):
        return "Load papers before asking.", "No paper {} here.", "{} does not cite {}."
'''
FAKE_ENV = '''
class AcademiaEnv:
    def step(self, action, action_path=None):
        a = "These are the valid actions: {}"
        b = "FAIL | Invalid call {}!"
        return "FAIL | ", a, b
'''
FAKE_HELPERS = '''
def parse_action(string):
    pattern = r"Action:\\s*(.*?)$"
    raise Exception("The input is no literal.")

def contains_network_error(observation):
    network_errors = ["HTTPError", "ConnectionError"]
'''
FAKE_TASK = '''
class EvalTool:
    def evaluate_env(self, id):
        weather = "Ask for coordinates first, then call 'finish' when you are done."
        other = "Call 'finish' when done."
        bad = "Bad format: write Action: <tool> with Action Input: <input>"
'''
FAKE_AGENT = '''
class VanillaAgent:
    def make_prompt(self, need_goal=False, check_actions="check valid actions", check_inventory="inventory"):
        query = "\\nWorked examples:\\n" + "Your goal: " + "Help command: " + "Help command: inventory\\n"
        return query + "\\n" + ": " + "\\nAction: "
'''
NAMES = ["loadPaperNet", "loadAuthorNet", "neighbourCheck", "paperNodeCheck", "authorNodeCheck", "authorEdgeCheck",
         "paperEdgeCheck", "check_valid_actions", "finish"]
FILES = {
    "agentboard/utils/academia/academia_tools.py": FAKE_TOOLS,
    "agentboard/environment/academia_env.py": FAKE_ENV,
    "agentboard/utils/tool/helpers.py": FAKE_HELPERS,
    "agentboard/tasks/tool.py": FAKE_TASK,
    "agentboard/agents/vanilla_agent.py": FAKE_AGENT,
    "agentboard/prompts/VanillaAgent/academia_prompt.json": json.dumps(
        {"system_msg": "System for academia.", "instruction": "Use the graph tools.\n", "examples": ["Example."]}),
    "agentboard/prompts/Raw/academia_raw.json": json.dumps({"tool_set_message": [{"name": n} for n in NAMES]}),
}


def write_checkout(root: Path, skip: str | None = None) -> Path:
    for relative, text in FILES.items():
        if relative != skip:
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            (root / relative).write_text(text)
    return root


def write_archive(root: Path, items: list[dict] | None = None, skip: str | None = None) -> Path:
    """The test graphs and questions as AgentBoard's data archive holds them: <root>/tool-query/..."""
    raw = root / "tool-query" / "academia" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    papers, authors = nx.DiGraph(), nx.Graph()
    for paper in DATA["papers"]:
        papers.add_node(paper["id"], **paper["attrs"])
    papers.add_edges_from(DATA["citations"])
    for author in DATA["authors"]:
        authors.add_node(author["id"], **author["attrs"])
    for a, b, attrs in DATA["collaborations"]:
        authors.add_edge(a, b, **attrs)
    tables = {"paper_net": papers, "author_net": authors,
              "title2id_dict": {p["title"]: p["id"] for p in DATA["papers"]},
              "id2title_dict": {p["id"]: p["title"] for p in DATA["papers"]},
              "author2id_dict": {a["name"]: a["id"] for a in DATA["authors"]},
              "id2author_dict": {a["id"]: a["name"] for a in DATA["authors"]}}
    for name, value in tables.items():
        if name != skip:
            (raw / f"{name}.pkl").write_bytes(pickle.dumps(value))
    lines = [json.dumps(item) for item in (DATA["items"] if items is None else items)]
    (root / "tool-query" / "test.jsonl").write_text("\n".join(lines) + "\n")
    return root


@pytest.fixture
def fake_checkout(tmp_path) -> AcademiaCheckout:
    return AcademiaCheckout(write_checkout(tmp_path / "AgentBoard"))


@pytest.fixture
def archive(tmp_path) -> Path:
    return write_archive(tmp_path / "data")


def env_for(checkout: AcademiaCheckout, archive: Path, index: int) -> AgentBoardAcademiaEnv:
    sample = next(s for s in academia_samples(archive) if s.data["index"] == index)
    return AgentBoardAcademiaEnv(sample, checkout)


def test_checkout_texts_are_read_not_copied(fake_checkout):
    c = fake_checkout
    assert c.loaded == {"PaperNet": "Papers ready.", "AuthorNet": "Authors ready."}
    assert c.unloaded == {"PaperNet": "Load papers before asking.", "AuthorNet": "Load authors before asking."}
    assert c.no_node == {"PaperNet": "No paper {} here.", "AuthorNet": "No author {} here."}
    assert (c.no_edge, c.failed) == ("{} does not cite {}.", ("Call ", " on ", " refused"))
    assert (c.valid_lead, c.invalid, c.error) == ("These are the valid actions: {}", "FAIL | Invalid call {}!",
                                                  "FAIL | ")
    assert (c.bad_input, c.network_errors) == ("The input is no literal.", ["HTTPError", "ConnectionError"])
    assert c.first_observation == "Call 'finish' when done."
    assert c.format_error.startswith("Bad format") and c.action_names == NAMES
    assert c.layout().examples == ["Example."]
    (c.root / "agentboard/prompts/VanillaAgent/academia_prompt.json").write_text(json.dumps(
        {"system_msg": "S", "instruction": "I", "examples": "One example as a string."}))
    assert AcademiaCheckout(c.root).layout().examples == ["One example as a string."]  # not split into characters


@pytest.mark.parametrize("missing", sorted(FILES))
def test_a_checkout_without_a_file_names_it(tmp_path, missing):
    with pytest.raises(AgentBoardFilesError, match=re.escape(missing)):
        ToolQueryTask(subset="agentboard", agentboard=str(write_checkout(tmp_path / "ab", skip=missing)))


def test_no_checkout_names_the_option_and_the_variable(monkeypatch):
    monkeypatch.delenv("ACBENCH_AGENTBOARD_DIR", raising=False)
    with pytest.raises(AgentBoardFilesError, match="tool_query.agentboard=.*ACBENCH_AGENTBOARD_DIR"):
        ToolQueryTask(subset="agentboard")


@pytest.mark.parametrize("missing", ["paper_net", "id2author_dict"])
def test_a_missing_graph_file_is_named_when_the_task_loads(tmp_path, fake_checkout, missing):
    data = write_archive(tmp_path / "data", skip=missing)
    task = ToolQueryTask(subset="agentboard", agentboard=str(fake_checkout.root))
    with pytest.raises(AgentBoardFilesError, match=rf"academia/raw/{missing}\.pkl"):
        task.load(str(data))


def test_missing_or_bad_questions_are_named(tmp_path, fake_checkout):
    task = ToolQueryTask(subset="agentboard", agentboard=str(fake_checkout.root))
    with pytest.raises(AgentBoardFilesError, match="tool-query data folder not found.*test.jsonl and academia/raw"):
        task.load(str(tmp_path / "nothing"))  # no folder: named, with what it should hold
    data = write_archive(tmp_path / "data")
    (data / "tool-query" / "test.jsonl").unlink()
    with pytest.raises(AgentBoardFilesError, match=r"test\.jsonl"):
        task.load(str(data))
    item = {"goal": "g", "subgoals": [], "additional_info": {"tool": "academia"}}
    bad = write_archive(tmp_path / "bad", items=[item])
    with pytest.raises(AgentBoardFilesError, match="line 1: .*non-empty subgoals"):
        task.load(str(bad))
    (bad / "tool-query" / "academia" / "raw" / "paper_net.pkl").write_bytes(b"not a pickle")
    with pytest.raises(AgentBoardFilesError, match="paper_net.pkl: cannot be read as a pickled graph"):
        academia_samples(bad)


def test_items_are_the_academia_lines_numbered_by_line(archive):
    samples = academia_samples(archive)  # the data folder or its tool-query folder
    assert [s.id for s in samples] == ["academia/0", "academia/1", "academia/2", "academia/4"]  # line 3 is weather
    assert [s.data["difficulty"] for s in samples] == ["easy", "hard", "hard", "easy"]
    assert [s.id for s in academia_samples(archive / "tool-query")] == [s.id for s in samples]


def data_text(text: str) -> bool:
    """An exception as AgentBoard renders it, `Name(message)`: Python's text, not the checkout's wording."""
    return re.match(r"^(?!Exception\()[A-Za-z]+\(", text) is not None


@pytest.mark.parametrize("number", range(len(RECORDED["scripts"])))
def test_replays_agentboards_outputs(fake_checkout, archive, number):
    script = RECORDED["scripts"][number]
    env = env_for(fake_checkout, archive, script["index"])
    for count, step in enumerate(script["steps"]):
        action = env.extract_action(step["output"])
        assert action == ("" if step["name"] is None else f"{step['name']} with Action Input: {step['input']}")
        observation, grounded = env.step(action)
        where = f"item {script['index']} step {count} ({step['output']!r})"
        assert (env.last_kind, grounded, env.aborted) == (step["kind"], step["grounded"], step["aborted"]), where
        assert env.reward == pytest.approx(step["reward"]), where
        assert env.done == (step["done"] or step["aborted"]), where  # acbench ends an aborted episode with done
        theirs = step["observation"]
        if step["kind"] == "result" and not step["name"].startswith("load"):
            assert observation == theirs and repr(env.subgoals[-1]) == step["subgoal"], where
        elif step["kind"] == "failed" and data_text(theirs):
            assert observation == theirs, where
        elif step["kind"] == "error" and data_text(theirs.split("| ", 1)[1]):
            assert observation.split("| ", 1)[1] == theirs.split("| ", 1)[1], where
    assert env.success == script["success"] and env.reward == pytest.approx(script["progress_rate"])


@needs_checkout
@pytest.mark.parametrize("number", range(len(RECORDED["scripts"])))
def test_observations_equal_agentboards(archive, number):
    checkout = AcademiaCheckout(CHECKOUT)
    script = RECORDED["scripts"][number]
    env = env_for(checkout, archive, script["index"])
    for count, step in enumerate(script["steps"]):
        before = len(env.subgoals)
        observation, _ = env.step(env.extract_action(step["output"]))
        where = f"item {script['index']} step {count} ({step['output']!r})"
        expected = checkout.format_error if step["kind"] == "format_error" else step["observation"]
        assert observation == expected, where
        subgoal = repr(env.subgoals[-1]) if len(env.subgoals) > before else None
        assert subgoal == step["subgoal"], where


def test_progress_rate_by_hand(fake_checkout, archive):
    """r = max over steps of (gold subgoals matched, each predicted value used once) / gold; "Invalid" skips."""
    item = next(s for s in academia_samples(archive) if s.data["index"] == 2)
    env = AgentBoardAcademiaEnv(item, fake_checkout)  # gold: attrs(4), attrs(4), [paper 0], [paper 4], "TOSEM"
    call = 'paperNodeCheck with Action Input: {"node": "Invalid Inputs Considered Harmful"}'
    rates = []
    for action in ["loadPaperNet with Action Input: {}", call, call, call,
                   'neighbourCheck with Action Input: {"graph": "PaperNet", "node": "Graph Retrieval at Scale"}',
                   'finish with Action Input: {"answer": "TOSEM"}']:
        env.step(action)
        rates.append(env.reward)
    # one attrs: 1/5; two: 2/5; a third copy matches nothing; the list naming "Invalid ..." is not scored at
    # once; finish scores it with the answer: 4/5, done, not a success
    assert rates == [0.0, 0.2, 0.4, 0.4, 0.4, 0.8]
    assert env.done and not env.success and env.progress == 0.8


def test_a_done_in_the_input_and_the_neighbour_alias(fake_checkout, archive):
    env = env_for(fake_checkout, archive, 0)
    env.step("loadPaperNet with Action Input: {}")
    observation, grounded = env.step('neighborCheck with Action Input: {"graph": "PaperNet", "node": '
                                     '"Quantized Agents Act Worse"}')
    assert grounded and observation == "['Sparse Routing in Mixture Models', 'Graph Retrieval at Scale']"
    assert not env.done
    env.step('loadAuthorNet with Action Input: {"why": "Finish soon"}')
    assert env.done and not env.success  # "Finish" anywhere in the call ends AgentBoard's episode


@pytest.mark.parametrize("action, kind", [
    ("x with Action Input: {[1]: 2}", "error"),  # an unhashable key: not a literal
    ("loadPaperNet with Action Input: " + "[" * 500, "error"),
    ('finish with Action Input: {"answer": 1' + "0" * 5000 + "}", "error"),  # past Python's digit limit
    ('paperNodeCheck with Action Input: "node"', "error"),  # indexing a string by name
    ('paperNodeCheck with Action Input: {"node": {"a": 1}}', "failed"),  # unhashable node: inside the tool
    ('finish with Action Input: {"answer": [[1], ["a"]]}', "error"),  # unsortable answer
    ('finish with Action Input: {"answer": {2, 1}}', "result"),  # a set is not sorted, only a list
])
def test_hostile_inputs_are_answered_not_raised(fake_checkout, archive, action, kind):
    env = env_for(fake_checkout, archive, 0)
    env.step("loadPaperNet with Action Input: {}")
    observation, grounded = env.step(action)
    assert env.last_kind == kind and grounded == (kind != "error") and isinstance(observation, str)


CALLS = [step["output"] for script in RECORDED["scripts"] for step in script["steps"]]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(outputs=st.lists(st.sampled_from(CALLS) | st.text(max_size=60)
                        | st.builds("{} with Action Input: {}".format, st.sampled_from(NAMES), st.text(max_size=30)),
                        max_size=8))
def test_arbitrary_outputs_are_answered_and_r_never_falls(fake_checkout, archive, outputs):
    env = env_for(fake_checkout, archive, 1)
    rates = [env.reward]
    for output in outputs:
        observation, grounded = env.step(env.extract_action(output))
        assert isinstance(observation, str) and isinstance(grounded, bool)
        rates.append(env.reward)
    assert all(0.0 <= a <= b <= 1.0 for a, b in zip(rates, rates[1:]))
    assert not env.success or (env.done and env.reward == 1.0)


def test_task_runs_an_episode_with_agentboards_layout_and_metrics(tmp_path, fake_checkout, archive):
    outputs = {"0": iter(["Action: loadPaperNet with Action Input: {}",
                          'Action: paperNodeCheck with Action Input: {"node": "Sparse Routing in Mixture Models"}',
                          'Action: finish with Action Input: {"answer": "ICML"}']),
               "1": iter(["I will look.\nAction: check_valid_actions with Action Input: {}", "load the graph"])}

    def script(request):
        user = request.messages[1]["content"]
        key = "0" if "Sparse Routing" in user.split("Your goal: ")[1].split("\n")[0] else "1"
        return next(outputs[key], "wait")

    task = ToolQueryTask(subset="agentboard", agentboard=str(fake_checkout.root), max_steps=4)
    samples = task.load(str(archive), limit=2)
    assert [s.id for s in samples] == ["academia/0", "academia/1"]  # one easy, one hard
    engine = ScriptedEngine(script)
    result = task.run(engine, samples, ResultStore(tmp_path / "r.jsonl"))
    first = engine.requests[0].messages
    assert first[0] == {"role": "system", "content": "System for academia."}
    assert first[1]["content"] == ("Use the graph tools.\n\nWorked examples:\nExample.\nYour goal: Which venue "
                                   "published Sparse Routing in Mixture Models?\nHelp command: check_valid_actions\n"
                                   "Observation: Call 'finish' when done.\nAction: ")
    by_id = {r["id"]: r for r in result.records}
    easy, hard = by_id["academia/0"], by_id["academia/1"]
    assert easy["success"] and easy["progress_rate"] == 1.0 and easy["steps"] == 3 and easy["grounding_acc"] == 1.0
    assert [t["progress"] for t in easy["trajectory"]] == [0.0, 0.5, 1.0]
    assert hard["steps"] == 4 and hard["progress_rate"] == 0.0 and not hard["success"]
    assert hard["trajectory"][0]["observation"] == "These are the valid actions: " + str(NAMES)
    assert hard["trajectory"][1]["observation"].startswith("Bad format") and hard["trajectory"][1]["action"] == ""
    assert hard["grounding_acc"] == 0.25  # the check, then three format errors
    later = [r for r in engine.requests if "Your goal: What did" in r.messages[1]["content"]][1]
    assert later.messages[1]["content"].endswith(
        f"Action: check_valid_actions with Action Input: {{}}\nObservation: These are the valid actions: {NAMES}"
        "\nAction: ")
    m = result.metrics
    assert m["tool_query/progress_rate"] == 0.5 and m["tool_query/success_rate"] == 0.5
    assert m["tool_query/easy/progress_rate"] == 1.0 and m["tool_query/hard/progress_rate"] == 0.0
    assert m["tool_query/academia/progress_rate"] == 0.5 and m["tool_query/progress_rate_strict"] == 0.5
    rescored = task.score_predictions(samples, {"academia/0": easy["prediction"]})
    assert rescored.records[0]["success"] and rescored.records[0]["steps"] == 3


def test_movie_without_its_key_fails_naming_it(monkeypatch, tmp_path, fake_checkout):
    monkeypatch.delenv("MOVIE_KEY", raising=False)
    with pytest.raises(LiveServiceError, match=r"movie calls TMDB.*MOVIE_KEY \(not set\).*api_keys_tool\.md.*"
                                               r"tool_query\.tools=academia"):
        ToolQueryTask(subset="agentboard", agentboard=str(fake_checkout.root), tools="academia,movie")
    with pytest.raises(ConfigError, match="environments are academia, weather, movie"):
        ToolQueryTask(subset="agentboard", agentboard=str(fake_checkout.root), tools="news")
    with pytest.raises(ConfigError, match="for tool_query subset=agentboard"):
        ToolQueryTask(subset="acbench", tools="academia")


def test_the_paper_profile_plays_agentboards_items_only_where_its_data_is(monkeypatch, tmp_path, fake_checkout):
    monkeypatch.setenv("ACBENCH_AGENTBOARD_DIR", str(fake_checkout.root))
    assert ToolQueryTask(profile="paper").subset == "acbench"  # a checkout without the archive's data
    write_archive(fake_checkout.root / "data")
    task = ToolQueryTask(profile="paper")
    assert task.subset == "agentboard" and task.tools == ["academia"]
    assert len(task.load()) == 4 and task.data_sha256  # all academia items, from <checkout>/data/tool-query
    assert ToolQueryTask(profile="quick").subset == "acbench"


class _RunsACommand:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):  # what a tampered archive file would hold
        return os.system, (f"touch {self.marker}",)


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_graph_files_are_read_by_any_protocol_but_cannot_run_code(tmp_path, fake_checkout, protocol):
    import numpy as np
    from acbench.tasks.tool_query.agentboard import read_graphs

    data = write_archive(tmp_path / "data")
    raw = data / "tool-query" / "academia" / "raw"
    papers = pickle.loads((raw / "paper_net.pkl").read_bytes())
    first = next(iter(papers.nodes))
    papers.nodes[first]["year"] = np.int64(2024)  # a crawled graph's numpy values, with its cached views pickled
    papers.nodes[first]["embedding"] = np.arange(3, dtype=np.float32)
    _ = papers.adj, papers.nodes, papers.edges, papers.degree, papers.succ, papers.pred
    (raw / "paper_net.pkl").write_bytes(pickle.dumps(papers, protocol=protocol))
    read = read_graphs(data / "tool-query").paper_net
    assert type(read) is nx.DiGraph and sorted(read.nodes) == sorted(papers.nodes)
    assert sorted(read.edges) == sorted(papers.edges) and read.nodes[first]["year"] == 2024
    assert read.nodes[first]["embedding"].tolist() == [0.0, 1.0, 2.0]

    marker = tmp_path / "pwned"
    (raw / "author_net.pkl").write_bytes(pickle.dumps({"graph": _RunsACommand(marker)}, protocol=protocol))
    with pytest.raises(AgentBoardFilesError, match=r"author_net\.pkl.*refused to build (posix|os)\.system"):
        read_graphs(data / "tool-query")
    assert not marker.exists()
