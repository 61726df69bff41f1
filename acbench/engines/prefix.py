"""Prefix reuse for the scheduler: an LRU of token sequences with their keys/values, and shared prompt heads.

See acbench/engines/scheduler.py's docstring for how the scheduler uses them and why matching is by token ids.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

PREFIX_MIN_TOKENS = 32  # shorter shared heads are not worth a lookup and a copy
DEFAULT_PREFIX_CACHE_TOKENS = 16384  # at most; see default_prefix_tokens
PREFIX_CACHE_BYTES = 1 << 30

Layers = list[tuple[torch.Tensor, torch.Tensor]]  # per model layer: keys, values [rows, heads, width, head_dim]


def default_prefix_tokens(model) -> int:
    """Tokens of keys/values that fit in PREFIX_CACHE_BYTES for this model, at most DEFAULT_PREFIX_CACHE_TOKENS."""
    config = model.config.get_text_config(decoder=True)
    heads = getattr(config, "num_key_value_heads", None) or config.num_attention_heads
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads
    per_token = 2 * config.num_hidden_layers * heads * head_dim * model.dtype.itemsize
    return min(DEFAULT_PREFIX_CACHE_TOKENS, PREFIX_CACHE_BYTES // per_token)


def _lcp(a: np.ndarray, b: np.ndarray) -> int:
    """Length of the longest common prefix of two id arrays."""
    n = min(len(a), len(b))
    diff = np.flatnonzero(a[:n] != b[:n])
    return int(diff[0]) if len(diff) else n


@dataclass
class _Entry:
    tokens: np.ndarray
    layers: Layers  # one row: [1, heads, len(tokens), head_dim]


class PrefixStore:
    """An LRU of token sequences and their keys/values, bounded by `budget_tokens` tokens in total."""

    def __init__(self, budget_tokens: int = DEFAULT_PREFIX_CACHE_TOKENS):
        self.budget = budget_tokens
        self.entries: OrderedDict[int, _Entry] = OrderedDict()
        self.tokens = 0
        self._next_key = 0
        self.hits = self.reused_tokens = 0  # counters for benchmarks and tests

    def longest(self, tokens: Sequence[int]) -> tuple[_Entry | None, int]:
        """The entry sharing the longest prefix with `tokens`, and that length (refreshes its LRU place)."""
        ids = np.asarray(tokens, dtype=np.int64)
        best, best_len = None, 0
        for key, entry in self.entries.items():
            n = _lcp(entry.tokens, ids)
            if n > best_len:
                best, best_len = key, n
        if best is None:
            return None, 0
        self.entries.move_to_end(best)
        return self.entries[best], best_len

    def put(self, tokens: Sequence[int], layers: Layers) -> None:
        ids = np.asarray(tokens, dtype=np.int64)
        if len(ids) < PREFIX_MIN_TOKENS or len(ids) > self.budget:
            return
        covered = [k for k, e in self.entries.items()
                   if len(e.tokens) <= len(ids) and _lcp(e.tokens, ids) == len(e.tokens)]
        for key in covered:
            self._drop(key)  # a prefix of the new sequence: the new entry covers it
        self.entries[self._next_key] = _Entry(ids, layers)
        self._next_key += 1
        self.tokens += len(ids)
        while self.tokens > self.budget:
            self._drop(next(iter(self.entries)))  # least recently used first

    def _drop(self, key: int) -> None:
        self.tokens -= len(self.entries.pop(key).tokens)

    def clear(self) -> None:
        self.entries.clear()
        self.tokens = 0


def shared_heads(prompts: Sequence[Sequence[int]], min_tokens: int = PREFIX_MIN_TOKENS) -> list[list[int]]:
    """Token prefixes of at least `min_tokens` that two or more prompts share, as long as the pair shares them.

    Sorting the prompts puts the prompts with a long common head next to each other, so the longest head a
    prompt shares with any other is the longer of its common prefixes with its two neighbours. Each head is
    capped one token short of the shorter prompt (that token must run to give the first output's logits).
    """
    counts = Counter(tuple(p) for p in prompts)
    unique = sorted(counts)
    heads = set()
    for a, b in zip(unique, unique[1:]):
        n = min(_lcp(np.asarray(a), np.asarray(b)), len(a) - 1, len(b) - 1)
        if n >= min_tokens:
            heads.add(a[:n])
    for p, count in counts.items():  # identical prompts (repeats of a sampled request): all but the last token
        if count > 1 and len(p) - 1 >= min_tokens:
            heads.add(p[:-1])
    return [list(h) for h in sorted(heads, key=len)]
