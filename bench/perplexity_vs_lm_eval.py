"""acbench's perplexity against lm-eval's on the same model and corpus (a correctness check, not a timing).

    <venv with lm_eval==0.4.13>/bin/python bench/perplexity_vs_lm_eval.py [--model smollm2-135m]
        [--corpus paul_graham_essays] [--chars 20000] [--max-length 512]

lm-eval's `wikitext` task scores a document with `loglikelihood_rolling`: disjoint spans of `max_length` tokens,
every token predicted (the first from the end-of-text token, later spans with the tokens before them as
context), and reports word perplexity = exp(-total loglikelihood / words). acbench's default protocol is GPTQ's
(each window's first token is context only, no context across windows), so the two perplexities differ a
little by design. The check is therefore twofold:
1. lm-eval's own rolling windows (`lm_eval.utils.get_rolling_token_windows`) scored by acbench's scorer
   (`acbench.engines.likelihood.score_sequences`) must give lm-eval's total loglikelihood (to float noise);
2. both protocols' token perplexities, and lm-eval's word perplexity, are printed side by side.
The corpus is the first `--chars` characters of the named one (lm-eval scores it as one document).
lm_eval is the project's `bench` extra; it is not needed by acbench itself.
"""

from __future__ import annotations

import argparse
import math
import os

from acbench.engines.hf import HFEngine
from acbench.engines.likelihood import score_sequences
from acbench.likelihood.perplexity import load_corpus
from acbench.likelihood.scores import perplexity
from acbench.models import resolve_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--corpus", default="paul_graham_essays")
    parser.add_argument("--chars", type=int, default=20000)
    parser.add_argument("--max-length", type=int, default=512)
    args = parser.parse_args()
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

    from lm_eval.api.instance import Instance
    from lm_eval.models.huggingface import HFLM
    from lm_eval.utils import get_rolling_token_windows, make_disjoint_window

    path = resolve_model(args.model)
    text = load_corpus(args.corpus).text[: args.chars]
    lm = HFLM(pretrained=str(path), dtype="float32", device="cpu", batch_size=1, max_length=args.max_length)
    (lm_eval_ll,) = lm.loglikelihood_rolling([Instance("loglikelihood_rolling", {}, (text,), 0)], disable_tqdm=True)

    engine = HFEngine(path, dtype="float32", device="cpu", max_context=args.max_length)
    tokens = lm.tok_encode(text)  # lm-eval's own tokenization of the document
    windows = [make_disjoint_window(w) for w in get_rolling_token_windows(
        token_list=tokens, prefix_token=lm.prefix_token_id, max_seq_len=args.max_length, context_len=1)]
    sequences = [list(context) + list(continuation) for context, continuation in windows]
    starts = [len(context) for context, _ in windows]
    scores = score_sequences(engine.model, engine.tokenizer.pad_token_id, sequences, starts, batch_size=4)
    acbench_ll = -sum(sum(s.nll) for s in scores)
    scored = sum(s.tokens for s in scores)
    words = len(text.split())

    gptq = engine.score_windows(text, args.max_length)
    print(f"model {args.model}, corpus {args.corpus} (first {args.chars} characters, {len(tokens)} tokens, "
          f"{words} words), windows of {args.max_length} tokens")
    print(f"1. lm-eval rolling windows: lm-eval loglikelihood {lm_eval_ll:.4f}, acbench's scorer {acbench_ll:.4f}, "
          f"difference {acbench_ll - lm_eval_ll:+.2e} ({scored} tokens scored)")
    print(f"2. token perplexity: lm-eval rolling {math.exp(-lm_eval_ll / scored):.4f}; acbench GPTQ windows "
          f"{perplexity(gptq):.4f} ({len(gptq)} windows, first token of each unscored)")
    print(f"   lm-eval word perplexity {math.exp(-lm_eval_ll / words):.4f} "
          f"(acbench's scorer on the same windows: {math.exp(-acbench_ll / words):.4f})")


if __name__ == "__main__":
    main()
