"""LongGenBench (long_context): see README.md and `task.py`."""
