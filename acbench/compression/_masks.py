"""Pure tensor math for pruning masks and their checks (no llm-compressor, no model).

    from acbench.compression._masks import magnitude_keep_mask
    keep = magnitude_keep_mask(weight, sparsity=0.5)          # unstructured, per layer
    keep = magnitude_keep_mask(weight, sparsity=0.5, n_m=(2, 4))  # 2 of every 4 along the input dim
"""

from __future__ import annotations

import torch


def magnitude_keep_mask(weight: torch.Tensor, sparsity: float, n_m: tuple[int, int] | None = None) -> torch.Tensor:
    """Boolean mask of the weights to keep, chosen by magnitude.

    Unstructured: the `round(sparsity * numel)` smallest |w| of the whole layer are dropped (one threshold
    per layer, as in Han et al. 2015). N:M: in every run of m consecutive weights along the input
    dimension (last dim) the n largest |w| are kept.

    Args:
        weight: a 2-D weight (out_features, in_features).
        sparsity: fraction to drop; ignored for N:M, where it is 1 - n/m.
        n_m: (n kept, m) or None for unstructured.

    Returns:
        A bool tensor shaped like `weight`, True where the weight survives.
    """
    scores = weight.detach().abs().float()
    if n_m is None:
        n_drop = int(round(sparsity * scores.numel()))
        keep = torch.ones(scores.numel(), dtype=torch.bool, device=scores.device)
        if n_drop:
            # Stable ordering makes ties (e.g. many equal zeros) resolve the same way on every run.
            order = torch.sort(scores.flatten(), stable=True).indices
            keep[order[:n_drop]] = False
        return keep.view_as(scores)
    n, m = n_m
    rows, cols = scores.shape
    if cols % m:
        raise ValueError(f"{n}:{m} pruning needs the input width ({cols}) to be a multiple of {m}")
    blocks = scores.view(rows, cols // m, m)
    top = blocks.topk(n, dim=-1).indices
    keep = torch.zeros_like(blocks, dtype=torch.bool).scatter_(-1, top, True)
    return keep.view(rows, cols)


def zero_fraction(weight: torch.Tensor) -> float:
    """Fraction of exact zeros."""
    return float((weight == 0).sum()) / weight.numel()


def max_nonzeros_per_group(weight: torch.Tensor, m: int) -> int:
    """The largest count of non-zeros in any run of m consecutive weights along the input dim."""
    rows, cols = weight.shape
    groups = (weight != 0).view(rows, cols // m, m)
    return int(groups.sum(-1).max())
