"""The shared Task implementation of the agent environments: profiles, run, metrics, replay.

A subclass sets `name`, implements `load` and `make_env`; everything else is here. Metric keys are
relative to the `real_world` capability: `<env>/progress_rate`, `<env>/success_rate`,
`<env>/grounding_acc`, `<env>/<easy|hard>/progress_rate`, `<env>/<easy|hard>/success_rate`.
"""

from __future__ import annotations

from statistics import mean

from matplotlib.figure import Figure

from acbench.engines.base import Engine
from acbench.tasks.agents.env import Environment
from acbench.tasks.agents.loop import replay, run_episodes
from acbench.tasks.base import ResultStore, Sample, TaskResult

PROFILES = {
    # ~4 short episodes per environment: the whole default run must fit minutes on a 2-core CPU
    "quick": {"limit": 2, "max_steps": 6, "max_new_tokens": 48},
    "paper": {"limit": None, "max_steps": 30, "max_new_tokens": 128},
}


class AgentTask:
    """A multi-turn environment task (implements the Task protocol; not a SingleTurnTask)."""

    name = ""
    capability = "real_world"
    version = "1"

    def __init__(self, profile: str = "quick", max_steps: int | None = None,
                 max_new_tokens: int | None = None, batch_size: int | None = None):
        if profile not in PROFILES:
            raise ValueError(f"unknown profile '{profile}': choose from {sorted(PROFILES)}")
        settings = PROFILES[profile]
        self.profile = profile
        self.default_limit = settings["limit"]
        self.max_steps = settings["max_steps"] if max_steps is None else int(max_steps)
        self.max_new_tokens = settings["max_new_tokens"] if max_new_tokens is None else int(max_new_tokens)
        self.batch_size = batch_size
        if self.max_steps < 1 or self.max_new_tokens < 1:
            raise ValueError("max_steps and max_new_tokens must be at least 1")

    def load(self, source: str | None = None, limit: int | None = None) -> list[Sample]:
        raise NotImplementedError

    def make_env(self, sample: Sample) -> Environment:
        raise NotImplementedError

    def run(self, engine: Engine, samples: list[Sample], store: ResultStore) -> TaskResult:
        records = run_episodes(engine, samples, self.make_env, store, self.name, self.max_steps,
                               self.max_new_tokens, self.batch_size)
        return self.aggregate(records)

    def score_predictions(self, samples: list[Sample], predictions: dict[str, str]) -> TaskResult:
        """Replay saved action sequences (one action per line) in fresh environments; no model."""
        records = [
            replay(s, self.make_env(s), predictions.get(s.id, "").splitlines(), self.name, self.max_steps)
            for s in samples
        ]
        return self.aggregate(records)

    def aggregate(self, records: list[dict]) -> TaskResult:
        metrics = episode_metrics(self.name, records)
        figures = {f"{self.name}_progress.png": progress_figure(self.name, records)} if records else {}
        return TaskResult(self.name, self.capability, records, metrics, f"{self.name}/progress_rate", figures)


def episode_metrics(env: str, records: list[dict]) -> dict[str, float]:
    """Progress, success and grounding overall, by difficulty, and by group (e.g. PDDL domain)."""
    if not records:
        return {f"{env}/progress_rate": 0.0, f"{env}/success_rate": 0.0, f"{env}/grounding_acc": 0.0}
    metrics = {
        f"{env}/progress_rate": mean(r["progress_rate"] for r in records),
        f"{env}/success_rate": mean(float(r["success"]) for r in records),
        f"{env}/grounding_acc": mean(r["grounding_acc"] for r in records),
    }
    splits = [("difficulty", d) for d in ("easy", "hard")]
    groups = sorted({r.get("group") for r in records if r.get("group")})
    if len(groups) > 1:
        splits += [("group", g) for g in groups]
    for field, value in splits:
        part = [r for r in records if r.get(field) == value]
        if part:
            metrics[f"{env}/{value}/progress_rate"] = mean(r["progress_rate"] for r in part)
            metrics[f"{env}/{value}/success_rate"] = mean(float(r["success"]) for r in part)
    return metrics


def progress_figure(env: str, records: list[dict]) -> Figure:
    """Mean best-so-far progress after each step, by difficulty."""
    fig = Figure(figsize=(5, 3.2))
    ax = fig.add_subplot()
    longest = max((len(r["trajectory"]) for r in records), default=0)
    for difficulty in ("easy", "hard", None):
        part = [r for r in records if r.get("difficulty") == difficulty]
        if not part:
            continue
        curve = []
        for step in range(1, longest + 1):
            values = []
            for r in part:
                seen = [t["progress"] for t in r["trajectory"][:step]]
                values.append(1.0 if r["success"] and step >= len(r["trajectory"]) else max(seen, default=0.0))
            curve.append(mean(values))
        ax.plot(range(1, longest + 1), curve, marker="o", label=difficulty or "all")
    ax.set(xlabel="step", ylabel="progress rate", title=f"{env}: progress by step", ylim=(0, 1.05))
    ax.legend()
    fig.tight_layout()
    return fig
