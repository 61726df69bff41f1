"""The PDDL planning task (AgentBoard style): our blocksworld + gripper suites, any domain files, or AgentBoard's games.

    acbench evaluate --tasks real_world                    # pddl, tool_query, tool_operation; quick profile
    task = PDDLTask(profile="paper", domain="d.pddl", problems="probs/*.pddl")

Multi-turn (see agentic/loop.py); metrics are described in agentic/agent_task.py and README.md.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path

from acbench.errors import ConfigError
from acbench.tasks.agentic.agent_task import AgentTask, group_metrics
from acbench.tasks.agentic.agentboard import ENV_VAR, EnvironmentRules, file_sha256
from acbench.tasks.agentic.env import balanced
from acbench.tasks.base import Sample, TaskResult
from acbench.tasks.pddl.agentboard import AgentBoardPDDLEnv, PDDLCheckout, agentboard_samples
from acbench.tasks.pddl.env import PDDLEnv, builtin_pddl_dir, load_pddl_suite, problem_samples
from acbench.tasks.pddl.gold import pddl_plan
from acbench.tasks.pddl.paper import PDDLPaper

__all__ = ["PDDLTask"]


class PDDLTask(AgentTask):
    """PDDL planning: our blocksworld + gripper suites, or any domain/problem files, or AgentBoard's games.

    Args:
        domains: built-in (or source-folder) domain folders to use; None = all. With subset=agentboard: the
            AgentBoard games to play (gripper, blockworld, barman, tyreworld; None = all four).
        domain: a domain.pddl path; with `problems`, replaces the suite.
        problems: problem files for `domain`: a list of paths, a glob, or a folder.
        subset: `acbench` (our prompt and observations) or `agentboard` (AgentBoard's 60 problems, prompts,
            observation sentences and rules: agentboard_pddl.py; every problem, whatever the profile's limit).
            None: `agentboard` when option `agentboard` or `labels` is given, or on the paper profile when
            $ACBENCH_AGENTBOARD_DIR is set; else `acbench`.
        agentboard: the AgentBoard checkout (prompts and environment texts are read from it at run time);
            None: $ACBENCH_AGENTBOARD_DIR. Its problems are the default data source.
        labels: AgentBoard's data/pddl/test.jsonl (difficulty per problem); None: the problems are unlabelled.
    """

    name = "pddl"
    rescores_stored = True  # stored episodes are replayed with the current rules on every run
    version = "2"  # 2: paper scoring (AgentBoard rules) beside acbench's `_strict` rules

    def __init__(self, profile: str = "quick", max_steps: int | None = None, max_new_tokens: int | None = None,
                 batch_size: int | None = None, domains: list[str] | str | None = None,
                 domain: str | None = None, problems: list[str] | str | None = None, scoring: str = "paper",
                 subset: str | None = None, agentboard: str | None = None, labels: str | None = None):
        super().__init__(profile, max_steps, max_new_tokens, batch_size, scoring)
        self.domains = [d.strip() for d in domains.split(",")] if isinstance(domains, str) else domains
        if (domain is None) != (problems is None):
            raise ConfigError("options `domain` and `problems` go together: a domain file and its problems")
        self.domain, self.problems = domain, problems
        asked = agentboard is not None or labels is not None
        named = profile == "paper" and bool(os.environ.get(ENV_VAR))
        self.subset = str(subset) if subset is not None else ("agentboard" if asked or named else "acbench")
        if self.subset not in ("acbench", "agentboard"):
            raise ConfigError(f"unknown pddl subset '{self.subset}': choose from acbench, agentboard")
        self.agentboard, self.labels, self.prompt_sha256 = None, None, None
        if self.subset == "acbench":
            if agentboard is not None or labels is not None:
                raise ConfigError("options `agentboard` and `labels` are for subset=agentboard")
            return
        if domain is not None:
            raise ConfigError("options `domain` and `problems` are for subset=acbench; subset=agentboard reads "
                              "AgentBoard's games from a folder (--data pddl=<folder>)")
        self._checkout = PDDLCheckout(agentboard)  # a missing file fails here, before any model loads
        self.agentboard = str(self._checkout.root.resolve())
        self.prompt_sha256 = file_sha256(self._checkout.prompt_path)  # part of the results key
        self.labels = None if labels is None else str(Path(labels).resolve())
        self.default_limit = None  # AgentBoard's problem set is the point: all of it unless --limit says less

    def load(self, source: str | None = None, limit: int | None = None) -> list[Sample]:
        if self.subset == "agentboard":
            samples = agentboard_samples(source or self._checkout.pddl_dir, self.domains, self.labels)
            return balanced(samples, limit, lambda s: s.data["group"])
        if self.domain is not None:
            samples = problem_samples(self.domain, _problem_paths(self.problems))
        else:
            samples = load_pddl_suite(source or builtin_pddl_dir(), self.domains)
        key = lambda s: (s.data["group"], s.data["difficulty"])  # noqa: E731
        return balanced(samples, limit if limit is not None else self.default_limit, key)

    def make_env(self, sample: Sample) -> PDDLEnv | AgentBoardPDDLEnv:
        if self.subset == "agentboard":
            return AgentBoardPDDLEnv(sample, self._checkout)
        return PDDLEnv(sample.data["domain"], sample.data["problem"])

    def make_paper(self, sample: Sample, env: PDDLEnv | AgentBoardPDDLEnv) -> PDDLPaper | EnvironmentRules:
        if self.subset == "agentboard":
            return EnvironmentRules(env)
        return PDDLPaper(env.world, env.parse)

    def gold_actions(self, sample: Sample) -> list[str] | None:
        """An optimal plan by breadth-first search over acbench's simulator (acbench/tasks/pddl/gold.py); the
        AgentBoard subset runs AgentBoard's own environment, for which acbench has no planner: no gold."""
        if self.subset == "agentboard":
            return None
        plan = pddl_plan(str(sample.data["domain"]), str(sample.data["problem"]))
        return None if plan is None else list(plan)

    def aggregate(self, records: list[dict]) -> TaskResult:
        result = super().aggregate(records)
        if self.subset == "agentboard":  # per game even when only one game is played (AgentBoard reports per game)
            result.metrics.update(group_metrics(self.name, records))
        return result


def _problem_paths(problems: list[str] | str) -> list[str]:
    if isinstance(problems, str):
        path = Path(problems)
        if path.is_dir():
            return sorted(str(p) for p in path.glob("*.pddl") if p.name != "domain.pddl")
        found = sorted(glob.glob(problems))
        if not found:
            raise FileNotFoundError(f"no PDDL problem files match {problems}")
        return found
    return [str(p) for p in problems]
