"""Pure math of the likelihood measures: token scores -> an item's gold NLL and top-1, windows -> perplexity.

    item = pool_steps([best_reference(step_scores) for step_scores in steps])   # ItemLikelihood
    item.gold_nll, item.gold_top1, item.tokens
    perplexity([window_scores, ...])          # exp(mean over windows of each window's mean NLL)

Conventions (README "Gold likelihood and perplexity"):
- gold NLL is the mean negative log-likelihood per reference token, in nats; gold top-1 the fraction of
  reference tokens that are the model's argmax at their position;
- an item of several steps (an agent's trajectory) pools its steps' tokens: total NLL over total tokens;
- a step with several references (LongBench's answers) takes the *best* one, the reference with the lowest
  mean NLL, as LongBench's scorer takes the best-matching answer;
- perplexity is exp of the mean over windows of the window's mean token NLL (GPTQ's `ppl`: every window has
  the same length, so this is also exp of the mean over all scored tokens).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from acbench.engines.base import ContinuationScore


@dataclass(frozen=True)
class ItemLikelihood:
    """One item's gold likelihood: mean NLL per reference token (nats), top-1 rate, and the token count."""

    gold_nll: float
    gold_top1: float
    tokens: int


def mean_nll(score: ContinuationScore) -> float:
    if not score.nll:
        raise ValueError("a continuation without tokens has no mean NLL")
    return math.fsum(score.nll) / len(score.nll)


def best_reference(scores: list[ContinuationScore]) -> ContinuationScore:
    """The reference the model finds most likely per token (lowest mean NLL; the first on a tie)."""
    if not scores:
        raise ValueError("a step needs at least one scored reference")
    return min(scores, key=mean_nll)


def pool_steps(steps: list[ContinuationScore]) -> ItemLikelihood:
    """Token-weighted pooling of an item's steps: sum of token NLLs over the number of tokens."""
    tokens = sum(s.tokens for s in steps)
    if tokens == 0:
        raise ValueError("an item without reference tokens has no gold likelihood")
    nll = math.fsum(x for s in steps for x in s.nll) / tokens
    top1 = sum(sum(s.top1) for s in steps) / tokens
    return ItemLikelihood(nll, top1, tokens)


def perplexity(windows: list[ContinuationScore]) -> float:
    """exp(mean over windows of the window's mean NLL)."""
    if not windows:
        raise ValueError("no perplexity without a scored window")
    return math.exp(math.fsum(mean_nll(w) for w in windows) / len(windows))
