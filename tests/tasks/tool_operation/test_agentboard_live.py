"""AgentBoard's todo and sheet episodes (tool_operation.subset=agentboard) against a local fake of Todoist and Google
Sheets/Drive, checked against AgentBoard's own code's outputs on the same fake.

Fixtures (scripts/agentboard_tool_operation_live_fixtures.py ran AgentBoard's todo_env.py/todo_tools.py and
sheet_env.py/sheets_tools.py, with gspread 5.12.4, against fake_services.py):
- fixtures/agentboard_tool_operation_data.json: acbench's own projects, reference spreadsheet and items;
- fixtures/agentboard_tool_operation.json: the items as AgentBoard's data holds them (subgoals and answers from the
  gold calls) and, per scripted model output, AgentBoard's observation, progress rate, done, grounding, abort,
  subgoal, sheet values and the HTTP requests its tools made. Without a checkout every step's r, done, grounding,
  abort, requests, sheet values and every observation and subgoal made of data is compared (texts of the stand-in
  checkout below hold "ACB"); with a checkout ($ACBENCH_AGENTBOARD_DIR) every observation and subgoal too.
"""

import json
import os
import re
import shutil
import socket
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acbench.engines.scripted import ScriptedEngine
from acbench.errors import ConfigError
from acbench.tasks.agentic.agentboard import AgentBoardFilesError
from acbench.tasks.agentic.agentboard_live import LiveServiceError
from acbench.tasks.base import ResultStore, Sample
from acbench.tasks.tool_operation.agentboard import OperationCheckout, operation_samples
from acbench.tasks.tool_operation.sheet_live import match_score
from acbench.tasks.tool_operation.task import ToolOperationTask
from acbench.tasks.tool_operation.todo_live import AgentBoardTodoEnv, TodoistClient
from tests.tasks.tool_operation.fake_services import FakeServices

gspread = pytest.importorskip("gspread", reason="gspread is a hard dependency (pyproject.toml)")
from acbench.tasks.tool_operation.sheet_live import AgentBoardSheetEnv, SheetsService  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"
DATA = json.loads((FIXTURES / "agentboard_tool_operation_data.json").read_text())
RECORDED = json.loads((FIXTURES / "agentboard_tool_operation.json").read_text())
CHECKOUT = os.environ.get("ACBENCH_AGENTBOARD_DIR")
needs_checkout = pytest.mark.skipif(
    not CHECKOUT or not (Path(CHECKOUT) / "agentboard/environment/sheet_env.py").is_file(),
    reason="no AgentBoard checkout in $ACBENCH_AGENTBOARD_DIR (its repository is not reachable from CI)")
TODO_NAMES = ["get_user_current_date", "get_user_current_location", "get_projects", "update_project", "get_tasks",
              "get_task_description", "get_task_duration", "complete_task", "update_task", "delete_task",
              "check_valid_actions", "finish"]
SHEET_NAMES = ["open_sheet", "del_sheet", "freeze_data", "get_A1_annotation", "insert_cols", "insert_rows",
               "delete_batch_data", "update_cell", "update_cell_by_formula", "update_range", "sort_sheet_by_col",
               "merge_cells", "update_note", "get_all_values", "get_range_values", "get_cell_value",
               "get_value_by_formula", "filter_cells", "get_note", "finish"]

