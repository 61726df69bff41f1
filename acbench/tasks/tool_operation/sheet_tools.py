"""AgentBoard's sheet tools (`agentboard/utils/sheet/sheets_tools.py`) on one spreadsheet, through gspread 5.

    tools = SheetTools(spreadsheet, checkout.sheet)        # a gspread Spreadsheet; the checkout's sheet texts
    tools.call("open_sheet", name="Sheet1")                # (what the model sees, "result" or "failed")
    tools.values()                                         # what the environment scores after a step

Each tool makes the gspread calls sheets_tools.py makes, with the same arguments (values that look numeric turned
into floats, the model's indices passed on as given), and returns (ok, result): the sheet's values after a change,
the repr of the error when a call fails (a tool catches its own exceptions), the checkout's warnings. `call` adds
upstream's check that a sheet is open (every tool but open_sheet answers the no-sheet message before one is).
"""

from __future__ import annotations

import re
import time
import warnings

import requests

DELETE_PAUSE = 0.2  # delete_batch_data's pause between rows/columns


def _numeric(value) -> bool:
    try:
        float(value)
        return True
    except ValueError:  # anything else (a list, None) raises on, as upstream's check does
        return False


def _float(value):
    return float(value) if _numeric(value) else value


def _floats(rows):
    return [[float(v) if _numeric(v) else v for v in row] for row in rows]


