"""Teacher-forced scores of references (HFEngine.score_continuations / score_windows, engines/likelihood.py):
padding- and batch-independent, exactly the reference's tokens, and able to tell a learned sequence apart."""

from __future__ import annotations

import math
import random

import pytest
import torch

from acbench.engines.base import GenerationRequest, LikelihoodUnsupported
from acbench.engines.hf import HFEngine
from acbench.engines.likelihood import perplexity_windows, score_sequences, share_prefixes
from acbench.engines.scripted import ScriptedEngine

PROMPTS = ["Hi.", "The quick brown fox jumps over the lazy dog, twice, and then it rests on the warm grass.",
           "Call the tool.", "One two three four five six"]
REFERENCES = ["Action: search", "Node:\n1: read the file\n2: send it", "{\"name\": \"get_weather\"}", "yes"]


@pytest.fixture(scope="module")
def engine(tiny_model):
    return HFEngine(tiny_model, dtype="float32", device="cpu", batch_size=4)


def requests_of(prompts):
    return [GenerationRequest.from_prompt(p, max_new_tokens=8) for p in prompts]


def test_batched_padded_scores_equal_one_at_a_time(engine):
    batched = engine.score_continuations(requests_of(PROMPTS), REFERENCES)
    lengths = {len(engine._prompt_ids(r)) + engine.count_tokens(ref) for r, ref in zip(requests_of(PROMPTS), REFERENCES)}
    assert len(lengths) == len(PROMPTS)  # mixed lengths: every row but the longest is padded
    for prompt, reference, got in zip(PROMPTS, REFERENCES, batched):
        (alone,) = engine.score_continuations(requests_of([prompt]), [reference])
        assert got.tokens == alone.tokens
        assert max(abs(a - b) for a, b in zip(got.nll, alone.nll)) < 1e-5
        assert got.top1 == alone.top1


def test_reference_tokens_are_exactly_the_reference_against_a_hand_computed_case(engine):
    request = GenerationRequest.from_prompt("What is 2+2?", system="Be brief.")
    reference = " The answer is 4."
    (got,) = engine.score_continuations([request], [reference])
    tok = engine.tokenizer
    prompt = tok.apply_chat_template(list(request.messages), add_generation_prompt=True, tokenize=False)
    prompt_ids = tok(prompt, add_special_tokens=False)["input_ids"]
    ref_ids = tok(reference, add_special_tokens=False)["input_ids"]
    assert got.tokens == len(ref_ids)  # no chat-template token (e.g. <|im_end|>) counted
    with torch.no_grad():
        logits = engine.model(input_ids=torch.tensor([prompt_ids + ref_ids])).logits[0].float()
    logprobs = torch.log_softmax(logits, dim=-1)
    n = len(prompt_ids)
    # token k of the reference is read from the logits at position n + k - 1: the last prompt token predicts the first
    expected = [-logprobs[n + k - 1, t].item() for k, t in enumerate(ref_ids)]
    assert got.nll == pytest.approx(expected, abs=1e-5)
    assert list(got.top1) == [int(logits[n + k - 1].argmax()) == t for k, t in enumerate(ref_ids)]
    shifted = [-logprobs[n + k, t].item() for k, t in enumerate(ref_ids[:-1])]  # an off-by-one would give these
    assert got.nll[:-1] != pytest.approx(shifted, abs=1e-3)


def test_a_prefix_of_another_sequence_is_read_from_its_forward_with_the_same_scores(engine):
    model, pad = engine.model, engine.tokenizer.pad_token_id
    long = list(range(100, 140))
    seqs = [long, long[:25], list(range(200, 230)), long[:10]]
    assert share_prefixes(seqs) == [0, 0, 2, 0]
    shared = score_sequences(model, pad, seqs, [30, 12, 5, 3], batch_size=4)
    for seq, start, got in zip(seqs, [30, 12, 5, 3], shared):
        (alone,) = score_sequences(model, pad, [seq], [start])
        assert got.tokens == len(seq) - start
        assert max(abs(a - b) for a, b in zip(got.nll, alone.nll)) < 1e-5


