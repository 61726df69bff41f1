"""acbench.metrics: metric names with explicit roles, the 0-100 headline scale, MLflow name sanitising."""

from __future__ import annotations

import math

import pytest

from acbench.metrics import (
    HEADLINE,
    Headline,
    capability_metric,
    headline_metric,
    mlflow_metrics,
    mlflow_name,
    on_common_scale,
    parse_capability_metric,
    task_metric,
    task_metrics,
)
from acbench.tasks.base import ItemScore, TaskResult
from acbench.tasks.registry import task_class


def test_names_are_role_capability_task_metric():
    assert task_metric("base", "tool_use", "teval", "plan/json") == "base/tool_use/teval/plan/json"
    # a task that writes its own name in front has it removed (once), so names read the same for every task
    assert task_metric("compressed", "long_context", "needle", "needle/score") == "compressed/long_context/needle/score"
    assert task_metric("base", "real_world", "pddl", "pddl/easy/progress_rate_strict") == \
        "base/real_world/pddl/easy/progress_rate_strict"
    assert headline_metric("compressed", "workflow", "worfbench") == "compressed/workflow/worfbench/headline"
    assert capability_metric("base", "long_context") == "base/long_context/score"
    assert parse_capability_metric("compressed/tool_use/score") == ("compressed", "tool_use")
    assert parse_capability_metric("tool_use/score") is None  # no role: not a capability score
    assert parse_capability_metric("base/long_context/needle/score") is None  # a task's metric
    with pytest.raises(ValueError, match=r"role must be one of \['base', 'compressed'\], got 'original'"):
        capability_metric("original", "tool_use")


def test_two_tool_use_tasks_written_like_teval_never_share_a_name():
    teval = TaskResult("teval", "tool_use", [], {"overall": 60.0, "plan/json": 50.0}, "overall")
    other = TaskResult("teval2", "tool_use", [], {"overall": 20.0, "plan/json": 10.0}, "overall")
    logged = {**task_metrics("compressed", teval), **task_metrics("compressed", other)}
    assert logged == {"compressed/tool_use/teval/overall": 60.0, "compressed/tool_use/teval/plan/json": 50.0,
                      "compressed/tool_use/teval2/overall": 20.0, "compressed/tool_use/teval2/plan/json": 10.0}


def test_headlines_convert_to_0_100_by_their_declared_scale():
    worfbench, needle = task_class("worfbench").headline, task_class("needle").headline
    assert worfbench.to_scale(0.5, "overall") == 50.0 and worfbench.to_scale(0.5, "overall_strict") == 50.0
    assert needle.to_scale(7.0, "score") == 70.0  # paper: 7 of 10
    assert needle.to_scale(70.0, "score_strict") == 70.0  # strict is already 0-100
    assert task_class("teval").headline.to_scale(63.5, "overall") == 63.5
    assert task_class("pddl").headline.to_scale(0.25, "progress_rate") == 25.0


def test_on_common_scale_keeps_raw_values_and_scales_items_and_floor():
    items = [ItemScore("a", 6.0), ItemScore("b", 8.0)]
    raw = TaskResult("needle", "long_context", [], {"needle/score": 7.0, "needle/score_strict": 71.0},
                     "needle/score", items=items, floor=1.0)
    scaled = on_common_scale(raw, Headline("score", maximum=10.0, strict_maximum=100.0))
    assert scaled.main == HEADLINE and scaled.score == 70.0
    assert scaled.metrics == {"needle/score": 7.0, "needle/score_strict": 71.0, HEADLINE: 70.0}  # raw values kept
    assert [(i.id, i.value) for i in scaled.items] == [("a", 60.0), ("b", 80.0)] and scaled.floor == 10.0
    assert raw.main == "needle/score" and raw.items[0].value == 6.0  # the task's own result is not changed
    strict = TaskResult("needle", "long_context", [], {"needle/score_strict": 71.0}, "needle/score_strict")
    assert on_common_scale(strict, task_class("needle").headline).score == 71.0


