"""The transformers engine: batching must not change greedy outputs; text utilities use the real tokenizer."""

from __future__ import annotations

import pytest

from acbench.engines.base import GenerationRequest
from acbench.engines.hf import HFEngine


@pytest.fixture(scope="module")
def tiny_engine(tiny_model):
    return HFEngine(tiny_model, batch_size=4)


def test_generate_returns_one_string_per_request_in_order(tiny_engine):
    prompts = ["a", "a much longer prompt with many more words in it than the first", "b c"]
    requests = [GenerationRequest.from_prompt(p, max_new_tokens=5) for p in prompts]
    batched = tiny_engine.generate(requests, progress=False)
    single = [tiny_engine.generate([r], progress=False)[0] for r in requests]
    assert batched == single  # left padding and length sorting change nothing under greedy decoding


@pytest.mark.parametrize("scheduler", ["continuous", "padded"])
def test_each_result_is_handed_over_as_it_is_final_and_max_batch_caps_the_width(tiny_model, scheduler):
    engine = HFEngine(tiny_model, batch_size=4, scheduler=scheduler, prefix_cache_tokens=0)
    requests = [GenerationRequest.from_prompt(p, max_new_tokens=n) for p, n in
                [("a", 2), ("b c d", 6), ("e f", 4), ("g", 3), ("h i j k", 5)]]
    widths = []
    if engine.scheduler is not None:  # rows prefilled at once never exceed the cap
        prefill = engine.scheduler._prefill
        engine.scheduler._prefill = lambda prompts: widths.append(len(prompts)) or prefill(prompts)
    else:
        batch = engine._generate_batch
        engine._generate_batch = lambda ids, request: widths.append(len(ids)) or batch(ids, request)
    seen = []
    texts = engine.generate(requests, progress=False, on_result=lambda i, t: seen.append((i, t)), max_batch=2)
    assert sorted(seen) == list(enumerate(texts))  # every request once, with the text generate returns
    assert max(widths) <= 2 and sum(widths) == len(requests)
    assert texts == HFEngine(tiny_model, batch_size=4, scheduler=scheduler).generate(requests, progress=False)


def test_forward_masks_padding(tiny_engine):
    out = tiny_engine.forward(["one", "one two three four five"], max_length=16)
    lengths = out.mask.sum(dim=1).tolist()
    assert lengths[0] < lengths[1]
    assert out.logits.shape[:2] == out.mask.shape and out.hidden.shape[:2] == out.mask.shape


def test_truncate_middle_keeps_first_and_last_halves_of_tokens(tiny_engine):
    text = " ".join(f"w{i}" for i in range(200))
    cut = tiny_engine.truncate_middle(text, 40)
    assert tiny_engine.count_tokens(cut) <= 41
    assert cut.startswith("w0 w1") and cut.endswith("w198 w199") and "w100" not in cut


@pytest.mark.slow
def test_real_model_batched_equals_one_at_a_time():
    """Guards the padded-attention bug seen with bf16 + SDPA on CPU: batching must not change answers."""
    from acbench.models import resolve_model

    engine = HFEngine(resolve_model(), batch_size=4)
    questions = ["What is the capital of France?", "Name three colors.",
                 "Write a JSON object with key a and value 1.", "What is 2+2?"]
    requests = [GenerationRequest.from_prompt(q, max_new_tokens=16) for q in questions]
    batched = engine.generate(requests, progress=False)
    assert batched == [engine.generate([r], progress=False)[0] for r in requests]
    assert "Paris" in batched[0]


def test_stop_strings_match_only_generated_text(tiny_engine):
    """A stop string that the prompt's end plus the first output token would form must not end the answer."""
    request = GenerationRequest.from_prompt("x", max_new_tokens=6)
    free = tiny_engine.generate([request], progress=False)[0]
    assert free, "the tiny model produces some text"
    prompt_tail = tiny_engine.tokenizer.apply_chat_template(list(request.messages), add_generation_prompt=True,
                                                            tokenize=False)[-3:]
    straddling = prompt_tail + free[:2]  # matches across the boundary only
    stopped = tiny_engine.generate([GenerationRequest.from_prompt("x", max_new_tokens=6, stop=(straddling,))],
                                   progress=False)[0]
    assert stopped == free
    cut = tiny_engine.generate([GenerationRequest.from_prompt("x", max_new_tokens=6, stop=(free[2:4],))],
                               progress=False)[0]
    assert cut == free[: free.index(free[2:4])]


def test_raw_prompt_skips_the_chat_template(tiny_engine):
    # The paper's needle prompt and LongBench's no-template datasets are sent exactly as written.
    text = "This is a very long story book: <book> a b c </book>.\nAnswer:"
    raw = GenerationRequest.from_raw(text, max_new_tokens=4)
    chat = GenerationRequest.from_prompt(text, max_new_tokens=4)
    assert tiny_engine._prompt_ids(raw) == tiny_engine.tokenizer(text)["input_ids"]
    assert len(tiny_engine._prompt_ids(chat)) > len(tiny_engine._prompt_ids(raw))
    alone = tiny_engine.generate([raw], progress=False)
    mixed = tiny_engine.generate([chat, raw], progress=False)
    assert mixed[1] == alone[0] and isinstance(mixed[0], str)


@pytest.mark.slow
def test_real_model_scheduler_equals_one_at_a_time_with_stops_and_next_turns():
    """SmolLM2 through the continuous-batching scheduler: unequal prompts, mixed max_new_tokens and stop
    strings in one batch of 3 (rows leave and join), then each conversation's next turn (prefix reuse)."""
    from acbench.models import resolve_model

    engine = HFEngine(resolve_model(), batch_size=3)
    questions = ["What is the capital of France?", "Name three colors, one per line.",
                 "Write a JSON object with key a and value 1.", "What is 2+2?",
                 "List the steps to boil an egg.\n1.", "Say hello."]
    stops = [(), ("\n",), ("}",), (), ("\n3.", "\n\n"), ()]
    requests = [GenerationRequest.from_prompt(q, max_new_tokens=8 + 6 * (i % 3), stop=s)
                for i, (q, s) in enumerate(zip(questions, stops))]

    def alone(reqs):
        scheduler, engine.scheduler = engine.scheduler, None  # the padded model.generate path, one by one
        try:
            return [engine.generate([r], progress=False)[0] for r in reqs]
        finally:
            engine.scheduler = scheduler

    first = engine.generate(requests, progress=False)
    assert first == alone(requests)
    assert "Paris" in first[0]
    follow = [GenerationRequest(messages=(*r.messages, {"role": "assistant", "content": out},
                                          {"role": "user", "content": "Now say it shorter."}),
                                max_new_tokens=12, stop=r.stop) for r, out in zip(requests, first)]
    reused = engine.scheduler.store.reused_tokens
    assert engine.generate(follow, progress=False) == alone(follow)
    assert engine.scheduler.store.reused_tokens - reused >= sum(len(engine._prompt_ids(r)) for r in requests)