class SheetTools:
    """sheets_tools.py's behaviour on one spreadsheet: each tool returns (ok, result); `call` adds the check that a
    sheet is open and returns what the model sees."""

    OPEN_FREE = ("open_sheet",)

    def __init__(self, spreadsheet, texts, delete_pause: float = DELETE_PAUSE):
        self.spreadsheet, self.texts, self.delete_pause = spreadsheet, texts, delete_pause
        self.worksheet = None
        self.network_failure = False

    def call(self, tool: str, /, **kwargs):
        if self.worksheet is None and tool not in self.OPEN_FREE:
            return self.texts.no_sheet, "failed"
        ok, result = getattr(self, tool)(**kwargs)
        return result, "result" if ok else "failed"

    def values(self):
        """What the environment scores: get_all_values' result ([1] of the no-sheet message without a sheet)."""
        return self.texts.no_sheet[1] if self.worksheet is None else self.get_all_values()[1]

    def _failed(self, error: Exception):
        self.network_failure = self.network_failure or isinstance(error, requests.RequestException)
        return False, repr(error)

    def open_sheet(self, name):
        try:
            self.worksheet = self.spreadsheet.worksheet(name)
        except Exception as error:  # noqa: BLE001 - every tool answers its own exceptions
            return self._failed(error)
        return True, self.worksheet

    def del_sheet(self, name):
        try:
            self.spreadsheet.del_worksheet(name)  # upstream passes the name where gspread wants a worksheet
        except Exception as error:  # noqa: BLE001
            return self._failed(error)
        return True, name

    def freeze_data(self, dimension, num):
        rows, columns = self.texts.freeze_dimensions
        try:
            num = int(num)
            if dimension == rows:
                self.worksheet.freeze(rows=num, cols=None)
            elif dimension == columns:
                self.worksheet.freeze(rows=None, cols=num)
            else:
                return False, repr(self.texts.bad_freeze)
        except Exception as error:  # noqa: BLE001
            return self._failed(error)
        return True, self.texts.frozen.format(dimension, num)

    def get_A1_annotation(self, row, col):  # noqa: N802 - the tool's name
        try:
            return True, self.worksheet.cell(int(row), int(col)).address
        except Exception as error:  # noqa: BLE001
            return self._failed(error)

    def _insert(self, columns: bool, values_list, index):
        try:
            values_list = _floats(values_list)  # upstream's 2D check is always true: every input is converted
            current = self.get_all_values()[1]
            count = len(current[0]) if columns else len(current)
            insert = self.worksheet.insert_cols if columns else self.worksheet.insert_rows
            insert(values_list, index, value_input_option="RAW", inherit_from_before=int(index) == count + 1)
        except Exception as error:  # noqa: BLE001
            return self._failed(error)
        return True, self.get_all_values()[1]

    def insert_cols(self, values_list, col_idx):
        return self._insert(True, values_list, col_idx)

    def insert_rows(self, values_list, row_idx):
        return self._insert(False, values_list, row_idx)

    def delete_batch_data(self, dimension, index_list):
        from gspread.utils import Dimension

        row, col = self.texts.delete_dimensions
        try:
            ordered = sorted(index_list, key=lambda x: int(x), reverse=True)
            if dimension == row:
                if len(index_list) >= len(self.get_all_values()[1]) - 1:
                    return False, repr(self.texts.whole_delete)
                kind = Dimension.rows
            elif dimension == col:
                if len(index_list) == len(self.get_all_values()[1][0]):
                    return False, repr(self.texts.whole_delete)
                kind = Dimension.cols
            else:
                return False, repr(self.texts.bad_dimension)
            for index in ordered:
                time.sleep(self.delete_pause)
                self.worksheet.delete_dimension(kind, index)
        except Exception as error:  # noqa: BLE001
            return self._failed(error)
        return True, self.get_all_values()[1]

    def update_cell(self, position, value):
        try:
            self.worksheet.update_acell(position, _float(value))
        except Exception as error:  # noqa: BLE001
            return self._failed(error)
        return True, self.get_all_values()[1]

    def _a1(self, text) -> bool:
        return re.match(self.texts.a1_pattern, text) is not None

    def _formula(self, operator, start, end, positions) -> str | None:
        """The formula a range or a position list asks for; None when a position is not A1 notation."""
        t = self.texts
        if positions is None:
            return t.range_formula.format(operator, start, end) if self._a1(start) and self._a1(end) else None
        return t.list_formula.format(operator, ",".join(positions)) if all(self._a1(p) for p in positions) else None

    def update_cell_by_formula(self, start_position="B1", end_position="D2", position_list=None,
                               result_position="G2", operator=""):
        try:
            if operator not in self.texts.operators:
                return False, repr(self.texts.bad_operator)
            formula = self._formula(operator, start_position, end_position, position_list)
            if formula is None or not self._a1(result_position):
                return False, repr(self.texts.formula_a1)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self.worksheet.update(result_position, formula, raw=False)
            return True, self.get_all_values()[1]
        except Exception as error:  # noqa: BLE001
            return self._failed(error)

    def update_range(self, start_position, end_position, values_list):
        try:
            rows, cols = len(self.get_all_values()[1]), len(self.get_all_values()[1][0])
            last = self.worksheet.cell(rows, cols).address
            if start_position == "A1" and end_position == last:
                return False, repr(self.texts.whole_update)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self.worksheet.update(f"{start_position}:{end_position}", _floats(values_list))
        except Exception as error:  # noqa: BLE001
            return self._failed(error)
        return True, self.get_all_values()[1]

    def sort_sheet_by_col(self, col_num, order):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self.worksheet.sort((int(col_num), order))
        except Exception as error:  # noqa: BLE001
            return self._failed(error)
        return True, self.get_all_values()[1]

    def merge_cells(self, start_position, end_position):
        try:
            self.worksheet.merge_cells(f"{start_position}:{end_position}", merge_type="MERGE_ALL")
        except Exception as error:  # noqa: BLE001
            return self._failed(error)
        return True, self.get_all_values()[1]

    def update_note(self, position, content):
        try:
            self.worksheet.update_note(position, content)
        except Exception as error:  # noqa: BLE001
            return self._failed(error)
        return True, self.texts.note_updated.format(position, self.get_note(position)[1])

    def get_all_values(self):
        try:
            rows = len(self.worksheet.get_all_values())
            cols = len(self.worksheet.get_all_values()[0])
            last = self.worksheet.cell(rows, cols).address
            return True, self.worksheet.get_values(f"A1:{last}", combine_merged_cells=True)
        except Exception as error:  # noqa: BLE001
            return self._failed(error)

    def get_range_values(self, start_position, end_position):
        try:
            return True, self.worksheet.get_values(f"{start_position}:{end_position}", combine_merged_cells=True)
        except Exception as error:  # noqa: BLE001
            return self._failed(error)

    def get_cell_value(self, position):
        try:
            return True, self.worksheet.acell(position).value
        except Exception as error:  # noqa: BLE001
            return self._failed(error)

    def get_value_by_formula(self, start_position="B1", end_position="D2", position_list=None, operator=""):
        # a scratch column after the last one holds the formula; failures before the `try` leave the tool
        column = len(self.worksheet.get_all_values()[0]) + 1
        self.insert_cols([[1]], column)
        cell = self.worksheet.cell(1, column).address
        try:
            if operator not in self.texts.operators:
                self.worksheet.delete_columns(column)
                return False, repr(self.texts.bad_operator)
            formula = self._formula(operator, start_position, end_position, position_list)
            if formula is None:  # the scratch column stays, as upstream leaves it
                return False, repr(self.texts.value_a1_range if position_list is None else self.texts.value_a1_list)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self.worksheet.update(cell, formula, raw=False)
            result = self.worksheet.acell(cell).value
            self.worksheet.delete_columns(column)
            return True, result
        except Exception as error:  # noqa: BLE001
            return self._failed(error)

    def filter_cells(self, query, in_row=None, in_column=None):
        try:
            in_row = int(in_row) if in_row is not None else None
            in_column = int(in_column) if in_column is not None else None
            found = self.worksheet.findall(query, in_row, in_column, case_sensitive=True)
            return True, [cell.address for cell in found]
        except Exception as error:  # noqa: BLE001
            return self._failed(error)

    def get_note(self, position):
        try:
            return True, self.worksheet.get_note(position)
        except Exception as error:  # noqa: BLE001
            return self._failed(error)

    def finish(self):
        return True, self.get_all_values()[1]
