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

The tools (sheet_tools.py) make the gspread calls sheets_tools.py makes and answer what it answers. Rules
(sheet_env.py): r = 0 after the opening; after every step whose observation lacks "Invalid" (an exception in a
tool's arguments answers "ERROR | Name(message)" and still counts), r = max(r, equal cells / cells of the top-left
overlap of the sheet's values and the item's answer); done when "finish" (any case) is in the call. Success: done
and r = 1.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass, fields

import requests

from acbench.tasks.agentic.agentboard import AgentBoardFilesError, VanillaLayout
from acbench.tasks.agentic.agentboard_live import LiveServiceError
from acbench.tasks.agentic.agentboard_tool import AgentBoardToolEnv, exception_text
from acbench.tasks.base import Sample
from acbench.tasks.tool_operation.sheet_tools import DELETE_PAUSE, SheetTools

SHEETS_VAR, DRIVE_VAR = "ACBENCH_SHEETS_URL", "ACBENCH_DRIVE_URL"
SHEETS_URL = "https://sheets.googleapis.com/v4/spreadsheets"  # gspread 5's addresses
DRIVE_URL = "https://www.googleapis.com/drive/v3/files"
SCOPES = ("https://www.googleapis.com/auth/spreadsheets", "https://www.googleapis.com/auth/drive")
TIMEOUT = 60.0  # seconds for one request (AgentBoard sets none)
PAUSE = 10.0  # tool.py sleeps this long before each step of a sheet episode (Google's request quota)


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
    """One AgentBoard sheet item on a fresh copy of the reference spreadsheet (see the module docstring; the step is
    agentboard_tool.AgentBoardToolEnv's, its call answered and scored by sheet_env's rules in `act`)."""

    network_exceptions = (requests.RequestException,)  # AgentBoard has no timeout; acbench's ends the episode

    def __init__(self, sample: Sample, checkout, service: SheetsService, pause: float = PAUSE):
        self.service, self.pause = service, pause
        self.target = json.loads(sample.data["answer"])  # reset() (the loop's first call) makes the copy
        super().__init__(sample, checkout.sheet)  # the OperationCheckout's sheet files

    def reset(self) -> str:
        self.tools = SheetTools(self.service.new_copy(), self.checkout, DELETE_PAUSE if self.pause else 0.0)
        observation = self.start()
        match = re.search(self.checkout.sheet_pattern, self.goal)
        name = self.checkout.sheet_prefix + match.group(1) if match else None
        opened, _ = self.act("open_sheet", {"name": str(name)}, "")  # reset_question_env's step, score dropped
        if self.network_failure:
            raise LiveServiceError(f"tool_operation sheet: opening {name} of the episode's copy failed: {opened}")
        self.reward, self.done, self.success = 0.0, False, False
        opening = (self.checkout.opening_action.format(name), self.checkout.opening_lead.format(name)
                   + str(self.observation_space))
        base = self.checkout.layout()
        self.layout = OpenedLayout(**{f.name: getattr(base, f.name) for f in fields(base)}, opening=opening)
        return observation

    def step(self, action_text: str) -> tuple[str, bool]:
        time.sleep(self.pause)  # tool.py's pause before each sheet step
        return super().step(action_text)

    def act(self, name: str, params, text: str) -> tuple[str, str]:
        try:
            observation, kind = self._dispatch(name, params)
        except Exception as exc:  # noqa: BLE001 - sheet_env's step: an error, the sheet still scored
            self.observation_space = self.tools.values()  # an exception here leaves the step (the episode ends)
            self.network_failure = self.tools.network_failure or isinstance(exc, self.network_exceptions)
            observation = self.checkout.error + exception_text(exc)
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
        self.reward = max(self.reward, match_score(self.observation_space, self.target, self.checkout.no_sheet))

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
        return self.checkout.invalid.format(name, self.valid_actions()), "error"
