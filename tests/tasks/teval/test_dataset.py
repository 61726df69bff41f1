"""Loading upstream-format T-Eval files (tmp files we write), the built-in suite, and bad input."""

import json
from collections import Counter

import pytest

from acbench.tasks.teval.dataset import FILES, TEvalDataError, balanced_subset, load_samples, to_messages

PLAN = {"query_0_1": {
    "meta": {"prompt_type": "json", "API_list": ["ArxivSearch.get_arxiv_article_information"]},
    "ground_truth": [{"id": 0, "prev": [], "name": "ArxivSearch.get_arxiv_article_information", "args": {"query": "x"}},
                     {"id": 1, "prev": [0], "name": "FinishAction", "args": {}}],
    "origin_prompt": [{"role": "system", "content": "You have access to the following API: ..."},
                      {"role": "user", "content": "Find articles about x."}]}}
REVIEW = {"126": {"template": "", "meta_data": {"response_format": "str"},
                  "ground_truth": {"answer": "B", "thought": "proxy error"},
                  "origin_prompt": [{"role": "system", "content": "Choose A-E"}, {"role": "user", "content": "Goal: ..."}]}}
INSTRUCT = {"1": {"template": {"thought": "goal", "action": "name", "args": "args"},
                  "meta_data": {"response_format": "json"}, "ground_truth": {"action": "A.b", "args": {"k": "v"}},
                  "origin_prompt": [{"role": "user", "content": "call A.b"}]},
            "2": {"template": {"thought_start": "T:", "thought_end": "\n", "action_start": "A:", "action_end": "\n",
                               "args_start": "I:", "args_end": ""},
                  "meta_data": {"response_format": "string"}, "ground_truth": {"action": "A.b", "args": {}},
                  "origin_prompt": [{"role": "user", "content": "call A.b"}]}}


def _write(folder, stem, data):
    (folder / f"{stem}.json").write_text(json.dumps(data))


def test_reads_upstream_files_from_a_directory(tmp_path):
    _write(tmp_path, "plan_json_v2", PLAN)
    _write(tmp_path, "review_str_v2", REVIEW)
    _write(tmp_path, "instruct_v2", INSTRUCT)
    samples = load_samples(tmp_path)
    assert [s.id for s in samples] == ["instruct_v2/1", "instruct_v2/2", "plan_json_v2/query_0_1", "review_str_v2/126"]
    formats = {s.id: (s.data["kind"], s.data["format"]) for s in samples}
    assert formats["instruct_v2/2"] == ("instruct", "str")  # "string" normalises to "str"
    assert formats["plan_json_v2/query_0_1"] == ("plan_json", "json")
    assert samples[2].target == PLAN["query_0_1"]["ground_truth"]
    assert samples[2].data["record"]["meta"]["API_list"] == PLAN["query_0_1"]["meta"]["API_list"]


def test_reads_one_file_and_a_data_subfolder(tmp_path):
    (tmp_path / "data").mkdir()
    _write(tmp_path / "data", "review_str_v2", REVIEW)
    assert [s.id for s in load_samples(tmp_path)] == ["review_str_v2/126"]
    assert [s.id for s in load_samples(tmp_path / "data" / "review_str_v2.json")] == ["review_str_v2/126"]
    _write(tmp_path, "plan_json_v1", PLAN)  # other versions load when named directly
    assert load_samples(tmp_path / "plan_json_v1.json")[0].data["kind"] == "plan_json"


def test_origin_prompt_as_string_and_function_role():
    prompt = json.dumps([{"role": "system", "content": "S"}, {"role": "user", "content": "U"},
                         {"role": "assistant", "content": "A"}, {"role": "function", "content": "F"},
                         {"role": "user", "content": "U2"}])
    assert to_messages(prompt) == [{"role": "system", "content": "S"}, {"role": "user", "content": "U"},
                                   {"role": "assistant", "content": "A"}, {"role": "user", "content": "F\n\nU2"}]


def test_bad_sources_raise_clear_errors(tmp_path, monkeypatch):
    with pytest.raises(TEvalDataError, match="no T-Eval files"):
        load_samples(tmp_path)
    (tmp_path / "notes.json").write_text("{}")
    with pytest.raises(TEvalDataError, match="not a T-Eval file name"):
        load_samples(tmp_path / "notes.json")
    (tmp_path / "review_str_v2.json").write_text("[1, 2]")
    with pytest.raises(TEvalDataError, match="keyed by sample id"):
        load_samples(tmp_path)
    _write(tmp_path, "review_str_v2", {"1": {"origin_prompt": []}})
    with pytest.raises(TEvalDataError, match=r"review_str_v2.json\[1\].*ground_truth"):
        load_samples(tmp_path)
    _write(tmp_path, "plan_str_v2", {"1": {"origin_prompt": [], "ground_truth": {"a": 1}}})
    with pytest.raises(TEvalDataError, match="list of steps"):
        load_samples(tmp_path / "plan_str_v2.json")
    with pytest.raises(TEvalDataError, match="no such file"):
        load_samples(tmp_path / "missing" / "x.json")


def test_hub_id_offline_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", True)
    with pytest.raises(TEvalDataError, match="Offline\\?"):
        load_samples("lovesnowbest/T-Eval")


def test_builtin_suite_counts():
    samples = load_samples()
    assert {s.id.split("/")[0] for s in samples} == set(FILES)
    counts = Counter((s.data["kind"], s.data["format"]) for s in samples)
    expected = {("instruct", "json"), ("instruct", "str"), ("plan_json", "json"), ("plan_str", "str"),
                ("reason_str", "str"), ("retrieve_str", "str"), ("understand_str", "str"),
                ("reason_retrieve_understand_json", "json"), ("review_str", "str")}
    assert set(counts) == expected and min(counts.values()) >= 20
    assert len({s.id for s in samples}) == len(samples)
    # every tool a gold answer names is offered to the model in the system prompt
    for s in samples:
        gold = s.target
        names = [g["name"] for g in gold] if isinstance(gold, list) else [gold.get("action") or gold.get("name")]
        system = s.data["record"]["origin_prompt"][0]["content"]
        assert all(n in system for n in names if n and n != "FinishAction"), s.id


def test_balanced_subset_spreads_evenly():
    samples = load_samples()
    subset = balanced_subset(samples, 3)
    counts = Counter((s.data["kind"], s.data["format"]) for s in subset)
    assert len(counts) == 9 and set(counts.values()) == {3}
    plan = [s.id for s in subset if s.data["kind"] == "plan_json"]
    assert plan == ["plan_json_v2/plan_json_00", "plan_json_v2/plan_json_12", "plan_json_v2/plan_json_23"]
    assert balanced_subset(samples, None) == samples
