"""Record what AgentBoard's own todo and sheet environments answer to scripted model outputs (fixtures: data).

    python scripts/agentboard_tool_operation_live_fixtures.py --agentboard /src/AgentBoard \
        --scratch /tmp/ab-operation --out tests/tasks/tool_operation/fixtures/agentboard_tool_operation.json

Runs AgentBoard's `agentboard/environment/todo_env.py` (TodoEnv, with `agentboard/utils/todo/todo_tools.py`) and
`agentboard/environment/sheet_env.py` (SheetEnv, with `agentboard/utils/sheet/sheets_tools.py`), its
`extract_action_name_and_action_input`, `extract_sheet_number` and `contains_network_error`
(`agentboard/utils/tool/helpers.py`) and its VanillaAgent's `action_parser_for_special_llms`, in a copy of the
checkout's `agentboard/` folder under `--scratch` (PROJECT_PATH), with acbench's own todo projects
(`agentboard/utils/todo/projects.json` of the copy), reference spreadsheet and items
(tests/tasks/tool_operation/fixtures/agentboard_tool_operation_data.json). Every HTTP request its code makes to
Todoist, Google Sheets or Google Drive is routed to the local fake of those APIs
(tests/tasks/tool_operation/fake_services.py) by rewriting the URL in requests' transport adapter; Google's token
endpoint is the fake's, named in the `credential.json` written into the copy (a service account with a fresh RSA
key). acbench is not imported. Needs requests, python-dotenv, cryptography and gspread 5.12.4 (AgentBoard pins no
version; its sheet tools call the 5.x signatures, e.g. `worksheet.update(range, values)`), e.g. in a scratch venv.

First each item's gold calls are run to fill in what AgentBoard's data holds: a todo item's subgoals (its action
path's subgoals) and an operation's answer (its todo status after them), a sheet item's answer (the sheet after
them, as JSON). Then each script runs one episode as `EvalTool.evaluate_env` (`agentboard/tasks/tool.py`) does:
the environment is built (the todo reset: its projects removed, projects.json uploaded; the sheet reset: the
reference spreadsheet copied, shared and its ownership offered), todo's date and location set from init_config,
the sheet named in the goal opened (`reset_question_env`); per model output: the action parser, the name/input
split (none: a format error, no step, not grounded), `env.step("Action: <name> with Action Input: <input>")`,
grounded unless the observation starts with "ERROR | ", an observation naming a network error ends the episode,
as does done (a todo operation's status is read then). Per step it writes the parsed action, name and input, the
observation (None for a format error: its text is the task's), the progress rate (env.reward), done, grounded,
aborted, the action path's new entry (todo: its subgoal, repr), the sheet's values after the step, and the
requests made to the fake (method, path, query, JSON body; Google's token requests aside); per script the requests
of the reset, the sheet's opening call and answer, a todo operation's final status, success and progress rate.
The outputs below are acbench's own, covering valid, failed, invalid, bad-input, `check_valid_actions`, repeated
and goal-reaching calls and a network failure (`drop`: the fake closes the connection of the step's first
request(s)).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys

from agentboard_tool_fixtures import call, parse_output, write_fixture  # beside this script

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DATA = os.path.join(ROOT, "tests", "tasks", "tool_operation", "fixtures", "agentboard_tool_operation_data.json")
ROUTES = {"https://api.todoist.com/rest/v2": "todoist_url",
          "https://sheets.googleapis.com/v4/spreadsheets": "sheets_url",
          "https://www.googleapis.com/drive/v3/files": "drive_url"}
KEY, EMAIL = "todo-key", "me@example.org"

SCRIPTS = [
    {"item": 0, "outputs": [
        "check_valid_actions with Action Input: {}",
        "Action: get_projects",
        "get_projects with Action Input: {}",
        "get_projects with Action Input: {}",
        'get_tasks with Action Input: {"project_id": "9999"}',
        'get_tasks with Action Input: {"project": "2005"}',
        "get_task with Action Input: {}",
        "I check the date.\nAction: get_user_current_date with Action Input: {}",
        'get_tasks with Action Input: {"project_id": "2005"}',
        'get_task_description with Action Input: {"task_id": "2006"}',
        'get_task_description with Action Input: {"task_id": "1"}',
        'Action: finish with Action Input: {"answer": "2024-05-03"}',
    ]},
    {"item": 1, "outputs": [
        "get_projects with Action Input: {}",
        'get_tasks with Action Input: {"project_id": "2005"}',
        'complete_task with Action Input: {"task_id": "2007"}',
        'complete_task with Action Input: {"task_id": "2007"}',
        'update_task with Action Input: {"task_id": "2006", "due_date": "2024-05-10"}',
        'finish with Action Input: {"answer": "done"}',
    ]},
    {"item": 1, "drop": {1: 1}, "outputs": [
        "get_projects with Action Input: {}",
        'get_tasks with Action Input: {"project_id": "2005"}',
        'complete_task with Action Input: {"task_id": "2007"}',
    ]},
    {"item": 2, "outputs": [
        "get_projects with Action Input: {}",
        'get_tasks with Action Input: {"project_id": "2002"}',
        'update_project with Action Input: {"project_id": "2002", "is_favorite": True}',
        'delete_task with Action Input: {"task_id": "2003"}',
        'delete_task with Action Input: {"task_id": "2003"}',
        'finish with Action Input: {"answer": "done"}',
    ]},
    {"item": 3, "outputs": [
        "get_user_current_location with Action Input: {}",
        "get_projects with Action Input: {node: 1}",
        "get_projects with Action Input: {}",
        'get_tasks with Action Input: {"project_id": "2002"}',
        'get_task_duration with Action Input: {"task_id": "2003"}',
        'get_task_duration with Action Input: {"task_id": "2004"}',
        'finish with Action Input: {"answer": ["Water the roses", "Plant tomato seedlings"]}',
    ]},
    {"item": 3, "outputs": [
        "get_projects with Action Input: {}",
        'get_task_description with Action Input: {"task_id": "2004", "note": "finish later"}',
    ]},
    {"item": 4, "outputs": [
        "check_valid_actions with Action Input: {}",
        "get_all_values with Action Input: {}",
        'get_cell_value with Action Input: {"position": "C4"}',
        'get_A1_annotation with Action Input: {"row": 0, "col": 1}',
        'get_A1_annotation with Action Input: {"row": 4, "col": 3}',
        "update_cell with Action Input: {\"position\": \"C4\", value=20}",
        'update_cell with Action Input: {"position": "C4", "value": "20"}',
        'update_cell with Action Input: {"position": "C4", "value": "20"}',
        "Action: finish with Action Input: {}",
    ]},
    {"item": 5, "outputs": [
        'update_cell_by_formula with Action Input: {"position_list": ["B2", "C2"], "operator": "SUM", '
        '"result_position": "D2"}',
        'get_value_by_formula with Action Input: {"start_position": "B3", "end_position": "C3", "operator": "SUM"}',
        'get_value_by_formula with Action Input: {"position_list": ["B4", "C4"], "operator": "DIVIDE"}',
        'update_cell_by_formula with Action Input: {"start_position": "B3", "end_position": "C3", "operator": "SUM", '
        '"result_position": "D3"}',
        'update_range with Action Input: {"start_position": "D4", "end_position": "D4", "values_list": [[148]]}',
        'freeze_data with Action Input: {"dimension": "row", "num": 1}',
        'freeze_data with Action Input: {"dimension": "rows", "num": 1}',
        'sort_sheet_by_col with Action Input: {"col_num": 4, "order": "des"}',
        'filter_cells with Action Input: {"query": "Ana"}',
        'get_range_values with Action Input: {"start_position": "A1", "end_position": "B2"}',
        "finish with Action Input: {}",
    ]},
    {"item": 6, "outputs": [
        'open_sheet with Action Input: {"name": "Sheet9"}',
        'del_sheet with Action Input: {"name": "Sheet3"}',
        'delete_batch_data with Action Input: {"dimension": "row", "index_list": [3]}',
        'insert_rows with Action Input: {"values_list": ["Kyiv", 3100], "row_idx": 4}',
        'insert_rows with Action Input: {"values_list": [["Kyiv", "3100"]], "row_idx": 4}',
        'merge_cells with Action Input: {"start_position": "A5", "end_position": "B5"}',
        'update_note with Action Input: {"position": "A2", "content": "capital"}',
        'get_note with Action Input: {"position": "A2"}',
        'insert_cols with Action Input: {"values_list": [["Rank", 1, 2, 3]], "col_idx": 3}',
        "finish with Action Input: {}",
    ]},
    {"item": 4, "drop": {1: 1}, "outputs": [
        "get_all_values with Action Input: {}",
        'update_cell with Action Input: {"position": "C4", "value": "20"}',
        "finish with Action Input: {}",
    ]},
]


def load_fake():
    """The fake (tests/tasks/tool_operation/fake_services.py and its parts), imported from the repository root."""
    sys.path.insert(0, ROOT)
    from tests.tasks.tool_operation import fake_services

    return fake_services


def credential(token_url: str) -> dict:
    """A service-account file (a fresh RSA key) whose token endpoint is the fake's."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    return {"type": "service_account", "project_id": "acbench-test", "private_key_id": "k1", "private_key": pem,
            "client_email": "runner@acbench-test.iam.gserviceaccount.com", "client_id": "1",
            "token_uri": token_url}


