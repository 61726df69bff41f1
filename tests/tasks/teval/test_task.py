"""TEvalTask end to end with a scripted engine: perfect answers, garbage, resume, re-scoring."""

import json

import pytest

from acbench.engines.scripted import ScriptedEngine
from acbench.tasks.base import ResultStore
from acbench.tasks.registry import make_task
from acbench.tasks.teval import TEvalTask
from acbench.tasks.teval.task import STOP

PARSED_KINDS = {"instruct", "plan_json", "plan_str", "reason_retrieve_understand_json", "review_str"}


def _key(request):
    return json.dumps(list(request.messages))


def _engine_for(task, samples, answer):
    """A ScriptedEngine that answers each sample's prompt with `answer(sample)`."""
    probe = ScriptedEngine(lambda r: "")
    by_prompt = {_key(task.request(s, probe)): answer(s) for s in samples}
    return ScriptedEngine(lambda request: by_prompt[_key(request)])


def test_quick_profile_is_small_and_balanced(bow):
    task = TEvalTask(embedding_model=bow)
    samples = task.load()
    assert len(samples) == 9
    request = task.request(samples[0], ScriptedEngine([]))
    assert request.stop == STOP and request.max_new_tokens <= 160 and request.temperature == 0.0
    assert [m["role"] for m in request.messages][0] == "system"
    assert len(TEvalTask(profile="paper", embedding_model=bow).load()) == 217
    assert len(task.load(limit=3)) == 27
    json_only = TEvalTask(embedding_model=bow, formats=("json",)).load()
    assert {s.data["format"] for s in json_only} == {"json"} and len(json_only) == 3


def test_perfect_answers_score_100(bow, gold, tmp_path):
    task = TEvalTask(profile="paper", embedding_model=bow)
    samples = task.load()
    result = task.run(_engine_for(task, samples, gold), samples, ResultStore(tmp_path / "teval.jsonl"))
    assert result.main == "overall" and result.capability == "tool_use"
    assert result.metrics["overall_strict"] == pytest.approx(100.0)
    for ability in ("instruct", "plan", "reason", "retrieve", "understand", "review"):
        assert result.metrics[ability + "_strict"] == pytest.approx(100.0)
        assert result.metrics[f"{ability}/str_strict"] == pytest.approx(100.0)
    # paper: the 8 of 24 string instruct items with `[THOUGHT] ` markers (a character class) never parse:
    # format = args_em = round(16/24, 4) = .6667; JSON understand divides by n_args + 1e-5.
    assert result.metrics["instruct/str"] == pytest.approx(66.67, abs=1e-9)
    assert result.metrics["instruct/json"] == pytest.approx(100.0)
    assert result.metrics["understand/json"] == pytest.approx(100.0, abs=1e-3) and result.metrics["understand/json"] < 100
    for ability in ("plan", "reason", "retrieve", "review"):
        assert result.metrics[ability] == pytest.approx(100.0)
    expected = (100 * 4 + (100 + 66.67) / 2 + (100 + result.metrics["understand/json"]) / 2) / 6
    assert result.metrics["overall"] == pytest.approx(expected, abs=1e-9)
    assert "review/json" not in result.metrics  # upstream review data is string-only
    assert all(r["parse_error"] is None and r["paper_reason"] is None for r in result.records)
    assert {r["embedding_model"] for r in result.records if "embedding_model" in r} == {"BagOfWordsEmbedder"}
    assert "teval_abilities.png" in result.figures


def test_garbage_scores_zero_with_reasons(bow, tmp_path):
    task = TEvalTask(embedding_model=bow)
    samples = task.load()
    result = task.run(ScriptedEngine(lambda r: "zzz qqq"), samples, ResultStore(tmp_path / "teval.jsonl"))
    assert result.metrics["overall"] == 0.0
    assert all(v == 0.0 for k, v in result.metrics.items() if k != "parse_rate/str"), result.metrics
    for record in result.records:
        assert record["prediction"] == "zzz qqq"
        if record["kind"] in PARSED_KINDS:
            assert isinstance(record["parse_error"], str) and record["parse_error"], record
    # the string reason/retrieve/understand files need no parsing: only they count as parsed
    assert result.metrics["parse_rate/str"] == pytest.approx(100 * 9 / 18)  # 9 of 18 string items


