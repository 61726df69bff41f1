"""Flat run parameters -> RunConfig (issue 16): every spelling MLproject or the CLI may pass, the config hash
that tags runs and names caches, and how validation errors are laid out. Hand-written expectations.
"""

from __future__ import annotations

import hashlib
import json

import pytest

from acbench.config import PARAMS, ConfigError, RunConfig


def _coerce(key, value):
    """A flat value as the schema's parameter `key` coerces it (what from_params does to each key)."""
    return PARAMS[key].coerce(value)


@pytest.mark.parametrize("key, text, expected", [
    ("bits", "4", 4), ("bits", " 8 ", 8), ("bits", "4.0", 4), ("limit", "12", 12), ("seed", "-3", -3),
    ("group_size", "none", None), ("group_size", "NULL", None), ("group_size", "Per-Channel", None),
    ("group_size", "channel", None), ("group_size", "-1", None), ("group_size", "128", 128),
    ("limit", "None", None), ("limit", "null", None), ("max_context", "NONE", None), ("max_context", "4096", 4096),
    ("symmetric", "1", True), ("symmetric", "TRUE", True), ("analysis", "Yes", True), ("register", "on", True),
    ("trust_remote_code", "true", True),
    ("symmetric", "0", False), ("symmetric", "False", False), ("analysis", "NO", False), ("register", "Off", False),
    ("sparsity", "0.25", 0.25), ("sparsity", " 0.5", 0.5),
    ("ignore", "lm_head, re:.*down_proj", ["lm_head", "re:.*down_proj"]), ("ignore", "a,,b, ", ["a", "b"]),
    ("method", " gptq ", "gptq"), ("tasks", "teval,needle", "teval,needle"),
])
def test_flat_strings_coerce_to_values(key, text, expected):
    value = _coerce(key, text)
    assert value == expected and type(value) is type(expected)


def test_non_strings_pass_through_and_bad_spellings_name_the_parameter():
    assert _coerce("bits", 4) == 4 and _coerce("ignore", ["x"]) == ["x"] and _coerce("symmetric", False) is False
    for key, text, message in [
        ("bits", "four", "parameter 'bits' must be an integer, got 'four'"),
        ("group_size", "none-ish", "parameter 'group_size' must be an integer, got 'none-ish'"),
        ("seed", "none", "parameter 'seed' must be an integer, got 'none'"),  # only limit/max_context take none
        ("bits", "null", "parameter 'bits' must be an integer, got 'null'"),
        ("symmetric", "maybe", "parameter 'symmetric' must be true or false, got 'maybe'"),
        ("analysis", "2", "parameter 'analysis' must be true or false, got '2'"),
    ]:
        with pytest.raises(ConfigError) as err:
            _coerce(key, text)
        assert str(err.value) == message
    # group_size's per-channel spellings belong to group_size alone
    with pytest.raises(ConfigError):
        _coerce("limit", "channel")


def test_from_params_places_flat_keys_and_profile_defaults():
    assert RunConfig.from_params({"tasks": "needle"}).compression.calib_samples == 16  # no compression key given
    cfg = RunConfig.from_params({"method": "rtn", "tasks": "needle", "group_size": "-1", "register": "false",
                                 "limit": "", "batch_size": "2", "task_options": {"needle": {"lengths": [60]}}})
    assert cfg.compression.method == "rtn" and cfg.compression.group_size is None
    assert (cfg.compression.calib_samples, cfg.compression.calib_seq_len) == (16, 256)  # quick profile
    assert cfg.register_checkpoint is False and cfg.limit is None and cfg.engine.batch_size == 2
    assert cfg.task_options == {"needle": {"lengths": [60]}}  # a field that is not a flat key, passed whole
    paper = RunConfig.from_params({"profile": "paper", "calib_samples": "32"})
    assert (paper.compression.calib_samples, paper.compression.calib_seq_len) == (32, 512)
    assert len(paper.tasks) >= 8  # every registered task
    # a nested base is layered under, and never modified by, the flat keys
    base = {"compression": {"method": "rtn", "bits": 8}}
    cfg = RunConfig.from_params({"bits": "4"}, base=base)
    assert (cfg.compression.method, cfg.compression.bits) == ("rtn", 4) and base["compression"]["bits"] == 8


