"""Energy of next-token distributions: how much of a model's confidence survives compression.

    import torch
    from acbench.analysis.energy import energy, position_buckets
    e = energy(torch.randn(2, 7, 100))                     # batch x seq
    buckets = position_buckets(torch.ones(2, 7, dtype=torch.bool))   # "early"/"late" per position

E(x) = -T · logsumexp(logits(x) / T) per position (T = 1 by default); lower energy = a more confident,
more peaked distribution. ΔE = mean |E_o - E_c| over real (non-padding) positions.

Buckets: a sequence with n real tokens has its first floor(n / 2) real tokens in "early" and the rest in
"late" (so a 1-token text is all "late"). Real tokens are counted through the mask, so left and right
padding give the same buckets.
"""

from __future__ import annotations

import numpy as np
import torch


def energy(logits: torch.Tensor, temperature: float = 1.0) -> torch.Tensor:
    """-T · logsumexp(logits / T) over the last (vocabulary) axis, in float32 or better."""
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    x = logits if logits.dtype in (torch.float32, torch.float64) else logits.float()
    return -temperature * torch.logsumexp(x / temperature, dim=-1)


def position_index(mask: torch.Tensor) -> torch.Tensor:
    """0-based index of each real token among its sequence's real tokens (-1 at padding)."""
    mask = mask.bool()
    index = mask.long().cumsum(dim=-1) - 1
    return torch.where(mask, index, torch.full_like(index, -1))


def position_buckets(mask: torch.Tensor) -> np.ndarray:
    """batch x seq array of "early" / "late" for real tokens and "" for padding (see module docstring)."""
    mask = mask.bool()
    index = position_index(mask)
    length = mask.sum(dim=-1, keepdim=True)
    early = index < torch.div(length, 2, rounding_mode="floor")
    labels = np.where(early.cpu().numpy(), "early", "late").astype(object)
    labels[~mask.cpu().numpy()] = ""
    return labels
