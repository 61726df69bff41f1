"""A small stateful fake of the web APIs AgentBoard's todo and sheet tools call, served on 127.0.0.1.

    with FakeServices(todo_key="k", reference={"Sheet1": [["Name", "Price"], ["Pen", "1.50"]]}) as fake:
        fake.todoist_url  # .../todoist/rest/v2          (Todoist REST v2: projects and tasks)
        fake.sheets_url   # .../sheets/v4/spreadsheets   (Google Sheets v4: metadata, values, batchUpdate)
        fake.drive_url    # .../drive/v3/files           (Google Drive v3: copy, comments, permissions)
        fake.token_url    # .../token                    (Google OAuth: any signed service-account assertion)
        fake.drop(1)      # the next request is answered by closing the connection (a network failure)
        fake.calls        # every request but the token's: (method, path, sorted query, JSON body)

Used by tests/tasks/tool_operation/ and scripts/agentboard_tool_operation_live_fixtures.py: AgentBoard's own code
and acbench's clients are run against the same fake, and their answers and calls are compared. Only the endpoints
and answers those tools use are served, with the shapes of the real APIs (field names, status codes, Google's error
bodies); it is a test double, not a spreadsheet engine: formulas are SUM, AVERAGE, COUNT, MAX, MIN, MINUS and
PRODUCT over cells and ranges, references are not moved when rows or columns are inserted or deleted, and numbers
are shown in the cell's format (general, fixed decimals or percent).
"""

from __future__ import annotations

import copy
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

REFERENCE_ID = "reference-sheet"
SHEET_MIME = "application/vnd.google-apps.spreadsheet"
FORMULAS = ("SUM", "AVERAGE", "COUNT", "MAX", "MIN", "MINUS", "PRODUCT")


class ApiError(Exception):
    def __init__(self, status: int, message: str, kind: str = "INVALID_ARGUMENT"):
        super().__init__(message)
        self.status, self.message, self.kind = status, message, kind


# --- Todoist ----------------------------------------------------------------------------------------------------
class Todoist:
    """Projects and active tasks of one account (ids are strings counted up from 2000, as deterministic as the
    calls that create them)."""

    def __init__(self, key: str):
        self.key, self.next_id = key, 2000
        self.projects: dict[str, dict] = {}
        self.tasks: dict[str, dict] = {}
        self._project("Inbox", inbox=True)

    def _new_id(self) -> str:
        self.next_id += 1
        return str(self.next_id)

    def _project(self, name: str, inbox: bool = False, favorite: bool = False) -> dict:
        pid = self._new_id()
        self.projects[pid] = {"id": pid, "parent_id": None, "order": len(self.projects), "color": "charcoal",
                              "name": name, "comment_count": 0, "is_shared": False, "is_favorite": favorite,
                              "is_inbox_project": inbox, "is_team_inbox": False,
                              "url": f"https://todoist.com/showProject?id={pid}", "view_style": "list"}
        return self.projects[pid]

    def handle(self, method: str, parts: list[str], args: dict, headers) -> tuple[int, object]:
        if headers.get("Authorization") != f"Bearer {self.key}":
            return 401, "Unauthorized"
        if parts == ["projects"]:
            if method == "GET":
                return 200, list(self.projects.values())
            if method == "POST":
                if not args.get("name"):
                    return 400, "Required argument is missing: name"
                return 200, self._project(args["name"], favorite=_flag(args.get("is_favorite", "false")) is True)
        if len(parts) == 2 and parts[0] == "projects":
            project = self.projects.get(parts[1])
            if project is None:
                return 404, "Project not found"
            if method == "GET":
                return 200, project
            if method == "POST":
                if "is_favorite" in args:
                    flag = _flag(args["is_favorite"])
                    if flag is None:
                        return 400, "Invalid argument value: is_favorite"
                    project["is_favorite"] = flag
                return 200, project
            if method == "DELETE":
                if project["is_inbox_project"]:
                    return 400, "Inbox project can't be deleted"
                del self.projects[parts[1]]
                self.tasks = {k: t for k, t in self.tasks.items() if t["project_id"] != parts[1]}
                return 204, None
        if parts == ["tasks"]:
            if method == "GET":
                project = args.get("project_id")
                if project is not None and project not in self.projects:
                    return 400, "Invalid argument value: project_id"
                return 200, [t for t in self.tasks.values() if project is None or t["project_id"] == project]
            if method == "POST":
                return self._add_task(args)
        if len(parts) >= 2 and parts[0] == "tasks":
            task = self.tasks.get(parts[1])
            if task is None:
                return 404, "Task not found"
            if parts[2:] == ["close"] and method == "POST":
                del self.tasks[parts[1]]
                return 204, None
            if len(parts) == 2 and method == "GET":
                return 200, task
            if len(parts) == 2 and method == "POST":
                if args.get("due_date"):
                    task["due"] = _due(args["due_date"])
                return 200, task
            if len(parts) == 2 and method == "DELETE":
                del self.tasks[parts[1]]
                return 204, None
        return 404, "Not found"

    def _add_task(self, args: dict) -> tuple[int, object]:
        if not args.get("content"):
            return 400, "Required argument is missing: content"
        project = args.get("project_id") or next(iter(self.projects))
        if project not in self.projects:
            return 400, "Invalid argument value: project_id"
        if ("duration" in args) != ("duration_unit" in args):
            return 400, "Duration and duration_unit must be set together"
        tid = self._new_id()
        self.tasks[tid] = {
            "id": tid, "assigner_id": None, "assignee_id": None, "project_id": project, "section_id": None,
            "parent_id": None, "order": 1 + sum(t["project_id"] == project for t in self.tasks.values()),
            "content": args["content"], "description": args.get("description", ""), "is_completed": False,
            "labels": [], "priority": int(args.get("priority", 1)), "comment_count": 0, "creator_id": "42",
            "created_at": "2024-01-01T00:00:00.000000Z", "due": _due(args["due_date"]) if args.get("due_date") else None,
            "url": f"https://todoist.com/showTask?id={tid}",
            "duration": {"amount": int(args["duration"]), "unit": args["duration_unit"]} if "duration" in args else None}
        return 200, self.tasks[tid]


