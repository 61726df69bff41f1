"""A loopback HTTP server for the tests' stand-ins of web services (standard library only: the fixture scripts that
run AgentBoard's code without acbench use the stand-ins too).

    with LoopbackServer(answer) as server:       # answer(handler, method) for every request
        requests.get(server.url + "/v1/search")
    reply(handler, 200, b'{"results": []}', "application/json")

Used by tests/tasks/tool_query/fake_services.py (open-meteo, TMDB) and tests/tasks/tool_operation/fake_services.py
(Todoist, Google Sheets and Drive).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


class LoopbackServer:
    """A threading HTTP server on 127.0.0.1 (a free port: `url`), serving from a daemon thread inside a `with`
    block; every request goes to `answer(handler, method)`, and nothing is logged."""

    def __init__(self, answer: Callable[[BaseHTTPRequestHandler, str], None]):
        handlers = {f"do_{method}": (lambda self, m=method: answer(self, m)) for method in METHODS}
        handler = type("Handler", (BaseHTTPRequestHandler,), {**handlers, "log_message": lambda self, *args: None})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)  # loopback only
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "LoopbackServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def reply(handler: BaseHTTPRequestHandler, status: int, body: bytes | None, content_type: str | None) -> None:
    """An answer with `status` and, unless None, `body` of `content_type` (and its length)."""
    handler.send_response(status)
    if content_type is not None:
        handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body or b"")))
    handler.end_headers()
    if body:
        handler.wfile.write(body)
