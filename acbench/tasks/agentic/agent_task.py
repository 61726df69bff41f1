"""The shared Task implementation of the agent environments: profiles, run, metrics, replay.

A subclass sets `name`, implements `load`, `make_env` and `make_paper`; everything else is here. Metric
keys are relative to the `real_world` capability: `<env>/progress_rate`, `<env>/success_rate`,
`<env>/grounding_acc`, `<env>/<easy|hard>/progress_rate`, `<env>/<easy|hard>/success_rate`, each the
paper value (AgentBoard's rules), with acbench's own value beside it as `<key>_strict`.
"""

from __future__ import annotations

from matplotlib.figure import Figure

from acbench.engines.base import Engine
from acbench.errors import ConfigError
from acbench.tasks.agentic.env import Environment
from acbench.tasks.agentic.gold import gold_steps
from acbench.tasks.agentic.loop import Episode, close_env, replay, run_episodes
from acbench.tasks.agentic.paper import PaperScorer
from acbench.metrics import Headline
from acbench.tasks.base import (STRICT_SUFFIX, GoldStep, ItemScore, RegisteredCapability, ResultStore, Sample, TaskResult,
                                check_scoring, headline_key)

PROFILES = {
    # ~4 short episodes per environment: the whole default run must fit minutes on a 2-core CPU
    "quick": {"limit": 2, "max_steps": 6, "max_new_tokens": 48},
    "paper": {"limit": None, "max_steps": 30, "max_new_tokens": 128},
}
# record field -> metric name; each field has a `_strict` twin in the record
FIELDS = {"progress_rate": "progress_rate", "success": "success_rate", "grounding_acc": "grounding_acc"}


class AgentTask:
    """A multi-turn environment task (implements the Task protocol; not a SingleTurnTask).

    Args:
        scoring: `paper` (AgentBoard's rules) or `strict` (acbench's): which progress rate is the headline.
            Both are always computed and logged.
    """

    name = ""
    capability = RegisteredCapability()
    headline = Headline("progress_rate", maximum=1.0)  # AgentBoard's progress rate, 0-1
    version = "2"

    def __init__(self, profile: str = "quick", max_steps: int | None = None,
                 max_new_tokens: int | None = None, batch_size: int | None = None, scoring: str = "paper"):
        if profile not in PROFILES:
            raise ConfigError(f"unknown profile '{profile}': choose from {sorted(PROFILES)}")
        settings = PROFILES[profile]
        self.profile = profile
        self.scoring = check_scoring(scoring)
        self.default_limit = settings["limit"]
        self.max_steps = settings["max_steps"] if max_steps is None else int(max_steps)
        self.max_new_tokens = settings["max_new_tokens"] if max_new_tokens is None else int(max_new_tokens)
        self.batch_size = batch_size
        if self.max_steps < 1 or self.max_new_tokens < 1:
            raise ConfigError("max_steps and max_new_tokens must be at least 1")

    def load(self, source: str | None = None, limit: int | None = None) -> list[Sample]:
        raise NotImplementedError

    def make_env(self, sample: Sample) -> Environment:
        raise NotImplementedError

    def make_paper(self, sample: Sample, env: Environment) -> PaperScorer:
        """The paper scorer of an episode (AgentBoard's rules on a private copy of the world)."""
        raise NotImplementedError

    def run(self, engine: Engine, samples: list[Sample], store: ResultStore) -> TaskResult:
        """Run the episodes not in `store`; stored episodes are re-scored (`rescore`) where `rescores_stored`."""
        stored = {s.id for s in samples if s.id in store}
        records = run_episodes(engine, samples, self.make_env, self.make_paper, store, self.name, self.max_steps,
                               self.max_new_tokens, self.batch_size)
        if self.rescores_stored:
            by_id = {s.id: s for s in samples}
            records = [self.rescore(by_id[str(r["id"])], r) if str(r["id"]) in stored else r for r in records]
        return self.aggregate(records)

    # Tasks whose paper rule lives in agents/paper.py on a deterministic simulator (PDDL, Tool-Query,
    # Tool-Operation) set this: replaying a stored episode is cheap there. Others keep their stored scores.
    rescores_stored = False

    def rescore(self, sample: Sample, record: dict) -> dict:
        """A stored episode scored again by the current rules (both tracks): the model's stored outputs, step by
        step, through a fresh environment and paper scorer. Only the stored steps exist: a rule that would end
        the episode later cannot ask the model for more (and a change to the environment's own dynamics needs
        a version bump, since the model saw its observations)."""
        env = self.make_env(sample)
        try:
            episode = Episode(sample, env, self.max_steps, self.make_paper(sample, env))
            for step in record.get("trajectory") or []:
                if episode.finished:
                    break
                episode.act(step.get("output") or "")
            return episode.record(self.name)
        finally:
            close_env(env)

    def gold_actions(self, sample: Sample) -> list[str] | None:
        """The expert trajectory's actions, written as the prompt asks (acbench/tasks/agentic/gold.py); None: none."""
        return None

    def gold_steps(self, sample: Sample, engine: Engine) -> list[GoldStep]:
        """The gold likelihood's steps: the expert trajectory replayed through the agent loop's prompts."""
        actions = self.gold_actions(sample)
        if not actions:
            return []
        env = self.make_env(sample)
        return gold_steps(sample, env, self.make_paper(sample, env), actions, engine, self.max_steps,
                          self.max_new_tokens)

    def score_predictions(self, samples: list[Sample], predictions: dict[str, str]) -> TaskResult:
        """Replay saved action sequences (one action per line) in fresh environments; no model."""
        records = []
        for s in samples:
            env = self.make_env(s)
            text = predictions.get(s.id, "")
            # the inverse of the record's "\n".join: an empty last action (an empty model output) is a step too;
            # splitlines() would drop it, and would split an action at \r or \u2028
            actions = text.split("\n") if text else []
            records.append(replay(s, env, self.make_paper(s, env), actions, self.name, self.max_steps))
        return self.aggregate(records)

    def aggregate(self, records: list[dict]) -> TaskResult:
        metrics = episode_metrics(self.name, records)
        main = headline_key(f"{self.name}/progress_rate", self.scoring)
        field = "progress_rate" if self.scoring == "paper" else "progress_rate" + STRICT_SUFFIX
        items = [ItemScore(str(r["id"]), float(r[field])) for r in records]
        figures = {f"{self.name}_progress.png": progress_figure(self.name, records, self.scoring)} if records else {}
        return TaskResult(self.name, self.capability, records, metrics, main, figures, items=items)


