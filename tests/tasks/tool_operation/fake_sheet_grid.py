"""The sheets of the local Google fake (fake_services.py): cells with an entered value and a number format, the
formulas AgentBoard's sheet tools write, and the grid changes (insert, delete) its requests make."""

from __future__ import annotations

import re

FORMULAS = ("SUM", "AVERAGE", "COUNT", "MAX", "MIN", "MINUS", "PRODUCT")


class ApiError(Exception):
    def __init__(self, status: int, message: str, kind: str = "INVALID_ARGUMENT"):
        super().__init__(message)
        self.status, self.message, self.kind = status, message, kind


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


def _sort_key(sheet: Sheet, cell: Cell):
    value = cell.value
    if isinstance(value, str) and value.startswith("="):
        value = sheet.formula(value, 1)
    if isinstance(value, bool):
        return (2, int(value), "")
    if isinstance(value, (int, float)):
        return (0, value, "")
    return (1, 0, str(value).lower())


