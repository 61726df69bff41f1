"""Builds the built-in LongBench-format suite (our own synthetic documents with planted, checkable answers).

    python -m acbench.tasks.longbench.build_data            # rewrites acbench/tasks/longbench/data/*.jsonl

Deterministic (fixed seeds). One file per dataset, one metric family each, five items per file with
contexts of about 1,200 to 7,500 words (the last ones exceed a 8k-token model and get truncated in the
middle, as in LongBench). Rows follow the upstream format:
`{input, context, answers, length, dataset, language, all_classes, _id}`.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from acbench.tasks.longbench import synth

DATA_DIR = Path(__file__).parent / "data"
WORD_TARGETS = (1200, 2500, 4000, 5500, 7500)

BUILDERS = {
    "acb_report_qa": synth.report_qa,
    "acb_meeting_summary": synth.meeting_summary,
    "acb_ticket_type": synth.ticket_type,
    "acb_passage_retrieval": synth.passage_retrieval,
    "acb_passage_count": synth.passage_count,
    "acb_code_completion": synth.code_completion,
}


def build_rows(dataset: str, seed: int = 0) -> list[dict]:
    """The rows of one built-in dataset, in upstream LongBench format."""
    rows = []
    for i, words in enumerate(WORD_TARGETS):
        rng = random.Random(f"{dataset}-{seed}-{i}")
        item = BUILDERS[dataset](rng, words)
        rows.append(
            {
                "input": item["input"],
                "context": item["context"],
                "answers": item["answers"],
                "length": len(item["context"].split()),
                "dataset": dataset,
                "language": "en",
                "all_classes": item.get("all_classes"),
                "_id": f"{dataset}-{i}",
            }
        )
    return rows


def main(out_dir: Path = DATA_DIR) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for dataset in BUILDERS:
        path = out_dir / f"{dataset}.jsonl"
        with path.open("w", encoding="utf-8") as f:
            for row in build_rows(dataset):
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
