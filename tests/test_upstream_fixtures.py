"""acbench's paper scores against the upstream evaluators' own per-item outputs (tests/upstream/*.jsonl).

    pytest -m upstream -s tests/test_upstream_fixtures.py      # prints one line per evaluator

The fixtures are written by `scripts/upstream_fixtures.py`, which runs upstream's scoring code at the pinned
commits (tests/upstream/PINS.json) on generated inputs and on inputs built from acbench's built-in suites. Here
no upstream code runs: each item's inputs are scored by acbench and compared with upstream's recorded output.
Where upstream raised on an item (LongBench retrieval with a gold that names no paragraph), acbench must score
0 with a reason.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.upstream

FIXTURES = Path(__file__).parent / "upstream"
TOLERANCE = 1e-9  # the same arithmetic on both sides: only float summation order may differ


def rows(name: str) -> list[dict]:
    return [json.loads(line) for line in (FIXTURES / f"{name}.jsonl").read_text().splitlines()]


def report(name: str, items: list[dict], diffs: list[float], extra: str = "") -> None:
    print(f"\nupstream {name}: {len(items)} items{extra}, max |diff| {max(diffs):.1e}, "
          f"{sum(d > TOLERANCE for d in diffs)} differ")


def test_longbench_items_equal_upstream_eval_py():
    from acbench.tasks.longbench.task import paper_score_prediction

    items, diffs, raised = rows("longbench"), [], 0
    for item in items:
        value, reason = paper_score_prediction(item["dataset"], item["prediction"], item["answers"], item["all_classes"])
        if item["upstream_error"]:
            raised += 1
            assert value == 0.0 and reason, item  # upstream stops; paper mode scores 0 and says why
            diffs.append(0.0)
            continue
        diffs.append(abs(value - item["upstream_score"]))
        assert diffs[-1] <= TOLERANCE, (item, value)
    datasets = len({item["dataset"] for item in items})
    report("LongBench", items, diffs, f" over {datasets} datasets ({raised} where upstream raises)")


def test_longgenbench_items_equal_the_papers_evaluator():
    from acbench.tasks.longgenbench.paper import paper_gold, paper_sample_score

    items, diffs = rows("longgenbench"), []
    for item in items:
        expected = [paper_gold(a) for a in item["answers"]] if item["kind"] == "gsm8k" else item["answers"]
        value, _ = paper_sample_score(item["kind"], expected, item["reply"])
        diffs.append(abs(value - item["upstream_score"]))
        assert diffs[-1] <= TOLERANCE, (item, value)
    report("LongGenBench", items, diffs, " (GSM8K and MMLU replies)")


def test_needle_cells_and_heatmap_equal_the_papers_runner():
    from acbench.tasks.needle.paper import PAPER_HEATMAP_ANSWER, PAPER_NEEDLE, cell_score, heatmap_recall

    items, diffs = rows("needle"), []
    for item in items:
        cell, recall = cell_score(PAPER_NEEDLE, item["reply"]), heatmap_recall(item["reply"], PAPER_HEATMAP_ANSWER)
        diffs.append(max(abs(cell - item["upstream_score"]), abs(recall - item["upstream_heatmap_recall"])))
        assert diffs[-1] <= TOLERANCE, (item, cell, recall)
    report("needle", items, diffs, " (cell score and heatmap recall)")


def test_fixtures_name_their_pins():
    pins = json.loads((FIXTURES / "PINS.json").read_text())
    assert set(pins["commits"]) == {"THUDM/LongBench", "pprp/ACBench"}
    assert all(len(commit) == 40 for commit in pins["commits"].values())
