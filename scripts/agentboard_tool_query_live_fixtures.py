"""Record what AgentBoard's own weather and movie environments answer to scripted model outputs, with their HTTP
calls sent to a local stand-in for open-meteo and TMDB (fixtures: data).

    git -C <AgentBoard clone> archive HEAD agentboard | tar -x -C /tmp/ab     # a scratch checkout
    PYTHONPATH=<geopy> python scripts/agentboard_tool_query_live_fixtures.py --agentboard /tmp/ab \
        --out tests/tasks/tool_query/fixtures/agentboard_live.json

Runs AgentBoard's `agentboard/environment/weather_env.py` (WeatherEnv, with `utils/weather/weather_tools.py`) and
`agentboard/environment/movie_env.py` (MovieEnv, with `utils/movie/movie_tools.py`), its
`extract_action_name_and_action_input` and `contains_network_error` (`utils/tool/helpers.py`) and its
VanillaAgent's `action_parser_for_special_llms`, on acbench's own test items and canned service answers
(tests/tasks/tool_query/fixtures/agentboard_live_data.json). The canned answers are served on 127.0.0.1 by
tests/tasks/tool_query/fake_services.py; the only change to AgentBoard's modules is their URL tables
(`weather_tools.URLS`, `movie_tools.URLS`), pointed at that server as `<root>/<host>/<path>` (acbench's
`tool_query.services` layout), and MOVIE_KEY is set to the stand-in's token before movie_tools reads it. acbench
is not imported. Needs requests, geopy and python-dotenv (AgentBoard's imports).

Each step follows one iteration of `EvalTool.evaluate_env` (`agentboard/tasks/tool.py`; agentboard_tool_fixtures.py,
shared with the academia script): the model output goes through the action parser, then the name/input split; no
split is a format error (no environment step, not grounded); otherwise
`env.step("Action: <name> with Action Input: <input>")`; grounded unless the observation starts with "ERROR | "; an
observation naming a network error ends the episode, as would `done`. Per step it writes the parsed action, name and
input, the kind of answer, the observation (None for a format error: its text is the task's), the progress rate
(env.reward), done, grounded, the new action-path subgoal (repr), whether the episode was aborted, and the requests
the stand-in received (host, path, query string, Authorization header).
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from agentboard_tool_fixtures import run_episode, write_fixture  # beside this script

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.join(HERE, "..", "tests", "tasks", "tool_query")
SH = '"latitude": 31.22222, "longitude": 121.45806'
SCRIPTS = [
    {"item": 0, "outputs": [  # weather: valid, invalid, check, repeated, refused, errors, goal-reaching
        "check_valid_actions with Action Input: {}",
        "Action: get_user_current_location",
        "get_user_current_location with Action Input: {}",
        "get_user_current_location with Action Input: {}",
        "get_weather with Action Input: {}",
        'get_latitude_longitude with Action Input: {name: "Shanghai"}',
        'I will look it up.\nAction: get_latitude_longitude with Action Input: {"name": "Shanghai"}',
        "get_user_current_date with Action Input: {}",
        f'get_historical_temp with Action Input: {{{SH}, "start_date": "2015-01-02", "end_date": "2015-01-02"}}',
        f'get_historical_temp with Action Input: {{{SH}, "start_date": "2014-12-31", "end_date": "2015-01-05"}}',
        f'get_historical_temp with Action Input: {{{SH}, "start_date": "2014-11-01", "end_date": "2015-01-01"}}',
        f'get_historical_temp with Action Input: {{{SH}, "start_date": "2015/01/01", "end_date": "2015-01-01"}}',
        f"get_historical_temp with Action Input: {{{SH}}}",
        'get_historical_temp with Action Input: {"latitude": 40.0, "longitude": 116.4, "start_date": "2015-01-01", '
        '"end_date": "2015-01-01"}',
        'get_historical_temp with Action Input: {"latitude": 31.3, "longitude": 121.5, "start_date": "2015-01-01", '
        '"end_date": "2015-01-01"}',
        'finish with Action Input: {"answer": -3.6}',
    ]},
    {"item": 1, "outputs": [  # weather: distance, elevation, service errors, missing fields, goal-reaching
        'get_latitude_longitude with Action Input: {"name": "Paris"}',
        'get_latitude_longitude with Action Input: {"name": "Berlin"}',
        'get_distance with Action Input: {"latitude1": 48.85341, "longitude1": 2.3488, "latitude2": 52.52437, '
        '"longitude2": 13.41053}',
        'get_distance with Action Input: {"latitude1": 100, "longitude1": 2.3488, "latitude2": 52.52437, '
        '"longitude2": 13.41053}',
        'get_elevation with Action Input: {"latitude": 52.52437, "longitude": 13.41053}',
        'get_latitude_longitude with Action Input: {"name": "Nowhere"}',
        'get_latitude_longitude with Action Input: {"name": "Lemuria"}',
        'get_historical_temp with Action Input: {"latitude": 100, "longitude": 2.35, "start_date": "2015-01-01", '
        '"end_date": "2015-01-01"}',
        'get_latitude_longitude with Action Input: {"name": "Tokyo"}',
        'convert_zipcode_to_address with Action Input: {"zipcode": "75001"}',
        'finish with Action Input: {"answer": <ANSWER>}',
    ]},
    {"item": 2, "outputs": [  # weather: air quality, forecasts, current values, cleaning, "finish" in the input
        "get_user_current_location with Action Input: {}",
        'get_latitude_longitude with Action Input: {"name": "Shanghai"}',
        f'get_historical_air_quality_index with Action Input: {{{SH}, "start_date": "2015-01-01", '
        '"end_date": "2015-01-02"}',
        f'get_current_air_quality_index with Action Input: {{{SH}, "current_date": "2015-01-03"}}',
        'get_air_quality_level with Action Input: {"air_quality_index": 32}',
        'get_air_quality_level with Action Input: {"air_quality_index": 20.5}',
        'get_air_quality_level with Action Input: {"air_quality_index": "32"}',
        f'get_temp_forecast with Action Input: {{{SH}, "start_date": "2015-01-02", "end_date": "2015-01-05"}}',
        f'get_rain_forecast with Action Input: {{{SH}, "start_date": "2015-01-04", "end_date": "2015-01-05"}}',
        f'get_snow_forecast with Action Input: {{{SH}, "start_date": "2015-01-04", "end_date": "2015-01-05"}}',
        f'get_current_rain with Action Input: {{{SH}, "current_date": "2015-01-03"}}',
        f'get_current_snow with Action Input: {{{SH}, "current_date": "2015-01-03"}}',
        f'get_current_temp with Action Input: {{{SH}, "current_date": "2015-01-03"}}',
        f'get_historical_rain with Action Input: {{{SH}, "start_date": "2014-12-25", "end_date": "2014-12-31"}}',
        f'get_historical_snow with Action Input: {{{SH}, "start_date": "2014-12-25", "end_date": "2014-12-31"}}',
        f'get_historical_temp with Action Input: {{{SH}, "start_date": "2014-12-30", "end_date": "2014-12-30"}}',
        f'get_temp_forecast with Action Input: {{{SH}, "start_date": "2015-01-04", "end_date": "2015-03-01"}}',
        'get_user_current_date with Action Input: {"note": "finish"}',
    ]},
    {"item": 0, "outputs": [  # weather: the service drops the connection: a network error ends the episode
        "get_user_current_location with Action Input: {}",
        'get_latitude_longitude with Action Input: {"name": "Atlantis"}',
        "get_user_current_date with Action Input: {}",
    ]},
    {"item": 3, "outputs": [  # movie: valid, invalid, check, repeated, refused, errors, goal-reaching
        "check_valid_actions with Action Input: {}",
        "get_search_movie",
        'get_search_movie with Action Input: {"movie_name": "Scream 6"}',
        'get_search_movie with Action Input: {"movie_name": "Scream 6"}',
        'get_movie_details with Action Input: {"movie_id": "0"}',
        "get_movie_details with Action Input: {'movie_id': 934433",
        'get_movie with Action Input: {"movie_id": 934433}',
        'get_movie_details with Action Input: {"id": 934433}',
        'Now the details.\nAction: get_movie_details with Action Input: {"movie_id": 934433}',
        'finish with Action Input: {"answer": "2023-03-08"}',
    ]},
    {"item": 4, "outputs": [  # movie: every other tool, an empty search, goal-reaching
        'get_search_movie with Action Input: {"movie_name": "Heat"}',
        'get_movie_crew with Action Input: {"movie_id": 949}',
        'get_movie_cast with Action Input: {"movie_id": 949}',
        'get_movie_keywords with Action Input: {"movie_id": 949}',
        'get_movie_production_companies with Action Input: {"movie_id": 949}',
        'get_movie_production_countries with Action Input: {"movie_id": 949}',
        'get_movie_alternative_titles with Action Input: {"movie_id": 949}',
        'get_movie_translation with Action Input: {"movie_id": 949}',
        'get_search_movie with Action Input: {"movie_name": "No Such Film"}',
        'get_search_person with Action Input: {"person_name": "Nobody At All"}',
        'get_search_person with Action Input: {"person_name": "Michael Mann"}',
        'get_person_details with Action Input: {"person_id": 638}',
        'get_person_cast with Action Input: {"person_id": 638}',
        'get_person_crew with Action Input: {"person_id": 638}',
        'get_person_external_ids with Action Input: {"person_id": 638}',
        'finish with Action Input: {"answer": "Chicago, Illinois, USA"}',
    ]},
    {"item": 4, "outputs": [  # movie: the service drops the connection
        'get_search_movie with Action Input: {"movie_name": "Heat"}',
        'get_movie_details with Action Input: {"movie_id": 1}',
    ]},
    {"item": 3, "outputs": [  # movie: a list answer is sorted
        'finish with Action Input: {"answer": ["b", "a"]}',
    ]},
]


def run_script(envs, helpers, parser, fake, item: dict, outputs: list[str]) -> dict:
    info = item["additional_info"]
    dataset = {"goal": item["goal"], "ground_truth": info["answer"], "ground_truth_subgoals": item["subgoals"],
               "tool": info["tool"]}
    if info["tool"] == "weather":  # tool.py passes these to the environment and sets them on the toolkit
        dataset.update(current_date=info["init_config"]["current_date"],
                       current_location=info["init_config"]["current_location"])
    env = envs[info["tool"]](dataset=dataset)
    path: list[dict] = []
    env.action_path = path
    outputs = [output.replace("<ANSWER>", json.dumps(info["answer"])) for output in outputs]
    return {"item": item} | run_episode(env, helpers, parser, outputs, path, requests=fake.requests)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agentboard", required=True, help="a scratch AgentBoard checkout")
    parser.add_argument("--out", required=True)
    parser.add_argument("--data", default=os.path.join(TESTS, "fixtures", "agentboard_live_data.json"))
    args = parser.parse_args()
    with open(args.data, encoding="utf-8") as f:
        data = json.load(f)
    checkout = os.path.abspath(args.agentboard)
    os.environ["PROJECT_PATH"] = checkout  # the environments read prompts/Raw/<tool>_raw.json from it
    os.environ["MOVIE_KEY"] = data["services"]["token"]  # movie_tools reads it when imported
    sys.path[:0] = [os.path.join(checkout, "agentboard"), os.path.abspath(TESTS)]
    sys.path.append(os.path.dirname(HERE))  # the repository root: the stand-in's server is tests/tasks/loopback.py
    from fake_services import FakeServices

    from agents.vanilla_agent import VanillaAgent
    from environment.movie_env import MovieEnv
    from environment.weather_env import WeatherEnv
    from utils.movie import movie_tools
    from utils.tool import helpers
    from utils.weather import weather_tools

    with FakeServices(data["services"]) as fake:
        # the one change to AgentBoard's modules: their URL tables point at the stand-in
        weather_tools.URLS.update({k: v.replace("https://", fake.root + "/") for k, v in weather_tools.URLS.items()})
        for group in movie_tools.URLS.values():
            group.update({k: v.replace("https://", fake.root + "/") for k, v in group.items()})
        records = []
        for script in SCRIPTS:
            record = run_script({"weather": WeatherEnv, "movie": MovieEnv}, helpers,
                                VanillaAgent.action_parser_for_special_llms, fake, data["items"][script["item"]],
                                script["outputs"])
            records.append(record | {"index": script["item"]})
    write_fixture(args.out, "hkust-nlp/AgentBoard agentboard/environment/weather_env.py, movie_env.py, "
                            "agentboard/utils/weather/weather_tools.py, agentboard/utils/movie/movie_tools.py",
                  scripts=records)


if __name__ == "__main__":
    main()
