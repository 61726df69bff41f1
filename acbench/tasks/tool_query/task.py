"""The Tool-Query task (AgentBoard style): questions over an offline academic graph, or AgentBoard's academia,
weather and movie items (the last two against their live web services).

    acbench evaluate --tasks tool_query
    acbench evaluate --tasks tool_query --task-option tool_query.subset=agentboard \
        --task-option tool_query.agentboard=/src/AgentBoard --data tool_query=/src/AgentBoard/data
    MOVIE_KEY=... acbench evaluate --tasks tool_query --task-option tool_query.tools=academia,weather,movie \
        --task-option tool_query.agentboard=/src/AgentBoard --data tool_query=/src/AgentBoard/data

Multi-turn (see agentic/loop.py); metrics are described in agentic/agent_task.py and README.md.
"""

from __future__ import annotations

import os
from pathlib import Path

from acbench.errors import ConfigError
from acbench.tasks.agentic.agent_task import AgentTask, group_metrics
from acbench.tasks.agentic.agentboard import ENV_VAR, EnvironmentRules, file_sha256
from acbench.tasks.agentic.agentboard_live import LIVE_TOOLS, require_keys, tool_list
from acbench.tasks.agentic.agentboard_tool import AgentBoardToolEnv, read_items
from acbench.tasks.agentic.env import balanced
from acbench.tasks.agentic.paper import ToolPaper
from acbench.tasks.base import Sample, TaskResult
from acbench.tasks.tool_query.agentboard import (AcademiaCheckout, AgentBoardAcademiaEnv, query_dir, read_graphs,
                                                 tool_samples)
from acbench.tasks.tool_query.env import ToolQueryEnv, load_query_suite
from acbench.tasks.tool_query.movie import AgentBoardMovieEnv, MovieCheckout
from acbench.tasks.tool_query.services import Services, probe_services
from acbench.tasks.tool_query.weather import AgentBoardWeatherEnv, WeatherCheckout, require_geopy

__all__ = ["ToolQueryTask"]

TOOLS = ("academia", "weather", "movie")  # AgentBoard's tool-query environments
CHECKOUTS = {"academia": AcademiaCheckout, "weather": WeatherCheckout, "movie": MovieCheckout}
ENVS = {"academia": AgentBoardAcademiaEnv, "weather": AgentBoardWeatherEnv, "movie": AgentBoardMovieEnv}


