"""Teacher-forced token scores of a transformers model: the engine side of acbench/likelihood/.

    scores = score_sequences(model, pad_id, [[1, 2, 3, 4]], starts=[2], batch_size=16)   # tokens 2 and 3
    scores[0].nll, scores[0].top1

Each sequence is scored from `start` on: token t's score comes from the logits at position t - 1. Three things
keep it cheap and exact:
- a sequence that is a prefix of another one (an agent's step k, prompt plus gold action, inside step k + 1's
  prompt) is read from the longer one's forward pass: causal attention gives the same logits at those positions;
- rows are right-padded: real tokens never see a pad and keep positions 0..n-1, so a batched row scores as it
  would alone (left padding would shift the positions of a plain forward);
- logits are computed only at the positions that are read (`logits_to_keep`, where the model takes it), in
  batches whose logits stay under LOGIT_ELEMENTS floats.
"""

from __future__ import annotations

import inspect

import torch

from acbench.engines.base import ContinuationScore

LOGIT_ELEMENTS = 2**28  # floats of logits one forward may hold (1 GiB in float32)
TOKEN_BUDGET = 32_768  # padded tokens per forward (activations)


def token_scores(logits: torch.Tensor, targets: torch.Tensor) -> ContinuationScore:
    """Scores of `targets` (n) from the logits that predict them (n x vocab): -log softmax and argmax hits."""
    logprobs = torch.log_softmax(logits.float(), dim=-1)
    nll = -logprobs.gather(-1, targets.reshape(-1, 1)).squeeze(-1)
    top1 = logits.argmax(dim=-1) == targets
    return ContinuationScore(tuple(nll.tolist()), tuple(bool(x) for x in top1.tolist()))


def share_prefixes(sequences: list[list[int]]) -> list[int]:
    """For each sequence, the index of a sequence whose forward pass scores it: one that has it as a prefix
    (itself when none does).

    In lexicographic order a prefix sorts right before the sequences that extend it, so walking the sorted
    sequences backwards, a sequence that heads its successor takes that successor's host: O(n log n) compares.
    """
    order = sorted(range(len(sequences)), key=lambda i: sequences[i])
    host = list(range(len(sequences)))
    for here, after in zip(reversed(order[:-1]), reversed(order[1:])):
        seq, nxt = sequences[here], sequences[after]
        if len(seq) <= len(nxt) and nxt[: len(seq)] == seq:
            host[here] = host[after]
    return host


def _accepts_logits_to_keep(model) -> bool:
    return "logits_to_keep" in inspect.signature(model.forward).parameters


@torch.inference_mode()
def score_sequences(model, pad_id: int, sequences: list[list[int]], starts: list[int],
                    batch_size: int = 16) -> list[ContinuationScore]:
    """Scores of `sequences[i][starts[i]:]` (each start >= 1) under a plain forward of the model."""
    if any(s < 1 or s >= len(q) for q, s in zip(sequences, starts)):
        raise ValueError("every start must be in 1..len(sequence) - 1: the first token has no logits to score "
                         "it, and an empty continuation has nothing to score")
    host = share_prefixes(sequences)
    needed: dict[int, set[int]] = {}  # host row -> positions whose logits are read
    for i, h in enumerate(host):
        needed.setdefault(h, set()).update(range(starts[i] - 1, len(sequences[i]) - 1))
    rows = sorted(needed, key=lambda h: len(sequences[h]))
    vocab = model.get_output_embeddings().weight.shape[0]
    out: list[ContinuationScore | None] = [None] * len(sequences)

    def run(batch: list[int], union: set[int]) -> None:
        logits_of = _forward_rows(model, pad_id, [sequences[b] for b in batch], batch, union)
        for i, h in enumerate(host):  # score now, so that one batch's logits are freed before the next
            if h in logits_of:
                positions = range(starts[i] - 1, len(sequences[i]) - 1)
                row = torch.stack([logits_of[h][p] for p in positions])
                out[i] = token_scores(row, torch.tensor(sequences[i][starts[i]:], dtype=torch.long))

    batch: list[int] = []
    union: set[int] = set()
    for h in rows:
        grown = union | needed[h]
        fits = (len(batch) < batch_size and (len(batch) + 1) * len(sequences[h]) <= TOKEN_BUDGET
                and (len(batch) + 1) * len(grown) * vocab <= LOGIT_ELEMENTS)
        if batch and not fits:
            run(batch, union)
            batch, grown = [], set(needed[h])
        batch.append(h)
        union = grown
    if batch:
        run(batch, union)
    return out  # type: ignore[return-value]


def _forward_rows(model, pad_id: int, seqs: list[list[int]], hosts: list[int],
                  positions: set[int]) -> dict[int, dict[int, torch.Tensor]]:
    """One right-padded forward; the logits at `positions` of each row, keyed by host index and position."""
    width = max(len(s) for s in seqs)
    ids = torch.tensor([s + [pad_id] * (width - len(s)) for s in seqs], device=model.device)
    mask = torch.tensor([[1] * len(s) + [0] * (width - len(s)) for s in seqs], device=model.device)
    keep = sorted(p for p in positions if p < width)
    if _accepts_logits_to_keep(model):
        index = torch.tensor(keep, device=model.device)
        logits = model(input_ids=ids, attention_mask=mask, logits_to_keep=index, use_cache=False).logits
    else:
        logits = model(input_ids=ids, attention_mask=mask, use_cache=False).logits[:, keep]
    logits = logits.float().cpu()
    column = {p: k for k, p in enumerate(keep)}
    return {h: {p: logits[row, column[p]] for p in keep if p < len(seqs[row]) - 1}
            for row, h in enumerate(hosts)}


@torch.inference_mode()
def score_through_cache(model, prompt: list[int], reference: list[int], kv_bits: str) -> ContinuationScore:
    """A reference scored as generation under an N-bit KV cache sees it: the prompt prefilled in one step, then
    each reference token fed alone, reading the earlier tokens from the quantized cache."""
    from acbench.engines.kv import quantized_cache

    cache = quantized_cache(model, kv_bits)
    ids = torch.tensor([prompt + reference], device=model.device)
    out = model(input_ids=ids[:, : len(prompt)], past_key_values=cache, use_cache=True)
    logits = [out.logits[0, -1].float()]
    for t in range(len(prompt), len(prompt) + len(reference) - 1):
        out = model(input_ids=ids[:, t : t + 1], past_key_values=out.past_key_values, use_cache=True)
        logits.append(out.logits[0, -1].float())
    return token_scores(torch.stack(logits).cpu(), torch.tensor(reference, dtype=torch.long))


def perplexity_windows(ids: list[int], window: int, max_windows: int | None = None) -> list[list[int]]:
    """Consecutive non-overlapping windows of `window` tokens (GPTQ's `nsamples = numel // seqlen`), the tail
    shorter than a window dropped; the first `max_windows` of them (None: all)."""
    if window < 2:
        raise ValueError(f"a perplexity window needs at least 2 tokens, got {window}")
    count = len(ids) // window
    if max_windows is not None:
        count = min(count, max_windows)
    return [list(ids[k * window : (k + 1) * window]) for k in range(count)]
