"""The Task protocol, per-item result storage (resumable), and the single-turn task runner.

A task loads samples, runs them on an engine, and returns per-item records plus aggregate metrics.
Records are appended to a JSONL file as they are produced, so an interrupted run resumes where it
stopped: samples whose id is already in the file are not run again.
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

from acbench.engines.base import Engine, GenerationRequest
# Scoring modes, the `_strict` twin and the headline key live with the metric names (acbench/metrics.py);
# tasks import them from here as before.
from acbench.metrics import SCORING_MODES, STRICT_SUFFIX, Headline, check_scoring, headline_key  # noqa: F401
from acbench.progress import progress_bar
# The result types live in acbench/tasks/results.py (no acbench imports, so metrics.py can use them without a
# circle); tasks import them from here as before.
from acbench.tasks.results import ItemScore, Sample, TaskResult, headline_from_items  # noqa: F401

Capability = Literal["tool_use", "workflow", "long_context", "real_world"]
CAPABILITIES: tuple[str, ...] = ("tool_use", "workflow", "long_context", "real_world")  # in the paper's order


class RegisteredCapability:
    """A task class's `capability`, read from the registry row of its `name` (the one place it is written)."""

    def __get__(self, obj, owner) -> str:
        from acbench.tasks.registry import capability_of

        return capability_of(owner.name)


class ResultStore:
    """Append-only JSONL of per-item records, keyed by `id`; the basis of resuming.

    What it caches is each item's *prediction* (and prompt). The score fields written beside it are those of
    the scorer at the time; tasks re-score stored predictions with their current scorer on every run
    (`SingleTurnTask.run`, `AgentTask.run`), so a scorer fix reaches base and compressed results alike.
    """

    def __init__(self, path: str | Path | None):
        self.path = Path(path) if path else None
        self._records: dict[str, dict] = {}
        if self.path and self.path.exists():
            with self.path.open() as f:
                for line in f:
                    line = line.strip()
                    if not line:
                        continue
                    try:
                        record = json.loads(line)
                    except json.JSONDecodeError:
                        continue  # a line cut by a kill mid-write; that item simply runs again
                    self._records[str(record["id"])] = record

    def __contains__(self, sample_id: str) -> bool:
        return sample_id in self._records

    def get(self, sample_id: str) -> dict | None:
        return self._records.get(sample_id)

    def add(self, record: dict) -> None:
        self._records[str(record["id"])] = record
        if self.path:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a+b") as f:
                fcntl.flock(f, fcntl.LOCK_EX)  # another process may append to the same file
                # A kill mid-write leaves a last line without its newline: end it first, or this record would be
                # glued onto it and lost with it on the next load.
                f.seek(0, os.SEEK_END)
                cut = False
                if f.tell():
                    f.seek(-1, os.SEEK_END)
                    cut = f.read(1) != b"\n"
                f.write((("\n" if cut else "") + json.dumps(record, default=str) + "\n").encode())
                f.flush()
                os.fsync(f.fileno())

    def records_for(self, samples: list[Sample]) -> list[dict]:
        return [self._records[s.id] for s in samples if s.id in self._records]


@dataclass(frozen=True)
class GoldStep:
    """One teacher-forced step of an item's gold (acbench/likelihood/): the request generation would send at
    that point and the reference answer(s) to score right after its prompt. Several references: the best
    one counts (acbench.likelihood.scores.best_reference)."""

    request: GenerationRequest
    references: tuple[str, ...]


@runtime_checkable
class Task(Protocol):
    """What the runner needs of a benchmark. See `SingleTurnTask` for the common case."""

    name: str
    capability: str
    headline: Headline
    version: str

    def load(self, source: str | None = None, limit: int | None = None) -> list[Sample]: ...

    def run(self, engine: Engine, samples: list[Sample], store: ResultStore) -> TaskResult: ...