# a stand-in checkout with acbench's own wording ("ACB"), in AgentBoard's file layout (read with ast, never run)
FILES = {
    "agentboard/utils/todo/todo_tools.py": '''
def log_path(func):
    def wrapper(*args, **kwargs):
        return "ACB call " + func.__name__ + " on " + str(kwargs) + " broke"
    return wrapper

class todo_toolkits:
    def get_projects(self):
        return "Inbox"
    def update_project(self, project_id=None, is_favorite=None):
        return "ACB project saved."
    def complete_task(self, task_id=None):
        return f"ACB no task {task_id}.", "ACB task closed."
    def update_task(self, task_id=None, due_date=None):
        return "ACB task moved"
    def delete_task(self, task_id=None):
        return f"ACB no task {task_id}.", "ACB task removed."
''',
    "agentboard/environment/todo_env.py": '''
class TodoEnv:
    def step(self, action, action_path=None):
        return "FAIL | ", "ACB valid actions: {}", "FAIL | Invalid ACB call {}!"
''',
    "agentboard/utils/sheet/sheets_tools.py": f'''
AUTHORIZATION = {{"API_JSON": "credential.json", "REFERENCE_SHEET_ID": "{RECORDED["reference_id"]}"}}

def validate_A1_annotation(input_str):
    return r"^[A-Z][0-9]+$"

def log_path(func):
    def wrapper(self, *args, **kwargs):
        return "ACB: no sheet is open"
    return wrapper

class sheet_toolkits:
    def freeze_data(self, dimension, num):
        return "rows", "columns", "ACB bad freeze dimension", f"ACB froze {{dimension}} {{num}}"
    def delete_batch_data(self, dimension, index_list):
        return "row", "ACB keep some of the sheet", "col", "ACB keep some of the sheet", "ACB row or col only"
    def update_cell_by_formula(self, start_position, end_position, position_list, result_position, operator):
        ops = ["SUM", "AVERAGE", "COUNT", "MAX", "MIN", "MINUS", "PRODUCT"]
        return ("ACB operator not in [SUM, AVERAGE, COUNT, MAX, MIN, MINUS, PRODUCT]",
                f"={{operator}}({{start_position}}:{{end_position}})", f"={{operator}}({{position_list}})",
                "ACB use A1 cells")
    def update_range(self, start_position, end_position, values_list):
        return "ACB not the whole sheet"
    def update_note(self, position, content):
        return "ACB note of {{}} is {{}}"
    def get_value_by_formula(self, start_position, end_position, position_list, operator):
        return "ACB operator not in [...]", "ACB A1 range cells", "ACB A1 list cells"
''',
    "agentboard/environment/sheet_env.py": '''
class SheetEnv:
    def step(self, action, action_path=None):
        return "FAIL | ", "FAIL | Invalid ACB call {}; use one of {}"
    def reset_question_env(self, question, sheet_name):
        self.step(f"Action: open_sheet with Action Input:{{'name': '{sheet_name}'}}")
        action = f"open_sheet with Action Input: {{'name': '{sheet_name}'}}"
        observation = f"ACB opened {sheet_name}\\n"
''',
    "agentboard/utils/tool/helpers.py": '''
def parse_action(string):
    raise Exception("ACB input is no literal.")

def extract_sheet_number(s):
    match = re.search(r'"Sheet([0-9]+)"', s)
    return "Sheet" + match.group(1)

def contains_network_error(observation):
    network_errors = ["ConnectionError", "HTTPError"]
''',
    "agentboard/tasks/tool.py": '''
class EvalTool:
    def evaluate_env(self, id):
        weather = "ACB: ask for coordinates first, then call 'finish' when you are done."
        other = "ACB: call 'finish' when done."
        bad = "ACB bad format: write Action: <tool> with Action Input: <input>"
''',
    "agentboard/agents/vanilla_agent.py": '''
class VanillaAgent:
    def make_prompt(self, need_goal=False, check_actions="check valid actions", check_inventory="inventory"):
        query = "\\nWorked examples:\\n" + "Your goal: " + "Help command: " + "Help command: inventory\\n"
        return query + "\\n" + ": " + "\\nAction: "
''',
    "agentboard/prompts/VanillaAgent/todo_prompt.json": json.dumps(
        {"system_msg": "System for todo.", "instruction": "Use the todo tools.\n", "examples": ["Todo example."]}),
    "agentboard/prompts/VanillaAgent/sheet_prompt.json": json.dumps(
        {"system_msg": "System for sheets.", "instruction": "Use the sheet tools.\n", "examples": "Sheet example."}),
    "agentboard/prompts/Raw/todo_raw.json": json.dumps({"tool_set_message": [{"name": n} for n in TODO_NAMES]}),
    "agentboard/prompts/Raw/sheet_raw.json": json.dumps({"tool_set_message": [{"name": n} for n in SHEET_NAMES]}),
    "agentboard/utils/todo/projects.json": json.dumps(DATA["projects"]),
}
CHECKOUT_FILES = sorted(set(FILES) - {"agentboard/utils/todo/projects.json"}) + ["agentboard/utils/todo/projects.json"]


