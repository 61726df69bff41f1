"""The fixed evaluation texts on which the original and compressed models are compared.

    from acbench.analysis.texts import load_texts
    texts = load_texts()                      # the built-in 24 texts, always in the same order
    texts = load_texts("my_texts.jsonl")      # or a user file (see `load_texts`)

The built-in set (`data/texts.jsonl`, written for this project) mixes what an agent reads and writes:
JSON tool calls and observations, step-by-step plans and environment traces, short question answering,
and plain prose. Each line is {"id", "kind", "text"}. Bump TEXTS_VERSION whenever the file changes:
every analysis number depends on it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

TEXTS_VERSION = "1"
BUILTIN_TEXTS = Path(__file__).parent / "data" / "texts.jsonl"


def load_records(path: str | Path | None = None) -> list[dict]:
    """Records {"id", "kind", "text"} from the built-in set or a user file.

    A user file may be `.jsonl` (one object per line with a "text" field; "id"/"kind" optional),
    `.json` (a list of strings or of such objects), or plain text (one text per non-empty line).

    Raises:
        FileNotFoundError: the file does not exist.
        ValueError: the file holds no texts or an entry has no text.
    """
    source = Path(path) if path is not None else BUILTIN_TEXTS
    if not source.exists():
        raise FileNotFoundError(f"evaluation text file not found: {source}")
    raw = source.read_text(encoding="utf-8")
    if source.suffix == ".jsonl":
        entries = [json.loads(line) for line in raw.splitlines() if line.strip()]
    elif source.suffix == ".json":
        entries = json.loads(raw)
        if not isinstance(entries, list):
            raise ValueError(f"{source}: expected a JSON list of texts")
    else:
        entries = [line for line in raw.splitlines() if line.strip()]
    records = []
    for i, entry in enumerate(entries):
        record = {"text": entry} if isinstance(entry, str) else dict(entry)
        text = record.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"{source}: entry {i} has no non-empty 'text'")
        records.append({"id": str(record.get("id", f"t{i:02d}")), "kind": record.get("kind", "user"), "text": text})
    if not records:
        raise ValueError(f"{source}: no texts found")
    return records


def load_texts(path: str | Path | None = None) -> list[str]:
    """Just the texts of `load_records(path)`, in file order."""
    return [r["text"] for r in load_records(path)]


def texts_digest(texts: list[str]) -> str:
    """A short stable hash of a text set, to record which texts a number was measured on."""
    h = hashlib.sha256()
    for text in texts:
        h.update(text.encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()[:16]