def test_a_sequence_the_model_learned_scores_lower_than_its_shuffle(tiny_model):
    engine = HFEngine(tiny_model, dtype="float32", device="cpu", cpu_kernels=False)
    request = GenerationRequest.from_prompt("Plan the steps.")
    learned = "Node:\n1: open the drawer\n2: take the key\n3: unlock the door"
    ids = engine.tokenizer(learned, add_special_tokens=False)["input_ids"]
    shuffled_ids = ids[:]
    random.Random(0).shuffle(shuffled_ids)
    assert shuffled_ids != ids
    shuffled = engine.tokenizer.decode(shuffled_ids)
    prompt = engine._prompt_ids(request)
    batch = torch.tensor([prompt + ids])
    optimizer = torch.optim.Adam(engine.model.parameters(), lr=3e-3)
    engine.model.train()
    for _ in range(60):  # a few steps of teacher forcing on the learned sequence only
        logits = engine.model(input_ids=batch).logits[0, len(prompt) - 1 : -1]
        loss = torch.nn.functional.cross_entropy(logits.float(), torch.tensor(ids))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    engine.model.eval()
    good, bad = engine.score_continuations([request, request], [learned, shuffled])
    mean = lambda s: sum(s.nll) / s.tokens  # noqa: E731
    assert mean(good) < 0.5 * mean(bad)
    assert sum(good.top1) / good.tokens > sum(bad.top1) / bad.tokens


def test_windows_are_consecutive_and_the_tail_is_dropped():
    assert perplexity_windows(list(range(10)), 4) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert perplexity_windows(list(range(10)), 4, max_windows=1) == [[0, 1, 2, 3]]
    with pytest.raises(ValueError, match="at least 2"):
        perplexity_windows([1, 2, 3], 1)


def test_score_windows_scores_every_token_but_each_window_first(engine):
    text = " ".join(f"word{k}" for k in range(300))
    windows = engine.score_windows(text, window=64, max_windows=3)
    assert [w.tokens for w in windows] == [63, 63, 63]
    ids = engine.tokenizer(text)["input_ids"]
    with torch.no_grad():
        logits = engine.model(input_ids=torch.tensor([ids[64:128]])).logits[0].float()
    expected = -torch.log_softmax(logits[:-1], -1).gather(-1, torch.tensor(ids[65:128]).reshape(-1, 1)).squeeze(-1)
    assert windows[1].nll == pytest.approx(expected.tolist(), abs=1e-5)
    assert all(math.isfinite(x) for w in windows for x in w.nll)


def test_bad_input_and_engines_without_likelihoods_say_so(engine):
    with pytest.raises(ValueError, match="no tokens"):
        engine.score_continuations(requests_of(["a"]), [""])
    with pytest.raises(ValueError, match="2 requests but 1"):
        engine.score_continuations(requests_of(["a", "b"]), ["x"])
    with pytest.raises(LikelihoodUnsupported, match="ScriptedEngine"):
        ScriptedEngine(["x"]).score_continuations(requests_of(["a"]), ["x"])


def test_under_an_n_bit_kv_cache_the_reference_is_read_as_generation_reads_it(tiny_model, engine):
    quantized = HFEngine(tiny_model, dtype="float32", device="cpu", kv_bits="4")
    request, reference = requests_of(["Call the tool."]), ["Action: search the web for the weather"]
    (full,) = engine.score_continuations(request, reference)
    (kv,) = quantized.score_continuations(request, reference)
    assert kv.tokens == full.tokens
    assert kv.nll[0] == pytest.approx(full.nll[0], abs=1e-4)  # the prompt is prefilled in full precision
    assert kv.nll[1:] != pytest.approx(full.nll[1:], abs=1e-6)  # later tokens read 4-bit keys and values
    assert all(math.isfinite(x) for x in kv.nll)


def test_the_models_own_forward_gives_the_same_scores_as_the_head_per_row(engine, monkeypatch):
    import acbench.engines.likelihood as likelihood

    seqs, starts = [list(range(100, 160)), list(range(300, 330))], [50, 3]
    assert likelihood.plain_head(engine.model) is not None  # a Llama: head(final hidden) per row
    split = score_sequences(engine.model, 0, seqs, starts)
    monkeypatch.setattr(likelihood, "plain_head", lambda model: None)  # as for a model that soft-caps its logits
    union = score_sequences(engine.model, 0, seqs, starts)
    for a, b in zip(split, union):
        assert max(abs(x - y) for x, y in zip(a.nll, b.nll)) < 1e-5 and a.top1 == b.top1


