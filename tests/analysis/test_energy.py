"""Energy per position and the early/late buckets."""

import math

import pytest
import torch

from acbench.analysis.energy import energy, position_buckets, position_index


def test_energy_of_uniform_logits_is_minus_log_vocab():
    e = energy(torch.zeros(2, 3, 50))
    assert torch.allclose(e, torch.full((2, 3), -math.log(50)))


def test_energy_with_temperature_and_shift():
    logits = torch.tensor([[1.0, 2.0, 3.0]])
    expected = -2.0 * math.log(sum(math.exp(x / 2.0) for x in (1, 2, 3)))
    assert energy(logits, temperature=2.0).item() == pytest.approx(expected, rel=1e-6)
    # A constant added to every logit moves the energy by exactly minus that constant.
    assert (energy(logits + 5.0) - energy(logits)).item() == pytest.approx(-5.0, abs=1e-5)
    assert energy(logits.to(torch.bfloat16)).dtype == torch.float32
    with pytest.raises(ValueError, match="temperature"):
        energy(logits, temperature=0.0)


def test_buckets_count_real_tokens_only():
    left = torch.tensor([[0, 0, 1, 1, 1], [1, 1, 1, 1, 1]], dtype=torch.bool)
    assert position_index(left).tolist() == [[-1, -1, 0, 1, 2], [0, 1, 2, 3, 4]]
    assert position_buckets(left).tolist() == [
        ["", "", "early", "late", "late"],
        ["early", "early", "late", "late", "late"],
    ]
    right = torch.tensor([[1, 1, 1, 1, 0, 0], [1, 0, 0, 0, 0, 0]], dtype=torch.bool)
    assert position_buckets(right).tolist() == [
        ["early", "early", "late", "late", "", ""],
        ["late", "", "", "", "", ""],  # a single token is "late"
    ]
