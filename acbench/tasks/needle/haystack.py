"""Filler text for the needle-in-a-haystack grid, and placement of the needle at a depth.

    from acbench.tasks.needle.haystack import builtin_sentences, build_context
    ctx = build_context(builtin_sentences(), needle, length=2000, depth=50, count_tokens=engine.count_tokens)

The built-in filler is the prose of Python's own reference documentation (`pydoc_data.topics`, in the
standard library: offline and deterministic for a given Python version). Code blocks, grammar rules
and headings are dropped; what is left is split into sentences. A plain-text file can replace it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from acbench.errors import ConfigError

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(])")


def split_sentences(paragraph: str) -> list[str]:
    """Split one paragraph of prose into sentences (at . ! ? followed by a capital or quote)."""
    return [s.strip() for s in _SENTENCE_END.split(paragraph.strip()) if s.strip()]


def _is_prose(paragraph: str) -> bool:
    lines = [line for line in paragraph.rstrip().split("\n") if line.strip()]
    if not lines or any(line.startswith((" ", "\t")) for line in lines):
        return False  # indented: code, grammar or a listing
    if len(lines) > 1 and set(lines[-1].strip()) <= set("*=-~^"):
        return False  # a heading underline
    text = " ".join(lines)
    return len(text.split()) >= 8 and text.rstrip().endswith((".", "!", "?", ":")) and "::=" not in text


def sentences_from_text(text: str) -> list[str]:
    """Prose sentences of a text whose paragraphs are separated by blank lines."""
    out: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        if _is_prose(paragraph):
            out += split_sentences(" ".join(paragraph.split()))
    return out


@lru_cache(maxsize=1)
def builtin_sentences() -> tuple[str, ...]:
    """Prose sentences of the Python reference documentation, in a fixed (sorted-topic) order."""
    from pydoc_data.topics import topics

    out: list[str] = []
    for key in sorted(topics):
        out += sentences_from_text(topics[key])
    return tuple(s for s in out if not s.endswith(":"))  # a sentence ending in ':' announces a dropped block


def file_sentences(path: str | Path) -> tuple[str, ...]:
    """Prose sentences of a local plain-text file (e.g. a collection of essays)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"haystack file not found: {path}")
    sentences = tuple(sentences_from_text(path.read_text(encoding="utf-8")))
    if not sentences:
        raise ConfigError(f"{path} has no prose paragraphs to use as filler")
    return sentences


@dataclass
class Placement:
    """A built context: the text, where the needle went, and how many tokens it holds."""

    context: str
    needle_char: int  # character offset of the needle in `context`
    needle_token_depth: float  # tokens of filler before the needle / tokens of filler, in percent
    tokens: int  # tokens of the whole context (filler + needle), measured once as one text


def build_context(
    sentences: tuple[str, ...] | list[str],
    needle: str,
    length: int,
    depth: float,
    count_tokens: Callable[[str], int],
) -> Placement:
    """Fill about `length` tokens with filler sentences and insert `needle` at `depth` percent.

    The needle goes at the last sentence boundary at or before depth% of the filler tokens (moved
    back, never forward), so no sentence is cut. The filler cycles when the source is shorter than
    the requested length. Token counts come from `count_tokens`, i.e. the model's tokenizer.
    """
    if not sentences:
        raise ValueError("no filler sentences")
    if not 0 <= depth <= 100:
        raise ValueError(f"depth must be in [0, 100], got {depth}")
    budget = length - count_tokens(needle)
    if budget <= 0:
        raise ValueError(f"length {length} leaves no room for filler around the needle")
    chosen: list[str] = []
    counts: list[int] = []
    total = 0
    i = 0
    while True:
        sentence = sentences[i % len(sentences)]
        n = count_tokens(" " + sentence) if chosen else count_tokens(sentence)
        if total + n > budget:
            break
        chosen.append(sentence)
        counts.append(n)
        total += n
        i += 1
    target = depth / 100.0 * total
    before, cumulative = 0, 0
    for k, n in enumerate(counts):
        if cumulative + n > target + 1e-9:
            break
        cumulative += n
        before = k + 1
    head, tail = " ".join(chosen[:before]), " ".join(chosen[before:])
    context = " ".join(part for part in (head, needle, tail) if part)
    needle_char = len(head) + 1 if head else 0
    return Placement(
        context=context,
        needle_char=needle_char,
        needle_token_depth=100.0 * cumulative / total if total else 0.0,
        tokens=count_tokens(context),
    )
