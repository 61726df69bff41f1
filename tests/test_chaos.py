"""Chaos: a real `acbench run` process (tiny model, RTN, needle) is killed with SIGKILL during compression, base
evaluation, compressed evaluation and logging, restarted after each kill, and finally left to finish.

Checked against an uninterrupted run of the same config (own cache, own store, run beside the chaos sequence):
every metric but timings is equal; each item is in the results files exactly once, with the same output; the
checkpoint is whole (marked, byte-identical) and no half one is left or reused; every killed MLflow run is marked
KILLED by the next start (none stays RUNNING); the finished run holds each item's trace exactly once. Kill points are drawn from a seeded generator (`CHAOS_SEED`).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

mlflow = pytest.importorskip("mlflow")
from mlflow.tracking import MlflowClient  # noqa: E402

from acbench.compression.run import MARKER  # noqa: E402

CHAOS_SEED = int(os.environ.get("CHAOS_SEED", "18"))
PHASES = ("compression", "base evaluation", "compressed evaluation", "logging")
RUN_TIMEOUT_S = 240
CONFIG = """
model: {model}
method: rtn
bits: 4
group_size: 32
tasks: needle
analysis: false
batch_size: 1
experiment: {experiment}
task_options:
  needle: {{lengths: [60, 120, 180, 240], depths: [0, 33, 66, 100], max_new_tokens: 48}}
