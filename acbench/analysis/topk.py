"""Top-k ranking consistency between two models' next-token logits, per position.

    import torch
    from acbench.analysis.topk import topk_consistency
    lo = torch.randn(10, 100); lc = lo + 0.1 * torch.randn(10, 100)      # positions x vocab
    stats = topk_consistency(lo, lc, k=5)   # {"jaccard": (10,), "kendall": (10,), "spearman": (10,)}

For each position, T_k(o) and T_k(c) are the indices of the k largest logits of each model.
- Jaccard J_k = |T_k(o) ∩ T_k(c)| / |T_k(o) ∪ T_k(c)|.
- Kendall τ and Spearman ρ between the two models' logit values over the original's top-k T_k(o).

Only k logits per position are ever gathered (`torch.topk`, `gather`); nothing vocab x vocab exists.

Ties: τ is Kendall's tau-b and ρ is the Pearson correlation of average ranks, the same conventions as
`scipy.stats.kendalltau` / `spearmanr` (tests compare against them). Both are undefined (NaN) when
either model's k values are all equal, and always for k = 1 (a single item has no ranking); callers
average with NaNs excluded and do not report correlations at k = 1. Ties among logits at the k-th place
are broken by `torch.topk`'s order, so T_k is one of the equally valid top-k sets.
"""

from __future__ import annotations

import torch


def topk_consistency(logits_original: torch.Tensor, logits_compressed: torch.Tensor, k: int) -> dict[str, torch.Tensor]:
    """Per-position Jaccard, Kendall τ and Spearman ρ for one k.

    Args:
        logits_original: positions x vocab (padding positions already removed).
        logits_compressed: same shape, from the compressed model at the same positions.
        k: size of the top sets; clipped to the vocabulary size.

    Returns:
        float64 tensors of length `positions` under "jaccard", "kendall", "spearman" (NaN where undefined).
    """
    if logits_original.shape != logits_compressed.shape or logits_original.ndim != 2:
        raise ValueError(
            f"expected two positions x vocab tensors of equal shape, got {tuple(logits_original.shape)} "
            f"and {tuple(logits_compressed.shape)}"
        )
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    k = min(k, logits_original.shape[1])
    top_o = logits_original.topk(k, dim=-1).indices
    top_c = logits_compressed.topk(k, dim=-1).indices
    overlap = (top_o.unsqueeze(-1) == top_c.unsqueeze(-2)).any(dim=-1).sum(dim=-1).to(torch.float64)
    jaccard = overlap / (2 * k - overlap)
    a = logits_original.gather(-1, top_o).to(torch.float64)
    b = logits_compressed.gather(-1, top_o).to(torch.float64)
    return {"jaccard": jaccard, "kendall": kendall_tau_b(a, b), "spearman": spearman_rho(a, b)}


def kendall_tau_b(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Row-wise Kendall tau-b of two rows x n tensors (NaN where a row of a or b is constant, or n < 2).

    tau_b = (C - D) / sqrt((n0 - t_a) (n0 - t_b)), with n0 = n(n-1)/2 pairs and t_a, t_b the tied pairs.
    """
    n = a.shape[-1]
    upper = torch.triu(torch.ones(n, n, dtype=torch.bool, device=a.device), diagonal=1)
    sa = torch.sign(a.unsqueeze(-1) - a.unsqueeze(-2))[..., upper]
    sb = torch.sign(b.unsqueeze(-1) - b.unsqueeze(-2))[..., upper]
    n0 = n * (n - 1) / 2
    untied_a = n0 - (sa == 0).sum(-1)
    untied_b = n0 - (sb == 0).sum(-1)
    denominator = torch.sqrt(untied_a.to(torch.float64) * untied_b.to(torch.float64))
    numerator = (sa * sb).sum(-1).to(torch.float64)
    return torch.where(denominator > 0, numerator / denominator.clamp_min(1e-300), torch.full_like(numerator, float("nan")))


def average_ranks(x: torch.Tensor) -> torch.Tensor:
    """1-based ranks along the last axis, ties getting the mean of the ranks they span."""
    less = (x.unsqueeze(-2) < x.unsqueeze(-1)).sum(-1).to(torch.float64)
    equal = (x.unsqueeze(-2) == x.unsqueeze(-1)).sum(-1).to(torch.float64)
    return less + (equal + 1) / 2


def spearman_rho(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Row-wise Spearman ρ: Pearson correlation of average ranks (NaN where a row has no spread)."""
    ra, rb = average_ranks(a), average_ranks(b)
    ra = ra - ra.mean(-1, keepdim=True)
    rb = rb - rb.mean(-1, keepdim=True)
    denominator = torch.sqrt((ra * ra).sum(-1) * (rb * rb).sum(-1))
    numerator = (ra * rb).sum(-1)
    return torch.where(denominator > 0, numerator / denominator.clamp_min(1e-300), torch.full_like(numerator, float("nan")))


def consistency_by_k(
    logits_original: torch.Tensor, logits_compressed: torch.Tensor, ks: tuple[int, ...] = (1, 3, 5, 10, 20)
) -> dict[str, torch.Tensor]:
    """Columns `jaccard@k`, `kendall@k`, `spearman@k` for every k (correlations omitted for k = 1)."""
    columns: dict[str, torch.Tensor] = {}
    for k in ks:
        stats = topk_consistency(logits_original, logits_compressed, k)
        columns[f"jaccard@{k}"] = stats["jaccard"]
        if k > 1:
            columns[f"kendall@{k}"] = stats["kendall"]
            columns[f"spearman@{k}"] = stats["spearman"]
    return columns
