"""Generation throughput on the same greedy requests: acbench's engine against the usual ways to run them.

    .venv/bin/python bench/engine_throughput.py [--model smollm2-135m] [--prompts 32] [--max-new-tokens 48]
        [--shared-head] [--vllm float32 [--vllm bfloat16,compiled ...]]

Contenders (one loaded model, the same chat-templated prompts, greedy decoding):
- one-at-a-time `model.generate` (the baseline of every ratio);
- batched `model.generate` with left padding, at the best of a few batch sizes (picked in a warm-up pass);
- lm-evaluation-harness's HF backend, `HFLM.generate_until` (only if `lm_eval` is installed:
  `.venv/bin/pip install -e ".[bench]"`);
- acbench's `HFEngine.generate` through its continuous-batching scheduler (acbench/engines/scheduler.py),
  prefix store emptied before each repeat (so a repeat never reuses the previous repeat's prompts), with
  its CPU kernels (acbench/engines/cpu_kernels.py: prepacked oneDNN linears, GQA attention without copies);
- the same engine on transformers' own kernels (what those kernels alone are worth);
- acbench's padded path (`scheduler="padded"`: `model.generate` on left-padded batches, the engine before
  the scheduler, and its path for kv_bits != 16).
- vLLM through its server (`--vllm SETTING`, repeatable; needs `ACBENCH_VLLM=1 bash scripts/setup.sh`): the
  same token ids over /v1/completions (acbench/engines/vllm_served.py), one server per setting, all started
  before the timed runs (start-up reported apart). SETTING is a dtype with optional `,compiled` (vLLM's
  compiled graphs instead of eager mode), `,chunked` (--enable-chunked-prefill) and `,seqs=N` (--max-num-seqs):
  `float32`, `bfloat16,compiled`, `float32,chunked,seqs=64`. A compressed checkpoint's folder as `--model`
  times vLLM's own kernels for it (W4A16: `--vllm bfloat16`) against our engine on the same checkpoint.
  Requests go in `--batch-size` at a time, as our engine's batch.
`--shared-head` puts the same few-shot block before every question (a shared prompt head, as in T-Eval or
LongBench), where the scheduler prefills that head once. Each contender alternates over `--repeats`;
outputs are checked identical to one-at-a-time generation.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import alternate, machine_line, ratio_line, seconds_line  # noqa: E402

from acbench.engines.base import GenerationRequest  # noqa: E402
from acbench.engines.hf import HFEngine  # noqa: E402
from acbench.models import resolve_model  # noqa: E402

QUESTIONS = [
    "List three tools a travel agent would call to book a flight.",
    "Write a JSON object with fields city and date for a weather lookup in Paris tomorrow.",
    "Explain in two sentences what a unit test is.",
    "What is 17 times 23? Show your steps.",
    "Plan the steps to make a cup of tea.",
    "Name the capital of Japan and one fact about it.",
    "Summarise why version control matters.",
    "Give two synonyms for 'rapid'.",
]


FEW_SHOT = "".join(f"Example question: {q}\nExample answer: (an answer in one or two sentences)\n\n"
                   for q in QUESTIONS)


def prompts(n: int, shared_head: bool = False) -> list[str]:
    head = FEW_SHOT + "Now answer this question.\n" if shared_head else ""
    return [head + QUESTIONS[i % len(QUESTIONS)] + ("" if i < len(QUESTIONS) else f" (variant {i})")
            for i in range(n)]


def one_at_a_time(engine: HFEngine, ids: list[list[int]], max_new: int) -> list[str]:
    out = []
    with torch.inference_mode():
        for row in ids:
            x = torch.tensor([row])
            # An explicit all-ones mask: SmolLM2 pads with its <|im_end|>, and an inferred mask would hide turn ends.
            y = engine.model.generate(input_ids=x, attention_mask=torch.ones_like(x), max_new_tokens=max_new,
                                      do_sample=False, pad_token_id=engine.tokenizer.pad_token_id)
            out.append(engine.tokenizer.decode(y[0, x.shape[1]:], skip_special_tokens=True))
    return out


def batched_generate(engine: HFEngine, ids: list[list[int]], max_new: int, batch_size: int) -> list[str]:
    out = []
    pad = engine.tokenizer.pad_token_id
    with torch.inference_mode():
        for start in range(0, len(ids), batch_size):
            rows = ids[start:start + batch_size]
            width = max(map(len, rows))
            x = torch.tensor([[pad] * (width - len(r)) + r for r in rows])
            mask = torch.tensor([[0] * (width - len(r)) + [1] * len(r) for r in rows])
            y = engine.model.generate(input_ids=x, attention_mask=mask, max_new_tokens=max_new, do_sample=False,
                                      pad_token_id=pad)
            out += engine.tokenizer.batch_decode(y[:, width:], skip_special_tokens=True)
    return out


def acbench(engine: HFEngine, scheduler, requests: list[GenerationRequest], kernels=True) -> list[str]:
    """`HFEngine.generate` through `scheduler` (None: the padded path), starting from an empty prefix store;
    `kernels=False`: on transformers' own kernels (F.linear, SDPA with copied key/value heads)."""
    engine.scheduler = scheduler
    if scheduler is not None and scheduler.store is not None:
        scheduler.store.clear()
    own, engine.kernels = engine.kernels, engine.kernels if kernels else None
    try:
        return engine.generate(requests, progress=False)
    finally:
        engine.kernels = own


