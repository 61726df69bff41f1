"""A model against a reference: roles, results keys, measurement of outside checkpoints, tokenizer checks."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

import acbench.run as run_module
from acbench.config import ConfigError, RunConfig
from acbench.engines.scripted import ScriptedEngine
from acbench.models import ModelError
from acbench.pairing import model_key, other_model, run_name
from acbench.reference import check_loadable, checkpoint_format, measure_checkpoint, tokenizer_mismatch
from acbench.tasks.needle.task import DEFAULT_ANSWER

# five cells: five identical reference items above the floor are measurably above it (sign test p = 1/32)
NEEDLE = {"needle": {"lengths": [60], "depths": [0, 25, 50, 75, 100], "scoring": "strict"}}


def _cfg(model, reference, **params):
    flat = {"model": str(model), "reference": str(reference), "method": "none", "tasks": "needle",
            "analysis": "false", **params}
    return RunConfig.from_params(flat, base={"task_options": NEEDLE})


@pytest.fixture(scope="module")
def student(tiny_model, tmp_path_factory):
    """Another tiny model with the same tokenizer (different random weights): the "distilled" model."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from conftest import make_tiny_model

    return make_tiny_model(tmp_path_factory.mktemp("student") / "student", seed=1)


class Engines:
    """The reference answers all 5 needle cells, the other model only the cells whose document starts with the
    needle (depths 0 and 25); records kv_bits."""

    def __init__(self, reference):
        self.reference, self.built = str(reference), []

    def __call__(self, cfg, path, kv_bits):
        self.built.append((str(path), kv_bits))
        if str(path) == self.reference and kv_bits == "16":
            return ScriptedEngine(lambda r: f"It is {DEFAULT_ANSWER}.")
        return ScriptedEngine(lambda r: DEFAULT_ANSWER if "Document:\nThe secret ingredient" in r.messages[-1]["content"]
                              else "I do not know.")


def test_reference_run_compares_model_with_reference(tiny_model, student, isolated_tracking, monkeypatch):
    engines = Engines(tiny_model)
    outcome = run_module.run_experiment(_cfg(student, tiny_model), engine_factory=engines)
    m = outcome.metrics
    assert engines.built == [(str(tiny_model), "16"), (str(student), "16")]
    assert m["base/long_context/score"] == 100.0
    assert m["compressed/long_context/score"] == pytest.approx(40.0)
    assert m["retention/long_context"] == pytest.approx(0.4)
    assert any(k.startswith("stats/") for k in m)
    # both dense bf16 tiny models of the same shape: same bits and size, ratio 1
    assert m["model/bits_per_weight"] == pytest.approx(16.0) and m["model/compression_ratio"] == pytest.approx(1.0)
    run = MlflowClient().get_run(outcome.run_id)
    assert run.data.tags["acbench.comparison"] == "reference"
    assert run.data.tags["acbench.reference"] == str(tiny_model)
    assert run.data.tags["acbench.model_format"] == "dense"
    assert run.data.tags["acbench.analysis.tokenizers"] == "same"
    assert run.data.params["reference"] == str(tiny_model) and run.data.params["kv_bits"] == "16"
    assert outcome.model_version is None  # a dense model is not a compressed checkpoint: not registered


def test_results_are_keyed_by_the_model_evaluated(tiny_model, student):
    cfg = _cfg(student, tiny_model)
    blob = f"{Path(student).resolve()}|auto|hf|None"
    assert model_key(cfg, student) == hashlib.sha256(blob.encode()).hexdigest()[:12]  # unchanged at 16 bits
    assert model_key(cfg, student, "4") == hashlib.sha256(f"{blob}|kv4".encode()).hexdigest()[:12]
    assert other_model(cfg, Path(tiny_model), _Compared(student), None) == (student, f"base-{model_key(cfg, student)}")
    kv = _cfg(tiny_model, "", kv_bits="4")
    assert kv.model.reference is None
    assert other_model(kv, Path(tiny_model), None, None) == (Path(tiny_model), f"base-{model_key(kv, tiny_model, '4')}")
    assert run_name(cfg) == "student-vs-tiny-llama" and run_name(kv) == "tiny-llama-none-kv4"


class _Compared:
    def __init__(self, path):
        self.path = path


def test_kv_only_run_compares_the_model_with_itself_under_the_cache(tiny_model, isolated_tracking, monkeypatch):
    engines = Engines(tiny_model)
    cfg = RunConfig.from_params({"model": str(tiny_model), "method": "none", "kv_bits": "4", "tasks": "needle",
                                 "analysis": "false"}, base={"task_options": NEEDLE})
    outcome = run_module.run_experiment(cfg, engine_factory=engines)
    assert engines.built == [(str(tiny_model), "16"), (str(tiny_model), "4")]
    assert outcome.metrics["retention/long_context"] == pytest.approx(0.4)
    assert MlflowClient().get_run(outcome.run_id).data.tags["acbench.comparison"] == "kv_cache"


