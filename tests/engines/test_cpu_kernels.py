"""CPU kernels of engine calls (acbench/engines/cpu_kernels.py): prepacked oneDNN linears and in-place GQA
attention give the plain model's numbers, and only inside engine calls."""

from __future__ import annotations

import logging

import pytest
import torch

from acbench.engines import cpu_kernels as kernels_module
from acbench.engines.base import GenerationRequest
from acbench.engines.hf import HFEngine
from tests.engines.test_scheduler import make_diverse
from acbench.engines.cpu_kernels import GQA_SDPA, PackedLinears, eligible, gqa_sdpa_attention

PROMPTS = ["List three tools for booking a flight.", "What is 17 times 23?", "Name a colour."]


def linears(model):
    return [m for m in model.modules() if type(m) is torch.nn.Linear]


def test_kernels_match_the_plain_model_and_are_undone_outside_the_block(tiny_model):
    engine = HFEngine(tiny_model)
    ids = engine.tokenizer(PROMPTS, return_tensors="pt", padding=True)  # padded: a mask reaches attention
    assert engine.model.config.num_key_value_heads < engine.model.config.num_attention_heads  # GQA
    with torch.inference_mode():
        plain = engine.model(**ids).logits
        with engine.kernels.active():
            assert all("forward" in vars(m) for m in linears(engine.model))  # every layer runs packed here
            assert engine.model.config._attn_implementation == GQA_SDPA
            # the in-place GQA path itself, not transformers' SDPA (which copies heads), computes attention
            from transformers import AttentionInterface
            stock = AttentionInterface()["sdpa"]
            AttentionInterface.register("sdpa", None)
            try:
                packed = engine.model(**ids).logits
            finally:
                AttentionInterface.register("sdpa", stock)
    assert not any("forward" in vars(m) for m in linears(engine.model))
    assert engine.model.config._attn_implementation == "sdpa"
    assert len(engine.kernels.linears.packs) == len(linears(engine.model)) > 0
    assert packed.shape == plain.shape
    torch.testing.assert_close(packed, plain, rtol=0, atol=1e-4)


def test_engine_outputs_equal_with_and_without_packing(tiny_model):
    requests = [GenerationRequest.from_prompt(p, max_new_tokens=12) for p in PROMPTS]
    with_pack = make_diverse(tiny_model)
    without = make_diverse(tiny_model, cpu_kernels=False)
    assert without.kernels is None
    assert with_pack.generate(requests, progress=False) == without.generate(requests, progress=False)
    a, b = with_pack.forward(PROMPTS), without.forward(PROMPTS)
    torch.testing.assert_close(a.logits, b.logits, rtol=0, atol=1e-4)


def test_a_weight_changed_after_packing_is_packed_again(tiny_model):
    engine = HFEngine(tiny_model)
    layer = engine.model.lm_head
    x = torch.randn(2, layer.in_features)
    with torch.inference_mode(), engine.kernels.active():
        before = layer(x)
    with torch.no_grad():
        layer.weight.mul_(2)  # in place: same storage, new version
    with torch.inference_mode(), engine.kernels.active():
        after = layer(x)
    torch.testing.assert_close(after, 2 * before, rtol=1e-5, atol=1e-5)
    layer.weight = torch.nn.Parameter(torch.zeros_like(layer.weight))  # replaced: new storage
    with torch.inference_mode(), engine.kernels.active():
        assert torch.count_nonzero(layer(x)) == 0


def test_grad_enabled_calls_use_f_linear_and_backpropagate(tiny_model):
    engine = HFEngine(tiny_model)
    layer = engine.model.lm_head
    x = torch.randn(2, layer.in_features, requires_grad=True)
    with engine.kernels.active():
        layer(x).sum().backward()
    assert x.grad is not None and torch.count_nonzero(x.grad) > 0


def test_wrapped_and_non_float32_layers_are_left_alone():
    wrapped = torch.nn.Linear(8, 4)
    wrapped.forward = lambda x: x  # a per-instance forward, as compressed-tensors' activation quantization
    half = torch.nn.Linear(8, 4).to(torch.bfloat16)

    class Sub(torch.nn.Linear):
        pass

    dispatched = torch.nn.Linear(4, 4)
    dispatched.forward = dispatched.forward  # the class's own forward bound per instance, as loaders leave a head
    assert not eligible(wrapped) and not eligible(half) and not eligible(Sub(8, 4))
    assert eligible(torch.nn.Linear(8, 4)) and eligible(dispatched)
    model = torch.nn.Sequential(wrapped, torch.nn.Linear(4, 4), half, dispatched)
    packs = PackedLinears(model)
    assert packs.modules == [model[1], dispatched]
    bound = vars(dispatched)["forward"]
    with packs.active():
        assert vars(wrapped)["forward"](1) == 1  # its own wrapper, untouched
        assert "forward" in vars(model[1]) and vars(dispatched)["forward"] is not bound
    assert "forward" in vars(wrapped) and "forward" not in vars(model[1])
    assert vars(dispatched)["forward"] is bound  # put back as it was


