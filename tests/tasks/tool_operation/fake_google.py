"""The Google Sheets v4 and Drive v3 part of the local fake (fake_services.py): spreadsheets by id, the reference
spreadsheet AgentBoard copies, Drive copies and permissions, and the Sheets requests gspread 5 sends."""

from __future__ import annotations

import copy
import re

from tests.tasks.tool_operation.fake_sheet_grid import ApiError, Sheet, _sort_key, column_letters, entered, parse_cell

REFERENCE_ID = "reference-sheet"
SHEET_MIME = "application/vnd.google-apps.spreadsheet"


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
            return 200, {"kind": "drive#file", "id": new_id, "name": self.files[new_id]["title"],
                         "mimeType": SHEET_MIME}
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


