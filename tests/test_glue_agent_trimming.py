"""Agent prompt trimming against SmolLM2's REAL chat template (issue 16), tokenizer only (no weights).

tests/tasks/agentic/test_loop.py checks the trimming against the loop's own estimate (`prompt_tokens`: the
engine's token count of each message + MESSAGE_OVERHEAD). What the model receives is the chat template's
rendering, and SmolLM2's template adds a default system turn when the messages have none. If the estimate is
short, HFEngine's safety net cuts the middle of the token ids: the episode's history, not the trimmed turns.
"""

from __future__ import annotations

import pytest

from acbench.engines.hf import HFEngine
from acbench.engines.scripted import ScriptedEngine
from acbench.tasks.agentic.loop import MESSAGE_OVERHEAD, fit_context, prompt_tokens
from acbench.tasks.pddl.task import PDDLTask
from acbench.tasks.base import ResultStore


@pytest.fixture(scope="module")
def tokenizer():
    from transformers import AutoTokenizer

    from acbench.models import resolve_model

    return AutoTokenizer.from_pretrained(resolve_model())


def templated_length(tokenizer, messages) -> int:
    ids = tokenizer.apply_chat_template(list(messages), add_generation_prompt=True, tokenize=True)
    return len(ids if isinstance(ids, list) else ids["input_ids"])


class RealTokenEngine(ScriptedEngine):
    """Scripted answers, but token counting and middle truncation exactly as HFEngine does them."""

    def __init__(self, tokenizer, script, max_context: int):
        super().__init__(script, max_context=max_context)
        self._hf = HFEngine.__new__(HFEngine)  # no model: only the tokenizer-backed text utilities
        self._hf.tokenizer, self._hf.max_context = tokenizer, max_context

    def count_tokens(self, text: str) -> int:
        return self._hf.count_tokens(text)

    def truncate_middle(self, text: str, max_tokens: int) -> str:
        return self._hf.truncate_middle(text, max_tokens)

    def count_chat_tokens(self, messages) -> int:
        return self._hf.count_chat_tokens(messages)


def test_the_default_system_turn_is_counted(tokenizer):
    messages = [{"role": "user", "content": "Hello there."}]
    engine = RealTokenEngine(tokenizer, lambda r: "", max_context=2048)
    rendered = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    assert rendered.startswith("<|im_start|>system\n")  # SmolLM2 adds a system turn the messages do not have
    real = templated_length(tokenizer, messages)
    # the per-message estimate (what an engine without a chat-template count gets) misses that turn ...
    assert real - (engine.count_tokens("Hello there.") + MESSAGE_OVERHEAD) > 10
    # ... so the loop counts the rendered template when the engine can (HFEngine, vLLM)
    assert prompt_tokens(messages, engine) == real


def _episode_requests(tokenizer, max_context: int, max_new_tokens: int):
    engine = RealTokenEngine(tokenizer, lambda r: "Action: check valid actions", max_context=max_context)
    task = PDDLTask(max_steps=10, max_new_tokens=max_new_tokens)
    task.run(engine, task.load(limit=2), ResultStore(None))
    assert len(engine.requests) == 20
    return engine.requests


def test_trimming_keeps_the_estimate_within_the_context_with_real_tokens(tokenizer):
    # what the loop promises about its own estimate holds with real token counts too
    for request in _episode_requests(tokenizer, max_context=700, max_new_tokens=48):
        engine = RealTokenEngine(tokenizer, lambda r: "", 700)
        assert prompt_tokens(list(request.messages), engine) + request.max_new_tokens <= 700
        assert request.messages[0]["role"] == "user" and "The goal is" in request.messages[0]["content"]


def test_trimmed_prompts_fit_the_context_as_the_chat_template_renders_them(tokenizer):
    requests = _episode_requests(tokenizer, max_context=700, max_new_tokens=48)
    over = [templated_length(tokenizer, r.messages) + r.max_new_tokens - 700 for r in requests]
    assert max(over) <= 0, f"templated prompts overflow the context by up to {max(over)} tokens"


def test_fit_context_with_real_tokens_drops_whole_turns_from_the_oldest(tokenizer):
    engine = RealTokenEngine(tokenizer, lambda r: "", max_context=4096)
    head = {"role": "user", "content": "The goal is to stack b1 on b2. " * 5}
    turns = []
    for i in range(6):
        turns += [{"role": "assistant", "content": f"Action: step {i}"},
                  {"role": "user", "content": f"Observation: result of step {i} " + "x " * 10}]
    messages = [head, *turns]
    full = prompt_tokens(messages, engine)
    kept = fit_context(messages, engine, budget=full - 1)  # one token too many: the oldest turn goes
    assert [m["content"] for m in kept[1:]] == [m["content"] for m in turns[2:]]
    assert kept[0]["content"].startswith(head["content"]) and kept[0]["content"] != head["content"]  # the note
    assert prompt_tokens(kept, engine) <= full - 1
