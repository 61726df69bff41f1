"""Tokens per second of the batched engine versus plain one-prompt-at-a-time `generate`, same prompts.

    .venv/bin/python bench/engine_throughput.py [--model smollm2-135m] [--prompts 16] [--max-new-tokens 48]

Both sides use the same loaded model, chat template and greedy decoding; the baseline calls
`model.generate` once per prompt with no padding. Printed: tokens/s of each and their ratio.
"""

from __future__ import annotations

import argparse
import time

import torch

from acbench.engines.base import GenerationRequest
from acbench.engines.hf import HFEngine
from acbench.models import resolve_model

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--prompts", type=int, default=16)
    parser.add_argument("--max-new-tokens", type=int, default=48)
    parser.add_argument("--batch-size", type=int, default=8)
    args = parser.parse_args()

    engine = HFEngine(resolve_model(args.model), batch_size=args.batch_size)
    prompts = [QUESTIONS[i % len(QUESTIONS)] + ("" if i < len(QUESTIONS) else f" (variant {i})") for i in range(args.prompts)]
    requests = [GenerationRequest.from_prompt(p, max_new_tokens=args.max_new_tokens) for p in prompts]
    count = lambda texts: sum(engine.count_tokens(t) for t in texts)  # noqa: E731

    engine.generate(requests[:2], progress=False)  # warm-up
    start = time.perf_counter()
    batched = engine.generate(requests, progress=False)
    batched_s = time.perf_counter() - start

    start = time.perf_counter()
    single = []
    with torch.inference_mode():
        for request in requests:
            ids = torch.tensor([engine._prompt_ids(request)])
            # An explicit all-ones mask: SmolLM2's pad token is its <|im_end|>, and without a mask transformers
            # infers one from `ids != pad`, which hides every turn end of the chat template from the model.
            out = engine.model.generate(input_ids=ids, attention_mask=torch.ones_like(ids),
                                        max_new_tokens=args.max_new_tokens, do_sample=False,
                                        pad_token_id=engine.tokenizer.pad_token_id)
            single.append(engine.tokenizer.decode(out[0, ids.shape[1]:], skip_special_tokens=True))
    single_s = time.perf_counter() - start

    batched_tps, single_tps = count(batched) / batched_s, count(single) / single_s
    same = sum(a.strip() == b.strip() for a, b in zip(batched, single))
    print(f"device={engine.device} dtype={engine.model.dtype} prompts={len(requests)} batch_size={args.batch_size} "
          f"threads={torch.get_num_threads()}")
    print(f"one-at-a-time generate : {single_tps:8.1f} tokens/s ({single_s:.1f} s)")
    print(f"acbench batched engine : {batched_tps:8.1f} tokens/s ({batched_s:.1f} s)")
    print(f"ratio (batched / one-at-a-time): {batched_tps / single_tps:.2f}x; identical outputs: {same}/{len(requests)}")


if __name__ == "__main__":
    main()