def lm_eval_contender(engine: HFEngine, texts: list[str], max_new: int, batch_size: int):
    """`HFLM.generate_until` on the same chat-templated strings, or None when lm_eval is not installed."""
    if importlib.util.find_spec("lm_eval") is None:
        return None
    from lm_eval.api.instance import Instance
    from lm_eval.models.huggingface import HFLM

    lm = HFLM(pretrained=engine.model, tokenizer=engine.tokenizer, batch_size=batch_size, max_length=2048,
              add_bos_token=False)
    requests = [Instance("generate_until", {}, (t, {"until": [], "max_gen_toks": max_new, "do_sample": False}), i)
                for i, t in enumerate(texts)]
    return lambda: lm.generate_until(requests, disable_tqdm=True)


def vllm_contenders(settings: list[str], model_path: str, requests, batch_size: int):
    """One started vLLM server engine per SETTING (`dtype[,compiled][,chunked][,seqs=N]`), its start-up seconds."""
    import time

    from acbench.engines.vllm_served import ServedVLLMEngine

    servers, startup = {}, {}
    for setting in settings:
        dtype, *flags = setting.split(",")
        seqs = [f.split("=", 1)[1] for f in flags if f.startswith("seqs=")]
        name = f"vLLM server {setting}"
        start = time.perf_counter()
        extra = tuple(f"--max-num-seqs={n}" for n in seqs) + (("--enable-chunked-prefill",) if "chunked" in flags else ())
        servers[name] = ServedVLLMEngine(model_path, dtype=dtype, concurrency=batch_size, eager="compiled" not in flags,
                                         server_args=extra)
        startup[name] = time.perf_counter() - start
    return servers, startup


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--prompts", type=int, default=32)
    parser.add_argument("--max-new-tokens", type=int, default=48)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--shared-head", action="store_true", help="the same few-shot block before every question")
    parser.add_argument("--vllm", action="append", default=[], metavar="SETTING",
                        help="a vLLM server contender: DTYPE[,compiled][,seqs=N], e.g. float32 or bfloat16,compiled")
    parser.add_argument("--batch-size", type=int, default=16, help="our engine's batch and vLLM's requests in flight")
    args = parser.parse_args()

    engine = HFEngine(resolve_model(args.model), batch_size=args.batch_size)
    if engine.scheduler is None:
        sys.exit("the engine fell back to its padded path for this model (see the log): nothing to compare")
    scheduler = engine.scheduler
    requests = [GenerationRequest.from_prompt(p, max_new_tokens=args.max_new_tokens)
                for p in prompts(args.prompts, args.shared_head)]
    ids = [engine._prompt_ids(r) for r in requests]
    texts = [engine.tokenizer.decode(row) for row in ids]
    n = args.max_new_tokens

    # the best plain batch size, from one warm-up pass over a few sizes
    warm = {b: alternate({b: lambda b=b: batched_generate(engine, ids, n, b)}, 1)[0][b][0] for b in (8, 16, 32)}
    best = min(warm, key=warm.get)
    contenders = {
        "one-at-a-time generate": lambda: one_at_a_time(engine, ids, n),
        f"batched generate (batch {best})": lambda: batched_generate(engine, ids, n, best),
        "acbench engine": lambda: acbench(engine, scheduler, requests),
        "acbench engine, transformers kernels": lambda: acbench(engine, scheduler, requests, kernels=False),
        "acbench padded path (before)": lambda: acbench(engine, None, requests),
    }
    lm_eval = lm_eval_contender(engine, texts, n, best)
    if lm_eval is not None:
        contenders["lm-eval HF generate_until"] = lm_eval
    servers, startup = vllm_contenders(args.vllm, engine.name, requests, args.batch_size)
    contenders.update({name: (lambda s=server: s.generate(requests, progress=False)) for name, server in servers.items()})
    try:
        seconds, outputs = alternate(contenders, args.repeats)
    finally:
        for server in servers.values():
            server.close()

    reference = [o.strip() for o in outputs["one-at-a-time generate"]]
    tokens = sum(engine.count_tokens(t) for t in reference)
    store = scheduler.store
    reuse = (f"; prefix reuse over {args.repeats} scheduler runs: {store.hits} hits, {store.reused_tokens} tokens"
             if store else "")
    print(f"{machine_line()}; {len(requests)} prompts x {n} new tokens (shared head: {args.shared_head}); "
          f"warm-up batch times {warm}{reuse}")
    for name, runs in seconds.items():
        same = sum(a.strip() == b for a, b in zip(outputs[name], reference))
        print(f"{seconds_line(name, runs, tokens)}  identical outputs {same}/{len(reference)}")
    base = seconds["one-at-a-time generate"]
    for name in contenders:
        if name != "one-at-a-time generate":
            print(ratio_line(f"{name} / one-at-a-time generate", base, seconds[name]))
    print(ratio_line("acbench engine / acbench padded path (before)", seconds["acbench padded path (before)"],
                     seconds["acbench engine"]))
    print(ratio_line("acbench engine / on transformers kernels", seconds["acbench engine, transformers kernels"],
                     seconds["acbench engine"]))
    for name in servers:
        print(f"{name} start-up (server up, model loaded): {startup[name]:.1f} s, apart from its runs")
        print(ratio_line(f"acbench engine / {name}", seconds[name], seconds["acbench engine"]))
    if lm_eval is not None:
        print(ratio_line("acbench engine / lm-eval HF generate_until", seconds["lm-eval HF generate_until"],
                         seconds["acbench engine"]))
    else:
        print("lm-eval HF backend: not installed (.venv/bin/pip install -e '.[bench]'), not measured")


if __name__ == "__main__":
    main()