def test_scaled_items_still_decompose_the_headline_for_the_statistics():
    from acbench.stats.paired import PairedTask, pair_items

    def result(values):
        items = [ItemScore(str(i), v, "g1" if i < 2 else "g2") for i, v in enumerate(values)]
        overall = 0.5 * (values[0] + values[1]) / 2 + 0.5 * (values[2] + values[3]) / 2  # macro mean of groups
        return on_common_scale(TaskResult("worfbench", "workflow", [], {"overall": overall}, "overall", items=items),
                               task_class("worfbench").headline)

    pair = pair_items(result([0.5, 1.0, 0.0, 0.25]), result([0.5, 0.5, 0.0, 0.0]))
    assert isinstance(pair, PairedTask)
    assert pair.headline(pair.base) == pytest.approx(43.75) and pair.headline(pair.comp) == pytest.approx(25.0)


def test_mlflow_names_are_sanitised_in_one_place():
    assert mlflow_name("retrieval/jaccard@3") == "retrieval/jaccard_at_3"
    assert mlflow_name("a b-c.d:e/f_g") == "a b-c.d:e/f_g"  # everything MLflow allows stays
    assert mlflow_name("score(%)") == "score___"
    assert mlflow_metrics({"x@1": 1, "nan": math.nan, "none": None, "y": 2}) == {"x_at_1": 1.0, "y": 2.0}


def test_interval_bounds_of_role_scores_for_sweep_objectives():
    from acbench.stats import bound_metric

    assert bound_metric("compressed/workflow/score", "lo") == "stats/workflow/compressed_lo"
    assert bound_metric("base/long_context/score", "hi") == "stats/long_context/base_hi"


def test_a_scale_maximum_below_the_nominal_one_is_the_common_scales_100():
    # a correct reference answer scores 8 of 10 under the paper's rule: 8 -> 100, 4 -> 50, 10 capped at 100
    items = [ItemScore("a", 8.0), ItemScore("b", 4.0), ItemScore("c", 10.0)]
    raw = TaskResult("needle", "long_context", [], {"needle/score": 22 / 3}, "needle/score", items=items,
                     floor=2.0, scale_maximum=8.0)
    scaled = on_common_scale(raw, Headline("score", maximum=10.0))
    assert [i.value for i in scaled.items] == [100.0, 50.0, 100.0] and scaled.floor == 25.0
    assert scaled.score == pytest.approx(250 / 3)
    assert scaled.metrics["needle/score"] == pytest.approx(22 / 3) and scaled.metrics["headline_maximum"] == 8.0
    with pytest.raises(ValueError, match="positive"):
        on_common_scale(TaskResult("needle", "long_context", [], {"s": 1.0}, "s", scale_maximum=0.0),
                        Headline("s", maximum=10.0))


def test_needle_paper_scale_divides_by_what_the_reference_answer_scores():
    from acbench.engines.scripted import ScriptedEngine
    from acbench.tasks.needle.paper import cell_score
    from acbench.tasks.needle.task import DEFAULT_HEATMAP_ANSWER, DEFAULT_NEEDLE, NeedleTask

    task = NeedleTask(lengths=[60], depths=[0, 100])
    reference = cell_score(DEFAULT_NEEDLE, DEFAULT_HEATMAP_ANSWER)  # 5.38: the paper rule's score of a right answer
    assert reference == pytest.approx(70 / 13)
    from acbench.tasks.base import ResultStore

    result = task.run(ScriptedEngine(lambda r: DEFAULT_HEATMAP_ANSWER), task.load(), ResultStore(None))
    assert result.metrics["needle/score"] == pytest.approx(reference)  # the raw paper number stays as upstream's
    assert on_common_scale(result, NeedleTask.headline).score == pytest.approx(100.0)  # was 53.8
    strict = NeedleTask(lengths=[60], depths=[0], scoring="strict")
    assert strict.run(ScriptedEngine(lambda r: DEFAULT_HEATMAP_ANSWER), strict.load(), ResultStore(None)).scale_maximum is None
