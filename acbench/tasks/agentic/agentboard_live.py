"""AgentBoard's tool environments that call live web services, and the error acbench gives for them.

    raise live_tools_error("tool_query", ["movie"], checkout=None, offline=("academia",))

AgentBoard's weather (open-meteo), movie (TMDB), todo (Todoist) and sheet (Google Sheets) environments call those
services at every step, with the keys its `.env` holds (its assets/api_keys_tool.md says how to get them).
acbench runs weather and movie (acbench/tasks/tool_query/weather.py, movie.py) and todo and sheet
(tool_operation/todo_live.py, sheet_live.py) against the live services when their keys are given; without them
the task fails when it is built, naming what is missing. None of them ever falls back to acbench's offline
simulators.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from acbench.errors import ConfigError

GUIDE = "assets/api_keys_tool.md"  # AgentBoard's page on the keys, in its checkout


@dataclass(frozen=True)
class LiveTool:
    """A live AgentBoard tool environment: the service it calls, its keys (environment variables, as AgentBoard
    reads them from its .env) and files it needs in the checkout."""

    service: str
    keys: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    runs: bool = False  # acbench calls the service when the keys are set


LIVE_TOOLS = {
    "weather": LiveTool("the open-meteo web API (no key)", runs=True),
    "movie": LiveTool("TMDB, themoviedb.org", ("MOVIE_KEY",), runs=True),
    "todo": LiveTool("Todoist", ("TODO_KEY",)),
    "sheet": LiveTool("Google Sheets", ("SHEET_EMAIL",), ("agentboard/utils/sheet/credential.json",)),
}


class LiveServiceError(ConfigError):
    """An AgentBoard environment that needs a live web service acbench does not call."""


def live_tools_error(task: str, tools: list[str], checkout: str | os.PathLike | None,
                     offline: tuple[str, ...] = ()) -> LiveServiceError:
    """The error for `tools` of `task` (subset=agentboard): each one's service and keys, which are missing, and
    either that the keys are needed (tools acbench runs) or that acbench does not run them against the live
    services even with the keys; `offline`: the task's AgentBoard environments that run without keys (named as
    the way out)."""
    lines = []
    for name in tools:
        tool = LIVE_TOOLS[name]
        needs = [f"{key} ({'set' if os.environ.get(key) else 'not set'})" for key in tool.keys]
        for relative in tool.files:
            if checkout is None:
                needs.append(f"<AgentBoard checkout>/{relative} (no checkout named)")
            else:
                path = Path(checkout).expanduser() / relative
                needs.append(f"{path} ({'present' if path.is_file() else 'missing'})")
        lines.append(f"{name}: calls {tool.service}" + (f"; needs {', '.join(needs)}" if needs else ""))
    if all(LIVE_TOOLS[name].runs for name in tools):
        return LiveServiceError(
            f"{task} subset=agentboard: AgentBoard's {', '.join(tools)} environment(s) call live web services and "
            f"need keys that are not set (" + "; ".join(lines) + f"). Set them in the environment, as AgentBoard's "
            f".env holds them ({GUIDE} in its checkout says how to get them); acbench never replaces these "
            f"services with its own simulators. "
            + (f"Or play only {', '.join(offline)} ({task}.tools={','.join(offline)}), or use " if offline
               else "Or use ")
            + f"{task}.subset=acbench (acbench's offline simulators).")
    return LiveServiceError(
        f"{task} subset=agentboard: AgentBoard's {', '.join(tools)} environment(s) call live web services ("
        + "; ".join(lines)
        + f"). AgentBoard's {GUIDE} (in its checkout) says how to get the keys. acbench does not yet run these "
        f"environments against the live services, with or without the keys, and never replaces them with its own "
        f"simulators. "
        + (f"Play only {', '.join(offline)} ({task}.tools={','.join(offline)}), or use " if offline else "Use ")
        + f"{task}.subset=acbench (acbench's offline simulators).")


def missing_keys(tools: list[str]) -> list[str]:
    """The live tools among `tools` that acbench runs but whose keys are not all set."""
    return [name for name in tools if name in LIVE_TOOLS and LIVE_TOOLS[name].runs
            and not all(os.environ.get(key) for key in LIVE_TOOLS[name].keys)]


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


def missing_keys_error(task: str, tools: list[str], checkout: str | os.PathLike | None) -> LiveServiceError | None:
    """For environments acbench runs against their live services (todo, sheet): None when every key and checkout
    file they need is there, else the error naming each one missing (and AgentBoard's page on getting them)."""
    lines = []
    for name in tools:
        tool = LIVE_TOOLS[name]
        missing = [f"{key} (not set)" for key in tool.keys if not os.environ.get(key)]
        for relative in tool.files:
            if checkout is None:
                missing.append(f"<AgentBoard checkout>/{relative} (no checkout named)")
            elif not (Path(checkout).expanduser() / relative).is_file():
                missing.append(f"{Path(checkout).expanduser() / relative} (missing)")
        if missing:
            lines.append(f"{name} calls {tool.service} and needs {', '.join(missing)}")
    if not lines:
        return None
    return LiveServiceError(
        f"{task} subset=agentboard: " + "; ".join(lines) + f". AgentBoard's {GUIDE} (in its checkout) says how to "
        f"get them; set the keys in the environment. acbench never replaces these services with its simulators: "
        f"leave out the environments you have no keys for ({task}.tools=...) or use {task}.subset=acbench.")
