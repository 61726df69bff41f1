"""The transformers backend: batched chat generation and logits on CPU or GPU.

    from acbench.engines.hf import HFEngine
    engine = HFEngine(resolve_model())
    engine.generate([GenerationRequest.from_prompt("What is 2+2?", max_new_tokens=16)])

Generation runs through acbench/engines/scheduler.py by default: continuous batching (a row leaves the batch
when it ends, a waiting request joins) and prefix reuse (shared prompt heads and the previous turn of a
multi-turn episode are not prefilled again; not under an N-bit KV cache); its docstring says how and where
its limits are. The padded path (`scheduler="padded"`, and the fallback for models the scheduler does not
support) groups requests by their generation settings, sorts them by prompt length and runs `model.generate`
on left-padded batches. Compressed-tensors checkpoints load through transformers (decompressed to float).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from contextlib import nullcontext
from itertools import groupby
from pathlib import Path

import torch
from transformers import StoppingCriteria, StoppingCriteriaList

from acbench.engines.base import ContinuationScore, ForwardOutput, GenerationRequest, cut_at_stop
from acbench.engines.cpu_kernels import CPUKernels
from acbench.engines.prompts import fit_to_context, prompt_ids_uncut
from acbench.models import load_model
from acbench.progress import progress_bar
from acbench.threads import share_cores

log = logging.getLogger(__name__)


class _StopInOutput(StoppingCriteria):
    """Stops a row once a stop string appears in its *generated* text.

    transformers' own `stop_strings` also matches across the prompt boundary: a stop "\nNode:" fired on
    the chat template's trailing newline followed by the model's first "Node:", ending answers at once.
    """

    def __init__(self, tokenizer, prompt_width: int, stop: tuple[str, ...]):
        self.tokenizer, self.prompt_width, self.stop = tokenizer, prompt_width, [s for s in stop if s]

    def __call__(self, input_ids: torch.Tensor, scores, **kwargs) -> torch.Tensor:
        texts = self.tokenizer.batch_decode(input_ids[:, self.prompt_width :], skip_special_tokens=True)
        return torch.tensor([any(s in t for s in self.stop) for t in texts], device=input_ids.device)


class HFEngine:
    """A transformers causal LM behind the Engine protocol."""

    def __init__(
        self,
        model_path: str | Path,
        dtype: str = "auto",
        device: str | None = None,
        batch_size: int = 16,
        max_context: int | None = None,
        trust_remote_code: bool = False,
        kv_bits: str = "16",
        scheduler: str = "continuous",
        prefix_cache_tokens: int | None = None,
        cpu_kernels: bool = True,
    ):
        from acbench.engines.kv import check_head_dim, parse_kv_bits

        self.kv_bits = parse_kv_bits(kv_bits)  # "16": the model's own cache; "8"/"4": see acbench/engines/kv.py
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.model, self.tokenizer = load_model(model_path, dtype=dtype, device=self.device, trust_remote_code=trust_remote_code)
        self.name = str(model_path)
        check_head_dim(self.model.config, self.kv_bits)
        self.batch_size = batch_size
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.tokenizer.padding_side = "left"
        config_ctx = getattr(self.model.config, "max_position_embeddings", None) or 2048
        self.max_context = min(max_context or config_ctx, config_ctx)
        if scheduler not in ("continuous", "padded"):
            raise ValueError(f"scheduler must be 'continuous' or 'padded', got '{scheduler}'")
        self.scheduler = self._make_scheduler(prefix_cache_tokens) if scheduler == "continuous" else None
        # During engine calls on the CPU: float32 linears through oneDNN's prepacked weights, and GQA attention
        # without copying key/value heads; the model is plain transformers outside them (cpu_kernels.py).
        self.kernels = CPUKernels(self.model) if self.device == "cpu" and cpu_kernels else None

    def _make_scheduler(self, prefix_cache_tokens: int | None):
        """The continuous-batching scheduler, or None (padded path) where it cannot run this engine, said why."""
        from acbench.engines.scheduler import PrefixStore, Scheduler, default_prefix_tokens, unsupported_reason

        reason = unsupported_reason(self.model)
        if reason is not None:
            log.warning("continuous batching off for this model (%s): using padded model.generate", reason)
            return None
        if self.kv_bits != "16":
            from acbench.engines.kv import quantized_cache

            # No prefix reuse under an N-bit cache: a reused prefix would be read at N bits where a fresh
            # prefill reads it at full precision (see acbench/engines/scheduler.py).
            return Scheduler(self.model, self.tokenizer, batch_size=self.batch_size,
                             new_cache=lambda: quantized_cache(self.model, self.kv_bits))
        if prefix_cache_tokens is None:
            prefix_cache_tokens = default_prefix_tokens(self.model)  # tokens that fit in 1 GiB, at most 16,384
        store = PrefixStore(prefix_cache_tokens) if prefix_cache_tokens > 0 else None
        return Scheduler(self.model, self.tokenizer, batch_size=self.batch_size, store=store)

    # -- text utilities ---------------------------------------------------------------------------
    def _encode(self, text: str) -> list[int]:
        return self.tokenizer(text, add_special_tokens=False)["input_ids"]

    def count_tokens(self, text: str) -> int:
        return len(self._encode(text))

    def count_chat_tokens(self, messages: list[dict]) -> int:
        """Tokens of `messages` as `generate` sends them: chat template and generation prompt included."""
        return len(self._prompt_ids_uncut(GenerationRequest(messages=tuple(messages))))

    def truncate_middle(self, text: str, max_tokens: int) -> str:
        ids = self._encode(text)
        if len(ids) <= max_tokens:
            return text
        half = max_tokens // 2
        kept = ids[:half] + ids[len(ids) - (max_tokens - half) :]
        return self.tokenizer.decode(kept, skip_special_tokens=True)

    def _prompt_ids_uncut(self, request: GenerationRequest) -> list[int]:
        return prompt_ids_uncut(self.tokenizer, request)

    def _prompt_ids(self, request: GenerationRequest) -> list[int]:
        # the same ids the vLLM server engine sends (acbench/engines/prompts.py)
        return fit_to_context(self._prompt_ids_uncut(request), self.max_context - request.max_new_tokens)

    # -- generation -------------------------------------------------------------------------------
    def _kernels(self):
        return self.kernels.active() if self.kernels is not None else nullcontext()

    def generate(self, requests: list[GenerationRequest], progress: bool = True,
                 on_result: Callable[[int, str], None] | None = None, max_batch: int | None = None) -> list[str]:
        with self._kernels():
            return self._generate(requests, progress, on_result, max_batch)

    def _generate(self, requests: list[GenerationRequest], progress: bool,
                  on_result: Callable[[int, str], None] | None, max_batch: int | None) -> list[str]:
        encoded = [(i, self._prompt_ids(r)) for i, r in enumerate(requests)]
        if self.device == "cpu":
            share_cores()  # other acbench processes on this machine may have started or finished
        width = min(self.batch_size, max_batch or self.batch_size)  # read per call: benches change batch_size
        if self.scheduler is None:
            return self._generate_padded(requests, encoded, progress, on_result, width)
        self.scheduler.batch_size = width
        texts: list[str | None] = [None] * len(requests)

        def done(i: int, ids: list[int]) -> None:
            texts[i] = cut_at_stop(self.tokenizer.decode(ids, skip_special_tokens=True), requests[i].stop)
            if on_result is not None:
                on_result(i, texts[i])
            bar.update(1)

        with progress_bar(total=len(requests), desc="generate", disable=not progress) as bar:
            self.scheduler.run([ids for _, ids in encoded], requests, on_done=done)
        return texts  # type: ignore[return-value]

    def _generate_padded(self, requests: list[GenerationRequest], encoded: list[tuple[int, list[int]]],
                         progress: bool, on_result: Callable[[int, str], None] | None, width: int) -> list[str]:
        """Batches of one generation setting, left-padded, through `model.generate` (the pre-scheduler path)."""
        outputs: list[str | None] = [None] * len(requests)

        def settings(item):
            r = requests[item[0]]
            return (r.max_new_tokens, r.temperature, r.seed, tuple(r.stop))

        with progress_bar(total=len(requests), desc="generate", disable=not progress) as bar:
            for key, group in groupby(sorted(encoded, key=settings), key=settings):
                group = sorted(group, key=lambda item: len(item[1]))
                for start in range(0, len(group), width):
                    batch = group[start : start + width]
                    texts = self._generate_batch([ids for _, ids in batch], requests[batch[0][0]])
                    for (i, _), text in zip(batch, texts):
                        outputs[i] = text
                        if on_result is not None:
                            on_result(i, text)
                    bar.update(len(batch))
        return outputs  # type: ignore[return-value]

    @torch.inference_mode()
    def _generate_batch(self, batch_ids: list[list[int]], request: GenerationRequest) -> list[str]:
        width = max(len(ids) for ids in batch_ids)
        pad = self.tokenizer.pad_token_id
        input_ids = torch.tensor([[pad] * (width - len(ids)) + ids for ids in batch_ids], device=self.device)
        attention = torch.tensor([[0] * (width - len(ids)) + [1] * len(ids) for ids in batch_ids], device=self.device)
        sample = request.temperature > 0
        torch.manual_seed(request.seed)
        kwargs = dict(
            max_new_tokens=request.max_new_tokens,
            do_sample=sample,
            pad_token_id=pad,
            temperature=request.temperature if sample else None,
            top_p=None,
            top_k=None,
        )
        if self.kv_bits != "16":
            from acbench.engines.kv import quantized_cache

            kwargs["past_key_values"] = quantized_cache(self.model, self.kv_bits)  # a fresh cache per batch
        if request.stop:
            kwargs["stopping_criteria"] = StoppingCriteriaList([_StopInOutput(self.tokenizer, width, request.stop)])
        out = self.model.generate(input_ids=input_ids, attention_mask=attention, **kwargs)
        texts = self.tokenizer.batch_decode(out[:, width:], skip_special_tokens=True)
        return [cut_at_stop(t, request.stop) for t in texts]

    # -- likelihood of references (acbench/likelihood/) ------------------------------------------
    @property
    def keeps_prompt_caches(self) -> bool:
        """Whether prompts just generated from are still cached (the prefix store), so scoring them right
        after generation does not prefill them again (acbench/likelihood/run.py)."""
        return self.scheduler is not None and self.scheduler.store is not None

    def score_continuations(self, requests: list[GenerationRequest], references: list[str]) -> list[ContinuationScore]:
        """Each reference's tokens (tokenized alone, no special tokens) scored after the prompt `generate` would
        send; the prompt's middle is cut, as generation's is, where prompt plus reference exceed the context."""
        from acbench.engines.likelihood import score_sequences, score_through_cache

        if len(requests) != len(references):
            raise ValueError(f"{len(requests)} requests but {len(references)} references")
        pairs = []
        for request, reference in zip(requests, references):
            ref = self._encode(reference)
            if not ref:
                raise ValueError(f"reference {reference!r} has no tokens: there is nothing to score")
            ref = ref[: self.max_context // 2]  # a reference longer than half the context is cut at its end
            prompt = self._prompt_ids(dataclasses.replace(request, max_new_tokens=len(ref)))
            pairs.append((prompt, ref))
        if self.device == "cpu":
            share_cores()
        with self._kernels():
            if self.scheduler is not None:  # through the caches generation used (prompts it left there are reused)
                return self.scheduler.score([p for p, _ in pairs], [r for _, r in pairs])
            if self.kv_bits != "16":
                return [score_through_cache(self.model, [p], [r], self.kv_bits)[0] for p, r in pairs]
            return score_sequences(self.model, self.tokenizer.pad_token_id, [p + r for p, r in pairs],
                                   [len(p) for p, _ in pairs], batch_size=self.batch_size)

    def score_windows(self, text: str, window: int, max_windows: int | None = None) -> list[ContinuationScore]:
        from acbench.engines.likelihood import perplexity_windows, score_sequences

        window = min(window, self.max_context)
        windows = perplexity_windows(self.tokenizer(text)["input_ids"], window, max_windows)
        if self.device == "cpu":
            share_cores()
        with self._kernels():
            if self.kv_bits != "16" and windows:  # as generation under the cache would read them, side by side
                firsts, rests = [w[:1] for w in windows], [w[1:] for w in windows]
                if self.scheduler is not None:
                    return self.scheduler.score(firsts, rests)
                from acbench.engines.likelihood import score_through_cache

                return score_through_cache(self.model, firsts, rests, self.kv_bits)
            # Nothing cached to reuse: plain forwards without a cache, the head applied only where read.
            return score_sequences(self.model, self.tokenizer.pad_token_id, windows, [1] * len(windows),
                                   batch_size=self.batch_size)

    # -- logits for the analyses ------------------------------------------------------------------
    def forward(self, texts: list[str], max_length: int = 256) -> ForwardOutput:
        with self._kernels():
            return self._forward(texts, max_length)

    @torch.inference_mode()
    def _forward(self, texts: list[str], max_length: int) -> ForwardOutput:
        if self.device == "cpu":
            share_cores()
        enc = self.tokenizer(texts, return_tensors="pt", padding=True, truncation=True, max_length=max_length)
        enc = {k: v.to(self.device) for k, v in enc.items()}
        if self.kv_bits != "16":
            return self._forward_through_cache(enc)
        out = self.model(**enc, output_hidden_states=True)
        return ForwardOutput(
            logits=out.logits.float().cpu(),
            hidden=out.hidden_states[-1].float().cpu(),  # last entry = output of the final norm
            mask=enc["attention_mask"].bool().cpu(),
            input_ids=enc["input_ids"].cpu(),
        )

    def _forward_through_cache(self, enc: dict) -> ForwardOutput:
        """The analyses' pass under an N-bit KV cache: each text token by token (no padding inside a text),
        placed at the same padded positions as a plain forward, so both models' outputs line up."""
        from acbench.engines.kv import incremental_forward

        mask = enc["attention_mask"].bool()
        logits = hidden = None
        for row in range(mask.shape[0]):
            real = mask[row]
            row_logits, row_hidden = incremental_forward(self.model, enc["input_ids"][row][real], self.kv_bits)
            if logits is None:
                logits = torch.zeros(*mask.shape, row_logits.shape[-1])
                hidden = torch.zeros(*mask.shape, row_hidden.shape[-1])
            logits[row, real.cpu()] = row_logits.cpu()
            hidden[row, real.cpu()] = row_hidden.cpu()
        return ForwardOutput(logits=logits, hidden=hidden, mask=mask.cpu(), input_ids=enc["input_ids"].cpu())
