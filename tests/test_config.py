"""Bad input gets a clear error before any model is loaded; good input maps onto the config."""

from __future__ import annotations

from pathlib import Path

import pytest

from acbench.config import ConfigError, RunConfig, load_config

REPO = Path(__file__).resolve().parents[1]


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


# -- the flat schema (acbench.config.PARAMS) against its other spellings -------------------------------------

def _mlproject() -> dict:
    import yaml

    return yaml.safe_load((REPO / "MLproject").read_text())["entry_points"]


def test_mlproject_main_takes_every_parameter_of_the_schema_with_its_defaults():
    """Fails when a field is added to RunConfig (or a section) without MLproject, or MLproject drifts."""
    from acbench.config import PARAMS

    main = _mlproject()["main"]
    assert set(main["parameters"]) == set(PARAMS) | {"config"}
    for name, spec in main["parameters"].items():
        assert spec["type"] == "string", name  # acbench coerces and validates every value itself
        assert f"--{name} {{{name}}}" in main["command"], f"MLproject's command does not pass {name}"
        if spec["default"] != "" and name != "config":  # empty: the default for this method/profile
            param = PARAMS[name]
            assert param.coerce(str(spec["default"])) == param.default, (
                f"MLproject's default for {name} is {spec['default']!r}; the config's is {param.default!r}")


def test_mlproject_other_entry_points_use_schema_names_and_defaults():
    from acbench.config import PARAMS

    for entry in ("compress", "evaluate"):
        spec = _mlproject()[entry]
        assert set(spec["parameters"]) <= set(PARAMS), entry
        for name, param in spec["parameters"].items():
            assert f"--{name} {{{name}}}" in spec["command"], (entry, name)
            if param["default"] != "":
                assert PARAMS[name].coerce(str(param["default"])) == PARAMS[name].default, (entry, name)


def test_the_schema_is_derived_from_the_models():
    from acbench.compression import CompressionSpec
    from acbench.config import PARAMS, EngineSpec, ModelSpec, RunConfig

    sections = {"model": ModelSpec, "engine": EngineSpec, "compression": CompressionSpec}
    expected = {("model" if (s, f) == ("model", "name") else f) for s, m in sections.items() for f in m.model_fields}
    expected |= {"register" if f == "register_checkpoint" else f for f in RunConfig.model_fields
                 if f not in (*sections, "task_options")}
    assert set(PARAMS) == expected
    p = PARAMS["group_size"]
    assert (p.section, p.field, p.kind, p.default, p.optional) == ("compression", "group_size", "int", 64, True)
    assert (PARAMS["model"].field, PARAMS["register"].field) == ("name", "register_checkpoint")
    assert PARAMS["method"].default == RunConfig().compression.method == "gptq"  # RunConfig's default, not the spec's
    assert PARAMS["backend"].choices == ("hf", "vllm") and PARAMS["sparsity"].kind == "float"
    assert PARAMS["ignore"].kind == "list" and PARAMS["symmetric"].kind == "bool"
    # what cannot move a number (speed, device layout, bookkeeping) is marked so on its field
    assert {n for n, p in PARAMS.items() if not p.result} == {
        "batch_size", "tensor_parallel", "pipeline_parallel", "distributed_backend", "trust_remote_code",
        "analysis", "likelihood", "register", "experiment", "traces", "vllm_url"}


def test_cli_flags_are_the_schema(capsys):
    from acbench.cli import build_parser
    from acbench.config import PARAMS

    run = build_parser()._subparsers._group_actions[0].choices["run"]
    flags = {a.dest for a in run._actions} - {"help", "config", "task_option", "data"}
    assert flags == set(PARAMS)


def test_flat_params_log_only_what_applies_to_the_method():
    cfg = load_config({"method": "gptq", "tasks": "needle", "group_size": "32"})
    flat = cfg.flat_params()
    assert "sparsity" not in flat and "pattern" not in flat and "smoothing_strength" not in flat
    assert (flat["bits"], flat["group_size"], flat["dampening"], flat["calib_samples"]) == (4, 32, 0.01, 16)
    assert flat["tasks"] == "needle" and flat["ignore"] == "lm_head" and flat["tensor_parallel"] == 1
    wanda = load_config({"method": "wanda", "tasks": "needle"}).flat_params()
    assert (wanda["sparsity"], wanda["pattern"]) == (0.5, "unstructured") and "bits" not in wanda
    none = load_config({"method": "none", "tasks": "needle"}).flat_params()
    assert not {"bits", "group_size", "sparsity", "calib_samples", "seed"} & set(none)


def test_one_loader_for_files_mappings_and_overrides(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("method: rtn\ntasks: needle\ncompression: {bits: 8}\n"
                    "task_options: {needle: {lengths: [60], depths: [0]}}\n")
    cfg = load_config(path, {"group_size": "32", "task_options": {"needle": {"depths": [50]}}})
    assert (cfg.compression.method, cfg.compression.bits, cfg.compression.group_size) == ("rtn", 8, 32)
    assert cfg.task_options == {"needle": {"lengths": [60], "depths": [50]}}  # merged option by option
    assert load_config({"method": "rtn", "tasks": "needle", "compression": {"bits": 8}}) == \
        RunConfig.from_yaml(path).model_copy(update={"task_options": {}})
    with pytest.raises(ConfigError) as err:
        load_config(path, {"bits": "4.5"})
    assert str(err.value) == f"{path}: parameter 'bits' must be an integer, got '4.5'"