@pytest.fixture(scope="module")
def credential_key() -> dict:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    return {"type": "service_account", "project_id": "acbench-test", "private_key_id": "k1", "private_key": pem,
            "client_email": "runner@acbench-test.iam.gserviceaccount.com", "client_id": "1"}


@pytest.fixture
def fake(monkeypatch):
    with FakeServices(todo_key=RECORDED["todo_key"], reference=DATA["reference"],
                      reference_id=RECORDED["reference_id"]) as services:
        monkeypatch.setenv("ACBENCH_TODOIST_URL", services.todoist_url)
        monkeypatch.setenv("ACBENCH_SHEETS_URL", services.sheets_url)
        monkeypatch.setenv("ACBENCH_DRIVE_URL", services.drive_url)
        monkeypatch.setenv("TODO_KEY", RECORDED["todo_key"])
        monkeypatch.setenv("SHEET_EMAIL", RECORDED["sheet_email"])
        yield services


def write_checkout(root: Path, token_url: str, key: dict, skip: str | None = None, source: Path | None = None) -> Path:
    """The stand-in checkout (or, with `source`, a copy of a real checkout's files with the test's projects.json),
    and a credential file whose token endpoint is the fake's."""
    for relative, text in FILES.items():
        if relative == skip:
            continue
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        if source is not None and relative != "agentboard/utils/todo/projects.json":
            shutil.copyfile(source / relative, root / relative)
        else:
            (root / relative).write_text(text)
    (root / "agentboard/utils/sheet").mkdir(parents=True, exist_ok=True)
    (root / "agentboard/utils/sheet/credential.json").write_text(json.dumps(dict(key, token_uri=token_url)))
    return root


@pytest.fixture
def checkout(tmp_path, fake, credential_key) -> OperationCheckout:
    return OperationCheckout(write_checkout(tmp_path / "AgentBoard", fake.token_url, credential_key), ["todo", "sheet"])


def write_items(folder: Path, items: list[dict]) -> Path:
    (folder / "tool-operation").mkdir(parents=True, exist_ok=True)
    (folder / "tool-operation" / "test.jsonl").write_text("".join(json.dumps(i) + "\n" for i in items))
    return folder


def subgoals_for(checkout: OperationCheckout, index: int) -> list:
    """The item's gold subgoals as the checkout's tools word them: a gold call's result carries the checkout's
    message (with AgentBoard's own checkout: the recorded subgoals unchanged)."""
    todo = checkout.todo
    messages = {"complete_task": todo.task_completed, "update_task": todo.task_updated,
                "delete_task": todo.task_deleted, "update_project": todo.project_updated}
    subgoals = []
    for call, subgoal in zip(DATA["items"][index]["gold"], RECORDED["items"][index]["subgoals"]):
        name = call.split(" with ")[0]
        subgoals.append(dict(subgoal, message=messages[name]) if name in messages else subgoal)
    return subgoals


def sample_of(index: int, checkout: OperationCheckout | None = None) -> Sample:
    item = RECORDED["items"][index]
    info = item["additional_info"]
    subgoals = subgoals_for(checkout, index) if checkout is not None and info["tool"] == "todo" else item["subgoals"]
    return Sample(id=f"{info['tool']}/{index}", target=info.get("answer"), data={
        "goal": item["goal"], "subgoals": subgoals, "init_config": info.get("init_config"),
        "goal_type": info.get("goal_type"), "answer": info.get("answer"), "tool": info["tool"]})


