"""AgentBoard's tool-operation items and texts (`tool_operation.subset=agentboard`), read at run time from a checkout
and its data archive; the environments are in todo_live.py (Todoist) and sheet_live.py (Google Sheets).

    checkout = OperationCheckout("/src/AgentBoard", ["todo", "sheet"])   # prompts, messages, projects.json
    samples = operation_samples("/data/agentboard/data", ["todo"])       # its tool-operation/test.jsonl

Items: the `todo` and `sheet` lines of `tool-operation/test.jsonl` (goal, `subgoals`, `difficulty`,
`additional_info`: `tool`, `goal_type`, `init_config`, `answer`), numbered by their line in the file (id
`todo/<n>`, `sheet/<n>`). A todo item needs its gold subgoals, its user's date and location (`init_config`) and,
for an operation (`goal_type` 1), the todo status it should end in (`answer`); a sheet item needs the sheet it
should end in (`answer`, JSON). Every checkout text is read with `ast` from AgentBoard's Python files (never
imported or run); a missing file or text fails when the task is built, naming the file.
"""

from __future__ import annotations

import ast
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from acbench.tasks.agentic.agentboard import (AgentBoardFilesError, VanillaLayout, _module, checkout_root,
                                              function_strings, pick, read_prompt_file, require)
from acbench.tasks.agentic.agentboard_tool import CHECK, ToolTexts, action_names, function_lists, template_strings
from acbench.tasks.base import Sample

log = logging.getLogger(__name__)

TODO_TOOLS = "agentboard/utils/todo/todo_tools.py"
TODO_ENV = "agentboard/environment/todo_env.py"
PROJECTS = "agentboard/utils/todo/projects.json"
SHEET_TOOLS = "agentboard/utils/sheet/sheets_tools.py"
SHEET_ENV = "agentboard/environment/sheet_env.py"
CREDENTIAL = "agentboard/utils/sheet/credential.json"
HELPERS = "agentboard/utils/tool/helpers.py"
TOOLS = ("todo", "sheet")


def _spaced(strings: list[str]) -> list[str]:
    return [s for s in strings if " " in s]


