"""The exact text a user reads for each bad config, pinned once (issue 16).

Other tests match these errors by one word; here the whole message is asserted, so a change to what users
read is a deliberate change to this file. Each message names what is wrong and what would work.
"""

from __future__ import annotations

import pytest

from acbench.compression import CompressionError, CompressionSpec, validate_against_model
from acbench.config import ConfigError, RunConfig
from acbench.evaluate import setup_tasks

PREFIX = "invalid run configuration:\n  "


def message(fn) -> str:
    with pytest.raises(ValueError) as err:
        fn()
    return str(err.value)


def test_unknown_method():
    text = message(lambda: RunConfig.from_params({"method": "gptqq"}))
    assert text == PREFIX + (
        "compression.method: Value error, unknown method 'gptqq'. Use one of: none, rtn, gptq, awq, smoothquant, "
        "fp8 (quantization); magnitude, wanda, sparsegpt (pruning); or '<pruning>+<quant>' such as 'sparsegpt+gptq'")


def test_bits_a_method_cannot_produce():
    assert message(lambda: RunConfig.from_params({"method": "awq", "bits": "8"})) == PREFIX + (
        "compression: Value error, method 'awq' cannot produce 8-bit weights; allowed bits: 4")
    assert message(lambda: RunConfig.from_params({"method": "smoothquant", "bits": "4"})) == PREFIX + (
        "compression: Value error, method 'smoothquant' cannot produce 4-bit weights; allowed bits: 8 "
        "(smoothquant is W8A8)")
    assert message(lambda: RunConfig.from_params({"method": "gptq", "bits": "5"})) == PREFIX + (
        "compression.bits: Value error, bits must be 2, 3, 4 or 8, not 5")


def test_sparsity_out_of_range():
    assert message(lambda: RunConfig.from_params({"method": "wanda", "sparsity": "1.0"})) == PREFIX + (
        "compression.sparsity: Value error, sparsity must be in [0, 1) (fraction of weights set to zero), not 1.0")
    assert message(lambda: RunConfig.from_params({"method": "wanda", "sparsity": "-0.1"})) == PREFIX + (
        "compression.sparsity: Value error, sparsity must be in [0, 1) (fraction of weights set to zero), not -0.1")
    assert message(lambda: RunConfig.from_params({"method": "wanda", "sparsity": "half"})) == (
        "parameter 'sparsity' must be a number, got 'half'")


def test_two_four_with_another_sparsity():
    text = message(lambda: RunConfig.from_params({"method": "sparsegpt", "pattern": "2:4", "sparsity": "0.6"}))
    assert text == PREFIX + (
        "compression: Value error, pattern '2:4' keeps 2 of every 4 weights, i.e. sparsity 0.5; sparsity=0.6 "
        "contradicts it (leave sparsity unset)")


def test_unknown_task():
    from acbench.tasks.registry import TASKS

    # the task list grows with the registry; the rest of the sentence is pinned
    assert list(TASKS)[:8] == ["teval", "worfbench", "needle", "longbench", "longgenbench", "pddl", "tool_query",
                               "tool_operation"]
    assert message(lambda: RunConfig.from_params({"method": "none", "tasks": "teval,nosuch"})) == PREFIX + (
        f"tasks: Value error, unknown task 'nosuch': tasks are {', '.join(TASKS)}; "
        "capabilities are tool_use, workflow, long_context, real_world")


def test_unknown_task_option():
    cfg = RunConfig.from_params({"method": "none", "tasks": "needle"}, base={"task_options": {"needle": {"bogus": 1}}})
    assert message(lambda: setup_tasks(cfg)) == (
        "task 'needle' has no option(s) ['bogus']; it takes ['answer', 'construction', 'depths', 'filler', "
        "'heatmap_answer', 'lengths', 'max_new_tokens', 'needle', 'question', 'scoring', 'seed', 'temperature']")


def test_bad_task_options_are_user_errors():
    # an option a task rejects is the user's to fix: an ACBenchError (one line in the CLI, a pruned sweep trial),
    # not a bare ValueError, which the CLI shows with its traceback as a bug
    from acbench.errors import ACBenchError

    cases = [({"needle": {"bogus": 1}}, "task 'needle' has no option(s) ['bogus']"),
             ({"needle": {"depths": [150]}}, "depths are percentages in [0, 100], got (150.0,)"),
             ({"longgenbench": {"prompt_format": "x"}}, "prompt_format must be 'acbench' or 'paper', got 'x'"),
             ({"pddl": {"max_steps": 0}}, "max_steps and max_new_tokens must be at least 1"),
             ({"teval": {"scoring": "best"}}, "scoring must be one of ['paper', 'strict'], got 'best'")]
    for options, text in cases:
        cfg = RunConfig.from_params({"method": "none", "tasks": next(iter(options))}, base={"task_options": options})
        with pytest.raises(ACBenchError) as err:
            setup_tasks(cfg)
        assert str(err.value).startswith(text)


