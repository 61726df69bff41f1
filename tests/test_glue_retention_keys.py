"""Glue between scoring, retention and the results cache (issue 16): hand-computed values only.

Retention: tests/test_evaluate.py covers task -> capability -> overall with zero scores and the floor; this
file adds what it leaves open (the statistics' verdict overriding the headline fallback both ways, a base of
exactly 0 that the statistics call measurable, the overall being a mean over capabilities and not over
tasks, capability scores). Results keys: the per-task key, and through the real `run_experiment` on the
tiny model: two compression specs never share a results file, and the original model's results are reused
(its engine gets zero requests on the second run).
"""

from __future__ import annotations

import re

import pytest

from acbench.config import RunConfig
from acbench.evaluate import capability_scores, results_path, retention, setup_tasks
from acbench.tasks.base import TaskResult


def _result(task, capability, score, floor=0.0):
    return TaskResult(task, capability, [], {"s": score}, "s", floor=floor)


def _pair(scores: dict[str, tuple[str, float, float]], floors: dict[str, float] | None = None):
    floors = floors or {}
    base = {n: _result(n, cap, b, floors.get(n, 0.0)) for n, (cap, b, _) in scores.items()}
    comp = {n: _result(n, cap, c, floors.get(n, 0.0)) for n, (cap, _, c) in scores.items()}
    return base, comp


# -- retention ----------------------------------------------------------------------------------------------

def test_overall_is_a_mean_over_capabilities_not_over_tasks():
    base, comp = _pair({"needle": ("long_context", 50.0, 10.0),     # 0.2
                        "longbench": ("long_context", 0.5, 0.2),    # 0.4 -> long_context 0.3
                        "teval": ("tool_use", 8.0, 8.0)})           # 1.0
    ret = retention(base, comp)
    assert ret["retention/long_context"] == pytest.approx(0.3)
    assert ret["retention/tool_use"] == 1.0
    assert ret["retention/overall"] == pytest.approx((0.3 + 1.0) / 2)  # 0.65; a task mean would be 0.5333
    assert set(ret) == {"retention/task/needle", "retention/task/longbench", "retention/task/teval",
                        "retention/long_context", "retention/tool_use", "retention/overall"}


def test_statistics_verdict_overrides_the_headline_fallback_both_ways():
    # teval's base headline 25 is at its floor 25: without statistics, no retention
    base, comp = _pair({"teval": ("tool_use", 25.0, 20.0), "needle": ("long_context", 4.0, 2.0)}, {"teval": 25.0})
    assert retention(base, comp) == {"retention/task/needle": 0.5, "retention/long_context": 0.5,
                                     "retention/overall": 0.5}
    # ...the paired floor test may call its items above the floor, but a headline at the floor has nothing above
    # chance to retain: (20 - 25) / (25 - 25) never divides
    assert "retention/task/teval" not in retention(base, comp, {"teval": True})
    # base 45 above the floor 25, compressed 20 below it: (20 - 25) / (45 - 25) = -0.25 (plain: 20 / 45)
    base["teval"] = _result("teval", "tool_use", 45.0, 25.0)
    ret = retention(base, comp, {"teval": True})
    assert ret["retention/task/teval"] == pytest.approx(-0.25)
    assert ret["retention/overall"] == pytest.approx((-0.25 + 0.5) / 2)
    assert retention(base, comp, {"teval": True}, plain=True)["retention_plain/task/teval"] == pytest.approx(20 / 45)
    # needle's headline is above its floor 0, but the statistics say the original is at the floor
    ret = retention(base, comp, {"teval": True, "needle": False})
    assert ret == {"retention/task/teval": pytest.approx(-0.25), "retention/tool_use": pytest.approx(-0.25),
                   "retention/overall": pytest.approx(-0.25)}


def test_a_base_of_zero_never_divides_even_when_called_measurable():
    base, comp = _pair({"pddl": ("real_world", 0.0, 0.3), "needle": ("long_context", 2.0, 3.0)})
    ret = retention(base, comp, {"pddl": True})
    assert ret == {"retention/task/needle": 1.5, "retention/long_context": 1.5, "retention/overall": 1.5}


def test_a_base_just_above_the_floor_has_a_retention_and_one_at_it_has_none():
    base, comp = _pair({"teval": ("tool_use", 25.5, 51.0)}, {"teval": 25.0})
    # relative to chance: (51 - 25) / (25.5 - 25) = 52; the plain ratio 51 / 25.5 = 2 beside it
    assert retention(base, comp) == {"retention/task/teval": 52.0, "retention/tool_use": 52.0,
                                     "retention/overall": 52.0}
    assert retention(base, comp, plain=True) == {"retention_plain/task/teval": 2.0, "retention_plain/tool_use": 2.0,
                                                 "retention_plain/overall": 2.0}
    base, comp = _pair({"teval": ("tool_use", 25.0, 51.0)}, {"teval": 25.0})
    assert retention(base, comp) == {}