def test_nested_blocks_patch_once_and_restore_once():
    model = torch.nn.Sequential(torch.nn.Linear(4, 4))
    packs = PackedLinears(model)
    with packs.active():
        first = vars(model[0])["forward"]
        with packs.active():
            assert vars(model[0])["forward"] is first
        assert vars(model[0])["forward"] is first  # the inner block did not undo the outer one
    assert "forward" not in vars(model[0])


def test_packing_is_skipped_with_a_reason_when_memory_is_short(monkeypatch, caplog):
    monkeypatch.setattr(kernels_module, "available_memory", lambda: 1000)  # bytes
    model = torch.nn.Sequential(torch.nn.Linear(64, 64))
    packs = PackedLinears(model)
    with caplog.at_level(logging.INFO, logger="acbench.engines.cpu_kernels"), packs.active():
        assert "forward" not in vars(model[0])
    assert "more than half" in packs.disabled and "F.linear" in caplog.text


def test_packing_is_skipped_where_the_probe_fails(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("could not create a primitive descriptor\nmore detail")

    monkeypatch.setattr(torch.ops.mkldnn, "_linear_pointwise", broken, raising=False)
    assert kernels_module.probe() == "oneDNN linear failed: could not create a primitive descriptor"
    model = torch.nn.Sequential(torch.nn.Linear(4, 4))
    packs = PackedLinears(model)
    with packs.active():
        assert "forward" not in vars(model[0])
    assert packs.disabled.startswith("oneDNN linear failed")


def test_probe_rejects_ops_that_disagree_with_f_linear(monkeypatch):
    real = torch.ops.mkldnn._linear_pointwise
    monkeypatch.setattr(torch.ops.mkldnn, "_linear_pointwise", lambda *a: real(*a) + 1e-2, raising=False)
    assert kernels_module.probe() == "oneDNN linear disagrees with F.linear"


@pytest.mark.parametrize("shape", [(5, 8), (2, 3, 8), (0, 8)])
def test_packed_layer_takes_any_leading_shape(shape):
    layer = torch.nn.Linear(8, 6)
    packs = PackedLinears(torch.nn.Sequential(layer))
    x = torch.randn(*shape)
    with torch.inference_mode(), packs.active():
        got = layer(x)
    torch.testing.assert_close(got, torch.nn.functional.linear(x, layer.weight, layer.bias), rtol=0, atol=1e-5)


def test_gqa_attention_equals_copied_heads_and_defers_what_it_does_not_handle():
    from transformers.integrations import sdpa_attention

    torch.manual_seed(0)
    module = torch.nn.Module()
    module.num_key_value_groups, module.is_causal = 3, True
    query, key, value = torch.randn(2, 6, 5, 8), torch.randn(2, 2, 5, 8), torch.randn(2, 2, 5, 8)
    mask = torch.ones(2, 1, 5, 5, dtype=torch.bool).tril()
    mask[0, :, :, 0] = False  # a left-padded row
    mask[0, :, 0, 0] = True
    for m in (mask, None):
        got, _ = gqa_sdpa_attention(module, query, key, value, m, scaling=0.3)
        want, _ = sdpa_attention.sdpa_attention_forward(module, query, key, value, m, scaling=0.3)
        torch.testing.assert_close(got, want, rtol=0, atol=1e-6)
        assert got.shape == (2, 5, 6, 8)
    from transformers import AttentionInterface

    calls = []
    stock = AttentionInterface()["sdpa"]
    AttentionInterface.register("sdpa", lambda *a, **k: calls.append(k) or ("theirs", None))
    try:
        assert gqa_sdpa_attention(module, query, key, value, mask, position_bias=torch.zeros(1))[0] == "theirs"
        assert gqa_sdpa_attention(module, query, key, value, mask, position_ids=torch.arange(5))[0] != "theirs"
    finally:
        AttentionInterface.register("sdpa", stock)
    assert len(calls) == 1 and "position_bias" in calls[0]


def test_an_unknown_attention_argument_is_an_error_not_ignored():
    from acbench.engines.cpu_kernels import UnknownAttentionArgument
    from acbench.errors import ACBenchError

    module = torch.nn.Module()
    query, key = torch.randn(1, 2, 3, 4), torch.randn(1, 2, 3, 4)
    with pytest.raises(UnknownAttentionArgument, match=r"\['attention_temperature'\].*does not know") as err:
        gqa_sdpa_attention(module, query, key, key, None, attention_temperature=0.5)
    assert isinstance(err.value, ACBenchError)


def test_a_model_on_eager_attention_keeps_it(tiny_model):
    engine = HFEngine(tiny_model)
    engine.model.set_attn_implementation("eager")
    with engine.kernels.active():
        assert engine.model.config._attn_implementation == "eager"
    assert engine.model.config._attn_implementation == "eager"