def make_env(checkout: OperationCheckout, index: int, email: str = RECORDED["sheet_email"]):
    sample = sample_of(index, checkout)
    if sample.data["tool"] == "todo":
        return AgentBoardTodoEnv(sample, checkout, TodoistClient(RECORDED["todo_key"]))
    service = SheetsService(checkout.credential, email, checkout.sheet.reference_id)
    return AgentBoardSheetEnv(sample, checkout, service, pause=0)


def data_made(text: str | None) -> bool:
    """An observation or subgoal without the stand-in checkout's wording: made of the services' data only."""
    return text is not None and "ACB" not in text


def replay(fake, checkout, number: int, full: bool) -> None:
    """Script `number` through acbench's environment on a fresh fake, step by step against AgentBoard's record."""
    script = RECORDED["scripts"][number]
    fake.reset()
    env = make_env(checkout, script["index"])
    first = env.reset()
    assert first == checkout.texts.first_observation
    assert fake.calls == script["reset_calls"]
    if script["opening"] is not None:
        action, observation = env.layout.opening
        assert action == script["opening"]["action"]
        ours = observation.split("\n", 1)[1]
        assert ours == script["opening"]["observation"].split("\n", 1)[1]
        assert observation == script["opening"]["observation"] or not full
    drops = dict(script["drop"])  # step -> requests the fake answers by closing the connection
    prefix = checkout.todo.error if checkout.todo else checkout.sheet.error
    for count, step in enumerate(script["steps"]):
        where = f"script {number} step {count} ({step['output']!r})"
        if count in drops:
            fake.drop(drops[count])
        since, before = len(fake.calls), len(getattr(env, "subgoals", []))
        action = env.extract_action(step["output"])
        assert action == ("" if step["name"] is None else f"{step['name']} with Action Input: {step['input']}"), where
        observation, grounded = env.step(action)
        assert (grounded, env.aborted) == (step["grounded"], step["aborted"] or step["raised"] is not None), where
        assert env.reward == pytest.approx(step["reward"]) and env.done == (step["done"] or step["aborted"]), where
        assert fake.calls[since:] == step["calls"], where
        if step["values"] is not None:
            assert env.observation_space == step["values"], where
        theirs = step["observation"]
        if theirs is None:  # a format error: the task's text
            assert observation == checkout.texts.format_error, where
        elif full or data_made(observation):
            # the stand-in's error prefix is its own: what follows it is data
            ours = observation.replace(prefix, "ERROR | ", 1) if not full and observation.startswith(prefix) \
                else observation
            assert ours == theirs, where
        if step["subgoal"] is not None:
            assert len(env.subgoals) == before + 1, where
            if full or data_made(repr(env.subgoals[-1])):
                assert repr(env.subgoals[-1]) == step["subgoal"], where
    assert env.success == script["success"] and env.reward == pytest.approx(script["progress_rate"])
    if script["status"] is not None:
        assert env.final_status == script["status"]


@pytest.mark.parametrize("number", range(len(RECORDED["scripts"])))
def test_replays_agentboards_outputs_and_requests(fake, checkout, number):
    replay(fake, checkout, number, full=False)


@needs_checkout
@pytest.mark.parametrize("number", range(len(RECORDED["scripts"])))
def test_every_observation_equals_agentboards(tmp_path, fake, credential_key, number):
    root = write_checkout(tmp_path / "copy", fake.token_url, credential_key, source=Path(CHECKOUT))
    replay(fake, OperationCheckout(root, ["todo", "sheet"]), number, full=True)


