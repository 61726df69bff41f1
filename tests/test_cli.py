"""The `acbench` command: scoring saved predictions, clear errors, task listing."""

from __future__ import annotations

import json

import pytest

from acbench.cli import main
from acbench.tasks.registry import make_task


def _write_predictions(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_score_longgenbench_predictions_without_a_model(tmp_path, capsys):
    task = make_task("longgenbench", profile="quick")
    samples = task.load()
    perfect = {s.id: "\n".join(f"Answer_{i + 1}: The answer is {a}." for i, a in enumerate(s.target))
               for s in samples}
    first = samples[0].id
    preds = _write_predictions(tmp_path / "p.jsonl", [{"id": first, "prediction": perfect[first]}])
    assert main(["score", "--task", "longgenbench", "--profile", "quick", "--predictions", str(preds)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["scored"] == 1 and out["metrics"]["longgenbench/score"] == pytest.approx(100.0)

    assert main(["score", "--task", "longgenbench", "--profile", "quick", "--predictions", str(preds),
                 "--missing-as-wrong"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["scored"] == len(samples) and out["metrics"]["longgenbench/score"] < 100.0


def test_score_rejects_bad_prediction_files(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x"}\n')
    assert main(["score", "--task", "needle", "--predictions", str(bad)]) == 2
    assert "'id' and 'prediction'" in capsys.readouterr().err
    unknown = _write_predictions(tmp_path / "u.jsonl", [{"id": "no-such-item", "prediction": "hi"}])
    assert main(["score", "--task", "needle", "--predictions", str(unknown)]) == 2
    assert "not in the data" in capsys.readouterr().err
    assert main(["score", "--task", "needle", "--predictions", str(tmp_path / "missing.jsonl")]) == 2


def test_run_with_a_bad_method_is_a_clear_error_before_anything_loads(capsys):
    assert main(["run", "--method", "quantum"]) == 2
    assert "unknown method 'quantum'" in capsys.readouterr().err


def test_tasks_lists_every_registered_task(capsys):
    assert main(["tasks"]) == 0
    out = capsys.readouterr().out
    for name in ("teval", "worfbench", "needle", "longbench", "longgenbench", "pddl", "tool_query", "tool_operation"):
        assert name in out
