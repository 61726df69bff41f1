"""The live web services of AgentBoard's weather (open-meteo) and movie (TMDB) tools: where acbench sends their
HTTP calls, and the health probe that runs when the task is built.

    services = Services.from_option(None)                  # the live services, or $ACBENCH_AGENTBOARD_SERVICES
    services.get(OPEN_METEO["geocoding"], params={"name": "Paris"})
    probe_services(["weather", "movie"], services)          # an unreachable service fails here, within seconds

Every call goes to the URL AgentBoard's tools call (`https://<host>/<path>`, the tables below), unless a services
root is given (task option `tool_query.services`, else the environment variable `ACBENCH_AGENTBOARD_SERVICES`):
then it goes to `<root>/<host>/<path>` with the same query and headers, e.g. a local fake server in the tests or a
recording proxy. Calls use `requests`, as AgentBoard's tools do, so a failure raises the same exceptions (and
gives the same `ERROR | ConnectionError(...)` observations); unlike AgentBoard, each call has a timeout.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from acbench.errors import ConfigError
from acbench.tasks.agentic.agentboard_live import LiveServiceError

ROOT_VAR = "ACBENCH_AGENTBOARD_SERVICES"
KEY_VAR = "MOVIE_KEY"  # AgentBoard's .env name for the TMDB API read access token
# the endpoints AgentBoard's weather_tools.py and movie_tools.py call (the services' public APIs)
OPEN_METEO = {
    "historical_weather": "https://archive-api.open-meteo.com/v1/archive",
    "geocoding": "https://geocoding-api.open-meteo.com/v1/search",
    "air_quality": "https://air-quality-api.open-meteo.com/v1/air-quality",
    "elevation": "https://api.open-meteo.com/v1/elevation",
}
TMDB = "https://api.themoviedb.org/3"
TMDB_CHECK = TMDB + "/authentication"  # answers 200 for a valid token, 401 otherwise
# AgentBoard's calls have no timeout (a stalled service stalls its run); acbench gives up after this and ends the
# episode as a network error
CALL_TIMEOUT = (10.0, 60.0)  # seconds to connect, to read
PROBE_TIMEOUT = 5.0


@dataclass(frozen=True)
class Services:
    """Where the live calls go (`root`: None for the live services) and the TMDB token."""

    root: str | None = None
    movie_key: str | None = None

    @classmethod
    def from_option(cls, root: str | None) -> "Services":
        value = root if root is not None else os.environ.get(ROOT_VAR)
        if value:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                where = "tool_query.services" if root is not None else ROOT_VAR
                raise ConfigError(f"{where}: '{value}' is not an http(s) URL (the root that replaces "
                                  f"https://<host> in every call, e.g. http://127.0.0.1:8080)")
        return cls(value.rstrip("/") if value else None, os.environ.get(KEY_VAR) or None)

    def url(self, live: str) -> str:
        """Where a call to the live URL `live` goes."""
        return live if self.root is None else f"{self.root}/{live.split('://', 1)[1]}"

    def headers(self) -> dict[str, str]:
        """TMDB's header, as AgentBoard's movie tools send it."""
        return {"Authorization": f"Bearer {self.movie_key or ''}"}

    def get(self, live: str, params: dict | None = None, tmdb: bool = False) -> requests.Response:
        return requests.get(self.url(live), params=params, headers=self.headers() if tmdb else None,
                            timeout=CALL_TIMEOUT)


def _probe(services: Services, tool: str, live: str) -> str | None:
    """None when the service answers (any HTTP status; TMDB must accept the token), else what is wrong."""
    url = services.url(live)
    try:
        response = requests.get(url, headers=services.headers() if tool == "movie" else None,
                                timeout=PROBE_TIMEOUT, allow_redirects=False)
    except requests.RequestException as exc:
        return f"{url} does not answer ({type(exc).__name__}: {exc})"
    if tool == "movie" and response.status_code != 200:
        return f"{url} refused {KEY_VAR} (HTTP {response.status_code}: {response.text[:200]})"
    return None


def probe_services(tools: list[str], services: Services) -> None:
    """One cheap request to every host the `tools` call (in parallel, a few seconds at most): an unreachable
    service, or a TMDB token it refuses, fails here, before any model loads."""
    targets = [(tool, live) for tool in tools for live in
               ({"weather": [f"https://{urlsplit(u).netloc}/" for u in OPEN_METEO.values()],
                 "movie": [TMDB_CHECK]}.get(tool, []))]
    if not targets:
        return
    with ThreadPoolExecutor(max_workers=len(targets)) as pool:
        problems = list(pool.map(lambda target: _probe(services, *target), targets))
    lines = [f"{tool}: {problem}" for (tool, _), problem in zip(targets, problems) if problem]
    if lines:
        where = (f"the services root {services.root} (tool_query.services or {ROOT_VAR})" if services.root
                 else "the live services (AgentBoard's own URLs)")
        raise LiveServiceError(
            "tool_query subset=agentboard: AgentBoard's live tool environments call " + where + " at every step, "
            "and a probe failed: " + "; ".join(lines) + ". Check the network and the key, point tool_query.services "
            f"(or {ROOT_VAR}) at a server that answers, or leave the tool out (tool_query.tools=academia).")
