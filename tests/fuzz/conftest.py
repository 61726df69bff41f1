"""Shared set-up of the fuzz tests: Hypothesis settings, text strategies shaped like model output, a hard
per-example time bound, and a count of the examples tried (printed at the end of the pytest run).

Settings: `max_examples` 200 per property (ACBENCH_FUZZ_EXAMPLES overrides), a 3 s Hypothesis deadline, and
a 10 s alarm that turns a real hang into a failure. Runs are derandomized (the same examples on every run, so
CI is reproducible); ACBENCH_FUZZ_RANDOM=1 explores new ones.
"""

from __future__ import annotations

import json
import os
import signal
from collections import Counter
from contextlib import contextmanager
from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("ACBENCH_FUZZ_EXAMPLES", "200"))
HANG_S = 10.0
TRIED: Counter = Counter()  # examples run, per property
REJECTED: Counter = Counter()  # invalid configs, sweep spaces and grid files rejected with a ConfigError

settings.register_profile(
    "acbench-fuzz", max_examples=EXAMPLES, deadline=timedelta(seconds=3), database=None,
    derandomize=os.environ.get("ACBENCH_FUZZ_RANDOM") != "1",
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
FUZZ = settings.get_profile("acbench-fuzz")


class Hang(Exception):
    """One example ran longer than HANG_S."""


@contextmanager
def bounded(name: str, seconds: float = HANG_S):
    """Count one example of property `name` and fail it (Hang) if it runs longer than `seconds`."""
    TRIED[name] += 1

    def alarm(signum, frame):
        raise Hang(f"{name}: one example ran longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# Pieces model output is made of: format markers of every benchmark, brackets, quotes, numbers at the edges.
TOKENS = ["{", "}", "[", "]", "(", ")", ",", ":", "'", '"', "\\", "\n", " ", "```json", "```", "Thought:",
          "Action:", "Action Input:", "with Action Input:", "Node:", "Edge:", "START", "END", "1.", "2:", "(1,2)",
          "(START,1)", "(2,END)", "->", "Answer_1:", "Answer_2", "(A)", "(B)", "####", "The answer is", "None",
          "True", "null", "1e309", "-0", "NaN", "9" * 40, "\u4e2d\u6587", "\u3002", "\x00", "\t", "#", "name", "args",
          '{"name": "x", "args": {}}', "FinishAction", "Answer:", "yes", "no", "def ", "return ", "__import__"]

pieces = st.one_of(st.sampled_from(TOKENS), st.text(max_size=12))
model_text = st.one_of(
    st.text(max_size=400),
    st.lists(pieces, max_size=40).map("".join),
    st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=10)),
                 lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
                 max_leaves=20).map(lambda v: json.dumps(v)),
)
# Hostile shapes every parser must survive: deep nesting, huge numbers, control characters, lone surrogates.
HOSTILE = ["", " ", "[" * 5000, "{" * 3000 + "}" * 3000, "(" * 3000, "1" * 5000, "1e999999", "\ud800",
           "\x00" * 100, "Action: " + "(" * 1000, "```json" * 200, "Node:\n" + "1. a\n" * 2000,
           "f(" + "[" * 300 + "]" * 300 + ")", "{[1]: 2}", "f({[1]: 2})", "f({1, [2]})"]


def pytest_terminal_summary(terminalreporter):
    if TRIED:
        total = sum(TRIED.values())
        terminalreporter.write_line(f"fuzz: {total} examples tried over {len(TRIED)} properties; "
                                    f"{sum(REJECTED.values())} invalid configs/files rejected ({dict(REJECTED)})")
        report = os.environ.get("ACBENCH_FUZZ_REPORT")
        if report:
            with open(report, "w") as f:
                json.dump({"total": total, "properties": dict(TRIED), "rejected": dict(REJECTED)}, f, indent=1,
                          sort_keys=True)
