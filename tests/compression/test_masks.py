"""Magnitude masks (pure math), checked against hand-made weights."""

from __future__ import annotations

import pytest
import torch

from acbench.compression._masks import magnitude_keep_mask, max_nonzeros_per_group, zero_fraction


def test_unstructured_drops_the_smallest_of_the_whole_layer():
    weight = torch.tensor([[0.1, -5.0, 0.3, 2.0], [-0.2, 0.05, 4.0, -1.0]])
    keep = magnitude_keep_mask(weight, sparsity=0.5)
    assert keep.tolist() == [[False, True, False, True], [False, False, True, True]]


def test_unstructured_threshold_is_per_layer_not_per_row():
    weight = torch.tensor([[1.0, 2.0, 3.0, 4.0], [10.0, 20.0, 30.0, 40.0]])
    keep = magnitude_keep_mask(weight, sparsity=0.5)
    assert keep.tolist() == [[False, False, False, False], [True, True, True, True]]


def test_two_of_four_along_the_input_dim():
    weight = torch.tensor([[1.0, -3.0, 2.0, 0.5, 9.0, 8.0, -7.0, 0.0]])
    keep = magnitude_keep_mask(weight, sparsity=0.5, n_m=(2, 4))
    assert keep.tolist() == [[False, True, True, False, True, True, False, False]]


def test_random_layers_hit_the_requested_fractions():
    torch.manual_seed(0)
    weight = torch.randn(64, 128)
    for sparsity in (0.3, 0.5, 0.9):
        assert zero_fraction(weight * magnitude_keep_mask(weight, sparsity)) == pytest.approx(sparsity, abs=1e-3)
    pruned = weight * magnitude_keep_mask(weight, 0.75, n_m=(1, 4))
    assert zero_fraction(pruned) == 0.75 and max_nonzeros_per_group(pruned, 4) == 1


def test_n_m_needs_a_divisible_width():
    with pytest.raises(ValueError, match="multiple of 4"):
        magnitude_keep_mask(torch.ones(2, 6), 0.5, n_m=(2, 4))
