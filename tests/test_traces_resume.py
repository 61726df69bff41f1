"""Resume-safe traces: a process writing item traces is killed (SIGKILL) between items, then the same run is
resumed (`MLFLOW_RUN_ID`, as `mlflow run` and a user re-attaching do): every item has exactly one trace, whole
(spans, tags, assessments), however many were written before the kill.

The writer sleeps after each item's write (a patched `start_trace`) so that the kill lands between items; the
kill comes once 3 of 12 items are complete.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from mlflow.tracking import MlflowClient

ITEMS = 12
KILL_AFTER = 3
TIMEOUT_S = 240

WRITER = """
import sys, time
from acbench import tracking
from acbench.items import ItemTrace, Score
from acbench.tracking import traces

if sys.argv[1] == "slow":  # a pause after each item's write: the kill lands between items
    write = traces.TracingClient.start_trace
    traces.TracingClient.start_trace = lambda self, info: (write(self, info), time.sleep(0.4))[0]
items = [ItemTrace("needle", "base", f"item{k}", {"item": f"item{k}", "model": "base",
                   "messages": [{"role": "user", "content": f"question {k}"}]}, f"answer {k}", gold="gold",
                   scores=[Score("score", float(k)), Score("score_strict", k % 2 == 0, "why")]) for k in range(ITEMS)]
with tracking.tracked_run("resume", "traces") as run_id:
    print(run_id, flush=True)
    tracking.log_item_traces(items, batch=1)
"""


def _complete(db: Path, run_id: str) -> list:
    client = MlflowClient(tracking_uri=f"sqlite:///{db}")
    experiment = client.get_run(run_id).info.experiment_id
    return [t for t in client.search_traces(locations=[experiment], run_id=run_id, max_results=1000)
            if "acbench.key" in t.info.tags]


def test_a_killed_then_resumed_run_has_each_items_trace_exactly_once(tmp_path):
    db = tmp_path / "mlflow.db"
    script = tmp_path / "writer.py"
    script.write_text(WRITER.replace("ITEMS", str(ITEMS)))
    env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{db}", "OMP_NUM_THREADS": "1"}
    env.pop("MLFLOW_RUN_ID", None)
    first = subprocess.Popen([sys.executable, str(script), "slow"], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        run_id = first.stdout.readline().strip()
        assert run_id, first.stderr.read()
        deadline = time.time() + TIMEOUT_S
        while len(_complete(db, run_id)) < KILL_AFTER and first.poll() is None and time.time() < deadline:
            time.sleep(0.05)
        assert first.poll() is None, f"the writer ended before the kill: {first.stderr.read()[-2000:]}"
        os.killpg(first.pid, signal.SIGKILL)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
    before = len(_complete(db, run_id))
    assert KILL_AFTER <= before < ITEMS

    resumed = subprocess.run([sys.executable, str(script), "fast"], env={**env, "MLFLOW_RUN_ID": run_id},
                             capture_output=True, text=True, timeout=TIMEOUT_S)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert resumed.stdout.strip() == run_id  # the same run, resumed

    client = MlflowClient(tracking_uri=f"sqlite:///{db}")
    experiment = client.get_run(run_id).info.experiment_id
    every = client.search_traces(locations=[experiment], max_results=1000)  # the whole experiment: no stray copy
    keys = sorted(t.info.tags.get("acbench.key") for t in every)
    assert keys == sorted(f"base/needle/item{k}" for k in range(ITEMS))
    for trace in every:
        k = int(trace.info.tags["acbench.item"].removeprefix("item"))
        assert [s.name for s in trace.data.spans] == ["needle"] and trace.data.spans[0].outputs == f"answer {k}"
        found = sorted((a.name, getattr(a.feedback, "value", None)) for a in trace.info.assessments)
        assert found == [("gold", None), ("score", float(k)), ("score_strict", k % 2 == 0)]