def test_only_the_compressed_models_tasks_count_and_a_compressed_zero_is_zero():
    base, comp = _pair({"teval": ("tool_use", 40.0, 0.0), "worfbench": ("workflow", 0.5, 0.25)})
    base["needle"] = _result("needle", "long_context", 9.0)  # evaluated for the original only
    ret = retention(base, comp)
    assert ret == {"retention/task/teval": 0.0, "retention/task/worfbench": 0.5, "retention/tool_use": 0.0,
                   "retention/workflow": 0.5, "retention/overall": 0.25}


def test_capability_scores_average_the_headlines_of_each_capability():
    results = {"needle": _result("needle", "long_context", 50.0), "longbench": _result("longbench", "long_context", 30.0),
               "teval": _result("teval", "tool_use", 7.0), "pddl": _result("pddl", "real_world", 0.0)}
    assert capability_scores(results) == {"long_context": 40.0, "tool_use": 7.0, "real_world": 0.0}
    assert capability_scores({}) == {}


def test_retention_follows_the_paired_statistics_end_to_end():
    """compare_results decides measurability from the items: a base at the 0 floor on every item has none."""
    from acbench.stats import compare_results
    from acbench.tasks.base import ItemScore

    def result(task, cap, values):
        items = [ItemScore(str(i), v) for i, v in enumerate(values)]
        return TaskResult(task, cap, [], {"s": sum(values) / len(values)}, "s", items=items)

    base = {"needle": result("needle", "long_context", [1.0] * 12), "pddl": result("pddl", "real_world", [0.0] * 12)}
    comp = {"needle": result("needle", "long_context", [1.0] * 9 + [0.0] * 3),
            "pddl": result("pddl", "real_world", [0.0] * 12)}
    stats = compare_results(base, comp, resamples=200, seed=0)
    assert stats.measurable() == {"needle": True, "pddl": False}
    assert retention(base, comp, stats.measurable()) == {"retention/task/needle": 0.75,
                                                        "retention/long_context": 0.75, "retention/overall": 0.75}


# -- the per-task results key ------------------------------------------------------------------------------

NEEDLE = {"lengths": [60], "depths": [0, 50], "scoring": "strict"}


def _setup(options=None, **params):
    flat = {"method": "none", "tasks": "needle", **params}
    return setup_tasks(RunConfig.from_params(flat, base={"task_options": {"needle": options or dict(NEEDLE)}}))[0]


def test_results_key_changes_with_what_is_generated_and_only_with_that():
    first = _setup()
    assert re.fullmatch(r"[0-9a-f]{12}", first.key)
    assert _setup().key == first.key
    assert _setup({**NEEDLE, "depths": [0, 100]}).key != first.key      # other items
    assert _setup({**NEEDLE, "scoring": "paper"}).key != first.key      # another option
    assert _setup(limit=1).key != first.key                            # a limit
    assert _setup(profile="paper").key != first.key                    # a profile
    # the options as written in another order, or a default spelled out, are the same run
    reordered = {"scoring": "strict", "depths": [0, 50], "lengths": [60]}
    assert _setup(reordered).key == first.key
    assert first.options["lengths"] == [60] and "profile" not in first.options
    assert "max_new_tokens" in first.options  # the constructor defaults are part of what runs


def test_results_path_is_per_model_and_per_task_key(monkeypatch, tmp_path):
    monkeypatch.setenv("ACBENCH_CACHE", str(tmp_path))
    setup = _setup()
    assert results_path("base-abc", setup) == tmp_path / "results" / "base-abc" / f"needle-{setup.key}.jsonl"
    assert results_path("comp-x-abc", setup) != results_path("base-abc", setup)


# -- through the real run on the tiny model ------------------------------------------------------------------

class CountingEngines:
    """Engine factory for run.run_experiment: the original answers everything, a compressed one nothing."""

    def __init__(self, original):
        from acbench.tasks.needle.task import DEFAULT_ANSWER

        self.original, self.answer = str(original), DEFAULT_ANSWER
        self.base_requests, self.comp_requests = [], []

    def __call__(self, cfg, path, kv_bits):
        from acbench.engines.scripted import ScriptedEngine

        if str(path) == self.original:
            return ScriptedEngine(lambda r: self.base_requests.append(r) or f"It is {self.answer}.")
        return ScriptedEngine(lambda r: self.comp_requests.append(r) or "I do not know.")


