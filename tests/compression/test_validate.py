"""validate_against_model / compress reject bad requests before any weight is loaded."""

from __future__ import annotations

import pytest

from acbench.compression import CompressionError, CompressionSpec, compress, validate_against_model
from acbench.compression.validate import describe_layers


@pytest.fixture
def no_loading(monkeypatch):
    """Make any attempt to load weights or a tokenizer fail loudly."""
    import transformers

    def refuse(*args, **kwargs):
        raise AssertionError("a model or tokenizer was loaded before validation finished")

    monkeypatch.setattr(transformers.AutoModelForCausalLM, "from_pretrained", refuse)
    monkeypatch.setattr(transformers.AutoTokenizer, "from_pretrained", refuse)


@pytest.fixture
def odd_model(tmp_path):
    """A config-only checkpoint (no weights at all) whose hidden width 192 is not a multiple of 128."""
    from transformers import LlamaConfig

    config = LlamaConfig(vocab_size=256, hidden_size=192, intermediate_size=512, num_hidden_layers=3,
                         num_attention_heads=3, num_key_value_heads=1, head_dim=64)
    config.save_pretrained(tmp_path)
    return tmp_path


def test_group_size_names_layers_and_sizes_that_fit(odd_model, no_loading, tmp_path):
    with pytest.raises(CompressionError) as info:
        compress(CompressionSpec(method="gptq", group_size=128), odd_model, cache_root=tmp_path / "cache")
    message = str(info.value)
    assert "group_size=128 does not divide the input width of 18 of 21 targeted layers" in message
    assert "self_attn.q_proj" in message and "(in 192) in layers 0-2" in message
    assert "mlp.down_proj" not in message  # 512 is a multiple of 128
    assert "fit every layer: 16, 32, 64, or None (per-channel)" in message
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").iterdir())


def test_fitting_group_size_passes_without_weights(odd_model, no_loading):
    targets = validate_against_model(CompressionSpec(method="gptq", group_size=64), odd_model)
    assert len(targets.shapes) == 21 and "lm_head" not in targets.shapes
    assert targets.shapes["model.layers.0.mlp.down_proj"] == (192, 512)


def test_per_channel_and_fp8_ignore_group_divisibility(odd_model, no_loading):
    validate_against_model(CompressionSpec(method="gptq", group_size=None), odd_model)
    validate_against_model(CompressionSpec(method="fp8", bits=8), odd_model)


def test_missing_calibration_file(odd_model, no_loading, tmp_path):
    spec = CompressionSpec(method="wanda", calib_source=str(tmp_path / "nope.jsonl"))
    with pytest.raises(CompressionError, match="calibration file not found: .*nope.jsonl"):
        compress(spec, odd_model, cache_root=tmp_path / "cache")


def test_calibration_file_of_unknown_type(odd_model, no_loading, tmp_path):
    bad = tmp_path / "data.csv"
    bad.write_text("a,b\n")
    with pytest.raises(CompressionError, match=r"must be \.txt .* or \.jsonl"):
        validate_against_model(CompressionSpec(method="gptq", calib_source=str(bad)), odd_model)


def test_n_m_pattern_needs_divisible_widths(tmp_path, no_loading):
    from transformers import LlamaConfig

    LlamaConfig(vocab_size=64, hidden_size=66, intermediate_size=128, num_hidden_layers=1,
                num_attention_heads=1, num_key_value_heads=1, head_dim=66).save_pretrained(tmp_path)
    with pytest.raises(CompressionError, match="multiples of 8"):
        validate_against_model(CompressionSpec(method="magnitude", pattern="4:8"), tmp_path)


def test_not_a_checkpoint(tmp_path, no_loading):
    with pytest.raises(CompressionError, match="no config.json"):
        validate_against_model(CompressionSpec(method="rtn"), tmp_path)


def test_describe_layers_groups_compactly():
    widths = {f"model.layers.{i}.mlp.down_proj": 1536 for i in (0, 1, 2, 5)}
    widths["lm_head"] = 576
    assert describe_layers(widths) == "mlp.down_proj (in 1536) in layers 0-2, 5; lm_head (in 576)"
