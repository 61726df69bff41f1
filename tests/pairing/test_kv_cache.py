"""KV-cache precision: parsing, backend checks, the token-wise N-bit cache, and the analyses under it."""

from __future__ import annotations

import pytest
import torch

from acbench.config import ConfigError, RunConfig
from acbench.engines.kv import (
    KVCacheError,
    check_kv_backend,
    incremental_forward,
    parse_kv_bits,
    quantized_cache,
)
from acbench.engines.vllm import kv_cache_kwargs


@pytest.mark.parametrize("value, expected", [(16, "16"), ("8", "8"), (4.0, "4"), ("FP8", "fp8"), (None, "16"), ("", "16")])
def test_parse_kv_bits(value, expected):
    assert parse_kv_bits(value) == expected


@pytest.mark.parametrize("params, message", [
    ({"kv_bits": "5"}, "kv_bits must be one of 16, 8, 4, fp8"),
    ({"kv_bits": "fp8"}, "kv_bits=fp8 needs backend=vllm"),
    ({"kv_bits": "4", "backend": "vllm"}, "vLLM's kv_cache_dtype has no integer 4-bit cache"),
])
def test_bad_kv_bits_fail_in_the_config(params, message):
    with pytest.raises(ConfigError, match=message):
        RunConfig.from_params({"method": "none", **params})


def test_kv_bits_is_a_flat_parameter_and_part_of_the_hash():
    plain = RunConfig.from_params({"method": "none"})
    kv4 = RunConfig.from_params({"method": "none", "kv_bits": 4})
    assert plain.engine.kv_bits == "16" and kv4.engine.kv_bits == "4"
    assert plain.config_hash() != kv4.config_hash()
    check_kv_backend("fp8", "vllm")  # allowed there
    assert kv_cache_kwargs("16") == {} and kv_cache_kwargs("fp8") == {"kv_cache_dtype": "fp8"}


class _Layer:
    """The cache layer alone, on hand-made keys (1 batch x 1 head x positions x 32 channels)."""

    def __init__(self, nbits):
        cache = quantized_cache(_FakeModel(), str(nbits))
        self.layer = cache.layers[0]


class _FakeModel:
    class config:  # noqa: N801 - mimics a transformers config
        num_hidden_layers = 1

        @classmethod
        def get_text_config(cls, decoder=True):
            return cls


def test_four_bit_round_to_nearest_by_hand():
    # one group of 32 channels, values 0..31: min 0, max 31, 15 steps of 31/15; 1 -> code 0 -> 0.0,
    # 2 -> code round(0.968) = 1 -> 31/15, 31 -> code 15 -> 31.0
    layer = _Layer(4).layer
    keys = torch.arange(32, dtype=torch.float32).reshape(1, 1, 1, 32)
    returned, _ = layer.update(keys, keys.clone())
    assert torch.equal(returned, keys)  # this step's own keys are read at full precision
    stored = layer.keys.flatten()
    assert stored[1].item() == 0.0
    assert stored[2].item() == pytest.approx(31 / 15, abs=1e-5)
    assert stored[31].item() == pytest.approx(31.0, abs=1e-5)
    # the next step reads the stored (quantized) keys of the earlier token, its own at full precision
    nxt = torch.full((1, 1, 1, 32), 0.3)
    returned, _ = layer.update(nxt, nxt.clone())
    assert torch.equal(returned[..., 0, :], layer.keys[..., 0, :]) and torch.equal(returned[..., 1, :], nxt[..., 0, :])


def test_groups_never_mix_batch_rows_or_tokens():
    torch.manual_seed(0)
    batch = torch.randn(2, 2, 3, 64)
    together = _Layer(4).layer
    together.update(batch, batch.clone())
    for row in range(2):
        alone = _Layer(4).layer
        alone.update(batch[row:row + 1], batch[row:row + 1].clone())
        assert torch.equal(alone.keys, together.keys[row:row + 1])


def test_sixteen_bits_is_the_models_own_cache():
    assert quantized_cache(_FakeModel(), "16") is None
    with pytest.raises(KVCacheError):
        quantized_cache(_FakeModel(), "fp8")


@pytest.fixture(scope="module")
def engines(tiny_model):
    from acbench.engines.hf import HFEngine

    return {bits: HFEngine(tiny_model, kv_bits=bits, batch_size=4) for bits in ("16", "8", "4")}


def test_incremental_forward_at_16_bits_equals_one_pass(engines):
    engine = engines["16"]
    ids = engine.tokenizer("a plan: pick up b1, stack b1 on b2", return_tensors="pt")["input_ids"][0]
    full = engine.model(ids[None], output_hidden_states=True)
    logits, _ = incremental_forward(engine.model, ids, "16")
    assert torch.allclose(logits, full.logits[0].float(), atol=1e-4)


def test_analyses_change_under_a_quantized_cache(engines):
    from acbench.analysis.compare import compare_models

    texts = ["Action: pick up b1\nObservation: you hold b1.", "The tool returned {\"venue\": \"ICML\", \"year\": 2021}."]
    same = compare_models(engines["16"], engines["16"], texts=texts, weight_erank=False, progress=False)
    kv8 = compare_models(engines["16"], engines["8"], texts=texts, weight_erank=False, progress=False)
    kv4 = compare_models(engines["16"], engines["4"], texts=texts, weight_erank=False, progress=False)
    assert same.metrics["analysis/erank_diff"] == 0.0 and same.metrics["analysis/energy_delta"] == 0.0
    # position 0 reads no cache, so it never moves; later positions do, more at 4 bits than at 8
    assert 0 < kv8.metrics["analysis/energy_delta"] < kv4.metrics["analysis/energy_delta"]
    assert kv4.metrics["analysis/erank_diff"] != 0.0


def test_generation_runs_under_the_cache(engines):
    from acbench.engines.base import GenerationRequest

    requests = [GenerationRequest.from_prompt("Say hi", max_new_tokens=4), GenerationRequest.from_prompt("Plan it", max_new_tokens=4)]
    outputs = engines["4"].generate(requests, progress=False)
    assert len(outputs) == 2 and all(isinstance(o, str) for o in outputs)
