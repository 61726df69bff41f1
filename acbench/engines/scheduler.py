"""Continuous batching with prefix reuse for the transformers engine (used by `HFEngine.generate`).

    from acbench.engines.scheduler import PrefixStore, Scheduler, unsupported_reason
    scheduler = Scheduler(model, tokenizer, batch_size=16, store=PrefixStore(16384))
    token_ids = scheduler.run(prompt_ids, requests)        # one list of generated ids per request

How it works. Up to `batch_size` rows decode together, one token per step, through the model's forward and a
transformers `DynamicCache`. A row leaves the batch as soon as it emits an EOS token, reaches its
`max_new_tokens` or its generated text contains one of its stop strings; a waiting request then takes its
place: its prompt is prefilled on its own (with the other newcomers of that step), and its cache is joined to
the running one. Rows of one batch may have different settings (max_new_tokens, stop, temperature, seed).

Padding. Every row's cache lives in one tensor per layer, `[rows, heads, width, head_dim]`, with a 0/1
`mask` of the same width: caches are left-padded to a common width when joined, and a prefill that reuses a
cached prefix has padding between the prefix and the new tokens. Padding columns hold zero keys and values,
are masked out of attention, and a token's position id is the number of real tokens before it (the mask's
cumsum), so no padding anywhere shifts a position. Columns that no remaining row uses are dropped when rows
leave. Logits differ from one-at-a-time `model.generate`'s by float noise only (summation order, as in any
batched run; < 1e-4 on the tiny model, tested), so greedy outputs are the same unless two tokens tie to
within that noise; tested equal on the tiny model and on SmolLM2. Waiting requests are taken shortest
prompt first and join as soon as a place is free; newcomers of very different lengths are prefilled in
separate forwards (`similar_lengths`), since padding a 250-token prompt to 1,000 tokens costs real compute.

Sampling (temperature > 0). Each request draws from its own `torch.Generator` seeded with `request.seed`, so
a sampled output depends only on its request (prompt, settings, seed), not on which requests share its batch
or in which order they run. These draws differ from `model.generate`'s, which share one global generator
across the batch: sampled outputs of the padded path and of this scheduler are not the same strings.

Prefix reuse (`PrefixStore`). Keys and values of a token sequence depend only on the tokens before them, so
the cache of a prompt's head can be reused by any prompt that starts with the same token ids (matched by
ids, never by text). The store is an LRU of (token ids, one row's keys/values), bounded by a total token
budget (`prefix_cache_tokens`; 0 turns reuse off). Its default, `default_prefix_tokens`, is as many tokens
as 1 GiB holds (a token takes 2 x layers x kv_heads x head_dim x dtype bytes), at most 16,384: 16,384 for
SmolLM2-135M in float32 (45 KB a token, 755 MB full), 8,192 for an 8B Llama in bf16 (128 KB a token). When
the live episodes' histories exceed it, the least recently used are dropped and those turns prefill in full.
Two uses:
- within one `run`, prompts that share a head of at least `PREFIX_MIN_TOKENS` tokens (few-shot examples,
  tool descriptions, instructions) get that head prefilled once, before the requests start;
- every finished row is stored (prompt + generated tokens), so the next turn of a multi-turn episode, whose
  prompt starts with this turn's prompt and output, prefills only the new tokens. A stored sequence that is
  a prefix of a newer one is dropped (the newer one covers it). Where the agent loop trims an old turn out
  of a history that outgrew the context, only the head up to the cut (system prompt, task) is reused.
A request reuses the longest stored common prefix, at most its prompt minus one token (the last prompt token
must run to give the first output's logits), and only from `PREFIX_MIN_TOKENS` tokens up. Reused keys and
values were computed in a different batch shape than a fresh prefill would compute them, so logits differ by
float noise (< 1e-4 on the tiny test model); greedy outputs are tested equal to the no-reuse path.

Limits. Only models whose `DynamicCache` layers are all plain full-attention `DynamicLayer`s (Llama, Qwen2,
Mistral without sliding window, ...) and whose generation config adds no logits processor this loop does not
apply (repetition penalty, n-gram blocking, forced or suppressed tokens, ...); `unsupported_reason` says
why a model is not, and the engine then uses its padded `model.generate` path. The N-bit KV caches of
acbench/engines/kv.py (`new_cache`) run through the scheduler WITHOUT prefix reuse: their layers store
keys/values already rounded, which join and split like any others (a quantization group never spans two
tokens or rows), but a reused prefix would be read back at N bits where a fresh prefill reads its own
tokens at full precision, which would change what `kv_bits` measures. Prefill of newcomers is not chunked:
a long prompt joins in one forward pass (bounded by the engine's max_context).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch
from transformers.cache_utils import Cache, DynamicCache, DynamicLayer

from acbench.engines.base import ContinuationScore
from acbench.engines.hf_contract import check_cache_layers
from acbench.engines.likelihood import token_scores

from acbench.engines.prefix import (
    DEFAULT_PREFIX_CACHE_TOKENS,
    PREFIX_MIN_TOKENS,
    Layers,
    PrefixStore,
    default_prefix_tokens,
    shared_heads,
)

__all__ = ["DEFAULT_PREFIX_CACHE_TOKENS", "PREFIX_MIN_TOKENS", "PrefixStore", "Scheduler", "default_prefix_tokens",
           "shared_heads", "unsupported_reason"]

# Generation-config fields whose non-default value adds a logits processor this loop does not implement.
_UNSUPPORTED_GENERATION = {
    "repetition_penalty": 1.0, "no_repeat_ngram_size": 0, "encoder_no_repeat_ngram_size": 0,
    "bad_words_ids": None, "suppress_tokens": None, "begin_suppress_tokens": None, "forced_bos_token_id": None,
    "forced_eos_token_id": None, "sequence_bias": None, "min_length": 0, "min_new_tokens": None,
    "exponential_decay_length_penalty": None, "guidance_scale": None, "renormalize_logits": False,
}


def unsupported_reason(model) -> str | None:
    """Why this model cannot run through the scheduler (None when it can)."""
    if getattr(model.config, "is_encoder_decoder", False):
        return "encoder-decoder model"
    takes = inspect.signature(model.forward).parameters
    for name in ("attention_mask", "position_ids", "past_key_values", "logits_to_keep"):
        if name not in takes:  # remote-code models may lack one; positions and masks are how rows are joined
            return f"its forward takes no {name}"
    layers = DynamicCache(config=model.config).layers
    if not layers or any(type(layer) is not DynamicLayer for layer in layers):
        kinds = sorted({type(layer).__name__ for layer in layers}) or ["none"]
        return f"cache layers {', '.join(kinds)} (only full-attention DynamicLayer is joined and split)"
    config = model.generation_config
    for name, default in _UNSUPPORTED_GENERATION.items():
        value = getattr(config, name, default)
        if value is not None and value != default:
            return f"generation config sets {name}={value!r}"
    return None


@dataclass
class _Row:
    index: int  # position in the caller's request list
    prompt: list[int]
    max_new_tokens: int
    stop: tuple[str, ...]
    temperature: float
    generator: torch.Generator | None
    generated: list[int] = field(default_factory=list)
    done: bool = False
    logits: list[torch.Tensor] = field(default_factory=list)  # only with keep_logits (tests)


# A prefill batch grows while its padded area stays within this factor of its real tokens: on a CPU the
# prefill is compute-bound; the quick needle grid (250- to 1,000-token prompts) took 23.8 s on SmolLM2 here
# with its 9 prompts prefilled in one forward and 20.3 s grouped (medians of 3, identical answers).
PREFILL_PADDING_SLACK = 1.25
SCORE_LOGITS = 2**27  # floats of logits one scoring forward may hold (512 MiB in float32)


def similar_lengths(lengths: Sequence[int], slack: float = PREFILL_PADDING_SLACK) -> list[range]:
    """Split prompts sorted by length into consecutive groups, each prefilled in one forward, so that a group's
    padded area (rows x its longest prompt) is at most `slack` times its real tokens."""
    groups: list[range] = []
    start, total = 0, 0
    for k, n in enumerate(lengths):
        if k > start and (k - start + 1) * n > slack * (total + n):
            groups.append(range(start, k))
            start, total = k, 0
        total += n
    if lengths:
        groups.append(range(start, len(lengths)))
    return groups


# Spare columns a cache buffer gets when it is (re)allocated: a quarter of its width, at least 64, so a row
# decoding a few hundred tokens copies its cache once or twice instead of at every step.
CACHE_HEADROOM = 0.25


class GrowingLayer(DynamicLayer):
    """A full-attention cache layer that appends in place into a buffer with spare columns, where
    `DynamicLayer` copies the whole cache at every step (`torch.cat`: on SmolLM2 over T-Eval's 1,500-token
    prompts that took a tenth of generation). `keys`/`values` are leading views of the layer's own buffers.
    A buffer is written only past the end of the view this layer handed out last, and only while that view is
    still its `keys`/`values` (identity): keys set from outside (a joined or selected batch) are copied into a
    new buffer first, so no tensor the layer did not make is ever written."""

    def lazy_initialization(self, key_states: torch.Tensor, value_states: torch.Tensor) -> None:
        super().lazy_initialization(key_states, value_states)
        self.buffers: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}  # name -> (buffer, the view handed out)

    def update(self, key_states, value_states, *args, **kwargs):
        if not self.is_initialized:
            self.lazy_initialization(key_states, value_states)
        self.keys = self._append("keys", key_states)
        self.values = self._append("values", value_states)
        return self.keys, self.values

    def _append(self, name: str, new: torch.Tensor) -> torch.Tensor:
        cached = getattr(self, name)
        width = cached.shape[-2] if cached.dim() == 4 else 0
        total = width + new.shape[-2]
        buffer, view = self.buffers.get(name, (None, None))
        if buffer is None or cached is not view or buffer.shape[-2] < total:
            buffer = new.new_empty(*new.shape[:2], total + max(64, int(total * CACHE_HEADROOM)), new.shape[-1])
            if width:
                buffer[:, :, :width] = cached
        buffer[:, :, width:total] = new
        view = buffer[:, :, :total]
        self.buffers[name] = (buffer, view)
        return view


def growing_cache(config) -> Cache:
    """A cache of `GrowingLayer`s, one per decoder layer (the scheduler's default cache; unsupported_reason
    made sure the model's own cache would be all plain `DynamicLayer`s)."""
    check_cache_layers()
    layers = len(DynamicCache(config=config).layers)
    return Cache(layers=[GrowingLayer() for _ in range(layers)])


def _pad_left(t: torch.Tensor, n: int) -> torch.Tensor:
    """`n` zero columns before the sequence axis (-2) of a keys/values tensor."""
    if n == 0:
        return t
    return torch.cat([t.new_zeros(*t.shape[:-2], n, t.shape[-1]), t], dim=-2)


class Scheduler:
    """Continuous batching over one model (see the module docstring)."""

    def __init__(self, model, tokenizer, batch_size: int = 16, store: PrefixStore | None = None,
                 new_cache: Callable[[], object] | None = None):
        """`new_cache` makes an empty cache for one forward (default: `growing_cache`, appending in place); the N-bit
        caches of acbench/engines/kv.py plug in here, and then a prefix store must not be given."""
        check_cache_layers()  # joins and splits set cache layers' keys/values directly
        self.model, self.tokenizer, self.batch_size, self.store = model, tokenizer, batch_size, store
        self.new_cache = new_cache or (lambda: growing_cache(model.config))
        # The default cache's layers keep spare columns: the cache object of the last forward is used again
        # while the running layers are still the tensors it returned (decode steps, not joins or selections).
        self.keep_cache = new_cache is None
        # Under an N-bit cache a scored reference is fed token by token (as generation reads it), not in one forward.
        self.feed_one_by_one = new_cache is not None
        self._last_cache = None
        eos = model.generation_config.eos_token_id
        eos = eos if eos is not None else tokenizer.eos_token_id
        self.eos = set(eos if isinstance(eos, (list, tuple)) else [eos])
        self.pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else next(iter(self.eos))
        self.device = model.device

    # -- the loop ---------------------------------------------------------------------------------
    @torch.inference_mode()
    def run(self, prompts: Sequence[list[int]], requests: Sequence,
            on_done: Callable[[int, list[int]], None] | None = None,
            keep_logits: bool = False) -> list[list[int]]:
        """Generated token ids (EOS included, as `generate` returns them) for each request, in order.

        `requests` supply the settings (max_new_tokens, stop, temperature, seed); `on_done(i, ids)` is called
        when request i finishes, with its generated ids; `keep_logits` keeps each row's float32 logits per step in `self.logits` (tests).
        """
        if any(len(p) == 0 for p in prompts):
            raise ValueError("a prompt has no tokens: nothing to condition the first output token on")
        results: list[list[int] | None] = [None] * len(prompts)
        self.logits: dict[int, list[torch.Tensor]] = {}
        waiting = []
        for i, (prompt, r) in enumerate(zip(prompts, requests)):
            if r.max_new_tokens <= 0:
                results[i] = []
                if on_done:
                    on_done(i, [])
                continue
            sample = r.temperature > 0
            gen = torch.Generator(device="cpu").manual_seed(r.seed) if sample else None
            waiting.append(_Row(i, list(prompt), r.max_new_tokens, tuple(s for s in r.stop if s), r.temperature, gen))
        waiting.sort(key=lambda row: len(row.prompt))  # shortest first (less padding); ties keep their order
        if self.store is not None:
            self._prefill_heads([row.prompt for row in waiting])

        rows: list[_Row] = []
        layers: Layers = []
        mask = torch.zeros(0, 0, dtype=torch.long, device=self.device)
        while rows or waiting:
            if waiting and len(rows) < self.batch_size:
                # A free place is filled at once: one extra (prefill) forward per newcomer group, while the
                # running rows wait a step, costs less than keeping the place empty until the batch drains.
                free = self.batch_size - len(rows)
                stepped, waiting = waiting[:free], waiting[free:]
                parts = []
                for group in similar_lengths([len(row.prompt) for row in stepped]):  # consecutive slices, in order
                    new_layers, new_mask, part = self._prefill([stepped[k].prompt for k in group])
                    layers, mask = self._join(layers, mask, new_layers, new_mask)
                    parts.append(part)
                logits = torch.cat(parts)
                rows += stepped
            else:
                stepped = rows
                logits = self._decode_step(rows, layers, mask)
                mask = torch.cat([mask, mask.new_ones(len(rows), 1)], dim=1)
            self._advance(stepped, logits, keep_logits)
            for row in stepped:
                row.done = self._finished(row)
            if any(row.done for row in stepped):
                for k, row in enumerate(rows):
                    if not row.done:
                        continue
                    results[row.index] = row.generated
                    if keep_logits:
                        self.logits[row.index] = row.logits
                    if self.store is not None:
                        self._store_row(k, row, layers, mask)
                    if on_done:
                        on_done(row.index, row.generated)
                keep = [k for k, row in enumerate(rows) if not row.done]
                rows = [rows[k] for k in keep]
                layers, mask = self._select(layers, mask, keep)
        self._last_cache = None  # its buffers are not needed past this run
        return results  # type: ignore[return-value]

    def _advance(self, rows: list[_Row], logits: torch.Tensor, keep_logits: bool) -> None:
        """Pick each row's next token from its logits (float32): argmax, or a draw from its own generator."""
        greedy = logits.argmax(dim=-1).tolist()
        for k, row in enumerate(rows):
            if row.generator is None:
                token = greedy[k]
            else:
                probs = torch.softmax(logits[k] / row.temperature, dim=-1).cpu()
                token = int(torch.multinomial(probs, 1, generator=row.generator))
            row.generated.append(token)
            if keep_logits:
                row.logits.append(logits[k].cpu())

    def _finished(self, row: _Row) -> bool:
        if row.generated[-1] in self.eos or len(row.generated) >= row.max_new_tokens:
            return True
        if row.stop:  # only the generated text counts: a stop formed with the prompt's end must not fire
            text = self.tokenizer.decode(row.generated, skip_special_tokens=True)
            return any(s in text for s in row.stop)
        return False

    # -- model calls ------------------------------------------------------------------------------
    def _forward(self, input_ids: torch.Tensor, layers: Layers, mask: torch.Tensor, positions: torch.Tensor,
                 keep: int = 1):
        """One forward over `input_ids` after the cached `layers`; returns (new layers, float32 logits of the last
        position, or of the last `keep` positions as [rows, keep, vocab] when keep > 1)."""
        cache = self._last_cache
        if cache is None or not layers or any(layer.keys is not k or layer.values is not v
                                              for layer, (k, v) in zip(cache.layers, layers)):
            # A cache object around the running tensors, no copy: the forward appends this step's keys/values.
            cache = self.new_cache()
            for layer, (k, v) in zip(cache.layers, layers):
                layer.lazy_initialization(k, v)
                layer.keys, layer.values = k, v
        out = self.model(input_ids=input_ids, attention_mask=mask, position_ids=positions, past_key_values=cache,
                         use_cache=True, logits_to_keep=keep)
        self._last_cache = out.past_key_values if self.keep_cache else None
        new = [(layer.keys, layer.values) for layer in out.past_key_values.layers]
        return new, (out.logits[:, -1] if keep == 1 else out.logits).float()

    def _decode_step(self, rows: list[_Row], layers: Layers, mask: torch.Tensor) -> torch.Tensor:
        last = torch.tensor([[row.generated[-1]] for row in rows], device=self.device)
        positions = mask.sum(dim=1, keepdim=True)  # real tokens before this one
        new, logits = self._forward(last, layers, torch.cat([mask, mask.new_ones(len(rows), 1)], dim=1), positions)
        layers[:] = new
        return logits

    def _prefill(self, prompts: list[list[int]], keep: int = 1,
                 reuse_limits: Sequence[int] | None = None) -> tuple[Layers, torch.Tensor, torch.Tensor]:
        """Keys/values, mask and logits (of the last position, or of the last `keep`) of `prompts`, reusing stored
        prefixes of at most `reuse_limits[i]` tokens (default: all of the prompt but its last token).

        Layout of row i: [pad, reused prefix (k_i tokens) | pad, rest of the prompt], the cached part left-padded
        to the longest reused prefix K and the new part to the longest rest S.
        """
        reuse = [self._reuse(prompt, len(prompt) - 1 if reuse_limits is None else reuse_limits[i])
                 for i, prompt in enumerate(prompts)]
        K = max(n for _, n in reuse)
        S = max(len(p) - n for p, (_, n) in zip(prompts, reuse))
        past: Layers = []
        if K:
            some = next(entry for entry, _ in reuse if entry is not None)
            for layer, (ref_k, ref_v) in enumerate(some.layers):
                keys, values = [], []
                for entry, n in reuse:  # a row without a reused prefix gets K padding columns
                    k, v = entry.layers[layer] if entry is not None else (ref_k[:, :, :0], ref_v[:, :, :0])
                    keys.append(_pad_left(k[:, :, :n], K - n))
                    values.append(_pad_left(v[:, :, :n], K - n))
                past.append((torch.cat(keys), torch.cat(values)))
            if self.store is not None:
                self.store.hits += sum(1 for _, n in reuse if n)
                self.store.reused_tokens += sum(n for _, n in reuse)
        ids = [[self.pad] * (S - len(p) + n) + p[n:] for p, (_, n) in zip(prompts, reuse)]
        mask = [[0] * (K - n) + [1] * n + [0] * (S - len(p) + n) + [1] * (len(p) - n)
                for p, (_, n) in zip(prompts, reuse)]
        input_ids = torch.tensor(ids, device=self.device)
        mask_t = torch.tensor(mask, device=self.device)
        positions = (mask_t.cumsum(dim=1) - 1).clamp(min=0)[:, K:]
        layers, logits = self._forward(input_ids, past, mask_t, positions, keep)
        # Zero the padding columns: a padding query may attend to nothing, and NaN there must not leak into
        # later steps through 0 * NaN in the attention product.
        drop = ~mask_t.bool()[:, None, :, None]
        for k, v in layers:  # in place: the buffers keep their spare columns for the decode steps
            k.masked_fill_(drop, 0)
            v.masked_fill_(drop, 0)
        return layers, mask_t, logits

    # -- teacher forcing (gold likelihood, perplexity) ------------------------------------------
    @torch.inference_mode()
    def score(self, prompts: Sequence[list[int]], references: Sequence[list[int]]) -> list[ContinuationScore]:
        """Teacher-forced scores of each reference right after its prompt, through the caches generation uses.

        With a prefix store, a prompt whose keys/values generation left there (the same prompt, just generated
        from) is not prefilled again: only its last token and the reference run, in one forward; heads that
        several prompts share are prefilled once first. Without a store (an N-bit KV cache), the prompt is
        prefilled in one step and the reference fed one token at a time, each reading the earlier ones back from
        the cache as generation does. Rows go side by side either way: they never attend to one another.
        """
        if any(not p for p in prompts) or any(not r for r in references):
            raise ValueError("every prompt and every reference needs at least one token")
        sequences = [list(p) + list(r) for p, r in zip(prompts, references)]
        if self.store is not None:
            self._prefill_heads(sequences)
        # Rows are grouped by the tokens that will run (after the reused prefix), so that a short reference does
        # not pad up to a long one's length.
        runs = [len(s) - self._reuse(s, len(p) - 1)[1] for s, p in zip(sequences, prompts)]
        order = sorted(range(len(sequences)), key=lambda i: runs[i])
        out: list[ContinuationScore | None] = [None] * len(sequences)
        for group in similar_lengths([runs[i] for i in order]):
            batch: list[int] = []
            for i in (order[k] for k in group):
                longest = max([len(references[b]) for b in batch + [i]]) + 1
                if batch and (len(batch) == self.batch_size or (len(batch) + 1) * longest * self._vocab() > SCORE_LOGITS):
                    self._score_batch(batch, prompts, references, out)
                    batch = []
                batch.append(i)
            if batch:
                self._score_batch(batch, prompts, references, out)
        self._last_cache = None
        return out  # type: ignore[return-value]

    def _reuse(self, tokens: list[int], limit: int) -> tuple[object | None, int]:
        """The stored entry `_prefill` reads a prefix of `tokens` from, and that prefix's length (at most `limit`;
        (None, 0) below PREFIX_MIN_TOKENS or without a store)."""
        entry, n = self.store.longest(tokens) if self.store is not None else (None, 0)
        n = min(n, limit)
        return (entry, n) if n >= PREFIX_MIN_TOKENS else (None, 0)

    def _vocab(self) -> int:
        return self.model.get_output_embeddings().weight.shape[0]

    def _score_batch(self, batch: list[int], prompts, references, out: list) -> None:
        refs = [list(references[i]) for i in batch]
        if not self.feed_one_by_one:  # prompt and reference in one forward; logits where reference tokens are read
            keep = max(len(r) for r in refs) + 1
            _, _, logits = self._prefill([list(prompts[i]) + r for i, r in zip(batch, refs)], keep=keep,
                                         reuse_limits=[len(prompts[i]) - 1 for i in batch])
            logits = logits.view(len(batch), keep, -1)
            for k, (i, r) in enumerate(zip(batch, refs)):
                out[i] = token_scores(logits[k, keep - len(r) - 1 : keep - 1], torch.tensor(r))
            return
        layers, mask, logits = self._prefill([list(prompts[i]) for i in batch])
        nll: list[list[float]] = [[] for _ in batch]
        top1: list[list[bool]] = [[] for _ in batch]
        longest = max(len(r) for r in refs)
        for t in range(longest):  # the logits for reference token t; then feed it
            live = [k for k, r in enumerate(refs) if t < len(r)]
            step = token_scores(logits[live], torch.tensor([refs[k][t] for k in live]))
            for k, value, hit in zip(live, step.nll, step.top1):
                nll[k].append(value)
                top1[k].append(hit)
            if t + 1 < longest:
                fed = torch.tensor([[r[t] if t < len(r) else self.pad] for r in refs], device=self.device)
                positions = mask.sum(dim=1, keepdim=True)  # real tokens before the fed one
                mask = torch.cat([mask, mask.new_ones(len(batch), 1)], dim=1)
                layers, logits = self._forward(fed, layers, mask, positions)
        for k, i in enumerate(batch):
            out[i] = ContinuationScore(tuple(nll[k]), tuple(top1[k]))

    def _prefill_heads(self, prompts: list[list[int]]) -> None:
        """Prefill every head that two or more prompts share, once, into the store (shortest first)."""
        heads = [h for h in shared_heads(prompts) if self.store.longest(h)[1] < len(h)]
        chunk: list[list[int]] = []
        for head in heads + [None]:
            # A head that extends one in the chunk waits for the next chunk, which reuses it: an agent's steps
            # share ever longer heads, each prefilled from the one before instead of from the start.
            if chunk and (head is None or len(chunk) == self.batch_size or any(head[:len(c)] == c for c in chunk)):
                layers, mask, _ = self._prefill(chunk)
                for k, done in enumerate(chunk):
                    self._store(done, layers, mask, k)
                chunk = []
            if head is not None:
                chunk.append(head)

    # -- cache bookkeeping ------------------------------------------------------------------------
    def _store_row(self, k: int, row: _Row, layers: Layers, mask: torch.Tensor) -> None:
        # The cache holds the prompt and every generated token but the last (sampled, never fed back).
        self._store(row.prompt + row.generated[:-1], layers, mask, k)

    def _store(self, tokens: list[int], layers: Layers, mask: torch.Tensor, k: int) -> None:
        if len(tokens) < PREFIX_MIN_TOKENS or len(tokens) > self.store.budget:
            return
        cols = mask[k].bool()
        assert int(cols.sum()) == len(tokens), "cache columns and token ids out of step"
        self.store.put(tokens, [(key[k:k + 1, :, cols], value[k:k + 1, :, cols]) for key, value in layers])

    @staticmethod
    def _join(layers: Layers, mask: torch.Tensor, new_layers: Layers,
              new_mask: torch.Tensor) -> tuple[Layers, torch.Tensor]:
        """Stack two batches' caches, left-padding the narrower to the wider."""
        if not layers:
            return new_layers, new_mask
        width = max(mask.shape[1], new_mask.shape[1])
        a, b = width - mask.shape[1], width - new_mask.shape[1]
        joined = [(torch.cat([_pad_left(k, a), _pad_left(nk, b)]), torch.cat([_pad_left(v, a), _pad_left(nv, b)]))
                  for (k, v), (nk, nv) in zip(layers, new_layers)]
        mask = torch.cat([torch.nn.functional.pad(mask, (a, 0)), torch.nn.functional.pad(new_mask, (b, 0))])
        return joined, mask

    @staticmethod
    def _select(layers: Layers, mask: torch.Tensor, keep: list[int]) -> tuple[Layers, torch.Tensor]:
        """Keep rows `keep`, then drop the columns none of them uses (padding left by departed rows)."""
        if not keep:
            return [], mask[:0, :0]
        index = torch.tensor(keep, device=mask.device)
        mask = mask[index]
        cols = mask.bool().any(dim=0)
        if bool(cols.all()):
            return [(k[index], v[index]) for k, v in layers], mask
        return [(k[index][:, :, cols], v[index][:, :, cols]) for k, v in layers], mask[:, cols]
