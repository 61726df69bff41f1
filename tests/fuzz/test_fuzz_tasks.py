"""Each task's own scoring of arbitrary model output on its built-in items (paper rule and `_strict` rule
together), and the agent action parsers: no crash, no hang, every score a finite number in range.

Sentence embeddings are replaced by a bag-of-words similarity (the scoring code around them is what is
fuzzed, not the embedding model).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from acbench.tasks.agentic.env import ToolCallError, parse_tool_call
from acbench.tasks.agentic.loop import extract_action
from acbench.tasks.agentic.paper import parse_agentboard_call, split_call
from acbench.tasks.registry import make_task

from .conftest import EXAMPLES, FUZZ, HOSTILE, bounded, model_text


class BagOfWords:
    """`similarity(a, b)`: Jaccard overlap of lower-cased words, as the embedders' matrix shape."""

    def similarity(self, a: list[str], b: list[str]) -> np.ndarray:
        wa, wb = [set(x.lower().split()) for x in a], [set(x.lower().split()) for x in b]
        return np.array([[len(x & y) / max(1, len(x | y)) for y in wb] for x in wa], dtype=float).reshape(len(a), len(b))

    upstream_similarity = similarity


@lru_cache(maxsize=None)
def _task(name: str):
    if name == "teval":  # the paper profile: every kind of T-Eval item (instruct, plan, reason, review, ...)
        task = make_task(name, profile="paper", embedding_model=BagOfWords())
    else:
        task = make_task(name, profile="quick")
        if name == "worfbench":
            task.embedder = BagOfWords()
    return task, task.load()


def _check_record(name: str, record: dict) -> None:
    for key, value in record.items():
        if isinstance(value, float):
            assert not math.isnan(value) or key.endswith("_reason"), f"{name}: {key} is NaN"
            if key.endswith(("f1", "precision", "recall", "_em", "score_strict", "accuracy")):
                assert 0.0 <= value <= 100.0, f"{name}: {key} = {value}"


SINGLE_TURN = ["teval", "worfbench", "longbench", "longgenbench", "needle"]


@pytest.mark.parametrize("name", SINGLE_TURN)
@FUZZ
@given(text=model_text, pick=st.integers(min_value=0, max_value=10_000))
@example(text="[" * 5000, pick=0)
@example(text="1" * 5000, pick=1)
@example(text="\ud800" + "Node:\n1. a\n(START,1)\n(1,END)", pick=2)
def test_task_scoring_of_arbitrary_output(name, text, pick):
    task, samples = _task(name)
    sample = samples[pick % len(samples)]
    with bounded(f"{name}.score"):
        record = task.score(sample, text)
    assert isinstance(record, dict)
    _check_record(name, record)


@pytest.mark.parametrize("name", ["pddl", "tool_query", "tool_operation"])
@settings(FUZZ, max_examples=max(10, EXAMPLES // 4))  # a replay is two whole episodes
@given(lines=st.lists(model_text, max_size=6))
@example(lines=HOSTILE)
@example(lines=['getCurrentState({[1]: 2})', 'pick({1, [2]})', 'x with Action Input: {[1]: 2}',
                'getCurrentState with Action Input: ' + "[" * 500])
def test_agent_episodes_replay_arbitrary_actions(name, lines):
    """`acbench score` for agents: each line is one action, read by the strict env and the paper scorer."""
    task, samples = _task(name)
    with bounded(f"{name}.replay"):
        result = task.score_predictions(samples, {s.id: "\n".join(lines) for s in samples})
    for record in result.records:
        for key in ("progress_rate", "progress_rate_strict"):
            assert 0.0 <= record[key] <= 1.0, (key, record[key])


@FUZZ
@given(model_text)
@example("getCurrentState({[1]: 2})")
@example("f({1, [2]})")
@example("f(" + "[" * 300 + "]" * 300 + ")")
@example("f(1" + "0" * 5000 + ")")
def test_agent_action_parsers(text):
    with bounded("agents.parsers"):
        action = extract_action(text)
        assert action is None or (isinstance(action, str) and action)
        for candidate in (text, action or ""):
            try:
                name, args, kwargs = parse_tool_call(candidate)
            except ToolCallError as err:
                assert str(err)
            else:
                assert isinstance(name, str) and isinstance(args, list) and isinstance(kwargs, dict)
        found = split_call(text)
        assert found is None or all(isinstance(part, str) for part in found)
        parse_agentboard_call(text)
