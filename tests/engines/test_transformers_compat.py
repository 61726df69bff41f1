"""The engine's fast path against stock transformers, on whatever transformers is installed.

    pytest tests/engines/test_transformers_compat.py          # here, on every CI run
    scripts/transformers_compat.sh 5.18.0                      # the same tests on another transformers release

The fast path (continuous batching with `GrowingLayer` caches joined and split by hand, prefix reuse, packed
linears and the in-place GQA attention registered with transformers) leans on transformers' internals
(acbench/engines/hf_contract.py). Here its logits and greedy outputs are compared with transformers' own
`model.generate` on the same tiny model, one prompt at a time, with none of acbench's kernels active.
"""

from __future__ import annotations

import pytest
import torch

from acbench.engines.base import GenerationRequest
from acbench.engines.hf import HFEngine
from acbench.engines.hf_contract import check_cache_layers, check_sdpa_function
from acbench.engines.scheduler import Scheduler

PROMPTS = ["a", "a much longer prompt with many more words in it", "b c", "what is 2+2", "hello there, robot"]


@pytest.fixture(scope="module")
def engine(tiny_model):
    """The tiny model with its layer weights x5, so that greedy outputs differ between prompts."""
    engine = HFEngine(tiny_model, batch_size=2)
    with torch.no_grad():
        for name, weight in engine.model.named_parameters():
            if weight.dim() == 2 and ".layers." in name:
                weight.mul_(5)
    return engine


def stock_generate(engine, ids: list[int], max_new_tokens: int):
    """transformers' own greedy generation of one unpadded prompt: (new token ids, per-step float32 logits)."""
    x = torch.tensor([ids])
    out = engine.model.generate(input_ids=x, attention_mask=torch.ones_like(x), max_new_tokens=max_new_tokens,
                                do_sample=False, pad_token_id=engine.tokenizer.pad_token_id, output_logits=True,
                                return_dict_in_generate=True)
    return out.sequences[0, x.shape[1]:].tolist(), torch.stack([step[0].float() for step in out.logits])


def test_the_internals_the_engine_relies_on_hold():
    check_cache_layers()
    check_sdpa_function()


def test_fast_path_logits_and_greedy_tokens_equal_stock_generate(engine):
    assert engine.scheduler is not None and engine.model.config._attn_implementation == "sdpa"
    ids = [engine._prompt_ids(GenerationRequest.from_prompt(p)) for p in PROMPTS]
    requests = [GenerationRequest.from_prompt(p, max_new_tokens=4 + i) for i, p in enumerate(PROMPTS)]
    scheduler = Scheduler(engine.model, engine.tokenizer, batch_size=2)  # rows join and leave mid-run
    with engine.kernels.active():  # packed linears and GQA attention, as in an engine call
        tokens = scheduler.run(ids, requests, keep_logits=True)
    for i, (row, request) in enumerate(zip(ids, requests)):
        want_tokens, want_logits = stock_generate(engine, row, request.max_new_tokens)
        assert tokens[i] == want_tokens, PROMPTS[i]
        assert torch.stack(scheduler.logits[i]).sub(want_logits).abs().max() < 1e-4, PROMPTS[i]


def test_engine_generate_equals_stock_generate_text(engine):
    """The whole engine call (scheduler, prefix store, kernels) against stock generation, as text."""
    requests = [GenerationRequest.from_prompt(p, max_new_tokens=6) for p in PROMPTS]
    got = engine.generate(requests, progress=False)
    for prompt, request, text in zip(PROMPTS, requests, got):
        tokens, _ = stock_generate(engine, engine._prompt_ids(request), request.max_new_tokens)
        assert text == engine.tokenizer.decode(tokens, skip_special_tokens=True), prompt
