"""`acbench report`: tables from real MLflow runs (hand-checkable numbers), files, figures, --promote."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

import mlflow  # noqa: E402  (a hard dependency: fail, never skip)

from acbench import tracking  # noqa: E402
from acbench.report.promote import alias_for, choose_best  # noqa: E402
from acbench.report.tables import budget_table, normalise_runs, setting  # noqa: E402

RUNS = [  # method, bits, group_size, tool_use, long_context (0-100), retention tool_use / long_context / overall, size
    ("gptq", 4, 64, 40.0, 60.0, 0.80, 0.75, 0.775, 100.0),
    ("gptq", 8, 64, 50.0, 80.0, 1.00, 1.00, 1.000, 150.0),
    ("rtn", 4, 64, 25.0, 40.0, 0.50, 0.50, 0.500, 100.0),
]


def log_run(experiment, method, bits, group, tool, long_, r_tool, r_long, r_all, size, checkpoint, status_ok=True):
    with tracking.tracked_run(experiment, f"{method}-{bits}") as run_id:
        tracking.log_params({"model": "smollm2-135m", "method": method, "bits": bits, "group_size": group,
                             "sparsity": 0.5, "pattern": "unstructured", "profile": "quick", "tasks": "teval,needle"})
        tracking.log_metrics({"compressed/tool_use/score": tool, "compressed/long_context/score": long_,
                              "base/tool_use/score": 50.0, "base/long_context/score": 80.0, "retention/tool_use": r_tool,
                              "retention/long_context": r_long, "retention/overall": r_all, "model/size_mb": size,
                              "model/original_size_mb": 270.0, "model/bits_per_weight": bits + 0.5})
        version = tracking.register_checkpoint(checkpoint, "acbench-smollm2-135m", {"method": method, "bits": bits})
        if not status_ok:
            raise RuntimeError("this run fails on purpose")
    return run_id, version


@pytest.fixture(scope="module")
def tracked(tmp_path_factory):
    """One SQLite store for the module (creating one takes seconds), holding the runs of RUNS."""
    tmp_path = tmp_path_factory.mktemp("report")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path}/mlflow.db")
        mp.delenv("MLFLOW_RUN_ID", raising=False)
        mp.chdir(tmp_path)
        yield _populate(tmp_path)


def _populate(tmp_path):
    checkpoint = tmp_path / "ckpt"
    checkpoint.mkdir()
    (checkpoint / "config.json").write_text('{"tiny": true}')
    versions = {}
    for spec in RUNS:
        run_id, version = log_run("exp-report", *spec, checkpoint)
        versions[(spec[0], spec[1])] = (run_id, version)
    with pytest.raises(RuntimeError):  # a FAILED run with a better score must not count
        log_run("exp-report", "rtn", 8, 64, 90.0, 90.0, 2.0, 2.0, 2.0, 150.0, checkpoint, status_ok=False)
    sweep_parent = tracking.create_run("exp-report", "sweep-x", {"acbench.kind": "sweep"})
    tracking.set_run_status(sweep_parent, "FINISHED")
    return tmp_path, versions


def test_report_tables_files_and_promote(tracked, capsys):
    from acbench.cli import main

    tmp, versions = tracked
    out = tmp / "report"
    code = main(["report", "--experiment", "exp-report", "--format", "markdown", "--format", "csv",
                 "--format", "html", "--output", str(out), "--promote"])
    assert code == 0
    text = capsys.readouterr().out
    lines = [line for line in text.splitlines() if line.startswith("| smollm2-135m")]
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in lines[:4]]
    # model, method, setting, profile, size, bpw, tool_use, long_context, score, ret tool, ret long, ret overall, runs
    assert cells[0][:13] == ["smollm2-135m", "base", "original", "quick", "270.0", "", "50.0", "80.0", "65.0",
                             "", "", "", "3"]
    # within a method, the larger (less compressed) setting first, as in the paper's tables
    assert cells[1][:13] == ["smollm2-135m", "gptq", "W8 g64", "quick", "150.0", "8.50", "50.0", "80.0", "65.0",
                             "100.0", "100.0", "100.0", "1"]
    assert cells[2][:13] == ["smollm2-135m", "gptq", "W4 g64", "quick", "100.0", "4.50", "40.0", "60.0", "50.0",
                             "80.0", "75.0", "77.5", "1"]
    assert cells[3][:9] == ["smollm2-135m", "rtn", "W4 g64", "quick", "100.0", "4.50", "25.0", "40.0", "32.5"]
    assert len(lines) == 4 + 4  # comparison (base + 3) and the memory-budget table (4 rows with a size)
    rows = list(csv.DictReader((out / "comparison.csv").open()))
    assert [r["method"] for r in rows] == ["base", "gptq", "gptq", "rtn"]
    assert float(rows[2]["retention/overall"]) == pytest.approx(0.775)
    budget = list(csv.DictReader((out / "memory_budget.csv").open()))
    assert [(b["method"], b["setting"], b["best_at_size"]) for b in budget] == [
        ("gptq", "W4 g64", "True"), ("rtn", "W4 g64", "False"), ("gptq", "W8 g64", "True"), ("base", "original", "False")]
    html = (out / "comparison.html").read_text()
    assert "<td>W8 g64</td>" in html and "figures/score_vs_size.png" in html
    assert (out / "figures" / "retention_by_capability.png").stat().st_size > 1000
    assert (out / "comparison.md").read_text().startswith("## Comparison (exp-report)")
    # --promote: the best version per method by retention/overall
    assert tracking.model_alias_version("acbench-smollm2-135m", "best-gptq") == versions[("gptq", 8)][1]
    assert tracking.model_alias_version("acbench-smollm2-135m", "best-rtn") == versions[("rtn", 4)][1]
    assert "acbench-smollm2-135m@best-gptq -> version 2" in text
    # the report run is logged, and a second report ignores it
    reports = tracking.search_runs(["exp-report"], "tags.`acbench.kind` = 'report'")
    assert len(reports) == 1
    assert main(["report", "--experiment", "exp-report", "--no-log", "--output", str(out)]) == 0
    assert len([ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("| smollm2-135m")]) == 8


def test_report_unknown_experiment_is_a_clear_error(tracked, capsys):
    from acbench.cli import main

    assert main(["report", "--experiment", "nope"]) == 2
    assert "no experiment(s) ['nope']" in capsys.readouterr().err


def test_setting_labels():
    assert setting("gptq", "4", "64", "0.5", "unstructured") == "W4 g64"
    assert setting("rtn", 8, "None", 0.5, "unstructured") == "W8 per-channel"
    assert setting("smoothquant", 8, 64, 0.5, "unstructured") == "W8A8"
    assert setting("wanda", 4, 64, "0.5", "unstructured") == "50%"
    assert setting("sparsegpt+gptq", 4, 128, 0.5, "2:4") == "2:4 + W4 g128"
    assert setting("none") == "original"


def test_budget_marks_best_at_each_size():
    table = pd.DataFrame({"model": list("abcd"), "method": ["m"] * 4, "setting": ["s"] * 4, "profile": ["quick"] * 4,
                          "size_mb": [50.0, 100.0, 100.0, 200.0], "score": [0.3, 0.2, 0.5, 0.4],
                          "retention/overall": [None] * 4})
    budget = budget_table(table)
    assert list(budget["model"]) == ["a", "c", "b", "d"]
    assert list(budget["best_at_size"]) == [True, True, False, False]


def test_choose_best_per_method_and_ties():
    runs = pd.DataFrame({"run_id": ["r1", "r2", "r3", "r4"], "method": ["gptq", "gptq", "awq", "sparsegpt+gptq"],
                         "retention/overall": [0.9, 0.9, 0.7, 0.6]})
    versions = [{"name": "acbench-m", "version": str(i + 1), "run_id": f"r{i + 1}", "tags": {}} for i in range(4)]
    versions.append({"name": "acbench-m", "version": "9", "run_id": "elsewhere", "tags": {"method": "gptq"}})
    best = {b["alias"]: b["version"] for b in choose_best(versions, runs, "retention/overall")}
    assert best == {"best-gptq": "2", "best-awq": "3", "best-sparsegpt-gptq": "4"}  # tie -> newer version
    smallest = choose_best(versions, runs, "retention/overall", higher_is_better=False)
    assert {b["alias"]: b["version"] for b in smallest}["best-gptq"] == "2"  # a tie either way -> newer
    assert alias_for("Wanda+RTN") == "best-wanda-rtn"


def test_values_acbench_resolved_win_over_mlflow_run_parameters():
    # `mlflow run -P method=gptq` logs bits='' (empty default) first; acbench logs bits=4 as resolved.bits
    raw = pd.DataFrame({"run_id": ["a", "b"], "start_time": [1, 2], "status": ["FINISHED", "FINISHED"],
                        "params.method": ["gptq", "rtn"], "params.bits": ["''", "8"],
                        "params.resolved.bits": ["4", None], "params.group_size": ["''", "32"],
                        "params.resolved.group_size": ["64", None], "metrics.model/size_mb": [107.9, 155.0]})
    runs = normalise_runs(raw)
    assert list(runs["bits"]) == ["4", "8"] and list(runs["group_size"]) == ["64", "32"]
    assert setting("gptq", runs.loc[0, "bits"], runs.loc[0, "group_size"]) == "W4 g64"


def _stats_runs() -> pd.DataFrame:
    """Two seeds of one GPTQ configuration with paired statistics; pddl at its floor, teval a significant drop."""
    rows = []
    for seed, score, ret, lo in ((0, 40.0, 0.8, 30.0), (1, 50.0, 1.0, 40.0)):
        rows.append({
            "run_id": f"run{seed}", "start_time": seed, "model": "m", "method": "gptq", "bits": "4", "group_size": "64",
            "sparsity": None, "pattern": None, "profile": "quick", "tasks": "teval,pddl", "seed": str(seed),
            "compressed/tool_use/score": score, "compressed/real_world/score": 0.0, "base/tool_use/score": 50.0,
            "base/real_world/score": 0.0, "retention/tool_use": ret, "retention/overall": ret,
            "stats/tool_use/compressed_lo": lo, "stats/tool_use/compressed_hi": lo + 20.0,
            "stats/tool_use/base_lo": 45.0, "stats/tool_use/base_hi": 55.0,
            "stats/tool_use/retention_lo": ret - 0.2, "stats/tool_use/retention_hi": ret + 0.2,
            "stats/overall/retention_lo": ret - 0.2, "stats/overall/retention_hi": ret + 0.2,
            "stats/tool_use/teval/base": 50.0, "stats/tool_use/teval/compressed": score,
            "stats/tool_use/teval/delta": score - 50.0, "stats/tool_use/teval/delta_lo": score - 60.0,
            "stats/tool_use/teval/delta_hi": score - 45.0, "stats/tool_use/teval/p_value": 0.001,
            "stats/tool_use/teval/p_holm": 0.002, "stats/tool_use/teval/significant_drop": 1.0,
            "stats/tool_use/teval/n": 40.0, "stats/tool_use/teval/mde": 5.0,
            "stats/real_world/pddl/base": 0.0, "stats/real_world/pddl/delta": 0.0, "stats/real_world/pddl/p_value": 1.0,
            "stats/real_world/pddl/p_holm": 1.0, "stats/real_world/pddl/significant_drop": 0.0,
            "stats/real_world/pddl/n": 2.0, "acbench.stats.teval": "measured", "acbench.stats.pddl": "floor"})
    return pd.DataFrame(rows)


def test_intervals_seed_spread_drops_and_floors_in_the_comparison():
    from acbench.report.tables import comparison_table, display

    table = comparison_table(_stats_runs())
    comp = table[table["method"] == "gptq"].iloc[0]
    # two seeds: mean 45, sd of (40, 50) = sqrt(50) = 7.07; interval bounds averaged over seeds
    assert comp["tool_use"] == pytest.approx(45.0) and comp["tool_use_sd"] == pytest.approx(50**0.5)
    assert (comp["tool_use_lo"], comp["tool_use_hi"]) == (pytest.approx(35.0), pytest.approx(55.0))
    assert comp["seeds"] == 2 and comp["runs"] == 2
    assert comp["drops"] == "teval" and comp["at_floor"] == "pddl (2 items)"
    assert pd.isna(comp["retention/real_world"])  # pddl at its floor: no retention, not 1.0
    shown = display(table)
    row = shown[shown["method"] == "gptq"].iloc[0]
    assert row["tool_use"] == "45.0 [35.0, 55.0] ±7.1"
    assert row["ret. tool_use %"] == "90.0 [70.0, 110.0] ±14.1" and row["ret. real_world %"] == ""
    base = shown[shown["method"] == "base"].iloc[0]
    assert base["tool_use"] == "50.0 [45.0, 55.0]" and base["seeds"] == ""
    assert not any(c.endswith(("_lo", "_hi", "_sd")) for c in shown.columns)


def test_per_task_statistics_table():
    from acbench.report.stats_table import display_task_stats, task_stats_table

    frame = task_stats_table(_stats_runs())
    assert list(zip(frame["seed"], frame["task"])) == [("0", "pddl"), ("0", "teval"), ("1", "pddl"), ("1", "teval")]
    shown = display_task_stats(frame)
    teval = shown.iloc[1]
    assert (teval["status"], teval["n"], teval["delta"], teval["p_holm"], teval["drop"], teval["mde"]) == (
        "measured", "40", "-10.0 [-20.0, -5.0]", "0.002", "significant", "5")
    pddl = shown.iloc[0]
    assert pddl["status"] == "at floor (2 items)" and pddl["drop"] == "" and pddl["retention %"] == ""


def test_report_with_statistics_renders_sections_and_figures(tmp_path):
    from acbench.report.build import build_report, write_report

    report = build_report(["synthetic"], runs=_stats_runs())
    assert "## Per-task statistics" in report.markdown and "at floor (2 items)" in report.markdown
    assert "45.0 [35.0, 55.0] ±7.1" in report.markdown
    files = write_report(report, tmp_path, ["csv", "html"])
    assert tmp_path / "task_stats.csv" in files
    assert "<h2>Per-task statistics</h2>" in (tmp_path / "comparison.html").read_text()
    assert (tmp_path / "figures" / "retention_by_capability.png").stat().st_size > 1000


def test_the_score_column_averages_capabilities_on_one_scale():
    """T-Eval (0-100), WorfBench (F1 0-1) and needle (0-10) reach the report on 0-100: score = their mean."""
    from acbench.evaluate import capability_scores
    from acbench.metrics import BASE, COMPRESSED, capability_metric, on_common_scale
    from acbench.report.tables import comparison_table, display
    from acbench.tasks.base import TaskResult
    from acbench.tasks.registry import task_class

    def results(teval, worf, needle):
        raw = {"teval": TaskResult("teval", "tool_use", [], {"overall": teval}, "overall"),
               "worfbench": TaskResult("worfbench", "workflow", [], {"overall": worf}, "overall"),
               "needle": TaskResult("needle", "long_context", [], {"needle/score": needle}, "needle/score")}
        return {n: on_common_scale(r, task_class(n).headline) for n, r in raw.items()}

    base, comp = results(60.0, 0.8, 9.0), results(45.0, 0.5, 7.0)
    row = {"run_id": "r", "start_time": 1, "model": "m", "method": "rtn", "bits": "4", "group_size": "64",
           "sparsity": None, "pattern": None, "profile": "quick", "tasks": "teval,worfbench,needle", "seed": "0",
           **{capability_metric(BASE, c): v for c, v in capability_scores(base).items()},
           **{capability_metric(COMPRESSED, c): v for c, v in capability_scores(comp).items()}}
    table = comparison_table(pd.DataFrame([row]))
    rtn, original = table[table["method"] == "rtn"].iloc[0], table[table["method"] == "base"].iloc[0]
    assert (rtn["tool_use"], rtn["workflow"], rtn["long_context"]) == (45.0, 50.0, pytest.approx(70.0))
    assert rtn["score"] == pytest.approx((45 + 50 + 70) / 3)  # 55.0; the old mixed scales gave (45 + 0.5 + 7) / 3
    assert original["score"] == pytest.approx((60 + 80 + 90) / 3)
    assert display(table).loc[rtn.name, "score"] == "55.0"


def test_runs_of_acbench_0_1_are_left_out_with_a_note():
    """0.1 logged `<capability>/score` on mixed scales; averaging them with 0-100 headlines would mean nothing."""
    from acbench.report.build import build_report

    params = {"start_time": 1, "model": "m", "bits": "4", "group_size": "64", "sparsity": None, "pattern": None,
              "profile": "quick", "tasks": "teval,worfbench", "seed": "0"}
    old = {"run_id": "old", "method": "gptq", **params, "tool_use/score": 45.0, "workflow/score": 0.5,
           "base/tool_use/score": 60.0, "base/workflow/score": 0.8}
    new = {"run_id": "new", "method": "rtn", **params, "compressed/tool_use/score": 40.0,
           "base/tool_use/score": 60.0}
    report = build_report(["x"], runs=pd.DataFrame([old, new]))
    assert report.legacy == 1 and list(report.runs["run_id"]) == ["new"]
    assert set(report.table["method"]) == {"rtn", "base"}
    assert "1 finished run(s) logged by acbench 0.1 are not in these tables" in report.markdown
    assert build_report(["x"], runs=pd.DataFrame([new])).legacy_note == ""
