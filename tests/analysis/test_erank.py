"""ERank, Diff-ERank and weight ERank on matrices whose spectrum is known."""

import math

import pytest
import torch

from acbench.analysis.erank import (
    dense_linear_weights,
    diff_erank,
    erank,
    layer_weight,
    spectral_erank,
    weight_erank,
    weight_erank_per_layer,
)


def balanced_directions(r, d=16, repeats=3, scale=1.0):
    """Rows ±e_0..±e_{r-1}, each `repeats` times: zero mean, r equally used orthogonal directions."""
    eye = torch.eye(d)[:r] * scale
    return torch.cat([eye, -eye] * repeats)


@pytest.mark.parametrize("r", [1, 2, 3, 5, 8])
def test_r_equal_orthogonal_directions_give_erank_r(r):
    assert erank(balanced_directions(r)) == pytest.approx(r, abs=1e-9)


def test_erank_ignores_row_scale_and_a_common_offset():
    eye = torch.eye(16)[:4]
    lengths = torch.tensor([0.5, 1.0, 2.0, 3.0]).unsqueeze(1)  # each direction its own length
    scaled = torch.cat([eye * lengths, -eye * lengths])  # still zero-mean, rows only rescaled
    shifted = balanced_directions(4) + torch.full((16,), 7.0)  # the mean is removed before anything else
    assert erank(scaled) == pytest.approx(4, abs=1e-9)
    assert erank(shifted) == pytest.approx(4, abs=1e-9)


def test_unequal_eigenvalues_follow_the_entropy_formula():
    # Directions e0 used by 4 of 6 rows, e1 by 2: G eigenvalues 4/6 and 2/6 -> exp(H(2/3, 1/3)).
    rows = torch.tensor([[1.0, 0], [-1, 0], [1, 0], [-1, 0], [0, 1], [0, -1]])
    p = torch.tensor([2 / 3, 1 / 3], dtype=torch.float64)
    assert erank(rows) == pytest.approx(float(torch.exp(-(p * p.log()).sum())), abs=1e-9)


def test_gram_and_covariance_forms_agree():
    g = torch.Generator().manual_seed(0)
    few_tokens = torch.randn(6, 20, generator=g)  # tokens < d: Gram form
    many_tokens = torch.randn(50, 5, generator=g)  # tokens > d: d x d form
    for r in (few_tokens, many_tokens):
        z = r.double() - r.double().mean(0)
        z = z / z.norm(dim=1, keepdim=True)
        gram_eigs = torch.linalg.eigvalsh(z @ z.T / z.shape[0])
        assert erank(r) == pytest.approx(spectral_erank(gram_eigs), rel=1e-9)


def test_degenerate_inputs():
    assert erank(torch.ones(5, 4)) == 0.0  # no variance at all
    assert erank(torch.zeros(0, 4)) == 0.0
    assert erank(torch.randn(1, 4)) == 0.0
    with pytest.raises(ValueError, match="tokens x d"):
        erank(torch.randn(2, 3, 4))


def test_diff_erank_and_growth():
    assert diff_erank(4.0, 5.0) == pytest.approx((1.0, 25.0))
    assert diff_erank(4.0, 2.0) == pytest.approx((-2.0, -50.0))
    diff, growth = diff_erank(0.0, 1.0)
    assert diff == 1.0 and math.isnan(growth)


def test_weight_erank_from_singular_values():
    assert weight_erank(torch.eye(4)) == pytest.approx(4.0)
    # singular values 2, 1, 1 -> p = (1/2, 1/4, 1/4) -> exp(H) = 2 ** 1.5
    w = torch.diag(torch.tensor([2.0, 1.0, 1.0])) @ torch.linalg.qr(torch.randn(3, 3))[0]
    assert weight_erank(w) == pytest.approx(2**1.5, rel=1e-5)
    assert weight_erank(torch.zeros(3, 3)) == 0.0


class QuantLinear(torch.nn.Module):
    """Stand-in for a compressed-tensors layer: int8 or fp8 weight plus a scale (and zero point)."""

    def __init__(self, weight, scale, zero_point=None):
        super().__init__()
        self.weight = torch.nn.Parameter(weight, requires_grad=False)
        self.weight_scale = torch.nn.Parameter(scale, requires_grad=False)
        if zero_point is not None:
            self.weight_zero_point = torch.nn.Parameter(zero_point, requires_grad=False)


def test_quantised_weights_are_dequantised():
    q = torch.tensor([[1, -2, 3, 4], [5, 6, -7, 8]], dtype=torch.int8)
    per_channel = torch.tensor([[0.5], [2.0]])
    expected = q.float() * per_channel
    assert torch.allclose(layer_weight(QuantLinear(q, per_channel)), expected)
    zp = torch.tensor([[1], [0]], dtype=torch.int8)
    assert torch.allclose(layer_weight(QuantLinear(q, per_channel, zp)), (q.float() - zp.float()) * per_channel)
    grouped = torch.tensor([[1.0, 2.0], [3.0, 4.0]])  # group size 2 along the input dimension
    expected = q.float() * torch.tensor([[1.0, 1, 2, 2], [3, 3, 4, 4]])
    assert torch.allclose(layer_weight(QuantLinear(q, grouped)), expected)
    fp8 = torch.tensor([[0.5, -1.0], [2.0, 4.0]]).to(torch.float8_e4m3fn)
    assert torch.allclose(layer_weight(QuantLinear(fp8, torch.tensor(3.0))), torch.tensor([[1.5, -3.0], [6.0, 12.0]]))
    assert layer_weight(torch.nn.LayerNorm(4)) is None


def tiny_model(seed=0):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 8))


def test_weight_erank_per_layer_identical_and_pruned():
    original = tiny_model()
    rows = weight_erank_per_layer(original, original)
    assert [r["layer"] for r in rows] == ["0", "2"]
    assert all(r["erank_diff"] == 0.0 for r in rows)
    pruned = tiny_model()
    with torch.no_grad():
        pruned[0].weight[:, 4:] = 0.0  # input rank drops from 8 to 4
    rows = {r["layer"]: r for r in weight_erank_per_layer(original, pruned)}
    assert rows["0"]["erank_compressed"] < 4.0 + 1e-6 < rows["0"]["erank_original"]
    assert rows["2"]["erank_diff"] == 0.0


def test_lm_head_is_ignored_by_default():
    model = torch.nn.Module()
    model.proj = torch.nn.Linear(4, 4)
    model.lm_head = torch.nn.Linear(4, 10)
    assert [name for name, _ in dense_linear_weights(model)] == ["proj"]
    assert [name for name, _ in dense_linear_weights(model, ignore=())] == ["proj", "lm_head"]
