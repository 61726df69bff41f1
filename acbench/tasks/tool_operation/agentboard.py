"""AgentBoard's tool-operation items and texts (`tool_operation.subset=agentboard`), read at run time from a checkout
and its data archive; the environments are in todo_live.py (Todoist) and sheet_live.py (Google Sheets).

    checkout = OperationCheckout("/src/AgentBoard", ["todo", "sheet"])   # prompts, messages, projects.json
    samples = operation_samples("/data/agentboard/data", ["todo"])       # its tool-operation/test.jsonl

Items: the `todo` and `sheet` lines of `tool-operation/test.jsonl` (goal, `subgoals`, `difficulty`,
`additional_info`: `tool`, `goal_type`, `init_config`, `answer`), numbered by their line in the file (id
`todo/<n>`, `sheet/<n>`). A todo item needs its gold subgoals, its user's date and location (`init_config`) and,
for an operation (`goal_type` 1), the todo status it should end in (`answer`); a sheet item needs the sheet it
should end in (`answer`, JSON). Every checkout text is read with `ast` from AgentBoard's Python files (never
imported or run; `acbench/tasks/agentic/agentboard_tool.py` reads what every tool environment shares); a missing
file or text fails when the task is built, naming the file.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

from acbench.tasks.agentic.agentboard import (AgentBoardFilesError, _module, checkout_root, function_strings, pick,
                                              require)
from acbench.tasks.agentic.agentboard_tool import (HELPERS_FILE, ToolCheckout, ToolTexts, archive_dir, function_lists,
                                                   read_items, template_strings)
from acbench.tasks.base import Sample

PROJECTS = "agentboard/utils/todo/projects.json"
CREDENTIAL = "agentboard/utils/sheet/credential.json"
TOOLS = ("todo", "sheet")


def _spaced(strings: list[str]) -> list[str]:
    return [s for s in strings if " " in s]


class TodoCheckout(ToolCheckout):
    """The todo environment's files: todo_tools.py's messages and the projects every episode starts with (besides
    what every tool environment reads)."""

    def __init__(self, root, texts: ToolTexts | None = None):
        super().__init__(root, "todo", "tool_operation", texts)
        where = self.tools_path

        def one(function: str, what: str, test) -> str:
            return pick(self.strings(function, "todo_toolkits"), f"{where} ({function})", what, test)

        plain = lambda s: " " in s and "{}" not in s  # noqa: E731 - a message without fields
        self.inbox = one("get_projects", "the inbox project's name", lambda s: s[:1].isupper() and " " not in s)
        self.project_updated = one("update_project", "the project-updated message", plain)
        self.task_missing = one("complete_task", "the missing-task message", lambda s: " " in s and "{}" in s)
        self.task_completed = one("complete_task", "the task-completed message", plain)
        self.task_updated = one("update_task", "the task-updated message", plain)
        self.task_deleted = one("delete_task", "the task-deleted message", plain)
        projects_path = require(self.root, PROJECTS)
        try:
            self.projects = json.loads(projects_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise AgentBoardFilesError(f"{projects_path}: not JSON ({exc.msg})") from None
        if not isinstance(self.projects, list) or not all(isinstance(p, dict) and "name" in p for p in self.projects):
            raise AgentBoardFilesError(f"{projects_path}: not a list of projects with a name and tasks")


class SheetCheckout(ToolCheckout):
    """The sheet environment's files: sheets_tools.py's and sheet_env.py's messages and settings (the reference
    spreadsheet every episode copies), besides what every tool environment reads."""

    logs_subgoals = False  # sheet_env answers check_valid_actions as an invalid action and logs no subgoals

    def __init__(self, root, texts: ToolTexts | None = None):
        super().__init__(root, "sheet", "tool_operation", texts)
        tools = self.tools_path

        def texts_of(function: str) -> list[str]:
            return self.strings(function, "sheet_toolkits")

        def one(function: str, what: str, test, strings: list[str] | None = None) -> str:
            return pick(texts_of(function) if strings is None else strings, f"{tools} ({function})", what, test)

        freeze = texts_of("freeze_data")
        delete = _spaced(texts_of("delete_batch_data"))
        formula = texts_of("update_cell_by_formula")
        value = _spaced(texts_of("get_value_by_formula"))
        operators = [v for v in function_lists(tools, "update_cell_by_formula", "sheet_toolkits")
                     if v and all(isinstance(x, str) for x in v)]
        if not operators or len(delete) < 2 or len(value) < 3:
            raise AgentBoardFilesError(f"{tools}: cannot find the formula operators and messages (a changed "
                                       f"AgentBoard?)")
        words = lambda strings: tuple(s for s in strings if s.isalpha())[:2]  # noqa: E731 - the accepted values
        self.reference_id = _reference_id(tools)
        self.no_sheet = one("log_path", "the no-open-sheet message", lambda s: " " in s and "sheet" in s,
                            self.strings("log_path", None))
        self.freeze_dimensions = words(freeze)  # rows, columns
        self.bad_freeze = one("freeze_data", "the bad-dimension message", lambda s: " " in s and "{}" not in s,
                              freeze)
        self.frozen = one("freeze_data", "the frozen message", lambda s: " " in s and "{}" in s, freeze)
        self.delete_dimensions = words(texts_of("delete_batch_data"))  # row, col
        self.whole_delete, self.bad_dimension = delete[0], delete[-1]
        self.operators = tuple(operators[0])
        self.bad_operator = one("update_cell_by_formula", "the operator message", lambda s: "[" in s, formula)
        self.range_formula = one("update_cell_by_formula", "the range formula",
                                 lambda s: s.startswith("=") and ":" in s, formula)
        self.list_formula = one("update_cell_by_formula", "the list formula",
                                lambda s: s.startswith("=") and ":" not in s, formula)
        self.formula_a1 = one("update_cell_by_formula", "the A1 message", lambda s: " " in s and "[" not in s,
                              formula)
        self.value_a1_range, self.value_a1_list = value[1], value[2]  # get_value_by_formula's A1 messages
        self.whole_update = one("update_range", "the whole-sheet message", lambda s: " " in s)
        self.note_updated = one("update_note", "the note message", lambda s: " " in s and "{}" in s)
        self.a1_pattern = pick(function_strings(tools, "validate_A1_annotation"),
                               f"{tools} (validate_A1_annotation)", "the A1 pattern", lambda s: s.startswith("^"))
        opening = template_strings(self.env_path, "reset_question_env", "SheetEnv")
        where = f"{self.env_path} (SheetEnv.reset_question_env)"
        self.opening_action = pick(opening, where, "the opening action", lambda s: s.startswith("open_sheet"))
        self.opening_lead = pick(opening, where, "the opening observation", lambda s: "{}" in s and s.endswith("\n"))
        helpers = function_strings(require(self.root, HELPERS_FILE), "extract_sheet_number")
        where = f"{HELPERS_FILE} (extract_sheet_number)"
        self.sheet_pattern = pick(helpers, where, "the sheet pattern", lambda s: "(" in s)
        self.sheet_prefix = pick(helpers, where, "the sheet prefix", lambda s: s.isalpha())


def _reference_id(path: Path) -> str:
    """AUTHORIZATION["REFERENCE_SHEET_ID"] of sheets_tools.py: the spreadsheet each sheet episode copies."""
    tree = _module(str(path), path.stat().st_mtime_ns)
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if (isinstance(key, ast.Constant) and key.value == "REFERENCE_SHEET_ID"
                        and isinstance(value, ast.Constant) and isinstance(value.value, str)):
                    return value.value
    raise AgentBoardFilesError(f"{path}: no REFERENCE_SHEET_ID (the spreadsheet AgentBoard copies)")


class OperationCheckout:
    """The chosen tool-operation environments' files in an AgentBoard checkout (tool.py's and helpers.py's texts
    read once for both)."""

    def __init__(self, root, tools: list[str]):
        self.root = checkout_root(root, "tool_operation")
        self.tools = list(tools)
        self.texts = ToolTexts.read(self.root)
        self.todo = TodoCheckout(self.root, self.texts) if "todo" in self.tools else None
        self.sheet = SheetCheckout(self.root, self.texts) if "sheet" in self.tools else None
        self.envs = {tool: getattr(self, tool) for tool in self.tools}
        self.prompt_paths = {tool: env.prompt_path for tool, env in self.envs.items()}
        self.names = {tool: env.action_names for tool, env in self.envs.items()}
        self.credential = self.root / CREDENTIAL

    def layout(self, tool: str):
        return self.envs[tool].layout()


# --- data ------------------------------------------------------------------------------------------------------
def operation_dir(source: str | Path) -> Path:
    """The archive's tool-operation folder: `source` itself (with test.jsonl), or its `tool-operation` sub-folder."""
    return archive_dir(source, "tool-operation")


