"""AgentBoard's weather and movie episodes (tool_query.tools=weather,movie), checked against AgentBoard's own code's
outputs, with every HTTP call answered by a local stand-in for open-meteo and TMDB (fake_services.py).

Fixtures (scripts/agentboard_tool_query_live_fixtures.py ran AgentBoard's weather_env.py, movie_env.py and their
tools against the same stand-in):
- fixtures/agentboard_live_data.json: acbench's own test items (test.jsonl's format) and the stand-in's canned
  answers;
- fixtures/agentboard_live.json: per scripted model output, AgentBoard's kind of answer, observation, progress
  rate, done, grounding, subgoal, abort, and the HTTP requests its tools sent. Without a checkout every step's
  kind, r, done, grounding, abort and requests are compared, and every observation and subgoal that comes from
  the services' data or from Python; with a checkout ($ACBENCH_AGENTBOARD_DIR) every observation and subgoal.
"""

import json
import os
import re
import socket
import sys
from pathlib import Path

import pytest
import requests

from acbench.engines.scripted import ScriptedEngine
from acbench.errors import ConfigError
from acbench.tasks.agentic.agentboard import AgentBoardFilesError
from acbench.tasks.agentic.agentboard_live import LiveServiceError
from acbench.tasks.base import ResultStore
from acbench.tasks.tool_query import services as services_module
from acbench.tasks.tool_query.agentboard import tool_samples
from acbench.tasks.tool_query.movie import AgentBoardMovieEnv, MovieCheckout
from acbench.tasks.tool_query.services import Services
from acbench.tasks.tool_query.task import ToolQueryTask
from acbench.tasks.tool_query.weather import AgentBoardWeatherEnv, WeatherCheckout, same_place

sys.path.insert(0, str(Path(__file__).parent))
from fake_services import FakeServices  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"
DATA = json.loads((FIXTURES / "agentboard_live_data.json").read_text())
RECORDED = json.loads((FIXTURES / "agentboard_live.json").read_text())
TOKEN = DATA["services"]["token"]
CHECKOUT = os.environ.get("ACBENCH_AGENTBOARD_DIR")
needs_checkout = pytest.mark.skipif(
    not CHECKOUT or not (Path(CHECKOUT) / "agentboard/environment/weather_env.py").is_file(),
    reason="no AgentBoard checkout in $ACBENCH_AGENTBOARD_DIR (its repository is not reachable from CI)")

