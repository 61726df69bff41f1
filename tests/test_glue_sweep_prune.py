"""Sweep pruning through the REAL `run_experiment` on the tiny model (issue 16).

tests/test_sweep.py drives sweeps with a stand-in `run_experiment` that re-implements the "group size must
divide 576" rule. Here the real run validates (config, then the spec against the tiny model's layer widths),
compresses with RTN and evaluates; only the engines are scripted (model-free answers). What is checked: an
invalid combination is PRUNED with the real validation message and compresses nothing; a config error is
PRUNED too; a valid one COMPLETEs with the real retention; a ValueError raised once a run has started is a
FAIL (an error in the run), never mistaken for an invalid combination.
"""

from __future__ import annotations

import functools
import textwrap

import pytest

SPACE = textwrap.dedent("""
    experiment: glue-sweep
    sampler: grid
    seed: 0
    objectives:
      - {{metric: retention/overall, direction: maximize}}
    confirm: false
    fixed: {{model: "{model}", method: rtn, tasks: needle, analysis: false, register: false}}
    task_options:
      needle: {{lengths: [60], depths: [0, 25, 50, 75, 100], scoring: strict}}
    params:
      group_size: {groups}
      bits: {bits}
""")


class Engines:
    """The original answers every needle cell; the compressed model only the cells whose document starts
    with the needle (depths 0 and 25 at length 60: retention 2 / 5 = 0.4).

    Five cells: five identical items above the floor are measurably above it (sign test p = 1/32); two would
    not be (p = 1/4), and would have no retention. The sweep runs on every item (`confirm: false`): this file
    is about pruning; tests/test_glue_confirm.py covers the selection and confirmation halves."""

    def __init__(self, original, fail_compressed: bool = False):
        self.original, self.fail, self.compressed_paths = str(original), fail_compressed, []

    def __call__(self, cfg, path, kv_bits):
        from acbench.engines.scripted import ScriptedEngine
        from acbench.tasks.needle.task import DEFAULT_ANSWER

        if str(path) == self.original:
            return ScriptedEngine(lambda r: f"It is {DEFAULT_ANSWER}.")
        self.compressed_paths.append(str(path))

        def answer(request):
            if self.fail:
                raise ValueError("the engine rejected a request mid-run")
            doc = request.messages[-1]["content"].split("Document:\n", 1)[1]
            return DEFAULT_ANSWER if doc.startswith("The secret ingredient") else "I do not know."

        return ScriptedEngine(answer)


def real_run(engines):
    """The real run_experiment with scripted engines: what `run_sweep(run=...)` calls for each trial."""
    from acbench.run import run_experiment

    return functools.partial(run_experiment, engine_factory=engines)


def _sweep(folder, model, study, engines, groups, bits, trials=1, extra=""):
    """run_sweep over the real run on a space of the given group sizes and bits."""
    from acbench.sweep.runner import run_sweep

    path = folder / "space.yaml"
    path.write_text(SPACE.format(model=model, groups=groups, bits=bits) + extra)
    return run_sweep(path, study_name=study, trials=trials, run=real_run(engines))


def _trials(study_name):
    import optuna

    from acbench.sweep.study import make_storage

    study = optuna.load_study(study_name=study_name, storage=make_storage(None, study_name))
    return {(t.params["group_size"], t.params["bits"]): t for t in study.get_trials(deepcopy=False)}