def test_checkout_texts_are_read_not_copied(checkout):
    todo, sheet = checkout.todo, checkout.sheet
    assert todo.failed == ("ACB call ", " on ", " broke") and todo.inbox == "Inbox"
    assert (todo.project_updated, todo.task_missing, todo.task_completed) == (
        "ACB project saved.", "ACB no task {}.", "ACB task closed.")
    assert (todo.task_updated, todo.task_deleted, todo.error) == ("ACB task moved", "ACB task removed.", "FAIL | ")
    assert (todo.valid_lead, todo.invalid) == ("ACB valid actions: {}", "FAIL | Invalid ACB call {}!")
    assert todo.projects == DATA["projects"]
    assert sheet.reference_id == RECORDED["reference_id"] and sheet.no_sheet == "ACB: no sheet is open"
    assert (sheet.freeze_dimensions, sheet.bad_freeze, sheet.frozen) == (
        ("rows", "columns"), "ACB bad freeze dimension", "ACB froze {} {}")
    assert (sheet.delete_dimensions, sheet.whole_delete, sheet.bad_dimension) == (
        ("row", "col"), "ACB keep some of the sheet", "ACB row or col only")
    assert sheet.operators == ("SUM", "AVERAGE", "COUNT", "MAX", "MIN", "MINUS", "PRODUCT")
    assert (sheet.range_formula, sheet.list_formula, sheet.formula_a1) == ("={}({}:{})", "={}({})",
                                                                            "ACB use A1 cells")
    assert (sheet.value_a1_range, sheet.value_a1_list) == ("ACB A1 range cells", "ACB A1 list cells")
    assert (sheet.whole_update, sheet.note_updated, sheet.a1_pattern) == (
        "ACB not the whole sheet", "ACB note of {} is {}", "^[A-Z][0-9]+$")
    assert (sheet.opening_action, sheet.opening_lead) == ("open_sheet with Action Input: {{'name': '{}'}}",
                                                          "ACB opened {}\n")
    assert (sheet.sheet_pattern, sheet.sheet_prefix, sheet.invalid) == (
        '"Sheet([0-9]+)"', "Sheet", "FAIL | Invalid ACB call {}; use one of {}")
    assert checkout.texts.first_observation == "ACB: call 'finish' when done."
    assert checkout.layout("sheet").examples == ["Sheet example."]  # a string example is not split
    assert checkout.names == {"todo": TODO_NAMES, "sheet": SHEET_NAMES}


@pytest.mark.parametrize("missing", sorted(FILES))
def test_a_checkout_without_a_file_names_it(tmp_path, fake, credential_key, missing):
    root = write_checkout(tmp_path / "ab", fake.token_url, credential_key, skip=missing)
    with pytest.raises(AgentBoardFilesError, match=re.escape(missing)):
        ToolOperationTask(subset="agentboard", agentboard=str(root), sheet_pause=0)


def test_the_progress_rate_of_todo_by_hand(fake, checkout):
    """r = max over steps of gold subgoals matched (each logged subgoal used once) / gold; "Invalid" skips it."""
    env = make_env(checkout, 0)  # gold: the projects, Errands' tasks, "2024-05-03"
    env.reset()
    rates = []
    for action in ["get_projects with Action Input: {}", "get_projects with Action Input: {}",
                   'get_tasks with Action Input: {"project_id": "2002"}',
                   'get_tasks with Action Input: {"project_id": "2005"}',
                   'finish with Action Input: {"answer": "2024-05-04"}']:
        env.step(action)
        rates.append(env.reward)
    # a second copy of the projects matches nothing; Garden's tasks are not gold; a wrong answer: 2/3, done
    assert rates == [pytest.approx(1 / 3)] * 3 + [pytest.approx(2 / 3)] * 2
    assert env.done and not env.success
    env.reset()  # the account is set up again (new ids, as Todoist gives), r back to 0
    assert env.reward == 0.0 and env.subgoals == [] and not env.done
    observation, grounded = env.step('delete_task with Action Input: {"task_id": "2006"}')
    assert (observation, grounded, env.last_kind) == ("ACB no task 2006.", True, "failed")
    assert env.subgoals == ["ACB call delete_task on {'task_id': '2006'} broke"]
    observation, _ = env.step('get_task_description with Action Input: {"task_id": "2012"}')
    assert "Buy printer paper" in observation


