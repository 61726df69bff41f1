"""Pure math of the likelihood measures, on hand-computed token scores."""

from __future__ import annotations

import math

import pytest

from acbench.engines.base import ContinuationScore
from acbench.likelihood.scores import best_reference, mean_nll, perplexity, pool_steps


def score(*nll, top1=None):
    return ContinuationScore(tuple(nll), tuple(top1 if top1 is not None else [False] * len(nll)))


def test_steps_pool_by_tokens_not_by_step():
    # step 1: 2 tokens, NLL 1 and 3; step 2: 1 token, NLL 5 -> (1 + 3 + 5) / 3, not mean(2, 5) = 3.5
    item = pool_steps([score(1.0, 3.0, top1=[True, False]), score(5.0, top1=[True])])
    assert item.gold_nll == pytest.approx(3.0)
    assert item.gold_top1 == pytest.approx(2 / 3)
    assert item.tokens == 3


def test_best_reference_is_the_lowest_mean_nll_per_token():
    long_but_likely = score(0.5, 0.5, 0.5, 0.5)  # total 2.0, mean 0.5
    short_unlikely = score(1.5)  # total 1.5, mean 1.5
    assert best_reference([short_unlikely, long_but_likely]) is long_but_likely
    assert best_reference([score(1.0), score(1.0, 1.0)]).tokens == 1  # a tie keeps the first


def test_perplexity_is_exp_of_the_mean_window_nll():
    assert perplexity([score(1.0, 3.0), score(2.0, 2.0)]) == pytest.approx(math.exp(2.0))
    assert mean_nll(score(1.0, 2.0)) == 1.5


def test_empty_input_is_an_error():
    with pytest.raises(ValueError):
        pool_steps([score()])
    with pytest.raises(ValueError):
        best_reference([])
    with pytest.raises(ValueError):
        perplexity([])
