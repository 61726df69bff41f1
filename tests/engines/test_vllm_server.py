"""The vLLM server backend against a stand-in server (tests/engines/fake_vllm_server.py, stdlib only): the
requests it sends, and that no server process survives success, failure, Ctrl-C or a kill of the run.

Each process check polls for a bounded number of rounds; nothing asserts on time.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from acbench.engines.base import GenerationRequest
from acbench.engines.vllm_server import ServerError, VLLMNotInstalled, VLLMServer, check_url, free_port

FAKE = Path(__file__).with_name("fake_vllm_server.py")
REPO = Path(__file__).resolve().parents[2]


def fake_command(pids: Path, model: str = "fake-model", *extra: str, requests: Path | None = None) -> list[str]:
    cmd = [sys.executable, str(FAKE), "--port", "{port}", "--model", model, "--pids", str(pids), *extra]
    return cmd + (["--requests", str(requests)] if requests else [])


def alive(pid: int) -> bool:
    """Running (a zombie waiting for its parent to reap it counts as ended)."""
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in state


def wait_until(condition, rounds: int = 300) -> bool:
    for _ in range(rounds):
        if condition():
            return True
        time.sleep(0.1)
    return False


def server_pids(path: Path) -> list[int]:
    assert wait_until(lambda: path.is_file() and len(path.read_text().split()) == 2), "stand-in never started"
    return [int(p) for p in path.read_text().split()]


def assert_all_ended(pids: list[int]) -> None:
    assert wait_until(lambda: not any(alive(p) for p in pids)), f"still running: {[p for p in pids if alive(p)]}"


def test_server_starts_answers_and_its_whole_tree_ends_on_stop(tmp_path):
    server = VLLMServer("m", tmp_path / "server.log", command=fake_command(tmp_path / "pids"))
    with server:
        assert check_url(server.url) == [{"id": "fake-model", "root": "fake-model"}]
        pids = server_pids(tmp_path / "pids")
        assert all(alive(p) for p in pids)  # the server and its "engine core"
    assert_all_ended(pids)
    assert "stand-in server on port" in (tmp_path / "server.log").read_text()  # its log is kept


def test_failure_inside_the_run_stops_the_server(tmp_path):
    with pytest.raises(RuntimeError, match="a task failed"):
        with VLLMServer("m", tmp_path / "log", command=fake_command(tmp_path / "pids")):
            pids = server_pids(tmp_path / "pids")
            raise RuntimeError("a task failed")
    assert_all_ended(pids)


RUN = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from acbench.engines.vllm_server import VLLMServer
    with VLLMServer("m", Path(sys.argv[1]), command=sys.argv[2:]):
        print("up", flush=True)
        time.sleep(120)
""")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL, signal.SIGTERM], ids=["ctrl-c", "kill-9", "term"])
def test_no_server_left_when_the_run_is_interrupted_or_killed(tmp_path, sig):
    run = subprocess.Popen([sys.executable, "-c", RUN, str(tmp_path / "log"), *fake_command(tmp_path / "pids")],
                           stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert run.stdout.readline().strip() == "up"
    pids = server_pids(tmp_path / "pids")
    run.send_signal(sig)
    run.wait(timeout=60)
    assert_all_ended(pids)


def test_a_server_ignoring_sigterm_is_killed(tmp_path, monkeypatch):
    monkeypatch.setenv("ACBENCH_SERVER_GRACE_S", "0.5")
    server = VLLMServer("m", tmp_path / "log", command=fake_command(tmp_path / "pids", "fake-model", "--ignore-term"))
    with server:
        pids = server_pids(tmp_path / "pids")
    assert_all_ended(pids)


def test_a_server_that_does_not_come_up_shows_its_log_tail(tmp_path):
    server = VLLMServer("ckpt", tmp_path / "log", command=fake_command(tmp_path / "pids", "fake-model", "--fail"))
    with pytest.raises(ServerError, match=r"(?s)the vLLM server for ckpt did not come up; the end of its log .*"
                                          r"told to fail at start-up"):
        server.start()
    assert server.process is None


def test_a_busy_port_means_another_port(tmp_path, monkeypatch):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        assert free_port(taken) != taken
        with VLLMServer("m", tmp_path / "log", command=fake_command(tmp_path / "pids"), port=taken) as server:
            assert server.port != taken
            check_url(server.url)
        # taken between the check and the server's bind: the server fails on it, and the next start uses another
        ports = iter([taken])
        real = free_port
        monkeypatch.setattr("acbench.engines.vllm_server.free_port", lambda p=None: next(ports, None) or real())
        with VLLMServer("m", tmp_path / "log2", command=fake_command(tmp_path / "pids2")) as server:
            assert server.port != taken
            assert "Address already in use" in (tmp_path / "log2").read_text()


def test_a_url_that_does_not_answer_is_a_clear_error(free_port):
    port = free_port()  # nothing listens there: refused at once
    with pytest.raises(ServerError, match=rf"no OpenAI-compatible server answers at http://127.0.0.1:{port}/v1/models"):
        check_url(f"http://127.0.0.1:{port}/v1")
    with socket.socket() as silent:  # accepts connections, never answers: the timeout ends the wait
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/v1"
        with pytest.raises(ServerError, match=r"within 0.5 s \((timed out|.*timed out.*)\)"):
            check_url(url, timeout=0.5)


def test_without_vllm_the_error_names_the_setup_command(monkeypatch, tmp_path):
    monkeypatch.setenv("ACBENCH_VLLM_PYTHON", str(tmp_path / "missing" / "python"))
    monkeypatch.setattr("acbench.engines.vllm_server.REPO_ROOT", tmp_path)  # no .venv-vllm there
    monkeypatch.setattr("acbench.engines.vllm_server._has_vllm", lambda python: False)
    with pytest.raises(VLLMNotInstalled, match=r"backend=vllm needs vLLM, in its own environment: run "
                                               r"`ACBENCH_VLLM=1 bash scripts/setup.sh`"):
        VLLMServer("m", tmp_path / "log")


# -- the engine over the stand-in --------------------------------------------------------------------
def test_engine_sends_our_token_ids_and_stop_rules_and_decodes_the_returned_ids(tiny_model, tmp_path):
    from transformers import AutoTokenizer

    from acbench.engines.prompts import prompt_ids
    from acbench.engines.vllm_served import ServedVLLMEngine

    log = tmp_path / "requests.jsonl"
    engine = ServedVLLMEngine(tiny_model, log_dir=tmp_path, max_context=512,
                              server_command=fake_command(tmp_path / "pids", str(tiny_model), requests=log))
    try:
        tok = AutoTokenizer.from_pretrained(tiny_model)
        requests = [GenerationRequest.from_prompt("hello there", max_new_tokens=5, stop=("zz",)),
                    GenerationRequest.from_raw("a raw prompt", max_new_tokens=3, temperature=0.5, seed=7)]
        seen = []
        texts = engine.generate(requests, progress=False, on_result=lambda i, t: seen.append(i))
        bodies = sorted((json.loads(line) for line in log.read_text().splitlines()), key=lambda b: b["max_tokens"])
        raw, chat = bodies
        want_chat = prompt_ids(tok, requests[0], 512)
        assert chat["prompt"] == want_chat and chat["prompt"][:1] != []  # the chat template's ids, as HFEngine's
        assert raw["prompt"] == tok("a raw prompt")["input_ids"]  # no template, the tokenizer's special tokens
        assert (chat["max_tokens"], chat["temperature"], chat["stop"], raw["stop"]) == (5, 0.0, ["zz"], None)
        assert (raw["temperature"], raw["seed"]) == (0.5, 7)
        assert chat["stop_token_ids"] == engine.eos == [tok.eos_token_id] and chat["ignore_eos"] is True
        assert chat["model"] == str(tiny_model) and chat["return_token_ids"] is True
        assert texts[0] == tok.decode(list(reversed(want_chat))[:5], skip_special_tokens=True).split("zz")[0]
        assert sorted(seen) == [0, 1]
        assert engine.info()["vllm_mode"] == "server started by acbench" and engine.info()["dtype"] == "float32"
        pids = server_pids(tmp_path / "pids")
    finally:
        engine.close()
    assert_all_ended(pids)


def test_engine_at_a_url_loads_nothing_and_picks_the_served_model(tiny_model, tmp_path, free_port):
    from acbench.engines.vllm_served import ServedVLLMEngine

    with VLLMServer("m", tmp_path / "log", command=fake_command(tmp_path / "pids", str(tiny_model))) as server:
        engine = ServedVLLMEngine(tiny_model, url=server.url)
        assert engine.server is None and engine.served_name == str(tiny_model)
        assert engine.info() == {"backend": "vllm", "vllm_version": "vllm 0.0-fake",
                                 "vllm_mode": f"server at {server.url}", "dtype": "as served"}
        assert engine.generate([GenerationRequest.from_prompt("x", max_new_tokens=2)], progress=False)[0] is not None
        engine.close()  # a URL's server is not ours to stop
        check_url(server.url)
    with VLLMServer("m", tmp_path / "log2", command=fake_command(tmp_path / "pids2", "a,b")) as other:
        with pytest.raises(ServerError, match=rf"no single served model matches {tiny_model} \(served: "
                                              rf"{other.url}: a; {other.url}: b\)"):
            ServedVLLMEngine(tiny_model, url=other.url)


def test_a_run_through_the_server_records_what_served_it_and_stops_it(tiny_model, isolated_tracking, monkeypatch):
    from mlflow.tracking import MlflowClient

    import acbench.run as run
    from acbench.config import load_config
    from acbench.engines import LazyEngine

    monkeypatch.setattr(run, "check_vllm_run", lambda cfg: None)  # the stand-in needs no vLLM environment
    pids = isolated_tracking / "pids"

    def factory(cfg, path, kv_bits):
        return LazyEngine(model_path=path, backend="vllm", max_context=512, log_dir=isolated_tracking,
                          server_command=fake_command(pids, str(path)))

    cfg = load_config({"model": str(tiny_model), "method": "none", "tasks": "needle", "limit": "1",
                       "backend": "vllm", "analysis": "false", "register": "false"})
    outcome = run.run_experiment(cfg, engine_factory=factory)
    assert_all_ended(server_pids(pids))  # stopped once the model's generations were done
    run_data = MlflowClient().get_run(outcome.run_id).data
    tags = run_data.tags
    assert tags["acbench.engine.base.vllm_mode"] == "server started by acbench"
    assert (tags["acbench.engine.base.dtype"], tags["acbench.engine.base.vllm_version"]) == ("float32", "stand-in")
    assert ("the analyses (ERank, top-k, energy) and the gold likelihood and perplexity need full logits and run in "
            "transformers") in tags["acbench.note.vllm"]
    logs = MlflowClient().list_artifacts(outcome.run_id, "vllm/base")
    assert [Path(a.path).name for a in logs] == [f"vllm-{tiny_model.name}-{os.getpid()}.log"]


def test_the_server_command_carries_dtype_context_kv_and_parallelism(tmp_path):
    from acbench.engines.vllm import kv_cache_kwargs, parallel_kwargs
    from acbench.engines.vllm_served import server_flags

    flags = server_flags({**kv_cache_kwargs("fp8"), **parallel_kwargs(4, 2, "ray")})
    assert flags == ["--kv-cache-dtype=fp8", "--tensor-parallel-size=4", "--pipeline-parallel-size=2",
                     "--distributed-executor-backend=ray"]
    server = VLLMServer("/m", tmp_path / "log", dtype="bfloat16", max_context=1024, extra_args=tuple(flags),
                        python=Path("/env/bin/python"))
    assert server.server_command(8123) == [
        "/env/bin/python", "-m", "vllm.entrypoints.launchers.api_server.entry", "--model", "/m", "--host",
        "127.0.0.1", "--port", "8123", "--dtype", "bfloat16", "--generation-config", "vllm", "--max-model-len",
        "1024", *flags]
