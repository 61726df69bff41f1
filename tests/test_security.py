"""Security guarantees, one test each where it can be tested:

- tracking server and UI bind to loopback unless told otherwise;
- nothing is unpickled freely (no joblib/dill/marshal/shelve; `pickle` only to write, or to read through an
  Unpickler subclass whose own `find_class` refuses every global but a list: AgentBoard's academia graphs;
  `torch.load` only with `weights_only=True`, no `allow_pickle`, YAML through `safe_load` only, checkpoints saved
  as safetensors);
- `trust_remote_code` is off by default, everywhere;
- no `eval`/`exec`/`compile` of text (model output is read with `ast.literal_eval` or JSON);
- hostile prediction files (deep nesting, huge numbers, invalid UTF-8, wrong types) get a clear ConfigError.

The source checks walk the syntax tree of every Python file of the package and of scripts/, bench/ and
tracking/, so comments and strings that mention these names do not count, and `model.eval()` is not `eval`.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from acbench.config import ConfigError, ModelSpec, RunConfig
from acbench.predictions import read_predictions

REPO = Path(__file__).resolve().parents[1]
SOURCES = sorted(p for folder in ("acbench", "scripts", "bench", "tracking") for p in (REPO / folder).rglob("*.py"))
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _trees():
    for path in SOURCES:
        yield path.relative_to(REPO), ast.parse(path.read_text(), filename=str(path))


def _calls(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            owner = func.value.id if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else None
            yield node, owner, name


def _keyword(call: ast.Call, name: str):
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return None


def test_sources_were_found():
    assert len(SOURCES) > 50 and any(p.match("acbench/tracking/runs.py") for p in SOURCES)


# ---- servers bind to loopback ---------------------------------------------------------------------------


def test_start_server_binds_loopback_unless_told(tmp_path):
    """tracking/start_server.sh, run with a stand-in `mlflow` that prints its arguments."""
    fake = tmp_path / "mlflow"
    fake.write_text('#!/usr/bin/env bash\necho "$@"\n')
    fake.chmod(0o755)
    env = {**os.environ, "MLFLOW_BIN": str(fake), "BACKEND": f"sqlite:///{tmp_path}/db", "ARTIFACTS": str(tmp_path / "a")}
    env.pop("HOST", None)
    script = str(REPO / "tracking" / "start_server.sh")
    out = subprocess.run(["bash", script], env=env, capture_output=True, text=True, timeout=30, check=True).stdout
    assert "--host 127.0.0.1" in out
    told = subprocess.run(["bash", script], env={**env, "HOST": "0.0.0.0"}, capture_output=True, text=True,
                          timeout=30, check=True).stdout
    assert "--host 0.0.0.0" in told  # only when the user says so


def test_every_server_script_defaults_to_loopback():
    """Each `${HOST:-...}`/`${*LISTEN*:-...}` default in tracking/ and scripts/ shell files is a loopback address."""
    defaults = []
    for path in [*(REPO / "tracking").glob("*.sh"), *(REPO / "scripts").glob("*.sh")]:
        defaults += [(path.name, m.group(1), m.group(2))
                     for m in re.finditer(r"\$\{(\w*(?:HOST|LISTEN)\w*):-([^}]*)\}", path.read_text())]
    assert ("start_server.sh", "HOST", "127.0.0.1") in defaults
    bad = [d for d in defaults if d[2] not in LOOPBACK]
    assert not bad, f"servers that would listen beyond loopback by default: {bad}"


def test_mlflow_server_and_python_code_bind_loopback():
    from mlflow.cli import server

    assert next(p.default for p in server.params if p.name == "host") == "127.0.0.1"
    for rel, tree in _trees():
        for call, _, name in _calls(tree):
            host = _keyword(call, "host")
            if isinstance(host, ast.Constant) and isinstance(host.value, str):
                assert host.value in LOOPBACK, f"{rel}:{call.lineno}: {name}(host={host.value!r})"
        assert "0.0.0.0" not in {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)}, rel


# ---- no pickle ----------------------------------------------------------------------------------------

PICKLING_MODULES = {"cPickle", "_pickle", "dill", "joblib", "cloudpickle", "shelve", "marshal"}
PICKLE_WRITING = {"dump", "dumps", "HIGHEST_PROTOCOL", "DEFAULT_PROTOCOL", "UnpicklingError", "PicklingError"}


def _restricted_bases(tree) -> set[int]:
    """The `pickle.Unpickler` nodes that are the base of a class defining its own find_class."""
    return {id(base) for node in ast.walk(tree) if isinstance(node, ast.ClassDef)
            and any(isinstance(item, ast.FunctionDef) and item.name == "find_class" for item in node.body)
            for base in node.bases}


def _pickle_problems(rel, tree) -> list[str]:
    problems, restricted = [], _restricted_bases(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            problems += [f"{rel}:{node.lineno}: import {a.name}" for a in node.names
                         if a.name.split(".")[0] in PICKLING_MODULES or (a.name == "pickle" and a.asname)]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in PICKLING_MODULES | {"pickle"}:
            problems.append(f"{rel}:{node.lineno}: from {node.module} import ...")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "pickle":
            if node.attr not in PICKLE_WRITING and id(node) not in restricted:
                problems.append(f"{rel}:{node.lineno}: pickle.{node.attr} (reads without a restricted find_class)")
    for call, owner, name in _calls(tree):
        where = f"{rel}:{call.lineno}"
        weights_only = _keyword(call, "weights_only")
        if owner == "torch" and name == "load" and not (isinstance(weights_only, ast.Constant) and weights_only.value is True):
            problems.append(f"{where}: torch.load without weights_only=True")
        allow = _keyword(call, "allow_pickle")
        if isinstance(allow, ast.Constant) and allow.value is True:
            problems.append(f"{where}: allow_pickle=True")
        if name == "read_pickle" or (owner == "yaml" and name in ("load", "load_all", "unsafe_load", "full_load")):
            problems.append(f"{where}: {owner}.{name}")
        unsafe = _keyword(call, "safe_serialization")
        if isinstance(unsafe, ast.Constant) and unsafe.value is False:
            problems.append(f"{where}: save with safe_serialization=False (pickle) instead of safetensors")
    return problems


def test_no_pickle_anywhere():
    problems = [p for rel, tree in _trees() for p in _pickle_problems(rel, tree)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("source, allowed", [
    ("import pickle\npickle.load(f)", False),
    ("import pickle\nx = pickle.loads(b)", False),
    ("import pickle\npickle.Unpickler(f).load()", False),
    ("import pickle\nclass U(pickle.Unpickler):\n    pass\nU(f).load()", False),  # find_class not narrowed
    ("import pickle\nclass U(pickle.Unpickler):\n    def find_class(self, m, n):\n        raise ValueError\n"
     "U(f).load()\npickle.Unpickler(f).load()", False),  # a restricted class does not excuse a plain one
    ("import pickle as p\np.load(f)", False),
    ("from pickle import loads", False),
    ("import dill", False),
    ("import pickle\npickle.dump(x, f, protocol=pickle.HIGHEST_PROTOCOL)", True),
    ("import pickle\nclass U(pickle.Unpickler):\n    def find_class(self, m, n):\n        raise ValueError\n"
     "U(f).load()", True),
])
def test_the_pickle_check_tells_reading_from_writing(source, allowed):
    assert (not _pickle_problems("x.py", ast.parse(source))) is allowed


def test_yaml_configs_are_read_with_safe_load(tmp_path):
    """A YAML file that asks for object construction is refused, never executed."""
    path = tmp_path / "evil.yaml"
    path.write_text("model: !!python/object/apply:os.system ['touch pwned']\n")
    with pytest.raises((ConfigError, yaml.YAMLError)):
        RunConfig.from_yaml(path)
    assert not (tmp_path / "pwned").exists() and not Path("pwned").exists()


# ---- trust_remote_code --------------------------------------------------------------------------------


def test_trust_remote_code_is_off_by_default():
    assert ModelSpec().trust_remote_code is False
    assert RunConfig.from_params({}).model.trust_remote_code is False
    problems = []
    for rel, tree in _trees():
        for call, _, name in _calls(tree):
            value = _keyword(call, "trust_remote_code")
            if isinstance(value, ast.Constant) and value.value is True:
                problems.append(f"{rel}:{call.lineno}: {name}(trust_remote_code=True)")
        for node in ast.walk(tree):  # every function that takes the flag defaults it to False
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                args = node.args
                pairs = list(zip(args.args[len(args.args) - len(args.defaults):], args.defaults))
                pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None]
                problems += [f"{rel}:{node.lineno}: {node.name}(trust_remote_code={ast.unparse(d)})"
                             for a, d in pairs if a.arg == "trust_remote_code"
                             and not (isinstance(d, ast.Constant) and d.value is False)]
    for path in [REPO / "MLproject", *(REPO / "experiments").glob("*.yaml"), *(REPO / "sweeps").glob("*.yaml")]:
        if re.search(r"trust_remote_code\s*:\s*(true|yes|on|1)\b", path.read_text(), re.IGNORECASE):
            problems.append(f"{path.relative_to(REPO)} turns trust_remote_code on")
    assert not problems, "\n".join(problems)


# ---- no eval/exec of text -----------------------------------------------------------------------------


def _eval_problems(rel, tree) -> list[str]:
    return [f"{rel}:{call.lineno}: {name}(...)" for call, owner, name in _calls(tree)
            if isinstance(call.func, ast.Name) and name in ("eval", "exec", "compile", "__import__")]


def test_no_eval_exec_or_compile_of_text():
    """AgentBoard eval()s the model's action input; acbench reads it with ast.literal_eval or JSON."""
    problems = [p for rel, tree in _trees() for p in _eval_problems(rel, tree)]
    assert not problems, "\n".join(problems)