def test_two_specs_never_share_a_results_file_and_the_original_is_reused(tiny_model, isolated_tracking,
                                                                          monkeypatch):
    import acbench.run as run_module

    def cfg(**params):
        flat = {"model": str(tiny_model), "method": "rtn", "group_size": "32", "tasks": "needle",
                "analysis": "false", "register": "false", **params}
        return RunConfig.from_params(flat, base={"task_options": {"needle": dict(NEEDLE)}})

    first = CountingEngines(tiny_model)
    out4 = run_module.run_experiment(cfg(bits="4"), engine_factory=first)
    assert (len(first.base_requests), len(first.comp_requests)) == (2, 2)
    # two identical items above the floor are not measurably above it (sign test p = 0.25): no retention
    assert "retention/overall" not in out4.metrics and out4.metrics["stats/long_context/needle/p_floor"] == 0.25

    second = CountingEngines(tiny_model)
    out8 = run_module.run_experiment(cfg(bits="8"), engine_factory=second)
    assert len(second.base_requests) == 0  # the original's results come from the first run's file
    assert len(second.comp_requests) == 2  # a different spec: its own results, none reused
    assert out8.metrics["base/long_context/needle/score_strict"] == 100.0

    results = isolated_tracking / "cache" / "results"
    folders = sorted(p.name for p in results.iterdir())
    assert len(folders) == 3 and sum(f.startswith("base-") for f in folders) == 1
    comp = [f for f in folders if f.startswith("comp-")]
    assert comp[0] != comp[1] and out4.checkpoint.name in "".join(comp) and out8.checkpoint.name in "".join(comp)
    for folder in folders:
        (file,) = (results / folder).iterdir()
        assert len(file.read_text().splitlines()) == 2  # one record per item, never two runs' records

    third = CountingEngines(tiny_model)
    run_module.run_experiment(cfg(bits="4"), engine_factory=third)
    assert (len(third.base_requests), len(third.comp_requests)) == (0, 0)  # everything is reused


# -- the key's ingredients, with a probe task whose every input is visible ----------------------------------

class ProbeTask:
    """A registered stand-in for a task's construction and loading only (the key never runs a model)."""

    name, capability = "probe", "tool_use"

    def __init__(self, profile="quick", size=3, embed=None, helper=None, data_note="x", passed_on="kept"):
        self.size = size
        self.embed = embed or ("big-embedder" if profile == "paper" else "small-embedder")
        self.helper = object()  # not a simple value: neither a setting nor a logged option
        self.data_note = data_note
        self._cache = "private"  # `passed_on` is not kept as an attribute: its logged value is the default
        self.loads = []

    def load(self, source=None, limit=None):
        self.loads.append((source, limit))
        ids = [f"{source or 'builtin'}/{i}" for i in range(self.size)]
        return [type("S", (), {"id": i})() for i in ids[:limit]]


class VersionedProbe(ProbeTask):
    version = "7"


@pytest.fixture
def probe(monkeypatch):
    import sys
    import types

    from acbench.tasks import registry

    module = types.ModuleType("_acbench_probe_task")
    module.ProbeTask, module.VersionedProbe = ProbeTask, VersionedProbe
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setitem(registry.TASKS, "probe", ("tool_use", f"{module.__name__}:ProbeTask"))
    monkeypatch.setitem(registry.TASKS, "vprobe", ("tool_use", f"{module.__name__}:VersionedProbe"))


def _probe(task="probe", options=None, **params):
    cfg = RunConfig.from_params({"method": "none", "tasks": task, **params},
                                base={"task_options": {task: options}} if options else None)
    return setup_tasks(cfg)[0]


def test_the_data_source_goes_to_load_and_the_profile_to_the_task(probe):
    setup = _probe(options={"data": "/src/items.json", "size": 4}, limit="2")
    assert setup.task.loads == [("/src/items.json", 2)]  # `data` is not a constructor option
    assert [s.id for s in setup.samples] == ["/src/items.json/0", "/src/items.json/1"]
    assert setup.options == {"size": 4, "embed": "small-embedder", "helper": None, "data_note": "x",
                             "passed_on": "kept"}
    paper = _probe(profile="paper")
    assert paper.task.embed == "big-embedder" and paper.options["embed"] == "big-embedder"
    assert len(paper.samples) == 3 and paper.task.loads == [(None, None)]


def test_the_key_is_the_sha256_of_this_exact_json(probe):
    import hashlib

    setup = _probe(options={"data": "/src/a.json", "size": 2})
    blob = ('{"ids": ["/src/a.json/0", "/src/a.json/1"], "limit": null, "options": {"data_note": "x", '
            '"embed": "small-embedder", "helper": null, "passed_on": "kept", "size": 2}, "profile": "quick", '
            '"settings": '
            '{"data_note": "x", "embed": "small-embedder", "loads": [["/src/a.json", null]], "size": 2}, '
            '"source": "/src/a.json", "task": "probe", "version": "1"}')
    assert setup.key == hashlib.sha256(blob.encode()).hexdigest()[:12]
    versioned = _probe("vprobe", options={"data": "/src/a.json", "size": 2})
    expected = blob.replace('"task": "probe", "version": "1"', '"task": "vprobe", "version": "7"')
    assert versioned.key == hashlib.sha256(expected.encode()).hexdigest()[:12]


def test_the_same_items_from_another_source_are_another_results_file(probe, tmp_path):
    from pathlib import Path

    a = _probe(options={"data": "a.json"})
    b = _probe(options={"data": "b.json"})
    assert a.key != b.key
    # an option JSON cannot write is keyed by its text (not a crash)
    from acbench.compression import CompressionSpec

    cfg = RunConfig(compression=CompressionSpec(method="none"), tasks=("probe",),
                    task_options={"probe": {"data_note": Path("/notes")}})  # as a caller in Python may write it
    (path_option,) = setup_tasks(cfg)
    assert path_option.options["data_note"] == Path("/notes")
    assert re.fullmatch(r"[0-9a-f]{12}", path_option.key) and path_option.key != _probe().key
