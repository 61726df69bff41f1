"""A model-free engine that replays scripted outputs: for tests and for re-scoring.

    engine = ScriptedEngine(lambda request: "Action: check valid actions")
    engine = ScriptedEngine(["first answer", "second answer"])   # replayed in order
"""

from __future__ import annotations

from collections.abc import Callable

from acbench.engines.base import ForwardOutput, GenerationRequest, LikelihoodUnsupported, cut_at_stop


class ScriptedEngine:
    """Answers each request with a function of the request, or the next string of a list.

    Token counting is by whitespace-separated words, so prompts and budgets stay predictable.
    """

    name = "scripted"

    def __init__(self, script: Callable[[GenerationRequest], str] | list[str], max_context: int = 2048):
        self._script = script if callable(script) else iter(script).__next__
        self._callable = callable(script)
        self.max_context = max_context
        self.requests: list[GenerationRequest] = []  # every request seen, for assertions

    def generate(self, requests: list[GenerationRequest], progress: bool = True,
                 on_result: Callable[[int, str], None] | None = None, max_batch: int | None = None) -> list[str]:
        outputs = []
        for i, request in enumerate(requests):
            self.requests.append(request)
            text = self._script(request) if self._callable else self._script()
            outputs.append(cut_at_stop(text, request.stop))
            if on_result is not None:
                on_result(i, outputs[-1])
        return outputs

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def truncate_middle(self, text: str, max_tokens: int) -> str:
        words = text.split()
        if len(words) <= max_tokens:
            return text
        half = max_tokens // 2
        return " ".join(words[:half] + words[len(words) - (max_tokens - half):])

    def forward(self, texts: list[str], max_length: int = 256) -> ForwardOutput:
        raise NotImplementedError("ScriptedEngine has no logits; use a real model for the analyses")

    def score_continuations(self, requests: list[GenerationRequest], references: list[str]):
        raise LikelihoodUnsupported("ScriptedEngine has no likelihoods; use a real model for gold likelihood")

    def score_windows(self, text: str, window: int, max_windows: int | None = None):
        raise LikelihoodUnsupported("ScriptedEngine has no likelihoods; use a real model for perplexity")