def test_bad_references_fail_before_any_model_loads(tiny_model, isolated_tracking, monkeypatch):
    with pytest.raises(ModelError, match="unknown model 'no-such-model'"):
        run_module.prepare(_cfg(tiny_model, "no-such-model"))
    with pytest.raises(ConfigError, match="compresses the reference's own weights"):
        RunConfig.from_params({"model": str(tiny_model), "reference": "smollm2-135m", "method": "rtn"})
    same = RunConfig.from_params({"model": "smollm2-135m", "reference": str(tiny_model), "method": "rtn"})
    assert same.base_model == str(tiny_model) and same.compared_model is None  # compresses the reference


def test_tokenizer_mismatch_is_found_and_only_erank_runs(tiny_model, tmp_path):
    from transformers import AutoTokenizer

    from acbench.analysis.compare import compare_models
    from acbench.engines.hf import HFEngine

    other = tmp_path / "other-tokenizer"
    shutil.copytree(tiny_model, other)
    tokenizer = AutoTokenizer.from_pretrained(other)
    tokenizer.add_tokens(["<think>"])  # one extra token, as a distilled model's tokenizer has
    tokenizer.save_pretrained(other)
    note = tokenizer_mismatch(tiny_model, other)
    assert note == f"tokenizers differ ({len(tokenizer) - 1} vs {len(tokenizer)} tokens; 1 tokens map to different ids)"
    assert tokenizer_mismatch(tiny_model, tiny_model) is None
    # texts without the new token (its id is past the tiny model's embedding table)
    result = compare_models(HFEngine(tiny_model), HFEngine(other), texts=["a b c d", "hmm, ok then"],
                            progress=False, same_tokenizer=False)
    assert set(result.tables) == {"analysis_erank_per_text"}
    assert "topk,energy,weight_erank" in result.info["skipped"]
    assert not any("jaccard" in k or "energy" in k for k in result.metrics)
    assert result.metrics["analysis/erank_diff"] == 0.0  # same weights, same tokens for these texts
    table = result.tables["analysis_erank_per_text"]
    assert table["n_tokens_compressed"].tolist() == table["n_tokens"].tolist()


def test_precompressed_checkpoint_is_measured_from_its_files_and_registered(tiny_model, isolated_tracking, monkeypatch):
    from acbench.compression import CompressionSpec, compress

    made = compress(CompressionSpec(method="rtn", bits=4, group_size=32), tiny_model)
    assert checkpoint_format(str(made.path), made.path) == "compressed-tensors"
    measured = measure_checkpoint(str(made.path), made.path)
    assert measured["bits_per_weight"] == pytest.approx(made.stats["bits_per_weight"])
    assert measured["size_mb"] == pytest.approx(made.stats["size_mb"])
    engines = Engines(tiny_model)
    outcome = run_module.run_experiment(_cfg(made.path, tiny_model), engine_factory=engines)
    assert outcome.metrics["model/bits_per_weight"] == pytest.approx(made.stats["bits_per_weight"])
    assert outcome.metrics["model/compression_ratio"] == pytest.approx(made.stats["compression_ratio"], rel=1e-6)
    assert outcome.model_version is not None
    run = MlflowClient().get_run(outcome.run_id)
    assert run.data.tags["acbench.model_format"] == "compressed-tensors"


def test_gptq_without_its_library_is_a_clear_error(tmp_path, monkeypatch):
    import importlib.util

    (tmp_path / "config.json").write_text(json.dumps({"quantization_config": {"quant_method": "gptq"}}))
    assert checkpoint_format(str(tmp_path), tmp_path) == "gptq"
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModelError, match="GPTQ checkpoint loads in transformers only with gptqmodel"):
        check_loadable("gptq", "hf")
    check_loadable("gptq", "vllm")


def test_gguf_bits_per_weight_from_the_header(tmp_path):
    import numpy as np
    from gguf import GGMLQuantizationType, GGUFWriter

    path = tmp_path / "m.gguf"
    writer = GGUFWriter(str(path), "llama")
    writer.add_tensor("blk.0.attn_q.weight", np.zeros((64, 32), dtype=np.float16))  # 16 bits per value
    writer.add_tensor("blk.0.ffn_up.weight", np.zeros((64, 32), dtype=np.float32))  # 32 bits per value
    writer.add_tensor("token_embd.weight", np.zeros((10, 32), dtype=np.float32))  # not in a block: left out
    writer.write_header_to_file(); writer.write_kv_data_to_file(); writer.write_tensors_to_file(); writer.close()
    assert GGMLQuantizationType  # the writer picks the type from the dtype
    assert measure_checkpoint(str(path), tmp_path)["bits_per_weight"] == pytest.approx(24.0)