@dataclass(frozen=True)
class TodoTexts:
    """todo_tools.py's and todo_env.py's messages, and the projects every episode starts with."""

    failed: tuple[str, str, str]  # "Calling <tool> with <kwargs> failed"
    inbox: str  # the project get_projects leaves out
    project_updated: str
    task_missing: str  # a template: the task id
    task_completed: str
    task_updated: str
    task_deleted: str
    error: str  # "ERROR | "
    valid_lead: str  # a template: the action names
    invalid: str  # a template: the name
    projects: list

    @classmethod
    def read(cls, root: Path) -> "TodoTexts":
        tools = require(root, TODO_TOOLS)

        def texts(function: str, owner: str | None = "todo_toolkits") -> list[str]:
            return template_strings(tools, function, owner)

        def one(function: str, what: str, test) -> str:
            return pick(texts(function), f"{tools} ({function})", what, test)

        wrapper = function_strings(tools, "log_path")
        where = f"{tools} (log_path)"
        failed = (pick(wrapper, where, "the failed-subgoal lead", lambda s: s.endswith(" ") and s[:1].isalpha()),
                  pick(wrapper, where, "the failed-subgoal middle", lambda s: s.startswith(" ") and s.endswith(" ")),
                  pick(wrapper, where, "the failed-subgoal end", lambda s: s.startswith(" ") and s[-1:].isalpha()))
        plain = lambda s: " " in s and "{}" not in s  # noqa: E731 - a message without fields
        env = require(root, TODO_ENV)
        step = template_strings(env, "step", "TodoEnv")
        where = f"{env} (TodoEnv.step)"
        projects_path = require(root, PROJECTS)
        try:
            projects = json.loads(projects_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise AgentBoardFilesError(f"{projects_path}: not JSON ({exc.msg})") from None
        if not isinstance(projects, list) or not all(isinstance(p, dict) and "name" in p for p in projects):
            raise AgentBoardFilesError(f"{projects_path}: not a list of projects with a name and tasks")
        return cls(
            failed=failed,
            inbox=one("get_projects", "the inbox project's name", lambda s: s[:1].isupper() and " " not in s),
            project_updated=one("update_project", "the project-updated message", plain),
            task_missing=one("complete_task", "the missing-task message", lambda s: " " in s and "{}" in s),
            task_completed=one("complete_task", "the task-completed message", plain),
            task_updated=one("update_task", "the task-updated message", plain),
            task_deleted=one("delete_task", "the task-deleted message", plain),
            error=pick(step, where, "the error prefix", lambda s: s.rstrip().endswith("|")),
            valid_lead=pick(step, where, "the valid-actions message", lambda s: "{}" in s and "valid actions" in s),
            invalid=pick(step, where, "the invalid-action message", lambda s: "{}" in s and "Invalid" in s),
            projects=projects)


@dataclass(frozen=True)
class SheetTexts:
    """sheets_tools.py's and sheet_env.py's messages and settings (the reference spreadsheet every episode copies)."""

    reference_id: str
    no_sheet: str  # the answer of any tool before a sheet is open
    freeze_dimensions: tuple[str, str]  # rows, columns
    bad_freeze: str
    frozen: str  # a template: dimension, number
    delete_dimensions: tuple[str, str]  # row, col
    whole_delete: str
    bad_dimension: str
    operators: tuple[str, ...]
    bad_operator: str
    range_formula: str  # a template: operator, start, end
    list_formula: str  # a template: operator, positions
    formula_a1: str  # update_cell_by_formula's A1 message
    value_a1_range: str  # get_value_by_formula's A1 message for a range
    value_a1_list: str  # ... and for a list of positions
    whole_update: str
    note_updated: str  # a template: position, note
    a1_pattern: str
    error: str
    invalid: str  # a template: name, action names
    opening_action: str  # a template: the sheet name
    opening_lead: str  # a template: the sheet name
    sheet_pattern: str  # helpers.extract_sheet_number's pattern and prefix
    sheet_prefix: str

    @classmethod
    def read(cls, root: Path) -> "SheetTexts":
        tools = require(root, SHEET_TOOLS)

        def texts(function: str, owner: str | None = "sheet_toolkits") -> list[str]:
            return template_strings(tools, function, owner)

        def one(function: str, what: str, test, strings: list[str] | None = None) -> str:
            return pick(texts(function) if strings is None else strings, f"{tools} ({function})", what, test)

        freeze = texts("freeze_data")
        delete = _spaced(texts("delete_batch_data"))
        formula = texts("update_cell_by_formula")
        value = _spaced(texts("get_value_by_formula"))
        operators = [v for v in function_lists(tools, "update_cell_by_formula", "sheet_toolkits")
                     if v and all(isinstance(x, str) for x in v)]
        if not operators or len(delete) < 2 or len(value) < 3:
            raise AgentBoardFilesError(f"{tools}: cannot find the formula operators and messages (a changed "
                                       f"AgentBoard?)")
        words = lambda strings: tuple(s for s in strings if s.isalpha())[:2]  # noqa: E731 - the accepted values
        env = require(root, SHEET_ENV)
        step = template_strings(env, "step", "SheetEnv")
        opening = template_strings(env, "reset_question_env", "SheetEnv")
        helpers = function_strings(require(root, HELPERS), "extract_sheet_number")
        where = f"{env} (SheetEnv"
        return cls(
            reference_id=_reference_id(tools),
            no_sheet=one("log_path", "the no-open-sheet message", lambda s: " " in s and "sheet" in s,
                         template_strings(tools, "log_path")),
            freeze_dimensions=words(freeze),
            bad_freeze=one("freeze_data", "the bad-dimension message", lambda s: " " in s and "{}" not in s, freeze),
            frozen=one("freeze_data", "the frozen message", lambda s: " " in s and "{}" in s, freeze),
            delete_dimensions=words(texts("delete_batch_data")),
            whole_delete=delete[0],
            bad_dimension=delete[-1],
            operators=tuple(operators[0]),
            bad_operator=one("update_cell_by_formula", "the operator message", lambda s: "[" in s, formula),
            range_formula=one("update_cell_by_formula", "the range formula", lambda s: s.startswith("=") and ":" in s,
                              formula),
            list_formula=one("update_cell_by_formula", "the list formula",
                             lambda s: s.startswith("=") and ":" not in s, formula),
            formula_a1=one("update_cell_by_formula", "the A1 message", lambda s: " " in s and "[" not in s, formula),
            value_a1_range=value[1],
            value_a1_list=value[2],
            whole_update=one("update_range", "the whole-sheet message", lambda s: " " in s),
            note_updated=one("update_note", "the note message", lambda s: " " in s and "{}" in s),
            a1_pattern=pick(function_strings(tools, "validate_A1_annotation"), f"{tools} (validate_A1_annotation)",
                            "the A1 pattern", lambda s: s.startswith("^")),
            error=pick(step, f"{where}.step)", "the error prefix", lambda s: s.rstrip().endswith("|")),
            invalid=pick(step, f"{where}.step)", "the invalid-action message", lambda s: "Invalid" in s),
            opening_action=pick(opening, f"{where}.reset_question_env)", "the opening action",
                                lambda s: s.startswith("open_sheet")),
            opening_lead=pick(opening, f"{where}.reset_question_env)", "the opening observation",
                              lambda s: "{}" in s and s.endswith("\n")),
            sheet_pattern=pick(helpers, f"{HELPERS} (extract_sheet_number)", "the sheet pattern", lambda s: "(" in s),
            sheet_prefix=pick(helpers, f"{HELPERS} (extract_sheet_number)", "the sheet prefix", lambda s: s.isalpha()))


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
    """What the chosen tool-operation environments need from an AgentBoard checkout."""

    def __init__(self, root, tools: list[str]):
        self.root = checkout_root(root, "tool_operation")
        self.tools = list(tools)
        self.texts = ToolTexts.read(self.root)
        self.prompts, self.prompt_paths, self.names = {}, {}, {}
        for tool in self.tools:
            relative = f"agentboard/prompts/VanillaAgent/{tool}_prompt.json"
            self.prompt_paths[tool] = require(self.root, relative)
            self.prompts[tool] = read_prompt_file(self.root, relative)
            self.names[tool] = action_names(self.root, f"agentboard/prompts/Raw/{tool}_raw.json")
        self.todo = TodoTexts.read(self.root) if "todo" in self.tools else None
        self.sheet = SheetTexts.read(self.root) if "sheet" in self.tools else None
        self.credential = self.root / CREDENTIAL

    def layout(self, tool: str) -> VanillaLayout:
        prompt = self.prompts[tool]
        examples = prompt["examples"]
        return VanillaLayout(self.texts.layout, prompt["system_msg"], prompt["instruction"],
                             [examples] if isinstance(examples, str) else list(examples), check_actions=CHECK)


# --- data ------------------------------------------------------------------------------------------------------
def operation_dir(source: str | Path) -> Path:
    """The archive's tool-operation folder: `source` itself (with test.jsonl), or its `tool-operation` sub-folder."""
    root = Path(source).expanduser()
    if (root / "tool-operation").is_dir() and not (root / "test.jsonl").is_file():
        root = root / "tool-operation"
    if not (root / "test.jsonl").is_file():
        raise AgentBoardFilesError(f"AgentBoard tool-operation items not found: {root / 'test.jsonl'} (its data "
                                   f"archive's data/tool-operation/test.jsonl)")
    return root


def _bad(path: Path, number: int, what: str) -> AgentBoardFilesError:
    return AgentBoardFilesError(f"{path} line {number}: a {what}")


def _sample(path: Path, index: int, item) -> Sample | None:
    number = index + 1
    info = item.get("additional_info") if isinstance(item, dict) else None
    if not isinstance(info, dict) or not isinstance(info.get("tool"), str) or not isinstance(item.get("goal"), str):
        raise _bad(path, number, "line needs goal and additional_info.tool")
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
    """The items of the chosen tools in the archive's tool-operation folder, checked now (before any model)."""
    path = operation_dir(source) / "test.jsonl"
    samples = []
    for index, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise AgentBoardFilesError(f"{path} line {index + 1}: not JSON ({exc.msg})") from None
        sample = _sample(path, index, item)
        if sample is not None and sample.data["tool"] in tools:
            samples.append(sample)
    if not samples:
        raise AgentBoardFilesError(f"{path}: no items of {', '.join(tools)} (additional_info.tool)")
    return samples
