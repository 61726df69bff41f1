"""A fake engine whose `forward` returns constructed logits and hidden states with known properties."""

from __future__ import annotations

import zlib

import pytest
import torch

from acbench.engines.base import ForwardOutput


class FakeEngine:
    """Words are tokens; logits and hidden states are deterministic functions of (token id, position).

    Args:
        vocab: vocabulary size (>= 60; token ids do not depend on it).
        hidden_rank: hidden state of token t is ±e_{t mod r} (balanced signs), so a text of 2r·m tokens
            has representation ERank exactly r.
        noise: standard deviation of deterministic noise added to the logits (0 = the "original").
        late_shift: constant added to all logits of "late" tokens (second half): shifts their energy by
            exactly -late_shift and keeps every ranking.
        pad_garbage: value written into logits/hidden at padding positions.
        padding_side: "left" (as HFEngine) or "right".
        model: optional torch module exposed as `.model` (for weight ERank).
    """

    name = "fake"
    max_context = 512

    def __init__(self, vocab=64, hidden_rank=4, noise=0.0, late_shift=0.0, pad_garbage=0.0,
                 padding_side="left", model=None, d=8):
        self.vocab, self.hidden_rank, self.noise, self.late_shift = vocab, hidden_rank, noise, late_shift
        self.pad_garbage, self.padding_side, self.d = pad_garbage, padding_side, d
        if model is not None:
            self.model = model
        self.calls = []

    def _ids(self, text, max_length):
        return [zlib.crc32(w.encode()) % 60 for w in text.split()][:max_length]  # same ids for any vocab >= 60

    def forward(self, texts, max_length=256):
        self.calls.append(list(texts))
        seqs = [self._ids(t, max_length) for t in texts]
        width = max(len(s) for s in seqs)
        b = len(texts)
        logits = torch.full((b, width, self.vocab), float(self.pad_garbage))
        hidden = torch.full((b, width, self.d), float(self.pad_garbage))
        mask = torch.zeros(b, width, dtype=torch.bool)
        input_ids = torch.zeros(b, width, dtype=torch.long)
        for i, seq in enumerate(seqs):
            n = len(seq)
            offset = width - n if self.padding_side == "left" else 0
            for t, tok in enumerate(seq):
                g = torch.Generator().manual_seed(tok * 1000 + t)
                row = torch.randn(self.vocab, generator=g) * 3
                if self.noise:
                    row = row + self.noise * torch.randn(self.vocab, generator=torch.Generator().manual_seed(7 + tok * 1000 + t))
                if t >= n // 2:
                    row = row + self.late_shift
                r = self.hidden_rank
                h = torch.zeros(self.d)
                h[t % r] = 1.0 if (t // r) % 2 == 0 else -1.0
                logits[i, offset + t] = row
                hidden[i, offset + t] = h * 2.5  # scale must not matter: rows are normalised
                mask[i, offset + t] = True
                input_ids[i, offset + t] = tok
        return ForwardOutput(logits=logits, hidden=hidden, mask=mask, input_ids=input_ids)


@pytest.fixture
def fake_engine():
    """The FakeEngine class (build engines with the properties a test needs)."""
    return FakeEngine
