"""The Task protocol, per-item result storage (resumable), and the single-turn task runner.

A task loads samples, runs them on an engine, and returns per-item records plus aggregate metrics.
Records are appended to a JSONL file as they are produced, so an interrupted run resumes where it
stopped: samples whose id is already in the file are not run again.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

from acbench.engines.base import Engine, GenerationRequest
from acbench.progress import progress_bar

Capability = Literal["tool_use", "workflow", "long_context", "real_world"]
CAPABILITIES: tuple[str, ...] = ("tool_use", "workflow", "long_context", "real_world")


@dataclass
class Sample:
    """One benchmark item: a stable id, the raw upstream record, and the gold answer."""

    id: str
    data: dict[str, Any]
    target: Any = None


@dataclass
class TaskResult:
    """Per-item records and aggregate metrics (keys relative to the capability, e.g. `instruct/json`).

    `main` names the metric that stands for the task in the capability average and in retention.
    `figures` maps a file name to a matplotlib figure, logged under `figures/`.
    """

    task: str
    capability: str
    records: list[dict]
    metrics: dict[str, float]
    main: str
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def score(self) -> float:
        return self.metrics[self.main]


class ResultStore:
    """Append-only JSONL of per-item records, keyed by `id`; the basis of resuming."""

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
            with self.path.open("a") as f:
                f.write(json.dumps(record, default=str) + "\n")
                f.flush()
                os.fsync(f.fileno())

    def records_for(self, samples: list[Sample]) -> list[dict]:
        return [self._records[s.id] for s in samples if s.id in self._records]


@runtime_checkable
class Task(Protocol):
    """What the runner needs of a benchmark. See `SingleTurnTask` for the common case."""

    name: str
    capability: str
    version: str

    def load(self, source: str | None = None, limit: int | None = None) -> list[Sample]: ...

    def run(self, engine: Engine, samples: list[Sample], store: ResultStore) -> TaskResult: ...


class SingleTurnTask:
    """A task whose items are one prompt -> one completion -> one score.

    Subclasses implement `load`, `request`, `score` and `aggregate`; this class does batching,
    resuming, and re-scoring of saved predictions (`score_predictions`).
    """

    name: str = ""
    capability: str = ""
    version: str = "1"
    batch_size: int = 8

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

    def _record(self, sample: Sample, prompt: Any, prediction: str) -> dict:
        fields = self.score(sample, prediction)
        fields.setdefault("parse_error", None)
        return {"id": sample.id, "prompt": prompt, "prediction": prediction, **fields}

    def run(self, engine: Engine, samples: list[Sample], store: ResultStore) -> TaskResult:
        todo = [s for s in samples if s.id not in store]
        with progress_bar(total=len(samples), desc=self.name, initial=len(samples) - len(todo)) as bar:
            for start in range(0, len(todo), self.batch_size):
                batch = todo[start : start + self.batch_size]
                requests = [self.request(s, engine) for s in batch]
                outputs = engine.generate(requests, progress=False)
                for sample, request, output in zip(batch, requests, outputs):
                    store.add(self._record(sample, list(request.messages), output))
                bar.update(len(batch))
        return self.aggregate(store.records_for(samples))

    def score_predictions(self, samples: list[Sample], predictions: dict[str, str]) -> TaskResult:
        """Score saved predictions without a model; a sample with no prediction scores as empty output."""
        records = [self._record(s, None, predictions.get(s.id, "")) for s in samples]
        return self.aggregate(records)
