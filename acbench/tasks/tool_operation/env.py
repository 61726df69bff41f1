"""Tool-Operation environment: stateful tools over a todo list and a spreadsheet; the goal is a target state.

    samples = load_operation_suite()       # data/episodes.jsonl
    env = ToolOperationEnv(samples[0])
    env.step('complete_task(3)')           # changes the state; env.progress = conditions met / all

The target state is a list of conditions (see `check_condition`); progress is the fraction that
hold now (the loop keeps the highest), and the episode ends with success once all hold, or when the
agent calls `finish()`.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

from acbench.tasks.agentic.tool_env import ToolEnv, ToolError, norm_text, tool
from acbench.tasks.base import Sample

DATA = Path(__file__).parent / "data"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def load_operation_suite(source: str | Path | None = None) -> list[Sample]:
    """Episodes from `episodes.jsonl` in `source` (a folder or the file itself)."""
    root = Path(source) if source else DATA
    path = root / "episodes.jsonl" if root.is_dir() else root
    if not path.is_file():
        raise FileNotFoundError(f"Tool-Operation episodes not found: {path}")
    example_file = path.with_name("example.md")
    example = example_file.read_text().strip() if example_file.exists() else ""
    samples = []
    for line in path.read_text().splitlines():
        if line.strip():
            item = json.loads(line)
            samples.append(Sample(id=str(item["id"]), data={**item, "example": example}, target=item["conditions"]))
    return samples


def _same(a, b) -> bool:
    return norm_text(a) == norm_text(b)


def check_condition(state: dict, cond: dict) -> bool:
    """One target-state condition. Types: task, no_task, cell, row, no_row, sorted."""
    tasks = [t | {"project": p} for p, ts in state["projects"].items() for t in ts]
    sheet = state["sheet"]
    kind = cond["type"]
    if kind == "task":  # a task with this content in this project, with the listed field values
        fields = {k: v for k, v in cond.items() if k in ("done", "due", "priority")}
        return any(
            _same(t["content"], cond["content"]) and t["project"] == cond["project"]
            and all(_same(t[k], v) for k, v in fields.items())
            for t in tasks
        )
    if kind == "no_task":
        return not any(_same(t["content"], cond["content"]) for t in tasks)
    if kind == "cell":  # the row whose first column is `key` has `value` in `column`
        col = sheet["columns"].index(cond["column"])
        return any(_same(r[0], cond["key"]) and _same(r[col], cond["value"]) for r in sheet["rows"])
    if kind == "row":
        return any(len(r) == len(cond["values"]) and all(map(_same, r, cond["values"])) for r in sheet["rows"])
    if kind == "no_row":
        return not any(_same(r[0], cond["key"]) for r in sheet["rows"])
    if kind == "sorted":
        col = sheet["columns"].index(cond["column"])
        values = [r[col] for r in sheet["rows"]]
        try:
            return values == sorted(values, reverse=cond.get("descending", False))
        except TypeError:  # the agent put text into a numeric column: not sorted by value
            return False
    raise ValueError(f"unknown condition type '{kind}'")


class ToolOperationEnv(ToolEnv):
    """One episode over a todo list (projects of tasks) and a spreadsheet; see the module docstring."""

    preamble = (
        "You operate a todo list (projects holding tasks with an id, content, due date YYYY-MM-DD, priority "
        "1-4 and a done flag) and a spreadsheet (named columns; rows numbered from 1) by calling tools, until "
        "the goal holds. Look at the data before you change it. Call the finish tool when you are done."
    )

    def __init__(self, sample: Sample | dict):
        super().__init__()
        data = sample.data if isinstance(sample, Sample) else sample
        self.initial = data["state"]
        self.conditions = data["conditions"]
        self.examples = data.get("example", "")
        self.goal = f"Goal: {data['goal']}"
        self.reset()

    def reset(self) -> str:
        self.state = copy.deepcopy(self.initial)
        self.done = self.success = False
        self.last_parse_error = None
        self.update_progress()
        return (f"The todo list has projects {', '.join(self.state['projects'])}; the spreadsheet is "
                f"'{self.state['sheet']['name']}' with columns {', '.join(self.state['sheet']['columns'])}.")

    def update_progress(self) -> None:
        met = sum(check_condition(self.state, c) for c in self.conditions)
        self.progress = met / len(self.conditions)
        if met == len(self.conditions):
            self.done = self.success = True

    # --- lookups (raise ToolError before any change) ---------------------------------------------
    def _project(self, name) -> list[dict]:
        if name not in self.state["projects"]:
            raise ToolError(f"no project '{name}'; projects are {', '.join(self.state['projects'])}")
        return self.state["projects"][name]

    def _task(self, task_id) -> tuple[list[dict], dict]:
        for tasks in self.state["projects"].values():
            for task in tasks:
                if str(task["id"]) == str(task_id).strip():
                    return tasks, task
        raise ToolError(f"no task with id {task_id}")

    def _row(self, row) -> int:
        rows = self.state["sheet"]["rows"]
        if not isinstance(row, int) or isinstance(row, bool) or not 1 <= row <= len(rows):
            raise ToolError(f"row must be a number from 1 to {len(rows)}")
        return row - 1

    def _column(self, column) -> int:
        columns = self.state["sheet"]["columns"]
        if column not in columns:
            raise ToolError(f"no column '{column}'; columns are {', '.join(columns)}")
        return columns.index(column)

    @staticmethod
    def _fields(due, priority) -> None:
        if due is not None and not (isinstance(due, str) and _DATE.match(due)):
            raise ToolError("due must be a date string YYYY-MM-DD")
        if priority is not None and priority not in (1, 2, 3, 4):
            raise ToolError("priority must be 1, 2, 3 or 4")

    # --- todo tools --------------------------------------------------------------------------
    @tool("get_projects()")
    def get_projects(self):
        """The projects and how many unfinished tasks each has."""
        projects = self.state["projects"].items()
        return [{"project": p, "open_tasks": sum(not t["done"] for t in ts)} for p, ts in projects]

    @tool("get_tasks(project)")
    def get_tasks(self, project):
        """All tasks of a project, with their ids."""
        return self._project(project)

    @tool("add_task(project, content, due=None, priority=1)")
    def add_task(self, project, content, due=None, priority=1):
        """Add a task to a project."""
        tasks = self._project(project)
        self._fields(due, priority)
        if not isinstance(content, str) or not content.strip():
            raise ToolError("content must be a non-empty string")
        ids = [t["id"] for ts in self.state["projects"].values() for t in ts]
        task = {"id": max(ids, default=0) + 1, "content": content.strip(), "due": due, "priority": priority,
                "done": False}
        tasks.append(task)
        return {"added": task}

    @tool("complete_task(task_id)")
    def complete_task(self, task_id):
        """Mark a task as done."""
        _, task = self._task(task_id)
        task["done"] = True
        return {"completed": task}

    @tool("update_task(task_id, content=None, due=None, priority=None)")
    def update_task(self, task_id, content=None, due=None, priority=None):
        """Change a task's content, due date and/or priority."""
        _, task = self._task(task_id)
        self._fields(due, priority)
        if content is None and due is None and priority is None:
            raise ToolError("give at least one of content, due, priority")
        if content is not None and (not isinstance(content, str) or not content.strip()):
            raise ToolError("content must be a non-empty string")
        for key, value in (("content", content), ("due", due), ("priority", priority)):
            if value is not None:
                task[key] = value.strip() if key == "content" else value
        return {"updated": task}

    @tool("delete_task(task_id)")
    def delete_task(self, task_id):
        """Delete a task."""
        tasks, task = self._task(task_id)
        tasks.remove(task)
        return {"deleted": task["id"]}

    # --- spreadsheet tools -------------------------------------------------------------------
    @tool("read_sheet()")
    def read_sheet(self):
        """The spreadsheet's columns and its rows, numbered from 1."""
        sheet = self.state["sheet"]
        return {"columns": sheet["columns"], "rows": {i + 1: r for i, r in enumerate(sheet["rows"])}}

    @tool("update_cell(row, column, value)")
    def update_cell(self, row, column, value):
        """Set one cell, e.g. update_cell(2, "Score", 91)."""
        r, c = self._row(row), self._column(column)
        self.state["sheet"]["rows"][r][c] = value
        return {"row": row, "values": self.state["sheet"]["rows"][r]}

    @tool("append_row(values)")
    def append_row(self, values):
        """Add a row at the end: a list with one value per column."""
        columns = self.state["sheet"]["columns"]
        if not isinstance(values, list) or len(values) != len(columns):
            raise ToolError(f"values must be a list of {len(columns)} values ({', '.join(columns)})")
        self.state["sheet"]["rows"].append(list(values))
        return {"row": len(self.state["sheet"]["rows"]), "values": values}

    @tool("delete_row(row)")
    def delete_row(self, row):
        """Delete a row; the rows below move up."""
        removed = self.state["sheet"]["rows"].pop(self._row(row))
        return {"deleted": removed}

    @tool("sort_sheet(column, descending=False)")
    def sort_sheet(self, column, descending=False):
        """Sort the rows by a column."""
        c = self._column(column)
        try:  # sort a copy: a failed comparison must leave the sheet as it was
            rows = sorted(self.state["sheet"]["rows"], key=lambda r: r[c], reverse=bool(descending))
        except TypeError as exc:
            raise ToolError(f"cannot sort column '{column}': mixed value types") from exc
        self.state["sheet"]["rows"] = rows
        return {"sorted_by": column, "descending": bool(descending)}

    @tool("finish()")
    def finish(self):
        """End the episode."""
        self.done = True
        return "Episode finished."
