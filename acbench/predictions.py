"""Saved predictions for `acbench score`: read a JSONL file safely, match its ids to a task's samples.

    rows = read_predictions("preds.jsonl")                 # {id: prediction}, clear errors on bad files
    predictions = match_ids(rows, samples)                  # keyed by acbench's sample ids
    write_per_item("items.jsonl", records, samples)        # one line per item: id and every metric

Ids may be acbench's own (`plan_json_v2/0`) or exactly as the upstream data file writes them (`"0"`,
`"toolalpaca_154"`, LongBench's `_id`): an upstream id that names more than one sample (T-Eval keys restart at
"0" in every file) is an error that says how to disambiguate, never a silent pick.
"""

from __future__ import annotations

import json
from pathlib import Path

from acbench.config import ConfigError
from acbench.tasks.base import Sample

# Fields of a record that are the item's inputs or its long-form output, not its scores.
_NOT_SCORES = ("prompt", "prediction", "trajectory")


def read_predictions(path: str | Path) -> dict[str, str]:
    """`{id: prediction}` from a JSONL file of `{"id": ..., "prediction": "..."}` objects.

    A hostile or broken file (invalid UTF-8, deep nesting, huge numbers, a non-string prediction) is a
    `ConfigError` naming the line, never a crash.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"predictions file not found: {path}")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        raise ConfigError(f"{path}: not UTF-8 text (byte {err.start}); save predictions as UTF-8 JSONL") from None
    rows: dict[str, str] = {}
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except RecursionError:
            raise ConfigError(f"{path}:{n}: JSON nested too deeply") from None
        except ValueError as err:  # JSONDecodeError, and integers longer than Python's digit limit
            raise ConfigError(f"{path}:{n}: not valid JSON ({err})") from None
        if not isinstance(row, dict) or "id" not in row or "prediction" not in row:
            raise ConfigError(f"{path}:{n}: each line must be a JSON object with 'id' and 'prediction'")
        if not isinstance(row["id"], (str, int)) or isinstance(row["id"], bool):
            raise ConfigError(f"{path}:{n}: 'id' must be a string or an integer, got {type(row['id']).__name__}")
        if not isinstance(row["prediction"], str):
            raise ConfigError(f"{path}:{n}: 'prediction' must be a string, got {type(row['prediction']).__name__}")
        key = str(row["id"])
        if key in rows:
            raise ConfigError(f"{path}:{n}: id '{key}' appears twice")
        rows[key] = row["prediction"]
    return rows


def match_ids(rows: dict[str, str], samples: list[Sample]) -> dict[str, str]:
    """Re-key predictions by sample id; each row's id is an acbench id or an unambiguous upstream id."""
    own = {s.id for s in samples}
    upstream: dict[str, list[str]] = {}
    for s in samples:
        if s.upstream_id is not None and s.upstream_id != s.id:
            upstream.setdefault(str(s.upstream_id), []).append(s.id)
    matched: dict[str, str] = {}
    unknown: list[str] = []
    for key, prediction in rows.items():
        if key in own:
            target = key
        elif key in upstream:
            if len(upstream[key]) > 1:
                names = ", ".join(upstream[key][:3]) + (", ..." if len(upstream[key]) > 3 else "")
                raise ConfigError(
                    f"upstream id '{key}' names {len(upstream[key])} items of this data ({names}): score one "
                    "upstream file at a time (--data FILE), or key predictions by acbench ids")
            target = upstream[key][0]
        else:
            unknown.append(key)
            continue
        if target in matched:
            raise ConfigError(f"item '{target}' has two predictions (by its acbench id and its upstream id)")
        matched[target] = prediction
    if unknown:
        raise ConfigError(f"{len(unknown)} prediction id(s) not in the data, e.g. {sorted(unknown)[:3]}")
    return matched


def per_item_rows(records: list[dict], samples: list[Sample], predicted: set[str]) -> list[dict]:
    """One row per scored item: its ids and every scalar score field (paper, `_strict`, reasons)."""
    by_id = {s.id: s for s in samples}
    rows = []
    for record in records:
        sample = by_id.get(str(record["id"]))
        row = {"id": record["id"], "upstream_id": sample.upstream_id if sample else None}
        row.update({k: v for k, v in record.items()
                    if k not in _NOT_SCORES and k != "id" and (v is None or isinstance(v, (str, int, float, bool)))})
        if str(record["id"]) not in predicted:
            row["missing"] = True
            if row.get("paper_reason") is None:
                row["paper_reason"] = "missing"
        rows.append(row)
    return rows


def write_per_item(path: str | Path, rows: list[dict]) -> None:
    """Write `per_item_rows` as JSONL."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