@pytest.mark.parametrize("sheet, target, expected", [
    ([["a", "b"], ["c", "d"]], [["a", "b"], ["c", "x"]], 0.75),
    ([["a", "b", "z"], ["c", "d", "z"], ["e", "f", "z"]], [["a", "b"], ["c", "x"]], 0.75),  # the top-left overlap
    ([["a"]], [["a", "b"], ["c", "d"]], 1.0),  # a one-cell sheet equal to the target's corner
    ([], [["a"]], 0),
    ("ACB: no sheet is open", [["a"]], 0.0),
    ("C", [["C", "b"], ["c", "d"]], 1.0),  # the no-sheet message's [1]: indexed like a sheet, as upstream does
])
def test_the_sheet_match_by_hand(sheet, target, expected):
    assert match_score(sheet, target, "ACB: no sheet is open") == expected


def test_items_are_numbered_by_line_and_checked(tmp_path):
    items = RECORDED["items"]
    folder = write_items(tmp_path / "data", [items[0], {"goal": "g", "additional_info": {"tool": "weather"}},
                                             items[4]])
    samples = operation_samples(folder, ["todo", "sheet"])
    assert [s.id for s in samples] == ["todo/0", "sheet/2"] and samples[1].data["group"] == "sheet"
    assert [s.id for s in operation_samples(folder / "tool-operation", ["sheet"])] == ["sheet/2"]
    bad = dict(items[0], subgoals=[])
    with pytest.raises(AgentBoardFilesError, match="line 1: a todo item needs a non-empty subgoals"):
        operation_samples(write_items(tmp_path / "b1", [bad]), ["todo"])
    bad = dict(items[4], additional_info=dict(items[4]["additional_info"], answer="[1, 2]"))
    with pytest.raises(AgentBoardFilesError, match="line 1: a sheet item needs its final sheet"):
        operation_samples(write_items(tmp_path / "b2", [bad]), ["sheet"])
    bad = dict(items[1], additional_info=dict(items[1]["additional_info"], answer="done"))
    with pytest.raises(AgentBoardFilesError, match="goal_type 1.*final todo status"):
        operation_samples(write_items(tmp_path / "b3", [bad]), ["todo"])
    with pytest.raises(AgentBoardFilesError, match=r"tool-operation/test\.jsonl"):
        operation_samples(tmp_path / "nothing", ["todo"])


def test_missing_keys_and_credential_are_named_when_the_task_is_built(monkeypatch, tmp_path):
    monkeypatch.delenv("TODO_KEY", raising=False)
    monkeypatch.setenv("SHEET_EMAIL", "me@example.org")
    with pytest.raises(LiveServiceError) as caught:
        ToolOperationTask(subset="agentboard", agentboard=str(tmp_path))
    message = str(caught.value)
    assert "todo calls Todoist and needs TODO_KEY (not set)" in message and "SHEET_EMAIL" not in message
    assert f"{tmp_path}/agentboard/utils/sheet/credential.json (missing)" in message
    assert "api_keys_tool.md" in message and "tool_operation.subset=acbench" in message
    monkeypatch.delenv("ACBENCH_AGENTBOARD_DIR", raising=False)
    monkeypatch.delenv("SHEET_EMAIL")
    with pytest.raises(LiveServiceError, match=r"sheet calls Google Sheets and needs SHEET_EMAIL \(not set\), "
                                               r"<AgentBoard checkout>/agentboard/utils/sheet/credential\.json"):
        ToolOperationTask(subset="agentboard", tools="sheet")
    assert ToolOperationTask().subset == "acbench"  # the default: acbench's simulators, no keys