def test_the_source_checks_catch_violations():
    """The checks above, on a snippet with one violation per rule (so a silent checker cannot pass)."""
    bad = ast.parse("pickle.load(f)\nfrom joblib import load\ntorch.load(f)\ntorch.load(f, weights_only=False)\n"
                    "np.load(f, allow_pickle=True)\nyaml.load(s)\npd.read_pickle(f)\n"
                    "m.save_pretrained(d, safe_serialization=False)\neval(t)\nexec(t)\nmodel.eval()\n"
                    "ast.literal_eval(t)\ntorch.load(f, weights_only=True)\n")
    assert len(_pickle_problems("snippet", bad)) == 8
    assert [p.split(": ")[1] for p in _eval_problems("snippet", bad)] == ["eval(...)", "exec(...)"]


def test_agent_action_input_is_never_evaluated(tmp_path):
    from acbench.tasks.agentic.env import ToolCallError, parse_tool_call

    marker = tmp_path / "pwned"
    for text in (f"f(__import__('os').system('touch {marker}'))", f"f(open('{marker}', 'w'))",
                 "x {\"a\": __import__('os').getcwd()}", "f(*[1])", "f(**{'a': 1})"):
        with pytest.raises(ToolCallError):
            parse_tool_call(text)
    assert not marker.exists()


