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
PRODUCT over cells and ranges, references are not moved when rows or columns are inserted, deleted or sorted,
and numbers are shown in the cell's format (general, fixed decimals or percent). The parts: fake_todoist.py,
fake_google.py (spreadsheets, Drive) and fake_sheet_grid.py (cells, formulas, grid changes).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, unquote, urlsplit

from tests.tasks.loopback import LoopbackServer, reply
from tests.tasks.tool_operation.fake_google import REFERENCE_ID, ApiError, Google
from tests.tasks.tool_operation.fake_todoist import Todoist


class FakeServices:
    """Both fakes behind one loopback HTTP server (see the module docstring); a context manager."""

    def __init__(self, todo_key: str = "todo-key", reference: dict[str, list[list[str]]] | None = None,
                 reference_id: str = REFERENCE_ID):
        self._fresh = (todo_key, reference or {"Sheet1": [["A"]]}, reference_id)
        self.reset()
        self._drops = 0
        self._lock = threading.Lock()
        self._server = LoopbackServer(self._serve)
        self.url = self._server.url
        self.todoist_url = self.url + "/todoist/rest/v2"
        self.sheets_url = self.url + "/sheets/v4/spreadsheets"
        self.drive_url = self.url + "/drive/v3/files"
        self.token_url = self.url + "/token"

    def __enter__(self) -> "FakeServices":
        self._server.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._server.__exit__(*exc)

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

    def _serve(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        split = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        with self._lock:
            if self._drops:
                self._drops -= 1
                handler.close_connection = True
                return
        args = {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        if split.path == "/token":
            form = {k: v[-1] for k, v in parse_qs(raw.decode()).items()}
            if not form.get("assertion"):
                return _reply(handler, 400, {"error": "invalid_grant"})
            token = f"token-{len(self.google.tokens) + 1}"
            self.google.tokens.add(token)
            return _reply(handler, 200, {"access_token": token, "expires_in": 3600, "token_type": "Bearer"})
        body = json.loads(raw) if raw and "json" in (handler.headers.get("Content-Type") or "") else None
        path = unquote(split.path)
        with self._lock:
            self.calls.append([method, path, [list(a) for a in sorted(args.items())],
                               json.dumps(body, sort_keys=True) if body is not None else None])
            try:
                status, answer = self._route(method, path, args, body, handler.headers)
            except ApiError as error:
                status, answer = error.status, {"error": {"code": error.status, "message": error.message,
                                                          "status": error.kind}}
        _reply(handler, status, answer)

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


def _reply(handler: BaseHTTPRequestHandler, status: int, answer) -> None:
    """A text answer as text/plain, anything else but None as JSON (None: no body)."""
    if answer is None:
        return reply(handler, status, None, None)
    kind = "text/plain" if isinstance(answer, str) else "application/json"
    reply(handler, status, answer.encode() if isinstance(answer, str) else json.dumps(answer).encode(),
          f"{kind}; charset=utf-8")