def test_resume_runs_only_the_missing_items(bow, gold, tmp_path):
    task = TEvalTask(embedding_model=bow)
    samples = task.load()
    path = tmp_path / "teval.jsonl"
    store = ResultStore(path)
    for s in samples[::2]:  # half the items were done before a crash
        store.add(task._record(s, None, gold(s)))
    engine = _engine_for(task, samples, gold)
    result = task.run(engine, samples, ResultStore(path))
    assert len(engine.requests) == len(samples) - len(samples[::2])
    assert len(result.records) == len(samples)
    assert result.metrics["overall"] == pytest.approx(100.0)


def test_score_predictions_and_registry(bow, gold):
    task = make_task("teval", embedding_model=bow, scoring="strict")
    samples = task.load()
    predictions = {s.id: gold(s) for s in samples if s.data["kind"] != "plan_json"}
    result = task.score_predictions(samples, predictions)
    assert result.main == "overall_strict" and task.options["scoring"] == "strict"
    result.metrics = {k.removesuffix("_strict"): v for k, v in result.metrics.items() if k.endswith("_strict")}
    assert result.metrics["plan/json"] == 0.0 and result.metrics["plan/str"] == pytest.approx(100.0)
    assert result.metrics["plan"] == pytest.approx(50.0)
    assert result.metrics["overall"] == pytest.approx(100 * (5 + 0.5) / 6)
    assert result.metrics["json"] == pytest.approx(100 * 4 / 5)


def test_bad_options():
    with pytest.raises(ValueError, match="profile"):
        TEvalTask(profile="huge")
    with pytest.raises(ValueError, match="formats"):
        TEvalTask(formats=("xml",))
    with pytest.raises(ValueError, match="no option"):
        make_task("teval", temperature=0.5)


def test_items_decompose_the_headline(bow, gold):
    from acbench.tasks.base import headline_from_items

    task = TEvalTask(profile="paper", embedding_model=bow)
    samples = task.load()
    predictions = {s.id: gold(s) if i % 3 else "Answer: C" for i, s in enumerate(samples)}
    result = task.score_predictions(samples, predictions)
    assert result.binary is False and len(result.items) == len(samples)
    assert {i.group for i in result.items} == {"instruct_json", "instruct_str", "plan_json", "plan_str", "reason_str",
                                                "retrieve_str", "understand_str", "reason_retrieve_understand_json",
                                                "review_str"}
    assert set(result.group_weights.values()) == {1 / 6}
    # paper rounds the instruct (format, args_em per format) and review means to 4 decimals: each cell moves
    # by at most 0.5e-4 (0-1 scale), i.e. the instruct and review abilities by 0.5e-4 each, overall by
    # 100 / 6 * 1e-4 at most.
    assert headline_from_items(result.items, result.group_weights) == pytest.approx(result.metrics["overall"],
                                                                                    abs=100 / 6 * 1e-4)
    assert result.floor == pytest.approx(100 * 0.2 / 6)  # review: 1 letter in 5, one ability in six
    strict = TEvalTask(profile="paper", embedding_model=bow, scoring="strict").score_predictions(samples, predictions)
    assert strict.main == "overall_strict"
    assert headline_from_items(strict.items, strict.group_weights) == pytest.approx(strict.metrics["overall_strict"],
                                                                                    abs=1e-9)


def test_upstream_ids_and_embedding_defaults(tmp_path, bow):
    import shutil

    from acbench.tasks.teval.dataset import BUILTIN_DIR

    src = tmp_path / "reason_str_v2_zh.json"
    shutil.copy(BUILTIN_DIR / "reason_str_v2.json", src)
    data = json.loads(src.read_text())
    src.write_text(json.dumps({str(i): entry for i, entry in enumerate(data.values())}))
    paper = TEvalTask(profile="paper")
    samples = paper.load(str(src))
    assert [s.upstream_id for s in samples[:3]] == ["0", "1", "2"] and samples[0].id == "reason_str_v2_zh/0"
    assert paper.embedding_model == "sentence-transformers/all-mpnet-base-v2"
    assert paper.model_for(samples[0]) == "thenlper/gte-large-zh"  # upstream's model for _zh data
    assert TEvalTask().embedding_model == "all-MiniLM-L6-v2"
    assert TEvalTask(profile="quick").model_for(samples[0]) == "all-MiniLM-L6-v2"
    assert TEvalTask(profile="paper", embedding_model="my-model").model_for(samples[0]) == "my-model"
    task = TEvalTask(profile="paper", embedding_model=bow)
    result = task.score_predictions(samples, {s.id: s.target["thought"] for s in samples})
    assert result.metrics["reason/str"] == pytest.approx(100.0)
    assert TEvalTask().load()[0].upstream_id == "instruct_json_00"
