"""Effective rank (ERank) of representations and of weight matrices; Diff-ERank between two models.

    import torch
    from acbench.analysis.erank import erank
    erank(torch.randn(64, 16))            # ~ a bit under 16: random directions fill the space
    erank(torch.eye(4).repeat(8, 1))      # 4 equally used orthogonal directions (after centring: 3)

Representation ERank (spec `/work/shared/specs/analysis.md`): centre the rows of R (tokens x d) over
tokens, divide each row by its L2 norm, form G = Z Zᵀ / N, keep the eigenvalues > 1e-8, normalise them
to sum 1 (p_i) and return exp(-Σ p_i log p_i). A higher ERank means the tokens spread over more
directions; Diff-ERank = ERank(compressed) - ERank(original) on the same text.

Weight ERank: the singular values σ_i of a weight matrix, normalised p_i = σ_i / Σσ, exp of their
entropy. Pruning zeros out structure and quantisation adds noise; both move this number.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

import torch

EIGEN_FLOOR = 1e-8


def spectral_erank(values: torch.Tensor, floor: float = EIGEN_FLOOR) -> float:
    """exp(entropy) of non-negative spectrum `values` after dropping those <= `floor` and normalising.

    Returns 0.0 for an empty (all-dropped) spectrum: a representation with no variance has no rank.
    """
    values = values.detach().to(torch.float64).flatten()
    values = values[values > floor]
    if values.numel() == 0:
        return 0.0
    p = values / values.sum()
    return float(torch.exp(-(p * p.log()).sum()))


def erank(representation: torch.Tensor, floor: float = EIGEN_FLOOR) -> float:
    """ERank of a tokens x d matrix by the Gram-matrix form of the spec (computed in float64).

    Rows that are exactly the mean (zero after centring) stay zero instead of dividing by zero.
    When tokens outnumber dimensions the d x d matrix Zᵀ Z / N is used instead: it has the same non-zero
    eigenvalues as G and is cheaper (tests check both forms agree).

    Args:
        representation: tokens x d (e.g. the final hidden states of one text's real tokens).
        floor: eigenvalues at or below this are treated as zero.
    """
    if representation.ndim != 2:
        raise ValueError(f"erank expects a tokens x d matrix, got shape {tuple(representation.shape)}")
    r = representation.detach().to(torch.float64)
    n = r.shape[0]
    if n == 0:
        return 0.0
    z = r - r.mean(dim=0, keepdim=True)
    norms = z.norm(dim=1, keepdim=True)
    z = z / torch.where(norms > 0, norms, torch.ones_like(norms))
    gram = z @ z.T / n if n <= z.shape[1] else z.T @ z / n
    with _single_thread_if_small(gram.shape[0]):
        eigenvalues = torch.linalg.eigvalsh(gram)
    return spectral_erank(eigenvalues, floor)


def weight_erank(weight: torch.Tensor) -> float:
    """ERank of a weight matrix from its singular values (σ / Σσ, exp entropy), in float32."""
    w = weight.detach().to(torch.float32)
    if w.ndim != 2:
        w = w.reshape(w.shape[0], -1)
    with _single_thread_if_small(min(w.shape)):
        singular_values = torch.linalg.svdvals(w)
    return spectral_erank(singular_values, floor=0.0)


@contextmanager
def _single_thread_if_small(size: int, limit: int = 1024):
    """Run small CPU decompositions on one thread.

    Threading gains nothing at these sizes, and on a busy machine (more runnable threads than cores)
    multi-threaded LAPACK calls were measured ~100x slower than single-threaded ones.
    """
    previous = torch.get_num_threads()
    if size > limit or previous == 1:
        yield
        return
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def diff_erank(erank_original: float, erank_compressed: float) -> tuple[float, float]:
    """(ERank(c) - ERank(o), growth % = (ERank(c) / ERank(o) - 1) * 100); growth is NaN when ERank(o) = 0."""
    diff = erank_compressed - erank_original
    growth = (erank_compressed / erank_original - 1.0) * 100.0 if erank_original > 0 else math.nan
    return diff, growth


def dense_linear_weights(model: torch.nn.Module, ignore: tuple[str, ...] = ("lm_head",)) -> Iterator[tuple[str, torch.Tensor]]:
    """(name, float weight) of every linear layer, dequantised when it is stored quantised.

    Handles plain `nn.Linear` weights and compressed-tensors layers that keep an FP8/INT8 `weight` next
    to a `weight_scale` (optionally `weight_zero_point`), broadcast per tensor, channel or group.
    Layers whose weights are packed (e.g. `weight_packed` int4) or otherwise unreadable are skipped.
    Modules whose name ends with one of `ignore` are skipped: compression recipes leave `lm_head` alone
    (and SmolLM2 ties it to the embeddings), so including it would only dilute the mean.
    """
    for name, module in model.named_modules():
        if any(name == i or name.endswith("." + i) for i in ignore):
            continue
        dense = layer_weight(module)
        if dense is not None:
            yield name, dense


def layer_weight(module: torch.nn.Module) -> torch.Tensor | None:
    """The float32 weight of a linear(-like) module, or None if it is not one or cannot be read."""
    weight = getattr(module, "weight", None)
    if not isinstance(module, torch.nn.Linear) and not hasattr(module, "weight_scale"):
        return None
    if not isinstance(weight, torch.Tensor) or weight.ndim != 2 or weight.is_meta:
        return None
    return _dequantise(weight, getattr(module, "weight_scale", None), getattr(module, "weight_zero_point", None))


def _dequantise(weight: torch.Tensor, scale: torch.Tensor | None, zero_point: torch.Tensor | None) -> torch.Tensor | None:
    w = weight.detach()
    if w.is_floating_point() and w.element_size() >= 2:  # bf16/fp16/fp32: already usable as is
        return w.float()
    if scale is None:
        return None
    w = w.to(torch.float32)
    scale = scale.detach().to(torch.float32)
    zp = zero_point.detach().to(torch.float32) if isinstance(zero_point, torch.Tensor) else None
    if scale.numel() in (1, w.shape[0]) or scale.shape == w.shape:
        scale = scale.reshape(-1, 1) if scale.numel() == w.shape[0] else scale
        zp = zp.reshape(-1, 1) if zp is not None and zp.numel() == w.shape[0] else zp
        return (w - (zp if zp is not None else 0.0)) * scale
    if scale.ndim == 2 and scale.shape[0] == w.shape[0] and w.shape[1] % scale.shape[1] == 0:
        group = w.shape[1] // scale.shape[1]  # group-wise scales along the input dimension
        scale = scale.repeat_interleave(group, dim=1)
        zp = zp.repeat_interleave(group, dim=1) if zp is not None and zp.ndim == 2 else zp
        return (w - (zp if zp is not None else 0.0)) * scale
    return None


def weight_erank_per_layer(original: torch.nn.Module, compressed: torch.nn.Module) -> list[dict]:
    """One row per linear layer present in both models: name, ERank of each, and their difference.

    Layers are matched by module name; one pair of dense weights is held at a time.
    """
    compressed_modules = dict(compressed.named_modules())
    rows = []
    for name, w_o in dense_linear_weights(original):
        module = compressed_modules.get(name)
        w_c = layer_weight(module) if module is not None else None
        if w_c is None or w_c.shape != w_o.shape:
            continue
        e_o = weight_erank(w_o)
        e_c = e_o if torch.equal(w_o, w_c) else weight_erank(w_c)  # untouched layers (e.g. ignored by the recipe)
        rows.append({"layer": name, "erank_original": e_o, "erank_compressed": e_c, "erank_diff": e_c - e_o})
    return rows
