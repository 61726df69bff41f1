"""AgentBoard's sheet environment on live Google Sheets, as `agentboard/environment/sheet_env.py` and
`agentboard/utils/sheet/sheets_tools.py` run it (through gspread 5.12, the library and API generation they call).

    service = SheetsService(credential_path, email, reference_id)  # a Google service account (credential.json)
    service.check()                                      # token and reference spreadsheet within seconds, or an error
    env = AgentBoardSheetEnv(sample, checkout, service)  # reset: the reference copied, shared, the goal's sheet opened
    env.step('update_cell with Action Input: {"position": "C4", "value": 20}')

Base URLs: $ACBENCH_SHEETS_URL and $ACBENCH_DRIVE_URL replace Google's Sheets v4 and Drive v3 addresses (tests point
them at a local fake); the token endpoint is the credential file's `token_uri`.

The reset (sheet_toolkits.init_sheets, then reset_question_env): the reference spreadsheet (sheets_tools.py's
REFERENCE_SHEET_ID) is copied into the service account's Drive, shared with SHEET_EMAIL as a writer and its
ownership offered to that address; the sheet the goal names ("SheetN") is opened by a step whose score is dropped,
and the agent's memory gets that call and "You are now in SheetN" with the sheet's values. Every episode makes a
new copy (AgentBoard removes none).

Each tool makes the gspread calls sheets_tools.py makes and answers what it answers: the sheet's values after a
change, the error's repr when a call fails (a tool catches its own exceptions), "Please open a sheet before
operating it" before a sheet is open. Rules (sheet_env.py): r = 0 after the opening; after every step whose
observation lacks "Invalid" (an exception in a tool's arguments answers "ERROR | Name(message)" and still counts),
r = max(r, equal cells / cells of the top-left overlap of the sheet's values and the item's answer); done when
"finish" (any case) is in the call. Success: done and r = 1.
"""

from __future__ import annotations

import json
import os
import re
import time
import warnings
from dataclasses import dataclass, fields

import requests

from acbench.tasks.agentic.agentboard import AgentBoardFilesError, VanillaLayout
from acbench.tasks.agentic.agentboard_live import LiveServiceError
from acbench.tasks.agentic.agentboard_tool import AgentBoardToolEnv, exception_text
from acbench.tasks.base import Sample

SHEETS_VAR, DRIVE_VAR = "ACBENCH_SHEETS_URL", "ACBENCH_DRIVE_URL"
SHEETS_URL = "https://sheets.googleapis.com/v4/spreadsheets"  # gspread 5's addresses
DRIVE_URL = "https://www.googleapis.com/drive/v3/files"
SCOPES = ("https://www.googleapis.com/auth/spreadsheets", "https://www.googleapis.com/auth/drive")
TIMEOUT = 60.0  # seconds for one request (AgentBoard sets none)
PAUSE = 10.0  # tool.py sleeps this long before each step of a sheet episode (Google's request quota)
DELETE_PAUSE = 0.2  # delete_batch_data's pause between rows/columns


def _gspread():
    try:
        import gspread
    except ImportError:  # a declared dependency: only a broken install lacks it
        raise LiveServiceError("tool_operation sheet needs the gspread package (pip install 'gspread==5.12.4')") \
            from None
    return gspread