def test_invalid_combinations_are_pruned_by_the_real_run(tiny_model, isolated_tracking, monkeypatch):
    import mlflow
    from optuna.trial import TrialState

    engines = Engines(tiny_model)
    result = _sweep(isolated_tracking, tiny_model, "glue", engines, "[32, 48]", "[4, 5]", trials=4)

    assert sorted(state for _, state in result.ran) == ["COMPLETE", "PRUNED", "PRUNED", "PRUNED"]
    assert result.counts == {"COMPLETE": 1, "PRUNED": 3}
    trials = _trials("glue")
    good = trials[(32, 4)]
    assert good.state == TrialState.COMPLETE and good.value == pytest.approx(0.4)  # needle strict: 40 / 100
    # group size 48 divides none of the tiny model's widths (128, 256): the spec check of the real run
    bad = trials[(48, 4)]
    assert bad.state == TrialState.PRUNED
    assert bad.user_attrs["reason"].startswith("group_size=48 does not divide the input width of 14 of 14 targeted")
    # bits 5 is not a width RTN has: the config itself is invalid
    for key in ((32, 5), (48, 5)):
        assert trials[key].state == TrialState.PRUNED
        assert trials[key].user_attrs["reason"].endswith("bits must be 2, 3, 4 or 8, not 5")
    # nothing was compressed or evaluated for the pruned trials: one compressed model, one results folder
    assert len(set(engines.compressed_paths)) == 1
    compressed = [p for p in (isolated_tracking / "cache" / "compressed").iterdir() if not p.name.startswith(".")]
    assert len(compressed) == 1
    assert len(list((isolated_tracking / "cache" / "results").glob("comp-*"))) == 1

    runs = mlflow.search_runs(experiment_names=["glue-sweep"],
                              filter_string=f"tags.`mlflow.parentRunId` = '{result.parent_run_id}'")
    assert sorted(runs["status"]) == ["FINISHED", "KILLED", "KILLED", "KILLED"]
    killed = runs[runs["status"] == "KILLED"]
    assert set(killed["tags.acbench.sweep.trial_state"]) == {"PRUNED"}
    assert any(r.startswith("group_size=48 does not divide") for r in killed["tags.acbench.sweep.reason"])
    finished = runs[runs["status"] == "FINISHED"].iloc[0]
    assert finished["metrics.retention/overall"] == pytest.approx(0.4) and finished["params.group_size"] == "32"


def test_a_value_error_inside_a_started_run_fails_the_trial(tiny_model, isolated_tracking, monkeypatch):
    from optuna.trial import TrialState

    engines = Engines(tiny_model, fail_compressed=True)
    result = _sweep(isolated_tracking, tiny_model, "failing", engines, "[32]", "[4]")
    assert result.ran == [(0, "FAIL")] and result.counts == {"FAIL": 1}
    trial = _trials("failing")[(32, 4)]
    assert trial.state == TrialState.FAIL and "reason" not in trial.user_attrs
    assert trial.user_attrs["fail_reason"] == "ValueError: the engine rejected a request mid-run"
    assert trial.user_attrs["mlflow_run_id"]  # the started run is the record of the failure


@pytest.mark.parametrize("seeds", [[0, 1]])
def test_with_seeds_an_invalid_combination_is_pruned_before_any_seed_runs(tiny_model, isolated_tracking,
                                                                         monkeypatch, seeds):
    from optuna.trial import TrialState

    engines = Engines(tiny_model)
    result = _sweep(isolated_tracking, tiny_model, "seeded", engines, "[48]", "[4]", extra=f"seeds: {seeds}\n")
    assert result.ran == [(0, "PRUNED")]
    assert _trials("seeded")[(48, 4)].state == TrialState.PRUNED
    assert engines.compressed_paths == [] and not (isolated_tracking / "cache" / "results").exists()


def test_a_bug_in_a_task_loader_fails_the_trial_instead_of_pruning_it(tiny_model, isolated_tracking, monkeypatch):
    # A plain ValueError raised while the run validates (here: the needle task's loader) is a bug, not an
    # invalid combination of sampled params: the trial FAILs with its reason and nothing is pruned.
    from optuna.trial import TrialState

    from acbench.tasks.needle.task import NeedleTask

    def broken_load(self, source=None, limit=None):
        raise ValueError("index out of range in the loader")

    monkeypatch.setattr(NeedleTask, "load", broken_load)
    engines = Engines(tiny_model)
    result = _sweep(isolated_tracking, tiny_model, "buggy", engines, "[32]", "[4]")
    assert result.ran == [(0, "FAIL")] and result.counts == {"FAIL": 1}
    trial = _trials("buggy")[(32, 4)]
    assert trial.state == TrialState.FAIL and "reason" not in trial.user_attrs
    assert trial.user_attrs["fail_reason"] == "ValueError: index out of range in the loader"
    assert engines.compressed_paths == []
