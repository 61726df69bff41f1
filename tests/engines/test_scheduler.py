"""Continuous batching and prefix reuse (acbench/engines/scheduler.py) against one-at-a-time generation."""

from __future__ import annotations

from contextlib import contextmanager
from types import SimpleNamespace

import pytest
import torch

from acbench.engines.base import GenerationRequest
from acbench.engines.hf import HFEngine
from acbench.engines.scheduler import (
    PREFIX_MIN_TOKENS,
    GrowingLayer,
    PrefixStore,
    Scheduler,
    default_prefix_tokens,
    shared_heads,
    unsupported_reason,
)

HEAD = "Tools you may call: " + ", ".join(f"tool_{i}(x)" for i in range(30)) + ". "


@pytest.fixture(scope="module")
def engine(tiny_model):
    """The plain tiny model (float32 on CPU): logits are compared here."""
    return HFEngine(tiny_model, batch_size=3)


def make_diverse(tiny_model, **options):
    """The tiny model with its layer weights x5: the plain one answers every prompt with newlines (its tied
    embeddings echo the last input token), which would make equal outputs a weak check."""
    engine = HFEngine(tiny_model, batch_size=3, **options)
    with torch.no_grad():
        for name, weight in engine.model.named_parameters():
            if weight.dim() == 2 and ".layers." in name:
                weight.mul_(5)
    return engine


@pytest.fixture(scope="module")
def diverse(tiny_model):
    return make_diverse(tiny_model)


@contextmanager
def padded(engine):
    """The engine's pre-scheduler path (model.generate on left-padded batches)."""
    scheduler, engine.scheduler = engine.scheduler, None
    try:
        yield engine
    finally:
        engine.scheduler = scheduler


def one_at_a_time(engine, requests):
    with padded(engine):
        return [engine.generate([r], progress=False)[0] for r in requests]


def test_greedy_equals_one_at_a_time_generate_with_mixed_settings_and_stops(diverse):
    prompts = ["a", "a much longer prompt with many more words in it than the first one", "b c", "what is 2+2",
               "tell me a story about a dog", "x", "plan: move block a onto b"]
    free = one_at_a_time(diverse, [GenerationRequest.from_prompt(p, max_new_tokens=10) for p in prompts])
    assert len(set(free)) == len(free), "the diverse model gives each prompt its own answer"
    # stop strings from the middle of some answers, so those rows end early while others keep decoding
    stops = [(free[0][4:7],), (), ("\u0000never",), (free[3][2:5], "zz-unused"), (), (free[5][3:6],), ()]
    requests = [GenerationRequest.from_prompt(p, max_new_tokens=4 + 2 * i, stop=s)
                for i, (p, s) in enumerate(zip(prompts, stops))]
    expected = one_at_a_time(diverse, requests)
    assert expected[0] == free[0][: free[0].index(free[0][4:7])]  # the stop fired and was cut off
    diverse.scheduler.store.clear()
    assert diverse.generate(requests, progress=False) == expected


@pytest.mark.parametrize("bits", ["8", "4"])
def test_n_bit_kv_cache_rows_join_and_leave_with_unchanged_outputs(tiny_model, bits):
    """Under kv_bits the scheduler runs without prefix reuse and matches generate with the same N-bit cache."""
    engine = make_diverse(tiny_model, kv_bits=bits)
    prompts = ["a", "a much longer prompt with many more words in it than the first one", "b c", "what is 2+2",
               "tell me a story about a dog"]
    requests = [GenerationRequest.from_prompt(p, max_new_tokens=3 + 2 * i) for i, p in enumerate(prompts)]
    expected = one_at_a_time(engine, requests)
    assert engine.generate(requests, progress=False) == expected
    assert type(engine.scheduler.new_cache().layers[0]).__name__ == "TokenwiseQuantizedLayer"
    if bits == "4":
        assert expected != one_at_a_time(make_diverse(tiny_model), requests), "the 4-bit cache changes some output"


