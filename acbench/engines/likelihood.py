"""Teacher-forced token scores of a transformers model: the engine side of acbench/likelihood/.

    scores = score_sequences(model, pad_id, [[1, 2, 3, 4]], starts=[2], batch_size=16)   # tokens 2 and 3
    scores[0].nll, scores[0].top1

Each sequence is scored from `start` on: token t's score comes from the logits at position t - 1. Three things
keep it cheap and exact:
- a sequence that is a prefix of another one (an agent's step k, prompt plus gold action, inside step k + 1's
  prompt) is read from the longer one's forward pass: causal attention gives the same logits at those positions;
- rows are right-padded: real tokens never see a pad and keep positions 0..n-1, so a batched row scores as it
  would alone (left padding would shift the positions of a plain forward);
- logits are computed only at the positions that are read: the output head is applied to each row's final
  hidden states at its own positions (models whose logits are head(hidden) alone; one that scales or soft-caps
  them runs its own forward with `logits_to_keep` at the batch's positions), in batches whose logits stay under
  LOGIT_ELEMENTS floats.
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


def plain_head(model):
    """(decoder, output head) when logits are just head(final normed hidden state), else None (a model that
    scales or soft-caps its logits, or has no decoder accessor, goes through its own forward)."""
    config = model.config.get_text_config(decoder=True) if hasattr(model.config, "get_text_config") else model.config
    if getattr(config, "final_logit_softcapping", None) or getattr(config, "logit_scale", None) not in (None, 1, 1.0):
        return None
    get_decoder = getattr(model, "get_decoder", None)
    decoder = get_decoder() if callable(get_decoder) else None
    head = model.get_output_embeddings()
    return (decoder, head) if decoder is not None and head is not None and decoder is not model else None


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
    split = plain_head(model)  # the head applied per row at its own positions; else logits at the batch's union
    out: list[ContinuationScore | None] = [None] * len(sequences)

    def run(batch: list[int]) -> None:
        logits_of = _forward_rows(model, pad_id, sequences, batch, needed, split)
        for i, h in enumerate(host):  # score now, so that one batch's logits are freed before the next
            if h in logits_of:
                positions = range(starts[i] - 1, len(sequences[i]) - 1)
                row = torch.stack([logits_of[h][p] for p in positions])
                out[i] = token_scores(row, torch.tensor(sequences[i][starts[i]:], dtype=torch.long))

    def logit_floats(batch: list[int]) -> int:
        if split is not None:
            return sum(len(needed[b]) for b in batch) * vocab
        return len(batch) * len(set().union(*(needed[b] for b in batch))) * vocab

    batch: list[int] = []
    for h in rows:
        grown = batch + [h]
        fits = (len(grown) <= batch_size and len(grown) * len(sequences[h]) <= TOKEN_BUDGET
                and logit_floats(grown) <= LOGIT_ELEMENTS)
        if batch and not fits:
            run(batch)
            grown = [h]
        batch = grown
    if batch:
        run(batch)
    return out  # type: ignore[return-value]


def _forward_rows(model, pad_id: int, sequences: list[list[int]], batch: list[int], needed: dict[int, set[int]],
                  split) -> dict[int, dict[int, torch.Tensor]]:
    """One right-padded forward of the rows `batch`; each row's logits at its `needed` positions, by position."""
    seqs = [sequences[b] for b in batch]
    width = max(len(s) for s in seqs)
    ids = torch.tensor([s + [pad_id] * (width - len(s)) for s in seqs], device=model.device)
    mask = torch.tensor([[1] * len(s) + [0] * (width - len(s)) for s in seqs], device=model.device)
    out: dict[int, dict[int, torch.Tensor]] = {}
    if split is not None:
        decoder, head = split
        hidden = decoder(input_ids=ids, attention_mask=mask, use_cache=False).last_hidden_state
        for row, h in enumerate(batch):
            keep = sorted(needed[h])
            logits = head(hidden[row, keep]).float().cpu()
            out[h] = {p: logits[k] for k, p in enumerate(keep)}
        return out
    keep = sorted(set().union(*(needed[b] for b in batch)))
    if _accepts_logits_to_keep(model):
        index = torch.tensor(keep, device=model.device)
        logits = model(input_ids=ids, attention_mask=mask, logits_to_keep=index, use_cache=False).logits
    else:
        logits = model(input_ids=ids, attention_mask=mask, use_cache=False).logits[:, keep]
    logits = logits.float().cpu()
    column = {p: k for k, p in enumerate(keep)}
    return {h: {p: logits[row, column[p]] for p in needed[h]} for row, h in enumerate(batch)}


@torch.inference_mode()
def score_through_cache(model, prompts: list[list[int]], references: list[list[int]],
                        kv_bits: str) -> list[ContinuationScore]:
    """References scored as generation under an N-bit KV cache sees them: each prompt prefilled in one step,
    then each reference token fed alone, reading the earlier tokens from the quantized cache. The rows go
    side by side (the cache quantizes each row's key and value vectors on their own, so rows do not mix); they
    must share one prompt length and one reference length (perplexity windows do; gold items go one by one)."""
    from acbench.engines.kv import quantized_cache

    if len({len(p) for p in prompts}) > 1 or len({len(r) for r in references}) > 1:
        raise ValueError("score_through_cache scores rows of one prompt length and one reference length")
    cache = quantized_cache(model, kv_bits)
    start = len(prompts[0])
    ids = torch.tensor([p + r for p, r in zip(prompts, references)], device=model.device)
    out = model(input_ids=ids[:, :start], past_key_values=cache, use_cache=True)
    logits = [out.logits[:, -1].float()]
    for t in range(start, ids.shape[1] - 1):
        out = model(input_ids=ids[:, t : t + 1], past_key_values=out.past_key_values, use_cache=True)
        logits.append(out.logits[:, -1].float())
    steps = torch.stack(logits, dim=1).cpu()  # rows x reference tokens x vocabulary
    return [token_scores(steps[row], torch.tensor(reference, dtype=torch.long))
            for row, reference in enumerate(references)]


def perplexity_windows(ids: list[int], window: int, max_windows: int | None = None) -> list[list[int]]:
    """Consecutive non-overlapping windows of `window` tokens (GPTQ's `nsamples = numel // seqlen`), the tail
    shorter than a window dropped; the first `max_windows` of them (None: all)."""
    if window < 2:
        raise ValueError(f"a perplexity window needs at least 2 tokens, got {window}")
    count = len(ids) // window
    if max_windows is not None:
        count = min(count, max_windows)
    return [list(ids[k * window : (k + 1) * window]) for k in range(count)]
