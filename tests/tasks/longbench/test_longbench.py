"""LongBench: loading (file, folder, errors), prompts, middle truncation, scoring per family, resume."""

from __future__ import annotations

import json

import pytest

from acbench.engines.scripted import ScriptedEngine
from acbench.tasks.base import ResultStore
from acbench.tasks.longbench.dataset import LongBenchDataError, read_rows
from acbench.tasks.longbench.build_data import BUILDERS, build_rows
from acbench.tasks.longbench.specs import spec_for
from acbench.tasks.longbench.task import LongBenchTask, score_prediction
from acbench.tasks.registry import make_task


def _row(dataset, context, question, answers, _id, all_classes=None):
    return {"input": question, "context": context, "answers": answers, "length": len(context.split()),
            "dataset": dataset, "language": "en", "all_classes": all_classes, "_id": _id}


def _write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_builtin_suite_covers_every_metric_family_and_quick_is_one_per_dataset():
    task = make_task("longbench")
    samples = task.load()
    assert len(samples) == 6
    assert {spec_for(s.data["dataset"]).metric for s in samples} == {
        "qa_f1", "rouge", "classification", "retrieval", "count", "code_sim"}
    assert all(s.data["length"] >= 1000 for s in samples)  # long enough to need the context
    assert len(LongBenchTask(profile="paper").load()) == 30


def test_builder_is_deterministic_and_matches_shipped_files():
    from acbench.tasks.longbench.dataset import BUILTIN_DIR

    for dataset in BUILDERS:
        shipped = [json.loads(line) for line in (BUILTIN_DIR / f"{dataset}.jsonl").open()]
        assert shipped == build_rows(dataset)


def test_planted_answers_are_in_the_context():
    for s in LongBenchTask(profile="paper").load():
        metric = spec_for(s.data["dataset"]).metric
        if metric in ("qa_f1", "code_sim"):
            assert s.target[0] in s.data["context"] or s.data["dataset"] == "acb_code_completion"
        if metric == "retrieval":
            assert s.target[0] + ":" in s.data["context"]
        if metric == "classification":
            assert s.target[0] in s.data["all_classes"]


def test_perfect_answers_score_100_and_garbage_0(tmp_path):
    task = LongBenchTask(profile="paper")
    samples = task.load()
    from acbench.tasks.longbench.task import build_prompt

    answers = {build_prompt(s)[0]: s.target[0] for s in samples}  # no truncation at this context size
    engine = ScriptedEngine(lambda r: answers[r.messages[-1]["content"]], max_context=100_000)
    result = task.run(engine, samples, ResultStore(None))
    assert result.main == "longbench/score"
    # the rouge package's F has 1e-8 in its denominator: a perfect summary scores 0.999999995
    assert result.metrics["longbench/score"] == pytest.approx(100.0, abs=1e-6)
    assert result.metrics["longbench/score_strict"] == 100.0
    assert all(result.metrics[f"longbench/{d}"] == 100.0 for d in BUILDERS)  # rounded to 2 decimals
    assert result.metrics["longbench/acb_code_completion"] == 100.0
    garbage = task.run(ScriptedEngine(lambda r: "zzz", max_context=100_000), samples, ResultStore(None))
    assert garbage.metrics["longbench/score"] == 0.0 and garbage.metrics["longbench/score_strict"] == 0.0
    assert all(r["parse_error"] for r in garbage.records)