def test_validation_errors_are_listed_one_per_line_with_their_place():
    with pytest.raises(ConfigError) as err:
        RunConfig.from_params({"method": "gptq", "bits": "5", "batch_size": "0"})
    assert str(err.value) == ("invalid run configuration:\n"
                              "  compression.bits: Value error, bits must be 2, 3, 4 or 8, not 5\n"
                              "  engine.batch_size: Input should be greater than or equal to 1")
    with pytest.raises(ConfigError) as err:  # a rule over the whole config has no field: it says "config"
        RunConfig.from_params({"model": "a-model", "reference": "b-model", "method": "gptq"})
    assert str(err.value) == (
        "invalid run configuration:\n  config: Value error, method=gptq with reference=b-model compresses the "
        "reference's own weights and compares them with it, so model=a-model would be unused: set method=none to "
        "compare a-model against b-model, or drop reference")
    with pytest.raises(ConfigError) as err:  # `tasks: false` in a YAML file
        RunConfig.from_params({}, base={"tasks": False})
    assert str(err.value) == ("invalid run configuration:\n  tasks: Value error, tasks must be task or capability "
                              "names (a comma-separated string or a list of strings), got False")
    # `group_size: [1]` or `64.5` in a YAML file: an error naming the field (int() alone raised a TypeError that
    # pydantic passes through without the field's name, and took 64.5 as 64)
    for bad in ([1], 64.5, True, "x"):
        with pytest.raises(ConfigError) as err:
            RunConfig.from_params({}, base={"compression": {"method": "gptq", "group_size": bad}})
        assert str(err.value) == ("invalid run configuration:\n  compression.group_size: Value error, group_size must "
                                  f"be a positive integer, or None/-1 for per-channel; got {bad!r}")


PARALLEL = ("tensor_parallel", "pipeline_parallel", "distributed_backend",  # engine fields added in issue 15
            "vllm_url")  # and in issue 24


LATER_DEFAULTS = {"traces": True, "split": "all", "likelihood": True, "perplexity_corpus": "paul_graham_essays",
                  "perplexity_window": None, "perplexity_windows": None}


def _without(data: dict, *engine_fields: str) -> dict:
    for name in engine_fields:
        del data["engine"][name]
    # top-level fields added later (the traces switch, the item split, the likelihood measures) at their defaults
    for name, unset in LATER_DEFAULTS.items():
        if data.get(name) == unset:
            del data[name]
    return data


def _legacy_hash(cfg: RunConfig) -> str:
    """The hash as computed before `model.reference`, `engine.kv_bits`, the parallelism fields and the
    top-level fields of LATER_DEFAULTS existed."""
    data = _without(cfg.model_dump(mode="json"), "kv_bits", *PARALLEL)
    del data["model"]["reference"]
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def test_config_hash_is_stable_for_configs_that_predate_new_fields():
    cfg = RunConfig.from_params({"method": "rtn", "tasks": "needle"})
    assert cfg.config_hash() == _legacy_hash(cfg) and len(cfg.config_hash()) == 16
    assert RunConfig.from_params({"method": "rtn", "tasks": "needle"}).config_hash() == cfg.config_hash()
    assert RunConfig.from_params({"method": "rtn", "tasks": "needle", "bits": "8"}).config_hash() != cfg.config_hash()
    # the new fields count once they are set
    ref = RunConfig.from_params({"method": "none", "tasks": "needle", "reference": "other"})
    assert ref.config_hash() != RunConfig.from_params({"method": "none", "tasks": "needle"}).config_hash()
    data = _without(ref.model_dump(mode="json"), "kv_bits", *PARALLEL)
    assert ref.config_hash() == hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]
    kv = RunConfig.from_params({"method": "none", "tasks": "needle", "kv_bits": "8"})
    data = _without(kv.model_dump(mode="json"), *PARALLEL)
    del data["model"]["reference"]
    assert data["engine"]["kv_bits"] == "8"
    assert kv.config_hash() == hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]
    tp = RunConfig.from_params({"method": "none", "tasks": "needle", "backend": "vllm", "tensor_parallel": "2"})
    data = _without(tp.model_dump(mode="json"), "kv_bits", "pipeline_parallel", "distributed_backend", "vllm_url")
    del data["model"]["reference"]
    assert data["engine"]["tensor_parallel"] == 2
    assert tp.config_hash() == hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]
    served = RunConfig.from_params({"method": "none", "tasks": "needle", "backend": "vllm", "vllm_url": "http://h:1/v1"})
    assert served.config_hash() != RunConfig.from_params({"method": "none", "tasks": "needle",
                                                          "backend": "vllm"}).config_hash()


