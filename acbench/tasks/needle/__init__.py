"""Needle in a haystack (long_context): see README.md and `task.py`."""

from acbench.tasks.needle.task import NeedleTask

__all__ = ["NeedleTask"]