def test_under_an_n_bit_kv_cache_windows_side_by_side_equal_windows_one_at_a_time(tiny_model):
    """Perplexity windows under a 4-bit cache go through the cache together; each row's scores are its own."""
    from acbench.engines.likelihood import score_through_cache

    quantized = HFEngine(tiny_model, dtype="float32", device="cpu", kv_bits="4")
    text = " ".join(f"word{i} and more text number {i * 7 % 13}" for i in range(60))
    together = quantized.score_windows(text, window=24, max_windows=3)
    assert len(together) == 3
    ids = quantized.tokenizer(text)["input_ids"]
    for k, score in enumerate(together):
        window = ids[k * 24:(k + 1) * 24]
        (alone,) = score_through_cache(quantized.model, [window[:1]], [window[1:]], "4")
        assert score.tokens == alone.tokens == len(window) - 1
        assert score.nll == pytest.approx(alone.nll, abs=1e-4)
    with pytest.raises(ValueError, match="one prompt length and one reference length"):
        score_through_cache(quantized.model, [[1], [1, 2]], [[3], [4]], "4")


def test_scoring_after_generation_reuses_the_prompts_generation_cached_and_scores_the_same(tiny_model):
    """Gold scored right after a task's generation (likelihood/run.py) reads the prompts' keys/values that
    generation left in the prefix store: only the last prompt token and the reference run, scores unchanged."""
    head = "Tools you may call: " + ", ".join(f"tool_{i}(x)" for i in range(30)) + ". "
    prompts = [head + q for q in ("Find the weather.", "Book a table for two at eight.", "Hi")]
    requests = requests_of(prompts)
    references = ["Action: weather", "Action: book\nAction Input: {\"people\": 2}", "Hello"]
    reusing = HFEngine(tiny_model, dtype="float32", device="cpu", batch_size=4)
    fresh = HFEngine(tiny_model, dtype="float32", device="cpu", batch_size=4, prefix_cache_tokens=0)
    assert reusing.keeps_prompt_caches and not fresh.keeps_prompt_caches
    reusing.generate(requests, progress=False)
    store = reusing.scheduler.store
    before = store.reused_tokens
    got = reusing.score_continuations(requests, references)
    prompt_tokens = sum(len(reusing._prompt_ids(r)) for r in requests)
    assert store.reused_tokens - before == prompt_tokens - len(requests)  # every prompt but its last token
    expected = fresh.score_continuations(requests, references)
    for a, b in zip(got, expected):
        assert a.tokens == b.tokens
        assert max(abs(x - y) for x, y in zip(a.nll, b.nll)) < 1e-4
        assert a.top1 == b.top1


def test_an_agents_steps_share_ever_longer_heads_each_prefilled_from_the_one_before(engine):
    """Gold steps of one trajectory: step k + 1's prompt extends step k's prompt and action. The shared heads
    form a chain; each is prefilled from the previous one (reused), not from the start."""
    engine.scheduler.store.clear()
    base = [7 + (i % 50) for i in range(60)]
    prompts = [base + list(range(200, 200 + 40 * k)) for k in range(1, 5)]
    references = [list(range(200 + 40 * k, 200 + 40 * k + 5)) for k in range(1, 5)]
    store = engine.scheduler.store
    hits = store.hits
    got = engine.scheduler.score(prompts, references)
    heads = 3  # the chain of heads between the four steps
    assert store.hits - hits >= heads - 1 + len(prompts)  # heads after the first, and every row, reused one
    for p, r, score in zip(prompts, references, got):
        (alone,) = score_sequences(engine.model, 0, [p + r], [len(p)])
        assert max(abs(x - y) for x, y in zip(score.nll, alone.nll)) < 1e-4


def test_under_an_n_bit_kv_cache_items_of_different_lengths_side_by_side_equal_one_at_a_time(tiny_model):
    """Gold items under a 4-bit cache go through the scheduler together (prompts left-padded, references fed
    token by token); each row scores as it does alone through the cache."""
    from acbench.engines.likelihood import score_through_cache

    quantized = HFEngine(tiny_model, dtype="float32", device="cpu", kv_bits="4")
    requests = requests_of(PROMPTS)
    together = quantized.score_continuations(requests, REFERENCES)
    for request, reference, score in zip(requests, REFERENCES, together):
        prompt = quantized._prompt_ids(request)
        (alone,) = score_through_cache(quantized.model, [prompt], [quantized._encode(reference)], "4")
        assert score.tokens == alone.tokens
        assert score.nll == pytest.approx(alone.nll, abs=1e-4)
