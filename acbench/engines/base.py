"""The Engine protocol: what every task and analysis may ask of a model.

Tasks never import a backend; they build `GenerationRequest`s and call `engine.generate`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from acbench.errors import ACBenchError

if TYPE_CHECKING:  # torch is heavy (1 s to import): `acbench --help` and the task registry must not pay it
    import torch


@dataclass(frozen=True)
class GenerationRequest:
    """One chat completion: messages plus the settings that decide the output.

    Greedy decoding is the default (temperature 0), as in the paper's evaluations. `raw_prompt`, when set,
    is sent exactly as written, tokenized with the tokenizer's defaults and without a chat template (the
    paper's needle prompt and LongBench's no-template datasets); `messages` then only documents it.
    """

    messages: tuple[dict, ...] | list[dict]
    max_new_tokens: int = 256
    stop: tuple[str, ...] = ()
    temperature: float = 0.0
    seed: int = 0
    raw_prompt: str | None = None

    @classmethod
    def from_raw(cls, prompt: str, **settings) -> "GenerationRequest":
        """A prompt without a chat template (recorded as one user message for the results file)."""
        return cls(messages=({"role": "user", "content": prompt},), raw_prompt=prompt, **settings)

    @classmethod
    def from_prompt(cls, prompt: str, system: str | None = None, **settings) -> "GenerationRequest":
        """A single user turn, optionally after a system message."""
        messages = ([{"role": "system", "content": system}] if system else []) + [
            {"role": "user", "content": prompt}
        ]
        return cls(messages=tuple(messages), **settings)


@dataclass
class ForwardOutput:
    """Logits and final hidden states of a batch of texts; `mask` marks real (non-padding) tokens."""

    logits: torch.Tensor  # batch x seq x vocab, float32
    hidden: torch.Tensor  # batch x seq x d, final hidden state (after the last norm)
    mask: torch.Tensor  # batch x seq, bool
    input_ids: torch.Tensor = field(default=None)  # batch x seq


@dataclass(frozen=True)
class ContinuationScore:
    """Teacher-forced scores of one reference continuation, one entry per reference token.

    `nll[k]` is -log p(token k | prompt, tokens before k) in nats; `top1[k]` says the token was the model's argmax.
    """

    nll: tuple[float, ...]
    top1: tuple[bool, ...]

    @property
    def tokens(self) -> int:
        return len(self.nll)


class LikelihoodUnsupported(ACBenchError):
    """An engine that cannot score a continuation's likelihood (a backend without per-token log-probabilities)."""


@runtime_checkable
class Engine(Protocol):
    """A model behind a uniform interface (transformers on CPU/GPU, or vLLM)."""

    name: str
    max_context: int

    def generate(self, requests: list[GenerationRequest], progress: bool = True,
                 on_result: Callable[[int, str], None] | None = None, max_batch: int | None = None) -> list[str]:
        """Complete each request; returns one string per request, stop strings removed.

        `on_result(i, text)` is called as soon as request i's text is final, before `generate` returns, so a
        caller can save results as they come (a task hands all its requests over in one call and still resumes
        item by item). `max_batch` caps how many requests run side by side in this call (long prompts: memory)
        below the engine's own batch size; None: the engine's.
        """
        ...

    def count_tokens(self, text: str) -> int:
        """Number of tokens of `text` in the model's tokenizer (no special tokens)."""
        ...

    def truncate_middle(self, text: str, max_tokens: int) -> str:
        """Keep the first and last halves of a `max_tokens` budget, dropping the middle."""
        ...

    def forward(self, texts: list[str], max_length: int = 256) -> ForwardOutput:
        """Logits and final hidden states for the analyses (no generation)."""
        ...

    def score_continuations(self, requests: list[GenerationRequest], references: list[str]) -> list[ContinuationScore]:
        """Teacher-forced scores of `references[i]` right after the prompt that `generate` would send for
        `requests[i]` (chat template and generation prompt included); only the reference's own tokens count.
        Raises `LikelihoodUnsupported` where the backend has no log-probabilities."""
        ...

    def score_windows(self, text: str, window: int, max_windows: int | None = None) -> list[ContinuationScore]:
        """Perplexity windows: `text` tokenized as a whole (the tokenizer's defaults), cut into consecutive
        non-overlapping windows of `window` tokens (a shorter tail is dropped), each scored from its own
        first token on (GPTQ's evaluation). At most `max_windows` of them, from the start."""
        ...


def cut_at_stop(text: str, stop: tuple[str, ...] | list[str]) -> str:
    """Cut `text` at the earliest stop string (the stop string itself is removed)."""
    cut = len(text)
    for s in stop:
        if s:
            i = text.find(s)
            if i != -1:
                cut = min(cut, i)
    return text[:cut]