class SingleTurnTask:
    """A task whose items are one prompt -> one completion -> one score.

    Subclasses set `name` (their registry row gives the capability) and `headline` (acbench.metrics), and
    implement `load`, `request`, `score` and `aggregate`; this class does batching, resuming, and re-scoring
    of saved predictions (`score_predictions`).
    """

    name: str = ""
    capability = RegisteredCapability()
    headline: Headline
    version: str = "1"
    batch_size: int | None = None  # at most this many requests side by side (long prompts: memory); None: the engine's
    # sample.data fields that `request` sets and `score` reads (what a cell really held): re-scoring a stored
    # prediction restores them from its record, since no request is built for it
    recorded_fields: tuple[str, ...] = ()

    def load(self, source: str | None = None, limit: int | None = None) -> list[Sample]:
        raise NotImplementedError

    def request(self, sample: Sample, engine: Engine) -> GenerationRequest:
        raise NotImplementedError

    def score(self, sample: Sample, prediction: str) -> dict:
        """Score fields for one prediction; must never raise on malformed output.

        Return e.g. `{"score": 0.0, "parse_error": "no JSON object found"}`.
        """
        raise NotImplementedError

    def aggregate(self, records: list[dict]) -> TaskResult:
        raise NotImplementedError

    def finish_output(self, output: str, request: GenerationRequest, engine: Engine) -> str:
        """The answer as the model gave it, from the engine's output (stop strings removed); default: as is.

        Only generation goes through here, never `score_predictions`: saved predictions are scored as written.
        """
        return output

    def _record(self, sample: Sample, prompt: Any, prediction: str) -> dict:
        fields = self.score(sample, prediction)
        fields.setdefault("parse_error", None)
        return {"id": sample.id, "prompt": prompt, "prediction": prediction, **fields}

    def rescore(self, sample: Sample, record: dict) -> dict:
        """A stored record scored again by the current `score` (its prompt and prediction kept as stored)."""
        restored = {k: record[k] for k in self.recorded_fields if k in record}
        if restored:
            sample = Sample(sample.id, {**sample.data, **restored}, sample.target, sample.upstream_id)
        prediction = record.get("prediction")
        return self._record(sample, record.get("prompt"), prediction if isinstance(prediction, str) else "")

    def run(self, engine: Engine, samples: list[Sample], store: ResultStore) -> TaskResult:
        """Every pending item in one `generate` call, so the engine keeps its batch full until the end (a new
        request takes the place of each finished one); each item is scored and saved as soon as its answer is
        final, so an interrupted run resumes item by item. Items already in `store` are not generated again,
        but their stored predictions are re-scored with the current scorer (`rescore`): scores are never
        taken from the cache, so base and compressed results are always scored by the same rule."""
        todo = [s for s in samples if s.id not in store]
        requests = [self.request(s, engine) for s in todo]
        with progress_bar(total=len(samples), desc=self.name, initial=len(samples) - len(todo)) as bar:

            def save(i: int, output: str) -> None:
                answer = self.finish_output(output, requests[i], engine)
                store.add(self._record(todo[i], list(requests[i].messages), answer))
                bar.update(1)

            if todo:
                engine.generate(requests, progress=False, on_result=save, max_batch=self.batch_size)
        fresh = {s.id for s in todo}
        records = [store.get(s.id) if s.id in fresh else self.rescore(s, store.get(s.id))
                   for s in samples if s.id in store]
        return self.aggregate(records)

    def gold_references(self, sample: Sample) -> tuple[str, ...]:
        """The item's gold answer(s), written as the prompt asks the model to answer; () where it has none."""
        return ()

    def gold_steps(self, sample: Sample, engine: Engine) -> list[GoldStep]:
        """The item's gold for the likelihood measures: its generation request and `gold_references`."""
        references = tuple(r for r in self.gold_references(sample) if r and r.strip())
        return [GoldStep(self.request(sample, engine), references)] if references else []

    def score_predictions(self, samples: list[Sample], predictions: dict[str, str]) -> TaskResult:
        """Score saved predictions without a model; a sample with no prediction scores as empty output."""
        records = [self._record(s, None, predictions.get(s.id, "")) for s in samples]
        return self.aggregate(records)
