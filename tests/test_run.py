"""One tracked run end to end: compress a tiny model, evaluate base and compressed, log, register, resume.

Engines are scripted here (hand-checkable scores); `test_real_engines_and_analysis` uses the tiny model
through the transformers engine for the analysis path.
"""

from __future__ import annotations

import json

import pytest
from mlflow.tracking import MlflowClient

import acbench.run as run_module
from acbench.compression import CompressionError
from acbench.config import RunConfig
from acbench.engines.scripted import ScriptedEngine
from acbench.tasks.needle.task import DEFAULT_ANSWER, NeedleTask
from acbench.tracking import TrackingError

# strict scoring: answer-word recall x 100 per cell (0 or 100 here), hand-checkable
NEEDLE = {"needle": {"lengths": [60], "depths": [0, 50, 100], "scoring": "strict"}}


def _cfg(model, **params):
    base = {"task_options": NEEDLE}
    flat = {"model": str(model), "method": "rtn", "group_size": "32", "tasks": "needle", "analysis": "false", **params}
    return RunConfig.from_params(flat, base=base)


class Scripted:
    """Engines by checkpoint: the original answers every cell; the compressed one only the first cell."""

    def __init__(self, original, crash_after=None):
        self.original, self.crash_after, self.compressed_requests = str(original), crash_after, []

    def __call__(self, cfg, path, kv_bits):
        if str(path) == self.original:
            return ScriptedEngine(lambda r: f"It is {DEFAULT_ANSWER}.")

        def answer(request):
            self.compressed_requests.append(request)
            if self.crash_after is not None and len(self.compressed_requests) > self.crash_after:
                raise KeyboardInterrupt("killed mid-run")
            return DEFAULT_ANSWER if "depth0" in _cell(request) else "I do not know."

        return ScriptedEngine(answer)


def _cell(request):
    # the needle sits at the very start of the document only in the depth-0 cell
    doc = request.messages[-1]["content"].split("Document:\n", 1)[1]
    return "depth0" if doc.startswith("The secret ingredient") else "other"


def test_run_logs_metrics_artifacts_and_registers(tiny_model, isolated_tracking, monkeypatch):
    from acbench.compression import run as compression_run, validate

    reads = []  # the model's layers are read once per run: the run validates, compress() reuses the result
    real = validate.targeted_layers
    monkeypatch.setattr(validate, "targeted_layers", lambda *a, **k: reads.append(1) or real(*a, **k))
    monkeypatch.setattr(compression_run, "validate_against_model",
                        lambda *a: pytest.fail("compress() validated again what the run had validated"))
    outcome = run_module.run_experiment(_cfg(tiny_model), engine_factory=Scripted(tiny_model))
    assert len(reads) == 1

    client = MlflowClient()
    run = client.get_run(outcome.run_id)
    assert run.info.status == "FINISHED"
    m = run.data.metrics
    assert m["base/long_context/needle/score_strict"] == pytest.approx(100.0)
    assert m["compressed/long_context/needle/score_strict"] == pytest.approx(100 / 3)
    # three identical original items above the floor are not measurably above it (sign test p = 1/8): no
    # retention, however clear the compressed model's loss (issue 26; five cells would give 1/32)
    assert "retention/long_context" not in m and m["stats/long_context/needle/p_floor"] == pytest.approx(0.125)
    # paired statistics: 3 cells, the compressed model loses 2; exact McNemar (2 * (1/2)**2) and the exact
    # permutation test (|mean| as large in 4 of the 8 sign patterns) both give p = 0.5
    assert m["stats/long_context/needle/delta"] == pytest.approx(100 / 3 - 100)
    assert m["stats/long_context/needle/p_value"] == pytest.approx(0.5) == m["stats/long_context/needle/p_holm"]
    assert m["stats/long_context/needle/delta_lo"] <= m["stats/long_context/needle/delta"]
    assert m["stats/long_context/needle/significant_drop"] == 0.0 and m["stats/long_context/needle/n"] == 3
    assert "stats/overall/retention" not in m and m["stats/long_context/needle/too_few_items"] == 1.0
    assert run.data.tags["acbench.stats.needle"] == "floor"
    local = client.download_artifacts(outcome.run_id, "stats/summary.json", str(isolated_tracking))
    summary = json.load(open(local))
    row = dict(zip(summary["columns"], summary["data"][0]))
    assert row["task"] == "needle" and row["status"] == "floor" and row["n"] == 3
    assert row["too_few_items"].startswith("too few items (3) to detect a drop of 10 points")
    assert row["test"] in ("mcnemar_exact", "paired_permutation") and row["p_value"] == pytest.approx(0.5)
    # the tiny model is mostly its (unquantized) embedding table, so the ratio is small but real
    assert m["model/compression_ratio"] > 1.0 and 0 < m["model/size_mb"] < m["model/original_size_mb"]
    assert run.data.params["method"] == "rtn" and run.data.params["group_size"] == "32"
    assert run.data.params["task.needle.lengths"] == "[60]"
    # task settings the profile filled in are logged with the values they ran with, never as None
    quick = NeedleTask(profile="quick")
    assert run.data.params["task.needle.max_new_tokens"] == str(quick.max_new_tokens) != "None"
    assert run.data.params["task.needle.construction"] == str(quick.construction) != "None"
    # only parameters that apply to the method: an RTN run logs no pruning params, resolved or not
    assert not {"sparsity", "pattern", "resolved.sparsity", "resolved.pattern", "dampening"} & set(run.data.params)
    assert run.data.params["symmetric"] == "True" and "calib_samples" not in run.data.params  # RTN reads no data
    assert run.data.tags["acbench.config_hash"] == _cfg(tiny_model).config_hash()

    artifacts = {a.path for a in client.list_artifacts(outcome.run_id, "results/compressed")}
    assert artifacts == {"results/compressed/needle.jsonl"}
    local = client.download_artifacts(outcome.run_id, "results/compressed/needle.jsonl", str(isolated_tracking))
    records = [json.loads(line) for line in open(local)]
    assert len(records) == 3 and {r["id"] for r in records} == {"len60_depth0", "len60_depth50", "len60_depth100"}
    assert any(a.path == "config.yaml" for a in client.list_artifacts(outcome.run_id))

    version = client.get_model_version(run_module.registered_name(str(tiny_model)), outcome.model_version)
    assert version.tags["method"] == "rtn" and version.tags["bits"] == "4" and version.run_id == outcome.run_id


