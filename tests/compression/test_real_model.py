"""The embedded SmolLM2-135M: group-size check names its layers; RTN W4 compresses it (slow: minutes on CPU)."""

from __future__ import annotations

import pytest

from acbench.compression import CompressionError, CompressionSpec, compress, validate_against_model

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def smollm2():
    from acbench.models import ModelError, resolve_model

    try:
        return resolve_model()
    except ModelError as err:
        pytest.skip(str(err))


def test_group_128_does_not_fit_hidden_576(smollm2):
    with pytest.raises(CompressionError) as info:
        validate_against_model(CompressionSpec(method="gptq", group_size=128), smollm2)
    message = str(info.value)
    assert "180 of 210 targeted layers" in message and "(in 576) in layers 0-29" in message
    assert "16, 32, 64, or None (per-channel)" in message


def test_rtn_w4_on_the_real_model(smollm2, tmp_path, load_back):
    import torch

    result = compress(CompressionSpec(method="rtn", bits=4, group_size=64), smollm2, cache_root=tmp_path)
    stats = result.stats
    assert 4.25 <= stats["bits_per_weight"] < 4.26
    assert 2.2 < stats["compression_ratio"] < 2.6  # the bf16 embedding table stays: 49152 x 576
    model, tokenizer = load_back(result.path)
    prompt = tokenizer.apply_chat_template([{"role": "user", "content": "Say hello."}], add_generation_prompt=True,
                                           return_tensors="pt", return_dict=True)
    with torch.no_grad():
        out = model.generate(**prompt, max_new_tokens=8, do_sample=False)
    assert tokenizer.decode(out[0, prompt["input_ids"].shape[1]:], skip_special_tokens=True).strip()
