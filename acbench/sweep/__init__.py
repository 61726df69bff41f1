"""Optuna sweeps and experiment grids: one MLflow parent run, one child run per trial or grid entry.

    acbench sweep sweeps/quick.yaml --trials 4 --study quick
    acbench grid experiments/paper_quantization.yaml --dry-run

    from acbench.sweep import load_space, run_sweep
    result = run_sweep("sweeps/quick.yaml", study_name="quick", trials=4)

`space.py` reads the search space, `study.py` holds the Optuna storage/study/heartbeat logic,
`runner.py` maps each trial to `run_experiment` and keeps the parent run's summary current,
`summary.py` builds the trials table, Pareto front and figure, `grid.py` runs fixed lists of configs.
"""

from acbench.sweep.cli import add_sweep_parser
from acbench.sweep.grid import add_grid_parser, load_grid, run_grid
from acbench.sweep.space import Objective, Param, SweepSpace, load_space

__all__ = ["Objective", "Param", "SweepResult", "SweepSpace", "add_grid_parser", "add_sweep_parser", "load_grid",
           "load_space", "run_grid", "run_sweep"]


def __getattr__(name: str):
    # optuna and mlflow load only when a sweep actually runs, so `acbench --help` stays fast.
    if name in ("run_sweep", "SweepResult"):
        from acbench.sweep import runner

        return getattr(runner, name)
    raise AttributeError(name)
