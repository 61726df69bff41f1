"""Evaluated items as MLflow traces of the active run: inputs, outputs, gold answer, scores, agent steps.

    written = tracking.log_item_traces(acbench.items.item_traces("needle", "base", result, samples))

Which MLflow API, and why: the traces are built as MLflow's own entities (`TraceInfo` holding the
`Feedback` and `Expectation` assessments, `Span`s from the documented span dict) and written with
MLflow's tracing client: one `start_trace` per item (the trace, its tags, metadata and every assessment in
one write) and one `log_spans` per batch of items. The alternatives cost more writes and give up control:
the fluent `mlflow.start_span` path exports each span as it ends and every `mlflow.log_feedback` is its own
write (about 15 writes per single-turn item, more per episode), and it drops failed writes with a warning;
`mlflow.genai.evaluate` on static outputs adds a thread pool, logs aggregate `<scorer>/mean` metrics
beside the project's own names, and writes assessments one at a time too.

Linking: each trace's `mlflow.sourceRun` metadata names the run, which is what `search_traces(run_id=)`
and the run's Traces view read. Resume-safe: a trace's id and its assessments' ids derive from the run id
and the item (`ItemTrace.key`), so writing an item again overwrites instead of adding a second trace; an
item whose trace is already whole in the run (its info and all its spans stored) is skipped, so a killed
and resumed run writes each item's trace exactly once. The trace info goes first: writing spans onto an
existing trace is MLflow's cheap path, the reverse order makes every `start_trace` a merge.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import mlflow
from mlflow.entities import AssessmentSource, Expectation, Feedback, Span, TraceInfo, TraceLocation, TraceState
from mlflow.entities.span import SpanType
from mlflow.tracing.client import TracingClient
from mlflow.tracing.constant import AssessmentMetadataKey, SpanAttributeKey, TraceMetadataKey, TraceTagKey

from acbench.items import ItemTrace
from acbench.tracking.store import tracking_uri

log = logging.getLogger(__name__)

BATCH = 100  # items per `log_spans` write (ACBENCH_TRACE_BATCH overrides)
PREVIEW_CHARS = 900  # MLflow keeps 1000 characters of a preview; ours stay whole JSON below that
SOURCE = AssessmentSource(source_type="CODE", source_id="acbench")
KEY_TAG = "acbench.key"


def _hex_id(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def trace_id_for(run_id: str, key: str) -> str:
    """The trace id of an item in a run: MLflow's `tr-<32 hex>` form, the same on every write."""
    return "tr-" + _hex_id(run_id, key)[:32]


def _b64(number: int, size: int) -> str:
    return base64.b64encode(number.to_bytes(size, "big")).decode()


def _shorten(text: str, limit: int) -> str:
    """Head and tail of a long text (a long-context prompt ends with its question)."""
    if len(text) <= limit:
        return text
    head = limit // 3
    return text[:head] + " [...] " + text[-(limit - head - 7):]


def _request_preview(item: ItemTrace) -> str:
    """Whole JSON (the UI parses it): item, model and the last message shortened. The UI's compare view pairs
    the traces of two runs by this text, so it names the item and model, not only the prompt."""
    messages = item.inputs.get("messages") or []
    last = dict(messages[-1]) if messages else None
    budget = PREVIEW_CHARS - len(json.dumps({**item.inputs, "messages": []}))
    if last is not None:
        last["content"] = _shorten(str(last.get("content", "")), max(budget - 60, 40))
    preview = json.dumps({**item.inputs, "messages": [last] if last else []})
    return preview if len(preview) <= PREVIEW_CHARS + 100 else json.dumps({"item": item.item_id, "model": item.role})


def _span(trace_id: str, otel_trace: int, span_number: int, parent: int | None, name: str, span_type: str,
          inputs: Any, outputs: Any, attributes: dict[str, Any], start_ns: int) -> Span:
    """An ended span, from MLflow's span dict (attributes hold JSON text, as MLflow's own spans do)."""
    base = otel_trace & ((1 << 62) - 1)  # span ids: distinct per trace, never 0
    attrs = {SpanAttributeKey.REQUEST_ID: json.dumps(trace_id), SpanAttributeKey.SPAN_TYPE: json.dumps(span_type),
             SpanAttributeKey.INPUTS: json.dumps(inputs, default=str),
             SpanAttributeKey.OUTPUTS: json.dumps(outputs, default=str),
             **{k: json.dumps(v, default=str) for k, v in attributes.items()}}
    return Span.from_dict({
        "trace_id": _b64(otel_trace, 16), "span_id": _b64(base + span_number + 1, 8),
        "parent_span_id": _b64(base + parent + 1, 8) if parent is not None else None,
        "name": name, "start_time_unix_nano": start_ns + span_number * 1000,
        "end_time_unix_nano": start_ns + span_number * 1000 + 1000, "events": [],
        "status": {"code": "STATUS_CODE_OK", "message": ""}, "attributes": attrs})


