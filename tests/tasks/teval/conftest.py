"""Fakes for T-Eval tests: embedders with hand-computable similarities and gold answers per sample."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest


class TableEmbedder:
    """Known vectors per text (normalised); unknown texts get a one-hot of their own, so they are
    orthogonal to everything else. Similarity = clamped cosine, like the real embedder."""

    def __init__(self, vectors: dict[str, list[float]] | None = None, dim: int = 64):
        self.vectors = {k: np.asarray(v, dtype=float) / np.linalg.norm(v) for k, v in (vectors or {}).items()}
        self.dim, self._fresh = dim, {}
        self.calls = 0

    def _vec(self, text: str) -> np.ndarray:
        if text in self.vectors:
            v = self.vectors[text]
            return np.pad(v, (0, self.dim - len(v)))
        if text not in self._fresh:
            self._fresh[text] = np.eye(self.dim)[self.dim - 1 - len(self._fresh)]
        return self._fresh[text]

    def similarity(self, a, b):
        self.calls += 1
        if not a or not b:
            return np.zeros((len(a), len(b)))
        return np.clip(np.stack([self._vec(t) for t in a]) @ np.stack([self._vec(t) for t in b]).T, 0, None)


class BagOfWordsEmbedder:
    """Cosine of word-count vectors: identical texts -> 1, texts sharing no word -> 0."""

    name = "bag-of-words"

    def similarity(self, a, b):
        def bag(text):
            out = {}
            for w in re.findall(r"\w+", text.lower()):
                out[w] = out.get(w, 0) + 1
            return out

        def cos(x, y):
            bx, by = bag(x), bag(y)
            dot = sum(v * by.get(k, 0) for k, v in bx.items())
            nx, ny = sum(v * v for v in bx.values()) ** 0.5, sum(v * v for v in by.values()) ** 0.5
            return dot / (nx * ny) if nx and ny else 0.0

        return np.array([[cos(x, y) for y in b] for x in a]).reshape(len(a), len(b))


def gold_answer(sample) -> str:
    """A perfect answer for a sample of any T-Eval file, in the format its prompt asks for."""
    kind, fmt, record = sample.data["kind"], sample.data["format"], sample.data["record"]
    gold = record["ground_truth"]
    if kind == "instruct":
        t = record["template"]
        if fmt == "json":
            return json.dumps({t["thought"]: "I call the tool.", t["action"]: gold["action"], t["args"]: gold["args"]})
        return (t["thought_start"] + "I call the tool." + t["thought_end"] + t["action_start"] + gold["action"]
                + t["action_end"] + t["args_start"] + repr(gold["args"]) + t["args_end"])
    if kind == "plan_json":
        return "```json\n" + json.dumps(gold) + "\n```"
    if kind == "plan_str":
        return "\n".join(f"{k + 1}. Call {s['name']} with {s['args']}" for k, s in enumerate(gold)
                         if s["name"] != "FinishAction")
    if kind == "reason_retrieve_understand_json":
        return json.dumps(gold)
    if kind == "reason_str":
        return gold["thought"]
    if kind == "retrieve_str":
        return gold["name"]
    if kind == "understand_str":
        return str(gold["args"])
    if kind == "review_str":
        return f"Answer: {gold['answer']}"
    raise AssertionError(kind)


@pytest.fixture
def bow():
    return BagOfWordsEmbedder()


@pytest.fixture(autouse=True)
def _quiet(monkeypatch):
    monkeypatch.setenv("ACBENCH_NO_PROGRESS", "1")


@pytest.fixture
def table():
    """The TableEmbedder class: `table({"text": [1, 0]})`."""
    return TableEmbedder


@pytest.fixture
def gold():
    """`gold(sample)` -> a perfect answer string."""
    return gold_answer
