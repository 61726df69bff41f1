"""The `acbench` command: scoring saved predictions, clear errors, task listing."""

from __future__ import annotations

import json

import pytest

from acbench.cli import main
from acbench.config import ConfigError
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


def test_predictions_keyed_by_upstream_ids_and_per_item_output(tmp_path, capsys):
    # Predictions written with the ids of the upstream data file reach the same samples as acbench's ids.
    from acbench.predictions import match_ids
    from acbench.tasks.base import Sample

    samples = [Sample("plan_json/0", {}, upstream_id="0"), Sample("plan_str/0", {}, upstream_id="0"),
               Sample("lb/abc", {}, upstream_id="abc123")]
    assert match_ids({"abc123": "x", "plan_json/0": "y"}, samples) == {"lb/abc": "x", "plan_json/0": "y"}
    with pytest.raises(ConfigError) as err:
        match_ids({"0": "x"}, samples)
    assert str(err.value) == ("upstream id '0' names 2 items of this data (plan_json/0, plan_str/0): score one "
                              "upstream file at a time (--data FILE), or key predictions by acbench ids")
    with pytest.raises(ConfigError, match="two predictions"):
        match_ids({"abc123": "x", "lb/abc": "y"}, samples)

    task = make_task("longgenbench", profile="quick")
    sample = task.load()[0]
    perfect = "\n".join(f"Answer_{i + 1}: The answer is {a}." for i, a in enumerate(sample.target))
    preds = _write_predictions(tmp_path / "p.jsonl", [{"id": sample.id, "prediction": perfect}])
    items = tmp_path / "items.jsonl"
    assert main(["score", "--task", "longgenbench", "--profile", "quick", "--predictions", str(preds),
                 "--per-item", str(items), "--missing-as-wrong"]) == 0
    rows = [json.loads(line) for line in items.read_text().splitlines()]
    assert len(rows) == len(task.load())
    mine = next(r for r in rows if r["id"] == sample.id)
    assert "prompt" not in mine and "prediction" not in mine and not mine.get("missing")
    assert any(k.endswith("_strict") for k in mine), "per-item rows carry the strict twins"
    assert all(r["missing"] and r["paper_reason"] == "missing" for r in rows if r["id"] != sample.id)


@pytest.mark.parametrize("content, message", [
    (b'{"id": "a", "prediction": "\\xff"}\n'.replace(b"\\xff", b"\xff"), "not UTF-8"),
    (b"[" * 100_000 + b"\n", "nested too deeply"),
    (b'{"id": 1' + b"0" * 5000 + b', "prediction": "x"}\n', "not valid JSON"),
    (b'{"id": "a", "prediction": {"text": "x"}}\n', "'prediction' must be a string"),
    (b'{"id": "a", "prediction": "x"}\n{"id": "a", "prediction": "y"}\n', "appears twice"),
])
def test_hostile_prediction_files_get_a_clear_error(tmp_path, capsys, content, message):
    path = tmp_path / "p.jsonl"
    path.write_bytes(content)
    assert main(["score", "--task", "needle", "--predictions", str(path)]) == 2
    assert message in capsys.readouterr().err


def test_help_loads_neither_torch_nor_mlflow():
    # `acbench --help` and the task list must answer at once: torch and mlflow each take seconds to import.
    import subprocess
    import sys

    code = ("import sys\nfrom acbench.cli import build_parser\nbuild_parser().format_help()\n"
            "from acbench.tasks.registry import expand_task_names\nexpand_task_names('all')\n"
            "print(sorted(m for m in ('torch', 'mlflow', 'transformers', 'optuna') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_config_error_is_one_line_without_a_traceback(capsys):
    assert main(["run", "--method", "gptq", "--bits", "4.5"]) == 2
    assert capsys.readouterr().err == "acbench: error: parameter 'bits' must be an integer, got '4.5'\n"
    assert main(["evaluate", "--tasks", "teval,nosuch"]) == 2  # pydantic's ValidationError, wrapped as ConfigError
    err = capsys.readouterr().err
    assert err.startswith("acbench: error: invalid run configuration:\n  tasks: Value error, unknown task 'nosuch'")
    assert "Traceback" not in err


def test_a_plain_value_error_from_a_buggy_loader_keeps_its_traceback(monkeypatch, capsys):
    # Only ACBenchError is the user's fault: a ValueError raised by a task's loader is a bug, so it leaves
    # main() and Python prints its traceback (exit status 1), instead of a one-line "acbench: error".
    from acbench.tasks.needle.task import NeedleTask

    def broken_load(self, source=None, limit=None):
        raise ValueError("list index out of range in the loader")

    monkeypatch.setattr(NeedleTask, "load", broken_load)
    with pytest.raises(ValueError, match="list index out of range in the loader") as err:
        main(["evaluate", "--tasks", "needle", "--limit", "1"])
    assert err.type is ValueError
    assert "acbench: error" not in capsys.readouterr().err