def _closed_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def test_unreachable_or_refusing_services_fail_when_the_task_is_built(monkeypatch, tmp_path, fake, credential_key):
    root = write_checkout(tmp_path / "ab", fake.token_url, credential_key)
    monkeypatch.setenv("ACBENCH_TODOIST_URL", _closed_port())
    with pytest.raises(LiveServiceError, match="Todoist at http://127.0.0.1:[0-9]+ did not answer within 10 s"):
        ToolOperationTask(subset="agentboard", agentboard=str(root), tools="todo")
    monkeypatch.setenv("ACBENCH_TODOIST_URL", fake.todoist_url)
    monkeypatch.setenv("TODO_KEY", "wrong")
    with pytest.raises(LiveServiceError, match=r"refused TODO_KEY \(HTTP 401"):
        ToolOperationTask(subset="agentboard", agentboard=str(root), tools="todo")
    monkeypatch.setenv("ACBENCH_DRIVE_URL", _closed_port())
    with pytest.raises(LiveServiceError, match="Google Drive at .* did not answer within 10 s"):
        ToolOperationTask(subset="agentboard", agentboard=str(root), tools="sheet")
    monkeypatch.setenv("ACBENCH_DRIVE_URL", fake.drive_url)
    (root / "agentboard/utils/sheet/credential.json").write_text(json.dumps(dict(credential_key,
                                                                                 token_uri=_closed_port())))
    with pytest.raises(LiveServiceError, match="no Google token from http://127.0.0.1"):
        ToolOperationTask(subset="agentboard", agentboard=str(root), tools="sheet")
    (root / "agentboard/utils/sheet/credential.json").write_text("{}")
    with pytest.raises(AgentBoardFilesError, match="not a Google service-account key file"):
        ToolOperationTask(subset="agentboard", agentboard=str(root), tools="sheet")


def test_a_reference_spreadsheet_the_account_cannot_see_is_named(tmp_path, fake, credential_key):
    root = write_checkout(tmp_path / "ab", fake.token_url, credential_key)
    tools = root / "agentboard/utils/sheet/sheets_tools.py"
    tools.write_text(tools.read_text().replace(RECORDED["reference_id"], "someone-elses-sheet"))
    with pytest.raises(LiveServiceError, match="cannot see AgentBoard's reference spreadsheet someone-elses-sheet"):
        ToolOperationTask(subset="agentboard", agentboard=str(root), tools="sheet")


def test_options_are_checked(tmp_path, fake, credential_key):
    root = write_checkout(tmp_path / "ab", fake.token_url, credential_key)
    with pytest.raises(ConfigError, match="one episode at a time"):
        ToolOperationTask(subset="agentboard", agentboard=str(root), batch_size=4)
    with pytest.raises(ConfigError, match="sheet_pause must be at least 0"):
        ToolOperationTask(subset="agentboard", agentboard=str(root), sheet_pause=-1)
    with pytest.raises(ConfigError, match="for tool_operation subset=agentboard"):
        ToolOperationTask(sheet_pause=0)
    with pytest.raises(ConfigError, match="environments are todo, sheet"):
        ToolOperationTask(subset="agentboard", agentboard=str(root), tools="news")
    task = ToolOperationTask(subset="agentboard", agentboard=str(root), tools=["todo"], batch_size=1)
    assert task.batch_size == 1 and task.rescores_stored is False and task.tools == ["todo"]


def test_a_failed_reset_is_a_clear_error(fake, checkout):
    env = make_env(checkout, 0)
    fake.drop(1)
    with pytest.raises(LiveServiceError, match="the reset of the todo account failed .*ConnectionError"):
        env.reset()
    fake.google.files.pop(RECORDED["reference_id"])
    with pytest.raises(LiveServiceError, match="copying AgentBoard's reference spreadsheet .*File not found"):
        make_env(checkout, 4).reset()


def test_a_goal_naming_no_sheet_plays_on_without_one_as_upstream(fake, checkout):
    sample = sample_of(4)
    sample.data["goal"] = "Sheet1 without quotes: no sheet is opened"
    env = AgentBoardSheetEnv(sample, checkout, SheetsService(checkout.credential, "me@example.org",
                                                             checkout.sheet.reference_id), pause=0)
    env.reset()
    assert env.layout.opening == ("open_sheet with Action Input: {'name': 'None'}", "ACB opened None\nC")
    observation, grounded = env.step("get_all_values with Action Input: {}")
    assert (observation, grounded) == ("ACB: no sheet is open", True)
    assert env.observation_space == "C" and env.reward == 0.0  # the message's [1], scored against "Product"