def _flag(text: str) -> bool | None:
    return {"true": True, "1": True, "false": False, "0": False}.get(str(text).lower())


def _due(date: str) -> dict:
    return {"date": date, "string": date, "lang": "en", "is_recurring": False}


# --- Google Sheets and Drive --------------------------------------------------------------------------------------
def column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


_CELL = re.compile(r"^([A-Za-z]+)([0-9]+)$")


def parse_cell(label: str) -> tuple[int, int]:
    """A1 -> (row, col), 0-based."""
    match = _CELL.match(label.strip())
    if not match or int(match.group(2)) < 1:
        raise ApiError(400, f"Unable to parse range: {label}")
    return int(match.group(2)) - 1, column_number(match.group(1)) - 1


class Cell:
    """An entered value (number, text, bool, or formula text starting with '=') and its number format."""

    def __init__(self, value, fmt: tuple[str, int] | None = None):
        self.value, self.fmt = value, fmt


def entered(value, raw: bool, old: Cell | None) -> Cell | None:
    """What the Sheets API stores for a written value (RAW keeps strings as text; USER_ENTERED parses them)."""
    fmt = old.fmt if old is not None else None
    if value is None:
        return old
    if isinstance(value, bool) or isinstance(value, (int, float)):
        return Cell(value, fmt)
    text = str(value)
    if text == "":
        return None
    if raw:
        return Cell(text, fmt)
    if text.startswith("="):
        return Cell(text, fmt)
    if text.upper() in ("TRUE", "FALSE"):
        return Cell(text.upper() == "TRUE", fmt)
    percent = re.fullmatch(r"(-?[0-9]+(?:\.([0-9]+))?)%", text)
    if percent:
        return Cell(float(percent.group(1)) / 100, ("percent", len(percent.group(2) or "")))
    number = re.fullmatch(r"-?[0-9]+(?:\.([0-9]+))?", text)
    if number:
        decimals = number.group(1)
        return Cell(float(text) if decimals else int(text), ("fixed", len(decimals)) if decimals else fmt)
    return Cell(text, fmt)


