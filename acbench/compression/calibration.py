"""Calibration data: texts from a source -> `calib_samples` token windows of `calib_seq_len` tokens.

    from acbench.compression.calibration import calibration_dataset
    ds = calibration_dataset(tokenizer, n_samples=32, seq_len=256, source=None, seed=0)
    ds.column_names   # ['input_ids', 'attention_mask']

Sources:
- None: our offline corpus. English prose and code from Python's own reference documentation
  (`pydoc_data.topics`, shipped with CPython) mixed with chat-formatted agent dialogues that we wrote
  (`data/chat_samples.jsonl`: tool calls, plans, short answers), about one document in four a dialogue.
- a local `.txt` file (paragraphs separated by blank lines) or `.jsonl` file (one object per line with
  `text` or `messages`, the latter rendered with the tokenizer's chat template).
- a hub dataset id `org/name` or `org/name:split` (needs network; column `text` or `messages`).

Documents are shuffled with `seed`, tokenized, joined with the EOS token and cut into windows, so every
sample is exactly `seq_len` tokens and the same seed always gives the same samples.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from acbench.errors import ACBenchError

DATA_DIR = Path(__file__).parent / "data"
LOCAL_SUFFIXES = (".txt", ".jsonl")


class CalibrationError(ACBenchError):
    """A calibration source that cannot be read, with what to do about it."""


def is_local_source(source: str) -> bool:
    """True when `source` names a local file (by suffix or because it exists), not a hub dataset id."""
    path = Path(source).expanduser()
    return path.suffix.lower() in LOCAL_SUFFIXES or path.exists() or source.startswith((".", "/", "~"))


def check_source(source: str | None) -> None:
    """Raise CalibrationError for a local source that is missing or of an unknown type (no reading)."""
    if source is None or not is_local_source(source):
        return
    path = Path(source).expanduser()
    if not path.is_file():
        raise CalibrationError(f"calibration file not found: {path}")
    if path.suffix.lower() not in LOCAL_SUFFIXES:
        raise CalibrationError(f"calibration file {path} must be .txt (paragraphs) or .jsonl (text/messages)")


def default_documents() -> list[str | list[dict[str, str]]]:
    """Our offline corpus: documentation paragraphs and chat dialogues (message lists), in a fixed order."""
    from pydoc_data.topics import topics

    docs: list[Any] = []
    for key in sorted(topics):
        docs.extend(p for p in _paragraphs(topics[key]) if len(p) >= 80)
    chats = _read_jsonl(DATA_DIR / "chat_samples.jsonl")
    # Each dialogue appears several times so that dialogues are about a quarter of the documents.
    repeats = max(1, len(docs) // (3 * len(chats)))
    return docs + chats * repeats


def load_documents(source: str | None) -> list[str | list[dict[str, str]]]:
    """Documents (plain strings or chat message lists) from a calibration source."""
    if source is None:
        return default_documents()
    check_source(source)
    if is_local_source(source):
        path = Path(source).expanduser()
        if path.suffix.lower() == ".txt":
            docs = _paragraphs(path.read_text(encoding="utf-8"))
        else:
            docs = _read_jsonl(path)
        if not docs:
            raise CalibrationError(f"calibration file {path} holds no text")
        return docs
    return _hub_documents(source)


def calibration_dataset(tokenizer, n_samples: int, seq_len: int, source: str | None = None, seed: int = 0):
    """An in-memory `datasets.Dataset` of `n_samples` windows of exactly `seq_len` tokens.

    Args:
        tokenizer: the model's tokenizer (its chat template renders dialogues).
        n_samples: number of sequences.
        seq_len: tokens per sequence.
        source: see the module docstring.
        seed: shuffles the documents.

    Returns:
        A Dataset with `input_ids` and `attention_mask` columns.
    """
    from datasets import Dataset

    docs = load_documents(source)
    rng = random.Random(seed)
    needed = n_samples * seq_len
    stream: list[int] = []
    eos = tokenizer.eos_token_id
    passes = 0
    # Shuffle once per pass; a small corpus is reused in a new order rather than padded.
    while len(stream) < needed:
        order = list(range(len(docs)))
        rng.shuffle(order)
        for index in order:
            stream.extend(tokenizer(_render(docs[index], tokenizer), add_special_tokens=False)["input_ids"])
            if eos is not None:
                stream.append(eos)
            if len(stream) >= needed:
                break
        passes += 1
        if passes > 1000:
            raise CalibrationError("calibration source yields no tokens")
    windows = [stream[i * seq_len : (i + 1) * seq_len] for i in range(n_samples)]
    return Dataset.from_dict({"input_ids": windows, "attention_mask": [[1] * seq_len for _ in windows]})


def _render(doc: str | list[dict[str, str]], tokenizer) -> str:
    if isinstance(doc, str):
        return doc
    if getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template(doc, tokenize=False)
    return "\n".join(f"{m['role']}: {m['content']}" for m in doc)


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]


def _read_jsonl(path: Path) -> list[str | list[dict[str, str]]]:
    docs: list[Any] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            docs.append(_record_to_doc(json.loads(line)))
        except (json.JSONDecodeError, CalibrationError) as err:
            raise CalibrationError(f"{path}:{number}: {err}") from None
    return docs


def _record_to_doc(record: Any) -> str | list[dict[str, str]]:
    if isinstance(record, dict) and isinstance(record.get("text"), str):
        return record["text"]
    if isinstance(record, dict) and isinstance(record.get("messages"), list):
        return [{"role": str(m["role"]), "content": str(m["content"])} for m in record["messages"]]
    raise CalibrationError("each record needs a string field 'text' or a list field 'messages'")


def _hub_documents(source: str) -> list[str | list[dict[str, str]]]:
    import datasets

    name, _, split = source.partition(":")
    try:
        data = datasets.load_dataset(name, split=split or "train")
    except Exception as err:  # offline, unknown id, gated: say which and what to use instead
        raise CalibrationError(
            f"could not load calibration dataset '{source}' from the hub ({type(err).__name__}: {err}). "
            "Offline? Use calib_source=None (built-in corpus) or a local .txt/.jsonl file."
        ) from err
    column = "text" if "text" in data.column_names else "messages" if "messages" in data.column_names else None
    if column is None:
        raise CalibrationError(f"dataset '{source}' has no 'text' or 'messages' column: {data.column_names}")
    return [_record_to_doc({column: row}) for row in data[column] if row]