def test_the_flat_schema_is_derived_from_the_fields_as_written_here():
    """Every flat parameter: (section, field, kind, default, optional, choices, result). `_params()` is called
    afresh: PARAMS itself is built once at import (and mutation testing imports before it changes the code)."""
    from acbench.config import _kind, _params

    auto = ("auto", "float32", "bfloat16", "float16")
    expected = {
        "actorder": ("compression", "actorder", "str", "static", True, None, True),
        "analysis": (None, "analysis", "bool", True, False, None, False),
        "backend": ("engine", "backend", "str", "hf", False, ("hf", "vllm"), True),
        "batch_size": ("engine", "batch_size", "int", 16, False, None, False),
        "bits": ("compression", "bits", "int", 4, False, None, True),
        "calib_samples": ("compression", "calib_samples", "int", 128, False, None, True),
        "calib_seq_len": ("compression", "calib_seq_len", "int", 512, False, None, True),
        "calib_source": ("compression", "calib_source", "str", None, True, None, True),
        "dampening": ("compression", "dampening", "float", 0.01, False, None, True),
        "distributed_backend": ("engine", "distributed_backend", "str", None, True, ("mp", "ray"), False),
        "dtype": ("model", "dtype", "str", "auto", False, auto, True),
        "experiment": (None, "experiment", "str", "acbench", False, None, False),
        "group_size": ("compression", "group_size", "int", 64, True, None, True),
        "ignore": ("compression", "ignore", "list", ("lm_head",), False, None, True),
        "kv_bits": ("engine", "kv_bits", "str", "16", False, None, True),
        "likelihood": (None, "likelihood", "bool", True, False, None, False),
        "limit": (None, "limit", "int", None, True, None, True),
        "max_context": ("engine", "max_context", "int", None, True, None, True),
        "method": ("compression", "method", "str", "gptq", False, None, True),
        "model": ("model", "name", "str", "smollm2-135m", False, None, True),
        "pattern": ("compression", "pattern", "str", "unstructured", False, None, True),
        "perplexity_corpus": (None, "perplexity_corpus", "str", "paul_graham_essays", False, None, True),
        "perplexity_window": (None, "perplexity_window", "int", None, True, None, True),
        "perplexity_windows": (None, "perplexity_windows", "int", None, True, None, True),
        "pipeline_parallel": ("engine", "pipeline_parallel", "int", 1, False, None, False),
        "profile": (None, "profile", "str", "quick", False, ("quick", "paper"), True),
        "reference": ("model", "reference", "str", None, True, None, True),
        "register": (None, "register_checkpoint", "bool", True, False, None, False),
        "seed": ("compression", "seed", "int", 0, False, None, True),
        "smoothing_strength": ("compression", "smoothing_strength", "float", 0.5, False, None, True),
        "sparsity": ("compression", "sparsity", "float", 0.5, False, None, True),
        "split": (None, "split", "str", "all", False, ("all", "select", "confirm"), True),
        "symmetric": ("compression", "symmetric", "bool", True, False, None, True),
        "tasks": (None, "tasks", "list", ("teval", "worfbench", "needle", "pddl"), False, None, True),
        "tensor_parallel": ("engine", "tensor_parallel", "int", 1, False, None, False),
        "traces": (None, "traces", "bool", True, False, None, False),
        "trust_remote_code": ("model", "trust_remote_code", "bool", False, False, None, False),
        "vllm_url": ("engine", "vllm_url", "str", None, True, None, False),
    }
    params = _params()
    assert list(params) == sorted(expected)  # task_options has no flat form; names sorted
    got = {n: (p.section, p.field, p.kind, p.default, p.optional, p.choices, p.result) for n, p in params.items()}
    assert got == expected
    assert all(name == p.name for name, p in params.items())
    with pytest.raises(TypeError, match=r"no flat form for a field annotated <class 'dict'>: add one to "
                                        r"acbench.config._kind"):
        _kind(dict)


def test_skipped_values_and_whole_fields_do_not_stop_the_parameters_after_them():
    # an empty value, a field with no flat form: skipped or placed whole, and the next parameter still counts
    cfg = RunConfig.from_params({"bits": None, "group_size": "", "task_options": {}, "method": "rtn"})
    assert cfg.compression.method == "rtn" and cfg.task_options == {}
    # a section that is not a mapping is reported by validation, together with the errors after it
    with pytest.raises(ConfigError) as err:
        RunConfig.from_params({"bits": "4", "batch_size": "0"}, base={"compression": 4})
    assert "\n  compression: " in str(err.value) and "\n  engine.batch_size: Input should be greater" in str(err.value)


def test_load_config_merges_nested_overrides_and_names_no_file_for_a_mapping():
    from acbench.config import load_config

    cfg = load_config({"task_options": {"needle": {"size": 4}}},
                      {"task_options": {"needle": {"data": "x"}, "pddl": {"size": 2}}})
    assert cfg.task_options == {"needle": {"size": 4, "data": "x"}, "pddl": {"size": 2}}
    # a section only the overrides have is taken as it is
    cfg = load_config({}, {"task_options": {"needle": {"size": 4}}, "compression": {"method": "rtn"}})
    assert cfg.task_options == {"needle": {"size": 4}} and cfg.compression.method == "rtn"
    # from a mapping there is no file to name: the message starts with the error itself
    with pytest.raises(ConfigError) as err:
        load_config({"bits": "5"})
    assert str(err.value) == ("invalid run configuration:\n"
                              "  compression.bits: Value error, bits must be 2, 3, 4 or 8, not 5")
    # a list in flat form is joined by commas
    assert load_config({"tasks": "needle,pddl"}).flat_params()["tasks"] == "needle,pddl"