class ToolQueryTask(AgentTask):
    """Tool-Query: questions over an offline academic graph, answered through tool calls.

    Args:
        subset: `acbench` (our graph, questions and prompt) or `agentboard` (AgentBoard's items, tools, texts and
            rules: agentboard.py, weather.py, movie.py). None: `agentboard` when option `agentboard`, `tools` or
            `services` is given, or on the paper profile when $ACBENCH_AGENTBOARD_DIR names a checkout whose
            data/tool-query holds test.jsonl; else `acbench`.
        agentboard: the AgentBoard checkout (prompts and texts are read from it at run time); None:
            $ACBENCH_AGENTBOARD_DIR. Its data/tool-query (the data archive unpacked there) is the default data.
        tools: AgentBoard's tool-query environments to play (default academia): academia (offline), weather (the
            open-meteo web APIs, no key) and movie (TMDB, needs MOVIE_KEY) call their live services at every step;
            a missing key or a service that does not answer fails when the task is built.
        services: a root URL that replaces `https://<host>` in every weather and movie call (a local fake server,
            a recording proxy); None: $ACBENCH_AGENTBOARD_SERVICES, else the live services (services.py).
    """

    name = "tool_query"
    rescores_stored = True  # stored episodes are replayed with the current rules on every run (not live ones)
    version = "2"  # 2: paper scoring (AgentBoard rules) beside acbench's `_strict` rules

    def __init__(self, profile: str = "quick", max_steps: int | None = None, max_new_tokens: int | None = None,
                 batch_size: int | None = None, scoring: str = "paper", subset: str | None = None,
                 agentboard: str | None = None, tools: str | list[str] | None = None, services: str | None = None):
        super().__init__(profile, max_steps, max_new_tokens, batch_size, scoring)
        named = os.environ.get(ENV_VAR)
        present = bool(named) and (Path(named) / "data" / "tool-query" / "test.jsonl").is_file()
        given = any(option is not None for option in (agentboard, tools, services))
        default = "agentboard" if given or (profile == "paper" and present) else "acbench"
        self.subset = str(subset) if subset is not None else default
        if self.subset not in ("acbench", "agentboard"):
            raise ConfigError(f"unknown tool_query subset '{self.subset}': choose from acbench, agentboard")
        self.agentboard, self.tools, self.prompt_sha256, self.data_sha256 = None, None, None, None
        self.services = None
        if self.subset == "acbench":
            if given:
                raise ConfigError("options `agentboard`, `tools` and `services` are for tool_query subset=agentboard")
            return
        self.tools = tool_list(tools, ["academia"], TOOLS, "tool_query")
        require_keys("tool_query", self.tools, agentboard, offline=("academia",))
        # a missing file fails here, before any model loads
        self._checkouts = {tool: CHECKOUTS[tool](agentboard) for tool in self.tools}
        self.agentboard = str(next(iter(self._checkouts.values())).root.resolve())
        # part of the results key (one prompt: its sha256 alone, as before weather and movie ran)
        self.prompt_sha256 = " ".join(file_sha256(c.prompt_path) for c in self._checkouts.values())
        self._services = Services.from_option(services)
        live = [tool for tool in self.tools if tool in LIVE_TOOLS]
        if live:
            if "weather" in live:
                require_geopy()
            probe_services(live, self._services)  # a service that does not answer fails here, within seconds
            self.services = self._services.root  # part of the results key: a fake server's episodes stay apart
        self.default_limit = None  # AgentBoard's items are the point: all of them unless --limit says less

    def load(self, source: str | None = None, limit: int | None = None) -> list[Sample]:
        if self.subset == "agentboard":
            folder = query_dir(source if source is not None else Path(self.agentboard) / "data")
            read_items(folder / "test.jsonl", "tool-query")  # a missing or bad file is named before the graphs are read
            if "academia" in self.tools:
                read_graphs(folder)  # a missing or unreadable graph fails here, before any model
            samples = tool_samples(folder, self.tools)
            self.data_sha256 = file_sha256(folder / "test.jsonl")  # part of the results key
            return balanced(samples, limit, key=lambda s: (s.data["group"], s.data["difficulty"]))
        return balanced(load_query_suite(source), limit if limit is not None else self.default_limit)

    def make_env(self, sample: Sample) -> ToolQueryEnv | AgentBoardToolEnv:
        if self.subset == "agentboard":
            tool = sample.data["group"]
            if tool == "academia":
                return AgentBoardAcademiaEnv(sample, self._checkouts[tool])
            return ENVS[tool](sample, self._checkouts[tool], self._services)
        return ToolQueryEnv(sample)

    def rescore(self, sample: Sample, record: dict) -> dict:
        """A stored weather or movie episode keeps its scores: replaying it would call the live services again,
        whose answers (a forecast, a film's cast) may have changed since the model saw them."""
        if self.subset == "agentboard" and sample.data["group"] in LIVE_TOOLS:
            return record
        return super().rescore(sample, record)

    def gold_actions(self, sample: Sample) -> list[str] | None:
        """The data's gold calls; AgentBoard's items have gold subgoals but no gold calls: none for that subset."""
        if self.subset == "agentboard":
            return None
        env = ToolQueryEnv(sample)
        return [env.agentboard_call(call) for call in sample.data["gold_actions"]]

    def make_paper(self, sample: Sample, env: ToolQueryEnv | AgentBoardToolEnv):
        """Gold subgoals: the raw results of the gold calls, replayed once per episode, and the answer
        (AgentBoard's subset: its environment keeps its own rules)."""
        if self.subset == "agentboard":
            return EnvironmentRules(env)
        return ToolPaper.from_gold(lambda: ToolQueryEnv(sample), sample.data["gold_actions"], "query")

    def aggregate(self, records: list[dict]) -> TaskResult:
        result = super().aggregate(records)
        if self.subset == "agentboard":  # per tool, as AgentBoard's tool-query mixes three
            result.metrics.update(group_metrics(self.name, records))
        return result