def render_number(value: float, fmt: tuple[str, int] | None) -> str:
    if fmt is not None and fmt[0] == "fixed":
        return f"{value:.{fmt[1]}f}"
    if fmt is not None and fmt[0] == "percent":
        return f"{value * 100:.{fmt[1]}f}%"
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return "%.10g" % value


class Sheet:
    def __init__(self, sheet_id: int, title: str, index: int, rows: list[list[str]]):
        self.id, self.title, self.index = sheet_id, title, index
        self.row_count, self.col_count = max(len(rows) + 10, 20), max([len(r) for r in rows] + [26])
        self.frozen_rows = self.frozen_cols = 0
        self.cells: dict[tuple[int, int], Cell] = {}
        self.notes: dict[tuple[int, int], str] = {}
        self.merges: list[dict] = []
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                cell = entered(text, raw=False, old=None)
                if cell is not None:
                    self.cells[r, c] = cell

    def properties(self) -> dict:
        grid = {"rowCount": self.row_count, "columnCount": self.col_count}
        if self.frozen_rows:
            grid["frozenRowCount"] = self.frozen_rows
        if self.frozen_cols:
            grid["frozenColumnCount"] = self.frozen_cols
        return {"sheetId": self.id, "title": self.title, "index": self.index, "sheetType": "GRID",
                "gridProperties": grid}

    # --- values -----------------------------------------------------------------------------------------------
    def shown(self, r: int, c: int, depth: int = 0) -> str:
        cell = self.cells.get((r, c))
        if cell is None:
            return ""
        value = cell.value
        if isinstance(value, str) and value.startswith("=") and depth < 20:
            value = self.formula(value, depth + 1)
            if isinstance(value, str):
                return value
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, (int, float)):
            return render_number(value, cell.fmt)
        return value

    def number(self, r: int, c: int, depth: int):
        cell = self.cells.get((r, c))
        if cell is None:
            return None
        value = cell.value
        if isinstance(value, str) and value.startswith("="):
            value = self.formula(value, depth + 1)
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    def formula(self, text: str, depth: int):
        match = re.fullmatch(r"=\s*([A-Z]+)\((.*)\)\s*", text)
        if not match or match.group(1) not in FORMULAS:
            return "#NAME?"
        name, args = match.group(1), [a.strip() for a in match.group(2).split(",") if a.strip()]
        groups = []
        try:
            for arg in args:
                start, _, end = arg.partition(":")
                (r1, c1), (r2, c2) = parse_cell(start), parse_cell(end or start)
                groups.append([self.number(r, c, depth) for r in range(min(r1, r2), max(r1, r2) + 1)
                               for c in range(min(c1, c2), max(c1, c2) + 1)])
        except ApiError:
            return "#ERROR!"
        values = [v for group in groups for v in group if v is not None]
        if name == "MINUS":
            if len(groups) != 2 or any(len(g) != 1 for g in groups):
                return "#N/A"
            return (groups[0][0] or 0) - (groups[1][0] or 0)
        if name == "COUNT":
            return len(values)
        if name == "SUM":
            return sum(values)
        if name == "PRODUCT":
            product = 1
            for v in values:
                product *= v
            return product if values else 0
        if not values:
            return "#DIV/0!" if name == "AVERAGE" else 0
        return {"AVERAGE": sum(values) / len(values), "MAX": max(values), "MIN": min(values)}[name]

    def used(self) -> tuple[int, int]:
        keys = list(self.cells)
        return (max((r for r, _ in keys), default=-1) + 1, max((c for _, c in keys), default=-1) + 1)

    def check_grid(self, label: str, r: int, c: int) -> None:
        if r >= self.row_count or c >= self.col_count:
            raise ApiError(400, f"Range ('{self.title}'!{label}) exceeds grid limits. Max rows: {self.row_count}, "
                                f"max columns: {self.col_count}")

    # --- grid changes -----------------------------------------------------------------------------------------
    def _shift(self, moved) -> None:
        self.cells = {moved(k): v for k, v in self.cells.items() if moved(k) is not None}
        self.notes = {moved(k): v for k, v in self.notes.items() if moved(k) is not None}

    def insert(self, rows: bool, start: int, end: int) -> None:
        count = end - start
        if rows:
            self.row_count += count
            self._shift(lambda k: (k[0] + count, k[1]) if k[0] >= start else k)
        else:
            self.col_count += count
            self._shift(lambda k: (k[0], k[1] + count) if k[1] >= start else k)
        key = ("startRowIndex", "endRowIndex") if rows else ("startColumnIndex", "endColumnIndex")
        for merge in self.merges:
            if merge[key[0]] >= start:
                merge[key[0]] += count
                merge[key[1]] += count

    def delete(self, rows: bool, start: int, end: int) -> None:
        count = end - start

        def moved(k):
            index = k[0] if rows else k[1]
            if start <= index < end:
                return None
            if index >= end:
                return (k[0] - count, k[1]) if rows else (k[0], k[1] - count)
            return k

        self._shift(moved)
        key = ("startRowIndex", "endRowIndex") if rows else ("startColumnIndex", "endColumnIndex")
        kept = []
        for merge in self.merges:
            if merge[key[1]] <= start:
                kept.append(merge)
            elif merge[key[0]] >= end:
                merge[key[0]] -= count
                merge[key[1]] -= count
                kept.append(merge)
        self.merges = kept
        if rows:
            self.row_count -= count
        else:
            self.col_count -= count