# ---- hostile prediction files -------------------------------------------------------------------------


def _predictions(tmp_path, content: bytes) -> Path:
    path = tmp_path / "preds.jsonl"
    path.write_bytes(content)
    return path


@pytest.mark.parametrize("content, message", [
    (b'{"id": "a", "prediction": "x"}\n\xff\xfe\n', "not UTF-8"),
    (b"[" * 200_000 + b"]" * 200_000 + b"\n", "nested too deeply|not valid JSON"),
    (b'{"id": "a", "prediction": ' + b'{"b": ' * 100_000 + b"1" + b"}" * 100_001 + b"\n", "nested too deeply|not valid JSON"),
    (b'{"id": ' + b"9" * 50_000 + b', "prediction": "x"}\n', "not valid JSON"),
    (b'{"id": 1e999, "prediction": "x"}\n', "'id' must be a string or an integer"),
    (b'{"id": NaN, "prediction": "x"}\n', "'id' must be a string or an integer"),
    (b'{"id": "a", "prediction": 1e999}\n', "'prediction' must be a string"),
    (b'{"id": true, "prediction": "x"}\n', "'id' must be a string or an integer"),
    (b'{"id": "a", "prediction": ["x"]}\n', "'prediction' must be a string"),
    (b'["a", "x"]\n', "must be a JSON object"),
    (b'{"id": "a", "prediction": "x"}\n{"id": "a", "prediction": "y"}\n', "appears twice"),
    (b'\xef\xbb\xbf{"id": "a", "prediction": "x"}\n', "not valid JSON"),  # a byte-order mark
])
def test_hostile_prediction_files_get_a_clear_error(tmp_path, content, message):
    with pytest.raises(ConfigError, match=message) as err:
        read_predictions(_predictions(tmp_path, content))
    assert "preds.jsonl" in str(err.value) and len(str(err.value)) < 500  # names the file, stays short


@settings(max_examples=200, deadline=None, database=None, derandomize=True)
@given(st.lists(st.one_of(st.binary(max_size=60), st.sampled_from([b"{", b"}", b'"id"', b'"prediction"', b":", b",",
                                                                     b"\n", b"1e999", b"\xff", b'"x"', b"[", b"]"])),
                max_size=30))
def test_any_prediction_bytes_give_predictions_or_a_config_error(chunks):
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        try:
            rows = read_predictions(_predictions(Path(tmp), b"".join(chunks)))
        except ConfigError as err:
            assert str(err)
        else:
            assert all(isinstance(k, str) and isinstance(v, str) for k, v in rows.items())