def _mean(values: list[float]) -> float:
    # a plain sum / count, the same arithmetic as headline_from_items, so the decomposition is exact
    return sum(values) / len(values)


def episode_metrics(env: str, records: list[dict]) -> dict[str, float]:
    """Progress, success and grounding overall, by difficulty, and by group (e.g. PDDL domain); paper and strict.

    An empty difficulty split is left out (AgentBoard logs 0 for it).
    """
    if not records:
        return {f"{env}/{metric}{suffix}": 0.0 for metric in FIELDS.values() for suffix in ("", STRICT_SUFFIX)}
    metrics = {}
    for field, metric in FIELDS.items():
        for suffix in ("", STRICT_SUFFIX):
            metrics[f"{env}/{metric}{suffix}"] = _mean([float(r[field + suffix]) for r in records])
    splits = [("difficulty", d) for d in ("easy", "hard")]
    groups = sorted({r.get("group") for r in records if r.get("group")})
    if len(groups) > 1:
        splits += [("group", g) for g in groups]
    metrics.update(_split_metrics(env, records, splits))
    return metrics


def group_metrics(env: str, records: list[dict]) -> dict[str, float]:
    """`<env>/<group>/progress_rate` and `success_rate` (and `_strict`) for every group, even a single one."""
    return _split_metrics(env, records, [("group", g) for g in sorted({r.get("group") for r in records
                                                                        if r.get("group")})])


def _split_metrics(env: str, records: list[dict], splits: list[tuple[str, str]]) -> dict[str, float]:
    metrics = {}
    for key, value in splits:
        part = [r for r in records if r.get(key) == value]
        if part:
            for field in ("progress_rate", "success"):
                for suffix in ("", STRICT_SUFFIX):
                    metrics[f"{env}/{value}/{FIELDS[field]}{suffix}"] = _mean([float(r[field + suffix]) for r in part])
    return metrics


def progress_curve(record: dict, steps: int, scoring: str = "paper") -> list[float]:
    """The progress after each of `steps` steps under one rule set; it holds the final value after the end."""
    suffix = "" if scoring == "paper" else STRICT_SUFFIX
    values = [t.get("progress" + suffix) for t in record["trajectory"]]
    live = [v for v in values if v is not None]
    curve, best = [], 0.0
    for k in range(steps):
        if k < len(live) - 1:
            best = max(best, live[k])
            curve.append(best)
        else:
            curve.append(float(record["progress_rate" + suffix]))  # final value (strict: 1.0 on success)
    return curve


def progress_figure(env: str, records: list[dict], scoring: str = "paper") -> Figure:
    """Mean progress after each step (best so far; paper r never falls), by difficulty."""
    fig = Figure(figsize=(5, 3.2))
    ax = fig.add_subplot()
    longest = max((len(r["trajectory"]) for r in records), default=0)
    for difficulty in ("easy", "hard", None):
        part = [r for r in records if r.get("difficulty") == difficulty]
        if not part or not longest:
            continue
        curves = [progress_curve(r, longest, scoring) for r in part]
        mean_curve = [sum(c[k] for c in curves) / len(curves) for k in range(longest)]
        ax.plot(range(1, longest + 1), mean_curve, marker="o", label=difficulty or "all")
    ax.set(xlabel="step", ylabel="progress rate", title=f"{env}: progress by step ({scoring})", ylim=(0, 1.05))
    if longest:
        ax.legend()
    fig.tight_layout()
    return fig