class SheetsService:
    """An authorised gspread client of the service account in `credential`, its requests sent to the configured
    base URLs."""

    def __init__(self, credential, email: str, reference_id: str, timeout: float = TIMEOUT):
        from google.auth.transport.requests import AuthorizedSession
        from google.oauth2 import service_account

        gspread = _gspread()
        try:
            self.credentials = service_account.Credentials.from_service_account_file(str(credential),
                                                                                      scopes=list(SCOPES))
        except (OSError, ValueError, KeyError) as exc:
            raise AgentBoardFilesError(f"{credential}: not a Google service-account key file ({exc})") from None
        self.routes = ((SHEETS_URL, (os.environ.get(SHEETS_VAR) or SHEETS_URL).rstrip("/")),
                       (DRIVE_URL, (os.environ.get(DRIVE_VAR) or DRIVE_URL).rstrip("/")))
        routes = self.routes

        class Routed(AuthorizedSession):
            def request(self, method, url, *args, **kwargs):
                for real, local in routes:
                    if url.startswith(real):
                        url = local + url[len(real):]
                        break
                return super().request(method, url, *args, **kwargs)

        self.session = Routed(self.credentials)
        self.client = gspread.Client(auth=self.credentials, session=self.session)
        self.client.set_timeout(timeout)
        self.email, self.reference_id = email, reference_id

    def check(self, timeout: float = 10.0) -> None:
        """A token and a look at the reference spreadsheet: a clear error when Google does not answer within
        `timeout` s, refuses the key, or does not show the spreadsheet to the service account."""
        from google.auth.exceptions import GoogleAuthError
        from google.auth.transport.requests import Request

        token_uri = self.credentials._token_uri
        try:
            token_request = Request(requests.Session())
            self.credentials.refresh(lambda *a, **k: token_request(*a, **{**k, "timeout": timeout}))
        except (GoogleAuthError, requests.RequestException) as exc:
            raise LiveServiceError(f"tool_operation sheet: no Google token from {token_uri} within {timeout:g} s "
                                   f"({exception_text(exc)})") from None
        url = f"{DRIVE_URL}/{self.reference_id}"
        try:
            response = self.session.get(url, params={"fields": "id,name", "supportsAllDrives": True}, timeout=timeout)
        except requests.RequestException as exc:
            raise LiveServiceError(f"tool_operation sheet: Google Drive at {self.routes[1][1]} did not answer within "
                                   f"{timeout:g} s ({exception_text(exc)}); set {DRIVE_VAR} to reach another "
                                   f"address") from None
        if response.status_code != 200:
            raise LiveServiceError(f"tool_operation sheet: the service account cannot see AgentBoard's reference "
                                   f"spreadsheet {self.reference_id} (HTTP {response.status_code}: "
                                   f"{response.text[:200]})")

    def new_copy(self):
        """init_sheets: the reference copied, shared with the user as a writer, its ownership offered; opened."""
        try:
            copied = self.client.copy(file_id=self.reference_id)
            permission = copied.share(email_address=self.email, perm_type="user", role="writer", notify=False)
            copied.transfer_ownership(permission.json()["id"])
            return self.client.open_by_key(copied.id)
        except Exception as exc:  # noqa: BLE001 - AgentBoard prints it and plays on without a sheet; we stop
            raise LiveServiceError(f"tool_operation sheet: copying AgentBoard's reference spreadsheet "
                                   f"{self.reference_id} for the episode failed ({exception_text(exc)})") from None


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


def match_score(sheet, target: list, no_sheet: str) -> float:
    """sheet_env.get_match_score: equal cells / cells of the top-left overlap of `sheet` (the tools' values, or
    whatever text they gave instead, indexed as upstream indexes it) and the target."""
    if sheet == no_sheet:
        return 0.0
    rows = min(len(sheet), len(target))
    cols = min(len(sheet[0]) if sheet else 0, len(target[0]) if target else 0)
    cells = rows * cols
    equal = sum(sheet[i][j] == target[i][j] for i in range(rows) for j in range(cols))
    return equal / cells if cells else 0


@dataclass
class OpenedLayout(VanillaLayout):
    """The VanillaAgent layout whose memory starts with the sheet's opening call and its answer (tool.py)."""

    opening: tuple[str, str] | None = None

    def reset(self, goal: str, observation: str) -> None:
        super().reset(goal, observation)
        if self.opening is not None:
            self.update(*self.opening)


