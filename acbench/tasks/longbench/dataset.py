"""Reading LongBench v1 rows: a JSONL file, a directory of `<dataset>.jsonl`, or a hub dataset id.

    from acbench.tasks.longbench.dataset import read_rows, record_to_sample
    rows = read_rows("LongBench/data")                       # every *.jsonl in the folder
    rows = read_rows("THUDM/LongBench:hotpotqa,qasper")      # hub id (needs network), optional subsets

A row is `{input, context, answers, length, dataset, language, all_classes, _id}`.
"""

from __future__ import annotations

import json
from pathlib import Path

from acbench.errors import ACBenchError
from acbench.tasks.base import Sample
from acbench.tasks.longbench.specs import spec_for

BUILTIN_DIR = Path(__file__).parent / "data"
REQUIRED = ("input", "context", "answers")
FALLBACK_ID = "_acbench_id"  # our id for a row without `_id`: dataset and line number


class LongBenchDataError(ACBenchError):
    """A LongBench source that cannot be read, with what is wrong."""


def _read_jsonl(path: Path) -> list[dict]:
    rows = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as err:
                raise LongBenchDataError(f"{path}:{n}: not valid JSON ({err.msg})") from err
            missing = [k for k in REQUIRED if k not in row]
            if missing:
                raise LongBenchDataError(f"{path}:{n}: row lacks {missing}; a LongBench row has {list(REQUIRED)}")
            row.setdefault("dataset", path.stem)
            if "_id" not in row:
                row[FALLBACK_ID] = f"{row['dataset']}-{n - 1}"
            rows.append(row)
    return rows


def _read_hub(source: str) -> list[dict]:
    repo, _, subsets = source.partition(":")
    names = [s.strip() for s in subsets.split(",") if s.strip()]
    try:
        from datasets import load_dataset

        rows = []
        for name in names or [None]:
            data = load_dataset(repo, name, split="test") if name else load_dataset(repo, split="test")
            rows += [dict(r) for r in data]
    except Exception as err:  # offline, unknown id, or a script-based repo: one clear message
        raise LongBenchDataError(
            f"could not load '{source}' from the Hugging Face hub ({type(err).__name__}: {err}). Offline? "
            "Download the LongBench JSONL files and pass their folder or a file instead."
        ) from err
    for n, row in enumerate(rows):
        if "_id" not in row:
            row[FALLBACK_ID] = f"{row.get('dataset', repo)}-{n}"
    return rows


def read_rows(source: str | Path | None = None) -> list[dict]:
    """Rows from the built-in suite (None), a JSONL file, a folder of JSONL files, or a hub id."""
    path = Path(source) if source is not None else BUILTIN_DIR
    if path.is_dir():
        files = sorted(path.glob("*.jsonl"))
        if not files:
            raise LongBenchDataError(f"{path} holds no *.jsonl files")
        return [row for f in files for row in _read_jsonl(f)]
    if path.is_file():
        return _read_jsonl(path)
    text = str(source)
    if "/" in text and not text.startswith((".", "/")) and not text.endswith(".jsonl"):
        return _read_hub(text)
    raise LongBenchDataError(f"LongBench source not found: {source}")


def record_to_sample(row: dict) -> Sample:
    """A Sample whose target is the list of gold answers; an unknown dataset name is an error here.

    The id is the row's `_id` (also kept as `upstream_id`, so predictions keyed by it match); `all_classes`
    stays None when the row has none, as the paper's classification rule needs to know.
    """
    dataset = str(row.get("dataset", ""))
    spec_for(dataset)  # fail at load time, not mid-run
    answers = row["answers"] if isinstance(row["answers"], list) else [row["answers"]]
    data = {
        "input": row.get("input") or "",
        "context": row.get("context") or "",
        "dataset": dataset,
        "all_classes": row.get("all_classes"),
        "length": row.get("length"),
        "language": row.get("language", "en"),
    }
    upstream_id = str(row["_id"]) if "_id" in row else None
    sample_id = upstream_id if upstream_id is not None else str(row.get(FALLBACK_ID, dataset))
    return Sample(id=sample_id, data=data, target=[str(a) for a in answers], upstream_id=upstream_id)