def _bad(path: Path, number: int, what: str) -> AgentBoardFilesError:
    return AgentBoardFilesError(f"{path} line {number}: a {what}")


def _sample(path: Path, index: int, item: dict) -> Sample | None:
    """A todo or sheet item, checked (None for another tool's)."""
    number, info = index + 1, item["additional_info"]
    tool = info["tool"]
    data = {"goal": item["goal"], "group": tool, "index": index, "tool": tool, "goal_type": info.get("goal_type"),
            "difficulty": item.get("difficulty") if item.get("difficulty") in ("easy", "hard") else None}
    if tool == "todo":
        subgoals, config = item.get("subgoals"), info.get("init_config")
        if not isinstance(subgoals, list) or not subgoals:
            raise _bad(path, number, "todo item needs a non-empty subgoals list")
        if not isinstance(config, dict) or not {"current_date", "current_location"} <= set(config):
            raise _bad(path, number, "todo item needs additional_info.init_config with current_date and "
                                     "current_location")
        if info.get("goal_type") == 1 and not isinstance(info.get("answer"), dict):
            raise _bad(path, number, "todo operation (goal_type 1) needs its final todo status as answer")
        data.update(subgoals=subgoals, init_config=config, answer=info.get("answer"))
    elif tool == "sheet":
        try:
            target = json.loads(info.get("answer"))
        except (TypeError, json.JSONDecodeError):
            target = None
        if not isinstance(target, list) or not all(isinstance(row, list) for row in target):
            raise _bad(path, number, "sheet item needs its final sheet as answer: a JSON list of rows")
        data.update(answer=info["answer"])
    else:
        return None
    return Sample(id=f"{tool}/{index}", target=info.get("answer"), data=data)


def operation_samples(source: str | Path, tools: list[str]) -> list[Sample]:
    """The items of the chosen tools in the archive's tool-operation folder, all todo and sheet items checked now
    (before any model)."""
    path = operation_dir(source) / "test.jsonl"
    samples = [_sample(path, index, item) for index, item in read_items(path, "tool-operation")]
    samples = [s for s in samples if s is not None and s.data["tool"] in tools]
    if not samples:
        raise AgentBoardFilesError(f"{path}: no items of {', '.join(tools)} (additional_info.tool)")
    return samples