def route(fake) -> None:
    """Send every request for the real services to the fake (and refuse any other host)."""
    import requests.adapters

    send = requests.adapters.HTTPAdapter.send

    def routed(self, request, *args, **kwargs):
        for real, attribute in ROUTES.items():
            if request.url.startswith(real):
                request.url = getattr(fake, attribute) + request.url[len(real):]
                break
        else:
            if not request.url.startswith(fake.url):
                raise RuntimeError(f"unrouted request: {request.url}")
        return send(self, request, *args, **kwargs)

    requests.adapters.HTTPAdapter.send = routed


class Runner:
    def __init__(self, fake, modules):
        self.fake = fake
        self.todo_env, self.sheet_env, self.helpers, self.parser = modules

    def calls(self, since: int) -> list[list]:
        return [list(call) for call in self.fake.calls[since:]]

    def build(self, item: dict, subgoals: list, answer):
        info = item["additional_info"]
        dataset = {"goal": item["goal"], "ground_truth": answer, "ground_truth_subgoals": subgoals,
                   "tool": info["tool"]}
        if info["tool"] == "todo":
            env = self.todo_env(dataset)
            env.todo_toolkits.current_date = info["init_config"]["current_date"]
            env.todo_toolkits.current_location = info["init_config"]["current_location"]
            return env, None
        env = self.sheet_env(dataset)
        action, observation = env.reset_question_env(item["goal"], self.helpers.extract_sheet_number(item["goal"]))
        return env, {"action": action, "observation": observation}

    def status(self, env) -> dict:
        """EvalTool.get_todo_status: projects and tasks without ids."""
        _, projects = env.todo_toolkits._get_all_projects()
        _, tasks = env.todo_toolkits._get_all_tasks()
        for entry in projects + tasks:
            entry.pop("id")
        return {"projects": projects, "tasks": tasks}

    def episode(self, item: dict, outputs: list[str], drops: dict | None = None, subgoals=None, answer=None) -> dict:
        self.fake.reset()
        info = item["additional_info"]
        subgoals = item["subgoals"] if subgoals is None else subgoals
        answer = info.get("answer") if answer is None else answer
        env, opening = self.build(item, subgoals, answer)
        path: list[dict] = []
        env.action_path = path
        record = {"reset_calls": self.calls(0), "opening": opening, "status": None, "steps": []}
        done = False
        for number, output in enumerate(outputs):
            if drops and number in drops:
                self.fake.drop(drops[number])
            since, before = len(self.fake.calls), len(path)
            step = parse_output(self.helpers, self.parser, output)
            try:
                if step["input"] is None:
                    observation, done, grounded = None, False, False
                else:
                    observation, done = call(env, step, path)
                    grounded = not observation.startswith("ERROR | ")
                aborted = observation is not None and self.helpers.contains_network_error(observation)
                step.update(observation=observation, reward=env.reward, done=bool(done), grounded=grounded,
                            aborted=aborted, raised=None)
                if done and not aborted and info["tool"] == "todo" and info.get("goal_type") == 1:
                    record["status"] = self.status(env)  # tool.py reads it at once, inside the step loop
            except Exception as error:  # noqa: BLE001 - tool.py ends the episode on any exception
                done, aborted = False, True
                step.update(observation=None, reward=env.reward, done=False, grounded=False, aborted=True,
                            raised=f"{type(error).__name__}({error})")
            step["subgoal"] = repr(path[-1]["Subgoal"]) if len(path) > before and "Subgoal" in path[-1] else None
            step["values"] = getattr(env, "observation_space", None) if info["tool"] == "sheet" else None
            step["calls"] = self.calls(since)
            record["steps"].append(step)
            if done or aborted:
                break
        if done and info["tool"] == "todo" and info.get("goal_type") == 1:
            record["success"] = record["status"] == answer and env.reward == 1.0
        else:
            record["success"] = bool(done) and env.reward == 1.0
        record["progress_rate"] = env.reward
        return record

    def gold(self, entry: dict) -> dict:
        """The item as AgentBoard's data holds it: subgoals and answer from its gold calls."""
        item = json.loads(json.dumps(entry["line"]))
        info = item["additional_info"]
        self.fake.reset()
        env, _ = self.build(item, ["-"], info.get("answer", '[["-"]]'))  # placeholders: not scored here
        path: list[dict] = []
        env.action_path = path
        for output in entry["gold"]:
            name, action_input = self.helpers.extract_action_name_and_action_input(output)
            env.step("Action: " + name + " with Action Input: " + action_input, action_path=path)
        if info["tool"] == "todo":
            item["subgoals"] = json.loads(json.dumps([p["Subgoal"] for p in path]))
            if info["goal_type"] == 1:
                info["answer"] = json.loads(json.dumps(self.status(env)))
        else:
            info["answer"] = json.dumps(env.sheet_toolkits.get_all_values()[1])
        return item