def test_unknown_parameter_names_every_known_one():
    from acbench.config import PARAMS

    text = message(lambda: RunConfig.from_params({"methd": "gptq"}))
    assert text == f"unknown parameter 'methd': known are {', '.join(sorted(PARAMS))}"
    assert {"method", "bits", "group_size", "sparsity", "pattern", "tasks", "limit", "tensor_parallel"} <= set(PARAMS)
    assert message(lambda: RunConfig.from_params({"method": "gptq", "bits": "4.5"})) == (
        "parameter 'bits' must be an integer, got '4.5'")


def test_missing_data_files():
    cfg = RunConfig.from_params({"method": "none", "tasks": "teval"},
                                base={"task_options": {"teval": {"data": "/nonexistent/plan.json"}}})
    assert message(lambda: setup_tasks(cfg)) == (
        "/nonexistent/plan.json: no such file or directory (and not a hub dataset id 'owner/name')")
    missing_yaml = message(lambda: RunConfig.from_yaml("/nonexistent/run.yaml"))
    assert missing_yaml == "config file not found: /nonexistent/run.yaml"


def test_missing_calibration_file_and_group_size_against_the_model(tiny_model):
    spec = CompressionSpec(method="gptq", calib_source="/nonexistent/calib.txt")
    with pytest.raises(CompressionError) as err:
        validate_against_model(spec, tiny_model)
    assert str(err.value) == "calibration file not found: /nonexistent/calib.txt"
    with pytest.raises(CompressionError) as err:
        validate_against_model(CompressionSpec(method="gptq", group_size=48), tiny_model)
    assert str(err.value) == (
        "group_size=48 does not divide the input width of 14 of 14 targeted layers: self_attn.q_proj, "
        "self_attn.k_proj, self_attn.v_proj, self_attn.o_proj, mlp.gate_proj, mlp.up_proj (in 128) in layers 0-1; "
        "mlp.down_proj (in 256) in layers 0-1. Group sizes that fit every layer: 16, 32, 64, 128, or None "
        "(per-channel)")
    with pytest.raises(CompressionError) as err:
        validate_against_model(CompressionSpec(method="sparsegpt", pattern="3:7"), tiny_model)
    assert str(err.value) == (
        "pattern 3:7 needs input widths that are multiples of 7; these are not: self_attn.q_proj, self_attn.k_proj, "
        "self_attn.v_proj, self_attn.o_proj, mlp.gate_proj, mlp.up_proj (in 128) in layers 0-1; mlp.down_proj "
        "(in 256) in layers 0-1")


def test_unreachable_tracking_server(monkeypatch):
    from acbench import tracking

    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:9")
    with pytest.raises(tracking.TrackingError) as err:
        tracking.check_tracking()
    assert str(err.value) == (
        "tracking server http://127.0.0.1:9 is unreachable (<urlopen error [Errno 111] Connection refused>); "
        "start it (see tracking/README.md) or unset MLFLOW_TRACKING_URI to use the local sqlite store")


def test_config_errors_are_config_errors():
    # the CLI turns ConfigError into a clean message without a traceback: every config mistake must be one
    for params in ({"method": "gptqq"}, {"method": "awq", "bits": "8"}, {"method": "none", "tasks": "nosuch"},
                   {"methd": "x"}, {"method": "wanda", "sparsity": "1.5"}):
        with pytest.raises(ConfigError):
            RunConfig.from_params(params)


def test_run_config_files(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("method: [unclosed\n")
    text = message(lambda: RunConfig.from_yaml(broken))
    assert text.startswith(f"{broken}: not valid YAML (while parsing a flow sequence\n")
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"method: \xff\xfe\n")
    assert message(lambda: RunConfig.from_yaml(binary)) == f"{binary}: not UTF-8 text"
    listed = tmp_path / "list.yaml"
    listed.write_text("- a\n- b\n")
    assert message(lambda: RunConfig.from_yaml(listed)) == (
        f"{listed}: a run config is a YAML mapping of parameters, got list")
    invalid = tmp_path / "invalid.yaml"
    invalid.write_text("method: rtn\ntasks: needle\nbits: 5\n")
    assert message(lambda: RunConfig.from_yaml(invalid)) == (
        f"{invalid}: " + PREFIX + "compression.bits: Value error, bits must be 2, 3, 4 or 8, not 5")
    assert message(lambda: RunConfig.from_params({}, base={"task_options": {"needle": {1, 2}}})) == (
        "the configuration cannot be read as plain data (Object of type set is not JSON serializable)")


def test_a_section_that_is_not_a_mapping(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("compression: gptq\ntasks: needle\n")
    with pytest.raises(ConfigError, match=r"compression: Input should be a valid dictionary"):
        RunConfig.from_yaml(path)