"""
ITEMS = 16  # 4 lengths x 4 depths (a task stores each record as soon as its item is scored)
HALF_DONE = 8  # the kill waits for this many stored records, so that it lands mid-way through an evaluation
# kill this long (at most) after the trigger: well inside each phase even on a fast machine
DELAY_S = {"compression": 0.2, "base evaluation": 0.2, "compressed evaluation": 0.2, "logging": 0.15}


def env_for(root: Path) -> dict[str, str]:
    env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{root}/mlflow.db", "ACBENCH_CACHE": str(root / "cache"),
           "ACBENCH_NO_PROGRESS": "1", "OMP_NUM_THREADS": "1"}  # one thread: the same arithmetic in every process
    env.pop("MLFLOW_RUN_ID", None)
    env.pop("ACBENCH_THREADS", None)
    return env


def start(root: Path, config: Path) -> subprocess.Popen:
    log = (root / "runs.log").open("a")
    return subprocess.Popen([sys.executable, "-m", "acbench.cli", "run", "--config", str(config)], cwd=root,
                            env=env_for(root), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def lines(pattern: str, root: Path) -> int:
    files = list((root / "cache" / "results").glob(pattern))
    return sum(1 for f in files for line in f.read_text().splitlines() if line.strip())


def phase(root: Path) -> str:
    """Where a (dead) run stopped, read from what it left on disk."""
    compressed = root / "cache" / "compressed"
    done = [p for p in compressed.glob("*") if not p.name.startswith(".")] if compressed.exists() else []
    if not done:
        return "compression" if compressed.exists() and any(compressed.glob(".tmp-*")) else "start"
    if lines("base-*/needle-*.jsonl", root) < ITEMS:
        return "base evaluation"
    if lines("comp-*/needle-*.jsonl", root) < ITEMS:
        return "compressed evaluation"
    return "logging"


def trigger(target: str, root: Path) -> bool:
    """True once the run has entered `target` (then a random delay, then the kill)."""
    if target == "compression":
        return any((root / "cache" / "compressed").glob(".tmp-*")) if (root / "cache" / "compressed").exists() else False
    # evaluations: once half the items are stored, so that the kill lands mid-way (resume with items done)
    if target == "base evaluation":
        return lines("base-*/needle-*.jsonl", root) >= HALF_DONE
    if target == "compressed evaluation":
        return lines("comp-*/needle-*.jsonl", root) >= HALF_DONE
    return lines("comp-*/needle-*.jsonl", root) >= ITEMS


def kill_group(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def results(root: Path, pattern: str) -> dict[str, dict]:
    """Every record of a results file; an id twice (or an unreadable line) fails the test."""
    # the gold-likelihood records are cached beside the results (`<task>-<key>.gold-v2.jsonl`): not these
    (path,) = [p for p in (root / "cache" / "results").glob(pattern) if ".gold" not in p.name]
    records: dict[str, dict] = {}
    for line in path.read_text().splitlines():
        record = json.loads(line)
        assert record["id"] not in records, f"{record['id']} counted twice in {path}"
        records[record["id"]] = record
    return records


def checkpoint(root: Path) -> tuple[Path, dict[str, str]]:
    compressed = root / "cache" / "compressed"
    assert not list(compressed.glob(".tmp-*")), "a half-written checkpoint was left behind"
    (path,) = [p for p in compressed.iterdir()]
    digests = {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in sorted(path.glob("*.safetensors"))}
    return path, digests


def comparable(metrics: dict[str, float]) -> dict[str, float]:
    return {k: v for k, v in metrics.items() if not k.startswith("time/") and "peak_memory" not in k}


def assert_same_metrics(got: dict[str, float], expected: dict[str, float]) -> None:
    """Equal, except the gold likelihood's values within float noise: a resumed run scores gold after cached
    generations, so its prompts are prefilled afresh instead of read from the prefix store (< 1e-4 apart by
    tests/engines/test_likelihood.py)."""
    got, expected = comparable(got), comparable(expected)
    assert got.keys() == expected.keys()
    noisy = {k for k in got if "gold_nll" in k or "gold_top1" in k}
    assert {k: got[k] for k in got.keys() - noisy} == {k: expected[k] for k in expected.keys() - noisy}
    assert {k: got[k] for k in noisy} == pytest.approx({k: expected[k] for k in noisy}, rel=1e-4, abs=1e-6)


def test_kill_9_at_random_points_then_resume(tiny_model, tmp_path):
    rng = random.Random(CHAOS_SEED)
    chaos, ref = tmp_path / "chaos", tmp_path / "ref"
    for root, experiment in ((chaos, "chaos"), (ref, "chaos-ref")):
        root.mkdir()
        (root / "run.yaml").write_text(CONFIG.format(model=tiny_model, experiment=experiment))
    reference = start(ref, ref / "run.yaml")  # the uninterrupted run, beside the chaos sequence
    procs = [reference]
    kills: list[tuple[str, str, float]] = []  # (target, phase it died in, delay)
    try:
        for target in PHASES:
            now = phase(chaos)
            if now in PHASES and PHASES.index(now) > PHASES.index(target):
                continue  # already past it
            proc = start(chaos, chaos / "run.yaml")
            procs.append(proc)
            deadline = time.time() + RUN_TIMEOUT_S
            while not trigger(target, chaos) and proc.poll() is None and time.time() < deadline:
                time.sleep(0.005)
            assert proc.poll() is None, f"the run ended before {target}: {(chaos / 'runs.log').read_text()[-3000:]}"
            delay = rng.uniform(0, DELAY_S[target])
            time.sleep(delay)
            if proc.poll() is not None:
                continue  # finished inside the delay: no kill this time
            kill_group(proc)
            kills.append((target, phase(chaos), round(delay, 3)))
        final = start(chaos, chaos / "run.yaml")
        procs.append(final)
        assert final.wait(timeout=RUN_TIMEOUT_S) == 0, (chaos / "runs.log").read_text()[-4000:]
        assert reference.wait(timeout=RUN_TIMEOUT_S) == 0, (ref / "runs.log").read_text()[-4000:]
    finally:
        for proc in procs:
            kill_group(proc)

    survived = len(kills)
    died_in = {died for _, died, _ in kills}
    print(f"\nchaos (seed {CHAOS_SEED}): {survived} kills survived, in: " +
          "; ".join(f"{died} (aimed at {target}, +{delay}s)" for target, died, delay in kills))
    assert survived == 4 and died_in == set(PHASES), kills

    # the MLflow records: the final run finished, every killed one is KILLED (marked by the next start)
    runs = {}
    for root, experiment in ((chaos, "chaos"), (ref, "chaos-ref")):
        client = MlflowClient(tracking_uri=f"sqlite:///{root}/mlflow.db")
        runs[root] = client.search_runs([client.get_experiment_by_name(experiment).experiment_id],
                                        order_by=["attributes.start_time ASC"])
    finished = [r for r in runs[chaos] if r.info.status == "FINISHED"]
    assert len(finished) == 1 and finished[0].info.run_id == runs[chaos][-1].info.run_id
    killed = runs[chaos][:-1]
    assert {r.info.status for r in killed} <= {"KILLED"}, [(r.info.run_id, r.info.status) for r in killed]
    assert all("was gone when run" in r.data.tags["acbench.end_reason"] for r in killed)
    assert len(killed) >= survived - 1  # a kill before the run was created leaves no run

    # the same numbers as the uninterrupted run
    assert_same_metrics(finished[0].data.metrics, runs[ref][0].data.metrics)

    # every item once, with the same output as the uninterrupted run
    for pattern in ("base-*/needle-*.jsonl", "comp-*/needle-*.jsonl"):
        got, want = results(chaos, pattern), results(ref, pattern)
        assert len(got) == ITEMS and got.keys() == want.keys()
        assert {k: (r.get("output"), r.get("score")) for k, r in got.items()} == \
            {k: (r.get("output"), r.get("score")) for k, r in want.items()}
    client = MlflowClient(tracking_uri=f"sqlite:///{chaos}/mlflow.db")
    for label in ("base", "compressed"):
        local = client.download_artifacts(finished[0].info.run_id, f"results/{label}/needle.jsonl", str(tmp_path))
        ids = [json.loads(line)["id"] for line in Path(local).read_text().splitlines()]
        assert len(ids) == len(set(ids)) == ITEMS

    # every item's trace once in the finished run, whole (acbench/tracking/traces.py)
    traces = client.search_traces(locations=[finished[0].info.experiment_id], run_id=finished[0].info.run_id,
                                  max_results=1000)
    keys = [t.info.tags["acbench.key"] for t in traces]
    assert len(keys) == len(set(keys)) == 2 * ITEMS and all(len(t.data.spans) == 1 for t in traces)

    # the checkpoint: whole, marked, byte-identical to the uninterrupted run's
    (path, digests), (_, want) = checkpoint(chaos), checkpoint(ref)
    assert (path / MARKER).exists() and digests == want and digests