class AgentBoardSheetEnv(AgentBoardToolEnv):
    """One AgentBoard sheet item on a fresh copy of the reference spreadsheet (see the module docstring)."""

    def __init__(self, sample: Sample, checkout, service: SheetsService, pause: float = PAUSE):
        self.checkout, self.texts, self.sheet = checkout, checkout.texts, checkout.sheet
        self.error = self.sheet.error
        self.service, self.pause = service, pause
        self.goal = sample.data["goal"]
        self.target = json.loads(sample.data["answer"])  # reset() (the loop's first call) makes the copy

    def reset(self) -> str:
        self.tools = SheetTools(self.service.new_copy(), self.sheet, DELETE_PAUSE if self.pause else 0.0)
        observation = self.start()
        match = re.search(self.sheet.sheet_pattern, self.goal)
        name = self.sheet.sheet_prefix + match.group(1) if match else None
        opened, _ = self.act("open_sheet", {"name": str(name)}, "")  # reset_question_env's step, score dropped
        if self.network_failure:
            raise LiveServiceError(f"tool_operation sheet: opening {name} of the episode's copy failed: {opened}")
        self.reward, self.done, self.success = 0.0, False, False
        opening = (self.sheet.opening_action.format(name), self.sheet.opening_lead.format(name)
                   + str(self.observation_space))
        base = self.checkout.layout("sheet")
        self.layout = OpenedLayout(**{f.name: getattr(base, f.name) for f in fields(base)}, opening=opening)
        return observation

    def valid_actions(self) -> list[str]:
        return list(self.checkout.names["sheet"])

    def step(self, action_text: str) -> tuple[str, bool]:
        time.sleep(self.pause)  # tool.py's pause before each sheet step
        return super().step(action_text)

    def act(self, name: str, params, text: str) -> tuple[str, str]:
        try:
            observation, kind = self._dispatch(name, params)
        except Exception as exc:  # noqa: BLE001 - sheet_env's step: an error, the sheet still scored
            self.observation_space = self.tools.values()  # an exception here leaves the step (the episode ends)
            self.network_failure = self.tools.network_failure or isinstance(exc, requests.RequestException)
            observation = self.error + exception_text(exc)
            self.done = self.success = False
            if "Invalid" not in observation:
                self._score()
            return observation, "error"
        self.done = "finish" in text.lower()
        self.observation_space = self.tools.values()
        self.network_failure = self.tools.network_failure
        if "Invalid" not in str(observation):
            self._score()
        self.success = self.done and self.reward == 1.0
        return str(observation), kind

    def _score(self) -> None:
        self.reward = max(self.reward, match_score(self.observation_space, self.target, self.sheet.no_sheet))

    def _dispatch(self, name: str, params) -> tuple[object, str]:
        call = self.tools.call
        if name in ("open_sheet", "del_sheet"):
            return call(name, name=params["name"])
        if name == "freeze_data":
            return call(name, dimension=params["dimension"], num=params["num"])
        if name == "get_A1_annotation":
            return call(name, row=params["row"], col=params["col"])
        if name == "insert_cols":
            return call(name, values_list=params["values_list"], col_idx=params["col_idx"])
        if name == "insert_rows":
            return call(name, values_list=params["values_list"], row_idx=params["row_idx"])
        if name == "delete_batch_data":
            return call(name, dimension=params["dimension"], index_list=params["index_list"])
        if name in ("update_cell", "get_cell_value", "get_note"):
            extra = {"value": params["value"]} if name == "update_cell" else {}
            return call(name, position=params["position"], **extra)
        if name in ("update_cell_by_formula", "get_value_by_formula"):
            result = {"result_position": params["result_position"]} if name == "update_cell_by_formula" else {}
            if "position_list" in params:
                return call(name, position_list=params["position_list"], operator=params["operator"], **result)
            return call(name, start_position=params["start_position"], end_position=params["end_position"],
                        **result, operator=params["operator"])
        if name in ("update_range", "get_range_values", "merge_cells"):
            extra = {"values_list": params["values_list"]} if name == "update_range" else {}
            return call(name, start_position=params["start_position"], end_position=params["end_position"], **extra)
        if name == "sort_sheet_by_col":
            return call(name, col_num=params["col_num"], order=params["order"])
        if name == "update_note":
            return call(name, position=params["position"], content=params["content"])
        if name == "filter_cells":
            return call(name, query=params.get("query"), in_row=params.get("in_row"), in_column=params.get("in_column"))
        if name in ("get_all_values", "finish"):
            return call(name)
        if name == "get_observation_space":
            return "", "result"
        return self.sheet.invalid.format(name, self.valid_actions()), "error"