def test_task_runs_episodes_with_agentboards_layout_and_metrics(tmp_path, fake, credential_key):
    root = write_checkout(tmp_path / "ab", fake.token_url, credential_key)
    data = write_items(tmp_path / "data", [RECORDED["items"][0], RECORDED["items"][4]])
    outputs = {"todo": iter(["Action: get_projects with Action Input: {}",
                             'Action: get_tasks with Action Input: {"project_id": "2005"}',
                             'Action: finish with Action Input: {"answer": "2024-05-03"}']),
               "sheet": iter(["I will look first.\nAction: check_valid_actions with Action Input: {}",
                              'update_cell with Action Input: {"position": "C4", "value": 20}', "no call here"])}

    def script(request):
        return next(outputs["sheet" if "sheet tools" in request.messages[1]["content"] else "todo"], "wait")

    task = ToolOperationTask(subset="agentboard", agentboard=str(root), sheet_pause=0, max_steps=4)
    samples = task.load(str(data))
    assert [s.id for s in samples] == ["todo/0", "sheet/1"] and task.data_sha256 and set(task.prompt_sha256) == {
        "todo", "sheet"}
    engine = ScriptedEngine(script)
    result = task.run(engine, samples, ResultStore(tmp_path / "r.jsonl"))
    first = engine.requests[0].messages
    assert first[0] == {"role": "system", "content": "System for todo."}
    assert first[1]["content"] == (f"Use the todo tools.\n\nWorked examples:\nTodo example.\nYour goal: "
                                   f"{RECORDED['items'][0]['goal']}\nHelp command: check_valid_actions\n"
                                   "Observation: ACB: call 'finish' when done.\nAction: ")
    sheet_first = next(r for r in engine.requests if "sheet tools" in r.messages[1]["content"]).messages[1]["content"]
    opening = RECORDED["scripts"][6]["opening"]["observation"].split("\n", 1)[1]
    assert sheet_first.endswith("Observation: ACB: call 'finish' when done.\nAction: open_sheet with Action Input: "
                                f"{{'name': 'Sheet1'}}\nObservation: ACB opened Sheet1\n{opening}\nAction: ")
    by_id = {r["id"]: r for r in result.records}
    todo, sheet = by_id["todo/0"], by_id["sheet/1"]
    assert todo["success"] and todo["steps"] == 3 and todo["grounding_acc"] == 1.0
    assert [t["progress"] for t in todo["trajectory"]] == pytest.approx([1 / 3, 2 / 3, 1.0])
    assert not sheet["success"] and sheet["steps"] == 4 and sheet["progress_rate"] == 1.0
    assert sheet["trajectory"][0]["observation"].startswith("FAIL | Invalid ACB call check_valid_actions")
    assert sheet["grounding_acc"] == 0.25  # the invalid check, one update, two format errors
    m = result.metrics
    assert m["tool_operation/todo/success_rate"] == 1.0 and m["tool_operation/sheet/progress_rate"] == 1.0
    assert m["tool_operation/success_rate"] == 0.5 and m["tool_operation/progress_rate_strict"] == 1.0
    assert len(fake.google.files) == 2  # the reference and the one episode's copy, kept as AgentBoard keeps them


CALLS = [step["output"] for script in RECORDED["scripts"] for step in script["steps"]]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(index=st.sampled_from([1, 5]),
       outputs=st.lists(st.sampled_from(CALLS) | st.text(max_size=40)
                        | st.builds("{} with Action Input: {}".format, st.sampled_from(TODO_NAMES + SHEET_NAMES),
                                    st.text(max_size=30)), max_size=6))
def test_arbitrary_outputs_are_answered_and_r_never_falls(fake, checkout, index, outputs):
    fake.reset()
    env = make_env(checkout, index)
    env.reset()
    rates = [env.reward]
    for output in outputs:
        observation, grounded = env.step(env.extract_action(output))
        assert isinstance(observation, str) and isinstance(grounded, bool)
        rates.append(env.reward)
        if env.done:
            break
    assert all(0.0 <= a <= b <= 1.0 for a, b in zip(rates, rates[1:]))
    assert not env.success or (env.done and env.reward == 1.0)