def test_scores_by_family_from_a_local_file(tmp_path):
    rows = [
        _row("hotpotqa", "Paris is in France.", "Where is Paris?", ["France", "the French Republic"], "a"),
        _row("gov_report", "A report.", "", ["the cat was on the mat"], "b"),
        _row("trec", "examples", "Q", ["Location"], "c", all_classes=["Location", "Person"]),
        _row("passage_retrieval_en", "Paragraph 1: x", "abstract", ["Paragraph 2"], "d"),
        _row("passage_count", "Paragraph 1: x", "", ["4"], "e"),
        _row("lcc", "def f():\n", "", ["    return 1"], "f"),
    ]
    task = LongBenchTask(profile="paper")
    samples = task.load(str(_write(tmp_path / "mixed.jsonl", rows)))
    preds = {
        "a": "It is in France, Europe",  # F1 vs "france": P = 1/3 (it, is, in, france, europe -> 1/5)...
        "b": "the cat sat on the mat",  # ROUGE-L 5/6
        "c": "Person\nLocation",  # first line only (trec quirk): Person -> 0
        "d": "Paragraph 2",  # 1
        "e": "4 or 5",  # 1/2
        "f": "    return 1",  # 1
    }
    result = task.score_predictions(samples, preds)
    by_id = {r["id"]: r["score_strict"] for r in result.records}
    # "it is in france europe" vs "france": P = 1/5, R = 1 -> F1 = 1/3
    assert by_id["a"] == pytest.approx(1 / 3)
    assert by_id["b"] == pytest.approx(5 / 6)
    assert by_id["c"] == 0.0 and by_id["d"] == 1.0 and by_id["e"] == 0.5 and by_id["f"] == 1.0
    assert result.metrics["longbench/hotpotqa_strict"] == pytest.approx(100 / 3)
    expected = 100 * (1 / 3 + 5 / 6 + 0 + 1 + 0.5 + 1) / 6
    assert result.metrics["longbench/score_strict"] == pytest.approx(expected)
    # paper: the rouge package counts distinct words: {the, cat, on, mat} of 5 on each side -> F = 0.8
    paper = {r["id"]: r["score"] for r in result.records}
    assert paper["b"] == pytest.approx(0.8, abs=1e-7)
    assert paper == pytest.approx({**by_id, "b": 0.8}, abs=1e-7)
    assert result.metrics["longbench/hotpotqa"] == 33.33  # round(100 x mean, 2)
    assert result.metrics["longbench/gov_report"] == 80.0
    expected = 100 * (1 / 3 + 0.799999995 + 0 + 1 + 0.5 + 1) / 6
    assert result.metrics["longbench/score"] == pytest.approx(expected, abs=1e-9)
    assert result.main == "longbench/score"
    assert score_prediction("trec", "Location\nPerson", ["Location"], ["Location", "Person"]) == 1.0


def test_folder_source_limit_and_dataset_filter(tmp_path):
    _write(tmp_path / "hotpotqa.jsonl", [{k: v for k, v in _row("hotpotqa", "c", "q", ["a"], f"h{i}").items()
                                          if k != "dataset"} for i in range(3)])
    _write(tmp_path / "lcc.jsonl", [_row("lcc", "c", "", ["x"], f"l{i}") for i in range(2)])
    samples = LongBenchTask().load(str(tmp_path))  # quick: 1 per dataset
    assert [s.id for s in samples] == ["h0", "l0"] and samples[0].data["dataset"] == "hotpotqa"  # name from file
    assert len(LongBenchTask().load(str(tmp_path), limit=2)) == 4
    assert [s.id for s in LongBenchTask(datasets=["lcc"]).load(str(tmp_path), limit=5)] == ["l0", "l1"]


def test_bad_sources_are_clear_errors(tmp_path):
    with pytest.raises(LongBenchDataError, match="not found"):
        read_rows(str(tmp_path / "nope.jsonl"))
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"input": "q"}\n')
    with pytest.raises(LongBenchDataError, match="lacks"):
        read_rows(str(bad))
    bad.write_text("{not json\n")
    with pytest.raises(LongBenchDataError, match="not valid JSON"):
        read_rows(str(bad))
    _write(bad, [_row("mystery_set", "c", "q", ["a"], "x")])
    with pytest.raises(KeyError, match="unknown LongBench dataset"):
        LongBenchTask().load(str(bad))
    with pytest.raises(KeyError):
        LongBenchTask(datasets=["nope"])


def test_hub_id_offline_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    with pytest.raises(LongBenchDataError, match="Hugging Face hub"):
        read_rows("no-such-owner/no-such-longbench:hotpotqa")