def test_interrupted_run_resumes_where_it_stopped(tiny_model, isolated_tracking, monkeypatch):
    monkeypatch.setattr(NeedleTask, "batch_size", 1)
    crashing = Scripted(tiny_model, crash_after=1)
    with pytest.raises(KeyboardInterrupt):
        run_module.run_experiment(_cfg(tiny_model), engine_factory=crashing)
    killed = MlflowClient().search_runs([r.experiment_id for r in MlflowClient().search_experiments()])
    assert [r.info.status for r in killed] == ["KILLED"]

    resumed = Scripted(tiny_model)
    outcome = run_module.run_experiment(_cfg(tiny_model), engine_factory=resumed)
    assert len(resumed.compressed_requests) == 2  # the first cell was saved before the kill
    assert outcome.metrics["compressed/long_context/needle/score_strict"] == pytest.approx(100 / 3)


def test_method_none_evaluates_the_original_alone(tiny_model, isolated_tracking, monkeypatch):
    outcome = run_module.run_experiment(_cfg(tiny_model, method="none"), engine_factory=Scripted(tiny_model))
    assert outcome.metrics["base/long_context/needle/score_strict"] == pytest.approx(100.0)
    assert not any(k.startswith(("retention/", "compressed/", "model/")) for k in outcome.metrics)
    assert outcome.model_version is None


def _forbidden(*args, **kwargs):
    raise AssertionError("heavy work started before validation finished")


def _no_heavy_work(monkeypatch):
    """Compression fails the test if it starts; pass `engine_factory=_forbidden` for the engines."""
    monkeypatch.setattr(run_module, "compress", _forbidden)


def test_group_size_that_does_not_divide_fails_before_loading(tiny_model, isolated_tracking, monkeypatch):
    _no_heavy_work(monkeypatch)
    with pytest.raises(CompressionError, match=r"48") as err:
        run_module.run_experiment(_cfg(tiny_model, group_size="48"), engine_factory=_forbidden)
    assert "32" in str(err.value)  # a size that fits is suggested
    assert MlflowClient().search_experiments(filter_string="name = 'acbench'") == []  # no run was started


def test_unreachable_tracking_server_fails_before_loading(tiny_model, isolated_tracking, monkeypatch):
    _no_heavy_work(monkeypatch)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:9")
    with pytest.raises(TrackingError, match="unreachable"):
        run_module.run_experiment(_cfg(tiny_model), engine_factory=_forbidden)


def test_bad_task_option_and_missing_data_fail_before_loading(tiny_model, isolated_tracking, monkeypatch):
    _no_heavy_work(monkeypatch)
    bad_option = RunConfig.from_params({"model": str(tiny_model), "method": "rtn", "tasks": "needle"},
                                       base={"task_options": {"needle": {"colour": "blue"}}})
    with pytest.raises(ValueError, match="colour"):
        run_module.run_experiment(bad_option, engine_factory=_forbidden)
    missing = RunConfig.from_params({"model": str(tiny_model), "method": "rtn", "tasks": "worfbench"},
                                    base={"task_options": {"worfbench": {"data": str(isolated_tracking / "nope.json")}}})
    with pytest.raises((ValueError, FileNotFoundError), match="nope.json"):
        run_module.run_experiment(missing, engine_factory=_forbidden)


def test_real_engines_and_analysis(tiny_model, isolated_tracking):
    """The tiny model through the transformers engine, with the analyses on: every metric family is logged."""
    outcome = run_module.run_experiment(_cfg(tiny_model, analysis="true", method="fp8", group_size=""))
    m = outcome.metrics
    assert 0.0 <= m["compressed/long_context/needle/score"] <= 10.0  # upstream's 0-10
    assert 0.0 <= m["compressed/long_context/needle/headline"] <= 100.0
    assert 0.0 <= m["analysis/jaccard_at_3"] <= 1.0
    assert "analysis/energy_delta" in m and "analysis/erank_diff" in m
    figures = {a.path for a in MlflowClient().list_artifacts(outcome.run_id, "figures/analysis")}
    assert figures, "analysis figures are logged"
