"""A local stand-in for open-meteo and TMDB: canned answers by host, path and query, served on 127.0.0.1.

    with FakeServices(DATA["services"]) as fake:      # fixtures/agentboard_live_data.json
        requests.get(fake.root + "/geocoding-api.open-meteo.com/v1/search", params={"name": "Paris", ...})
        fake.requests                                  # what it was asked, in order

Serves `<root>/<host>/<path>?<query>` (the layout acbench's `tool_query.services` root and the fixture script's
URL rewrite use). A route gives `status` and a `json` or `text` body for a host, a path and the exact query (as a
dict of strings; no `query`: any), or `drop`: the connection is closed without an answer (a network failure).
TMDB's host wants the token (`Authorization: Bearer <token>`), else it answers `unauthorized`; a request no route
matches gets the host's `unmatched` answer. Standard library only (the server: tests/tasks/loopback.py): the fixture
script, which runs AgentBoard's code without acbench, uses it too.
"""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, urlsplit

from tests.tasks.loopback import LoopbackServer, reply

TMDB_HOST = "api.themoviedb.org"


class FakeServices:
    def __init__(self, spec: dict):
        self.spec = spec
        self.requests: list[dict] = []
        self._server = LoopbackServer(lambda handler, method: self.answer(handler))
        self.root = self._server.url

    def __enter__(self) -> "FakeServices":
        self._server.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._server.__exit__(*exc)

    def route(self, host: str, path: str, query: dict) -> dict:
        for route in self.spec["routes"]:
            if route["host"] == host and route["path"] == path and route.get("query", query) == query:
                return route
        return self.spec["unmatched"].get(host, self.spec["unmatched"]["*"])

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        host, _, rest = parts.path.lstrip("/").partition("/")
        path, query = "/" + rest, dict(parse_qsl(parts.query, keep_blank_values=True))
        auth = handler.headers.get("Authorization")
        self.requests.append({"host": host, "path": path, "query": parts.query, "authorization": auth})
        if host == TMDB_HOST and auth != f"Bearer {self.spec['token']}":
            route = self.spec["unauthorized"]
        else:
            route = self.route(host, path, query)
        if route.get("drop"):
            handler.close_connection = True  # no status line: the client sees the connection closed
            return
        body = (json.dumps(route["json"]) if "json" in route else route["text"]).encode()
        reply(handler, route["status"], body, "application/json" if "json" in route else "text/plain")
