"""MLflow-native records of a run: dataset inputs, the checkpoint as a LoggedModel with linked metrics, the
registered version made from it with a model card, the run description and the compression-key tag.

Engines are scripted (as in test_run.py): the original model answers every needle cell, the compressed one
only the first, so retention is 1/3 with a real bootstrap interval.
"""

from __future__ import annotations

import json
from pathlib import Path

import mlflow
import pytest
from mlflow.tracking import MlflowClient

import acbench.run as run_module
from acbench import tracking
from acbench.config import RunConfig
from acbench.engines.scripted import ScriptedEngine
from acbench.model_card import retention_line, run_description, version_card
from acbench.tasks.needle.task import DEFAULT_ANSWER

# five cells: five identical original items above the floor are measurably above it (sign test p = 1/32; three
# would give 1/8 and no retention)
NEEDLE = {"needle": {"lengths": [60], "depths": [0, 25, 50, 75, 100], "scoring": "strict"}}


def _cfg(model, **params):
    flat = {"model": str(model), "method": "rtn", "group_size": "32", "tasks": "needle", "analysis": "false", **params}
    return RunConfig.from_params(flat, base={"task_options": NEEDLE})


def _engines(original):
    def make(cfg, path, kv_bits):
        if str(path) == str(original):
            return ScriptedEngine(lambda request: f"It is {DEFAULT_ANSWER}.")
        # the needle opens the document only in the depth-0 and depth-25 cells: the compressed model finds those
        return ScriptedEngine(lambda r: DEFAULT_ANSWER if r.messages[-1]["content"].split("Document:\n", 1)[1]
                              .startswith("The secret ingredient") else "I do not know.")
    return make


@pytest.fixture
def finished(tiny_model, isolated_tracking, monkeypatch):
    outcome = run_module.run_experiment(_cfg(tiny_model), engine_factory=_engines(tiny_model))
    return outcome, MlflowClient().get_run(outcome.run_id), isolated_tracking


def test_the_run_knows_every_metric_it_logged_under_the_name_mlflow_holds(finished):
    outcome, run, _ = finished
    assert outcome.metrics == pytest.approx(run.data.metrics)  # not read back from MLflow: the same set
    m = outcome.metrics
    # roles are explicit: the original under base/, the compressed model under compressed/ (acbench/metrics.py)
    assert m["base/long_context/score"] == pytest.approx(100.0)
    assert m["compressed/long_context/score"] == pytest.approx(40.0)
    assert m["compressed/long_context/needle/headline"] == pytest.approx(40.0)  # strict needle: already 0-100
    assert m["compressed/long_context/needle/score_strict"] == pytest.approx(40.0)
    assert not any(k.startswith("long_context/") for k in m)  # no role-less name is left
    assert {"time/base/eval_needle_s", "time/compressed/eval_needle_s", "model/size_mb"} <= set(m)


def test_each_task_is_logged_as_a_dataset_with_digest_and_source(finished):
    outcome, run, _ = finished
    inputs = run.inputs.dataset_inputs
    assert len(inputs) == 1
    dataset, tags = inputs[0].dataset, {t.key: t.value for t in inputs[0].tags}
    setup = run_module.setup_tasks(_cfg(Path(run.data.params["model"])))[0]
    assert dataset.name == "needle" and dataset.digest == setup.key
    assert '"num_rows": 5' in dataset.profile and '"name": "id"' in dataset.schema
    assert "acbench/tasks/needle" in dataset.source and dataset.source_type == "local"
    assert tags["mlflow.data.context"] == "eval" and tags["samples"] == "5" and tags["profile"] == "quick"


def test_checkpoint_is_a_logged_model_with_linked_metrics_and_the_version_comes_from_it(finished):
    outcome, run, tmp = finished
    client = MlflowClient()
    assert [o.model_id for o in run.outputs.model_outputs] == [outcome.model_id]
    model = client.get_logged_model(outcome.model_id)
    assert str(model.status).endswith("READY") and model.source_run_id == outcome.run_id
    assert model.params["method"] == "rtn" and model.params["compression_key"] == outcome.checkpoint.name
    linked = {m.key: m.value for m in model.metrics}
    assert linked["retention/long_context"] == pytest.approx(0.4)
    assert linked["stats/overall/retention_lo"] <= linked["retention/overall"] <= linked["stats/overall/retention_hi"]
    assert linked["model/compression_ratio"] > 1.0

    name = run_module.registered_name(run.data.params["model"])
    version = client.get_model_version(name, outcome.model_version)
    assert version.source == f"models:/{outcome.model_id}"
    links = json.loads(client.get_logged_model(outcome.model_id).tags["mlflow.modelVersions"])
    assert links == [{"name": name, "version": int(outcome.model_version)}]  # the UI's model -> version link
    assert version.run_id == outcome.run_id and version.tags["compression_key"] == outcome.checkpoint.name
    # the checkpoint is stored once, in the model; the registry serves it with an MLmodel carrying a schema
    files = set(p.name for p in Path(mlflow.artifacts.download_artifacts(f"models:/{name}/{outcome.model_version}",
                                                                       dst_path=str(tmp / "dl"))).iterdir())
    assert {"MLmodel", "config.json", "model.safetensors"} <= files
    assert "signature" in (tmp / "dl" / "MLmodel").read_text()
    # not a second copy in the run's own folder (list_artifacts(run, "checkpoint") shows the model's files)
    run_dir = Path(run.info.artifact_uri.removeprefix("file://"))
    assert (run_dir / "config.yaml").is_file() and not (run_dir / "checkpoint").exists()
    assert {a.path for a in client.list_artifacts(outcome.run_id, "checkpoint")} >= {"checkpoint/MLmodel"}