class Google:
    """Spreadsheets (by id) with their sheets, Drive permissions, and the reference spreadsheet AgentBoard copies."""

    def __init__(self, reference: dict[str, list[list[str]]], reference_id: str = REFERENCE_ID):
        self.files: dict[str, dict] = {}
        self.copies = 0
        self.permissions = 0
        self.files[reference_id] = self._spreadsheet(reference_id, "Test Sheet-For Copy", reference)
        self.tokens: set[str] = set()

    @staticmethod
    def _spreadsheet(file_id: str, title: str, sheets: dict[str, list[list[str]]]) -> dict:
        return {"id": file_id, "title": title, "permissions": [],
                "sheets": [Sheet(1000 + i, name, i, rows) for i, (name, rows) in enumerate(sheets.items())]}

    def file(self, file_id: str) -> dict:
        if file_id not in self.files:
            raise ApiError(404, f"File not found: {file_id}.", "NOT_FOUND")
        return self.files[file_id]

    def sheet(self, spreadsheet: dict, title: str | None = None, sheet_id: int | None = None) -> Sheet:
        for sheet in spreadsheet["sheets"]:
            if (title is not None and sheet.title == title) or (sheet_id is not None and sheet.id == sheet_id):
                return sheet
        if sheet_id is not None:
            raise ApiError(400, f"No grid with id: {sheet_id}")
        raise ApiError(400, f"Unable to parse range: {title}")

    def target(self, spreadsheet: dict, text: str) -> tuple[Sheet, tuple[int, int], tuple[int, int] | None]:
        """A range `'Title'!A1:B2`, `Title!A1`, `'Title'` or `A1:B2` (first sheet): the sheet, start and end
        (None: to the end of the grid)."""
        title, a1 = None, text
        if text.startswith("'"):
            match = re.match(r"^'((?:[^']|'')*)'(?:!(.*))?$", text)
            if not match:
                raise ApiError(400, f"Unable to parse range: {text}")
            title, a1 = match.group(1).replace("''", "'"), match.group(2)
        elif "!" in text:
            title, a1 = text.split("!", 1)
        elif not re.fullmatch(r"[A-Za-z]+[0-9]+(:[A-Za-z]+[0-9]+)?", text):
            title, a1 = text, None
        sheet = spreadsheet["sheets"][0] if title is None else self.sheet(spreadsheet, title)
        if not a1:
            return sheet, (0, 0), None
        start, _, end = a1.partition(":")
        first = parse_cell(start)
        last = parse_cell(end) if end else first
        return sheet, (min(first[0], last[0]), min(first[1], last[1])), (max(first[0], last[0]), max(first[1], last[1]))

    def handle(self, service: str, method: str, parts: list[str], args: dict, body, headers) -> tuple[int, object]:
        if headers.get("Authorization", "").removeprefix("Bearer ") not in self.tokens:
            raise ApiError(401, "Request had invalid authentication credentials.", "UNAUTHENTICATED")
        if service == "drive":
            return self._drive(method, parts, args, body)
        return self._sheets(method, parts, args, body)

    def _drive(self, method: str, parts: list[str], args: dict, body) -> tuple[int, object]:
        spreadsheet = self.file(parts[0])
        if parts[1:] == [] and method == "GET":
            return 200, {"id": spreadsheet["id"], "name": spreadsheet["title"], "mimeType": SHEET_MIME}
        if parts[1:] == ["copy"] and method == "POST":
            self.copies += 1
            new_id = f"copy-{self.copies}"
            self.files[new_id] = {"id": new_id, "title": (body or {}).get("name") or f"Copy of {spreadsheet['title']}",
                                  "permissions": [], "sheets": copy.deepcopy(spreadsheet["sheets"])}
            return 200, {"kind": "drive#file", "id": new_id, "name": self.files[new_id]["title"], "mimeType": SHEET_MIME}
        if parts[1:] == ["comments"] and method == "GET":
            return 200, {"comments": []}
        if parts[1:] == ["permissions"] and method == "POST":
            self.permissions += 1
            permission = {"kind": "drive#permission", "id": f"perm-{self.permissions}", "type": body.get("type"),
                          "role": body.get("role")}
            spreadsheet["permissions"].append(dict(permission, emailAddress=body.get("emailAddress")))
            return 200, permission
        if len(parts) == 3 and parts[1] == "permissions" and method == "PATCH":
            found = next((p for p in spreadsheet["permissions"] if p["id"] == parts[2]), None)
            if found is None:
                raise ApiError(404, f"Permission not found: {parts[2]}.", "NOT_FOUND")
            found.update(body or {})
            return 200, {k: v for k, v in found.items() if k != "emailAddress"}
        raise ApiError(404, "Not found", "NOT_FOUND")

    def _sheets(self, method: str, parts: list[str], args: dict, body) -> tuple[int, object]:
        head = parts[0]
        if head.endswith(":batchUpdate") and method == "POST":
            spreadsheet = self.file(head.removesuffix(":batchUpdate"))
            return 200, {"spreadsheetId": spreadsheet["id"],
                         "replies": [self._request(spreadsheet, i, r) for i, r in enumerate(body["requests"])]}
        spreadsheet = self.file(head)
        if len(parts) == 1 and method == "GET":
            return 200, self._metadata(spreadsheet, args)
        if len(parts) == 3 and parts[1] == "values":
            text = parts[2]
            if text.endswith(":append") and method == "POST":
                return 200, self._append(spreadsheet, text.removesuffix(":append"), args, body)
            if method == "GET":
                return 200, self._get(spreadsheet, text)
            if method == "PUT":
                return 200, self._update(spreadsheet, text, args, body)
        raise ApiError(404, "Not found", "NOT_FOUND")

    def _metadata(self, spreadsheet: dict, args: dict) -> dict:
        if "ranges" in args:  # a note lookup: fields=sheets/data/rowData/values/note
            sheet, start, _ = self.target(spreadsheet, args["ranges"])
            note = sheet.notes.get(start)
            data = {"rowData": [{"values": [{"note": note}]}]} if note is not None else {}
            return {"sheets": [{"data": [data]}]}
        sheets = []
        for sheet in spreadsheet["sheets"]:
            entry = {"properties": sheet.properties()}
            if sheet.merges:
                entry["merges"] = [dict(m, sheetId=sheet.id) for m in sheet.merges]
            sheets.append(entry)
        return {"spreadsheetId": spreadsheet["id"],
                "properties": {"title": spreadsheet["title"], "locale": "en_US", "autoRecalc": "ON_CHANGE",
                               "timeZone": "Etc/GMT"},
                "sheets": sheets, "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{spreadsheet['id']}/edit"}

    def _get(self, spreadsheet: dict, text: str) -> dict:
        sheet, start, end = self.target(spreadsheet, text)
        if end is None:
            end = (sheet.row_count - 1, sheet.col_count - 1)
        sheet.check_grid(column_letters(end[1] + 1) + str(end[0] + 1), *end)
        rows = []
        for r in range(start[0], end[0] + 1):
            row = [sheet.shown(r, c) for c in range(start[1], end[1] + 1)]
            while row and row[-1] == "":
                row.pop()
            rows.append(row)
        while rows and not rows[-1]:
            rows.pop()
        answer = {"range": f"{sheet.title}!{column_letters(start[1] + 1)}{start[0] + 1}:"
                           f"{column_letters(end[1] + 1)}{end[0] + 1}", "majorDimension": "ROWS"}
        if rows:
            answer["values"] = rows
        return answer

    def _write(self, sheet: Sheet, start: tuple[int, int], values: list, columns: bool, raw: bool) -> int:
        if not isinstance(values, list) or not all(isinstance(v, list) for v in values):
            raise ApiError(400, "Invalid values[0]: expected a list of lists")
        written = 0
        for i, line in enumerate(values):
            for j, value in enumerate(line):
                r, c = (start[0] + j, start[1] + i) if columns else (start[0] + i, start[1] + j)
                if isinstance(value, (list, dict)):
                    raise ApiError(400, f"Invalid values[{i}][{j}]: list_value")
                sheet.check_grid(column_letters(c + 1) + str(r + 1), r, c)
                cell = entered(value, raw, sheet.cells.get((r, c)))
                if cell is None:
                    sheet.cells.pop((r, c), None)
                else:
                    sheet.cells[r, c] = cell
                written += 1
        return written

    def _update(self, spreadsheet: dict, text: str, args: dict, body: dict) -> dict:
        sheet, start, end = self.target(spreadsheet, text)
        values = body.get("values", [])
        columns = body.get("majorDimension") == "COLUMNS"
        if end is not None and isinstance(values, list):
            rows = max((len(v) for v in values if isinstance(v, list)), default=0) if columns else len(values)
            cols = len(values) if columns else max((len(v) for v in values if isinstance(v, list)), default=0)
            if start[0] + rows - 1 > end[0] or start[1] + cols - 1 > end[1]:
                raise ApiError(400, f"Requested writing within range [{text}], but tried writing beyond it")
        written = self._write(sheet, start, values, columns, args.get("valueInputOption") == "RAW")
        return {"spreadsheetId": spreadsheet["id"], "updatedRange": text, "updatedCells": written}

    def _append(self, spreadsheet: dict, text: str, args: dict, body: dict) -> dict:
        sheet, start, _ = self.target(spreadsheet, text)
        values = body.get("values", [])
        columns = body.get("majorDimension") == "COLUMNS"
        row = start[0]
        while any((row, c) in sheet.cells for c in range(start[1], start[1] + (len(values) if columns else 1))):
            row += 1  # below the table that starts at the range
        needed = row + (max((len(v) for v in values), default=0) if columns else len(values))
        sheet.row_count = max(sheet.row_count, needed)
        written = self._write(sheet, (row, start[1]), values, columns, args.get("valueInputOption") == "RAW")
        return {"spreadsheetId": spreadsheet["id"], "updates": {"updatedCells": written}}

    def _request(self, spreadsheet: dict, number: int, request: dict) -> dict:
        (kind, spec), = request.items()
        where = f"Invalid requests[{number}].{kind}"
        try:
            return self._apply(spreadsheet, kind, spec)
        except ApiError as error:
            raise ApiError(error.status, f"{where}: {error.message}") from None

    def _apply(self, spreadsheet: dict, kind: str, spec: dict) -> dict:
        if kind == "deleteSheet":
            sheet = self.sheet(spreadsheet, sheet_id=spec["sheetId"])
            spreadsheet["sheets"].remove(sheet)
            return {}
        grid = spec.get("range") or spec.get("properties") or {}
        sheet = self.sheet(spreadsheet, sheet_id=grid.get("sheetId"))
        if kind in ("insertDimension", "deleteDimension"):
            rows = grid["dimension"] == "ROWS"
            count = sheet.row_count if rows else sheet.col_count
            start, end = grid["startIndex"], grid["endIndex"]
            if kind == "insertDimension":
                if not 0 <= start <= count or end <= start:
                    raise ApiError(400, f"Invalid range to insert: [{start}, {end})")
                if spec.get("inheritFromBefore") and start == 0:
                    raise ApiError(400, "Cannot inherit from before when inserting at the start")
                sheet.insert(rows, start, end)
            else:
                if not 0 <= start < end or end > count:
                    raise ApiError(400, f"Cannot delete a dimension outside the grid: [{start}, {end})")
                if end - start == count:
                    raise ApiError(400, f"You can't delete all the {'rows' if rows else 'columns'} on the sheet.")
                sheet.delete(rows, start, end)
            return {}
        if kind == "updateSheetProperties":
            fields = spec["fields"].split(",")
            values = grid.get("gridProperties", {})
            for name, attr, limit in (("frozenRowCount", "frozen_rows", sheet.row_count),
                                      ("frozenColumnCount", "frozen_cols", sheet.col_count)):
                if f"gridProperties/{name}" in fields:
                    value = values.get(name, 0)
                    if not isinstance(value, int) or value < 0 or value >= limit:
                        raise ApiError(400, f"You can't freeze {value} of the {limit} rows or columns on the sheet.")
                    setattr(sheet, attr, value)
            return {}
        if kind == "sortRange":
            r1, r2 = grid.get("startRowIndex", 0), grid.get("endRowIndex", sheet.row_count)
            c1, c2 = grid.get("startColumnIndex", 0), grid.get("endColumnIndex", sheet.col_count)
            rows = [{c: sheet.cells.get((r, c)) for c in range(c1, c2)} for r in range(r1, r2)]
            for order in reversed(spec["sortSpecs"]):
                column = order["dimensionIndex"]
                if not c1 <= column < c2:
                    raise ApiError(400, f"Sort column {column} is outside the range")
                filled = [row for row in rows if row.get(column) is not None]
                empty = [row for row in rows if row.get(column) is None]
                filled.sort(key=lambda row: _sort_key(sheet, row[column]),
                            reverse=order.get("sortOrder") == "DESCENDING")
                rows = filled + empty  # empty cells go last in either order
            for i, row in enumerate(rows):
                for c, cell in row.items():
                    if cell is None:
                        sheet.cells.pop((r1 + i, c), None)
                    else:
                        sheet.cells[r1 + i, c] = cell
            return {}
        if kind == "mergeCells":
            r1, r2, c1, c2 = (grid["startRowIndex"], grid["endRowIndex"], grid["startColumnIndex"],
                              grid["endColumnIndex"])
            if r2 > sheet.row_count or c2 > sheet.col_count or (r2 - r1) * (c2 - c1) < 2:
                raise ApiError(400, "Must merge at least two cells inside the grid.")
            for merge in sheet.merges:
                if not (merge["endRowIndex"] <= r1 or r2 <= merge["startRowIndex"]
                        or merge["endColumnIndex"] <= c1 or c2 <= merge["startColumnIndex"]):
                    raise ApiError(400, "You can't merge cells that are already partly merged.")
            for r in range(r1, r2):
                for c in range(c1, c2):
                    if (r, c) != (r1, c1):
                        sheet.cells.pop((r, c), None)
            sheet.merges.append({"startRowIndex": r1, "endRowIndex": r2, "startColumnIndex": c1, "endColumnIndex": c2})
            return {}
        if kind == "updateCells" and spec.get("fields") == "note":
            r1, c1 = grid.get("startRowIndex", 0), grid.get("startColumnIndex", 0)
            for i, row in enumerate(spec.get("rows", [])):
                for j, value in enumerate(row.get("values", [])):
                    sheet.check_grid(column_letters(c1 + j + 1) + str(r1 + i + 1), r1 + i, c1 + j)
                    sheet.notes[r1 + i, c1 + j] = value.get("note", "")
            return {}
        raise ApiError(400, f"Unsupported request: {kind}")