def test_logits_match_generate_within_1e4(engine):
    """Every step's logits equal one-at-a-time `model.generate`'s scores (float noise only)."""
    prompts = ["a", "a much longer prompt with many more words in it", "b c", "what is 2+2", "hello"]
    ids = [engine._prompt_ids(GenerationRequest.from_prompt(p)) for p in prompts]
    requests = [GenerationRequest.from_prompt(p, max_new_tokens=3 + i) for i, p in enumerate(prompts)]
    scheduler = Scheduler(engine.model, engine.tokenizer, batch_size=2)  # no prefix store
    tokens = scheduler.run(ids, requests, keep_logits=True)
    for i, (row, r) in enumerate(zip(ids, requests)):
        x = torch.tensor([row])
        out = engine.model.generate(input_ids=x, attention_mask=torch.ones_like(x), max_new_tokens=r.max_new_tokens,
                                    do_sample=False, pad_token_id=engine.tokenizer.pad_token_id,
                                    output_logits=True, return_dict_in_generate=True)
        assert tokens[i] == out.sequences[0, x.shape[1]:].tolist()
        want = torch.stack([step[0].float() for step in out.logits])
        assert torch.stack(scheduler.logits[i]).sub(want).abs().max() < 1e-4


def test_rows_leave_when_done_and_waiting_requests_join(engine):
    """Batch of 2, one long request and four of 2 tokens: the long row never waits for a batch to drain.

    Hand count: A (20 tokens) and B start together (prefill gives each its first token); each short row
    needs one decode step, then leaves and the next joins: 4 steps of 2 rows; A then has 5 tokens and
    decodes its last 15 alone. A padded batch of 2 would run A and B for 19 steps and the rest after.
    """
    ids = [engine._prompt_ids(GenerationRequest.from_prompt("same prompt"))] * 5  # equal lengths keep their order
    scheduler = Scheduler(engine.model, engine.tokenizer, batch_size=2)
    scheduler.eos = set()  # lengths decided by max_new_tokens only
    sizes = []
    step = scheduler._decode_step
    scheduler._decode_step = lambda rows, layers, mask: sizes.append(len(rows)) or step(rows, layers, mask)
    tokens = scheduler.run(ids, [GenerationRequest.from_prompt("", max_new_tokens=n) for n in (20, 2, 2, 2, 2)])
    assert [len(t) for t in tokens] == [20, 2, 2, 2, 2]
    assert len(set(map(tuple, tokens[1:]))) == 1  # same prompt, same greedy tokens wherever they ran
    assert sizes == [2] * 4 + [1] * 15


def test_growing_layer_appends_in_place_and_never_writes_a_tensor_it_did_not_make():
    torch.manual_seed(0)
    layer = GrowingLayer()
    steps = [torch.randn(2, 3, n, 4) for n in (5, 1, 1, 1)]
    keys = []
    for step in steps:
        k, v = layer.update(step, -step)
        keys.append(k)
    torch.testing.assert_close(k, torch.cat(steps, dim=-2), rtol=0, atol=0)
    torch.testing.assert_close(v, -torch.cat(steps, dim=-2), rtol=0, atol=0)
    buffer = layer.buffers["keys"][0]
    assert buffer.shape[-2] == 5 + 64  # allocated once, at the 5-token prefill, with 64 spare columns
    assert all(k.data_ptr() == buffer.data_ptr() for k in keys)  # every later step wrote in place
    assert [k.shape[-2] for k in keys] == [5, 6, 7, 8]
    torch.testing.assert_close(keys[0], steps[0], rtol=0, atol=0)  # an earlier view still reads its own tokens

    # keys set from outside (a joined batch): copied into a new buffer, the outside tensor left untouched
    outside = torch.zeros(2, 3, 20, 4)
    layer.keys, layer.values = outside[:, :, :10], outside[:, :, :10]
    k, _ = layer.update(torch.ones(2, 3, 1, 4), torch.ones(2, 3, 1, 4))
    assert torch.count_nonzero(outside) == 0 and k.shape[-2] == 11 and k.data_ptr() != outside.data_ptr()

    # a full buffer grows into a new one with the same values
    full = GrowingLayer()
    full.update(torch.randn(1, 1, 10, 2), torch.randn(1, 1, 10, 2))
    before = full.keys.clone()
    k, _ = full.update(torch.randn(1, 1, 70, 2), torch.randn(1, 1, 70, 2))
    assert k.shape[-2] == 80 and full.buffers["keys"][0].shape[-2] == 80 + 64
    torch.testing.assert_close(k[:, :, :10], before, rtol=0, atol=0)


