"""Top-k consistency on hand-computed permutations, and against scipy where ties occur."""

import math

import pytest
import torch
from scipy import stats

from acbench.analysis.topk import consistency_by_k, kendall_tau_b, spearman_rho, topk_consistency

ORIGINAL = torch.tensor([[5.0, 4, 3, 2, 1, 0, -1, -2]])


def test_identical_logits_are_fully_consistent():
    logits = torch.randn(30, 100, generator=torch.Generator().manual_seed(1))
    for k in (1, 3, 5, 20):
        out = topk_consistency(logits, logits.clone(), k)
        assert torch.all(out["jaccard"] == 1.0)
        if k > 1:
            assert torch.allclose(out["kendall"], torch.ones(30, dtype=torch.float64))
            assert torch.allclose(out["spearman"], torch.ones(30, dtype=torch.float64))


def test_swapped_pairs_hand_computed():
    # The compressed model swaps ranks 1<->2 and 4<->5 of the top-5.
    compressed = torch.tensor([[4.0, 5, 3, 1, 2, 0, -1, -2]])
    out = topk_consistency(ORIGINAL, compressed, 5)
    assert out["jaccard"].item() == 1.0
    assert out["kendall"].item() == pytest.approx(0.6)  # 8 concordant, 2 discordant of 10 pairs
    assert out["spearman"].item() == pytest.approx(0.8)  # 1 - 6 * 4 / (5 * 24)
    out = topk_consistency(ORIGINAL, compressed, 3)
    assert out["kendall"].item() == pytest.approx(1 / 3)  # (2 - 1) / 3
    assert out["spearman"].item() == pytest.approx(0.5)  # 1 - 6 * 2 / (3 * 8)


def test_reversed_top_k_and_disjoint_sets():
    reversed_top = torch.tensor([[1.0, 2, 3, 4, 5, 0, -1, -2]])
    out = topk_consistency(ORIGINAL, reversed_top, 5)
    assert out["kendall"].item() == pytest.approx(-1.0)
    assert out["spearman"].item() == pytest.approx(-1.0)
    disjoint = -ORIGINAL
    assert topk_consistency(ORIGINAL, disjoint, 2)["jaccard"].item() == 0.0


def test_partial_overlap_jaccard():
    compressed = torch.tensor([[5.0, 4, -9, 3, 1, 0, -1, -2]])  # top-3 {0, 1, 3} vs original {0, 1, 2}
    assert topk_consistency(ORIGINAL, compressed, 3)["jaccard"].item() == pytest.approx(2 / 4)


def test_k1_correlations_are_nan_and_omitted():
    out = topk_consistency(ORIGINAL, ORIGINAL, 1)
    assert out["jaccard"].item() == 1.0
    assert math.isnan(out["kendall"].item()) and math.isnan(out["spearman"].item())
    columns = consistency_by_k(ORIGINAL, ORIGINAL, (1, 3))
    assert set(columns) == {"jaccard@1", "jaccard@3", "kendall@3", "spearman@3"}


def test_constant_values_give_nan():
    flat = torch.zeros(1, 8)
    assert math.isnan(topk_consistency(ORIGINAL, flat, 4)["kendall"].item())
    assert math.isnan(topk_consistency(ORIGINAL, flat, 4)["spearman"].item())


def test_matches_scipy_with_ties():
    g = torch.Generator().manual_seed(3)
    a = torch.randint(0, 4, (40, 7), generator=g).double()
    b = torch.randint(0, 4, (40, 7), generator=g).double()
    tau, rho = kendall_tau_b(a, b), spearman_rho(a, b)
    for i in range(40):
        expected_tau = stats.kendalltau(a[i].numpy(), b[i].numpy()).statistic
        expected_rho = stats.spearmanr(a[i].numpy(), b[i].numpy()).statistic
        if math.isnan(expected_tau):
            assert math.isnan(tau[i].item())
        else:
            assert tau[i].item() == pytest.approx(expected_tau, abs=1e-12)
        if math.isnan(expected_rho):
            assert math.isnan(rho[i].item())
        else:
            assert rho[i].item() == pytest.approx(expected_rho, abs=1e-12)


def test_bad_inputs():
    with pytest.raises(ValueError, match="equal shape"):
        topk_consistency(torch.zeros(2, 5), torch.zeros(2, 6), 3)
    with pytest.raises(ValueError, match="k must be"):
        topk_consistency(torch.zeros(2, 5), torch.zeros(2, 5), 0)
    assert topk_consistency(torch.randn(2, 5), torch.randn(2, 5), 50)["jaccard"].tolist() == [1.0, 1.0]  # k clipped