def test_over_long_prompt_keeps_first_and_last_halves(tmp_path):
    context = " ".join(f"w{i}" for i in range(5000))
    rows = [_row("hotpotqa", context, "Which word comes last?", ["w4999"], "long")]
    task = LongBenchTask()
    samples = task.load(str(_write(tmp_path / "long.jsonl", rows)))
    engine = ScriptedEngine(lambda r: "w4999", max_context=1000)
    result = task.run(engine, samples, ResultStore(None))
    prompt = engine.requests[0].messages[-1]["content"]
    budget = 1000 - 32 - 64
    words = prompt.split()
    assert len(words) == budget
    full = (spec_for("hotpotqa").prompt.format(context=context, input="Which word comes last?")).split()
    assert words[: budget // 2] == full[: budget // 2]  # first half of the budget from the start
    assert words[budget // 2 :] == full[len(full) - (budget - budget // 2) :]  # the rest from the end
    assert "Which word comes last?" in prompt and "w2500" not in words
    record = result.records[0]
    assert record["truncated"] is True and record["prompt_tokens"] == len(full)


def test_truncation_with_the_real_tokenizer():
    import transformers  # a hard dependency: fail, never skip
    from acbench.models import resolve_model

    tokenizer = transformers.AutoTokenizer.from_pretrained(resolve_model())
    try:
        from acbench.engines.hf import HFEngine
    except ImportError:
        pytest.skip("HF engine not available")
    engine = HFEngine.__new__(HFEngine)  # only the tokenizer helpers; no model weights needed
    engine.tokenizer = tokenizer
    text = " ".join(f"token{i}" for i in range(800))
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    cut = engine.truncate_middle(text, 100)
    assert tokenizer.decode(ids[:50]) in cut and cut.endswith(tokenizer.decode(ids[-50:]))
    assert abs(engine.count_tokens(cut) - 100) <= 2  # re-tokenising the joint may merge a pair


def test_resume_after_a_crash(tmp_path):
    task = LongBenchTask(profile="paper")
    samples = task.load()[:6]
    calls = {"n": 0}

    def crash_on_third(request):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("killed")
        return "x"

    path = tmp_path / "lb.jsonl"
    with pytest.raises(RuntimeError):
        task.run(ScriptedEngine(crash_on_third, max_context=100_000), samples, ResultStore(path))
    assert len(path.read_text().splitlines()) == 2  # one batch of 2 was saved
    engine = ScriptedEngine(lambda r: "x", max_context=100_000)
    result = task.run(engine, samples, ResultStore(path))
    assert len(engine.requests) == 4 and len(result.records) == 6


# Tiny Chinese items of our own writing, in the upstream row format.
ZH_ROWS = [
    {"input": "这所学校在哪座城市？", "context": "北京大学位于北京市海淀区。", "answers": ["北京"], "length": 3000,
     "dataset": "multifieldqa_zh", "language": "zh", "all_classes": None, "_id": "zh-qa-0"},
    {"input": "会议决定了什么？", "context": "主持人：我们讨论明年的预算。", "answers": ["会议决定增加明年的预算。"],
     "length": 5000, "dataset": "dureader", "language": "zh", "all_classes": None, "_id": "zh-du-0"},
    {"input": "", "context": "会议记录……", "answers": ["大家同意推迟发布。"], "length": 9000, "dataset": "vcsum",
     "language": "zh", "all_classes": None, "_id": "zh-vc-0"},
    {"input": "一所大学的简介", "context": "段落1：天气。段落2：北京大学。", "answers": ["段落2"], "length": 100,
     "dataset": "passage_retrieval_zh", "language": "zh", "all_classes": None, "_id": "zh-pr-0"},
    {"input": "新闻：球队赢得冠军", "context": "新闻：股市上涨\n类别：财经", "answers": ["体育"], "length": 200,
     "dataset": "lsht", "language": "zh", "all_classes": ["体育", "财经", "教育"], "_id": "zh-ls-0"},
]
ZH_PREDS = {"zh-qa-0": "在北京。", "zh-du-0": "会议决定明年增加预算。", "zh-vc-0": "", "zh-pr-0": "答案是段落2和段落1",
            "zh-ls-0": "体育\n财经"}


def test_chinese_datasets_load_and_score_with_their_metrics(tmp_path):
    task = LongBenchTask(profile="paper")
    samples = task.load(str(_write(tmp_path / "zh.jsonl", ZH_ROWS)))
    assert [s.upstream_id for s in samples] == [r["_id"] for r in ZH_ROWS]
    result = task.score_predictions(samples, ZH_PREDS)
    by_id = {r["id"]: r for r in result.records}
    # 在/北京 vs 北京 after jieba and normalisation: P = 1/2, R = 1 -> 2/3
    assert by_id["zh-qa-0"]["score"] == pytest.approx(2 / 3) and by_id["zh-qa-0"]["metric"] == "qa_f1_zh"
    assert by_id["zh-du-0"]["score"] == pytest.approx(0.7692, abs=1e-4)  # the spec's rouge_zh example
    assert by_id["zh-vc-0"]["score"] == 0.0 and by_id["zh-vc-0"]["paper_reason"] == "rouge_error"  # empty reply
    assert by_id["zh-pr-0"]["score"] == 0.5 and by_id["zh-ls-0"]["score"] == 1.0  # lsht: first line only
    assert result.metrics["longbench/multifieldqa_zh"] == 66.67
    assert result.metrics["longbench/dureader/4-8k"] == 76.92 and result.metrics["longbench/vcsum/8k_plus"] == 0.0


def test_items_decompose_the_headline_in_both_modes(tmp_path):
    from acbench.tasks.base import headline_from_items

    rows = ZH_ROWS + [_row("hotpotqa", "c", "q", ["Paris"], f"h{i}") for i in range(3)]
    preds = {**ZH_PREDS, "h0": "Paris", "h1": "in Paris, France", "h2": "Lyon"}
    for scoring, main in (("paper", "longbench/score"), ("strict", "longbench/score_strict")):
        task = LongBenchTask(profile="paper", scoring=scoring)
        result = task.score_predictions(task.load(str(_write(tmp_path / "mix.jsonl", rows))), preds)
        assert result.main == main and result.floor == 0.0 and result.binary is False
        assert {i.group for i in result.items} == {r["dataset"] for r in rows} and len(result.items) == len(rows)
        assert headline_from_items(result.items, result.group_weights) == pytest.approx(result.metrics[main], abs=1e-9)
    with pytest.raises(ValueError, match="scoring"):
        LongBenchTask(scoring="exact")


def test_the_users_longbench_config_supplies_prompts_and_budgets(tmp_path):
    (tmp_path / "config").mkdir()
    (tmp_path / "data").mkdir()
    (tmp_path / "config" / "dataset2prompt.json").write_text(json.dumps(
        {"hotpotqa": "CTX={context} Q={input}", "trec": "FEW {context}{input}"}))
    (tmp_path / "config" / "dataset2maxlen.json").write_text(json.dumps({"hotpotqa": 7}))
    _write(tmp_path / "data" / "hotpotqa.jsonl", [_row("hotpotqa", "doc", "who?", ["x"], "h0")])
    _write(tmp_path / "data" / "trec.jsonl", [_row("trec", "ex", "q", ["A"], "t0", all_classes=["A"])])
    _write(tmp_path / "data" / "lcc.jsonl", [_row("lcc", "def f():", "", ["pass"], "l0")])
    task = LongBenchTask(profile="paper")
    samples = task.load(str(tmp_path / "data"))
    engine = ScriptedEngine(lambda r: "x", max_context=100_000)
    result = task.run(engine, samples, ResultStore(None))
    requests = {r.messages[-1]["content"]: r for r in engine.requests}
    assert requests["CTX=doc Q=who?"].max_new_tokens == 7 and requests["CTX=doc Q=who?"].raw_prompt is None
    assert requests["FEW exq"].raw_prompt == "FEW exq" and requests["FEW exq"].max_new_tokens == 64  # no chat template
    records = {r["id"]: r for r in result.records}
    assert records["h0"]["prompt_source"].endswith("dataset2prompt.json")
    assert records["l0"]["prompt_source"] == "acbench" and records["l0"]["chat_template"] is True  # not in the file
    own = LongBenchTask(profile="paper", prompts="acbench")
    own.load(str(tmp_path / "data"))
    assert own.config is None
    with pytest.raises(ValueError, match="dataset2prompt.json"):
        LongBenchTask(prompts=str(tmp_path / "nowhere"))


def test_upstream_ids_match_predictions_and_rows_without_id_get_ours(tmp_path):
    from acbench.predictions import match_ids

    rows = [_row("hotpotqa", "c", "q", ["a"], "5e1f")]
    rows.append({k: v for k, v in _row("hotpotqa", "c", "q", ["a"], "unused").items() if k != "_id"})
    samples = LongBenchTask(profile="paper").load(str(_write(tmp_path / "hotpotqa.jsonl", rows)))
    assert [(s.id, s.upstream_id) for s in samples] == [("5e1f", "5e1f"), ("hotpotqa-1", None)]
    assert match_ids({"5e1f": "a"}, samples) == {"5e1f": "a"}
    assert LongBenchTask.version == "2"
