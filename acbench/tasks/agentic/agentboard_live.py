"""AgentBoard's tool environments that call live web services, and the error acbench gives for missing keys.

    require_keys("tool_query", ["academia", "movie"], checkout=None, offline=("academia",))   # raises without MOVIE_KEY

AgentBoard's weather (open-meteo), movie (TMDB), todo (Todoist) and sheet (Google Sheets) environments call those
services at every step, with the keys its `.env` holds (its assets/api_keys_tool.md says how to get them).
acbench runs all four against the live services (tool_query/weather.py, movie.py; tool_operation/todo_live.py,
sheet_live.py) when their keys are given; without them the task fails when it is built, naming what is missing.
None of them ever falls back to acbench's offline simulators.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from acbench.errors import ConfigError
from acbench.tasks.agentic.agentboard import ENV_VAR

GUIDE = "assets/api_keys_tool.md"  # AgentBoard's page on the keys, in its checkout


@dataclass(frozen=True)
class LiveTool:
    """A live AgentBoard tool environment: the service it calls, its keys (environment variables, as AgentBoard
    reads them from its .env) and files it needs in the checkout."""

    service: str
    keys: tuple[str, ...] = ()
    files: tuple[str, ...] = ()


LIVE_TOOLS = {
    "weather": LiveTool("the open-meteo web API (no key)"),
    "movie": LiveTool("TMDB, themoviedb.org", ("MOVIE_KEY",)),
    "todo": LiveTool("Todoist", ("TODO_KEY",)),
    "sheet": LiveTool("Google Sheets", ("SHEET_EMAIL",), ("agentboard/utils/sheet/credential.json",)),
}


class LiveServiceError(ConfigError):
    """A live web service an AgentBoard tool environment calls: its key or file is missing, it does not answer, or
    it refuses the key."""


def require_keys(task: str, tools: list[str], checkout: str | os.PathLike | None,
                 offline: tuple[str, ...] = ()) -> None:
    """Fails unless every key and checkout file that `tools` of `task` (subset=agentboard) need is there, naming
    each one missing, AgentBoard's page on getting them and the way out: the chosen environments that need nothing
    missing, else the task's `offline` ones (academia), or acbench's subset. `checkout`: None for
    $ACBENCH_AGENTBOARD_DIR."""
    checkout = checkout if checkout is not None else os.environ.get(ENV_VAR)
    lines, short = [], []
    for name in (name for name in tools if name in LIVE_TOOLS):
        tool = LIVE_TOOLS[name]
        missing = [f"{key} (not set)" for key in tool.keys if not os.environ.get(key)]
        for relative in tool.files:
            if checkout is None:
                missing.append(f"<AgentBoard checkout>/{relative} (no checkout named)")
            elif not (Path(checkout).expanduser() / relative).is_file():
                missing.append(f"{Path(checkout).expanduser() / relative} (missing)")
        if missing:
            lines.append(f"{name} calls {tool.service} and needs {', '.join(missing)}")
            short.append(name)
    if not lines:
        return
    rest = [name for name in tools if name not in short] or list(offline)
    way_out = (f"play only {', '.join(rest)} ({task}.tools={','.join(rest)}) or use " if rest else "use ")
    raise LiveServiceError(
        f"{task} subset=agentboard: " + "; ".join(lines) + f". AgentBoard's {GUIDE} (in its checkout) says how to "
        f"get them; set the keys in the environment, as AgentBoard's .env holds them. acbench never replaces these "
        f"services with its own simulators: {way_out}{task}.subset=acbench (acbench's offline simulators).")


def tool_list(tools: str | list[str] | None, default: list[str], known: tuple[str, ...], task: str) -> list[str]:
    """The `tools` option as a list, checked against AgentBoard's environments of the task."""
    if tools is None:
        return list(default)
    names = [t.strip() for t in tools.split(",")] if isinstance(tools, str) else [str(t).strip() for t in tools]
    names = [t for t in names if t]
    unknown = sorted(set(names) - set(known))
    if unknown or not names:
        raise ConfigError(f"{task}.tools: {unknown or 'none given'}: AgentBoard's {task} environments are "
                          f"{', '.join(known)}")
    return names
