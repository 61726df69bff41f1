"""T-Eval tool-use benchmark: loader for the upstream files, built-in suite, faithful scoring."""

from acbench.tasks.teval.task import TEvalTask

__all__ = ["TEvalTask"]