def build_trace(item: ItemTrace, run_id: str, experiment_id: str, start_ns: int) -> tuple[TraceInfo, list[Span]]:
    """The trace of one item: a root span (the model call, or the agent episode) and one span per step.

    Span times are when the trace was written (the results cache keeps no timings), one microsecond apart
    so that the UI keeps the steps in order.
    """
    trace_id = trace_id_for(run_id, item.key)
    otel_trace = int(trace_id[3:], 16)
    root_type = SpanType.AGENT if item.steps else SpanType.LLM
    spans = [_span(trace_id, otel_trace, 0, None, item.task, root_type, item.inputs, item.outputs,
                   {"acbench.task": item.task, "acbench.role": item.role}, start_ns)]
    for number, step in enumerate(item.steps, 1):
        spans.append(_span(trace_id, otel_trace, number, 0, step.name, SpanType.TOOL, step.inputs, step.outputs,
                           step.attributes, start_ns))
    metadata = {AssessmentMetadataKey.SOURCE_RUN_ID: run_id}
    assessments: list = [
        Feedback(name=s.name, value=s.value, rationale=s.rationale, source=SOURCE, trace_id=trace_id, metadata=metadata)
        for s in item.scores]
    if item.gold is not None:
        assessments.append(Expectation(name="gold", value=item.gold, source=SOURCE, trace_id=trace_id, metadata=metadata))
    for assessment in assessments:  # fixed ids: a second write of the item replaces, never adds
        assessment.assessment_id = "a-" + _hex_id(trace_id, assessment.name)[:32]
    info = TraceInfo(
        trace_id=trace_id, trace_location=TraceLocation.from_experiment_id(experiment_id),
        request_time=start_ns // 1_000_000, state=TraceState.OK, execution_duration=0,
        request_preview=_request_preview(item),
        response_preview=json.dumps(_shorten(str(item.outputs or ""), PREVIEW_CHARS - 10)),
        client_request_id=item.key,
        trace_metadata={TraceMetadataKey.SOURCE_RUN: run_id},
        tags={TraceTagKey.TRACE_NAME: item.task, KEY_TAG: item.key, "acbench.task": item.task,
              "acbench.role": item.role, "acbench.item": item.item_id},
        assessments=assessments)
    return info, spans


def logged_spans(run_id: str, experiment_id: str, task: str, role: str) -> dict[str, int]:
    """Key -> number of stored spans, for the traces of one task and role in a run (empty on a first write)."""
    client, found, token = TracingClient(), {}, None
    where = f"tag.`acbench.task` = '{task}' AND tag.`acbench.role` = '{role}'"
    while True:
        page = client.search_traces(locations=[experiment_id], run_id=run_id, filter_string=where,
                                    include_spans=True, max_results=500, page_token=token)
        found.update({t.info.tags[KEY_TAG]: len(t.data.spans) for t in page if KEY_TAG in t.info.tags})
        token = page.token
        if not token:
            return found


def _workers() -> int:
    """Parallel `start_trace` writes: a server answers several at once; a SQLite file takes one writer."""
    return 4 if tracking_uri().startswith(("http://", "https://", "postgresql")) else 1


def log_item_traces(items: list[ItemTrace], batch: int | None = None) -> int:
    """Write each item's trace to the active run, skipping items already complete there; returns how many
    traces were written. Batches of `batch` items: their spans in one write, then each item's trace info."""
    if not items:
        return 0
    run = mlflow.active_run()
    run_id, experiment_id = run.info.run_id, run.info.experiment_id
    batch = batch or int(os.environ.get("ACBENCH_TRACE_BATCH", BATCH))
    done: dict[str, int] = {}
    for task, role in dict.fromkeys((item.task, item.role) for item in items):
        done.update(logged_spans(run_id, experiment_id, task, role))
    todo = [item for item in items if done.get(item.key) != 1 + len(item.steps)]
    client = TracingClient()
    start_ns = time.time_ns()
    with ThreadPoolExecutor(_workers()) as pool:
        for first in range(0, len(todo), batch):
            built = [build_trace(item, run_id, experiment_id, start_ns) for item in todo[first:first + batch]]
            list(pool.map(client.start_trace, [info for info, _ in built]))  # list(): raise the first failure
            client.log_spans(experiment_id, [span for _, spans in built for span in spans])
    return len(todo)