def test_decode_steps_append_to_the_last_cache_instead_of_copying_it(engine):
    """One cache per prefill and per change of rows; decode steps reuse it (no copy of the whole cache)."""
    ids = [engine._prompt_ids(GenerationRequest.from_prompt(p)) for p in ("a short one", "a longer prompt here")]
    scheduler = Scheduler(engine.model, engine.tokenizer, batch_size=2)
    scheduler.eos = set()
    made = []
    new_cache = scheduler.new_cache
    scheduler.new_cache = lambda: made.append(1) or new_cache()
    tokens = scheduler.run(ids, [GenerationRequest.from_prompt("", max_new_tokens=n) for n in (12, 4)])
    assert [len(t) for t in tokens] == [12, 4]
    # prefill of both (1 forward: similar lengths), then 11 decode steps; a row leaves after step 3
    assert len(made) == 2  # the prefill's cache, and a new one after the short row left
    assert scheduler._last_cache is None  # released when the run ends


def test_sampling_is_reproducible_per_request_seed(diverse):
    def sampled(prompt, seed):
        return GenerationRequest.from_prompt(prompt, max_new_tokens=8, temperature=1.0, seed=seed)

    alone = diverse.generate([sampled("hello", 7)], progress=False)[0]
    crowd = diverse.generate([sampled("a longer prompt here", 1), sampled("x", 3), sampled("hello", 7),
                              sampled("y z", 7)], progress=False)
    assert crowd[2] == alone  # same prompt and seed, different neighbours and batch position
    others = {diverse.generate([sampled("hello", s)], progress=False)[0] for s in (1, 2, 3, 4)}
    assert len(others | {alone}) > 1, "the seed changes the draw"