def prepare(checkout: str, scratch: str, data: dict, fake) -> None:
    """A copy of the checkout's agentboard/ under `scratch` with acbench's projects and a credential file."""
    target = os.path.join(scratch, "agentboard")
    if os.path.exists(target):
        shutil.rmtree(target)
    shutil.copytree(os.path.join(checkout, "agentboard"), target)
    with open(os.path.join(target, "utils", "todo", "projects.json"), "w", encoding="utf-8") as f:
        json.dump(data["projects"], f, indent=1)
    with open(os.path.join(target, "utils", "sheet", "credential.json"), "w", encoding="utf-8") as f:
        json.dump(credential(fake.token_url), f)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agentboard", required=True, help="an AgentBoard checkout")
    parser.add_argument("--scratch", required=True, help="a folder for the copy of its agentboard/ (PROJECT_PATH)")
    parser.add_argument("--out", required=True)
    parser.add_argument("--data", default=DATA)
    args = parser.parse_args()
    with open(args.data, encoding="utf-8") as f:
        data = json.load(f)
    checkout, scratch = os.path.abspath(args.agentboard), os.path.abspath(args.scratch)
    os.makedirs(scratch, exist_ok=True)
    fake_module = load_fake()
    # AgentBoard's reference spreadsheet id, read from its tools' source (the fake serves our sheets under it)
    import ast

    tree = ast.parse(open(os.path.join(checkout, "agentboard/utils/sheet/sheets_tools.py"), encoding="utf-8").read())
    reference_id = next(v.value for n in ast.walk(tree) if isinstance(n, ast.Dict)
                        for k, v in zip(n.keys, n.values)
                        if isinstance(k, ast.Constant) and k.value == "REFERENCE_SHEET_ID")
    with fake_module.FakeServices(todo_key=KEY, reference=data["reference"], reference_id=reference_id) as fake:
        prepare(checkout, scratch, data, fake)
        os.environ.update(PROJECT_PATH=scratch, TODO_KEY=KEY, SHEET_EMAIL=EMAIL)
        route(fake)
        sys.path[:0] = [os.path.join(scratch, "agentboard")]
        from agents.vanilla_agent import VanillaAgent
        from environment.sheet_env import SheetEnv
        from environment.todo_env import TodoEnv
        from utils.tool import helpers

        runner = Runner(fake, (TodoEnv, SheetEnv, helpers, VanillaAgent.action_parser_for_special_llms))
        items = [runner.gold(entry) for entry in data["items"]]
        records = [runner.episode(items[s["item"]], s["outputs"], s.get("drop"))
                   | {"index": s["item"], "drop": sorted(s.get("drop", {}).items())} for s in SCRIPTS]
    import gspread

    write_fixture(args.out, "hkust-nlp/AgentBoard agentboard/environment/todo_env.py, sheet_env.py, "
                            "agentboard/utils/todo/todo_tools.py, agentboard/utils/sheet/sheets_tools.py",
                  gspread=gspread.__version__, reference_id=reference_id, todo_key=KEY, sheet_email=EMAIL, items=items,
                  scripts=records)


if __name__ == "__main__":
    main()