# a stand-in checkout with acbench's own wording, in AgentBoard's file layout (strings are read with ast, never run)
LOG_PATH = '''
def log_path(func):
    def wrapper(*args, **kwargs):
        return "Call " + func.__name__ + " on " + str(kwargs) + " refused"
    return wrapper
'''
FAKE_WEATHER_TOOLS = LOG_PATH + '''
class weather_toolkits:
    def get_historical_temp(self, latitude=None, longitude=None, start_date=None, end_date=None):
        if start_date:
            return False, "The start must lie in the past."
        if end_date:
            return False, "The end must lie in the past."
        if span:
            return False, "One call covers 30 days at most."
        return False, response.text

    def get_temp_forecast(self, latitude=None, longitude=None, start_date=None, end_date=None):
        if start_date:
            return False, "A forecast starts after today."
        if end_date:
            return False, "A forecast ends after today."
        if span:
            return False, "One forecast covers 30 days at most."

    def get_air_quality_level(self, air_quality_index):
        return "good", "fair", "moderate", "poor", "very poor", "extremely poor"
'''
FAKE_MOVIE_TOOLS = LOG_PATH
FAKE_ENV = '''
class {name}:
    def step(self, action, action_path=None):
        a = "These are the valid actions: {{}}"
        b = "FAIL | Invalid call {{}}!"
        return "FAIL | ", a, b
'''
FAKE_HELPERS = '''
def parse_action(string):
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
NAMES = {"weather": ["get_user_current_date", "get_latitude_longitude", "check_valid_actions", "finish"],
         "movie": ["get_search_movie", "get_movie_details", "check_valid_actions", "finish"]}
FILES = {
    "agentboard/utils/weather/weather_tools.py": FAKE_WEATHER_TOOLS,
    "agentboard/utils/movie/movie_tools.py": FAKE_MOVIE_TOOLS,
    "agentboard/environment/weather_env.py": FAKE_ENV.format(name="WeatherEnv"),
    "agentboard/environment/movie_env.py": FAKE_ENV.format(name="MovieEnv"),
    "agentboard/utils/tool/helpers.py": FAKE_HELPERS,
    "agentboard/tasks/tool.py": FAKE_TASK,
    "agentboard/agents/vanilla_agent.py": FAKE_AGENT,
    **{f"agentboard/prompts/VanillaAgent/{tool}_prompt.json": json.dumps(
        {"system_msg": f"System for {tool}.", "instruction": f"Use the {tool} tools.\n", "examples": ["Example."]})
       for tool in NAMES},
    **{f"agentboard/prompts/Raw/{tool}_raw.json": json.dumps({"tool_set_message": [{"name": n} for n in names]})
       for tool, names in NAMES.items()},
}
CHECKOUTS = {"weather": WeatherCheckout, "movie": MovieCheckout}
ENVS = {"weather": AgentBoardWeatherEnv, "movie": AgentBoardMovieEnv}


def write_checkout(root: Path, skip: str | None = None) -> Path:
    for relative, text in FILES.items():
        if relative != skip:
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            (root / relative).write_text(text)
    return root


def write_archive(root: Path, items: list[dict] | None = None) -> Path:
    (root / "tool-query").mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(item) for item in (DATA["items"] if items is None else items)]
    (root / "tool-query" / "test.jsonl").write_text("\n".join(lines) + "\n")
    return root


@pytest.fixture(scope="module")
def fake():
    with FakeServices(DATA["services"]) as server:
        yield server


@pytest.fixture
def fake_checkout(tmp_path) -> Path:
    return write_checkout(tmp_path / "AgentBoard")


def env_for(root: Path, fake: FakeServices, index: int, archive: Path):
    sample = next(s for s in tool_samples(archive, ["weather", "movie"]) if s.data["index"] == index)
    tool = sample.data["group"]
    return ENVS[tool](sample, CHECKOUTS[tool](root), Services(fake.root, TOKEN))


def data_text(text: str) -> bool:
    """An exception as AgentBoard renders it, `Name(message)`: Python's text, not the checkout's wording."""
    return re.match(r"^(?!Exception\()[A-Za-z]+\(", text) is not None


@pytest.mark.parametrize("number", range(len(RECORDED["scripts"])))
def test_replays_agentboards_outputs(tmp_path, fake_checkout, fake, number):
    script = RECORDED["scripts"][number]
    env = env_for(fake_checkout, fake, script["index"], write_archive(tmp_path / "data"))
    for count, step in enumerate(script["steps"]):
        action = env.extract_action(step["output"])
        assert action == ("" if step["name"] is None else f"{step['name']} with Action Input: {step['input']}")
        asked = len(fake.requests)
        observation, grounded = env.step(action)
        where = f"item {script['index']} step {count} ({step['output']!r})"
        assert fake.requests[asked:] == step["requests"], where  # the same HTTP calls, query and token
        assert (env.last_kind, grounded, env.aborted) == (step["kind"], step["grounded"], step["aborted"]), where
        assert env.reward == pytest.approx(step["reward"]), where
        assert env.done == (step["done"] or step["aborted"]), where  # acbench ends an aborted episode with done
        theirs = step["observation"]
        if step["kind"] == "result":
            assert observation == theirs and repr(env.subgoals[-1]) == step["subgoal"], where
        elif step["kind"] == "failed" and step["requests"]:  # the service's own text
            assert observation == theirs, where
        elif step["kind"] == "error" and data_text(theirs.split("| ", 1)[1]):
            assert observation.split("| ", 1)[1] == theirs.split("| ", 1)[1], where
    assert env.success == script["success"] and env.reward == pytest.approx(script["progress_rate"])


@needs_checkout
@pytest.mark.parametrize("number", range(len(RECORDED["scripts"])))
def test_observations_equal_agentboards(tmp_path, fake, number):
    script = RECORDED["scripts"][number]
    env = env_for(Path(CHECKOUT), fake, script["index"], write_archive(tmp_path / "data"))
    for count, step in enumerate(script["steps"]):
        before = len(env.subgoals)
        observation, _ = env.step(env.extract_action(step["output"]))
        where = f"item {script['index']} step {count} ({step['output']!r})"
        assert observation == (env.checkout.format_error if step["kind"] == "format_error" else step["observation"])
        subgoal = repr(env.subgoals[-1]) if len(env.subgoals) > before else None
        assert subgoal == step["subgoal"], where


def test_checkout_texts_are_read_not_copied(fake_checkout):
    weather, movie = WeatherCheckout(fake_checkout), MovieCheckout(fake_checkout)
    assert weather.past == ("The start must lie in the past.", "The end must lie in the past.",
                            "One call covers 30 days at most.")
    assert weather.future == ("A forecast starts after today.", "A forecast ends after today.",
                              "One forecast covers 30 days at most.")
    assert weather.first_observation.startswith("Ask for coordinates") and movie.first_observation.startswith("Call")
    assert (movie.failed, movie.error, movie.action_names) == (("Call ", " on ", " refused"), "FAIL | ",
                                                                NAMES["movie"])


@pytest.mark.parametrize("missing", sorted(FILES))
def test_a_checkout_without_a_file_names_it(tmp_path, monkeypatch, missing):
    monkeypatch.setenv("MOVIE_KEY", TOKEN)
    root = write_checkout(tmp_path / "ab", skip=missing)
    with pytest.raises(AgentBoardFilesError, match=re.escape(missing)):
        ToolQueryTask(subset="agentboard", agentboard=str(root), tools="weather,movie", services="http://127.0.0.1:9")


def test_a_weather_item_needs_its_date_and_city(tmp_path):
    item = {"goal": "g", "subgoals": [1], "additional_info": {"tool": "weather", "init_config": {"current_date": "x"}}}
    with pytest.raises(AgentBoardFilesError, match="line 1: .*init_config with current_date and current_location"):
        tool_samples(write_archive(tmp_path / "d", [item]), ["weather"])


def test_same_place_is_haversine_under_50_km():
    # one degree of longitude on the equator of a 6371 km sphere is 111.19 km: 0.44 degrees 48.9 km, 0.46 51.2 km
    assert same_place((0, 0), (0, 0.44)) and not same_place((0, 0), (0, 0.46))
    assert same_place((31.2, 121.5), (31.28, 121.5))  # 8.9 km


def test_located_subgoals_match_by_place_and_the_rest_each_once(tmp_path, fake_checkout, fake):
    """weather_env.update: a gold dict with latitude and longitude matches a logged one within 50 km whose other
    keys are equal; every logged subgoal is used once; other gold subgoals need an equal logged one."""
    env = env_for(fake_checkout, fake, 0, write_archive(tmp_path / "data"))
    gold = {"latitude": 10.0, "longitude": 20.0, "daily": [1]}
    env.gold = [gold, gold, "x"]
    env.subgoals = [{"latitude": 10.3, "longitude": 20.0, "daily": [1]},  # 33 km away, same rest: a match
                    {"latitude": 10.0, "longitude": 20.0, "daily": [2]},  # same place, other data: none
                    {"latitude": 11.0, "longitude": 20.0, "daily": [1]}]  # 111 km: none
    assert env.matched() == 1
    env.subgoals.append({"latitude": 9.9, "longitude": 20.1, "daily": [1]})
    env.subgoals.append("x")
    assert env.matched() == 3


def test_the_task_runs_weather_and_movie_episodes(monkeypatch, tmp_path, fake_checkout, fake):
    monkeypatch.setenv("MOVIE_KEY", TOKEN)
    replies = {"Scream": iter(['Action: get_search_movie with Action Input: {"movie_name": "Scream 6"}',
                               'get_movie_details with Action Input: {"movie_id": 934433}',
                               'finish with Action Input: {"answer": "2023-03-08"}']),
               "lowest": iter(["check_valid_actions with Action Input: {}", "get_weather"])}

    def script(request):
        goal = request.messages[1]["content"].split("Your goal: ")[1].split("\n")[0]
        return next(next((v for k, v in replies.items() if k in goal), iter(())), "finish with Action Input: {}")

    task = ToolQueryTask(subset="agentboard", agentboard=str(fake_checkout), tools="weather,movie",
                         services=fake.root, max_steps=3)
    assert task.services == fake.root  # part of the results key
    samples = [s for s in task.load(str(write_archive(tmp_path / "data"))) if s.id in ("weather/0", "movie/3")]
    engine = ScriptedEngine(script)
    store = ResultStore(tmp_path / "r.jsonl")
    result = task.run(engine, samples, store)
    first = {r.messages[0]["content"]: r.messages[1]["content"] for r in engine.requests}
    assert first["System for weather."].startswith("Use the weather tools.\n\nWorked examples:\nExample.\n")
    assert "Observation: Ask for coordinates first" in first["System for weather."]
    by_id = {r["id"]: r for r in result.records}
    movie, weather = by_id["movie/3"], by_id["weather/0"]
    assert movie["success"] and [t["progress"] for t in movie["trajectory"]] == pytest.approx([1 / 3, 2 / 3, 1.0])
    assert weather["trajectory"][0]["observation"] == "These are the valid actions: " + str(NAMES["weather"])
    assert weather["steps"] == 3 and weather["progress_rate"] == 0.0
    assert weather["grounding_acc"] == pytest.approx(1 / 3)  # the check; then a format error and a missing answer
    m = result.metrics
    assert m["tool_query/movie/success_rate"] == 1.0 and m["tool_query/weather/progress_rate"] == 0.0
    asked = len(fake.requests)
    again = task.run(ScriptedEngine(script), samples, store)  # stored live episodes keep their scores
    assert len(fake.requests) == asked and again.metrics == result.metrics


def test_movie_key_that_tmdb_refuses_fails_at_build(monkeypatch, fake_checkout, fake):
    monkeypatch.setenv("MOVIE_KEY", "not-the-token")
    with pytest.raises(LiveServiceError, match=r"movie: .*/api\.themoviedb\.org/3/authentication refused MOVIE_KEY "
                                               r"\(HTTP 401"):
        ToolQueryTask(subset="agentboard", agentboard=str(fake_checkout), tools="movie", services=fake.root)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_service_fails_at_build_naming_it(monkeypatch, fake_checkout):
    monkeypatch.setenv("MOVIE_KEY", TOKEN)
    root = f"http://127.0.0.1:{_closed_port()}"
    with pytest.raises(LiveServiceError) as caught:
        ToolQueryTask(subset="agentboard", agentboard=str(fake_checkout), tools="weather,movie", services=root)
    message = str(caught.value)
    assert f"weather: {root}/archive-api.open-meteo.com/ does not answer (ConnectionError" in message
    assert f"movie: {root}/api.themoviedb.org/3/authentication does not answer" in message
    assert "tool_query.services" in message and "tool_query.tools=academia" in message
    monkeypatch.setenv("ACBENCH_AGENTBOARD_SERVICES", root)  # the variable, when the option is not given
    with pytest.raises(LiveServiceError, match="ACBENCH_AGENTBOARD_SERVICES"):
        ToolQueryTask(subset="agentboard", agentboard=str(fake_checkout), tools="weather")


def test_a_service_that_never_answers_times_out(monkeypatch, tmp_path, fake_checkout):
    """The probe and every call have a timeout (AgentBoard's calls have none): a silent service is an error at
    build, and a timeout mid-episode ends the episode as a network error."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # accepts connections, never answers
        root = f"http://127.0.0.1:{silent.getsockname()[1]}"
        monkeypatch.setattr(services_module, "PROBE_TIMEOUT", 0.2)
        with pytest.raises(LiveServiceError, match=r"does not answer \((ReadTimeout|ConnectTimeout)"):
            ToolQueryTask(subset="agentboard", agentboard=str(fake_checkout), tools="weather", services=root)
        monkeypatch.setattr(services_module, "CALL_TIMEOUT", (0.2, 0.2))
        sample = tool_samples(write_archive(tmp_path / "data"), ["weather"])[0]
        env = AgentBoardWeatherEnv(sample, WeatherCheckout(fake_checkout), Services(root))
        observation, grounded = env.step('get_latitude_longitude with Action Input: {"name": "Paris"}')
    assert observation.startswith("FAIL | ReadTimeout(") and not grounded
    assert env.aborted and env.done and not env.success


def test_services_root_is_checked_and_used(monkeypatch):
    with pytest.raises(ConfigError, match="tool_query.services: 'ftp://x' is not an http"):
        Services.from_option("ftp://x")
    monkeypatch.setenv("ACBENCH_AGENTBOARD_SERVICES", "localhost:8080")
    with pytest.raises(ConfigError, match="ACBENCH_AGENTBOARD_SERVICES: 'localhost:8080'"):
        Services.from_option(None)
    monkeypatch.delenv("ACBENCH_AGENTBOARD_SERVICES")
    assert Services.from_option(None).url("https://api.themoviedb.org/3/movie/1") == \
        "https://api.themoviedb.org/3/movie/1"
    assert Services.from_option("http://127.0.0.1:8080/").url("https://api.themoviedb.org/3/movie/1") == \
        "http://127.0.0.1:8080/api.themoviedb.org/3/movie/1"


def test_weather_needs_geopy(monkeypatch, fake_checkout):
    monkeypatch.setitem(sys.modules, "geopy.distance", None)  # as if not installed
    with pytest.raises(ConfigError, match="geopy"):
        ToolQueryTask(subset="agentboard", agentboard=str(fake_checkout), tools="weather",
                      services="http://127.0.0.1:9")


def test_the_stand_in_answers_like_the_services(fake):
    """Sanity of the stand-in itself: TMDB wants the token; an unknown path gets the service's not-found."""
    url = fake.root + "/api.themoviedb.org/3/movie/934433"
    assert requests.get(url, timeout=5).status_code == 401
    assert requests.get(url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5).json()["title"] == "Scream VI"
    assert requests.get(fake.root + "/api.themoviedb.org/3/nothing", timeout=5,
                        headers={"Authorization": f"Bearer {TOKEN}"}).json()["status_code"] == 34
