"""LongBench v1 (long_context): see README.md and `task.py`."""
