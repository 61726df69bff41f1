"""A sweep's search space, read from YAML (`yaml.safe_load` only): what Optuna samples and what stays fixed.

    space = load_space("sweeps/quick.yaml")
    flat = space.suggest(trial)          # {"bits": 4, "group_size": 64} for this trial
    cfg = space.config(flat)             # RunConfig: fixed params + sampled params + the sweep's experiment

File format (every key but `params` optional; unknown keys are an error):

    experiment: acbench-sweeps           # MLflow experiment of the parent run and its trial runs
    sampler: tpe                         # tpe | random | grid | nsga2
    seed: 0                              # sampler seed (None: nondeterministic)
    objectives:                          # one (single-objective) or more (Pareto front)
      - {metric: retention/overall, direction: maximize}
      - {metric: model/size_mb, direction: minimize}
      # bound: lo optimises the lower end of the 95 % paired interval instead (stats/overall/retention_lo):
      # a setting wins only when its retention is reliably high, not when a few items happened to go well
      # - {metric: retention/overall, direction: maximize, bound: lo}
    seeds: [0, 1]                        # optional: every trial runs each calibration seed; objective = the mean
    confirm: true                        # default: trials run on the `select` half of each task's items and the
                                         # best trial is re-run on the held-back `confirm` half (split, below)
    fixed: {method: rtn, tasks: needle}  # flat run params shared by every trial
    task_options: {needle: {lengths: [500]}}   # per-task options, as in a run config
    params:
      bits: [2, 4, 8]                                  # a list: categorical choices
      group_size: {choices: [32, 64, 128]}             # the same, spelled out
      sparsity: {low: 0.3, high: 0.7, step: 0.1,       # a range: int if low/high/step are ints, else float
                 when: {method: [wanda, sparsegpt]}}   # only sampled when the run's method is listed
    enqueue:                             # trials to run first when the study is created (e.g. to show pruning)
      - {bits: 4, group_size: 128}
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


from acbench.config import PARAMS, RunConfig, load_config, load_yaml_file
from acbench.errors import ConfigError

SAMPLERS = ("tpe", "random", "grid", "nsga2")
DIRECTIONS = ("maximize", "minimize")
_TOP_KEYS = {"experiment", "sampler", "seed", "objectives", "fixed", "task_options", "params", "enqueue", "seeds",
             "confirm"}


@dataclass(frozen=True)
class Objective:
    """A metric logged by every run (e.g. `retention/overall`, `model/size_mb`) and its direction."""

    metric: str
    direction: str = "maximize"


@dataclass(frozen=True)
class Param:
    """One sampled run parameter: categorical `choices`, or a `low`..`high` range (`step`, `log`)."""

    name: str
    choices: tuple | None = None
    low: float | None = None
    high: float | None = None
    step: float | None = None
    log: bool = False
    when: dict[str, tuple] = field(default_factory=dict)

    @property
    def is_int(self) -> bool:
        return all(isinstance(v, int) and not isinstance(v, bool) for v in (self.low, self.high, self.step or 1))

    def applies(self, chosen: dict[str, Any]) -> bool:
        """True when every `when` condition holds for the values chosen so far (fixed or sampled)."""
        return all(chosen.get(key) in allowed for key, allowed in self.when.items())

    def suggest(self, trial) -> Any:
        if self.choices is not None:
            return trial.suggest_categorical(self.name, list(self.choices))
        if self.is_int:
            return trial.suggest_int(self.name, int(self.low), int(self.high), step=int(self.step or 1), log=self.log)
        return trial.suggest_float(self.name, float(self.low), float(self.high), step=self.step, log=self.log)


@dataclass(frozen=True)
class SweepSpace:
    """A parsed sweep file. `suggest` samples a trial's params; `config` turns them into a RunConfig."""

    params: tuple[Param, ...]
    objectives: tuple[Objective, ...] = (Objective("retention/overall", "maximize"),)
    fixed: dict[str, Any] = field(default_factory=dict)
    experiment: str = "acbench-sweeps"
    sampler: str = "tpe"
    seed: int | None = 0
    enqueue: tuple[dict, ...] = ()
    task_options: dict[str, dict] = field(default_factory=dict)
    source: str = ""
    seeds: tuple[int, ...] = ()
    confirm: bool = True  # trials select on split=select; the best is confirmed on split=confirm (sweep/confirm.py)

    @property
    def directions(self) -> list[str]:
        return [o.direction for o in self.objectives]

    def suggest(self, trial) -> dict[str, Any]:
        """Sample this trial's params in file order; a param whose `when` does not hold is left out."""
        chosen: dict[str, Any] = dict(self.fixed)
        sampled: dict[str, Any] = {}
        for param in self.params:
            if param.applies(chosen):
                sampled[param.name] = chosen[param.name] = param.suggest(trial)
        return sampled

    def config(self, sampled: dict[str, Any], seed: int | None = None, split: str | None = None) -> RunConfig:
        """The trial's RunConfig (ConfigError, a ValueError, when the combination is invalid); `seed`: a repeat.

        With `confirm` (the default) a trial runs on the selection half of the items (`split=select`); the
        confirmation of the best trial passes `split="confirm"`."""
        extra = {} if seed is None else {"seed": seed}
        if self.confirm:
            extra["split"] = split or "select"
        options = {"task_options": self.task_options} if self.task_options else {}
        return load_config({**self.fixed, **options}, {**sampled, **extra, "experiment": self.experiment})

    def grid(self) -> dict[str, list]:
        """The search space as GridSampler wants it (categorical params without conditions only)."""
        out = {}
        for p in self.params:
            if p.when:
                raise ConfigError(f"sampler 'grid' cannot take conditional param '{p.name}' (drop its 'when')")
            if p.choices is not None:
                out[p.name] = list(p.choices)
            elif p.step is not None:
                count = int(round((p.high - p.low) / p.step)) + 1
                values = [p.low + i * p.step for i in range(count)]
                out[p.name] = [int(v) for v in values] if p.is_int else [round(v, 10) for v in values]
            else:
                raise ConfigError(f"sampler 'grid' needs choices or a step for param '{p.name}'")
        return out

    def digest(self) -> str:
        """A hash of what decides the trials (params, fixed, objectives), to notice a changed file on resume."""
        blob = json.dumps({"params": [p.__dict__ for p in self.params], "fixed": self.fixed,
                           "objectives": [o.__dict__ for o in self.objectives], "experiment": self.experiment,
                           "task_options": self.task_options, **({"seeds": self.seeds} if self.seeds else {}),
                           **({} if self.confirm else {"confirm": False})},
                          sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def load_space(path: str | Path) -> SweepSpace:
    """Read and check a sweep file; every mistake is a ConfigError naming the file and the key."""
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"sweep file not found: {path}")
    data = load_yaml_file(path) or {}
    where = str(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: a sweep file is a mapping with 'params' (and optional {sorted(_TOP_KEYS)})")
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {unknown}; allowed: {sorted(_TOP_KEYS)}")
    params = tuple(_param(where, name, spec) for name, spec in (data.get("params") or {}).items())
    if not params:
        raise ConfigError(f"{where}: 'params' must name at least one parameter to sample")
    fixed = dict(data.get("fixed") or {})
    for key in fixed:
        _check_key(where, key, "fixed")
    overlap = sorted(set(fixed) & {p.name for p in params})
    if overlap:
        raise ConfigError(f"{where}: {overlap} both fixed and sampled")
    objectives = tuple(_objective(where, o) for o in (data.get("objectives") or [{"metric": "retention/overall"}]))
    if not 1 <= len(objectives) <= 3:
        raise ConfigError(f"{where}: give 1 to 3 objectives, not {len(objectives)}")
    sampler = str(data.get("sampler", "tpe")).lower()
    if sampler not in SAMPLERS:
        raise ConfigError(f"{where}: sampler '{sampler}' is not one of {SAMPLERS}")
    seed = data.get("seed", 0)
    if seed is not None and not isinstance(seed, int):
        raise ConfigError(f"{where}: seed must be an integer or null")
    enqueue = tuple(dict(e) for e in (data.get("enqueue") or []))
    task_options = data.get("task_options") or {}
    if not isinstance(task_options, dict) or not all(isinstance(v, dict) for v in task_options.values()):
        raise ConfigError(f"{where}: task_options maps a task name to a mapping of its options")
    seeds = data.get("seeds") or []
    if (not isinstance(seeds, list) or len(set(seeds)) != len(seeds)
            or not all(isinstance(s, int) and not isinstance(s, bool) for s in seeds)):
        raise ConfigError(f"{where}: 'seeds' must be a list of distinct integers, got {seeds!r}")
    if seeds and ("seed" in fixed or "seed" in {p.name for p in params}):
        raise ConfigError(f"{where}: 'seed' is fixed or sampled and the file repeats over 'seeds': use one")
    confirm = data.get("confirm", True)
    if not isinstance(confirm, bool):
        raise ConfigError(f"{where}: confirm must be true or false, got {confirm!r}")
    if confirm and ("split" in fixed or "split" in {p.name for p in params}):
        raise ConfigError(f"{where}: 'split' is set by the sweep (trials select on split=select, the best is "
                          "confirmed on split=confirm); remove it, or set confirm: false")
    names = {p.name for p in params}
    for point in enqueue:
        if not set(point) <= names:
            raise ConfigError(f"{where}: enqueued point {point} names params outside 'params' ({sorted(names)})")
    space = SweepSpace(params=params, objectives=objectives, fixed=fixed,
                       experiment=str(data.get("experiment", "acbench-sweeps")), sampler=sampler, seed=seed,
                       enqueue=enqueue, task_options=task_options, source=str(path), seeds=tuple(seeds),
                       confirm=confirm)
    if sampler == "grid":
        space.grid()
    return space


def _check_key(where: str, key: str, section: str) -> None:
    if key not in PARAMS or key == "experiment":
        raise ConfigError(f"{where}: '{key}' in '{section}' is not a run parameter; known: {', '.join(PARAMS)}"
                          + (" (set the top-level 'experiment' instead)" if key == "experiment" else ""))


def _param(where: str, name: str, spec: Any) -> Param:
    _check_key(where, name, "params")
    if isinstance(spec, list):
        spec = {"choices": spec}
    if not isinstance(spec, dict):
        raise ConfigError(f"{where}: param '{name}' must be a list of choices or a mapping (choices, or low/high)")
    unknown = sorted(set(spec) - {"choices", "low", "high", "step", "log", "when"})
    if unknown:
        raise ConfigError(f"{where}: param '{name}' has unknown key(s) {unknown}")
    when = {k: tuple(v if isinstance(v, list) else [v]) for k, v in (spec.get("when") or {}).items()}
    if "choices" in spec:
        choices = spec["choices"]
        if not isinstance(choices, list) or not choices:
            raise ConfigError(f"{where}: param '{name}': choices must be a non-empty list")
        for choice in choices:  # the schema's coercion: `bits: [four]` fails here, not trial by trial
            try:
                PARAMS[name].coerce(choice)
            except ConfigError as err:
                raise ConfigError(f"{where}: param '{name}': {err}") from None
        return Param(name, choices=tuple(choices), when=when)
    if PARAMS[name].kind not in ("int", "float"):
        raise ConfigError(f"{where}: param '{name}' is a {PARAMS[name].kind} parameter: give choices, not a range")
    if "low" not in spec or "high" not in spec:
        raise ConfigError(f"{where}: param '{name}' needs 'choices' or both 'low' and 'high'")
    low, high = spec["low"], spec["high"]
    if not all(isinstance(v, (int, float)) for v in (low, high)) or low >= high:
        raise ConfigError(f"{where}: param '{name}': low and high must be numbers with low < high")
    return Param(name, low=low, high=high, step=spec.get("step"), log=bool(spec.get("log", False)), when=when)


def _objective(where: str, item: Any) -> Objective:
    """An objective; `bound: lo|hi` turns a point metric into its interval bound (acbench.stats.bound_metric)."""
    if not isinstance(item, dict) or "metric" not in item or set(item) - {"metric", "direction", "bound"}:
        raise ConfigError(f"{where}: each objective is {{metric: NAME, direction: maximize|minimize, bound: lo|hi}} "
                          f"(bound optional), got {item}")
    direction = str(item.get("direction", "maximize")).lower()
    if direction not in DIRECTIONS:
        raise ConfigError(f"{where}: objective '{item['metric']}': direction must be maximize or minimize")
    metric = str(item["metric"])
    if item.get("bound") is not None:
        from acbench.stats.naming import bound_metric
        from acbench.tasks.registry import TASKS, capability_of

        try:
            metric = bound_metric(metric, str(item["bound"]), {name: capability_of(name) for name in TASKS})
        except ValueError as err:
            raise ConfigError(f"{where}: objective '{item['metric']}': {err}") from None
    return Objective(metric, direction)