def test_shared_head_is_prefilled_once_and_outputs_do_not_change(engine, diverse):
    prompts = [HEAD + q for q in ("first question?", "second one, longer than the first?", "third")]
    requests = [GenerationRequest.from_prompt(p, max_new_tokens=6) for p in prompts]
    for eng in (engine, diverse):
        eng.scheduler.store.clear()
        hits = eng.scheduler.store.hits
        assert eng.generate(requests, progress=False) == one_at_a_time(eng, requests)
        assert eng.scheduler.store.hits - hits == 3  # each request reused the head prefilled before them
    # logits with the head reused stay within float noise of a full prefill
    ids = [engine._prompt_ids(r) for r in requests]
    fresh = Scheduler(engine.model, engine.tokenizer, batch_size=3)
    reuse = Scheduler(engine.model, engine.tokenizer, batch_size=3, store=PrefixStore(4096))
    fresh.run(ids, requests, keep_logits=True)
    reuse.run(ids, requests, keep_logits=True)
    assert reuse.store.reused_tokens >= 3 * (len(HEAD) // 8)
    for i in range(3):
        assert torch.stack(reuse.logits[i]).sub(torch.stack(fresh.logits[i])).abs().max() < 1e-4


def test_next_turn_prefills_only_its_new_tokens(diverse):
    """An agent turn: the history grows by the last output and a new observation (matched by token ids)."""
    store = diverse.scheduler.store
    store.clear()
    history = [{"role": "system", "content": HEAD}, {"role": "user", "content": "Observation: the door is shut."}]
    turn1 = GenerationRequest(messages=tuple(history), max_new_tokens=8, stop=("\n",))
    first = diverse.generate([turn1], progress=False)[0]
    history += [{"role": "assistant", "content": first}, {"role": "user", "content": "Observation: it opened."}]
    turn2 = GenerationRequest(messages=tuple(history), max_new_tokens=8)
    before = store.reused_tokens
    second = diverse.generate([turn2], progress=False)[0]
    assert store.reused_tokens - before >= len(diverse._prompt_ids(turn1))  # all of turn 1's prompt at least
    assert second == one_at_a_time(diverse, [turn2])[0]
    assert len(store.entries) == 1  # turn 1's sequence is a prefix of turn 2's: only the newer one is kept


def _kv(n, value=0.0):
    return [(torch.full((1, 2, n, 4), value), torch.full((1, 2, n, 4), value))]


def test_prefix_store_is_an_lru_bounded_by_tokens():
    store = PrefixStore(budget_tokens=100)
    a, b, c = list(range(40)), list(range(100, 140)), list(range(200, 240))
    store.put(a, _kv(40))
    store.put(b, _kv(40))
    assert store.tokens == 80
    assert store.longest(a + [7, 8])[1] == 40  # refreshes a: b is now the least recently used
    store.put(c, _kv(40))
    assert store.tokens == 80 and store.longest(b)[1] == 0 and store.longest(c)[1] == 40
    store.put(a[:10], _kv(10))  # shorter than PREFIX_MIN_TOKENS: not kept
    assert store.tokens == 80
    store.put(a + list(range(500, 520)), _kv(60))  # a is its prefix: dropped (60 + c's 40 fit in 100)
    assert store.tokens == 100 and len(store.entries) == 2 and store.longest(c)[1] == 40
    store.put(list(range(300, 340)), _kv(40))  # 140 > 100: the least recently used (the 60-token one) goes
    assert store.tokens == 80 and store.longest(a)[1] == 0
    assert store.longest(c[:35] + [999])[1] == 35
    store.put(list(range(101)), _kv(101))  # longer than the whole budget: not kept
    assert store.tokens == 80


def test_default_prefix_budget_is_what_fits_in_one_gib(engine):
    from transformers import LlamaConfig

    # tiny model: 2 layers x 2 kv heads x 32 dims x 2 (keys, values) x 4 bytes = 1 KiB a token: the 16,384 cap
    assert default_prefix_tokens(engine.model) == 16384 and engine.scheduler.store.budget == 16384
    llama8b = LlamaConfig(num_hidden_layers=32, num_attention_heads=32, num_key_value_heads=8, hidden_size=4096)
    # 32 x 8 x 128 x 2 x 2 bytes (bf16) = 128 KiB a token: 8,192 tokens in 1 GiB
    assert default_prefix_tokens(SimpleNamespace(config=llama8b, dtype=torch.bfloat16)) == 8192
    llama8b.num_key_value_heads = 32  # 512 KiB a token in bf16
    assert default_prefix_tokens(SimpleNamespace(config=llama8b, dtype=torch.bfloat16)) == 2048


def test_shared_heads_hand_computed():
    n = PREFIX_MIN_TOKENS
    head = list(range(1000, 1000 + n + 5))
    prompts = [head + [1, 2], head + [3], list(range(n + 10)), list(range(n + 10)), head[:n - 1] + [9, 9]]
    got = shared_heads(prompts)
    # head shared by the first two (the last shares only n-1 tokens of it); the repeated prompt minus its last token
    assert got == [head, list(range(n + 9))]  # lengths n+5 and n+9
    assert shared_heads([head + [1], list(range(5))]) == []


def test_unsupported_models_and_kv_bits_take_the_padded_path(engine, tiny_model):
    from transformers import GenerationConfig

    model = SimpleNamespace(config=engine.model.config, generation_config=GenerationConfig(repetition_penalty=1.3),
                            forward=engine.model.forward)
    assert unsupported_reason(model) == "generation config sets repetition_penalty=1.3"
    assert unsupported_reason(engine.model) is None
    old_style = SimpleNamespace(config=engine.model.config, generation_config=engine.model.generation_config,
                                forward=lambda input_ids, attention_mask=None, past_key_values=None: None)
    assert unsupported_reason(old_style) == "its forward takes no position_ids"
    assert HFEngine(tiny_model, kv_bits="8").scheduler.store is None  # no prefix reuse under an N-bit cache
    assert HFEngine(tiny_model, scheduler="padded").scheduler is None
    assert HFEngine(tiny_model, prefix_cache_tokens=0).scheduler.store is None
    with pytest.raises(ValueError, match="scheduler must be 'continuous' or 'padded', got 'paged'"):
        HFEngine(tiny_model, scheduler="paged")


def test_zero_new_tokens_and_empty_prompt(engine):
    scheduler = Scheduler(engine.model, engine.tokenizer)
    assert scheduler.run([[1, 2, 3]], [GenerationRequest.from_prompt("", max_new_tokens=0)]) == [[]]
    with pytest.raises(ValueError, match="a prompt has no tokens"):
        scheduler.run([[]], [GenerationRequest.from_prompt("")])


def test_join_left_pads_and_select_drops_unused_columns():
    a = [(torch.tensor([1.0, 2.0]).view(1, 1, 2, 1), torch.tensor([3.0, 4.0]).view(1, 1, 2, 1))]
    b = [(torch.tensor([0.0, 5.0, 6.0]).view(1, 1, 3, 1), torch.tensor([0.0, 7.0, 8.0]).view(1, 1, 3, 1))]
    layers, mask = Scheduler._join(a, torch.tensor([[1, 1]]), b, torch.tensor([[0, 1, 1]]))
    assert mask.tolist() == [[0, 1, 1], [0, 1, 1]]
    assert layers[0][0].view(2, 3).tolist() == [[0, 1, 2], [0, 5, 6]]
    assert layers[0][1].view(2, 3).tolist() == [[0, 3, 4], [0, 7, 8]]
    layers, mask = Scheduler._select(layers, mask, [1])  # column 0 is padding in every remaining row
    assert mask.tolist() == [[1, 1]] and layers[0][0].view(-1).tolist() == [5, 6]
    layers, mask = Scheduler._select(layers, mask, [])
    assert layers == [] and mask.shape == (0, 0)


def test_prefill_padding_columns_hold_zeros_and_positions_skip_them(engine):
    """Row 2 reuses a stored 40-token prefix: [pad | prefix | pad | rest] with zeros in every padding column."""
    store = PrefixStore(4096)
    scheduler = Scheduler(engine.model, engine.tokenizer, batch_size=4, store=store)
    prefix = list(range(1000, 1040))
    layers, mask, _ = scheduler._prefill([prefix])
    scheduler._store(prefix, layers, mask, 0)
    prompts = [[5, 6, 7], prefix + [8, 9]]
    layers, mask, logits = scheduler._prefill(prompts)
    # K = 40 reused columns (row 1 all padding), S = 3 new columns (row 2: one padding, then its 2 tokens)
    assert mask.tolist() == [[0] * 40 + [1, 1, 1], [1] * 40 + [0, 1, 1]]
    for keys, values in layers:
        assert torch.isfinite(keys).all() and torch.isfinite(values).all()
        assert keys[~mask.bool()[:, None, :].expand(-1, keys.shape[1], -1)].abs().sum() == 0
    fresh = Scheduler(engine.model, engine.tokenizer, batch_size=4)
    for prompt, row in zip(prompts, logits):
        alone = fresh._prefill([prompt])[2][0]
        assert row.sub(alone).abs().max() < 1e-4  # padding and reuse do not move positions or values


def test_prefill_groups_keep_padding_within_the_slack():
    from acbench.engines.scheduler import similar_lengths

    # 250, 260, 270: padded 3 x 270 = 810 <= 1.25 x 780; a 500 would pad to 4 x 500 = 2000 > 1.25 x 1280
    assert similar_lengths([250, 260, 270, 500, 520, 1000, 1000, 1100]) == [range(0, 3), range(3, 5), range(5, 8)]
    assert similar_lengths([10] * 5) == [range(0, 5)]  # equal lengths: one forward
    assert similar_lengths([1, 2]) == [range(0, 1), range(1, 2)]  # 2 x 2 = 4 > 1.25 x 3
    assert similar_lengths([]) == []
    assert similar_lengths([4, 5], slack=2.0) == [range(0, 2)]
