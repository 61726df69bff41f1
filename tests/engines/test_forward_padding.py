"""HFEngine.forward with padding (issue 16): a batch of unequal texts gives each text the same logits and
hidden states as that text alone, on its unpadded positions. The analyses (ERank, top-k consistency) read
these logits; a padding or masking bug would move them only for the shorter texts of a batch.
"""

from __future__ import annotations

import pytest
import torch

from acbench.engines.hf import HFEngine

TEXTS = ["Hi.", "The quick brown fox jumps over the lazy dog, twice, and then it rests.",
         "Tool call: {\"name\": \"search\", \"args\": {\"q\": \"weather in Oslo\"}}", "One two three"]


def check_batch_equals_alone(engine: HFEngine, atol: float) -> None:
    batch = engine.forward(TEXTS, max_length=64)
    lengths = batch.mask.sum(dim=1).tolist()
    assert len(set(lengths)) == len(TEXTS)  # unequal: every text but the longest is padded
    assert batch.mask.shape[1] == max(lengths)
    for i, text in enumerate(TEXTS):
        alone = engine.forward([text], max_length=64)
        assert bool(alone.mask.all()) and alone.mask.shape[1] == lengths[i]
        rows = batch.mask[i]
        assert torch.equal(batch.input_ids[i][rows], alone.input_ids[0])  # the same tokens, only padded
        torch.testing.assert_close(batch.logits[i][rows], alone.logits[0], atol=atol, rtol=0)
        torch.testing.assert_close(batch.hidden[i][rows], alone.hidden[0], atol=atol, rtol=0)
        # the prediction the analyses rank by is unchanged
        assert torch.equal(batch.logits[i][rows].argmax(-1), alone.logits[0].argmax(-1))


def test_padded_batch_equals_each_text_alone_on_the_tiny_model(tiny_model):
    engine = HFEngine(tiny_model, dtype="float32", device="cpu")
    check_batch_equals_alone(engine, atol=1e-4)


def test_truncation_to_max_length_cuts_every_text_alike(tiny_model):
    engine = HFEngine(tiny_model, dtype="float32", device="cpu")
    out = engine.forward(TEXTS, max_length=5)
    assert out.mask.sum(dim=1).tolist() == [min(engine.count_tokens(t), 5) for t in TEXTS]


@pytest.mark.slow
def test_padded_batch_equals_each_text_alone_on_the_real_model():
    from acbench.models import resolve_model

    # float32: padding and masking are checked to float precision (the bf16 path is covered by
    # tests/engines/test_hf.py::test_real_model_batched_equals_one_at_a_time, through generation)
    engine = HFEngine(resolve_model(), dtype="float32", device="cpu")
    check_batch_equals_alone(engine, atol=1e-3)
