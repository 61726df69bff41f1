"""Bad input gets a clear error before any model is loaded; good input maps onto the config."""

from __future__ import annotations

import pytest

from acbench.config import ConfigError, RunConfig


def test_flat_params_from_mlproject_strings():
    cfg = RunConfig.from_params({"method": "gptq", "bits": "4.0", "group_size": "32", "tasks": "teval,long_context",
                                 "limit": "", "analysis": "false"})
    assert cfg.compression.bits == 4 and cfg.compression.group_size == 32
    assert cfg.tasks == ("teval", "needle", "longbench", "longgenbench")
    assert cfg.analysis is False and cfg.limit is None
    # the profile decides calibration unless the user does
    assert (cfg.compression.calib_samples, cfg.compression.calib_seq_len) == (16, 256)
    paper = RunConfig.from_params({"method": "gptq", "profile": "paper", "calib_samples": "64"})
    assert (paper.compression.calib_samples, paper.compression.calib_seq_len) == (64, 512)


def test_config_hash_is_stable_and_sensitive():
    a = RunConfig.from_params({"method": "gptq", "bits": "4"})
    assert a.config_hash() == RunConfig.from_params({"method": "gptq", "bits": 4}).config_hash()
    assert a.config_hash() != RunConfig.from_params({"method": "gptq", "bits": 8}).config_hash()


@pytest.mark.parametrize(
    "params, message",
    [
        ({"method": "gptqq"}, "unknown method"),
        ({"method": "gptq", "bits": "5"}, "bits"),
        ({"method": "gptq", "bits": "four"}, "must be an integer"),
        ({"method": "wanda", "sparsity": "1.2"}, "sparsity"),
        ({"method": "wanda", "sparsity": "-0.1"}, "sparsity"),
        ({"method": "sparsegpt", "pattern": "2:4", "sparsity": "0.7"}, "2:4"),
        ({"method": "gptq", "tasks": "teval,nosuchtask"}, "unknown task 'nosuchtask'"),
        ({"method": "gptq", "profile": "huge"}, "profile"),
        ({"method": "gptq", "colour": "blue"}, "unknown parameter 'colour'"),
        ({"method": "gptq", "analysis": "maybe"}, "true or false"),
    ],
)
def test_bad_params_are_clear_errors(params, message):
    with pytest.raises(ConfigError, match=message):
        RunConfig.from_params(params)


def test_yaml_config_with_overrides(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("method: awq\nbits: 4\ntasks: [teval]\ntask_options:\n  teval: {embedding_model: my-model}\n")
    cfg = RunConfig.from_yaml(path, overrides={"group_size": "32"})
    assert cfg.compression.method == "awq" and cfg.compression.group_size == 32
    assert cfg.task_options == {"teval": {"embedding_model": "my-model"}}
    with pytest.raises(ConfigError, match="not found"):
        RunConfig.from_yaml(tmp_path / "missing.yaml")


def test_yaml_model_may_be_a_name_or_a_section(tmp_path):
    flat = tmp_path / "flat.yaml"
    flat.write_text("model: Qwen/Qwen2.5-7B-Instruct\nmethod: gptq\n")
    assert RunConfig.from_yaml(flat).model.name == "Qwen/Qwen2.5-7B-Instruct"
    nested = tmp_path / "nested.yaml"
    nested.write_text("model: {name: my-model, dtype: bfloat16}\nmethod: gptq\n")
    cfg = RunConfig.from_yaml(nested)
    assert (cfg.model.name, cfg.model.dtype) == ("my-model", "bfloat16")


def test_profile_decides_the_default_tasks():
    assert RunConfig.from_params({"method": "gptq"}).tasks == ("teval", "worfbench", "needle", "pddl")
    paper = RunConfig.from_params({"method": "gptq", "profile": "paper"})
    assert set(paper.tasks) >= {"teval", "worfbench", "needle", "longbench", "longgenbench", "pddl", "tool_query",
                                "tool_operation"}
    assert RunConfig.from_params({"method": "gptq", "profile": "paper", "tasks": "needle"}).tasks == ("needle",)
