"""The token ids every backend sends for a request: one function, so that transformers and vLLM see the same.

    ids = prompt_ids(tokenizer, request, max_context)   # chat template (or the raw prompt), cut to fit

A chat request is rendered with the tokenizer's chat template and the generation prompt; a raw prompt is
tokenized with the tokenizer's defaults (special tokens included), as the upstream scripts do. A prompt that
leaves fewer than `max_new_tokens` of the context keeps its first and last halves (a safety net: tasks cut
their own documents).
"""

from __future__ import annotations

import logging

from acbench.engines.base import GenerationRequest

log = logging.getLogger(__name__)


def prompt_ids_uncut(tokenizer, request: GenerationRequest) -> list[int]:
    """The request's ids before any cut."""
    if request.raw_prompt is not None:  # as the upstream scripts do: tokenizer(prompt), no chat template
        ids = tokenizer(request.raw_prompt)["input_ids"]
    else:
        ids = tokenizer.apply_chat_template(list(request.messages), add_generation_prompt=True, tokenize=True)
    return ids if isinstance(ids, list) else ids["input_ids"]  # BatchEncoding in transformers 5


def fit_to_context(ids: list[int], budget: int) -> list[int]:
    """`ids` when they fit `budget` tokens, else their first and last halves of it."""
    if len(ids) <= budget:
        return ids
    log.warning("prompt of %d tokens exceeds the budget of %d; cutting its middle", len(ids), budget)
    half = budget // 2
    return ids[:half] + ids[len(ids) - (budget - half):]


def prompt_ids(tokenizer, request: GenerationRequest, max_context: int) -> list[int]:
    """The ids sent for `request`: rendered, then cut so that `max_new_tokens` still fit in `max_context`."""
    return fit_to_context(prompt_ids_uncut(tokenizer, request), max_context - request.max_new_tokens)


def eos_ids(generation_config, tokenizer) -> list[int]:
    """The ids that end a generation: the checkpoint's generation config, else the tokenizer's EOS."""
    eos = getattr(generation_config, "eos_token_id", None)
    eos = eos if eos is not None else tokenizer.eos_token_id
    return sorted(set(eos if isinstance(eos, (list, tuple)) else [eos]))