def test_model_card_run_description_and_compression_key(finished):
    outcome, run, _ = finished
    tags = run.data.tags
    assert tags["acbench.compression_key"] == outcome.checkpoint.name  # the real checkpoint folder
    note = tags["mlflow.note.content"]
    assert "compressed with **rtn (" in note and "bits=4, group_size=32" in note and "Headline retention" in note
    assert "sparsity" not in note  # only the parameters the method uses
    assert "[95 % CI" in note and "retention/long_context: 0.400" in note
    # per-task n and the plain small-sample note (issue 26)
    assert "- needle: 5 items; too few items (5) to detect a drop of 10 points" in note

    card = MlflowClient().get_model_version(run_module.registered_name(run.data.params["model"]),
                                           outcome.model_version).description
    m = run.data.metrics
    assert f"{m['retention/overall']:.3f} [95 % CI {m['stats/overall/retention_lo']:.3f}, " in card
    assert "| method | rtn |" in card and "| group_size | 32 |" in card
    assert f"#/experiments/{run.info.experiment_id}/runs/{outcome.run_id}" in card
    assert f"| checkpoint key | {outcome.checkpoint.name} |" in card
    assert "| items | all |" in card and "- needle: 5 items; too few items (5)" in card
    assert "Confirmation numbers" not in card and "Selection numbers" not in card  # split=all: neither


def test_card_texts_without_retention_or_interval(tiny_model):
    cfg = _cfg(tiny_model)
    assert retention_line({}) is None
    assert retention_line({"retention/overall": 0.5}) == "0.500"
    assert "No retention" in run_description(cfg, {"base/long_context/score": 1.0})
    card = version_card(cfg, {}, "#/experiments/1/runs/abc", "k|ey")
    assert "none (no task above its chance floor)" in card and "k\\|ey" in card and "[abc](#/experiments/1/runs/abc)" in card


def test_register_checkpoint_alone_logs_the_model_itself(isolated_tracking):
    ckpt = isolated_tracking / "ckpt"
    ckpt.mkdir()
    (ckpt / "config.json").write_text("{}")
    with tracking.tracked_run("records", "r"):
        version = tracking.register_checkpoint(ckpt, "acbench-x", {"method": "rtn"})
        run_id = mlflow.active_run().info.run_id
    mv = MlflowClient().get_model_version("acbench-x", version)
    assert mv.source.startswith("models:/m-") and mv.run_id == run_id


def test_dataset_sources_hub_id_url_and_path(isolated_tracking):
    with tracking.tracked_run("records", "r") as run_id:
        tracking.log_dataset("a", [{"id": "1"}], "org/some-data", "d1")
        tracking.log_dataset("b", [], "https://example.org/x.jsonl", "d2")
        tracking.log_dataset("c", [{"id": "1"}], str(isolated_tracking), "d3")
    found = {i.dataset.name: i.dataset for i in MlflowClient().get_run(run_id).inputs.dataset_inputs}
    assert "https://huggingface.co/datasets/org/some-data" in found["a"].source and found["a"].source_type == "http"
    assert found["b"].source_type == "http" and found["c"].source_type == "local"
    assert {d.digest for d in found.values()} == {"d1", "d2", "d3"}


def test_mlflow_is_imported_only_inside_the_tracking_package():
    import ast

    import acbench

    root = Path(acbench.__file__).parent
    importers = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(n == "mlflow" or n.startswith("mlflow.") for n in names):
                importers.add(path.relative_to(root).as_posix())
    assert importers and all(p.startswith("tracking/") for p in importers), sorted(importers)
    # the public names work through the package, as before the split
    assert tracking.log_metrics.__module__ == "acbench.tracking.logging"
    assert tracking.TrackingError.__module__ == "acbench.tracking.store"
