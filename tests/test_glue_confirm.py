"""Selection and confirmation apart, and many comparisons (issue 26), through the REAL run on the tiny model.

A two-trial sweep: each trial runs on the selection half of the items (`split=select`) and logs the new fields
(retention relative to chance and the plain ratio, the small-n flag, the share of undefined draws); the parent
holds every paired test of the study Holm-adjusted as one family; the best trial is confirmed on the held-back
half (`split=confirm`), whose registry version and model card carry those numbers, marked as such, and only
that version can be promoted. A grid's parent gets the same family table. Only the engines are scripted.
"""

from __future__ import annotations

import functools
import json
import textwrap
from types import SimpleNamespace

import pytest

SPACE = textwrap.dedent("""
    experiment: confirm-sweep
    sampler: grid
    seed: 0
    objectives:
      - {{metric: retention/overall, direction: maximize}}
    fixed: {{model: "{model}", method: rtn, group_size: 32, tasks: needle, analysis: false}}
    task_options:
      needle: {{lengths: [60, 80], depths: [0, 25, 50, 75, 100], scoring: strict}}
    params:
      bits: [4, 8]
""")


class Engines:
    """The original answers every needle cell; a compressed model answers cells whose document starts with the
    needle (depths 0 and 25 of the short haystacks) and names no answer word elsewhere."""

    def __init__(self, original):
        self.original = str(original)

    def __call__(self, cfg, path, kv_bits):
        from acbench.engines.scripted import ScriptedEngine
        from acbench.tasks.needle.task import DEFAULT_ANSWER

        if str(path) == self.original:
            return ScriptedEngine(lambda r: f"It is {DEFAULT_ANSWER}.")

        def answer(request):
            doc = request.messages[-1]["content"].split("Document:\n", 1)[1]
            return DEFAULT_ANSWER if doc.startswith("The secret ingredient") else "I do not know."

        return ScriptedEngine(answer)


def test_a_two_trial_sweep_selects_on_one_half_and_confirms_on_the_other(tiny_model, isolated_tracking, monkeypatch):
    import mlflow

    from acbench import tracking
    from acbench.report.promote import choose_best
    from acbench.report.tables import collect_runs
    from acbench.run import run_experiment
    from acbench.sweep.confirm import confirm_best
    from acbench.sweep.runner import run_sweep

    monkeypatch.setenv("ACBENCH_NO_PROGRESS", "1")
    path = isolated_tracking / "space.yaml"
    path.write_text(SPACE.format(model=tiny_model))
    run = functools.partial(run_experiment, engine_factory=Engines(tiny_model))
    result = run_sweep(path, study_name="confirm", trials=2, run=run)
    assert sorted(state for _, state in result.ran) == ["COMPLETE", "COMPLETE"]

    client = mlflow.tracking.MlflowClient()
    kids = mlflow.search_runs(experiment_names=["confirm-sweep"],
                              filter_string=f"tags.`mlflow.parentRunId` = '{result.parent_run_id}'")
    assert len(kids) == 2 and set(kids["params.split"]) == {"select"}
    trial = kids.iloc[0]
    assert trial["metrics.stats/long_context/needle/n"] == 5.0  # the selection half of 10 cells
    for field in ("retention_plain/overall", "stats/long_context/needle/too_few_items",
                  "stats/long_context/needle/retention_undefined", "stats/long_context/needle/retention_plain"):
        assert f"metrics.{field}" in kids and kids[f"metrics.{field}"].notna().all(), field
    assert (kids["metrics.retention/overall"] == kids["metrics.retention_plain/overall"]).all()  # floor 0

    parent = client.get_run(result.parent_run_id)
    assert parent.data.metrics["family/tests"] == 2.0  # 2 trials x 1 task
    assert parent.data.tags["acbench.sweep.p_family"].startswith("holm: step-down Holm over all 2 paired task tests")
    table = json.loads(open(client.download_artifacts(result.parent_run_id, "sweep/p_values.json")).read())
    assert table["columns"][:4] == ["member", "task", "p_value", "p_family"] and len(table["data"]) == 2

    rows = confirm_best(path, study_name="confirm", run=run)
    assert len(rows) == 1
    confirm = mlflow.search_runs(experiment_names=["confirm-sweep"],
                                 filter_string="tags.`acbench.sweep.confirmation_of` != ''")
    assert len(confirm) == 1 and confirm.iloc[0]["params.split"] == "confirm"
    assert confirm.iloc[0]["metrics.stats/long_context/needle/n"] == 5.0  # the other five cells
    assert confirm.iloc[0]["tags.mlflow.parentRunId"] == result.parent_run_id
    value = confirm.iloc[0]["metrics.retention/overall"]
    assert rows[0]["confirmation retention/overall"] == pytest.approx(value)
    assert client.get_run(result.parent_run_id).data.metrics["confirm/retention/overall"] == pytest.approx(value)
    assert confirm_best(path, study_name="confirm", run=run) == rows  # confirmed once: no second run
    assert len(mlflow.search_runs(experiment_names=["confirm-sweep"],
                                  filter_string="tags.`acbench.sweep.confirmation_of` != ''")) == 1

    # the registry: the confirmation's version says so; only it can be promoted
    versions = tracking.model_versions()
    by_run = {v["run_id"]: v for v in versions}
    card = client.get_model_version(by_run[confirm.iloc[0]["run_id"]]["name"],
                                    by_run[confirm.iloc[0]["run_id"]]["version"]).description
    assert "**Confirmation numbers**" in card and "held-back half" in card
    trial_card = client.get_model_version(by_run[trial["run_id"]]["name"], by_run[trial["run_id"]]["version"]).description
    assert "**Selection numbers**" in trial_card
    chosen = choose_best(versions, collect_runs(["confirm-sweep"]), "retention/overall")
    assert [c["run_id"] for c in chosen] == [confirm.iloc[0]["run_id"]]


def test_a_grids_parent_holds_the_family_of_its_runs(isolated_tracking):
    import mlflow

    from acbench import tracking
    from acbench.sweep.grid import run_grid

    def fake_run(cfg, parent_run_id=None, run_name=None):
        p = {4: 0.01, 8: 0.4}[cfg.compression.bits]
        metrics = {"stats/long_context/needle/p_value": p, "stats/long_context/needle/delta": -20.0,
                   "stats/tool_use/teval/p_value": 0.02, "stats/tool_use/teval/delta": -5.0}
        with tracking.tracked_run(cfg.experiment, run_name, parent_run_id,
                                  {"acbench.config_hash": cfg.config_hash()}) as run_id:
            tracking.log_metrics(metrics)
        return SimpleNamespace(run_id=run_id, metrics=metrics)

    path = isolated_tracking / "grid.yaml"
    path.write_text("experiment: exp-family\nbase: {tasks: 'needle,teval', method: rtn}\ngrid: {bits: [4, 8]}\n")
    run_grid(path, run=fake_run)
    parent = mlflow.search_runs(experiment_names=["exp-family"], filter_string="tags.`acbench.kind` = 'grid'").iloc[0]
    # 4 tests: 0.01, 0.02, 0.02, 0.4 -> Holm 0.04, 0.06, 0.06, 0.4: one significant drop over the grid (a run
    # alone would call both of its tests significant)
    assert parent["metrics.family/tests"] == 4.0 and parent["metrics.family/significant_drops"] == 1.0
    assert parent["metrics.family/min_p_family"] == pytest.approx(0.04)
    assert "4 paired task tests of the 2 runs of the grid" in parent["tags.acbench.grid.p_family"]
