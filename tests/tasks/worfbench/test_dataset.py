"""Loading graph_eval.json: real upstream samples, our built-in suite, and clear errors on bad input."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from acbench.tasks.worfbench.dataset import WorfBenchDataError, load_graph_eval
from acbench.tasks.worfbench.graph import parse_workflow

REPO = Path(__file__).resolve().parents[3]
UPSTREAM = REPO / ".." / "shared" / "data" / "worfbench"
needs_upstream = pytest.mark.skipif(not (UPSTREAM / "os" / "graph_eval.json").exists(), reason="upstream samples absent")


@needs_upstream
def test_real_upstream_folder_of_task_folders():
    samples = load_graph_eval(UPSTREAM)
    counts = Counter(s.data["task"] for s in samples)
    assert counts == {"os": 20, "webshop": 133}
    first = next(s for s in samples if s.data["task"] == "os")
    assert first.id == "os/os_92"
    assert first.target.startswith("Node:\n1: execute bash code")
    assert len(parse_workflow(first.target).nodes) == 6
    assert len({s.id for s in samples}) == len(samples)


@needs_upstream
def test_real_upstream_single_file_and_limits():
    samples = load_graph_eval(UPSTREAM / "webshop" / "graph_eval.json", limit_per_task=5)
    assert [s.data["task"] for s in samples] == ["webshop"] * 5
    only_os = load_graph_eval(UPSTREAM, task_names=["os"], limit_per_task=3)
    assert len(only_os) == 3 and [s.id for s in only_os[:2]] == ["os/os_92", "os/os_95"]


def test_builtin_suite_has_four_types_of_at_least_15_with_parallel_graphs():
    samples = load_graph_eval(None)
    counts = Counter(s.data["task"] for s in samples)
    assert set(counts) == {"function_call", "embodied", "problem_solving", "open_grounded"}
    assert min(counts.values()) >= 15
    for task in counts:
        graphs = [parse_workflow(s.target) for s in samples if s.data["task"] == task]
        forks = [g for g in graphs if max(Counter(a for a, _ in g.edges).values()) > 1]
        assert len(forks) >= 5, f"{task} needs parallel branches, not only chains"
        assert all(s.data["conversations"][0]["role"] == "system" for s in samples if s.data["task"] == task)


def test_builtin_suite_file_matches_its_builder(tmp_path):
    from acbench.tasks.worfbench.suite import build

    build.main(tmp_path)
    for task in build.MODULES:
        shipped = json.loads((build.OUT_DIR / task / "graph_eval.json").read_text())
        assert json.loads((tmp_path / task / "graph_eval.json").read_text()) == shipped


def test_task_name_comes_from_folder_when_source_is_missing(tmp_path):
    folder = tmp_path / "mytask"
    folder.mkdir()
    record = {"id": 1, "conversations": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "Node:\n1: a\nEdge: (START,1) (1,END)"}]}
    (folder / "graph_eval.json").write_text(json.dumps([record, record]))
    samples = load_graph_eval(tmp_path)
    assert [s.id for s in samples] == ["mytask/1", "mytask/1#2"]  # duplicate ids made unique


def test_clear_errors(tmp_path, monkeypatch):
    with pytest.raises(WorfBenchDataError, match="neither a local file"):
        load_graph_eval(str(tmp_path / "nope" / "x.json"))
    (tmp_path / "graph_eval.json").write_text("{not json")
    with pytest.raises(WorfBenchDataError, match="not valid JSON"):
        load_graph_eval(tmp_path)
    (tmp_path / "graph_eval.json").write_text(json.dumps([{"id": 1, "conversations": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "no graph"}]}]))
    with pytest.raises(WorfBenchDataError, match="gold workflow of item 1 is unusable"):
        load_graph_eval(tmp_path)
    with pytest.raises(WorfBenchDataError, match="not in the built-in suite"):
        load_graph_eval(None, task_names=["alfworld"])
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(WorfBenchDataError, match="no graph_eval.json"):
        load_graph_eval(empty)


def test_hub_id_offline_is_a_clear_error(monkeypatch):
    import huggingface_hub

    def offline(*args, **kwargs):
        raise OSError("network is unreachable")

    monkeypatch.setattr(huggingface_hub, "snapshot_download", offline)
    with pytest.raises(WorfBenchDataError, match="could not fetch hub dataset 'zjunlp/WorFBench'.*offline"):
        load_graph_eval("zjunlp/WorFBench")


def test_upstream_ids_and_a_warning_for_gold_upstream_cannot_sort(tmp_path, caplog):
    records = [{"source": "os", "id": i, "target": "graph", "conversations": [
        {"role": "system", "content": "s"}, {"role": "user", "content": "u"},
        {"role": "assistant", "content": gold}]} for i, gold in [
        ("os_1", "Node:\n1: a\n2: b\nEdge: (START,1) (1,2) (2,END)"),
        ("os_2", "Node:\n1: a\n2: b\nEdge: (START,1) (1,2) (2,1) (2,END)")]]  # a cycle: upstream fails on it
    path = tmp_path / "graph_eval.json"
    path.write_text(json.dumps(records))
    with caplog.at_level("WARNING"):
        samples = load_graph_eval(path)
    assert [(s.id, s.upstream_id) for s in samples] == [("os/os_1", "os_1"), ("os/os_2", "os_2")]
    assert "'os_2'" in caplog.text and "gold_not_sortable" in caplog.text and "'os_1'" not in caplog.text


def test_gold_only_upstream_can_read_loads_with_a_warning(tmp_path, caplog):
    from acbench.tasks.worfbench.paper import score_paper
    from acbench.tasks.worfbench.scorer import score_workflow

    gold = "Node:\n1: a\n2: b\nEdge: (START,1) (1,2) (2,END)".replace("1: a", "x 1: a").replace("2: b", "y 2: b")
    (tmp_path / "graph_eval.json").write_text(json.dumps([{"source": "os", "id": "g", "conversations": [
        {"role": "user", "content": "u"}, {"role": "assistant", "content": gold}]}]))
    with caplog.at_level("WARNING"):
        [sample] = load_graph_eval(tmp_path)
    assert "acbench's parser cannot read" in caplog.text
    exact = lambda a, b: np.array([[float(x == y) for y in b] for x in a]).reshape(len(a), len(b))  # noqa: E731
    assert score_paper(gold, sample.target, exact)["graph_f1"] == 1.0
    strict = score_workflow(gold, sample.target, exact)
    assert strict["graph_f1"] == 0.0 and strict["parse_error"] == "gold: no numbered nodes"