def _sort_key(sheet: Sheet, cell: Cell):
    value = cell.value
    if isinstance(value, str) and value.startswith("="):
        value = sheet.formula(value, 1)
    if isinstance(value, bool):
        return (2, int(value), "")
    if isinstance(value, (int, float)):
        return (0, value, "")
    return (1, 0, str(value).lower())


# --- the server -------------------------------------------------------------------------------------------------
class FakeServices:
    """Both fakes behind one loopback HTTP server (see the module docstring); a context manager."""

    def __init__(self, todo_key: str = "todo-key", reference: dict[str, list[list[str]]] | None = None,
                 reference_id: str = REFERENCE_ID):
        self._fresh = (todo_key, reference or {"Sheet1": [["A"]]}, reference_id)
        self.reset()
        self._drops = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.todoist_url = self.url + "/todoist/rest/v2"
        self.sheets_url = self.url + "/sheets/v4/spreadsheets"
        self.drive_url = self.url + "/drive/v3/files"
        self.token_url = self.url + "/token"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> "FakeServices":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        """Both services as they started (ids count from the start again; tokens already issued stay valid), and
        no calls."""
        key, reference, reference_id = self._fresh
        tokens = self.google.tokens if hasattr(self, "google") else set()  # issued tokens stay valid
        self.todoist = Todoist(key)
        self.google = Google(reference, reference_id)
        self.google.tokens = tokens
        self.calls: list[list] = []

    def drop(self, count: int = 1) -> None:
        """Answer the next `count` requests by closing the connection without a reply."""
        with self._lock:
            self._drops = count

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _serve(self, method: str) -> None:
                split = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                with fake._lock:
                    if fake._drops:
                        fake._drops -= 1
                        self.close_connection = True
                        return
                args = {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
                if split.path == "/token":
                    form = {k: v[-1] for k, v in parse_qs(raw.decode()).items()}
                    if not form.get("assertion"):
                        return self._reply(400, {"error": "invalid_grant"})
                    token = f"token-{len(fake.google.tokens) + 1}"
                    fake.google.tokens.add(token)
                    return self._reply(200, {"access_token": token, "expires_in": 3600, "token_type": "Bearer"})
                body = json.loads(raw) if raw and "json" in (self.headers.get("Content-Type") or "") else None
                path = unquote(split.path)
                with fake._lock:
                    fake.calls.append([method, path, [list(a) for a in sorted(args.items())],
                                       json.dumps(body, sort_keys=True) if body is not None else None])
                    try:
                        status, answer = fake._route(method, path, args, body, self.headers)
                    except ApiError as error:
                        status, answer = error.status, {"error": {"code": error.status, "message": error.message,
                                                                  "status": error.kind}}
                self._reply(status, answer)

            def _reply(self, status: int, answer) -> None:
                data = b"" if answer is None else (answer.encode() if isinstance(answer, str)
                                                    else json.dumps(answer).encode())
                self.send_response(status)
                if answer is not None:
                    kind = "text/plain" if isinstance(answer, str) else "application/json"
                    self.send_header("Content-Type", f"{kind}; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self._serve("GET")

            def do_POST(self):
                self._serve("POST")

            def do_PUT(self):
                self._serve("PUT")

            def do_PATCH(self):
                self._serve("PATCH")

            def do_DELETE(self):
                self._serve("DELETE")

        return Handler

    def _route(self, method: str, path: str, args: dict, body, headers) -> tuple[int, object]:
        for prefix, service in (("/todoist/rest/v2/", "todoist"), ("/sheets/v4/spreadsheets/", "sheets"),
                                ("/drive/v3/files/", "drive")):
            if path.startswith(prefix):
                parts = [p for p in path[len(prefix):].split("/") if p]
                if service == "sheets" and len(parts) > 3:  # a range with a slash in its sheet title
                    parts = parts[:2] + ["/".join(parts[2:])]
                if service == "todoist":
                    return self.todoist.handle(method, parts, dict(args, **(body or {})), headers)
                return self.google.handle(service, method, parts, args, body, headers)
        return 404, "Not found"
