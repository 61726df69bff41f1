"""Evaluation speed of a compressed checkpoint against the original model, same requests.

    .venv/bin/python bench/compressed_vs_base.py [--method rtn] [--bits 4] [--prompts 32] [--repeats 3]

Compresses the embedded model once (cached), then alternates three contenders on the same greedy requests:
the original model, the compressed one as acbench runs it (weight-only layers as dense layers, see
`acbench.models.run_dense`), and the compressed one through compressed-tensors' per-call wrapper (plain
`from_pretrained`, the path before 2026-11-30, on transformers' kernels). The first two run with the engine's
CPU kernels (acbench/engines/cpu_kernels.py). Goal: compressed <= 1.1x the original's time.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import alternate, machine_line, ratio_line, seconds_line  # noqa: E402
from engine_throughput import prompts  # noqa: E402

from acbench.compression import CompressionSpec, compress  # noqa: E402
from acbench.engines.base import GenerationRequest  # noqa: E402
from acbench.engines.hf import HFEngine  # noqa: E402
from acbench.models import resolve_model  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--method", default="rtn")
    parser.add_argument("--bits", type=int, default=4)
    parser.add_argument("--prompts", type=int, default=32)
    parser.add_argument("--max-new-tokens", type=int, default=48)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    original = resolve_model(args.model)
    checkpoint = compress(CompressionSpec(method=args.method, bits=args.bits), original).path
    base = HFEngine(original)
    dense = HFEngine(checkpoint)
    wrapped = HFEngine(checkpoint, cpu_kernels=False)
    import torch
    from transformers import AutoModelForCausalLM

    wrapped.model = AutoModelForCausalLM.from_pretrained(checkpoint, dtype=torch.float32).eval()
    wrapped.scheduler = wrapped._make_scheduler(None)  # the scheduler runs the model it was made with
    requests = [GenerationRequest.from_prompt(p, max_new_tokens=args.max_new_tokens) for p in prompts(args.prompts)]
    seconds, outputs = alternate({
        "original model": lambda: base.generate(requests, progress=False),
        f"{args.method} W{args.bits} (dense)": lambda: dense.generate(requests, progress=False),
        f"{args.method} W{args.bits} (wrapped)": lambda: wrapped.generate(requests, progress=False),
    }, args.repeats)
    names = list(seconds)
    same = sum(a == b for a, b in zip(outputs[names[1]], outputs[names[2]]))
    # The two models give different answers, of different lengths (a row that ends early frees its place in
    # the batch): time is compared per generated token, on the same prompts.
    tokens = {name: sum(base.count_tokens(text) for text in outputs[name]) for name in names}
    print(f"{machine_line()}; {len(requests)} prompts x {args.max_new_tokens} new tokens; checkpoint {checkpoint.name}")
    for name, runs in seconds.items():
        print(f"{seconds_line(name, runs, tokens[name])}  ({tokens[name]} tokens)")
    print(f"dense and wrapped compressed outputs identical: {same}/{len(requests)}")
    print(ratio_line(f"{names[0]} / {names[1]}, time per generated token (>= 0.91x meets the 1.1x goal)",
                     seconds[names[0]], seconds[names[1]], work=tokens[names[1]], baseline_work=tokens[names[0]]))
    print(ratio_line(f"{names[0]} / {names[1]}, wall time", seconds[names[0]], seconds[names[1]]))
    print(ratio_line("dense / wrapped compressed", seconds[names[2]], seconds[names[1]]))


if __name__ == "__main__":
    main()
