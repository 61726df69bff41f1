"""Resume (issue 16): the per-item results file after a kill, and two processes appending to one file.

`ResultStore` is the basis of resuming an interrupted run and of reusing the original model's results, so a
record it loses is an item silently run again, and a record it garbles is a result silently lost.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from acbench.tasks.base import ResultStore, Sample


def _line(record: dict) -> str:
    return json.dumps(record) + "\n"


def test_records_load_back_by_string_id_in_sample_order(tmp_path):
    path = tmp_path / "deep" / "er" / "needle-abc.jsonl"
    store = ResultStore(path)
    assert path.parent.exists() is False  # nothing written until a record is added
    store.add({"id": "b", "score": 0.5})
    store.add({"id": 3, "score": 1.0})  # an int id is keyed as its string
    assert path.read_text() == _line({"id": "b", "score": 0.5}) + _line({"id": 3, "score": 1.0})
    again = ResultStore(path)
    assert "3" in again and "b" in again and "a" not in again
    assert again.get("3") == {"id": 3, "score": 1.0} and again.get("a") is None
    samples = [Sample("3", {}), Sample("a", {}), Sample("b", {})]
    assert again.records_for(samples) == [{"id": 3, "score": 1.0}, {"id": "b", "score": 0.5}]


def test_a_rewritten_item_loads_as_its_last_record_and_blank_lines_are_skipped(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text(_line({"id": "a", "score": 0.0}) + "\n   \n" + _line({"id": "a", "score": 1.0}))
    store = ResultStore(path)
    assert store.get("a") == {"id": "a", "score": 1.0}
    assert store.records_for([Sample("a", {})]) == [{"id": "a", "score": 1.0}]


def test_a_store_without_a_file_keeps_records_in_memory(tmp_path):
    store = ResultStore(None)
    store.add({"id": "x", "score": 2})
    assert "x" in store and store.get("x") == {"id": "x", "score": 2} and store.path is None
    assert list(tmp_path.iterdir()) == []


def test_a_last_line_cut_by_a_kill_is_run_again(tmp_path):
    path = tmp_path / "r.jsonl"
    cut = _line({"id": "c", "prediction": "a long answer", "score": 1.0})[:25]  # no newline: killed mid-write
    path.write_text(_line({"id": "a", "score": 1.0}) + _line({"id": "b", "score": 0.0}) + cut)
    store = ResultStore(path)
    assert ("a" in store, "b" in store, "c" in store) == (True, True, False)
    assert store.records_for([Sample(i, {}) for i in "abc"]) == [{"id": "a", "score": 1.0}, {"id": "b", "score": 0.0}]


def test_the_record_written_after_a_cut_line_survives_the_next_resume(tmp_path):
    # ResultStore.add ends a line cut by a kill before appending, so the resumed item's record is not glued on.
    path = tmp_path / "r.jsonl"
    path.write_text(_line({"id": "a", "score": 1.0}) + '{"id": "c", "predic')
    store = ResultStore(path)
    store.add({"id": "c", "score": 0.5})  # the resumed run redoes item c
    assert ResultStore(path).get("c") == {"id": "c", "score": 0.5}


WRITER = textwrap.dedent("""
    import sys
    from acbench.tasks.base import ResultStore

    path, tag, count, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    store = ResultStore(path)
    for i in range(count):
        store.add({"id": f"{tag}-{i}", "writer": tag, "prediction": tag * size})
        store.add({"id": "shared", "writer": tag, "prediction": tag * size})
""")


@pytest.mark.parametrize("size", [100, 20_000])
def test_two_processes_appending_to_one_file_lose_and_garble_nothing(tmp_path, size):
    path = tmp_path / "results" / "shared.jsonl"
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    count = 150
    procs = [subprocess.Popen([sys.executable, str(script), str(path), tag, str(count), str(size)])
             for tag in ("p", "q")]
    assert [p.wait(timeout=300) for p in procs] == [0, 0]
    lines = path.read_text().splitlines()
    assert len(lines) == 4 * count  # every add is one whole line
    records = [json.loads(line) for line in lines]  # none interleaved
    assert all(r["prediction"] == r["writer"] * size for r in records)
    store = ResultStore(path)
    for tag in ("p", "q"):
        assert all(f"{tag}-{i}" in store for i in range(count))
    assert store.get("shared")["writer"] in ("p", "q")
    assert len(store.records_for([Sample(f"{t}-{i}", {}) for t in "pq" for i in range(count)])) == 2 * count


def test_a_garbled_line_in_the_middle_hides_nothing_after_it(tmp_path):
    path = tmp_path / "r.jsonl"
    garbled = '{"id": "b", "sco{"id": "x"}\n'  # a line spliced by an old bug or a full disk
    path.write_text(_line({"id": "a", "score": 1.0}) + garbled + _line({"id": "c", "score": 0.0}))
    store = ResultStore(path)
    assert ("a" in store, "b" in store, "x" in store, "c" in store) == (True, False, False, True)


def test_values_json_cannot_write_are_stored_as_text(tmp_path):
    from pathlib import Path

    path = tmp_path / "r.jsonl"
    ResultStore(path).add({"id": "p", "source": Path("/data/x.json"), "score": 1})
    assert path.read_text() == '{"id": "p", "source": "/data/x.json", "score": 1}\n'
    assert ResultStore(path).get("p") == {"id": "p", "source": "/data/x.json", "score": 1}
